package httpproxy

import "testing"

// BenchmarkKeepAliveGET is one absolute-URI GET on a kept-alive proxy
// connection: parse, answer as the origin, record.
func BenchmarkKeepAliveGET(b *testing.B) {
	m, _ := New(&Config{MaxRequests: 1 << 30}, local, client, t0)
	req := []byte("GET http://www.example.com/index.html HTTP/1.1\r\nHost: www.example.com\r\n" +
		"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\nAccept: text/html,application/xhtml+xml\r\n" +
		"Accept-Language: en-US,en;q=0.5\r\nProxy-Connection: keep-alive\r\n\r\n")
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	for b.Loop() {
		if n, _ := m.Feed(req, t0); n != len(req) {
			b.Fatal("not consumed")
		}
	}
}

// BenchmarkConnect is a whole CONNECT session: a new machine, the request,
// the reply and the hand-over.
func BenchmarkConnect(b *testing.B) {
	cfg := &Config{}
	req := []byte("CONNECT mx.example.com:25 HTTP/1.1\r\nHost: mx.example.com:25\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n")
	b.ReportAllocs()
	for b.Loop() {
		m, _ := New(cfg, local, client, t0)
		if n, _ := m.Feed(req, t0); n != len(req) || !m.Connected() {
			b.Fatal("not connected")
		}
	}
}
