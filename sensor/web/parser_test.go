package web

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/spampots/spampots/sensor/internal/machinetest"
)

// parsed is what a parser made of an input: the steps it reported and a
// copy of each request at Done (or at HeadDone, for one that stops there).
type parsed struct {
	steps    string // one letter per step: H HeadDone, D Done, F Failed
	problem  Problem
	reqs     []Request
	consumed int
	pending  int // bytes left unconsumed at the end
}

// parse feeds in to a fresh parser in chunks of the given size (0: at
// once), keeping the unconsumed rest as a caller does.
func parse(cfg *Config, in string, chunk int) parsed {
	p := NewParser(cfg)
	var res parsed
	var pending []byte
	if chunk <= 0 {
		chunk = len(in)
	}
	for len(in) > 0 {
		k := min(chunk, len(in))
		pending = append(pending, in[:k]...)
		in = in[k:]
		for {
			n, step := p.Feed(pending)
			res.consumed += n
			pending = pending[n:]
			if step == NeedMore {
				break
			}
			res.steps += string("?HDF"[step])
			if step == Failed {
				res.problem = p.Problem()
				return res
			}
			if step == Done {
				r := *p.Request()
				r.Headers = slices.Clone(r.Headers)
				r.Body = slices.Clone(r.Body)
				res.reqs = append(res.reqs, r)
				p.Next()
			}
		}
	}
	if strings.HasSuffix(res.steps, "H") {
		res.reqs = append(res.reqs, *p.Request())
	}
	res.pending = len(pending)
	return res
}

