package httpproxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spampots/spampots/sensor/internal/machinetest"
	"github.com/spampots/spampots/sensor/proxy"
	"github.com/spampots/spampots/sensor/smtp"
	"github.com/spampots/spampots/sensor/web"
)

// smtpFeeder adapts the SMTP machine to proxy actions, committing every
// message at once.
type smtpFeeder struct{ m *smtp.Machine }

func (s smtpFeeder) Feed(in []byte, now time.Time) (int, []proxy.Action) {
	n, acts := s.m.Feed(in, now)
	out := convert(acts)
	if s.m.Waiting() {
		out = append(out, convert(s.m.Committed(smtp.Queued, now))...)
	}
	return n, out
}

func convert(acts []smtp.Action) []proxy.Action {
	var out []proxy.Action
	for _, a := range acts {
		switch a.Kind {
		case smtp.Write:
			out = append(out, proxy.Action{Kind: proxy.Write, Data: a.Data})
		case smtp.Close:
			out = append(out, proxy.Action{Kind: proxy.Close})
		}
	}
	return out
}

// tunnel is what the glue feeds a connection to: the proxy machine, then,
// on Connect, the emulated destination: an SMTP server for ports 25 and
// 587, a web server for anything else.
type tunnel struct {
	f     machinetest.Feeder
	cfg   *Config
	local netip.AddrPort
}

func (c *tunnel) Feed(in []byte, now time.Time) (int, []proxy.Action) {
	n, acts := c.f.Feed(in, now)
	for _, a := range acts {
		if a.Kind != proxy.Connect {
			continue
		}
		if a.Target.Port == 25 || a.Target.Port == 587 {
			cfg := smtp.Prepare(smtp.Config{})
			sm, greeting := smtp.New(&cfg, "T", now, nil)
			c.f = smtpFeeder{sm}
			acts = append(acts[:len(acts):len(acts)], convert(greeting)...)
		} else {
			wm, _ := web.New(&c.cfg.Web, a.Target.String(), now)
			wm.SetPeer(c.local) // the origin sees the proxy
			c.f = wm
		}
	}
	return n, acts
}

// serve is the test-only glue standing in for the sensor's adapter
// (machinetest.Serve), with the machine as an HTTP proxy on ln (nil: a
// free loopback port).
func serve(t *testing.T, ln net.Listener, cfg *Config) *machinetest.Server {
	t.Helper()
	return machinetest.Serve(t, ln, func(c net.Conn) machinetest.Feeder {
		local := c.LocalAddr().(*net.TCPAddr).AddrPort()
		m, _ := New(cfg, local, c.RemoteAddr().(*net.TCPAddr).AddrPort(), time.Now())
		return &tunnel{f: m, cfg: cfg, local: local}
	})
}

// TestNetHTTPThroughProxy uses Go's HTTP client with the machine as its
// proxy: GET, HEAD, POST with a length, POST chunked, a judge page, all on
// one kept-alive connection, with proxy credentials.
func TestNetHTTPThroughProxy(t *testing.T) {
	s := serve(t, nil, &Config{})
	proxyURL, _ := url.Parse("http://spammer:s3cret@" + s.Addr)
	tr := &http.Transport{Proxy: http.ProxyURL(proxyURL)}
	defer tr.CloseIdleConnections()
	client := &machinetest.HTTPClient{Client: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
	do := func(method, u string, body io.Reader) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, u, body)
		if err != nil {
			t.Fatal(err)
		}
		return client.Fetch(t, req)
	}

	resp, body := do("GET", "http://www.google.com/", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Server") != "gws" || !strings.Contains(body, "<title>Google</title>") {
		t.Errorf("GET google: %d %v", resp.StatusCode, resp.Header)
	}
	resp, body = do("HEAD", "http://www.google.com/", nil)
	if resp.StatusCode != 200 || body != "" || resp.ContentLength <= 0 {
		t.Errorf("HEAD google: %d length %d body %q", resp.StatusCode, resp.ContentLength, body)
	}
	resp, _ = do("POST", "http://forum.example/post.php", strings.NewReader("msg=buy+now"))
	if resp.StatusCode != 200 {
		t.Errorf("POST: %d", resp.StatusCode)
	}
	resp, _ = do("POST", "http://forum.example/upload.php", machinetest.Unsized{Reader: strings.NewReader(strings.Repeat("u", 5000))})
	if resp.StatusCode != 200 {
		t.Errorf("chunked POST: %d", resp.StatusCode)
	}
	_, body = do("GET", "http://www.judge.example/azenv.php", nil)
	if !strings.Contains(body, "\nREMOTE_ADDR = 127.0.0.1\n") || !strings.Contains(body, "\nHTTP_USER_AGENT = Go-http-client/1.1\n") ||
		strings.Contains(body, "PROXY") || strings.Contains(body, "VIA") {
		t.Errorf("judge page through the proxy:\n%s", body)
	}
	resp, body = do("GET", "http://api.ipify.org/", nil)
	if body != "127.0.0.1" {
		t.Errorf("ipify through the proxy: %d %q", resp.StatusCode, body)
	}

	reqs, creds := s.Requests(), s.Credentials()
	if s.Conns() != 1 || client.Reused != 5 {
		t.Errorf("%d connections, reused %d times: want one kept alive", s.Conns(), client.Reused)
	}
	if len(reqs) != 6 {
		t.Fatalf("%d requests recorded", len(reqs))
	}
	if r := reqs[2]; r.Method != "POST" || r.URL != "http://forum.example/post.php" || string(r.Body) != "msg=buy+now" || r.Target.String() != "forum.example:80" {
		t.Errorf("POST recorded as %+v", r)
	}
	if r := reqs[3]; r.BodyLen != 5000 {
		t.Errorf("chunked POST recorded with %d bytes", r.BodyLen)
	}
	if len(creds) != 1 || creds[0] != (proxy.Credential{Mech: "basic", User: "spammer", Password: "s3cret"}) {
		t.Errorf("credentials %+v", creds)
	}
}

