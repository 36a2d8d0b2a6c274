package web

import (
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spampots/spampots/sensor/internal/machinetest"
	"github.com/spampots/spampots/sensor/proxy"
)

// serve is the test-only glue standing in for the sensor's adapter
// (machinetest.Serve), with a machine per connection.
func serve(t *testing.T, cfg *Config) *machinetest.Server {
	t.Helper()
	return machinetest.Serve(t, nil, func(c net.Conn) machinetest.Feeder {
		m, _ := New(cfg, "", time.Now())
		m.SetPeer(c.RemoteAddr().(*net.TCPAddr).AddrPort())
		return m
	})
}

// TestNetHTTPClient talks to the machine with Go's own HTTP client: one
// kept-alive connection, GET, HEAD, POST with a length, POST chunked, and
// POST waiting for 100-continue.
func TestNetHTTPClient(t *testing.T) {
	s := serve(t, nil)
	tr := &http.Transport{ExpectContinueTimeout: 5 * time.Second}
	defer tr.CloseIdleConnections()
	client := &machinetest.HTTPClient{Client: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
	do := func(method, path string, body io.Reader, hdr map[string]string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, "http://"+s.Addr+path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = "shop.example"
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		return client.Fetch(t, req)
	}

	resp, body := do("GET", "/", nil, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Server") != "nginx" || !strings.Contains(body, "<title>shop.example</title>") {
		t.Errorf("GET: %d %v %q", resp.StatusCode, resp.Header, body)
	}
	resp, body = do("HEAD", "/", nil, nil)
	if resp.StatusCode != 200 || body != "" || resp.ContentLength != 208 {
		t.Errorf("HEAD: %d length %d body %q", resp.StatusCode, resp.ContentLength, body)
	}
	resp, _ = do("POST", "/form.php", strings.NewReader("a=1&b=2"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if resp.StatusCode != 200 {
		t.Errorf("POST: %d", resp.StatusCode)
	}
	resp, _ = do("POST", "/upload.php", machinetest.Unsized{Reader: strings.NewReader(strings.Repeat("c", 10000))}, nil)
	if resp.StatusCode != 200 {
		t.Errorf("chunked POST: %d", resp.StatusCode)
	}
	resp, _ = do("POST", "/slow.php", strings.NewReader("wait for it"), map[string]string{"Expect": "100-continue"})
	if resp.StatusCode != 200 {
		t.Errorf("100-continue POST: %d", resp.StatusCode)
	}
	_, body = do("GET", "/azenv.php", nil, nil)
	if !strings.Contains(body, "\nHTTP_USER_AGENT = Go-http-client/1.1\n") || !strings.Contains(body, "\nREMOTE_ADDR = 127.0.0.1\n") {
		t.Errorf("judge page:\n%s", body)
	}

	if client.Reused != 5 {
		t.Errorf("connection reused %d times of 5", client.Reused)
	}
	reqs := s.Requests()
	if len(reqs) != 6 {
		t.Fatalf("%d requests recorded", len(reqs))
	}
	if r := reqs[2]; string(r.Body) != "a=1&b=2" || r.Target.String() != "shop.example:80" {
		t.Errorf("POST recorded as %q to %s", r.Body, r.Target)
	}
	if r := reqs[3]; r.BodyLen != 10000 || len(r.Body) != 10000 || !slices.Contains(r.Headers, proxy.Header{Name: "Transfer-Encoding", Value: "chunked"}) {
		t.Errorf("chunked POST recorded with %d bytes, fields %v", r.BodyLen, r.Headers)
	}
	if r := reqs[4]; string(r.Body) != "wait for it" {
		t.Errorf("100-continue POST recorded as %q", r.Body)
	}
}
