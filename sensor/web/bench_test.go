package web

import (
	"net/netip"
	"testing"
)

// BenchmarkKeepAliveGET is one request on a kept-alive connection: parse,
// answer, record.
func BenchmarkKeepAliveGET(b *testing.B) {
	m, _ := New(&Config{MaxRequests: 1 << 30}, "www.example.com", t0)
	m.SetPeer(netip.MustParseAddrPort("198.51.100.9:3128"))
	req := []byte("GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\n" +
		"Accept: text/html,application/xhtml+xml\r\nAccept-Language: en-US,en;q=0.5\r\nConnection: keep-alive\r\n\r\n")
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	for b.Loop() {
		if n, _ := m.Feed(req, t0); n != len(req) {
			b.Fatal("not consumed")
		}
	}
}

// BenchmarkJudge answers an azenv.php request, the page proxy checkers ask
// for most.
func BenchmarkJudge(b *testing.B) {
	m, _ := New(&Config{MaxRequests: 1 << 30}, "azenv.example", t0)
	req := []byte("GET /azenv.php HTTP/1.1\r\nHost: azenv.example\r\nUser-Agent: checker\r\nAccept: */*\r\n\r\n")
	b.ReportAllocs()
	for b.Loop() {
		if n, _ := m.Feed(req, t0); n != len(req) {
			b.Fatal("not consumed")
		}
	}
}

// BenchmarkParseChunked reads a chunked POST.
func BenchmarkParseChunked(b *testing.B) {
	p := NewParser(nil)
	req := []byte("POST /f HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n")
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	for b.Loop() {
		in := req
		for {
			n, step := p.Feed(in)
			in = in[n:]
			if step == Done {
				break
			}
		}
		p.Next()
	}
}
