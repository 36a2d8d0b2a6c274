package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// BenchmarkSessionRSS holds 10,000 connections to each server, idle and
// then after EHLO, and reports the server's resident memory per session:
// the sensor, Postfix's smtp-sink and a minimal emersion/go-smtp server.
//
//	go test -run XXX -bench SessionRSS -benchtime 1x ./cmd/spampots
func BenchmarkSessionRSS(b *testing.B) {
	const n = 10000
	needOpenFiles(b, n+1000)
	t := b
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
			if f := driveAll(addr, conns, nil, "220"); f > 0 {
				b.Fatalf("%s: %d connections failed", s.name, f)
			}
			idle := rssKiB(t, cmd.Process.Pid)
			if f := driveAll(addr, conns, []byte("EHLO client.example\r\n"), "250"); f > 0 {
				b.Fatalf("%s: %d EHLOs failed", s.name, f)
			}
			ehlo := rssKiB(t, cmd.Process.Pid)
			b.ReportMetric(float64(idle-base)/n, s.name+"-idle-KiB/session")
			b.ReportMetric(float64(ehlo-base)/n, s.name+"-ehlo-KiB/session")
			closeAll(conns)
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
}

// needOpenFiles raises the open-file limit to n, or skips the benchmark.
func needOpenFiles(b *testing.B, n uint64) {
	var lim syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	if lim.Cur < n {
		lim.Cur = n
		lim.Max = max(lim.Max, lim.Cur)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			b.Skipf("open-file limit: %v", err)
		}
	}
}
