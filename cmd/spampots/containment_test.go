package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// netns runs commands inside a network namespace the test created.
type netns struct {
	t    testing.TB
	name string
}

func (n netns) cmd(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.name, name}, args...)...)
}

// start starts c (made by n.cmd) with its output in the returned lines,
// and kills it at the end of the test if it still runs.
func (n netns) start(c *exec.Cmd) *logLines {
	n.t.Helper()
	l := newLogLines()
	c.Stdout, c.Stderr = l, l
	if err := c.Start(); err != nil {
		n.t.Fatalf("[%s] %s: %v", n.name, c.Path, err)
	}
	n.t.Cleanup(func() { c.Process.Kill(); c.Wait() })
	return l
}

func (n netns) run(name string, args ...string) string {
	n.t.Helper()
	out, err := n.cmd(name, args...).CombinedOutput()
	if err != nil {
		n.t.Fatalf("[%s] %s %v: %v\n%s", n.name, name, args, err, out)
	}
	return string(out)
}

// nsPair makes two network namespaces joined by a veth pair, net.2 on the
// sensor's side and net.1 on the sink's, the sink being the sensor's
// default route: whatever the sensor sends anywhere arrives there. It
// returns them with the sink side's interface.
func nsPair(t testing.TB, net string) (sensorNS, sinkNS netns, vethK string) {
	t.Helper()
	var id [3]byte
	rand.Read(id[:])
	suffix := hex.EncodeToString(id[:])
	sensorNS, sinkNS = netns{t, "spsn" + suffix}, netns{t, "spsk" + suffix}
	vethS, vethK := "vs"+suffix, "vk"+suffix
	setup := [][]string{
		{"netns", "add", sensorNS.name}, {"netns", "add", sinkNS.name},
		{"link", "add", vethS, "netns", sensorNS.name, "type", "veth", "peer", "name", vethK, "netns", sinkNS.name},
		{"-n", sensorNS.name, "addr", "add", net + ".2/30", "dev", vethS},
		// No IPv6 on the link: the kernel's own neighbour discovery and
		// MLD reports would otherwise be the only packets not the sensor's.
		{"netns", "exec", sensorNS.name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"},
		{"-n", sinkNS.name, "addr", "add", net + ".1/30", "dev", vethK},
		{"-n", sensorNS.name, "link", "set", "lo", "up"}, {"-n", sinkNS.name, "link", "set", "lo", "up"},
		{"-n", sensorNS.name, "link", "set", vethS, "up"}, {"-n", sinkNS.name, "link", "set", vethK, "up"},
		// Everything the sensor might send anywhere goes to the sink.
		{"-n", sensorNS.name, "route", "add", "default", "via", net + ".1"},
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
	return sensorNS, sinkNS, vethK
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
	sensorNS, sinkNS, vethK := nsPair(t, "10.231.0")

	// The recording sink: every packet that reaches the sink side.
	stopCapture := capturePackets(t, sinkNS, vethK)

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
	logs := sensorNS.start(sensor)
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
	lines := stopCapture()

	// Every captured packet is the sensor talking TCP to the collector.
	packets, stray := 0, []string{}
	for _, p := range lines {
		packets++
		if !strings.HasPrefix(p.src, "10.231.0.2.") || p.dst != "10.231.0.1.8443" || !strings.Contains(p.line, "Flags") {
			stray = append(stray, p.line)
		}
	}
	if packets == 0 {
		t.Fatal("the sink recorded nothing: the segment cannot have been shipped")
	}
	if len(stray) > 0 {
		t.Errorf("the sensor sent %d packets elsewhere than its collector:\n%s", len(stray), strings.Join(stray, "\n"))
	}
	t.Logf("%d packets left the sensor's namespace, all TCP to the collector %s", packets, caddr)
}

// packet is one line of tcpdump's, with its addresses.
type packet struct{ src, dst, line string }

// capturePackets records with tcpdump every packet arriving at iface in
// ns (ARP aside); the returned function stops it and returns them.
func capturePackets(t testing.TB, ns netns, iface string) func() []packet {
	t.Helper()
	capture := filepath.Join(t.TempDir(), "capture.txt")
	capFile, _ := os.Create(capture)
	dump := ns.cmd("tcpdump", "-l", "-n", "-i", iface, "-Q", "in", "not arp")
	dump.Stdout, dump.Stderr = capFile, capFile
	if err := dump.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dump.Process.Kill(); dump.Wait() })
	// tcpdump says "listening on" once it captures.
	for i := 0; i < 100; i++ {
		if b, _ := os.ReadFile(capture); strings.Contains(string(b), "listening on") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	return func() []packet {
		dump.Process.Signal(syscall.SIGTERM) // -l: every line was written as it came; TERM flushes the rest
		dump.Wait()
		capFile.Close()
		b, _ := os.ReadFile(capture)
		re := regexp.MustCompile(`^\S+ IP6? (\S+) > (\S+): `)
		var out []packet
		for _, l := range strings.Split(string(b), "\n") {
			if m := re.FindStringSubmatch(l); m != nil {
				out = append(out, packet{m[1], strings.TrimSuffix(m[2], ":"), l})
			}
		}
		return out
	}
}

// TestProxyContainment runs the proxy sensor in a namespace whose only
// way out leads to a recording sink, a Postfix smtp-sink, and pushes a
// proxy load through it: spammers' test messages and bulk spam over
// SOCKS5 and HTTP CONNECT to mail servers, web fetches, a tunnel to a
// port nothing plays. With the test-message policy capture, nothing at all
// reaches the sink. With relay, the sink receives exactly the test
// messages the per-source limit lets through, and nothing else leaves.
func TestProxyContainment(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("containment test needs root for network namespaces (CI runs it as root)")
	}
	need(t, "ip", "tcpdump", "swaks", "proxychains4", "curl", "smtp-sink")
	for _, policy := range []string{"capture", "relay"} {
		t.Run(policy, func(t *testing.T) {
			sensorNS, sinkNS, vethK := nsPair(t, "10.232.0")
			// smtp-sink writes as nobody: a directory it can reach.
			dumps, err := os.MkdirTemp("", "spampots-sink-")
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(dumps)
			os.Chmod(dumps, 0o777)
			sink := sinkNS.cmd("smtp-sink", "-u", "nobody", "-d", dumps+"/%M.", "10.232.0.1:25", "64")
			if err := sink.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { sink.Process.Kill(); sink.Wait() }()
			stopCapture := capturePackets(t, sinkNS, vethK)

			spoolDir := t.TempDir()
			args := []string{"sensor", "--id", "T-01", "--spool", spoolDir, "--listen", "http=127.0.0.1:3128",
				"--listen", "socks=127.0.0.1:1080", "--listen", "http=10.232.0.2:8080", "--hostname", "mx.sensor.test",
				"--log-level", "info", "--test-messages", policy}
			if policy == "relay" {
				args = append(args, "--smarthost", "10.232.0.1:25")
			}
			sensor := sensorNS.cmd(binPath, args...)
			logs := sensorNS.start(sensor)
			logs.wait(t, "listening", 3)

			conf := filepath.Join(t.TempDir(), "pc.conf")
			pc := func(proxy string) string {
				os.WriteFile(conf, []byte("strict_chain\nquiet_mode\nproxy_dns\n[ProxyList]\n"+proxy+"\n"), 0o644)
				return conf
			}
			// Five test messages from one source, the way checkers send
			// them: one recipient, the proxy's address in the subject.
			for i := range 5 {
				sensorNS.run("proxychains4", "-f", pc("socks5 127.0.0.1 1080"), "swaks", "--server", "mx.checker.example:25",
					"--to", fmt.Sprintf("box%d@checker.example", i), "--from", "c@checker.example",
					"--header", fmt.Sprintf("Subject: SOCKS5 127.0.0.1:1080 #%d", i), "--hide-all")
			}
			// Bulk spam: many recipients, a large body.
			body := strings.Repeat("Cheap meds at http://pharma.example/ best prices!\n", 400)
			for i := range 10 {
				sensorNS.run("proxychains4", "-f", pc("http 127.0.0.1 3128"), "swaks", "--server", "gmail-smtp-in.l.google.com:25",
					"--to", "a@gmail.com,b@gmail.com,c@gmail.com", "--from", fmt.Sprintf("spam%d@pharma.example", i),
					"--header", "Subject: Best prices", "--body", body, "--hide-all")
			}
			// Web fetches and a tunnel to a port nothing plays.
			sensorNS.run("curl", "-sS", "-m", "10", "-x", "socks5h://127.0.0.1:1080", "http://www.google.com/")
			sensorNS.run("curl", "-sS", "-m", "10", "-x", "http://10.232.0.2:8080", "http://judge.example/azenv.php")
			sensorNS.cmd("curl", "-sS", "-m", "2", "-p", "-x", "http://127.0.0.1:3128", "http://irc.example.net:6667/").Run()

			want := 0
			if policy == "relay" {
				want = 3 // --relay-per-source 3: the other two are refused
				logs.wait(t, "test message relayed", 3)
			}
			sensor.Process.Signal(syscall.SIGTERM)
			if err := sensor.Wait(); err != nil {
				t.Fatalf("sensor: %v\n%s", err, logs)
			}
			packets := stopCapture()

			files, _ := filepath.Glob(filepath.Join(dumps, "*"))
			if len(files) != want {
				t.Errorf("the sink received %d messages, want %d", len(files), want)
			}
			for _, f := range files {
				b, _ := os.ReadFile(f)
				if !strings.Contains(string(b), "Subject: SOCKS5 127.0.0.1:1080 #") || strings.Contains(string(b), "pharma") {
					t.Errorf("the sink received something other than a test message:\n%s", b)
				}
			}
			conns := 0
			for _, p := range packets {
				if p.src == "" || !strings.HasPrefix(p.src, "10.232.0.2.") || p.dst != "10.232.0.1.25" {
					t.Errorf("a packet to something other than the smarthost: %s", p.line)
				}
				if strings.Contains(p.line, "Flags [S]") {
					conns++
				}
			}
			if policy == "capture" && len(packets) != 0 || conns != want {
				t.Errorf("%d packets, %d connections reached the sink, want %d connections", len(packets), conns, want)
			}
			if got := strings.Count(logs.String(), "test message not relayed"); policy == "relay" && got != 2 {
				t.Errorf("%d refusals logged, want 2:\n%s", got, logs)
			}
			entries, events := readSpool(t, spoolDir)
			tests := 0
			for _, e := range events {
				tests += len(e.Tests)
			}
			if len(entries) != 15 || tests != 5 {
				t.Errorf("captured %d messages (want 15), %d classified as tests (want 5)", len(entries), tests)
			}
			t.Logf("policy %s: %d messages captured, %d tests, %d relayed, %d packets to the sink", policy, len(entries), tests, len(files), len(packets))
		})
	}
}
