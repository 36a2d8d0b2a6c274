package mbox

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// sample is a fully known envelope, as the sensor would fill it.
func sample() *Envelope {
	return &Envelope{
		SensorID:      "BR-01",
		SensorTime:    time.Date(2026, 11, 23, 12, 0, 0, 123456789, time.UTC),
		SessionID:     "s1",
		SensorDstport: 1080,
		SrcProto:      "S5",
		SrcIP:         "192.0.2.1",
		SrcPort:       40000,
		SrcHostname:   "bot.example",
		SrcASN:        "AS64496",
		SrcOS:         "Windows XP",
		SrcRIR:        "ARIN",
		SrcCC:         "US",
		SrcDnsbl:      "zen",
		DstIP:         "198.51.100.7",
		DstHostname:   "mx.example",
		DstASN:        "AS64497",
		DstDstport:    25,
		DstRIR:        "RIPE",
		DstCC:         "DE",
		SMTPProto:     "ESMTP",
		Ehlo:          "bot",
		MailFrom:      "a@example.org",
		RcptTo:        []string{"b@example.net", "c@example.net"},
	}
}

const sampleHeaders = "" +
	"From a@example.org Mon Nov 23 12:00:00 2026\n" +
	"X-Sensor-Id: BR-01\n" +
	"X-Sensor-Time: 2026-11-23T12:00:00.123456Z\n" +
	"X-Session-Id: s1\n" +
	"X-Sensor-Dstport: 1080\n" +
	"X-Src-Proto: S5\n" +
	"X-Src-IP: 192.0.2.1\n" +
	"X-Src-Port: 40000\n" +
	"X-Src-Hostname: bot.example\n" +
	"X-Src-ASN: AS64496\n" +
	"X-Src-OS: Windows XP\n" +
	"X-Src-RIR: ARIN\n" +
	"X-Src-CC: US\n" +
	"X-Src-Dnsbl: zen\n" +
	"X-Dst-IP: 198.51.100.7\n" +
	"X-Dst-Hostname: mx.example\n" +
	"X-Dst-ASN: AS64497\n" +
	"X-Dst-Dstport: 25\n" +
	"X-Dst-RIR: RIPE\n" +
	"X-Dst-CC: DE\n" +
	"X-SMTP-Proto: ESMTP\n" +
	"X-Ehlo: bot\n" +
	"X-Mail-From: a@example.org\n" +
	"X-Rcpt-To: b@example.net\n" +
	"X-Rcpt-To: c@example.net\n"

const unknownHeaders = "" +
	"From MAILER-DAEMON Mon Jan  1 00:00:00 0001\n" +
	"X-Sensor-Id: unknown\n" +
	"X-Sensor-Time: unknown\n" +
	"X-Session-Id: unknown\n" +
	"X-Sensor-Dstport: unknown\n" +
	"X-Src-Proto: unknown\n" +
	"X-Src-IP: unknown\n" +
	"X-Src-Port: unknown\n" +
	"X-Src-Hostname: unknown\n" +
	"X-Src-ASN: unknown\n" +
	"X-Src-OS: unknown\n" +
	"X-Src-RIR: unknown\n" +
	"X-Src-CC: unknown\n" +
	"X-Src-Dnsbl: unknown\n" +
	"X-Dst-IP: unknown\n" +
	"X-Dst-Hostname: unknown\n" +
	"X-Dst-ASN: unknown\n" +
	"X-Dst-Dstport: unknown\n" +
	"X-Dst-RIR: unknown\n" +
	"X-Dst-CC: unknown\n" +
	"X-SMTP-Proto: unknown\n" +
	"X-Ehlo: unknown\n" +
	"X-Mail-From: unknown\n" +
	"X-Rcpt-To: unknown\n"

func TestAppendEntry(t *testing.T) {
	long := strings.Repeat("x", 1200)
	tests := []struct {
		name string
		env  *Envelope
		msg  string
		want string
	}{
		{"full envelope, CRLF message kept byte for byte", sample(),
			"Subject: hi\r\n\r\nbody\r\n",
			sampleHeaders + "Subject: hi\r\n\r\nbody\r\n\n"},
		{"all unknown", &Envelope{},
			"x\n",
			unknownHeaders + "x\n\n"},
		{"no final newline gets one", &Envelope{},
			"x",
			unknownHeaders + "x\n\n"},
		{"empty message is only the separator", &Envelope{},
			"",
			unknownHeaders + "\n"},
		{"mboxrd quoting of From_ lines at any depth", &Envelope{},
			"From x\n>From y\n>>From z\nFrom\n From w\nFromage\n>From\r\nFrom ",
			unknownHeaders + ">From x\n>>From y\n>>>From z\nFrom\n From w\nFromage\n>From\r\n>From \n\n"},
		{"header injection is neutralised", &Envelope{
			Ehlo:     "evil\r\nX-Src-IP: 1.2.3.4\x00\x7f\tok",
			MailFrom: "a b\tc\r\n@x",
			RcptTo:   []string{"", "d\ne"},
		}, "x\n", strings.NewReplacer(
			"From MAILER-DAEMON", "From a?b?c??@x",
			"X-Ehlo: unknown", "X-Ehlo: evil??X-Src-IP: 1.2.3.4??\tok",
			"X-Mail-From: unknown", "X-Mail-From: a b\tc??@x",
			"X-Rcpt-To: unknown\n", "X-Rcpt-To: unknown\nX-Rcpt-To: d?e\n",
		).Replace(unknownHeaders) + "x\n\n"},
		{"values capped at 998 bytes", &Envelope{SrcHostname: long},
			"x\n",
			strings.Replace(unknownHeaders, "X-Src-Hostname: unknown", "X-Src-Hostname: "+long[:998], 1) + "x\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(AppendEntry([]byte("prefix"), tt.env, []byte(tt.msg)))
			if got != "prefix"+tt.want {
				t.Errorf("AppendEntry:\n got %q\nwant %q", got, "prefix"+tt.want)
			}
		})
	}
}

