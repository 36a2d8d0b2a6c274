package features

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/spampots/spampots/spool/mbox"
)

func value(t *testing.T, msg string, env *mbox.Envelope, ft Type) string {
	t.Helper()
	fs := Extract([]byte(msg), env, nil)
	if len(fs) != NumTypes {
		t.Fatalf("got %d features, want %d", len(fs), NumTypes)
	}
	for i, f := range fs {
		if f.Type != Type(i) {
			t.Fatalf("feature %d has type %v", i, f.Type)
		}
	}
	return fs[ft].Value
}

// same checks that every header value hv, put in field name, gives one
// feature value, and returns it.
func same(t *testing.T, ft Type, name string, hvs ...string) string {
	t.Helper()
	var first string
	for i, hv := range hvs {
		got := value(t, name+": "+hv+"\r\n\r\nbody\r\n", nil, ft)
		if i == 0 {
			first = got
		} else if got != first {
			t.Errorf("%s %q → %q, but %q → %q", ft, hvs[0], first, hv, got)
		}
	}
	return first
}

func TestCollapse(t *testing.T) {
	tests := []struct {
		name string
		ft   Type
		hdr  string
		vals []string
		want string
	}{
		{"subject random suffix", Subject, "Subject", []string{
			"Best Buy Viagra Online xkqwpz",
			"Best Buy Viagra Online a7f3k2", "Best Buy Viagra Online  J8-k2Lx",
			"best buy VIAGRA online WYADCKPDFWWTWTXNFVUE",
			"=?utf-8?Q?Best_Buy_Viagra_Online?= 7d3f9a2c1b",
			"=?iso-8859-1?B?QmVzdCBCdXkgVmlhZ3JhIE9ubGluZQ==?= lzmfnrdkleks",
		}, "best buy viagra online *"},
		{"subject price", Subject, "Subject", []string{"Save $19.99 now", "Save $5 now"}, "save $# now"},
		{"received hops", Received, "Received", []string{
			"from 129.97.78.23 ([211.202.101.74])\r\n\tby speedy.uwaterloo.ca (8.12.8/8.12.5) with SMTP id l38H7G0I003017;\r\n\tSun, 8 Apr 2007 13:07:21 -0400",
			"from 10.1.2.3 ([88.7.6.5]) by mx.example.org (9.1.1/9.1.1) with SMTP id zz99Q;\n Mon, 9 Apr 2007 01:00:00 +0000",
			// The client's HELO and the receiver's reverse DNS name vary per bot.
			"from bot7 (dsl-88-7-6-5.example.net [88.7.6.5]) by mx.example.org (9.1.1/9.1.1) with SMTP id zz99Q;\n Mon, 9 Apr 2007 01:00:00 +0000",
			"from [88.7.6.5] (host [88.7.6.5] (may be forged)) by mx.example.org (9.1.1/9.1.1) with SMTP id zz99Q; x",
		}, "from helo ([ip]) by host (host) with smtp id w"},
		{"received comment without literal", Received, "Received", []string{
			"from [1.2.3.4] (helo=abc) by mx.example.org with esmtp (Exim 4.69) id 1Hx-00A; x",
			"from [5.6.7.8] (helo=mail.example.com) by mx.example.org with esmtp (Exim 4.69) id 1Hz-0B; y",
		}, "from helo () by host with esmtp (w host) id w"},
		{"date instants", Date, "Date", []string{
			"Sun, 08 Apr 2007 21:00:48 +0300", "Tue, 31 Dec 2019 01:02:03 -0500",
			"Wed, 1 Jan 2020 23:59:59 +0000",
		}, "Www, 9 Mmm 9999 9:9:9 +9999"},
		{"date zone names", Date, "Date", []string{
			"Sun, 8 Apr 2007 13:07:21 -0400 (EDT)", "Sun, 8 Apr 2007 13:07:21 +0300 (MSK)",
		}, "Www, 9 Mmm 9999 9:9:9 +9999 (Zzz)"},
		{"content-type boundary", ContentType, "Content-Type", []string{
			"multipart/alternative;\r\n\tboundary=\"----=_NextPart_000_0001_01C779F5.2C5E1370\"",
			"Multipart/Alternative; boundary=\"----=_NextPart_000_0042_A1B2C3D4.00FF00FF\"",
			"multipart/alternative; boundary=\"----=_NextPart_000_DFAF_01C779F5.2C5E1370\"", // hex letters only
		}, "multipart/alternative;boundary=----=_nextpart_*"},
		{"content-type charset", ContentType, "Content-Type", []string{
			`text/plain; charset="ISO-8859-1"; format=flowed`, "text/plain;charset=iso-8859-1",
		}, "text/plain;charset=iso-8859-1"},
		{"from", From, "From", []string{
			`"Tomas Jacobs" <RickyAmes@aol.com>`, `Tomas Jacobs <john@mail.aol.com>`,
			`rick.ames@AOL.com (Tomas Jacobs)`[5:], /* "ames@aol.com (Tomas Jacobs)" */
		}, "tomas jacobs|a@aol.com"},
		{"from ccTLD", From, "From", []string{"<x7@mx1.foo.com.br>", "<k2@foo.com.br>"}, "|x@foo.com.br"},
		// The recipient is the victim: only how the first address is written stays.
		{"to", To, "To", []string{"alice@b.example.de", "carol@yahoo.co.uk", "jsmith42@x.com", "j.smith@y.org"}, "1;addr"},
		{"to angle", To, "To", []string{"<bob@a.example.com>", " <bob42@a.example.com> "}, "1;<addr>"},
		{"to quoted name", To, "To", []string{`"vquzbr" <vquzbr@x.com.br>`, `"Alice Smith" <alice@y.net>`}, `1;"name" <addr>`},
		{"to name", To, "To", []string{`vquzbr <vquzbr@x.com.br>`, `Alice Smith <alice@y.net>`}, `1;name <addr>`},
		{"to comment", To, "To", []string{`alice@y.net (Alice)`}, `1;addr (name)`},
		{"to count", To, "To", []string{"a@x.com, b@y.com", `a1@x.com, <j@z.com>, k@z.org`}, "2-3;addr"},
		{"to group", To, "To", []string{"undisclosed-recipients:;", " Undisclosed-Recipients:; "}, "0;!undisclosed-recipients:;"},
		{"cte", ContentTransferEncoding, "Content-Transfer-Encoding", []string{"7Bit", " 7bit "}, "7bit"},
		{"x-mailer", XMailer, "X-Mailer", []string{
			"Microsoft Outlook Express 6.00.2600.0000", "Microsoft Outlook Express 6.00.2900.2180",
		}, "microsoft outlook express #"},
		{"mime-version", MimeVersion, "MIME-Version", []string{"1.0", " 1.0"}, "1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := same(t, tt.ft, tt.hdr, tt.vals...); got != tt.want {
				t.Errorf("value %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMissingAndSources(t *testing.T) {
	msg := "Subject: hi\n\nhello\n"
	fs := Extract([]byte(msg), nil, nil)
	for _, ft := range []Type{From, Organization, Received, ContentTransferEncoding, ContentType, Date, MimeVersion, To, ReplyTo, XMailer, XMailFrom} {
		if fs[ft].Value != Missing {
			t.Errorf("%v = %q, want %q", ft, fs[ft].Value, Missing)
		}
	}
	// X-Mail-From: envelope first, then X-Mail-From, then Return-Path.
	m := "Return-Path: <a1@x.org>\nX-Mail-From: bob@y.net\n\n"
	if got := value(t, m, &mbox.Envelope{MailFrom: "z@q.com"}, XMailFrom); got != "a@q.com" {
		t.Errorf("env: %q", got)
	}
	if got := value(t, m, nil, XMailFrom); got != "a@y.net" {
		t.Errorf("header: %q", got)
	}
	if got := value(t, "Return-Path: <a1@x.org>\n\n", nil, XMailFrom); got != "x@x.org" {
		t.Errorf("return-path: %q", got)
	}
	if got := value(t, "X-Mail-From: x\n\n", &mbox.Envelope{MailFrom: mbox.NullSender}, XMailFrom); got != "<>" {
		t.Errorf("null sender: %q", got)
	}
	// The oldest (last) Received field gives the shape.
	r := "Received: from a by b.c with ESMTP; x\nReceived: from d (e [1.2.3.4]) by f.g; y\n\n"
	if got := value(t, r, nil, Received); got != "from helo ([ip]) by host" {
		t.Errorf("received: %q", got)
	}
}

func TestLayout(t *testing.T) {
	tests := []struct{ name, msg, want string }{
		{"plain", "Subject: x\n\nline1\nline2\n", "plain[l=1-3]"},
		{"no body", "Subject: x\n", "plain[l=0]"},
		{"alternative", "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\npre\r\n--b1\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b1\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<html><a href=3D\"x\">x</a><A\nhref=y><img src=z><form><script></script>\r\n--b1--\r\n",
			"alternative(plain[l=1-3],html.qp[a=2-3,img=1,form,script])"},
		{"nested", "Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: multipart/alternative; boundary=i\n\n--i\n\nt\n--i--\n--o\nContent-Type: image/GIF\nContent-Transfer-Encoding: base64\n\nR0lGOD\n--o--\n",
			"mixed(alternative(plain[l=1-3]),image/gif.b64)"},
		{"no boundary", "Content-Type: multipart/mixed\n\nx\n", "multipart/mixed[nobound]"},
		{"unclosed", "Content-Type: multipart/mixed; boundary=o\n\n--o\n\nx\n", "mixed(plain[l=1-3])"},
		{"base64 html", "Content-Type: text/html\nContent-Transfer-Encoding: base64\n\nPGEgaHJlZj14PjxhIGhyZWY9eT48YSBocmVmPXo+PGEgaHJlZj13Pg==\n", "html.b64[a=4-7,img=0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := value(t, tt.msg, nil, Layout); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// langSamples is a small labelled set: a few spam-like sentences per language.
var langSamples = []struct{ lang, text string }{
	{"en", "Buy the best watches at the lowest prices. You will not find a better offer on the web."},
	{"en", "Your account has been suspended. Please click on the link below to verify your details."},
	{"en", "We are pleased to inform you that you have won a prize in our lottery draw."},
	{"pt", "Você foi selecionado para receber um prêmio. Clique no link para confirmar os seus dados."},
	{"pt", "Compre agora os melhores produtos com o menor preço do mercado e receba em sua casa."},
	{"pt", "Não perca esta oportunidade única de ganhar dinheiro em casa, é muito fácil."},
	{"es", "Usted ha sido seleccionado para recibir un premio. Haga clic en el enlace para confirmar sus datos."},
	{"es", "Compre ahora los mejores productos con el precio más bajo del mercado y reciba en su casa."},
	{"es", "No pierda esta oportunidad única de ganar dinero desde casa, es muy fácil y hay mucho más."},
	{"de", "Sie haben einen Preis gewonnen. Klicken Sie auf den Link, um Ihre Daten zu bestätigen."},
	{"de", "Kaufen Sie jetzt die besten Produkte zum niedrigsten Preis und sparen Sie mit uns."},
	{"de", "Das ist eine einmalige Gelegenheit, die Sie nicht verpassen sollten, und es ist auch einfach."},
	{"fr", "Vous avez gagné un prix. Cliquez sur le lien pour confirmer vos données dans les plus brefs délais."},
	{"fr", "Achetez maintenant les meilleurs produits au prix le plus bas et recevez-les chez vous."},
	{"fr", "Ne manquez pas cette occasion unique de gagner de l'argent à la maison, c'est très facile."},
	{"it", "Hai vinto un premio. Clicca sul link per confermare i tuoi dati e ricevere il pacco."},
	{"it", "Acquista ora i migliori prodotti al prezzo più basso del mercato e ricevili a casa tua."},
	{"it", "Non perdere questa occasione unica di guadagnare soldi da casa, è molto facile per tutti."},
	{"ru", "Вы выиграли приз. Нажмите на ссылку, чтобы подтвердить ваши данные."},
	{"ru", "Купите сейчас лучшие товары по самой низкой цене на рынке."},
	{"ru", "Не упустите эту уникальную возможность заработать деньги дома."},
	{"zh", "您已赢得奖品。请点击链接确认您的资料。"},
	{"zh", "现在购买最好的产品，价格最低，送货上门。"},
	{"zh", "不要错过这个在家赚钱的独特机会，非常容易。"},
	{"ja", "おめでとうございます。賞品が当たりました。リンクをクリックしてください。"},
	{"ja", "今すぐ最高の商品を最安値でお買い求めください。"},
	{"ja", "自宅でお金を稼ぐこのチャンスをお見逃しなく。"},
}

func TestLanguageAccuracy(t *testing.T) {
	right := 0
	for _, s := range langSamples {
		got := value(t, "Content-Type: text/plain; charset=utf-8\n\n"+s.text+"\n", nil, Language)
		if got == s.lang {
			right++
		} else {
			t.Logf("%s: got %s for %q", s.lang, got, s.text)
		}
	}
	acc := float64(right) / float64(len(langSamples))
	t.Logf("language accuracy %d/%d = %.2f", right, len(langSamples), acc)
	if acc < 0.85 {
		t.Errorf("accuracy %.2f < 0.85", acc)
	}
	// Too little text, and HTML with tags stripped.
	if got := value(t, "\nok\n", nil, Language); got != "und" {
		t.Errorf("short: %q", got)
	}
	html := "Content-Type: text/html\n\n<html><style>p{the:the}</style><p>Vous avez gagn&eacute; un prix, cliquez sur le lien pour les voir.</p>"
	if got := value(t, html, nil, Language); got != "fr" {
		t.Errorf("html: %q", got)
	}
	// Random tokens and URLs hold no stopwords: without them the text is
	// too short, whatever letters they happen to contain.
	for _, body := range []string{
		"Ola maria.\nhttp://www.example.com/de/la/os/a8de7x?id=do\n",
		"Ola maria.\nCodigo: a8de7x-os2la-do9no\n",
	} {
		if got := value(t, "\n"+body, nil, Language); got != "und" {
			t.Errorf("%q: %q", body, got)
		}
	}
}

func TestBadInput(t *testing.T) {
	inputs := []string{
		"", "\n", "\r\n\r\n", ":", "Subject", "Subject:", " continuation first\n\n",
		"Subject: \xff\xfe\x80 8-bit\n\n", "From: <\n\n", "From: >@<\n\n", "From: =?\n\n",
		"Subject: =?utf-8?B?####?=\n\n", "Subject: =?x??=?=\n\n", "Subject: =?a?q?=Z?=\n\n",
		"Content-Type: multipart/mixed; boundary=\"\n\n--\n", "Content-Type: multipart/mixed; boundary=a\n\n--a\n--a\n--a--",
		"Content-Type: text/html\n\n<", "Content-Type: text/html\n\n<style", "Content-Type: text/html\n\n&abc",
		"Received: ;\n\n", "Received:\n\n", "Date: +12\n\n", "Date: -\n\n",
		"Subject: " + strings.Repeat("x", 1<<20) + "\n\n",
		"Content-Type: multipart/mixed; boundary=a\n\n" + strings.Repeat("--a\nContent-Type: multipart/mixed; boundary=a\n\n", 1000),
	}
	for _, in := range inputs {
		checkBounded(t, []byte(in))
	}
}

func checkBounded(t testing.TB, msg []byte) {
	fs := Extract(msg, nil, nil)
	if len(fs) != NumTypes {
		t.Fatalf("%d features for %q", len(fs), msg[:min(len(msg), 80)])
	}
	for i, f := range fs {
		if f.Type != Type(i) || len(f.Value) == 0 || len(f.Value) > MaxValue {
			t.Fatalf("bad feature %v %q for %q", f.Type, f.Value, msg[:min(len(msg), 80)])
		}
	}
}

func TestTypeString(t *testing.T) {
	if From.String() != "From" || Language.String() != "Language" || XMailFrom.String() != "X-Mail-From" || Type(200).String() != "Type(200)" {
		t.Error("String")
	}
}

// corpusPath is the TREC 2007 spam half, relative to this package.
const corpusPath = "../../../shared/corpus/trec07p-half-spam.mbox.zst"

// readCorpus returns up to n corpus entries (all when n <= 0), or skips.
func readCorpus(tb testing.TB, n int) []*mbox.Entry {
	f, err := os.Open(corpusPath)
	if err != nil {
		tb.Skipf("corpus: %v", err)
	}
	defer f.Close()
	zr, err := zstd.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	defer zr.Close()
	r := mbox.NewReader(zr)
	var out []*mbox.Entry
	for n <= 0 || len(out) < n {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, mbox.ErrTooLarge) {
			continue
		}
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	entries := readCorpus(t, 0)
	distinct := make([]map[string]int, NumTypes)
	for i := range distinct {
		distinct[i] = map[string]int{}
	}
	var fs []Feature
	for _, e := range entries {
		fs = Extract(e.Message, &e.Envelope, fs[:0])
		if len(fs) != NumTypes {
			t.Fatalf("got %d features", len(fs))
		}
		for _, f := range fs {
			if len(f.Value) == 0 || len(f.Value) > MaxValue {
				t.Fatalf("bad value %v %q", f.Type, f.Value)
			}
			distinct[f.Type][f.Value]++
		}
	}
	t.Logf("%d messages", len(entries))
	for ft, m := range distinct {
		top, topN := "", 0
		for v, n := range m {
			if n > topN || n == topN && v < top {
				top, topN = v, n
			}
		}
		t.Logf("%-26s %6d distinct; top %q ×%d", Type(ft), len(m), top, topN)
	}
	if len(entries) == 26698 {
		return
	}
	t.Logf("note: expected 26698 messages, read %d", len(entries))
}

func FuzzExtract(f *testing.F) {
	f.Add([]byte("From: \"A\" <a@b.c>\nSubject: =?utf-8?q?hi?= 123\nReceived: from x ([1.2.3.4]) by y.z; now\n\nbody\n"))
	f.Add([]byte("Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\nPGE+\r\n--b--\r\n"))
	f.Add([]byte("Date: Sun, 08 Apr 2007 21:00:48 +0300\nTo: a@b, c@d\n\n\xe4\xbd\xa0\xe5\xa5\xbd"))
	for _, s := range langSamples[:3] {
		f.Add([]byte("\n" + s.text))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		checkBounded(t, msg)
	})
}

func BenchmarkExtract(b *testing.B) {
	entries := readCorpus(b, 2000)
	var bytes int64
	for _, e := range entries {
		bytes += int64(len(e.Message))
	}
	var fs []Feature
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		e := entries[i%len(entries)]
		fs = Extract(e.Message, &e.Envelope, fs[:0])
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/msg")
	_ = bytes
}

// TestStopwordTable: the table answers as the stopwords map does.
func TestStopwordTable(t *testing.T) {
	long := 0
	for w, m := range stopwords {
		long = max(long, len(w))
		if got, ok := stopword([]byte(w)); !ok || got != m {
			t.Errorf("%q: %v %v", w, got, ok)
		}
	}
	if long != maxStopword {
		t.Errorf("longest stopword %d bytes, maxStopword %d", long, maxStopword)
	}
	for _, w := range []string{"thee", "xyz", "a", "tambémm", "verylongwordindeed"} {
		if _, ok := stopword([]byte(w)); ok {
			t.Errorf("%q is no stopword", w)
		}
	}
}
