package eval

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"mime"
	"slices"
	"strings"
	"time"
)

// GenConfig shapes Generate's stream. Zero fields take the defaults.
type GenConfig struct {
	Campaigns      int       // planted campaigns; default 40
	MinSize        int       // smallest campaign; default 5
	MaxSize        int       // largest campaign; default 3000
	OneOffFraction float64   // share of one-off spams in the total; default 0.2
	Days           int       // length of the period; default 30
	MaxSpan        int       // longest campaign, in days (shortest is 1); default 10
	Start          time.Time // start of the period; default 2024-03-01 UTC
}

// Defaults returns c with its zero fields set to the defaults.
func (c GenConfig) Defaults() GenConfig {
	if c.Campaigns <= 0 {
		c.Campaigns = 40
	}
	if c.MinSize <= 0 {
		c.MinSize = 5
	}
	if c.MaxSize < c.MinSize {
		c.MaxSize = max(3000, c.MinSize)
	}
	if c.OneOffFraction <= 0 || c.OneOffFraction >= 1 {
		c.OneOffFraction = 0.2
	}
	if c.Days <= 0 {
		c.Days = 30
	}
	if c.MaxSpan <= 0 {
		c.MaxSpan = 10
	}
	c.MaxSpan = min(c.MaxSpan, c.Days)
	if c.Start.IsZero() {
		c.Start = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	}
	return c
}

// template is what a spamware run fixes for a whole campaign.
type template struct {
	lang *langText

	frames  [][2]string // subject phrases before and after the slot; one is drawn per message
	slot    int         // 0 alnum token, 1 random word, 2 number, 3 none
	subjEnc int         // 0 raw, 1 B, 2 Q (non-ASCII subjects only)

	display    string // sender display name, "" for none
	nameSuffix string // with randomName, after the name drawn per message
	randomName bool   // a display name drawn per message: a first name of the language and an initial
	localShape int    // 0 letters, 1 letters+digits, 2 first.last, 3 letters+digits suffix
	domain     string // sender domain, "" for a random one per message
	toShape    int    // 0 bare, 1 <addr>, 2 "Name" <addr>

	mailer     string // "" for none
	personas   []int  // a botnet's mailers, one drawn per message; nil for one mailer
	hops       int
	hopFmt     int
	dateFmt    string
	zone       *time.Location // nil for a botnet: each message in its bot's zone
	msgidFmt   int
	multipart  bool
	boundFmt   int
	cte        string // "" for none
	lines      []int  // body sentence indices
	hashBuster bool
	urlHost    string

	start time.Time
	span  time.Duration
}

var (
	tlds    = []string{"com", "net", "org", "info", "biz", "ru", "cn", "com.br", "de", "fr", "it", "es", "jp", "co.uk", "pl", "in"}
	mailers = []string{"Microsoft Outlook Express 6.00.2900.2180", "Microsoft Office Outlook 12.0", "The Bat! (v3.5.25) Professional", "Mozilla Thunderbird 1.5.0.10", "Foxmail 6, 13, 102, 15 [cn]", "PHPMailer 5.2.9 (https://github.com/PHPMailer/PHPMailer)", "Apple Mail (2.1085)", "Becky! ver. 2.24.02", "AOL 9.0 for Windows US sub 5016", "Lotus Notes Release 8.5"}
	zones   = []int{-8, -7, -5, -3, 0, 1, 2, 3, 5, 8, 9}
	// sensorDomains are the spampot's own domains: a sensor receives mail
	// addressed to them, so recipients are random local parts at these.
	sensorDomains = []string{"mail-trap.com", "example-shop.net", "caixa-postal.com.br", "postfach-muster.de"}
	zoneNames     = map[int]string{-8: "PST", -7: "MST", -5: "EST", -3: "BRT", 0: "GMT", 1: "CET", 2: "EET", 3: "MSK", 5: "PKT", 8: "CST", 9: "JST"}
	dateFormats   = []string{time.RFC1123Z, "2 Jan 2006 15:04:05 -0700", "Mon, 02 Jan 2006 15:04:05 -0700 (MST)", "Mon, 2 Jan 2006 15:04:05 -0700"}
	products      = []string{"Viagra", "Cialis", "Rolex", "Bitcoin", "iPhone", "Ray-Ban", "Louis Vuitton", "Casino", "Forex", "Crypto"}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

const (
	lower = "abcdefghijklmnopqrstuvwxyz"
	alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	hexd  = "0123456789ABCDEF"
)

func letters(r *rand.Rand, lo, hi int) string {
	b := make([]byte, lo+r.IntN(hi-lo+1))
	for i := range b {
		b[i] = lower[r.IntN(26)]
	}
	return string(b)
}

func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0' + byte(r.IntN(10))
	}
	return string(b)
}

