package smtp

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spampots/spampots/sensor/internal/machinetest"
)

// session runs one client script through a fresh machine, feeding it in
// chunks of the given size (0: all at once), and returns the replies and the
// delivered messages.
func session(t *testing.T, cfg Config, script string, chunk int) (*replayer, string) {
	t.Helper()
	r := newReplayer(t, cfg)
	machinetest.Chunks([]byte(script), chunk, r.Send)
	return r, r.out.String()
}

func TestMessageCapture(t *testing.T) {
	tests := []struct {
		name   string
		script string
		data   string // expected content after dot-unstuffing
		bareLF int
		from   string
		rcpts  []string
		proto  string
		helo   string
	}{
		{
			name: "dot-unstuffing keeps CRLF as received",
			script: "EHLO a.example\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<r@y.example>\r\nDATA\r\n" +
				"Subject: t\r\n\r\n..one\r\n...two\r\n.\r\n",
			data:  "Subject: t\r\n\r\n.one\r\n..two\r\n",
			from:  "s@x.example",
			rcpts: []string{"r@y.example"},
			proto: "ESMTP",
			helo:  "a.example",
		},
		{
			name:   "bare LF lines and a bare LF final dot are accepted and counted",
			script: "HELO bot\r\nMAIL FROM:<>\r\nRCPT TO:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nline1\nline2\r\n.\n",
			data:   "line1\nline2\r\n",
			bareLF: 2,
			from:   "",
			rcpts:  []string{"a@b", "c@d"},
			proto:  "SMTP",
			helo:   "bot",
		},
		{
			name:   "lone CR and .\\rX are content",
			script: "EHLO e\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nA\rB\r\n.\rX\r\n.\r\n",
			data:   "A\rB\r\n\rX\r\n",
			from:   "a@b",
			rcpts:  []string{"c@d"},
			proto:  "ESMTP",
			helo:   "e",
		},
		{
			name: "source route dropped, ESMTPA after AUTH",
			script: "EHLO user\r\nAUTH PLAIN AGpvZQBzZWNyZXQ=\r\nMAIL FROM:<@relay.example:s@x>\r\nRCPT TO:<@a,@b:r@z>\r\nDATA\r\n" +
				"x\r\n.\r\n",
			data:  "x\r\n",
			from:  "s@x",
			rcpts: []string{"r@z"},
			proto: "ESMTPA",
			helo:  "user",
		},
	}
	for _, tt := range tests {
		machinetest.EachSize(t, tt.name, func(t *testing.T, chunk int) string {
			r, out := session(t, Config{}, tt.script, chunk)
			if len(r.msgs) != 1 {
				t.Fatalf("got %d messages, want 1; replies:\n%s", len(r.msgs), out)
			}
			m := r.msgs[0]
			if string(m.Data) != tt.data {
				t.Errorf("data = %q, want %q", m.Data, tt.data)
			}
			if m.BareLF != tt.bareLF {
				t.Errorf("bare LF = %d, want %d", m.BareLF, tt.bareLF)
			}
			if m.MailFrom != tt.from || strings.Join(m.Rcpts, ",") != strings.Join(tt.rcpts, ",") {
				t.Errorf("envelope = %q %q, want %q %q", m.MailFrom, m.Rcpts, tt.from, tt.rcpts)
			}
			if m.Proto != tt.proto || m.Helo != tt.helo {
				t.Errorf("proto, helo = %q %q, want %q %q", m.Proto, m.Helo, tt.proto, tt.helo)
			}
			if !strings.Contains(out, "250 2.0.0 Ok: queued as T11\r\n") {
				t.Errorf("no queued reply in\n%s", out)
			}
			return out
		})
	}
}

