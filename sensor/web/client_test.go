package web

import (
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spampots/spampots/sensor/proxy"
)

// server is test-only glue standing in for the sensor's adapter: a
// loopback listener, a goroutine per connection that feeds what it reads
// to a machine and writes what the machine says to.
type server struct {
	addr  string
	mu    sync.Mutex
	conns int
	reqs  []*proxy.HTTPRequest
}

func serve(t *testing.T, cfg *Config) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
			wg.Go(func() { s.handle(cfg, c) })
		}
	})
	return s
}

func (s *server) handle(cfg *Config, c net.Conn) {
	defer c.Close()
	m, _ := New(cfg, "", time.Now())
	m.SetPeer(c.RemoteAddr().(*net.TCPAddr).AddrPort())
	var buf []byte
	tmp := make([]byte, 4096)
	for {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := c.Read(tmp)
		if err != nil {
			return
		}
		buf = append(buf, tmp[:n]...)
		for {
			k, acts := m.Feed(buf, time.Now())
			buf = buf[k:]
			for _, a := range acts {
				switch a.Kind {
				case proxy.Write:
					if _, err := c.Write(a.Data); err != nil {
						return
					}
				case proxy.Request:
					s.mu.Lock()
					s.reqs = append(s.reqs, a.Req)
					s.mu.Unlock()
				case proxy.Close:
					return
				}
			}
			if k == 0 || len(buf) == 0 {
				break
			}
		}
	}
}

func (s *server) requests() []*proxy.HTTPRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*proxy.HTTPRequest(nil), s.reqs...)
}

// unsized hides a reader's length, so net/http sends the body chunked.
type unsized struct{ io.Reader }

// TestNetHTTPClient talks to the machine with Go's own HTTP client: one
// kept-alive connection, GET, HEAD, POST with a length, POST chunked, and
// POST waiting for 100-continue.
func TestNetHTTPClient(t *testing.T) {
	s := serve(t, nil)
	tr := &http.Transport{ExpectContinueTimeout: 5 * time.Second}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	reused := 0
	do := func(method, path string, body io.Reader, hdr map[string]string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, "http://"+s.addr+path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = "shop.example"
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotConn: func(i httptrace.GotConnInfo) {
				if i.Reused {
					reused++
				}
			},
		}))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s %s: body: %v", method, path, err)
		}
		return resp, string(b)
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
	resp, _ = do("POST", "/upload.php", unsized{strings.NewReader(strings.Repeat("c", 10000))}, nil)
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

	if reused != 5 {
		t.Errorf("connection reused %d times of 5", reused)
	}
	reqs := s.requests()
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