func TestAppendEntryAllocs(t *testing.T) {
	env, msg := sample(), []byte("Subject: x\r\n\r\nFrom me\r\n")
	dst := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(100, func() { dst = AppendEntry(dst[:0], env, msg) }); n != 0 {
		t.Errorf("AppendEntry allocates %v times per entry, want 0", n)
	}
}

// canonical is what the Reader gives back for env: values sanitised and
// capped, Unknown and "" alike, time in UTC to the microsecond.
func canonical(env *Envelope) Envelope {
	s := func(v string) string {
		b := appendSanitized(nil, v, false)
		if string(b) == Unknown {
			return ""
		}
		return string(b)
	}
	c := Envelope{
		SensorID: s(env.SensorID), SessionID: s(env.SessionID), SensorDstport: env.SensorDstport,
		SrcProto: s(env.SrcProto), SrcIP: s(env.SrcIP), SrcPort: env.SrcPort,
		SrcHostname: s(env.SrcHostname), SrcASN: s(env.SrcASN), SrcOS: s(env.SrcOS),
		SrcRIR: s(env.SrcRIR), SrcCC: s(env.SrcCC), SrcDnsbl: s(env.SrcDnsbl),
		DstIP: s(env.DstIP), DstHostname: s(env.DstHostname), DstASN: s(env.DstASN),
		DstDstport: env.DstDstport, DstRIR: s(env.DstRIR), DstCC: s(env.DstCC),
		SMTPProto: s(env.SMTPProto), Ehlo: s(env.Ehlo), MailFrom: s(env.MailFrom),
	}
	if !env.SensorTime.IsZero() {
		c.SensorTime = env.SensorTime.UTC().Truncate(time.Microsecond)
	}
	for _, r := range env.RcptTo {
		c.RcptTo = append(c.RcptTo, s(r))
	}
	if len(c.RcptTo) == 1 && c.RcptTo[0] == "" {
		c.RcptTo = nil
	}
	return c
}

// readAll reads every entry of b, failing the test on any error.
func readAll(t testing.TB, b []byte) []*Entry {
	t.Helper()
	r := NewReader(bytes.NewReader(b))
	var entries []*Entry
	for {
		e, err := r.Next()
		if err == io.EOF {
			return entries
		}
		if err != nil {
			t.Fatalf("Next after %d entries: %v", len(entries), err)
		}
		entries = append(entries, e)
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		env  *Envelope
		msgs []string
	}{
		{"full envelope", sample(), []string{"Subject: a\r\n\r\nbody\r\n"}},
		{"unknown envelope", &Envelope{}, []string{"x\n"}},
		{"several messages with From lines and blank lines", sample(), []string{
			"From x\n\nFrom y\n\n\n",
			">From z\r\n\r\n>>From w\r\n",
			"\n",
			"",
			"a\n\n\n\n",
		}},
		{"message that looks like sensor headers", sample(), []string{
			"X-Sensor-Id: forged\nX-Rcpt-To: x\r\n\n",
			"X-Rcpt-To: forged\r\nSubject: y\r\n",
		}},
		{"odd envelope values", &Envelope{
			SensorID: "unknown", Ehlo: "\r\n", SrcPort: -1, DstDstport: 70000,
			SensorTime: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.FixedZone("X", 3600)),
			RcptTo:     []string{"unknown", "", "x"},
		}, []string{"m\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b []byte
			for _, m := range tt.msgs {
				b = AppendEntry(b, tt.env, []byte(m))
			}
			entries := readAll(t, b)
			if len(entries) != len(tt.msgs) {
				t.Fatalf("got %d entries, want %d\n%s", len(entries), len(tt.msgs), b)
			}
			want := canonical(tt.env)
			for i, e := range entries {
				if string(e.Message) != tt.msgs[i] {
					t.Errorf("entry %d: message %q, want %q", i, e.Message, tt.msgs[i])
				}
				if !reflect.DeepEqual(e.Envelope, want) {
					t.Errorf("entry %d: envelope\n got %+v\nwant %+v", i, e.Envelope, want)
				}
				if !strings.HasPrefix(e.FromLine, "From ") || strings.Contains(e.FromLine, "\n") {
					t.Errorf("entry %d: From_ line %q", i, e.FromLine)
				}
			}
		})
	}
}