// TestNetHTTPConnect lets Go's Transport tunnel to an https URL: it must
// take the CONNECT reply as success (OnProxyConnectResponse sees 200); the
// TLS handshake that follows then fails, since the destination plays a
// plain web server.
func TestNetHTTPConnect(t *testing.T) {
	s := serve(t, nil, &Config{})
	proxyURL, _ := url.Parse("http://" + s.Addr)
	var status int
	tr := &http.Transport{
		Proxy: http.ProxyURL(proxyURL),
		OnProxyConnectResponse: func(_ context.Context, _ *url.URL, _ *http.Request, resp *http.Response) error {
			status = resp.StatusCode
			return nil
		},
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}
	defer tr.CloseIdleConnections()
	_, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get("https://secure.example/")
	if status != 200 {
		t.Fatalf("CONNECT answered %d (err %v)", status, err)
	}
	if err == nil {
		t.Errorf("a TLS handshake with a plain web server succeeded")
	}
	connects := s.Targets()
	if len(connects) != 1 || connects[0].String() != "secure.example:443" {
		t.Errorf("connects %v", connects)
	}
}

// TestRawConnect is a raw client: CONNECT with its first request sent in
// the same segment, read back through the tunnel from the emulated origin.
func TestRawConnect(t *testing.T) {
	s := serve(t, nil, &Config{})
	c := s.Dial(t)
	if _, err := io.WriteString(c, "CONNECT shop.example:8080 HTTP/1.1\r\nHost: shop.example:8080\r\n\r\n"+
		"GET /index.php HTTP/1.1\r\nHost: shop.example:8080\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	established := make([]byte, len("HTTP/1.1 200 Connection established\r\n\r\n"))
	if _, err := io.ReadFull(br, established); err != nil || string(established) != "HTTP/1.1 200 Connection established\r\n\r\n" {
		t.Fatalf("CONNECT reply %q, %v", established, err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Server") != "nginx" || !strings.Contains(string(body), "<title>shop.example</title>") {
		t.Errorf("through the tunnel: %d %v\n%s", resp.StatusCode, resp.Header, body)
	}
}

// TestRawSMTPOverPOST pushes an SMTP session through the proxy the old
// way, as the body of a POST to port 25, and reads the SMTP server's
// answers raw.
func TestRawSMTPOverPOST(t *testing.T) {
	s := serve(t, nil, &Config{})
	c := s.Dial(t)
	body := "HELO bot\r\nMAIL FROM:<a@spam.example>\r\nRCPT TO:<b@victim.example>\r\nDATA\r\nSubject: x\r\n\r\nspam\r\n.\r\nQUIT\r\n"
	if _, err := io.WriteString(c, "POST http://mx.victim.example:25/ HTTP/1.0\r\nContent-Length: "+
		strconv.Itoa(len(body))+"\r\n\r\n"+body); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, net.ErrClosed) {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), "220 ") || !strings.Contains(string(got), "250 2.0.0 Ok: queued as") || !strings.HasSuffix(string(got), "221 2.0.0 Bye\r\n") {
		t.Errorf("the client read:\n%s", got)
	}
}

// TestNmapThroughGlue runs http-open-proxy.nse's three probes over TCP,
// one connection each, reading until the proxy closes or the answer is
// complete, and judges them as nselib/proxy.lua does.
func TestNmapThroughGlue(t *testing.T) {
	s := serve(t, nil, &Config{})
	for _, probe := range []struct{ req, pattern string }{
		{"GET http://www.google.com HTTP/1.0\r\nHost: www.google.com\r\n\r\n", "^server: gws"},
		{"HEAD http://www.google.com HTTP/1.0\r\nHost: www.google.com\r\n\r\n", "^server: gws"},
		{"CONNECT www.google.com:80 HTTP/1.0\r\n\r\n", ""},
	} {
		c := s.Dial(t)
		io.WriteString(c, probe.req)
		buf := make([]byte, 65536)
		n, err := c.Read(buf) // socket:receive(): one read
		c.Close()
		if err != nil {
			t.Fatalf("%q: %v", probe.req, err)
		}
		if code, pat := machinetest.NmapCheck(string(buf[:n]), probe.pattern); !code || !pat {
			t.Errorf("nmap would fail %q (code %v, pattern %v):\n%s", probe.req, code, pat, buf[:n])
		}
	}
}
