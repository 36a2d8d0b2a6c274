package eval

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/spampots/spampots/spool/mbox"
)

// LoadConfig shapes WriteLoad's stream: one day of a large sensor fleet.
// Zero fields take the defaults.
type LoadConfig struct {
	Messages       int       // messages in the stream; default 1,000,000
	Campaigns      int       // planted campaigns; default 2000 (the paper: ~3700 a day at f_c = 1000)
	OneOffFraction float64   // share of one-off spams; default 0.2
	Day            time.Time // the day; default 2024-03-01 UTC
}

// WriteLoad writes an mboxrd stream of cfg.Messages messages of
// cfg.Campaigns planted campaigns (Generate's templates, log-uniform
// weights from 1 to 1000) and one-off spams, all captured inside one UTC
// day, in random order, each stored as a sensor stores it (spool/mbox: the
// envelope's X- headers, the source IP from the campaign's botnet). It
// holds only the templates, not the messages, so it can stream a day of
// 12M messages into the miner (about 1.5 KiB each).
func WriteLoad(w io.Writer, seed uint64, cfg LoadConfig) error {
	if cfg.Messages <= 0 {
		cfg.Messages = 1_000_000
	}
	if cfg.Campaigns <= 0 {
		cfg.Campaigns = 2000
	}
	if cfg.OneOffFraction <= 0 || cfg.OneOffFraction >= 1 {
		cfg.OneOffFraction = 0.2
	}
	if cfg.Day.IsZero() {
		cfg.Day = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	}
	r := rand.New(rand.NewPCG(seed, 0x10ad))
	gcfg := GenConfig{Days: 1, MaxSpan: 1, Start: cfg.Day}.Defaults()
	temps := make([]*template, cfg.Campaigns)
	cum := make([]float64, cfg.Campaigns) // cumulative weights
	total := 0.0
	for i := range temps {
		temps[i] = newTemplate(r, gcfg)
		total += math.Exp(r.Float64() * math.Log(1000))
		cum[i] = total
	}
	// Each campaign is sent by a botnet of 1 to 2000 addresses (the paper
	// saw 87,237 addresses in 92 days of 11.8M messages a day).
	bots := make([][]string, cfg.Campaigns)
	for i := range bots {
		bots[i] = make([]string, int(math.Exp(r.Float64()*math.Log(2000))))
		for j := range bots[i] {
			bots[i][j] = ip(r)
		}
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var b bytes.Buffer
	var entry []byte
	const day = int64(24 * time.Hour)
	for range cfg.Messages {
		var t *template
		var src string
		if r.Float64() < cfg.OneOffFraction {
			t, src = newTemplate(r, gcfg), ip(r)
		} else {
			i, _ := slices.BinarySearch(cum, r.Float64()*total)
			i = min(i, len(temps)-1)
			t, src = temps[i], pick(r, bots[i])
		}
		at := cfg.Day.Add(time.Duration(r.Int64N(day))).Truncate(time.Second)
		b.Reset()
		t.message(&b, r, at)
		// As a sensor stores it: the envelope, then the message.
		fromLine, msg, _ := bytes.Cut(b.Bytes(), []byte("\n"))
		sender, _, _ := bytes.Cut(bytes.TrimPrefix(fromLine, []byte("From ")), []byte(" "))
		env := mbox.Envelope{SensorID: "LOAD-01", SensorTime: at, SrcProto: "SMTP", SrcIP: src,
			SMTPProto: "ESMTP", MailFrom: string(sender), RcptTo: []string{"victim@example.org"}}
		entry = mbox.AppendEntry(entry[:0], &env, bytes.TrimSuffix(msg, []byte("\n")))
		if _, err := bw.Write(entry); err != nil {
			return err
		}
	}
	return bw.Flush()
}
