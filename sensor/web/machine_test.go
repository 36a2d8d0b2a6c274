package web

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spampots/spampots/sensor/internal/machinetest"
)

func TestMachine(t *testing.T) {
	tests := []struct {
		name     string
		cfg      *Config
		script   string
		statuses []int
		closed   bool
		outcome  string
		contains []string // in the output
		absent   []string
	}{
		{
			name:     "HTTP/1.1 keeps the connection",
			script:   "GET / HTTP/1.1\r\nHost: shop.example\r\n\r\n",
			statuses: []int{200},
			contains: []string{"Server: nginx\r\n", "Connection: keep-alive\r\n", "<title>shop.example</title>", "Date: Mon, 23 Nov 2026 12:00:00 GMT\r\n"},
		},
		{
			name:     "HTTP/1.1 Connection: close",
			script:   "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			statuses: []int{200},
			closed:   true,
			outcome:  OutcomeClose,
			contains: []string{"Connection: close\r\n"},
		},
		{
			name:     "HTTP/1.0 closes by default",
			script:   "GET / HTTP/1.0\r\n\r\n",
			statuses: []int{200},
			closed:   true,
			outcome:  OutcomeClose,
			contains: []string{"<title>example.net</title>"}, // the host the proxy was asked for
		},
		{
			name: "HTTP/1.0 keep-alive",
			script: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" +
				"GET /b HTTP/1.0\r\n\r\n",
			statuses: []int{200, 200},
			closed:   true,
		},
		{
			name: "pipelined requests, the last one closing",
			script: "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n" +
				"HEAD /2 HTTP/1.1\r\nHost: a\r\n\r\n" +
				"POST /3 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc" +
				"GET /never HTTP/1.1\r\nHost: a\r\n\r\n",
			statuses: []int{200, 200, 200},
			closed:   true,
		},
		{
			name:     "HEAD has the length and no body",
			script:   "HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			statuses: []int{200},
			contains: []string{"Content-Length: 186\r\n"},
			absent:   []string{"<html>"},
			closed:   true,
		},
		{
			name:     "100-continue before the body",
			script:   "POST /comment.php HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nspam",
			statuses: []int{100, 200},
		},
		{
			name:     "HTTP/1.0 gets no 100",
			script:   "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nspam",
			statuses: []int{200},
			closed:   true,
		},
		{
			name:     "chunked with Content-Length closes after the answer",
			script:   "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
			statuses: []int{200},
			closed:   true,
		},
		{
			name:     "absolute-form needs no Host",
			script:   "GET http://b.example/ HTTP/1.1\r\n\r\n",
			statuses: []int{200},
			contains: []string{"<title>b.example</title>"},
		},
		{
			name:     "static file 404",
			script:   "GET /favicon.ico HTTP/1.1\r\nHost: a\r\n\r\n",
			statuses: []int{404},
			contains: []string{"<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>"},
		},
		{
			name:     "PUT is not allowed",
			script:   "PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx",
			statuses: []int{405},
			contains: []string{"HTTP/1.1 405 Not Allowed\r\n"},
		},
		{
			name:     "persona",
			cfg:      &Config{Server: "Apache/2.4.62 (Debian)"},
			script:   "GET /nothing.png HTTP/1.1\r\nHost: a\r\n\r\n",
			statuses: []int{404},
			contains: []string{"Server: Apache/2.4.62 (Debian)\r\n", "<hr><center>Apache/2.4.62 (Debian)</center>"},
		},
		{
			name:     "max requests",
			cfg:      &Config{MaxRequests: 2},
			script:   strings.Repeat("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 3),
			statuses: []int{200, 200},
			closed:   true,
			outcome:  OutcomeMaxRequests,
		},

		// Errors: nginx's page, then the connection closes.
		{name: "missing Host", script: "GET / HTTP/1.1\r\n\r\n", statuses: []int{400}, closed: true, outcome: OutcomeBadRequest},
		{name: "two Hosts", script: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", statuses: []int{400}, closed: true},
		{name: "CONNECT to a web server", script: "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", statuses: []int{400}, closed: true},
		{name: "OPTIONS only for *", script: "GET * HTTP/1.1\r\nHost: a\r\n\r\n", statuses: []int{400}, closed: true},
		{name: "OPTIONS *", script: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", statuses: []int{405}},
		{name: "junk", script: "\x16\x03\x01\x00\xa5\x01", statuses: []int{400}, closed: true, outcome: OutcomeBadRequest},
		{name: "HTTP/2", script: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", statuses: []int{505}, closed: true, contains: []string{"505 HTTP Version Not Supported"}},
		{name: "unknown coding", script: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: br, chunked\r\n\r\n", statuses: []int{501}, closed: true},
		{
			name:     "request line too long",
			script:   "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\n",
			statuses: []int{414},
			closed:   true,
			contains: []string{"HTTP/1.1 414 Request-URI Too Large\r\n"},
		},
		{
			name:     "headers too large",
			script:   "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X-Pad: "+strings.Repeat("p", 1000)+"\r\n", 70),
			statuses: []int{400},
			closed:   true,
			contains: []string{"<title>400 Request Header Or Cookie Too Large</title>"},
		},
		{
			name:     "too many fields",
			script:   "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: 1\r\n", 100) + "\r\n",
			statuses: []int{400},
			closed:   true,
		},
	}
	for _, tt := range tests {
		machinetest.EachSize(t, tt.name, func(t *testing.T, chunk int) string {
			d := run(t, tt.cfg, "example.net:80", tt.script, chunk)
			out := d.CheckHTTP(tt.statuses, tt.closed, tt.contains)
			if tt.outcome != "" && d.M.Summary().Outcome != tt.outcome {
				t.Errorf("outcome %q, want %q", d.M.Summary().Outcome, tt.outcome)
			}
			for _, s := range tt.absent {
				if strings.Contains(out, s) {
					t.Errorf("output has %q:\n%s", s, out)
				}
			}
			return out
		})
	}
}

func TestRequestRecords(t *testing.T) {
	d := run(t, &Config{MaxBody: 4}, "tunnel.example:8080",
		"POST /wp-comments-post.php HTTP/1.1\r\nHost: blog.example\r\nUser-Agent: spambot\r\nContent-Length: 10\r\n\r\n0123456789"+
			"GET / HTTP/1.1\r\nHost: [2001:db8::5]:81\r\n\r\n", 3)
	if len(d.Reqs) != 2 {
		t.Fatalf("%d requests recorded", len(d.Reqs))
	}
	r := d.Reqs[0]
	want(t, r.Method, "POST")
	want(t, r.URL, "/wp-comments-post.php")
	want(t, r.Target.String(), "blog.example:8080") // no port in Host: the tunnel's
	want(t, r.UserAgent, "spambot")
	want(t, string(r.Body), "0123")
	want(t, r.BodyLen, int64(10))
	want(t, r.Status, 200)
	want(t, len(r.Headers), 3)
	want(t, d.Reqs[1].Target.String(), "[2001:db8::5]:81")
	s := d.M.Summary()
	want(t, s.Requests, 2)
	want(t, s.BodyBytes, int64(10))
	want(t, s.UserAgent, "spambot")
}

func TestTimeout(t *testing.T) {
	d := run(t, nil, "a", "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /slow", 0)
	want(t, d.M.Deadline(), t0.Add(75*time.Second))
	if acts := d.M.Timeout(t0.Add(74 * time.Second)); acts != nil {
		t.Fatalf("timed out early: %v", acts)
	}
	d.Now = t0.Add(30 * time.Second)
	d.Send([]byte(" HTTP/1.1\r\n"))
	want(t, d.M.Deadline(), t0.Add(105*time.Second))
	acts := d.M.Timeout(t0.Add(105 * time.Second))
	if len(acts) != 1 || acts[0].Kind != 2 {
		t.Fatalf("timeout actions %v, want one Close", acts)
	}
	want(t, d.M.Closed(), true)
	want(t, d.M.Summary().Outcome, OutcomeIdleTimeout)
	want(t, d.M.Deadline(), time.Time{})
	if n, acts := d.M.Feed([]byte("GET / HTTP/1.1\r\n\r\n"), d.Now); n != 0 || acts != nil {
		t.Errorf("closed machine consumed %d, acted %v", n, acts)
	}
}

// TestJudge checks the proxy judge page against what checkers parse:
// "NAME = value" lines, REMOTE_ADDR the proxy's address, every field echoed.
func TestJudge(t *testing.T) {
	for _, tt := range []struct{ host, path string }{
		{"www.proxy-listen.example", "/azenv.php"},
		{"a.example", "/judge.php"},
		{"a.example", "/proxyjudge.php?x=1"},
		{"a.example", "/env"},
		{"proxyjudge.example", "/"},
		{"azenv.example", "/"},
	} {
		script := "GET " + tt.path + " HTTP/1.1\r\nHost: " + tt.host + "\r\nUser-Agent: checker\r\n" +
			"X-Forwarded-For: 203.0.113.5\r\nCookie: a=1\r\nCookie: b=2\r\nBad_Name: dropped\r\n\r\n"
		d := run(t, nil, "", script, 0)
		out := d.Out.String()
		wantLines := []string{
			"HTTP_HOST = " + tt.host,
			"HTTP_USER_AGENT = checker",
			"HTTP_X_FORWARDED_FOR = 203.0.113.5",
			"HTTP_COOKIE = a=1, b=2",
			"REMOTE_PORT = 3128",
			"REMOTE_ADDR = 198.51.100.9",
			"REQUEST_SCHEME = http",
			"REQUEST_URI = " + tt.path,
			"REQUEST_METHOD = GET",
			"REQUEST_TIME_FLOAT = 1795435200",
			"REQUEST_TIME = 1795435200",
		}
		if !strings.Contains(out, "\n"+strings.Join(wantLines, "\n")+"\n") {
			t.Errorf("%s%s: judge page\n%s\nlacks, in order:\n%s", tt.host, tt.path, out, strings.Join(wantLines, "\n"))
		}
		if strings.Contains(out, "BAD_NAME") {
			t.Errorf("a field nginx drops was shown")
		}
	}
	t.Run("PublicAddr wins", func(t *testing.T) {
		d := run(t, &Config{PublicAddr: netip.MustParseAddr("203.0.113.77")}, "", "GET /azenv.php HTTP/1.0\r\n\r\n", 0)
		if !strings.Contains(d.Out.String(), "\nREMOTE_ADDR = 203.0.113.77\n") {
			t.Errorf("judge page:\n%s", d.Out.String())
		}
	})
	t.Run("REQUEST_TIME_FLOAT as PHP prints it", func(t *testing.T) {
		for ns, want := range map[int]string{0: "1795435200", 123456789: "1795435200.1234", 500000000: "1795435200.5", 10000000: "1795435200.01"} {
			got := string(appendPHPTime(nil, t0.Add(time.Duration(ns))))
			if got != want {
				t.Errorf("%d ns: %q, want %q", ns, got, want)
			}
		}
	})
}

// TestNmapSocksOpenProxy sends socks-open-proxy.nse's request, as the
// tunnel after its SOCKS handshake carries it, and checks it as the script
// does: the proxy must be reported open.
func TestNmapSocksOpenProxy(t *testing.T) {
	// proxy.test_get(host, port, "socks4", "/", "www.google.com", "^server: gws"):
	// the SOCKS request names the address DNS gave for www.google.com.
	d := run(t, nil, "142.250.185.68:80", "GET / HTTP/1.0\r\nHost: www.google.com\r\n\r\n", 0)
	code, pat := machinetest.NmapCheck(d.Out.String(), "^server: gws")
	if !code || !pat {
		t.Errorf("nmap would not call this open (code %v, pattern %v):\n%s", code, pat, d.Out.String())
	}
	if !d.Closed {
		t.Errorf("HTTP/1.0 request left the connection open: nmap's receive would wait")
	}
}

func TestSites(t *testing.T) {
	tests := []struct {
		name, script string
		status       int
		contains     []string
	}{
		{"google home", "GET / HTTP/1.1\r\nHost: www.google.com\r\n\r\n", 200, []string{"Server: gws\r\n", "<title>Google</title>"}},
		{"google other country", "GET /search?q=x HTTP/1.1\r\nHost: www.Google.COM.\r\n\r\n", 200, []string{"Server: gws\r\n"}},
		{"google bare domain", "GET /x HTTP/1.1\r\nHost: google.com\r\n\r\n", 301, []string{"Location: http://www.google.com/x\r\n", "Server: gws\r\n"}},
		{"google 204", "GET /generate_204 HTTP/1.1\r\nHost: connectivitycheck.gstatic.com\r\n\r\n", 204, []string{"Content-Length: 0\r\n"}},
		{"google 404", "GET /nope HTTP/1.1\r\nHost: www.google.com\r\n\r\n", 404, []string{"Error 404 (Not Found)!!1", "<code>/nope</code>"}},
		{"google 405", "POST / HTTP/1.1\r\nHost: www.google.com\r\nContent-Length: 0\r\n\r\n", 405, []string{"<code>POST</code>"}},
		{"ipify", "GET / HTTP/1.1\r\nHost: api.ipify.org\r\n\r\n", 200, []string{"\r\n\r\n198.51.100.9"}},
		{"icanhazip", "GET / HTTP/1.1\r\nHost: icanhazip.com\r\n\r\n", 200, []string{"\r\n\r\n198.51.100.9\n"}},
		{"httpbin ip", "GET /ip HTTP/1.1\r\nHost: httpbin.org\r\n\r\n", 200, []string{"{\n  \"origin\": \"198.51.100.9\"\n}\n", "Server: gunicorn/19.9.0\r\n"}},
		{"httpbin user-agent", "GET /user-agent HTTP/1.1\r\nHost: httpbin.org\r\nUser-Agent: a\"b\x01\r\n\r\n", 200, []string{`"user-agent": "a\"b\u0001"`}},
		{"httpbin get", "GET /get?show_env=1 HTTP/1.1\r\nHost: httpbin.org\r\nuser-agent: x\r\n\r\n", 200,
			[]string{"\"args\": {\n    \"show_env\": \"1\"\n  }, ", "\"User-Agent\": \"x\"", "\"url\": \"http://httpbin.org/get?show_env=1\""}},
		{"httpbin headers", "GET /headers HTTP/1.1\r\nHost: httpbin.org\r\nAccept: */*\r\n\r\n", 200, []string{"\"Accept\": \"*/*\", \n    \"Host\": \"httpbin.org\""}},
		{"httpbin post to get", "POST /get HTTP/1.1\r\nHost: httpbin.org\r\nContent-Length: 0\r\n\r\n", 405, nil},
		{"httpbin 404", "GET /nope HTTP/1.1\r\nHost: httpbin.org\r\n\r\n", 404, nil},
		{"site page for a script", "GET /wp-login.php HTTP/1.1\r\nHost: blog.example\r\n\r\n", 200, []string{"<h1>blog.example</h1>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := run(t, nil, "", tt.script, 0)
			out := d.Out.String()
			if s := machinetest.Statuses(out); len(s) != 1 || s[0] != tt.status {
				t.Fatalf("statuses %v, want %d:\n%s", s, tt.status, out)
			}
			for _, s := range tt.contains {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
			// The Content-Length is the body's.
			head, body, _ := strings.Cut(out, "\r\n\r\n")
			if m := regexp.MustCompile(`Content-Length: (\d+)`).FindStringSubmatch(head); m == nil || m[1] != fmt.Sprint(len(body)) {
				t.Errorf("Content-Length %v for a body of %d bytes", m, len(body))
			}
		})
	}
}

func TestValidate(t *testing.T) {
	machinetest.CheckValidate(t, []machinetest.Validator{Config{}, Defaults()},
		Config{Server: "a\r\nb", MaxRequestLine: 10, MaxBody: -1, IdleTimeout: -1},
		"one line", "request line 10", "max body -1", "idle timeout")
}

func TestBuffersLetGo(t *testing.T) {
	d := newDriver(t, nil, "a")
	big := "GET /azenv.php HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X-Pad: "+strings.Repeat("p", 500)+"\r\n", 60) + "\r\n"
	d.Send([]byte(big))
	d.Send([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
	if cap(d.M.out) > 16<<10 || cap(d.M.p.buf) > 8<<10 {
		t.Errorf("buffers held after a big request: out %d, head %d", cap(d.M.out), cap(d.M.p.buf))
	}
}

func TestSteadyStateAllocs(t *testing.T) {
	m, _ := New(nil, "a", t0)
	req := []byte("GET / HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
	// The request's string, its recorded fields, the record.
	machinetest.SteadyAllocs(t, req, 3, func(in []byte) int {
		n, _ := m.Feed(in, t0)
		return n
	})
}

func TestAppendHTML(t *testing.T) {
	const in = `<a href="x">&</a>`
	for quot, want := range map[string]string{
		"&#34;":  "&lt;a href=&#34;x&#34;&gt;&amp;&lt;/a&gt;",
		"&quot;": "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;",
	} {
		if got := string(AppendHTML([]byte("p:"), in, quot)); got != "p:"+want {
			t.Errorf("AppendHTML(%q, %q) = %q, want %q", in, quot, got, "p:"+want)
		}
	}
}
