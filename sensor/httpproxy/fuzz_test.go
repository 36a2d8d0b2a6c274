package httpproxy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/spampots/spampots/sensor/internal/machinetest"
	"github.com/spampots/spampots/sensor/proxy"
	"github.com/spampots/spampots/sensor/web"
)

// fuzzSeeds are proxy requests of every form, and every refusal and error
// the machine knows (STYLE.md: mox's smtpserver/fuzz_test.go).
var fuzzSeeds = []string{
	"CONNECT www.example.com:443 HTTP/1.1\r\nHost: www.example.com:443\r\n\r\n",
	"CONNECT 192.0.2.1:25 HTTP/1.0\r\n\r\nEHLO x\r\n",
	"CONNECT [2001:db8::1]:80 HTTP/1.1\r\nProxy-Authorization: Basic dTpw\r\n\r\n\x16\x03\x01",
	"CONNECT a HTTP/1.1\r\n\r\n", "CONNECT a:0 HTTP/1.1\r\n\r\n", "CONNECT [::1%lo]:1 HTTP/1.1\r\n\r\n",
	"GET http://www.google.com HTTP/1.0\r\nHost: www.google.com\r\n\r\n",
	"HEAD http://www.google.com HTTP/1.0\r\nHost: www.google.com\r\n\r\n",
	"GET http://azenv.net/azenv.php HTTP/1.1\r\nProxy-Connection: keep-alive\r\nProxy-Authorization: Basic !!\r\n\r\n",
	"GET http://httpbin.org/get?x=1 HTTP/1.1\r\nUser-Agent: \x01\r\n\r\n",
	"GET https://u:p@a.example:8443/p?q#f HTTP/1.1\r\n\r\n",
	"POST http://a.example/f HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
	"POST http://a.example/f HTTP/1.1\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
	"POST http://mx.example.com:25/ HTTP/1.0\r\nContent-Length: 8\r\n\r\nHELO x\r\n",
	"GET http://[2001:db8::1]:587/ HTTP/1.1\r\n\r\nEHLO x\r\n",
	"PUT http://a/ HTTP/1.1\r\nContent-Length: 1\r\n\r\nx", "DELETE http://a/ HTTP/1.1\r\n\r\n",
	"OPTIONS http://a/ HTTP/1.1\r\n\r\n", "PATCH http://a/ HTTP/1.1\r\n\r\n",
	"TRACE http://a/ HTTP/1.1\r\n\r\n", "GET ftp://a/ HTTP/1.1\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\n\r\n", "OPTIONS * HTTP/1.1\r\n\r\n",
	"GET http://a/ HTTP/1.0\r\nProxy-Connection: close\r\n\r\n",
	"\x05\x01\x00", "\x04\x01\x00\x50\x7f\x00\x00\x01\x00", "\x16\x03\x01\x00\xa5",
	"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
	"GET http://a/ HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
	"POST http://a/ HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	"GET http://a/" + strings.Repeat("x", 300) + " HTTP/1.1\r\n\r\n",
	"GET http://a/ HTTP/1.1\r\n" + strings.Repeat("X: y\r\n", 20) + "\r\n",
}

// FuzzHTTPProxy feeds arbitrary client bytes to a machine with small
// limits: whole, split at an arbitrary point, and a byte at a time.
// Invariants: no panic, consumed <= len(input), at most one request
// answered per call, output and everything kept bounded, nothing consumed
// after a Connect, and the same answers and the same tunnel bytes however
// the input was split.
func FuzzHTTPProxy(f *testing.F) {
	prefixes := []string{
		"",
		"GET http://a.example/ HTTP/1.1\r\n\r\n",
		"POST http://a.example/ HTTP/1.1\r\nContent-Length: 4\r\n\r\n",
		"POST http://a.example/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET http://a.example/ HTTP/1.1\r\nProxy-Authorization: Basic dTpw\r\n",
	}
	machinetest.Seed(f, prefixes, fuzzSeeds)
	f.Fuzz(func(t *testing.T, in []byte, split uint16) {
		cfg := &Config{
			Web:         web.Config{MaxRequestLine: 256, MaxHeaderBytes: 1024, MaxHeaders: 16, MaxBody: 64},
			MaxRequests: 20,
		}
		machinetest.Splits(t, in, split, 4096, func(pieces [][]byte) string { return fuzzRun(t, cfg, pieces) })
	})
}

// fuzzRun drives a machine with the pieces of its input and checks the
// invariants on every call; it returns a transcript of what the machine
// did.
func fuzzRun(t *testing.T, cfg *Config, pieces [][]byte) string {
	m, _ := New(cfg, local, client, t0)
	d := machinetest.NewDriver(t, m, t0)
	var recs strings.Builder // everything but the bytes written
	outBound := 8*(cfg.Web.MaxHeaderBytes+cfg.Web.MaxRequestLine) + 8192
	log := machinetest.FuzzLog(t, &recs, outBound, cfg.Web.MaxBody)
	d.Check = func(acts []proxy.Action) {
		for _, a := range acts {
			if a.Kind == proxy.Connect && a.Proto != proxy.HTTP {
				t.Fatalf("Connect to %v proto %q", a.Target, a.Proto)
			}
		}
		log(acts)
	}
	for _, p := range pieces {
		d.Send(p)
		if m.Connected() {
			if n, acts := m.Feed(d.Pending, t0); n != 0 || acts != nil {
				t.Fatalf("consumed %d after Connect", n)
			}
		}
		if m.Closed() || m.Connected() {
			continue
		}
		if len(d.Pending) > max(cfg.Web.MaxRequestLine, cfg.Web.MaxHeaderBytes, 4096) {
			t.Fatalf("%d bytes left unconsumed", len(d.Pending))
		}
	}
	if m.Connected() {
		// The tunnel's bytes are exactly those after the CONNECT's head.
		fmt.Fprintf(&recs, "[tunnel %q]\n", d.Pending)
	}
	m.Timeout(t0.Add(cfg.idleTimeout()))
	if !m.Closed() && !m.Connected() {
		t.Fatal("open after the idle timeout")
	}
	s := m.Summary()
	fmt.Fprintf(&recs, "[summary %d %d %d %q %q %v %v %v]", s.Requests, s.Errors, s.BodyBytes, s.UserAgent, s.Outcome, s.Target, s.Raw, s.Creds)
	return d.Out.String() + "\n" + recs.String()
}
