package dnsq

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// The same records, served by real DNS servers from Debian (apt-get install
// dnsmasq-base unbound) on 127.0.0.1. Neither forwards anything: dnsmasq
// has no upstream, unbound refuses every name outside its local zones.
//
//	1.2.3.4       PTR mail.spam.test,  mail.spam.test A 1.2.3.4 (confirmed)
//	1.2.3.5       PTR liar.spam.test,  no address (not confirmed)
//	1.2.3.6       no PTR (NXDOMAIN)
//	2a00:1450::8  PTR v6.spam.test,    v6.spam.test AAAA 2a00:1450::8
//	zen.test      1.2.3.4 listed 127.0.0.4 and 127.0.0.10; 1.2.3.5 not listed
//	example.test  MX 10 mx1.example.test, mx1.example.test A 195.4.92.9

// freePort returns a port free on 127.0.0.1 for both UDP and TCP, as a
// DNS server binds both.
func freePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		pc.Close()
		if err == nil {
			ln.Close()
			return port
		}
	}
	t.Fatal("no port free for both UDP and TCP")
	return 0
}

// startReal starts a server on a free port (cmd builds its command line),
// asks it until it answers, and stops it when the test ends. Another
// process may take the port between freePort and the server's bind: then
// it tries another.
func startReal(t *testing.T, cmd func(port int) *exec.Cmd) string {
	t.Helper()
	var last string
	for range 3 {
		port := freePort(t)
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		ok, out := tryStart(t, addr, cmd(port))
		if ok {
			return addr
		}
		last = out
		if !strings.Contains(out, "in use") {
			break
		}
	}
	t.Fatalf("DNS server did not start: %s", last)
	return ""
}

func tryStart(t *testing.T, addr string, cmd *exec.Cmd) (bool, string) {
	var out strings.Builder
	var mu sync.Mutex
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return out.Write(p) })
	output := func() string { mu.Lock(); defer mu.Unlock(); return out.String() }
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", cmd.Path, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() { cmd.Process.Kill(); <-exited }
	m := new(dns.Msg)
	m.SetQuestion("mail.spam.test.", dns.TypeA)
	dc := &dns.Client{Timeout: 100 * time.Millisecond}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		select {
		case <-exited:
			return false, filepath.Base(cmd.Path) + " exited: " + output()
		default:
		}
		if r, _, err := dc.Exchange(m, addr); err == nil && r.Rcode == dns.RcodeSuccess && len(r.Answer) > 0 {
			t.Cleanup(func() {
				stop()
				if t.Failed() {
					t.Logf("%s output:\n%s", filepath.Base(cmd.Path), output())
				}
			})
			return true, ""
		}
	}
	stop()
	return false, filepath.Base(cmd.Path) + " did not answer on " + addr + ": " + output()
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func startDnsmasq(t *testing.T) string {
	bin, err := exec.LookPath("dnsmasq")
	if err != nil {
		bin = "/usr/sbin/dnsmasq"
		if _, err := os.Stat(bin); err != nil {
			t.Skip("dnsmasq not installed (apt-get install dnsmasq-base)")
		}
	}
	args := func(port int) []string {
		a := []string{
			"--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--no-poll",
			"--port=" + strconv.Itoa(port), "--listen-address=127.0.0.1", "--bind-interfaces", "--pid-file=",
			"--log-facility=-", "--local=/test/", "--local=/in-addr.arpa/", "--local=/ip6.arpa/",
			"--host-record=mail.spam.test,1.2.3.4",
			"--ptr-record=5.3.2.1.in-addr.arpa,liar.spam.test",
			"--host-record=v6.spam.test,2a00:1450::8",
			"--address=/4.3.2.1.zen.test/127.0.0.4", "--address=/4.3.2.1.zen.test/127.0.0.10",
			"--mx-host=example.test,mx1.example.test,10", "--host-record=mx1.example.test,195.4.92.9",
		}
		if os.Geteuid() == 0 {
			a = append(a, "--user=root")
		}
		return a
	}
	return startReal(t, func(port int) *exec.Cmd { return exec.Command(bin, args(port)...) })
}

