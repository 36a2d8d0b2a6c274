package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// BenchmarkSMTPSource measures messages per second pushed by Postfix's
// smtp-source (-s 50 parallel sessions) into the sensor (every message
// durable before its 250), Postfix's smtp-sink (discards) and a minimal
// emersion/go-smtp sink (bench/gosmtp-sink, discards), interleaved in the
// same run so that their ratio holds on a noisy machine:
//
//	go test -run XXX -bench SMTPSource -benchtime 3x ./cmd/spampots
//
// SPAMPOTS_BENCH_MSGS sets the messages per round (default 50000).
func BenchmarkSMTPSource(b *testing.B) {
	src := postfixTool(b, "smtp-source")
	sink := postfixTool(b, "smtp-sink")
	msgs := 50000
	if v, err := strconv.Atoi(os.Getenv("SPAMPOTS_BENCH_MSGS")); err == nil && v > 0 {
		msgs = v
	}
	tmp := b.TempDir()
	gosink := filepath.Join(tmp, "gosmtp-sink")
	if out, err := exec.Command("go", "build", "-o", gosink, "../../bench/gosmtp-sink").CombinedOutput(); err != nil {
		b.Fatalf("build gosmtp-sink: %v\n%s", err, out)
	}
	t := b
	sensorAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp4", "127.0.0.1"))
	sinkAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp4", "127.0.0.1"))
	goAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp4", "127.0.0.1"))

	spoolDir := filepath.Join(tmp, "spool")
	sensor := exec.Command(binPath, "sensor", "--id", "B-01", "--spool", spoolDir, "--listen", "smtp="+sensorAddr, "--log-level", "error")
	// smtp-sink: -c counts, -u nobody when root; 1000 backlog like the others.
	sinkArgs := []string{"-c"}
	if os.Geteuid() == 0 {
		sinkArgs = append(sinkArgs, "-u", "nobody")
	}
	sinkCmd := exec.Command(sink, append(sinkArgs, sinkAddr, "1000")...)
	goCmd := exec.Command(gosink, "-listen", goAddr)
	for _, c := range []*exec.Cmd{sensor, sinkCmd, goCmd} {
		if err := c.Start(); err != nil {
			b.Fatalf("%s: %v", c.Path, err)
		}
		defer c.Process.Kill()
	}
	for _, a := range []string{sensorAddr, sinkAddr, goAddr} {
		waitListening(b, a)
	}
	servers := []struct{ name, addr string }{{"spampots", sensorAddr}, {"smtp-sink", sinkAddr}, {"go-smtp", goAddr}}
	sizes := []struct {
		name string
		len  int
	}{{"small", 300}, {"20KiB", 20 << 10}}
	for _, sz := range sizes {
		took := make([]time.Duration, len(servers))
		for i := 0; i < b.N; i++ {
			for j, s := range servers {
				start := time.Now()
				out, err := exec.Command(src, "-s", "50", "-m", strconv.Itoa(msgs), "-l", strconv.Itoa(sz.len),
					"-f", "bench@sender.example", "-t", "rcpt@victim.example", s.addr).CombinedOutput()
				if err != nil {
					b.Fatalf("smtp-source → %s: %v\n%s", s.name, err, out)
				}
				took[j] += time.Since(start)
			}
		}
		for j, s := range servers {
			rate := float64(msgs*b.N) / took[j].Seconds()
			b.ReportMetric(rate, s.name+"-"+sz.name+"-msgs/s")
		}
		b.ReportMetric(took[1].Seconds()/took[0].Seconds(), "spampots/smtp-sink-"+sz.name+"-speed")
		b.ReportMetric(took[2].Seconds()/took[0].Seconds(), "spampots/go-smtp-"+sz.name+"-speed")
	}
}

func waitListening(b *testing.B, addr string) {
	for i := 0; ; i++ {
		c, err := net.Dial("tcp4", addr)
		if err == nil {
			c.Close()
			return
		}
		if i > 300 {
			b.Fatalf("%s not listening: %v", addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