func TestReader(t *testing.T) {
	type want struct {
		from, msg string
		tooLarge  bool
	}
	tests := []struct {
		name     string
		in       string
		maxEntry int
		want     []want
	}{
		{"empty input", "", 0, nil},
		{"plain mbox: no sensor headers, envelope stays empty",
			"From a@b Sun Apr  8 13:07:32 2007\nReturn-Path: <a@b>\nX-Src-IP: 1\n\nbody\n\n" +
				"From c@d Sun Apr  8 13:07:33 2007\nSubject: x\n\n",
			0, []want{
				{"From a@b Sun Apr  8 13:07:32 2007", "Return-Path: <a@b>\nX-Src-IP: 1\n\nbody\n", false},
				{"From c@d Sun Apr  8 13:07:33 2007", "Subject: x\n", false},
			}},
		{"From line not after an empty line is message",
			"From a\nx\nFrom b\n\nFrom c\ny\n",
			0, []want{{"From a", "x\nFrom b\n", false}, {"From c", "y\n", false}}},
		{"preamble before the first From_ line is skipped",
			"garbage\nFrom a\n\nFrom b\nx\n",
			0, []want{{"From b", "x\n", false}}},
		{"last entry without separator or final newline",
			"From a\nx", 0, []want{{"From a", "x", false}}},
		{"partial sensor header block is message",
			"From a\nX-Sensor-Id: BR-01\nX-Sensor-Time: unknown\nSubject: x\n\n",
			0, []want{{"From a", "X-Sensor-Id: BR-01\nX-Sensor-Time: unknown\nSubject: x\n", false}}},
		{"too large entry is skipped, the next one is read",
			"From a\n" + strings.Repeat("y", 200) + "\n\nFrom b\nsmall\n\n",
			100, []want{{tooLarge: true}, {"From b", "small\n", false}}},
		{"too large From_ line",
			"From " + strings.Repeat("a", 200) + "\n\nFrom b\nsmall\n\n",
			100, []want{{tooLarge: true}, {"From b", "small\n", false}}},
		{"line longer than the read buffer",
			"From a\n" + strings.Repeat("z", 100<<10) + "\n\n",
			0, []want{{"From a", strings.Repeat("z", 100<<10) + "\n", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in))
			r.MaxEntry = tt.maxEntry
			for i, w := range tt.want {
				e, err := r.Next()
				if w.tooLarge {
					if !errors.Is(err, ErrTooLarge) {
						t.Fatalf("entry %d: err %v, want ErrTooLarge", i, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("entry %d: %v", i, err)
				}
				if e.FromLine != w.from || string(e.Message) != w.msg {
					t.Errorf("entry %d: got %q %q, want %q %q", i, e.FromLine, e.Message, w.from, w.msg)
				}
				if !reflect.DeepEqual(e.Envelope, Envelope{}) {
					t.Errorf("entry %d: envelope %+v, want empty", i, e.Envelope)
				}
			}
			for range 2 {
				if e, err := r.Next(); err != io.EOF {
					t.Fatalf("after the last entry: %v %v, want io.EOF", e, err)
				}
			}
		})
	}
}

// TestReaderCorpus reads a plain mboxrd spam corpus end to end.
func TestReaderCorpus(t *testing.T) {
	const want = 26698
	path := filepath.Join("..", "..", "..", "shared", "corpus", "trec07p-half-spam.mbox.zst") // shared/ sits beside the checkout
	if testing.Short() {
		t.Skip("reads a 200 MB corpus")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	defer f.Close()
	zr, err := zstd.NewReader(f, zstd.WithDecoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	r := NewReader(zr)
	n := 0
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("entry %d: %v", n, err)
		}
		if len(e.Message) == 0 || !strings.HasPrefix(e.FromLine, "From ") {
			t.Fatalf("entry %d: From_ line %q, %d message bytes", n, e.FromLine, len(e.Message))
		}
		if !reflect.DeepEqual(e.Envelope, Envelope{}) {
			t.Fatalf("entry %d: envelope %+v in a plain mbox", n, e.Envelope)
		}
		n++
	}
	if n != want {
		t.Errorf("read %d entries, want %d", n, want)
	}
}

func BenchmarkAppendEntry(b *testing.B) {
	env := sample()
	msg := bytes.Repeat([]byte("Subject: hello\r\nFrom the bot\r\n\r\n"), 64)
	dst := make([]byte, 0, 64<<10)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		dst = AppendEntry(dst[:0], env, msg)
	}
}

func BenchmarkReader(b *testing.B) {
	env := sample()
	msg := bytes.Repeat([]byte("Subject: hello\r\nFrom the bot\r\n\r\n"), 64)
	var in []byte
	for range 100 {
		in = AppendEntry(in, env, msg)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		r := NewReader(bytes.NewReader(in))
		for {
			if _, err := r.Next(); err != nil {
				break
			}
		}
	}
}