func startUnbound(t *testing.T) string {
	bin, err := exec.LookPath("unbound")
	if err != nil {
		bin = "/usr/sbin/unbound"
		if _, err := os.Stat(bin); err != nil {
			t.Skip("unbound not installed (apt-get install unbound)")
		}
	}
	dir := t.TempDir()
	conf := func(port int) string {
		return fmt.Sprintf(`server:
	interface: 127.0.0.1
	port: %d
	do-daemonize: no
	username: ""
	chroot: ""
	pidfile: ""
	directory: %q
	use-syslog: no
	logfile: ""
	verbosity: 0
	num-threads: 1
	module-config: "iterator"
	local-zone: "." refuse
	local-zone: "spam.test." static
	local-data: "mail.spam.test. 300 IN A 1.2.3.4"
	local-data: "v6.spam.test. 300 IN AAAA 2a00:1450::8"
	local-zone: "3.2.1.in-addr.arpa." static
	local-data-ptr: "1.2.3.4 300 mail.spam.test."
	local-data-ptr: "1.2.3.5 300 liar.spam.test."
	local-zone: "0.5.4.1.0.0.a.2.ip6.arpa." static
	local-data-ptr: "2a00:1450::8 300 v6.spam.test."
	local-zone: "zen.test." static
	local-data: "4.3.2.1.zen.test. 60 IN A 127.0.0.4"
	local-data: "4.3.2.1.zen.test. 60 IN A 127.0.0.10"
	local-zone: "example.test." static
	local-data: "example.test. 300 IN MX 10 mx1.example.test."
	local-data: "mx1.example.test. 300 IN A 195.4.92.9"
remote-control:
	control-enable: no
`, port, dir)
	}
	return startReal(t, func(port int) *exec.Cmd {
		path := filepath.Join(dir, fmt.Sprintf("unbound-%d.conf", port))
		if err := os.WriteFile(path, []byte(conf(port)), 0o644); err != nil {
			t.Fatal(err)
		}
		return exec.Command(bin, "-d", "-c", path)
	})
}

func TestRealServers(t *testing.T) {
	for name, start := range map[string]func(*testing.T) string{"dnsmasq": startDnsmasq, "unbound": startUnbound} {
		t.Run(name, func(t *testing.T) {
			addr := start(t)
			c, _ := newClient(t, addr, func(cfg *Config) {
				cfg.Zones = []Zone{Spamhaus("zen.test")}
				cfg.Timeout = time.Second
			})
			for _, tc := range []struct {
				ip   string
				host Hostname
				list Listing
			}{
				{"1.2.3.4", Hostname{Found, "mail.spam.test", true}, Listing{"zen.test", Found, []string{"PBL", "XBL"}}},
				{"1.2.3.5", Hostname{Found, "liar.spam.test", false}, Listing{"zen.test", None, nil}},
				{"1.2.3.6", Hostname{Status: None}, Listing{"zen.test", None, nil}},
				{"2a00:1450::8", Hostname{Found, "v6.spam.test", true}, Listing{"zen.test", None, nil}},
				{"172.16.0.1", Hostname{Status: Reserved}, Listing{"zen.test", Reserved, nil}},
			} {
				h, ls := resolved(t, c, tc.ip, PTR|DNSBL)
				if h != tc.host || !reflect.DeepEqual(ls, []Listing{tc.list}) {
					t.Errorf("%s: %+v %+v, want %+v %+v", tc.ip, h, ls, tc.host, tc.list)
				}
			}
			done, wait := signal(t)
			r := c.Resolve("example.test", 25, done)
			if !r.Ready() {
				wait()
			}
			if got := r.Result(); got != (Target{Found, "mx1.example.test", netip.MustParseAddr("195.4.92.9")}) {
				t.Errorf("MX: %+v", got)
			}
			if st := c.Stats(); st.Timeouts != 0 || st.Failures != 0 {
				t.Errorf("stats: %+v", st)
			}
		})
	}
}
