package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFingerprintEndToEnd: swaks, from one network namespace, sends mail
// to the sensor in another, where the sensor fingerprints SYNs with XDP
// (and, in a second run, AF_PACKET) and p0f 3.09b watches the same
// interface. Every captured message's X-Src-OS is the label p0f gives the
// connection that carried it, and the sensor's per-port counters equal the
// packets tcpdump saw arrive.
func TestFingerprintEndToEnd(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("fingerprinting needs root for XDP, AF_PACKET and network namespaces (CI runs it as root)")
	}
	need(t, "ip", "swaks", "p0f", "tcpdump", "curl")
	for _, mode := range []string{"xdp", "afpacket"} {
		t.Run(mode, func(t *testing.T) {
			sensorNS, clientNS, vethK := nsPair(t, "10.234.0")
			vethS := "vs" + vethK[2:]
			dir := t.TempDir()
			p0fLog := filepath.Join(dir, "p0f.log")
			p0f := sensorNS.cmd("p0f", "-i", vethS, "-o", p0fLog, "-f", "/etc/p0f/p0f.fp")
			p0fOut := sensorNS.start(p0f)
			p0fOut.wait(t, "Entered main event loop", 1)
			stopCapture := capturePackets(t, sensorNS, vethS)

			spoolDir := t.TempDir()
			sensor := sensorNS.cmd(binPath, "sensor", "--id", "T-01", "--spool", spoolDir, "--hostname", "mx.sensor.test",
				"--listen", "smtp=10.234.0.2:25", "--fingerprint", mode, "--iface", vethS,
				"--metrics-listen", "127.0.0.1:9425", "--log-level", "info")
			logs := sensorNS.start(sensor)
			logs.wait(t, "fingerprinting SYNs", 1)
			logs.wait(t, "listening", 1)
			if mode == "xdp" && !strings.Contains(logs.String(), "mode=xdp-") {
				t.Fatalf("XDP did not attach:\n%s", logs)
			}

			const n = 3
			for i := range n {
				clientNS.run("swaks", "--server", "10.234.0.2", "--port", "25", "--from", fmt.Sprintf("fp%d@spam.example", i),
					"--to", "victim@example.org", "--hide-all")
			}
			// The sessions are over once the counters stop moving: then
			// what the sensor counted must be what tcpdump saw arrive.
			var metrics string
			for i, last := 0, -2; i < 100; i++ {
				metrics = sensorNS.run("curl", "-s", "http://127.0.0.1:9425/metrics")
				v := metric(metrics, `spampots_port_packets_total{port="25"}`)
				if v == last {
					break
				}
				last = v
				time.Sleep(200 * time.Millisecond)
			}
			seen := 0
			for _, p := range stopCapture() {
				if strings.HasSuffix(p.dst, ".25") {
					seen++
				}
			}
			if got := metric(metrics, `spampots_port_packets_total{port="25"}`); got != seen || seen == 0 {
				t.Errorf("port 25: the sensor counted %d packets, tcpdump saw %d", got, seen)
			}
			if got := metric(metrics, `spampots_port_syns_total{port="25"}`); got != n {
				t.Errorf("port 25: %d SYNs counted, want %d", got, n)
			}
			sensor.Process.Signal(syscall.SIGTERM)
			if err := sensor.Wait(); err != nil {
				t.Fatalf("sensor: %v\n%s", err, logs)
			}
			p0f.Process.Signal(syscall.SIGTERM)
			p0f.Wait()

			// p0f's label for each client port.
			b, _ := os.ReadFile(p0fLog)
			re := regexp.MustCompile(`mod=syn\|cli=10\.234\.0\.1/(\d+)\|.*\|os=([^|]*)\|dist=(\d+)`)
			labels := map[int]string{}
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				port, _ := strconv.Atoi(m[1])
				labels[port] = m[2]
			}
			entries, events := readSpool(t, spoolDir)
			if len(entries) != n {
				t.Fatalf("%d messages captured, want %d", len(entries), n)
			}
			for _, e := range entries {
				want := labels[e.Envelope.SrcPort]
				if want == "" {
					t.Errorf("p0f logged no SYN from port %d:\n%s", e.Envelope.SrcPort, b)
					continue
				}
				// AF_PACKET hands records over up to 4 ms after the SYN:
				// swaks over a veth can be quicker, and then its header
				// says unknown (the session event has the label).
				if got := e.Envelope.SrcOS; got != want && !(mode == "afpacket" && got == "") {
					t.Errorf("%s: X-Src-OS %q, p0f says %q", e.Envelope.MailFrom, got, want)
				}
			}
			found := 0
			for _, ev := range events {
				if ev.OS == nil && mode == "afpacket" {
					continue // the whole session was quicker than the ring's 4 ms block
				}
				found++
				if ev.OS == nil || ev.OS.Label != labels[ev.SrcPort] || ev.OS.Sig == "" {
					t.Errorf("event of port %d: os %+v, p0f says %q", ev.SrcPort, ev.OS, labels[ev.SrcPort])
				}
			}
			if found == 0 {
				t.Errorf("no session event carries the client's OS")
			}
			t.Logf("%s: %d messages, X-Src-OS %q as p0f says; %d packets to port 25 counted as tcpdump saw", mode, n, entries[0].Envelope.SrcOS, seen)
		})
	}
}

// metric returns the value of one sample line of a Prometheus text page.
func metric(page, name string) int {
	for _, l := range strings.Split(page, "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return int(f)
		}
	}
	return -1
}
