package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/spampots/spampots/sensor/internal/machinetest"
	"github.com/spampots/spampots/sensor/proxy"
)

// fuzzSeeds are requests of every form, with every framing and every
// error the parser knows (STYLE.md: mox's smtpserver/fuzz_test.go).
var fuzzSeeds = []string{
	"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET / HTTP/1.0\r\n\r\n",
	"GET http://www.google.com HTTP/1.0\r\nHost: www.google.com\r\n\r\n",
	"HEAD http://www.google.com HTTP/1.0\r\nHost: www.google.com\r\n\r\n",
	"GET https://[2001:db8::1]:8443/x?y#z HTTP/1.1\r\n\r\n",
	"GET /azenv.php HTTP/1.1\r\nHost: a\r\nX: \x01\x7f\xff\r\nCookie: 1\r\nCookie: 2\r\n\r\n",
	"GET /get?a=%zz&b=1&a=2 HTTP/1.1\r\nHost: httpbin.org\r\nUser-Agent: \"\\\r\n\r\n",
	"GET /headers HTTP/1.1\r\nHost: httpbin.org\r\nx-a: 1\r\nX-A: 2\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: api.ipify.org\r\n\r\n",
	"GET /x HTTP/1.1\r\nHost: google.com\r\n\r\n",
	"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
	"CONNECT a:443 HTTP/1.1\r\n\r\n",
	"POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
	"POST /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
	"POST /f HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n",
	"POST /f HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n1\nx\n0\n\n",
	"PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n" + strings.Repeat("b", 100),
	"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
	"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
	"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
	"\x16\x03\x01\x00\xa5", "\x05\x01\x00", "\x04\x01\x00\x50\x7f\x00\x00\x01\x00",
	"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
	"GET /\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n",
	"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n",
	"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
	"GET /" + strings.Repeat("a", 300) + " HTTP/1.1\r\n\r\n",
	"GET / HTTP/1.1\r\n" + strings.Repeat("X: y\r\n", 20) + "\r\n",
}

// FuzzWeb feeds arbitrary client bytes to a machine with small limits:
// whole, split at an arbitrary point, and a byte at a time. Invariants: no
// panic, consumed <= len(input), at most one request answered per call,
// output and everything kept bounded, and the same answers however the
// input was split.
func FuzzWeb(f *testing.F) {
	prefixes := []string{
		"",
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc",
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n",
	}
	machinetest.Seed(f, prefixes, fuzzSeeds)
	f.Fuzz(func(t *testing.T, in []byte, split uint16) {
		cfg := &Config{MaxRequestLine: 256, MaxHeaderBytes: 1024, MaxHeaders: 16, MaxBody: 64, MaxRequests: 20}
		machinetest.Splits(t, in, split, 4096, func(pieces [][]byte) string { return fuzzRun(t, cfg, pieces) })
	})
}

// fuzzRun drives a machine with the pieces of its input and checks the
// invariants on every call; it returns a transcript of what the machine
// did.
func fuzzRun(t *testing.T, cfg *Config, pieces [][]byte) string {
	m, _ := New(cfg, "fuzz.example:8080", t0)
	d := machinetest.NewDriver(t, m, t0)
	var recs strings.Builder // the requests recorded, the close
	outBound := 8*(cfg.MaxHeaderBytes+cfg.MaxRequestLine) + 8192
	log := machinetest.FuzzLog(t, &recs, outBound, cfg.MaxBody)
	d.Check = func(acts []proxy.Action) {
		for _, a := range acts {
			if a.Kind != proxy.Write && a.Kind != proxy.Request && a.Kind != proxy.Close {
				t.Fatalf("action %d from a web server", a.Kind)
			}
		}
		log(acts)
	}
	for _, p := range pieces {
		d.Send(p)
		if !m.Closed() && len(d.Pending) > max(cfg.MaxRequestLine, cfg.MaxHeaderBytes, maxChunkLine) {
			t.Fatalf("%d bytes left unconsumed", len(d.Pending))
		}
		if len(m.p.buf) > cfg.MaxRequestLine+cfg.MaxHeaderBytes || len(m.p.body) > cfg.MaxBody {
			t.Fatalf("unbounded: head %d, body %d", len(m.p.buf), len(m.p.body))
		}
	}
	m.Timeout(t0.Add(m.cfg.idleTimeout()))
	if !m.Closed() {
		t.Fatal("not closed after the idle timeout")
	}
	s := m.Summary()
	fmt.Fprintf(&recs, "[summary %d %d %d %q]", s.Requests, s.Errors, s.BodyBytes, s.Outcome)
	return d.Out.String() + "\n" + recs.String()
}
