package machinetest

import (
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"testing"
	"time"

	"github.com/spampots/spampots/sensor/proxy"
)

// Feeder is what Serve feeds a connection's input to: a machine, or one
// that plays the destination after its own Connect.
type Feeder interface {
	Feed(in []byte, now time.Time) (int, []proxy.Action)
}

// Server is test-only glue standing in for the sensor's adapter: a
// listener, and a goroutine per connection that feeds what it reads to a
// machine, writes what the machine says, closes when it says so, and
// records every other action.
type Server struct {
	Addr  string
	mu    sync.Mutex
	conns int
	acts  []proxy.Action // every Request, Auth and Connect, in order
}

// Serve accepts connections on ln (nil: a free port on 127.0.0.1) until
// the test ends, each fed to the machine start returns for it.
func Serve(t *testing.T, ln net.Listener, start func(c net.Conn) Feeder) *Server {
	t.Helper()
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	s := &Server{Addr: ln.Addr().String()}
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
			wg.Go(func() { s.handle(c, start(c)) })
		}
	})
	return s
}

func (s *Server) handle(c net.Conn, f Feeder) {
	defer c.Close()
	var buf []byte
	tmp := make([]byte, 4096)
	for {
		for {
			k, acts := f.Feed(buf, time.Now())
			buf = buf[k:]
			if !s.apply(c, acts) {
				return
			}
			if k == 0 || len(buf) == 0 {
				break
			}
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := c.Read(tmp)
		if err != nil {
			return
		}
		buf = append(buf, tmp[:n]...)
	}
}

// apply carries out actions; it reports false when the connection ends.
func (s *Server) apply(c net.Conn, acts []proxy.Action) bool {
	for _, a := range acts {
		switch a.Kind {
		case proxy.Write:
			if _, err := c.Write(a.Data); err != nil {
				return false
			}
		case proxy.Close:
			return false
		default:
			if a.Cred != nil {
				cred := *a.Cred
				a.Cred = &cred
			}
			a.Data = nil
			s.mu.Lock()
			s.acts = append(s.acts, a)
			s.mu.Unlock()
		}
	}
	return true
}

// Conns is how many connections were accepted.
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Requests returns the requests recorded so far.
func (s *Server) Requests() []*proxy.HTTPRequest {
	var out []*proxy.HTTPRequest
	for _, a := range s.actions(proxy.Request) {
		out = append(out, a.Req)
	}
	return out
}

// Credentials returns the credentials recorded so far.
func (s *Server) Credentials() []proxy.Credential {
	var out []proxy.Credential
	for _, a := range s.actions(proxy.Auth) {
		out = append(out, *a.Cred)
	}
	return out
}

// Targets returns the targets of the Connects so far.
func (s *Server) Targets() []proxy.Target {
	var out []proxy.Target
	for _, a := range s.actions(proxy.Connect) {
		out = append(out, a.Target)
	}
	return out
}

func (s *Server) actions(k proxy.Kind) []proxy.Action {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []proxy.Action
	for _, a := range s.acts {
		if a.Kind == k {
			out = append(out, a)
		}
	}
	return out
}

// HTTPClient is net/http's client as a test uses it against Serve.
type HTTPClient struct {
	*http.Client
	Reused int // requests sent over a kept-alive connection
}

// Fetch sends req and reads the whole answer.
func (c *HTTPClient) Fetch(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		GotConn: func(i httptrace.GotConnInfo) {
			if i.Reused {
				c.Reused++
			}
		},
	}))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("%s %s: body: %v", req.Method, req.URL, err)
	}
	return resp, string(b)
}

// Unsized hides a reader's length, so net/http sends the body chunked.
type Unsized struct{ io.Reader }

// Dial connects to the server as a raw client, with 10 seconds for the
// whole exchange; the connection is closed when the test ends.
func (s *Server) Dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}
