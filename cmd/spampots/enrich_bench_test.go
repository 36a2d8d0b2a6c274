package main

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkEnrichCapture measures the sensor's capture rate with
// enrichment off, on (databases, and dnsmasq answering reverse DNS and a
// block list), and on with a resolver that never answers (a black-holed
// address), in alternating rounds of one run. The clients are 200 public
// addresses in a network namespace, so every source is looked up (once:
// then the cache answers); each round starts a fresh sensor, with an empty
// cache. The load runs in the namespace: the test binary re-executed as
// TestLoadgen. It reports the median rate of each mode over the rounds.
//
//	go test -run XXX -bench EnrichCapture -benchtime 9x ./cmd/spampots
func BenchmarkEnrichCapture(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root for a network namespace with public addresses")
	}
	const nSrc, perRound, clients = 200, 6000, 50
	var sources []string
	for i := 1; i <= nSrc; i++ {
		sources = append(sources, fmt.Sprintf("41.155.51.%d", i))
	}
	ns, asnDB, ccDB := caseStudy(b, sources)
	ns.run("ip", "route", "add", "blackhole", "198.18.0.53/32")
	modes := []struct {
		name string
		args []string
	}{
		{"off", nil},
		{"on", []string{"--asn-db", asnDB, "--country-db", ccDB, "--resolver", "127.0.0.1:5353"}},
		{"dead", []string{"--asn-db", asnDB, "--country-db", ccDB, "--resolver", "198.18.0.53:53"}},
	}
	rates := map[string][]float64{}
	for i := 0; i < b.N; i++ {
		for _, m := range modes {
			spoolDir := b.TempDir()
			sensor := ns.cmd(binPath, append([]string{"sensor", "--id", "B-01", "--spool", spoolDir,
				"--listen", "smtp=" + caseSensor + ":25", "--log-level", "warn"}, m.args...)...)
			logs := newLogLines()
			sensor.Stderr = logs
			out, _ := sensor.StdoutPipe()
			if err := sensor.Start(); err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 256)
			out.Read(buf) // "listening on"
			load := ns.cmd(os.Args[0], "-test.run", "^TestLoadgen$", "-test.v")
			load.Env = append(os.Environ(), fmt.Sprintf("SPAMPOTS_LOADGEN=%s:25,%d,%d,%s", caseSensor, perRound, clients, strings.Join(sources, "+")))
			res, err := load.CombinedOutput()
			sensor.Process.Signal(syscall.SIGTERM)
			sensor.Wait()
			if err != nil {
				b.Fatalf("%s: load: %v\n%s", m.name, err, res)
			}
			_, rest, ok := strings.Cut(string(res), "LOADGEN rate=")
			rate, perr := strconv.ParseFloat(strings.Fields(rest + " x")[0], 64)
			if !ok || perr != nil {
				b.Fatalf("%s: no rate in\n%s", m.name, res)
			}
			rates[m.name] = append(rates[m.name], rate)
		}
	}
	// Medians of the rounds: the machine is shared and noisy.
	med := map[string]float64{}
	for _, m := range modes {
		r := rates[m.name]
		slices.Sort(r)
		med[m.name] = r[len(r)/2]
		b.ReportMetric(med[m.name], m.name+"-msg/s")
	}
	b.ReportMetric(med["on"]/med["off"], "on/off")
	b.ReportMetric(med["dead"]/med["off"], "dead/off")
}

// TestLoadgen is BenchmarkEnrichCapture's client, run inside its
// namespace; it does nothing unless SPAMPOTS_LOADGEN is set to
// "server:port,messages,clients,src+src+...". Each message is one SMTP
// session from the next source address; it prints the rate.
func TestLoadgen(t *testing.T) {
	spec := os.Getenv("SPAMPOTS_LOADGEN")
	if spec == "" {
		t.Skip("the load generator of BenchmarkEnrichCapture")
	}
	f := strings.Split(spec, ",")
	n, _ := strconv.Atoi(f[1])
	c, _ := strconv.Atoi(f[2])
	srcs := strings.Split(f[3], "+")
	body := []byte("Subject: load\r\n\r\n" + strings.Repeat("x", 280) + "\r\n")
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				src := &net.TCPAddr{IP: net.ParseIP(srcs[int(i)%len(srcs)])}
				dial := func() (net.Conn, error) {
					return (&net.Dialer{LocalAddr: src}).Dial("tcp", f[0])
				}
				if code, err := sendVia(dial, "load@spam.example", body); err != nil || code != 250 {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatalf("%d of %d messages failed", failed.Load(), n)
	}
	fmt.Printf("LOADGEN rate=%.1f\n", float64(n)/time.Since(start).Seconds())
}
