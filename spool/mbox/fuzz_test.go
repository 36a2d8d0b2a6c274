package mbox

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

func FuzzReader(f *testing.F) {
	f.Add([]byte(""), 0)
	f.Add([]byte("From a\nx\n\nFrom b\n>From c\n\n"), 0)
	f.Add(AppendEntry(nil, sample(), []byte("Subject: x\r\n\r\nFrom y\r\n")), 0)
	f.Add(AppendEntry(nil, &Envelope{}, nil), 40)
	f.Add([]byte("junk\nFrom "+strings.Repeat("a", 300)+"\n\nFrom b\n"), 64)
	f.Fuzz(func(t *testing.T, in []byte, maxEntry int) {
		maxEntry = 1 + (maxEntry&0xffff)%4096
		r := NewReader(bytes.NewReader(in))
		r.MaxEntry = maxEntry
		for n := 0; ; n++ {
			if n > len(in) {
				t.Fatalf("more entries (%d) than input bytes", n)
			}
			e, err := r.Next()
			if err == io.EOF {
				return
			}
			if errors.Is(err, ErrTooLarge) {
				continue
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if len(e.Message) > len(in) || len(e.Message) > maxEntry || len(e.FromLine) > maxEntry {
				t.Fatalf("entry of %d+%d bytes from %d input bytes, limit %d", len(e.FromLine), len(e.Message), len(in), maxEntry)
			}
		}
	})
}

func FuzzRoundTrip(f *testing.F) {
	f.Add("BR-01", "s1", "SMTP", "192.0.2.1", "bot", "a@b", "c@d", "e@f", 25, int64(1795435200123456), []byte("Subject: x\r\n\r\nbody\r\n"))
	f.Add("", "", "", "", "", "", "", "", 0, int64(0), []byte(""))
	f.Add("unknown", "\r\n", "X-Src-IP: 1", "\x00", "\t", " ", "unknown", "", -1, int64(-1), []byte("From x\n>From y\n\n\n"))
	f.Fuzz(func(t *testing.T, id, session, proto, ip, ehlo, from, rcpt1, rcpt2 string, port int, micros int64, msg []byte) {
		env := &Envelope{
			SensorID: id, SessionID: session, SrcProto: proto, SrcIP: ip, DstIP: ip,
			SrcHostname: ehlo + from, Ehlo: ehlo, MailFrom: from, RcptTo: []string{rcpt1, rcpt2},
			SensorDstport: port, SrcPort: port, DstDstport: port,
		}
		if micros != 0 {
			// Any instant in years 1970 to 9999.
			const max = 253402300799999999
			env.SensorTime = time.UnixMicro((micros%max + max) % max)
		}
		if rcpt2 == "" {
			env.RcptTo = env.RcptTo[:1]
		}
		want := string(msg)
		if len(msg) > 0 && msg[len(msg)-1] != '\n' {
			want += "\n"
		}
		b := AppendEntry(nil, env, msg)
		b = AppendEntry(b, env, msg)
		entries := readAll(t, b)
		if len(entries) != 2 {
			t.Fatalf("got %d entries, want 2\n%q", len(entries), b)
		}
		wantEnv := canonical(env)
		if rcptAmbiguous(msg) {
			// A bare-LF message that opens with X-Rcpt-To lines: they are
			// read as recipients (documented limitation of the format).
			return
		}
		for i, e := range entries {
			if string(e.Message) != want {
				t.Errorf("entry %d: message %q, want %q", i, e.Message, want)
			}
			if !reflect.DeepEqual(e.Envelope, wantEnv) {
				t.Errorf("entry %d: envelope\n got %#v\nwant %#v", i, e.Envelope, wantEnv)
			}
		}
	})
}

// rcptAmbiguous reports whether msg opens with a line that the Reader would
// take for one more X-Rcpt-To sensor header.
func rcptAmbiguous(msg []byte) bool {
	p := headerParser{b: msg, ok: true}
	_, ok := p.value(hRcptTo)
	return ok
}