func TestCredentials(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   Credential
	}{
		{"plain initial response", "EHLO u\r\nAUTH PLAIN YWRtaW4AYm9iAHB3\r\n", Credential{Mech: "PLAIN", Authzid: "admin", User: "bob", Password: "pw"}},
		{"plain after 334", "EHLO u\r\nAUTH PLAIN\r\nAGJvYgBwdw==\r\n", Credential{Mech: "PLAIN", User: "bob", Password: "pw"}},
		{"login", "EHLO u\r\nAUTH LOGIN\r\nYm9i\r\ncHc=\r\n", Credential{Mech: "LOGIN", User: "bob", Password: "pw"}},
		{"login initial response", "EHLO u\r\nauth login Ym9i\r\ncHc=\r\n", Credential{Mech: "LOGIN", User: "bob", Password: "pw"}},
		// base64("bob 0123456789abcdef0123456789abcdef")
		{"cram-md5", "EHLO u\r\nAUTH CRAM-MD5\r\nYm9iIDAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVm\r\n", Credential{Mech: "CRAM-MD5", User: "bob", Response: "0123456789abcdef0123456789abcdef"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, out := session(t, Config{}, tt.script, 0)
			creds := r.m.Summary().Creds
			if len(creds) != 1 {
				t.Fatalf("creds = %v; replies:\n%s", creds, out)
			}
			got := creds[0]
			if tt.want.Mech == "CRAM-MD5" {
				if !strings.HasPrefix(got.Challenge, "<") || !strings.HasSuffix(got.Challenge, "@mail.example.com>") {
					t.Errorf("challenge %q is not an RFC 2195 msg-id", got.Challenge)
				}
				got.Challenge = ""
			}
			if got != tt.want {
				t.Errorf("cred = %+v, want %+v", got, tt.want)
			}
			if !strings.HasSuffix(out, "235 2.7.0 Authentication successful\r\n") || r.m.Summary().Proto != "ESMTPA" {
				t.Errorf("not authenticated: %s", out)
			}
		})
	}
}

func TestBounds(t *testing.T) {
	t.Run("command line too long", func(t *testing.T) {
		_, out := session(t, Config{}, "NOOP "+strings.Repeat("x", 600)+"\r\nNOOP\r\n", 0)
		want := "500 5.5.2 Error: line too long\r\n250 2.0.0 Ok\r\n"
		if !strings.HasSuffix(out, want) {
			t.Errorf("out = %q", out)
		}
	})
	t.Run("unterminated line is cut at the limit, not buffered", func(t *testing.T) {
		r := newReplayer(t, Config{})
		n, _ := r.m.Feed(bytes.Repeat([]byte{'x'}, 10000), r.now)
		if n != 10000 {
			t.Fatalf("consumed %d of an over-long line, want all", n)
		}
		r.Send([]byte("more junk\r\nNOOP\r\n"))
		if !strings.HasSuffix(r.out.String(), "250 2.0.0 Ok\r\n") {
			t.Errorf("out = %q", r.out.String())
		}
	})
	t.Run("long AUTH line allowed up to RFC 4954's 12288", func(t *testing.T) {
		resp := base64.StdEncoding.EncodeToString([]byte("\x00" + strings.Repeat("A", 6000) + "\x00pw"))
		_, out := session(t, Config{}, "EHLO x\r\nAUTH PLAIN "+resp+"\r\n", 0)
		if !strings.HasSuffix(out, "235 2.7.0 Authentication successful\r\n") {
			t.Errorf("out = %q", out[len(out)-60:])
		}
	})
	t.Run("message too big", func(t *testing.T) {
		cfg := Config{MaxMessageSize: 64 * 1024}
		big := strings.Repeat(strings.Repeat("y", 998)+"\r\n", 100)
		r, out := session(t, cfg, "HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"+big+".\r\nNOOP\r\n", 4096)
		if len(r.msgs) != 0 || !strings.HasSuffix(out, "552 5.3.4 Error: message file too big\r\n250 2.0.0 Ok\r\n") {
			t.Errorf("msgs=%d out=%q", len(r.msgs), out)
		}
		if cap(r.m.data) > 0 {
			t.Errorf("oversized content still held: %d bytes", cap(r.m.data))
		}
	})
	t.Run("too many recipients", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("HELO x\r\nMAIL FROM:<a@b>\r\n")
		for i := 0; i < 101; i++ {
			fmt.Fprintf(&b, "RCPT TO:<r%d@example.com>\r\n", i)
		}
		_, out := session(t, Config{MaxRecipients: 100}, b.String(), 0)
		if !strings.HasSuffix(out, "250 2.1.5 Ok\r\n452 4.5.3 Error: too many recipients\r\n") {
			t.Errorf("out tail = %q", out[len(out)-80:])
		}
	})
	t.Run("too many commands", func(t *testing.T) {
		r, out := session(t, Config{MaxCommands: 3}, "NOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\n", 0)
		if !strings.HasSuffix(out, "250 2.0.0 Ok\r\n421 4.7.0 mail.example.com Error: too many commands\r\n") || !r.closed {
			t.Errorf("out = %q", out)
		}
		if r.m.Summary().Outcome != OutcomeTooManyCmds {
			t.Errorf("outcome = %q", r.m.Summary().Outcome)
		}
	})
	t.Run("session timeout despite activity", func(t *testing.T) {
		r := newReplayer(t, Config{SessionTimeout: 10 * time.Minute})
		for i := 0; i < 12; i++ {
			r.now = r.now.Add(time.Minute)
			r.Send([]byte("NOOP\r\n"))
			r.apply(r.m.Timeout(r.now))
		}
		if !r.closed || r.m.Summary().Outcome != OutcomeSessionTimeout {
			t.Errorf("closed=%v outcome=%q", r.closed, r.m.Summary().Outcome)
		}
	})
	t.Run("no input after close", func(t *testing.T) {
		r, _ := session(t, Config{}, "QUIT\r\n", 0)
		if n, acts := r.m.Feed([]byte("NOOP\r\n"), r.now); n != 0 || acts != nil {
			t.Errorf("closed machine consumed %d, acts %v", n, acts)
		}
	})
	t.Run("waiting machine consumes nothing and does not time out", func(t *testing.T) {
		r := newReplayer(t, Config{})
		_, acts := r.m.Feed([]byte("HELO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n"), r.now)
		if !r.m.Waiting() || acts[len(acts)-1].Kind != Deliver {
			t.Fatalf("not waiting after the final dot: %v", acts)
		}
		if n, _ := r.m.Feed([]byte("QUIT\r\n"), r.now); n != 0 {
			t.Errorf("consumed %d while waiting", n)
		}
		if acts := r.m.Timeout(r.now.Add(time.Hour)); acts != nil {
			t.Errorf("timed out while waiting: %v", acts)
		}
	})
}

