package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkSessionRSS holds 10,000 connections to each server, idle and
// then after EHLO, and reports the server's resident memory per session:
// the sensor, Postfix's smtp-sink and a minimal emersion/go-smtp server.
//
//	go test -run XXX -bench SessionRSS -benchtime 1x ./cmd/spampots
func BenchmarkSessionRSS(b *testing.B) {
	const n = 10000
	var lim syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	if lim.Cur < n+1000 {
		lim.Cur = n + 1000
		lim.Max = max(lim.Max, lim.Cur)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			b.Skipf("open-file limit: %v", err)
		}
	}
	t := &testing.T{}
	tmp := b.TempDir()
	gosink := filepath.Join(tmp, "gosmtp-sink")
	if out, err := exec.Command("go", "build", "-o", gosink, "../../bench/gosmtp-sink").CombinedOutput(); err != nil {
		b.Fatalf("build gosmtp-sink: %v\n%s", err, out)
	}
	sink := postfixTool(t, "smtp-sink")
	servers := []struct {
		name string
		cmd  func(addr string) *exec.Cmd
	}{
		{"spampots", func(addr string) *exec.Cmd {
			return exec.Command(binPath, "sensor", "--id", "B-01", "--spool", filepath.Join(tmp, "spool"), "--listen", "smtp="+addr, "--log-level", "error")
		}},
		{"smtp-sink", func(addr string) *exec.Cmd {
			args := []string{"-c", "-m", fmt.Sprint(n + 100)} // default: 256 connections at most
			if os.Geteuid() == 0 {
				args = append(args, "-u", "nobody")
			}
			return exec.Command(sink, append(args, addr, "4096")...)
		}},
		{"go-smtp", func(addr string) *exec.Cmd { return exec.Command(gosink, "-listen", addr) }},
	}
	for i := 0; i < b.N; i++ {
		for _, s := range servers {
			addr := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp4", "127.0.0.1"))
			cmd := s.cmd(addr)
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			waitListening(b, addr)
			base := rssKiB(t, cmd.Process.Pid)
			conns := make([]net.Conn, n)
			step := func(send []byte, want string) {
				var wg sync.WaitGroup
				for w := 0; w < 50; w++ {
					wg.Add(1)
					go func(w int) {
						defer wg.Done()
						buf := make([]byte, 1024)
						for j := w; j < n; j += 50 {
							if conns[j] == nil {
								c, err := net.Dial("tcp4", addr)
								if err != nil {
									b.Error(err)
									return
								}
								conns[j] = c
							}
							conns[j].SetReadDeadline(time.Now().Add(30 * time.Second))
							if send != nil {
								conns[j].Write(send)
							}
							if k, err := conns[j].Read(buf); err != nil || !bytes.HasPrefix(buf[:k], []byte(want)) {
								b.Errorf("%s: %q %v", s.name, buf[:k], err)
								return
							}
						}
					}(w)
				}
				wg.Wait()
			}
			step(nil, "220")
			idle := rssKiB(t, cmd.Process.Pid)
			step([]byte("EHLO client.example\r\n"), "250")
			ehlo := rssKiB(t, cmd.Process.Pid)
			b.ReportMetric(float64(idle-base)/n, s.name+"-idle-KiB/session")
			b.ReportMetric(float64(ehlo-base)/n, s.name+"-ehlo-KiB/session")
			for _, c := range conns {
				if c != nil {
					c.Close()
				}
			}
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
}