func TestParser(t *testing.T) {
	small := &Config{MaxRequestLine: 64, MaxHeaderBytes: 128, MaxHeaders: 3, MaxBody: 8}
	tests := []struct {
		name    string
		cfg     *Config
		in      string
		steps   string
		problem Problem
		check   func(t *testing.T, r []Request)
	}{
		{
			name: "origin-form GET, no body",
			in: "GET /index.html?q=1 HTTP/1.1\r\n" + // request line
				"Host: Example.COM:8080\r\n" + // host with port, case kept
				"User-Agent: ua/1\r\n" +
				"\r\n", // end of the header section
			steps: "HD",
			check: func(t *testing.T, r []Request) {
				want(t, r[0].Method, "GET")
				want(t, r[0].Target, "/index.html?q=1")
				want(t, r[0].Proto, "HTTP/1.1")
				want(t, r[0].Form, OriginForm)
				want(t, r[0].Host, "Example.COM")
				want(t, r[0].Port, uint16(8080))
				want(t, r[0].Path, "/index.html?q=1")
				want(t, r[0].UserAgent, "ua/1")
				want(t, r[0].ContentLength, int64(-1))
				want(t, r[0].KeepAlive(false), true)
			},
		},
		{
			name: "empty lines before the request line are skipped, bare LF ends lines",
			in: "\r\n\n" + // RFC 9112 §2.2: ignored
				"HEAD / HTTP/1.0\n" +
				"Host:a\n" + // no space after the colon
				"\n",
			steps: "HD",
			check: func(t *testing.T, r []Request) {
				want(t, r[0].Method, "HEAD")
				want(t, r[0].Host, "a")
				want(t, r[0].KeepAlive(false), false) // HTTP/1.0 without keep-alive
			},
		},
		{
			name: "absolute-form: authority wins over Host, userinfo dropped, empty path is /",
			in: "GET http://user:pw@www.google.com HTTP/1.0\r\n" +
				"Host: other.example\r\n" +
				"\r\n",
			steps: "HD",
			check: func(t *testing.T, r []Request) {
				want(t, r[0].Form, AbsoluteForm)
				want(t, r[0].Scheme, "http")
				want(t, r[0].Authority, "www.google.com")
				want(t, r[0].Host, "www.google.com")
				want(t, r[0].Port, uint16(80))
				want(t, r[0].Path, "/")
			},
		},
		{
			name:  "absolute-form https default port, IPv6 literal",
			in:    "GET https://[2001:db8::1]/x?y HTTP/1.1\r\n\r\n",
			steps: "HD",
			check: func(t *testing.T, r []Request) {
				want(t, r[0].Port, uint16(443))
				want(t, r[0].Addr, netip.MustParseAddr("2001:db8::1"))
				want(t, r[0].Host, "2001:db8::1")
				want(t, r[0].Path, "/x?y")
			},
		},
		{
			name: "authority-form CONNECT stops at the head",
			in: "CONNECT 192.0.2.1:25 HTTP/1.1\r\n" +
				"Proxy-Authorization: Basic dTpw\r\n" +
				"\r\n",
			steps: "HD", // a caller that feeds on gets a Done with no body
			check: func(t *testing.T, r []Request) {
				want(t, r[0].Form, AuthorityForm)
				want(t, r[0].Addr, netip.MustParseAddr("192.0.2.1"))
				want(t, r[0].Port, uint16(25))
				want(t, r[0].ProxyAuth, "Basic dTpw")
			},
		},
		{
			name:  "asterisk-form",
			in:    "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
			steps: "HD",
			check: func(t *testing.T, r []Request) { want(t, r[0].Form, AsteriskForm) },
		},
		{
			name: "Content-Length body",
			in: "POST /f HTTP/1.1\r\nHost: a\r\n" +
				"Content-Length: 5, 5\r\n" + // a list of one repeated value is that value
				"\r\n" +
				"hello",
			steps: "HD",
			check: func(t *testing.T, r []Request) {
				want(t, string(r[0].Body), "hello")
				want(t, r[0].BodyLen, int64(5))
			},
		},
		{
			name: "body past MaxBody is counted, not kept",
			cfg:  small,
			in:   "POST / HTTP/1.1\r\nContent-Length: 20\r\n\r\n" + "0123456789abcdefghij",
			check: func(t *testing.T, r []Request) {
				want(t, string(r[0].Body), "01234567")
				want(t, r[0].BodyLen, int64(20))
			},
			steps: "HD",
		},
		{
			name: "chunked body: extension ignored, trailer dropped, LF-only endings",
			in: "POST / HTTP/1.1\r\nHost: a\r\n" +
				"Transfer-Encoding: chunked\r\n" +
				"\r\n" +
				"5;name=value\r\n" + // chunk-size with an extension
				"hello\r\n" + // chunk-data, CRLF
				"A \r\n" + // hex size, BWS
				", world!!!\n" + // 10 bytes, bare LF after
				"0\r\n" + // last-chunk
				"Expires: never\r\n" + // trailer section
				"\r\n",
			steps: "HD",
			check: func(t *testing.T, r []Request) {
				want(t, string(r[0].Body), "hello, world!!!")
				want(t, r[0].Chunked, true)
				want(t, r[0].Close, false)
				want(t, len(r[0].Headers), 2) // the trailer field is not a header
			},
		},
		{
			name: "chunked with Content-Length: chunked wins, the connection closes",
			in: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n" +
				"3\r\nabc\r\n0\r\n\r\n",
			steps: "HD",
			check: func(t *testing.T, r []Request) {
				want(t, string(r[0].Body), "abc")
				want(t, r[0].Close, true)
				want(t, r[0].ContentLength, int64(-1))
			},
		},
		{
			name: "pipelined requests, one at a time",
			in: "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n" +
				"POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok" +
				"GET /3 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
			steps: "HDHDHD",
			check: func(t *testing.T, r []Request) {
				want(t, r[1].Path, "/2")
				want(t, string(r[1].Body), "ok")
				want(t, r[2].KeepAlive(false), true)
			},
		},
		{
			name: "Connection and Proxy-Connection options",
			in:   "GET http://a/ HTTP/1.1\r\nConnection: Upgrade, close\r\nProxy-Connection: keep-alive\r\n\r\n",
			check: func(t *testing.T, r []Request) {
				want(t, r[0].KeepAlive(false), false)
				want(t, r[0].KeepAlive(true), false)
			},
			steps: "HD",
		},
		{
			name: "Proxy-Connection keeps an HTTP/1.0 proxy request alive",
			in:   "GET http://a/ HTTP/1.0\r\nProxy-Connection: Keep-Alive\r\n\r\n",
			check: func(t *testing.T, r []Request) {
				want(t, r[0].KeepAlive(false), false)
				want(t, r[0].KeepAlive(true), true)
			},
			steps: "HD",
		},
		{
			name:  "Expect: 100-continue",
			in:    "PUT /x HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx",
			steps: "HD",
			check: func(t *testing.T, r []Request) { want(t, r[0].Continue, true) },
		},
		{
			name:  "HTTP/1.2 is read as HTTP/1.1",
			in:    "GET / HTTP/1.2\r\nHost: a\r\n\r\n",
			steps: "HD",
			check: func(t *testing.T, r []Request) { want(t, r[0].Minor, 2); want(t, r[0].KeepAlive(false), true) },
		},

		// Request line errors.
		{name: "TLS ClientHello refused at its first byte", in: "\x16\x03\x01\x02\x00", steps: "F", problem: BadRequestLine},
		{name: "SOCKS5 greeting refused", in: "\x05\x01\x00", steps: "F", problem: BadRequestLine},
		{name: "HTTP/0.9 line", in: "GET /\r\n", steps: "F", problem: BadRequestLine},
		{name: "leading space", in: " GET / HTTP/1.1\r\n\r\n", steps: "F", problem: BadRequestLine},
		{name: "lower-case version", in: "GET / http/1.1\r\n\r\n", steps: "F", problem: BadRequestLine},
		{name: "CR inside the line", in: "GET /a\rb HTTP/1.1\r\n\r\n", steps: "F", problem: BadRequestLine},
		{name: "control byte in the target", in: "GET /a\x01 HTTP/1.1\r\n\r\n", steps: "F", problem: BadRequestLine},
		{name: "authority-form without CONNECT", in: "GET example.com:80 HTTP/1.1\r\n\r\n", steps: "F", problem: BadRequestLine},
		{name: "HTTP/2 preface", in: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", steps: "F", problem: BadVersion},
		{name: "HTTP/0.9 version", in: "GET / HTTP/0.9\r\n\r\n", steps: "F", problem: BadVersion},
		{
			name:    "request line over the limit, unterminated",
			cfg:     small,
			in:      "GET /" + strings.Repeat("a", 100),
			steps:   "F",
			problem: LineTooLong,
		},
		{
			name:    "request line over the limit, terminated",
			cfg:     small,
			in:      "GET /" + strings.Repeat("a", 58) + " HTTP/1.1\r\n\r\n",
			steps:   "F",
			problem: LineTooLong,
		},
		{
			name:    "too many empty lines first",
			cfg:     small,
			in:      strings.Repeat("\r\n", 40) + "GET / HTTP/1.1\r\n\r\n",
			steps:   "F",
			problem: BadRequestLine,
		},

		// Header section errors.
		{name: "obs-fold", in: "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", steps: "F", problem: BadHeader},
		{name: "space before the colon", in: "GET / HTTP/1.1\r\nHost : a\r\n\r\n", steps: "F", problem: BadHeader},
		{name: "no colon", in: "GET / HTTP/1.1\r\nHost a\r\n\r\n", steps: "F", problem: BadHeader},
		{name: "NUL in a value", in: "GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n", steps: "F", problem: BadHeader},
		{name: "bare CR in a value", in: "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", steps: "F", problem: BadHeader},
		{name: "too many fields", cfg: small, in: "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", steps: "F", problem: HeadersTooLarge},
		{name: "header bytes over the limit", cfg: small, in: "GET / HTTP/1.1\r\nA: " + strings.Repeat("x", 200) + "\r\n\r\n", steps: "F", problem: HeadersTooLarge},
		{name: "header bytes over the limit, unterminated", cfg: small, in: "GET / HTTP/1.1\r\nA: " + strings.Repeat("x", 200), steps: "F", problem: HeadersTooLarge},
		{name: "bad Host", in: "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", steps: "F", problem: BadHost},
		{name: "bad Host port", in: "GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n", steps: "F", problem: BadHost},

		// Targets.
		{name: "CONNECT without a port", in: "CONNECT example.com HTTP/1.1\r\n\r\n", steps: "F", problem: BadURL},
		{name: "CONNECT port 0", in: "CONNECT example.com:0 HTTP/1.1\r\n\r\n", steps: "F", problem: BadURL},
		{name: "CONNECT port 65536", in: "CONNECT example.com:65536 HTTP/1.1\r\n\r\n", steps: "F", problem: BadURL},
		{name: "CONNECT IPv6 with a zone", in: "CONNECT [fe80::1%25eth0]:80 HTTP/1.1\r\n\r\n", steps: "F", problem: BadURL},
		{name: "CONNECT unbracketed IPv6", in: "CONNECT 2001:db8::1:80 HTTP/1.1\r\n\r\n", steps: "F", problem: BadURL},
		{name: "absolute URI with an empty host", in: "GET http:///x HTTP/1.1\r\n\r\n", steps: "F", problem: BadURL},
		{name: "absolute URI with a bad host", in: "GET http://a!b/ HTTP/1.1\r\n\r\n", steps: "F", problem: BadURL},

		// Framing errors.
		{name: "Content-Length not a number", in: "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", steps: "F", problem: BadFraming},
		{name: "Content-Length conflict", in: "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", steps: "F", problem: BadFraming},
		{name: "Content-Length empty", in: "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", steps: "F", problem: BadFraming},
		{name: "chunked not last", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", steps: "F", problem: BadFraming},
		{name: "chunked twice", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", steps: "F", problem: BadFraming},
		{name: "unknown coding", in: "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", steps: "F", problem: UnknownCoding},
		{name: "bad chunk size", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", steps: "HF", problem: BadFraming},
		{name: "chunk data not followed by CRLF", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", steps: "HF", problem: BadFraming},
		{name: "chunk size line too long", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;" + strings.Repeat("e", 5000) + "\r\n", steps: "HF", problem: BadFraming},
		{name: "chunk size overflow", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", steps: "HF", problem: BadFraming},
		{name: "bad trailer field", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n", steps: "HF", problem: BadHeader},
	}
	for _, tt := range tests {
		machinetest.EachSize(t, tt.name, func(t *testing.T, chunk int) string {
			got := parse(tt.cfg, tt.in, chunk)
			if got.steps != tt.steps || got.problem != tt.problem {
				t.Fatalf("steps %q problem %d, want %q problem %d", got.steps, got.problem, tt.steps, tt.problem)
			}
			if tt.check != nil {
				tt.check(t, got.reqs)
			}
			return got.steps + " " + fmt.Sprint(got.reqs)
		})
	}
}

func TestParserLeavesIncompleteLines(t *testing.T) {
	p := NewParser(nil)
	in := []byte("GET / HTTP/1.1\r\nHost: a\r\nUser-Ag")
	n, step := p.Feed(in)
	if step != NeedMore || string(in[n:]) != "User-Ag" {
		t.Fatalf("step %d, left %q; want NeedMore and the partial line", step, in[n:])
	}
	n, step = p.Feed([]byte("User-Agent: x\r\n\r\nGET /next"))
	if step != HeadDone || n != len("User-Agent: x\r\n\r\n") {
		t.Fatalf("step %d after %d bytes", step, n)
	}
	n, step = p.Feed([]byte("GET /next"))
	if step != Done || n != 0 {
		t.Fatalf("step %d after %d bytes; want Done consuming nothing of the next request", step, n)
	}
}

func TestParseAuthority(t *testing.T) {
	tests := []struct {
		in   string
		want string // Target.String(), "" when invalid
	}{
		{"example.com", "example.com:80"},
		{"example.com:8080", "example.com:8080"},
		{"example.com:", "example.com:80"},
		{"EXAMPLE.com.:443", "EXAMPLE.com.:443"},
		{"192.0.2.1:25", "192.0.2.1:25"},
		{"[2001:db8::1]:443", "[2001:db8::1]:443"},
		{"[::ffff:192.0.2.1]", "[::ffff:192.0.2.1]:80"},
		{"1.2.3.256", "1.2.3.256:80"}, // not an address: a name nothing resolves
		{"", ""},
		{"a:b", ""},
		{"a:123456", ""},
		{"a:0", ""},
		{"[192.0.2.1]:80", ""},
		{"[::1", ""},
		{"[::1]x", ""},
		{"a/b", ""},
		{strings.Repeat("a", 254), ""},
	}
	for _, tt := range tests {
		got, ok := ParseAuthority(tt.in, 80)
		s := ""
		if ok {
			s = got.String()
		}
		if s != tt.want {
			t.Errorf("ParseAuthority(%q) = %q, want %q", tt.in, s, tt.want)
		}
	}
}

func want[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}