func hexs(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = hexd[r.IntN(16)]
	}
	return string(b)
}

// token is a mixed alphanumeric run: a letter, a digit, then 4-8 of either.
func token(r *rand.Rand) string {
	b := []byte{lower[r.IntN(26)], '0' + byte(r.IntN(10))}
	for range 4 + r.IntN(5) {
		b = append(b, alnum[r.IntN(36)])
	}
	return string(b)
}

func randDomain(r *rand.Rand) string { return letters(r, 4, 10) + "." + pick(r, tlds) }

func ip(r *rand.Rand) string {
	return fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(222), r.IntN(256), r.IntN(256), 1+r.IntN(254))
}

func newTemplate(r *rand.Rand, cfg GenConfig) *template {
	t := &template{lang: &languages[r.IntN(len(languages))]}
	l := t.lang
	// A quarter of the campaigns rotate their subject among 3-6 phrases
	// (the TREC 2007 pharmacy, loan and stock campaigns do).
	frames := 1
	if r.IntN(4) == 0 {
		frames = 3 + r.IntN(4)
	}
	for range frames {
		var f [2]string
		f[0] = pick(r, l.subject)
		switch r.IntN(3) {
		case 0:
			f[0] += " " + pick(r, products)
		case 1:
			f[1] = pick(r, l.subject)
		}
		t.frames = append(t.frames, f)
	}
	t.slot = r.IntN(4)
	t.subjEnc = r.IntN(3)
	if r.IntN(3) > 0 {
		t.display = pick(r, l.names)
		if r.IntN(2) == 0 {
			t.nameSuffix = " " + pick(r, []string{"Support", "Team", "Service", "Shop", "Pharmacy", "Bank"})
			t.display += t.nameSuffix
		}
		// A third of those draw the name per message, as bots do (the
		// TREC 2007 exact-Subject groups hold 60 distinct From values on
		// average).
		t.randomName = r.IntN(3) == 0
	}
	t.localShape = r.IntN(4)
	if r.IntN(10) >= 3 {
		t.domain = randDomain(r)
	}
	t.toShape = r.IntN(3)
	if r.IntN(3) > 0 {
		t.mailer = pick(r, mailers)
	}
	t.hops = 1 + r.IntN(3)
	t.hopFmt = r.IntN(3)
	t.dateFmt = pick(r, dateFormats)
	if r.IntN(2) == 0 {
		t.zone = zoneOf(pick(r, zones))
	}
	if t.zone == nil && r.IntN(3) == 0 {
		// A third of the botnets fake one of 2-4 mailers per message.
		t.personas = r.Perm(len(mailers))[:2+r.IntN(3)]
	}
	t.msgidFmt = r.IntN(3)
	t.multipart = r.IntN(2) == 0
	t.boundFmt = r.IntN(3)
	t.cte = pick(r, []string{"", "7bit", "8bit"})
	if t.lang.code != "en" && t.cte == "7bit" {
		t.cte = "8bit"
	}
	n := 2 + r.IntN(5)
	t.lines = r.Perm(len(l.body))[:min(n, len(l.body))]
	t.hashBuster = r.IntN(3) == 0
	t.urlHost = letters(r, 5, 9) + "." + pick(r, tlds)
	days := 1 + r.IntN(cfg.MaxSpan)
	t.span = time.Duration(days) * 24 * time.Hour
	t.start = cfg.Start.Add(time.Duration(r.IntN(cfg.Days-days+1)) * 24 * time.Hour)
	return t
}

func zoneOf(h int) *time.Location { return time.FixedZone(zoneNames[h], h*3600) }

// recipient returns a victim's local part: mostly letters, else letters
// and digits, first.last or first_last (the TREC 2007 spams' To shapes
// are about 60% letters, 35% letters and digits).
func recipient(r *rand.Rand) string {
	switch n := r.IntN(20); {
	case n < 11:
		return letters(r, 3, 10)
	case n < 18:
		return letters(r, 3, 8) + digits(r, 1+r.IntN(4))
	case n < 19:
		return letters(r, 3, 7) + "." + letters(r, 3, 9)
	default:
		return letters(r, 3, 7) + "_" + letters(r, 3, 9)
	}
}