func TestVerbTable(t *testing.T) {
	for i, v := range verbs {
		if i == verbUnknown {
			if v.name != "?" || v.fn != nil {
				t.Errorf("last verb must be the unknown counter, got %q", v.name)
			}
			continue
		}
		if v.name == "" || v.fn == nil {
			t.Errorf("verb %d is empty: numVerbs does not match the table", i)
		}
		if j, ok := lookupVerb([]byte(strings.ToLower(v.name))); !ok || j != i {
			t.Errorf("lookup %q = %d, %v", v.name, j, ok)
		}
	}
}

func TestValidate(t *testing.T) {
	machinetest.CheckValidate(t, []machinetest.Validator{Config{}},
		Config{Hostname: "two words", Keywords: []string{"CHUNKING"}, MaxCommandLine: 100, MaxRecipients: 5},
		"one word", "CHUNKING", "512", "100")
}

// TestSteadyStateAllocs: a command line allocates nothing once the
// machine's buffers have grown (STYLE.md, Tests).
func TestSteadyStateAllocs(t *testing.T) {
	cfg := Prepare(Config{})
	now := time.Now()
	m, _ := New(&cfg, "A1", now, nil)
	lines := []byte("EHLO client.example\r\nMAIL FROM:<a@example.net> SIZE=100\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nNOOP\r\nVRFY x\r\nRSET\r\n")
	machinetest.SteadyAllocs(t, lines, 0, func(in []byte) int {
		n, _ := m.Feed(in, now)
		return n
	})
}

func BenchmarkFeedCommands(b *testing.B) {
	cfg := Prepare(Config{})
	now := time.Now()
	m, _ := New(&cfg, "A1", now, nil)
	lines := []byte("MAIL FROM:<a@example.net> SIZE=100\r\nRCPT TO:<b@example.org>\r\nRSET\r\n")
	m.Feed([]byte("EHLO x\r\n"), now)
	b.ReportAllocs()
	b.SetBytes(int64(len(lines)))
	for b.Loop() {
		m.Feed(lines, now)
	}
}

func BenchmarkFeedMessage(b *testing.B) {
	cfg := Prepare(Config{})
	now := time.Now()
	m, _ := New(&cfg, "A1", now, nil)
	body := bytes.Repeat([]byte("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod\r\n"), 280)
	msg := append([]byte("MAIL FROM:<a@example.net>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n"), body...)
	msg = append(msg, ".\r\n"...)
	m.Feed([]byte("EHLO x\r\n"), now)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		in := msg
		for len(in) > 0 {
			n, _ := m.Feed(in, now)
			in = in[n:]
			if m.Waiting() {
				m.Committed(Queued, now)
			}
		}
	}
}
