package httpproxy

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spampots/spampots/sensor/internal/machinetest"
	"github.com/spampots/spampots/sensor/proxy"
	"github.com/spampots/spampots/sensor/smtp"
	"github.com/spampots/spampots/sensor/web"
)

func TestMachine(t *testing.T) {
	const established = "HTTP/1.1 200 Connection established\r\n\r\n"
	tests := []struct {
		name     string
		cfg      *Config
		script   string
		statuses []int
		connect  string // the Connect target, "" for none
		tunnel   string // bytes left for the destination after Connect
		closed   bool
		outcome  string
		contains []string
		exact    string // the whole output, when set
	}{
		// CONNECT (RFC 9110 §9.3.6).
		{
			name: "CONNECT a name",
			script: "CONNECT www.example.com:443 HTTP/1.1\r\n" + // authority-form
				"Host: www.example.com:443\r\n" +
				"\r\n",
			statuses: []int{200},
			connect:  "www.example.com:443",
			outcome:  OutcomeConnect,
		},
		{
			name:     "CONNECT an IPv4 address, HTTP/1.0, no fields",
			script:   "CONNECT 192.0.2.25:25 HTTP/1.0\r\n\r\n",
			statuses: []int{200},
			connect:  "192.0.2.25:25",
		},
		{
			name:     "CONNECT an IPv6 address",
			script:   "CONNECT [2001:db8::25]:587 HTTP/1.1\r\n\r\n",
			statuses: []int{200},
			connect:  "[2001:db8::25]:587",
		},
		{
			name: "bytes after the CONNECT head are the tunnel's",
			script: "CONNECT mx.example.org:25 HTTP/1.1\r\n\r\n" +
				"EHLO spammer\r\nMAIL FROM:<a@b>\r\n", // pipelined SMTP, never consumed
			statuses: []int{200},
			connect:  "mx.example.org:25",
			tunnel:   "EHLO spammer\r\nMAIL FROM:<a@b>\r\n",
		},
		{
			name:     "CONNECT is answered exactly as squid does",
			script:   "CONNECT a.example:80 HTTP/1.0\r\n\r\n",
			statuses: []int{200},
			exact:    established,
			connect:  "a.example:80",
		},
		{
			name: "a kept-alive GET, then CONNECT",
			script: "GET http://a.example/ HTTP/1.1\r\nHost: a.example\r\n\r\n" +
				"CONNECT b.example:443 HTTP/1.1\r\n\r\n" +
				"\x16\x03\x01", // TLS, the tunnel's
			statuses: []int{200, 200},
			connect:  "b.example:443",
			tunnel:   "\x16\x03\x01",
		},
		{name: "CONNECT without a port", script: "CONNECT www.example.com HTTP/1.1\r\n\r\n", statuses: []int{400}, closed: true, contains: []string{"X-Squid-Error: ERR_INVALID_URL 0\r\n"}},
		{name: "CONNECT port 0", script: "CONNECT a:0 HTTP/1.1\r\n\r\n", statuses: []int{400}, closed: true},
		{name: "CONNECT port 65536", script: "CONNECT a:65536 HTTP/1.1\r\n\r\n", statuses: []int{400}, closed: true},
		{name: "CONNECT a bad host", script: "CONNECT a/b:80 HTTP/1.1\r\n\r\n", statuses: []int{400}, closed: true},

		// Absolute-URI requests, answered by the emulated origin.
		{
			name:     "nmap's GET, HTTP/1.0: answered, then closed",
			script:   "GET http://www.google.com HTTP/1.0\r\nHost: www.google.com\r\n\r\n",
			statuses: []int{200},
			closed:   true,
			outcome:  OutcomeClose,
			contains: []string{"Server: gws\r\n", "<title>Google</title>"},
		},
		{
			name:     "HTTP/1.1 keeps the connection",
			script:   "GET http://a.example/ HTTP/1.1\r\n\r\nHEAD http://a.example/x.php HTTP/1.1\r\n\r\n",
			statuses: []int{200, 200},
		},
		{
			name:     "HTTP/1.0 with Proxy-Connection: keep-alive persists",
			script:   "GET http://a.example/ HTTP/1.0\r\nProxy-Connection: Keep-Alive\r\n\r\nGET http://b.example/ HTTP/1.0\r\n\r\n",
			statuses: []int{200, 200},
			closed:   true,
		},
		{
			name:     "Proxy-Connection: close",
			script:   "GET http://a.example/ HTTP/1.1\r\nProxy-Connection: close\r\n\r\nGET http://b.example/ HTTP/1.1\r\n\r\n",
			statuses: []int{200},
			closed:   true,
		},
		{
			name:     "POST with a body, and chunked",
			script:   "POST http://a.example/c.php HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcPOST http://a.example/d.php HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n",
			statuses: []int{200, 200},
		},
		{
			name:     "100-continue",
			script:   "PUT http://a.example/f HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nf",
			statuses: []int{100, 405},
		},
		{
			name:     "https URI is answered too",
			script:   "GET https://a.example/ HTTP/1.1\r\n\r\n",
			statuses: []int{200},
		},
		{
			name:     "max requests",
			cfg:      &Config{MaxRequests: 2},
			script:   strings.Repeat("GET http://a.example/ HTTP/1.1\r\n\r\n", 3),
			statuses: []int{200, 200},
			closed:   true,
			outcome:  OutcomeMaxRequests,
		},

		// A raw port: the body is the destination's.
		{
			name: "POST to port 25 is a tunnel with the body",
			script: "POST http://mx.example.com:25/ HTTP/1.0\r\n" +
				"Content-Type: text/plain\r\n" +
				"Content-Length: 30\r\n" +
				"\r\n" +
				"HELO x\r\nMAIL FROM:<a@b.c>\r\nDATA\r\n", // more than 30 bytes: all the tunnel's
			connect: "mx.example.com:25",
			tunnel:  "HELO x\r\nMAIL FROM:<a@b.c>\r\nDATA\r\n",
			outcome: OutcomeConnect,
		},
		{
			name:    "GET to port 587 too",
			script:  "GET http://192.0.2.9:587/ HTTP/1.1\r\n\r\nEHLO x\r\n",
			connect: "192.0.2.9:587",
			tunnel:  "EHLO x\r\n",
		},
		{
			name:     "no raw ports: port 25 is a web server",
			cfg:      &Config{RawPorts: []uint16{}},
			script:   "GET http://mx.example.com:25/ HTTP/1.1\r\n\r\n",
			statuses: []int{200},
		},

		// The proxy's own refusals: squid's pages, then a close.
		{
			name:     "origin-form request to the proxy",
			script:   "GET / HTTP/1.1\r\nHost: 198.51.100.1:3128\r\n\r\n",
			statuses: []int{400},
			closed:   true,
			outcome:  OutcomeBadRequest,
			contains: []string{"Server: squid/6.13\r\n", "X-Squid-Error: ERR_INVALID_URL 0\r\n", "<a href=\"/\">/</a>", "by localhost (squid/6.13)"},
		},
		{name: "OPTIONS *", script: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", statuses: []int{400}, closed: true},
		{name: "TRACE", script: "TRACE http://a.example/ HTTP/1.1\r\n\r\n", statuses: []int{405}, closed: true, contains: []string{"ERR_UNSUP_REQ"}},
		{name: "ftp", script: "GET ftp://a.example/pub/ HTTP/1.1\r\n\r\n", statuses: []int{400}, closed: true, contains: []string{"ERR_UNSUP_REQ"}},
		{name: "SOCKS5 greeting", script: "\x05\x01\x00", statuses: []int{400}, closed: true, contains: []string{"ERR_INVALID_REQ", "[no URL]"}},
		{name: "TLS ClientHello", script: "\x16\x03\x01\x02\x00\x01", statuses: []int{400}, closed: true},
		{name: "HTTP/2 preface", script: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", statuses: []int{505}, closed: true, contains: []string{"ERR_UNSUP_HTTPVERSION"}},
		{name: "unknown coding", script: "POST http://a/ HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", statuses: []int{501}, closed: true},
		{name: "bad framing", script: "POST http://a/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n", statuses: []int{400}, closed: true},
		{
			name:     "request line too long",
			script:   "GET http://a.example/" + strings.Repeat("x", 9000) + " HTTP/1.1\r\n\r\n",
			statuses: []int{414},
			closed:   true,
			contains: []string{"ERR_TOO_BIG"},
		},
		{
			name:     "header section too large",
			script:   "GET http://a.example/ HTTP/1.1\r\n" + strings.Repeat("Cookie: "+strings.Repeat("c", 4000)+"\r\n", 17),
			statuses: []int{431},
			closed:   true,
		},
		{
			name:     "too many fields",
			script:   "GET http://a.example/ HTTP/1.1\r\n" + strings.Repeat("X: 1\r\n", 101) + "\r\n",
			statuses: []int{431},
			closed:   true,
		},
		{
			name:     "persona",
			cfg:      &Config{Hostname: "proxy.example.net", Server: "squid/4.10"},
			script:   "GET / HTTP/1.1\r\n\r\n",
			statuses: []int{400},
			closed:   true,
			contains: []string{"Server: squid/4.10\r\n", "by proxy.example.net (squid/4.10)"},
		},
	}
	for _, tt := range tests {
		machinetest.EachSize(t, tt.name, func(t *testing.T, chunk int) string {
			d := run(t, tt.cfg, tt.script, chunk)
			out := d.CheckHTTP(tt.statuses, tt.closed, tt.contains)
			var connect string
			if len(d.Connects) > 0 {
				connect = d.Connects[0].Target.String()
			}
			if connect != tt.connect || len(d.Connects) > 1 || d.M.Connected() != (tt.connect != "") {
				t.Errorf("connects %v (machine %v), want %q", d.Connects, d.M.Connected(), tt.connect)
			}
			if tt.connect != "" && string(d.Pending) != tt.tunnel {
				t.Errorf("tunnel got %q, want %q", d.Pending, tt.tunnel)
			}
			if tt.outcome != "" && d.M.Summary().Outcome != tt.outcome {
				t.Errorf("outcome %q, want %q", d.M.Summary().Outcome, tt.outcome)
			}
			if tt.exact != "" && out != tt.exact {
				t.Errorf("output %q, want %q", out, tt.exact)
			}
			return out
		})
	}
}

// TestNothingAfterConnect: once connected, Feed consumes nothing, acts on
// nothing, and no timeout is pending.
func TestNothingAfterConnect(t *testing.T) {
	d := run(t, nil, "CONNECT a:443 HTTP/1.1\r\n\r\n", 0)
	if n, acts := d.M.Feed([]byte("GET http://a/ HTTP/1.1\r\n\r\n"), t0); n != 0 || acts != nil {
		t.Errorf("connected machine consumed %d, acted %v", n, acts)
	}
	if acts := d.M.Timeout(t0.Add(time.Hour)); acts != nil || !d.M.Deadline().IsZero() {
		t.Errorf("connected machine timed out: %v, deadline %v", acts, d.M.Deadline())
	}
	s := d.M.Summary()
	if !s.Connected || s.Raw || s.Target.String() != "a:443" {
		t.Errorf("summary %+v", s)
	}
}

func TestActionOrder(t *testing.T) {
	tests := []struct {
		script string
		kinds  []proxy.Kind
	}{
		{"CONNECT a:443 HTTP/1.1\r\nProxy-Authorization: Basic dTpw\r\n\r\n", []proxy.Kind{proxy.Auth, proxy.Write, proxy.Connect}},
		{"GET http://a/ HTTP/1.0\r\nProxy-Authorization: Basic dTpw\r\n\r\n", []proxy.Kind{proxy.Auth, proxy.Request, proxy.Write, proxy.Close}},
		{"POST http://mx:25/ HTTP/1.0\r\nProxy-Authorization: Basic dTpw\r\nContent-Length: 6\r\n\r\nHELO x", []proxy.Kind{proxy.Auth, proxy.Connect}},
		{"GET / HTTP/1.0\r\n\r\n", []proxy.Kind{proxy.Request, proxy.Write, proxy.Close}},
	}
	for _, tt := range tests {
		d := run(t, nil, tt.script, 0)
		if !slices.Equal(d.Kinds, tt.kinds) {
			t.Errorf("%q: actions %v, want %v", tt.script, d.Kinds, tt.kinds)
		}
	}
}

func TestCredentials(t *testing.T) {
	tests := []struct {
		name   string
		fields string
		want   []proxy.Credential
	}{
		{"basic", "Proxy-Authorization: Basic dXNlcjpwYTpzcw==\r\n", []proxy.Credential{{Mech: "basic", User: "user", Password: "pa:ss"}}},
		{"basic without padding, scheme in any case", "Proxy-Authorization: bAsIc dXNlcjpwYXNz\r\n", []proxy.Credential{{Mech: "basic", User: "user", Password: "pass"}}},
		{"no colon", "Proxy-Authorization: Basic dXNlcg==\r\n", []proxy.Credential{{Mech: "basic", User: "user"}}},
		{"not base64: kept raw", "Proxy-Authorization: Basic user:pass\r\n", []proxy.Credential{{Mech: "basic", User: "user:pass"}}},
		{"digest", "Proxy-Authorization: Digest username=\"u\", realm=\"r\"\r\n", []proxy.Credential{{Mech: "digest", Password: "username=\"u\", realm=\"r\""}}},
	}
	for _, tt := range tests {
		machinetest.EachSize(t, tt.name, func(t *testing.T, chunk int) string {
			d := run(t, nil, "GET http://a/ HTTP/1.1\r\n"+tt.fields+"\r\n", chunk)
			if !slices.Equal(d.Creds, tt.want) || !slices.Equal(d.M.Summary().Creds, tt.want) {
				t.Errorf("creds %+v (summary %+v), want %+v", d.Creds, d.M.Summary().Creds, tt.want)
			}
			// The origin never sees Proxy-Authorization, the record does.
			if strings.Contains(d.Out.String(), "dXNl") || len(d.Reqs) != 1 || len(d.Reqs[0].Headers) != 1 {
				t.Errorf("credential leaked or not recorded:\n%s", d.Out.String())
			}
			return d.Out.String()
		})
	}
	t.Run("repeated on every request: recorded once", func(t *testing.T) {
		auth := "Proxy-Authorization: Basic dTpw\r\n"
		d := run(t, nil, "GET http://a/ HTTP/1.1\r\n"+auth+"\r\nGET http://b/ HTTP/1.1\r\n"+auth+"\r\nGET http://c/ HTTP/1.1\r\nProxy-Authorization: Basic dTI6cA==\r\n\r\n", 0)
		want(t, len(d.Creds), 2)
		want(t, len(d.M.Summary().Creds), 2)
	})
}

// TestForwarded checks what the emulated origin sees: the request as an
// elite proxy forwards it.
func TestForwarded(t *testing.T) {
	script := "GET http://www.judge.example/azenv.php?x=1 HTTP/1.1\r\n" +
		"Host: wrong.example\r\n" + // replaced by the URI's authority
		"User-Agent: checker/2\r\n" +
		"Proxy-Connection: keep-alive\r\n" + // dropped, with every Proxy-* field
		"Proxy-Authorization: Basic dTpw\r\n" +
		"\r\n"
	for _, cfg := range []*Config{{}, {Web: webConfig("192.0.2.200")}} {
		d := run(t, cfg, script, 0)
		out := d.Out.String()
		addr := "198.51.100.1"
		if cfg.Web.PublicAddr.IsValid() {
			addr = "192.0.2.200"
		}
		lines := "\nHTTP_HOST = www.judge.example\nHTTP_USER_AGENT = checker/2\nREMOTE_PORT = 32768\nREMOTE_ADDR = " + addr +
			"\nREQUEST_SCHEME = http\nREQUEST_URI = /azenv.php?x=1\nREQUEST_METHOD = GET\n"
		if !strings.Contains(out, lines) {
			t.Errorf("judge page\n%s\nlacks\n%s", out, lines)
		}
		for _, leak := range []string{"PROXY", "VIA", "FORWARDED", "203.0.113.50", "wrong.example"} {
			if strings.Contains(out, leak) {
				t.Errorf("judge page shows %q:\n%s", leak, out)
			}
		}
		r := d.Reqs[0]
		if r.URL != "http://www.judge.example/azenv.php?x=1" || r.Target.String() != "www.judge.example:80" || len(r.Headers) != 4 || r.UserAgent != "checker/2" {
			t.Errorf("recorded %+v", r)
		}
	}
}

// TestNmapHTTPOpenProxy sends http-open-proxy.nse's three requests (from
// nselib/proxy.lua's test_get, test_head and test_connect, each on its own
// connection) and judges the answers as the script does: every method must
// pass its first test, so the script reports "Potentially OPEN proxy.
// Methods supported: GET HEAD CONNECTION".
func TestNmapHTTPOpenProxy(t *testing.T) {
	tests := []struct {
		name, req, pattern string
	}{
		{"GET", "GET http://www.google.com HTTP/1.0\r\nHost: www.google.com\r\n\r\n", "^server: gws"},
		{"HEAD", "HEAD http://www.google.com HTTP/1.0\r\nHost: www.google.com\r\n\r\n", "^server: gws"},
		{"CONNECT", "CONNECT www.google.com:80 HTTP/1.0\r\n\r\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := run(t, nil, tt.req, 0)
			// socket:receive() returns what one read gives: the whole
			// answer must come in one write.
			var writes [][]byte
			for _, k := range d.Kinds {
				if k == proxy.Write {
					writes = append(writes, nil)
				}
			}
			if len(writes) != 1 {
				t.Fatalf("%d writes, want one", len(writes))
			}
			if code, pat := machinetest.NmapCheck(d.Out.String(), tt.pattern); !code || !pat {
				t.Errorf("nmap would not pass %s (code %v, pattern %v):\n%s", tt.name, code, pat, d.Out.String())
			}
		})
	}
}

// TestRawPortToSMTP hands the tunnel of a "POST http://mx:25/" to the SMTP
// machine, as the sensor does, and checks that the body is a session it
// understands.
func TestRawPortToSMTP(t *testing.T) {
	body := "HELO spammer\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<v@y.example>\r\nDATA\r\nSubject: hi\r\n\r\nbuy\r\n.\r\nQUIT\r\n"
	d := run(t, nil, fmt.Sprintf("POST http://mx.y.example:25/ HTTP/1.0\r\nContent-Length: %d\r\n\r\n%s", len(body), body), 5)
	if d.Out.Len() != 0 || len(d.Connects) != 1 || d.Connects[0].Target.String() != "mx.y.example:25" || !d.M.Summary().Raw {
		t.Fatalf("wrote %q, connects %v", d.Out.String(), d.Connects)
	}
	cfg := smtp.Prepare(smtp.Config{})
	m, acts := smtp.New(&cfg, "T", t0, nil)
	var out strings.Builder
	var msgs []*smtp.Message
	apply := func(acts []smtp.Action) {
		for _, a := range acts {
			out.Write(a.Data)
			if a.Kind == smtp.Deliver {
				msgs = append(msgs, a.Msg)
			}
		}
	}
	apply(acts)
	in := d.Pending
	for len(in) > 0 {
		n, acts := m.Feed(in, t0)
		in = in[n:]
		apply(acts)
		if m.Waiting() {
			apply(m.Committed(smtp.Queued, t0))
		} else if n == 0 {
			break
		}
	}
	if len(msgs) != 1 || msgs[0].MailFrom != "s@x.example" || string(msgs[0].Data) != "Subject: hi\r\n\r\nbuy\r\n" {
		t.Errorf("messages %v; SMTP said:\n%s", msgs, out.String())
	}
	if !strings.HasPrefix(out.String(), "220 ") || !strings.HasSuffix(out.String(), "221 2.0.0 Bye\r\n") {
		t.Errorf("SMTP said:\n%s", out.String())
	}
}

func TestTimeout(t *testing.T) {
	d := run(t, nil, "GET http://a/ HTTP/1.1\r\n\r\nGET http://b/", 0)
	want(t, d.M.Deadline(), t0.Add(2*time.Minute))
	if acts := d.M.Timeout(t0.Add(2*time.Minute - 1)); acts != nil {
		t.Fatalf("timed out early: %v", acts)
	}
	acts := d.M.Timeout(t0.Add(2 * time.Minute))
	if len(acts) != 1 || acts[0].Kind != proxy.Close {
		t.Fatalf("timeout actions %v, want one Close", acts)
	}
	want(t, d.M.Closed(), true)
	want(t, d.M.Summary().Outcome, OutcomeIdleTimeout)
	if n, acts := d.M.Feed([]byte("GET http://a/ HTTP/1.1\r\n\r\n"), t0); n != 0 || acts != nil {
		t.Errorf("closed machine consumed %d, acted %v", n, acts)
	}
}

func TestSummary(t *testing.T) {
	d := run(t, nil, "POST http://a/ HTTP/1.1\r\nUser-Agent: first\r\nContent-Length: 4\r\n\r\nbodyGET / HTTP/1.1\r\nUser-Agent: second\r\n\r\n", 0)
	s := d.M.Summary()
	want(t, s.Requests, 2)
	want(t, s.Errors, 1)
	want(t, s.BodyBytes, int64(4))
	want(t, s.UserAgent, "first")
	want(t, s.Outcome, OutcomeBadRequest)
	want(t, d.Reqs[1].Status, 400)
}

func TestValidate(t *testing.T) {
	machinetest.CheckValidate(t, []machinetest.Validator{Config{}, Defaults()},
		Config{Hostname: "a b", Server: "x\ny", RawPorts: []uint16{0}, MaxRequests: -1, IdleTimeout: -1, Web: webConfigBad()},
		"hostname", "one line", "raw port 0", "max requests", "idle timeout", "web max body")
}

func TestSteadyStateAllocs(t *testing.T) {
	m, _ := New(&Config{MaxRequests: 1 << 30}, local, client, t0)
	req := []byte("GET http://www.example.com/ HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: bench\r\nProxy-Connection: keep-alive\r\n\r\n")
	// The request's string, its recorded fields, the record.
	machinetest.SteadyAllocs(t, req, 3, func(in []byte) int {
		n, _ := m.Feed(in, t0)
		return n
	})
}

func webConfig(public string) (c web.Config) {
	c.PublicAddr = netip.MustParseAddr(public)
	return c
}

func webConfigBad() (c web.Config) {
	c.MaxBody = -1
	return c
}