func (t *template) localPart(r *rand.Rand) string {
	switch t.localShape {
	case 0:
		return letters(r, 4, 9)
	case 1:
		return token(r)
	case 2:
		return letters(r, 3, 7) + "." + letters(r, 4, 8)
	default:
		return letters(r, 4, 8) + digits(r, 2+r.IntN(3))
	}
}

func (t *template) subject(r *rand.Rand) string {
	var slot string
	switch t.slot {
	case 0:
		slot = token(r)
	case 1:
		slot = pick(r, t.lang.words)
	case 2:
		slot = digits(r, 3+r.IntN(4))
	}
	f := t.frames[0]
	if len(t.frames) > 1 {
		f = pick(r, t.frames)
	}
	s := f[0]
	if slot != "" {
		s += " " + slot
	}
	if f[1] != "" {
		s += " " + f[1]
	}
	if isASCII(s) {
		return s
	}
	switch t.subjEnc {
	case 1:
		return mime.BEncoding.Encode("utf-8", s)
	case 2:
		return mime.QEncoding.Encode("utf-8", s)
	}
	return s
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func (t *template) fill(r *rand.Rand, s, rcptLocal string) string {
	s = strings.ReplaceAll(s, "{name}", rcptLocal)
	s = strings.ReplaceAll(s, "{url}", "http://"+t.urlHost+"/"+token(r)+"?id="+digits(r, 6))
	return strings.ReplaceAll(s, "{num}", fmt.Sprint(2+r.IntN(98)))
}

// message appends one message of t, dated at, to b.
func (t *template) message(b *bytes.Buffer, r *rand.Rand, at time.Time) {
	fromDomain := t.domain
	if fromDomain == "" {
		fromDomain = randDomain(r)
	}
	from := t.localPart(r) + "@" + fromDomain
	rcptLocal := recipient(r)
	rcpt := rcptLocal + "@" + pick(r, sensorDomains)
	zone := t.zone
	if zone == nil {
		zone = zoneOf(pick(r, zones))
	}
	local := at.In(zone)

	fmt.Fprintf(b, "From %s %s\n", from, at.UTC().Format("Mon Jan _2 15:04:05 2006"))
	// Received, newest first; each hop a little after the previous one.
	host := letters(r, 4, 8) + "." + randDomain(r)
	for h := range t.hops {
		hopAt := local.Add(time.Duration(t.hops-h) * time.Duration(1+r.IntN(30)) * time.Second)
		srcIP := ip(r)
		switch t.hopFmt {
		case 0:
			fmt.Fprintf(b, "Received: from %s ([%s])\n\tby %s with SMTP id %s\n\tfor <%s>; %s\n",
				letters(r, 3, 8), srcIP, host, token(r), rcpt, hopAt.Format(time.RFC1123Z))
		case 1:
			fmt.Fprintf(b, "Received: from [%s] (helo=%s)\n\tby %s with esmtp (Exim 4.69)\n\tid %s-%s-%s; %s\n",
				srcIP, letters(r, 4, 8), host, token(r), hexs(r, 4), hexs(r, 2), hopAt.Format(time.RFC1123Z))
		default:
			fmt.Fprintf(b, "Received: (qmail %s invoked by uid %d); %s\n", digits(r, 5), 1000+r.IntN(9000), hopAt.Format(time.RFC1123Z))
		}
		host = letters(r, 4, 8) + "." + randDomain(r)
	}
	display := t.display
	if t.randomName { // a first name and an initial: 208 names per language
		display = pick(r, t.lang.names) + " " + string(rune('A'+r.IntN(26))) + "." + t.nameSuffix
	}
	switch {
	case display != "":
		fmt.Fprintf(b, "From: \"%s\" <%s>\n", mime.BEncoding.Encode("utf-8", display), from)
	default:
		fmt.Fprintf(b, "From: %s\n", from)
	}
	switch t.toShape {
	case 0:
		fmt.Fprintf(b, "To: %s\n", rcpt)
	case 1:
		fmt.Fprintf(b, "To: <%s>\n", rcpt)
	default:
		fmt.Fprintf(b, "To: \"%s\" <%s>\n", rcptLocal, rcpt)
	}
	fmt.Fprintf(b, "Subject: %s\n", t.subject(r))
	fmt.Fprintf(b, "Date: %s\n", local.Format(t.dateFmt))
	switch t.msgidFmt {
	case 0:
		fmt.Fprintf(b, "Message-ID: <%s$%s@%s>\n", hexs(r, 12), hexs(r, 8), fromDomain)
	case 1:
		fmt.Fprintf(b, "Message-ID: <%d.%s@%s>\n", at.Unix(), token(r), host)
	default:
		fmt.Fprintf(b, "Message-ID: <000%s01c%s$%s$%s@%s>\n", hexs(r, 5), hexs(r, 5), hexs(r, 8), hexs(r, 8), letters(r, 4, 10))
	}
	if t.personas != nil {
		fmt.Fprintf(b, "X-Mailer: %s\n", mailers[pick(r, t.personas)])
	} else if t.mailer != "" {
		fmt.Fprintf(b, "X-Mailer: %s\n", t.mailer)
	}
	b.WriteString("MIME-Version: 1.0\n")

	var text strings.Builder
	for _, i := range t.lines {
		text.WriteString(t.fill(r, t.lang.body[i], rcptLocal))
		text.WriteByte('\n')
	}
	if t.hashBuster {
		for k := range 5 + r.IntN(8) {
			if k > 0 {
				text.WriteByte(' ')
			}
			text.WriteString(pick(r, t.lang.words))
		}
		text.WriteByte('\n')
	}
	cs := t.lang.charset
	if !t.multipart {
		fmt.Fprintf(b, "Content-Type: text/plain; charset=%s\n", cs)
		if t.cte != "" {
			fmt.Fprintf(b, "Content-Transfer-Encoding: %s\n", t.cte)
		}
		fmt.Fprintf(b, "\n%s\n", text.String())
		return
	}
	var bound string
	switch t.boundFmt {
	case 0:
		bound = fmt.Sprintf("----=_NextPart_000_%s_%s.%s", hexs(r, 4), hexs(r, 8), hexs(r, 8))
	case 1:
		bound = "b1_" + strings.ToLower(hexs(r, 32))
	default:
		bound = "=_" + token(r) + token(r)
	}
	fmt.Fprintf(b, "Content-Type: multipart/alternative;\n\tboundary=\"%s\"\n\nThis is a multi-part message in MIME format.\n\n", bound)
	fmt.Fprintf(b, "--%s\nContent-Type: text/plain; charset=%s\n\n%s\n", bound, cs, text.String())
	fmt.Fprintf(b, "--%s\nContent-Type: text/html; charset=%s\n\n<html><body>\n", bound, cs)
	for _, line := range strings.Split(strings.TrimSuffix(text.String(), "\n"), "\n") {
		fmt.Fprintf(b, "<p>%s</p>\n", line)
	}
	fmt.Fprintf(b, "<a href=\"http://%s/\">%s</a>\n</body></html>\n\n--%s--\n\n", t.urlHost, t.urlHost, bound)
}

// Generate returns a deterministic mboxrd stream of planted campaigns and
// one-off spams (see the package comment) and each message's label: its
// campaign's id ("k000" …) or "" for a one-off.
func Generate(seed int64, cfg GenConfig) (mbox []byte, labels []string) {
	cfg = cfg.Defaults()
	r := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	type planned struct {
		t     *template
		label string
		at    time.Time
	}
	var msgs []planned
	lo, hi := math.Log(float64(cfg.MinSize)), math.Log(float64(cfg.MaxSize)+1)
	for c := range cfg.Campaigns {
		t := newTemplate(r, cfg)
		size := min(int(math.Exp(lo+r.Float64()*(hi-lo))), cfg.MaxSize)
		label := fmt.Sprintf("k%03d", c)
		for range size {
			msgs = append(msgs, planned{t, label, t.start.Add(time.Duration(r.Int64N(int64(t.span))))})
		}
	}
	oneOffs := int(math.Round(float64(len(msgs)) * cfg.OneOffFraction / (1 - cfg.OneOffFraction)))
	period := time.Duration(cfg.Days) * 24 * time.Hour
	for range oneOffs {
		t := newTemplate(r, cfg)
		msgs = append(msgs, planned{t, "", cfg.Start.Add(time.Duration(r.Int64N(int64(period))))})
	}
	at := func(p planned) time.Time { return p.at.Truncate(time.Second) }
	slices.SortStableFunc(msgs, func(a, b planned) int { return at(a).Compare(at(b)) })

	var b bytes.Buffer
	labels = make([]string, len(msgs))
	for i, m := range msgs {
		m.t.message(&b, r, at(m))
		labels[i] = m.label
	}
	return b.Bytes(), labels
}
