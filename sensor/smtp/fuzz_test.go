package smtp

import (
	"bytes"
	"testing"
	"time"

	"github.com/spampots/spampots/sensor/internal/machinetest"
)

// FuzzSMTP feeds arbitrary client bytes, split at an arbitrary point, to a
// machine with small limits. Seeds hold every command in every state
// (STYLE.md: mox's smtpserver/fuzz_test.go). Invariants: no panic, consumed
// <= len(input), output bounded per line of input, content bounded.
func FuzzSMTP(f *testing.F) {
	cmds := []string{
		"HELO x", "EHLO x", "MAIL FROM:<a@b> SIZE=10 BODY=8BITMIME SMTPUTF8", "MAIL FROM:<>", "RCPT TO:<c@d> NOTIFY=NEVER",
		"DATA", "RSET", "NOOP", "QUIT", "VRFY root", "EXPN list", "HELP", "AUTH PLAIN", "AUTH PLAIN AGEAYg==",
		"AUTH LOGIN", "AUTH CRAM-MD5", "ETRN example.com", "STARTTLS", "BDAT 10 LAST", "GET / HTTP/1.0", "*", "AGEAYg==",
		".", "..x", "Subject: x", "", "\x00\xff", "MAIL FROM:<a@b", "RCPT TO:<@a,@b:c@d>",
	}
	// Every command after a prefix that puts the machine in each state.
	prefixes := []string{
		"",
		"EHLO x\r\n",
		"EHLO x\r\nMAIL FROM:<a@b>\r\n",
		"EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n",
		"EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n",
		"EHLO x\r\nAUTH LOGIN\r\n",
		"EHLO x\r\nAUTH LOGIN\r\nYQ==\r\n",
		"EHLO x\r\nAUTH CRAM-MD5\r\n",
	}
	for i, c := range cmds {
		cmds[i] = c + "\r\n"
	}
	machinetest.Seed(f, prefixes, cmds)
	f.Fuzz(func(t *testing.T, in []byte, split uint16) {
		cfg := Prepare(Config{MaxMessageSize: 64 * 1024, MaxRecipients: 100, MaxCommands: 50, MaxErrors: 5})
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		m, _ := New(&cfg, "F", now, nil)
		cut := int(split) % (len(in) + 1)
		pending := []byte{}
		for _, chunk := range [][]byte{in[:cut], in[cut:]} {
			pending = append(pending, chunk...)
			for range 1000 {
				n, acts := m.Feed(pending, now)
				if n < 0 || n > len(pending) {
					t.Fatalf("consumed %d of %d", n, len(pending))
				}
				lines := bytes.Count(pending[:n], []byte{'\n'}) + 1
				out := 0
				for _, a := range acts {
					out += len(a.Data)
					if a.Kind == Deliver && len(a.Msg.Data) > cfg.MaxMessageSize {
						t.Fatalf("message of %d bytes over the limit", len(a.Msg.Data))
					}
				}
				if out > 1024*lines {
					t.Fatalf("%d bytes of replies to %d lines", out, lines)
				}
				pending = pending[n:]
				if m.Waiting() {
					m.Committed(Result(n%3), now)
					continue
				}
				if n == 0 {
					break
				}
			}
			if len(m.data) > cfg.MaxMessageSize || len(pending) > cfg.MaxAuthLine+1 {
				t.Fatalf("unbounded: content %d, unconsumed %d", len(m.data), len(pending))
			}
		}
		m.Timeout(now.Add(time.Hour))
		_ = m.Summary().CommandCounts()
	})
}
