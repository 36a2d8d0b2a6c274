package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// netns runs commands inside a network namespace the test created.
type netns struct {
	t    *testing.T
	name string
}

func (n netns) cmd(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.name, name}, args...)...)
}

func (n netns) run(name string, args ...string) string {
	n.t.Helper()
	out, err := n.cmd(name, args...).CombinedOutput()
	if err != nil {
		n.t.Fatalf("[%s] %s %v: %v\n%s", n.name, name, args, err, out)
	}
	return string(out)
}

// TestContainment is the first law of a spam honeypot, tested: the sensor
// runs in a network namespace whose only way out is a veth to a second
// namespace, where the collector listens and tcpdump records everything
// that arrives. Spam is sent through the sensor (swaks, nmap's relay
// probes, a proxied-looking session), the segment is shipped, and the
// capture must hold no connection attempt, no DNS query, nothing at all
// but TCP to the collector's address and port.
func TestContainment(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("containment test needs root for network namespaces (CI runs it as root)")
	}
	need(t, "ip", "tcpdump", "swaks", "nmap")
	var id [3]byte
	rand.Read(id[:])
	suffix := hex.EncodeToString(id[:])
	sensorNS, sinkNS := netns{t, "spsn" + suffix}, netns{t, "spsk" + suffix}
	vethS, vethK := "vs"+suffix, "vk"+suffix
	setup := [][]string{
		{"netns", "add", sensorNS.name}, {"netns", "add", sinkNS.name},
		{"link", "add", vethS, "netns", sensorNS.name, "type", "veth", "peer", "name", vethK, "netns", sinkNS.name},
		{"-n", sensorNS.name, "addr", "add", "10.231.0.2/30", "dev", vethS},
		// No IPv6 on the link: the kernel's own neighbour discovery and
		// MLD reports would otherwise be the only packets not the sensor's.
		{"netns", "exec", sensorNS.name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"},
		{"-n", sinkNS.name, "addr", "add", "10.231.0.1/30", "dev", vethK},
		{"-n", sensorNS.name, "link", "set", "lo", "up"}, {"-n", sinkNS.name, "link", "set", "lo", "up"},
		{"-n", sensorNS.name, "link", "set", vethS, "up"}, {"-n", sinkNS.name, "link", "set", vethK, "up"},
		// Everything the sensor might send anywhere goes to the sink.
		{"-n", sensorNS.name, "route", "add", "default", "via", "10.231.0.1"},
	}
	t.Cleanup(func() {
		exec.Command("ip", "netns", "del", sensorNS.name).Run()
		exec.Command("ip", "netns", "del", sinkNS.name).Run()
	})
	for _, args := range setup {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Skipf("cannot build the namespaces here: ip %v: %v %s", args, err, out)
		}
	}

	// The recording sink: every packet that reaches the sink side.
	capture := filepath.Join(t.TempDir(), "capture.txt")
	capFile, _ := os.Create(capture)
	dump := sinkNS.cmd("tcpdump", "-l", "-n", "-i", vethK, "-Q", "in", "not arp")
	dump.Stdout, dump.Stderr = capFile, capFile
	if err := dump.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { dump.Process.Kill(); dump.Wait() }()

	// The collector, in the sink namespace.
	archive := t.TempDir()
	caddr := "10.231.0.1:8443"
	token := initCollector(t, archive, caddr, "T-01")
	col := sinkNS.cmd(binPath, "collect", "--archive", archive, "--listen", caddr, "--log-level", "warn")
	colOut, _ := col.StdoutPipe()
	if err := col.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { col.Process.Signal(syscall.SIGTERM); col.Wait() }()
	line, _ := bufio.NewReader(colOut).ReadString('\n')
	m := pinRE.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("collector: %q", line)
	}

	// The sensor, in its namespace, shipping to the collector.
	spoolDir := t.TempDir()
	sensor := sensorNS.cmd(binPath, "sensor", "--id", "T-01", "--spool", spoolDir, "--listen", "smtp=127.0.0.1:2525",
		"--listen", "smtp=10.231.0.2:25", "--ship-to", "https://"+caddr, "--ship-token", token, "--collector-pin", m[1],
		"--keep", "1h", "--ship-rate", "0", "--log-level", "info")
	logs := newLogLines()
	sensor.Stderr = logs
	if err := sensor.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sensor.Process.Kill(); sensor.Wait() }()
	logs.wait(t, "listening", 2)

	// Spam to the world's mail servers, as abusers send it.
	sensorNS.run("swaks", "--server", "127.0.0.1", "--port", "2525", "--from", "x@spammer.example",
		"--to", "victim@gmail.com,victim@yahoo.co.uk", "--hide-all")
	sensorNS.run("swaks", "--server", "127.0.0.1", "--port", "2525", "--to", "postmaster@[8.8.8.8]", "--hide-all")
	if out := sensorNS.run("nmap", "-n", "-Pn", "-sV", "--version-light", "-p", "2525", "--script", "smtp-open-relay", "127.0.0.1"); !strings.Contains(out, "open relay") {
		t.Errorf("nmap saw no open relay:\n%s", out)
	}
	sensor.Process.Signal(syscall.SIGHUP)
	logs.wait(t, "segment file shipped", 2)
	sensor.Process.Signal(syscall.SIGTERM)
	sensor.Wait()
	dump.Process.Signal(syscall.SIGTERM) // -l: every line was written as it came; TERM flushes the rest

	dump.Wait()
	capFile.Close()

	// Every captured packet is the sensor talking TCP to the collector.
	b, _ := os.ReadFile(capture)
	pkt := regexp.MustCompile(`^\S+ IP6? (\S+) > (\S+): `)
	packets, stray := 0, []string{}
	for _, l := range strings.Split(string(b), "\n") {
		mm := pkt.FindStringSubmatch(l)
		if mm == nil {
			continue
		}
		packets++
		if !strings.HasPrefix(mm[1], "10.231.0.2.") || mm[2] != "10.231.0.1.8443" || !strings.Contains(l, "Flags") {
			stray = append(stray, l)
		}
	}
	if packets == 0 {
		t.Fatalf("the sink recorded nothing: the segment cannot have been shipped\n%s", b)
	}
	if len(stray) > 0 {
		t.Errorf("the sensor sent %d packets elsewhere than its collector:\n%s", len(stray), strings.Join(stray, "\n"))
	}
	t.Logf("%d packets left the sensor's namespace, all TCP to the collector %s", packets, caddr)
}
