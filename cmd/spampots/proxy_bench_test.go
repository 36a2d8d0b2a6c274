package main

import (
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/proxy"
)

// BenchmarkProxySMTP measures messages a second sent through a SOCKS5
// CONNECT to the emulated mail server, against the same sensor's plain
// SMTP port, in alternating rounds of the same run: a connection, EHLO,
// MAIL, RCPT, DATA (300 bytes), QUIT per message, 20 clients at once.
//
//	go test -run XXX -bench ProxySMTP -benchtime 3x ./cmd/spampots
func BenchmarkProxySMTP(b *testing.B) {
	const perRound, clients = 3000, 20
	dir := b.TempDir()
	smtpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(b, "tcp4", "127.0.0.1"))
	socksAddr := fmt.Sprintf("127.0.0.1:%d", freePort(b, "tcp4", "127.0.0.1"))
	p := startSensorArgs(b, dir, smtpAddr, []string{"sensor", "--id", "B-01", "--spool", filepath.Join(dir, "spool"),
		"--listen", "smtp=" + smtpAddr, "--listen", "socks=" + socksAddr, "--log-level", "error"})
	defer p.stop()
	direct := func() (net.Conn, error) { return net.Dial("tcp4", smtpAddr) }
	d, err := proxy.SOCKS5("tcp", socksAddr, nil, &net.Dialer{Timeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	viaSOCKS := func() (net.Conn, error) { return d.Dial("tcp", "mx.victim.example:25") }
	body := []byte("Subject: bench\r\n\r\n" + fmt.Sprintf("%0282d", 0) + "\r\n") // 300 bytes
	round := func(dial func() (net.Conn, error)) float64 {
		var next atomic.Int64
		var failed atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= perRound {
					if code, err := sendVia(dial, "a@bench.example", body); err != nil || code != 250 {
						failed.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		if f := failed.Load(); f > 0 {
			b.Fatalf("%d messages failed", f)
		}
		return perRound / time.Since(start).Seconds()
	}
	round(direct) // warm up both paths
	round(viaSOCKS)
	b.ResetTimer()
	var sumDirect, sumSOCKS float64
	for i := 0; i < b.N; i++ {
		sumDirect += round(direct)
		sumSOCKS += round(viaSOCKS)
	}
	b.ReportMetric(sumDirect/float64(b.N), "direct-msg/s")
	b.ReportMetric(sumSOCKS/float64(b.N), "socks5-msg/s")
	b.ReportMetric(sumSOCKS/sumDirect, "socks5/direct")
}

// BenchmarkProxySessionRSS holds 10,000 proxy sessions and reports the
// sensor's resident memory per session at each step: a SOCKS5 client that
// has greeted, the same after CONNECT to a mail server (the emulated MX's
// banner read), an HTTP CONNECT tunnel to a mail server, and, for
// reference, as many plain SMTP sessions after their banner.
//
//	go test -run XXX -bench ProxySessionRSS -benchtime 1x ./cmd/spampots
func BenchmarkProxySessionRSS(b *testing.B) {
	const n = 10000
	needOpenFiles(b, n+1000)
	type step struct {
		name string
		send []byte
		want string
	}
	sets := []struct {
		proto string
		steps []step
	}{
		{"socks", []step{
			{"socks5-greeted", []byte{5, 1, 0}, "\x05\x00"},
			// VER CMD RSV ATYP=domain LEN name PORT=25
			{"socks5-smtp", append([]byte{5, 1, 0, 3, 17}, "mx.victim.example\x00\x19"...), "\x05\x00\x00\x01"},
		}},
		{"http", []step{{"http-connect-smtp", []byte("CONNECT mx.victim.example:25 HTTP/1.1\r\nHost: mx.victim.example:25\r\n\r\n"), "HTTP/1.1 200"}}},
		{"smtp", []step{{"smtp", nil, "220"}}},
	}
	for i := 0; i < b.N; i++ {
		for _, set := range sets { // a fresh sensor for each set
			dir := b.TempDir()
			addr := fmt.Sprintf("127.0.0.1:%d", freePort(b, "tcp4", "127.0.0.1"))
			p := startSensorArgs(b, dir, addr, []string{"sensor", "--id", "B-01", "--spool", filepath.Join(dir, "spool"),
				"--listen", set.proto + "=" + addr, "--log-level", "error"})
			pid := p.cmd.Process.Pid
			base := rssKiB(b, pid)
			conns := make([]net.Conn, n)
			for _, s := range set.steps {
				if f := driveAll(addr, conns, s.send, s.want); f > 0 {
					b.Fatalf("%s: %d of %d sessions failed", s.name, f, n)
				}
				b.ReportMetric(float64(rssKiB(b, pid)-base)/n, s.name+"-KiB/session")
			}
			closeAll(conns)
			p.stop()
		}
	}
}
