//go:build linux && (386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64)

package synfp

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/spampots/spampots/fingerprint/syntest"
)

// netPair is two network namespaces joined by a veth pair: the sensor's
// (interface sp0) and a peer's (sp1), with IPv4 and IPv6 addresses.
type netPair struct {
	sensorNS, peerNS     string // names under /run/netns
	sensorMAC, peerMAC   [6]byte
	sensor4, peer4       netip.Addr
	sensor6, peer6       netip.Addr
	sensorIdx, peerIndex int
}

const (
	sensorIf = "sp0"
	peerIf   = "sp1"
)

// newNetPair creates the namespaces with unique names; t.Cleanup deletes
// them, which also destroys the veth pair and detaches anything attached.
func newNetPair(tb testing.TB) *netPair {
	tb.Helper()
	requireRoot(tb, "creating network namespaces")
	if _, err := exec.LookPath("ip"); err != nil {
		tb.Skip("iproute2's ip not installed: skipping")
	}
	var b [4]byte
	rand.Read(b[:])
	sfx := hex.EncodeToString(b[:])
	np := &netPair{
		sensorNS: "spsens-" + sfx,
		peerNS:   "sppeer-" + sfx,
		sensor4:  netip.MustParseAddr("10.77.0.1"),
		peer4:    netip.MustParseAddr("10.77.0.2"),
		sensor6:  netip.MustParseAddr("fd00:77::1"),
		peer6:    netip.MustParseAddr("fd00:77::2"),
	}
	for _, ns := range []string{np.sensorNS, np.peerNS} {
		run(tb, "ip", "netns", "add", ns)
		tb.Cleanup(func() {
			if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
				tb.Errorf("ip netns del %s: %v: %s", ns, err, out)
			}
		})
	}
	run(tb, "ip", "-n", np.sensorNS, "link", "add", sensorIf, "type", "veth", "peer", "name", peerIf, "netns", np.peerNS)
	for _, side := range []struct {
		ns, ifc string
		a4, a6  netip.Addr
	}{{np.sensorNS, sensorIf, np.sensor4, np.sensor6}, {np.peerNS, peerIf, np.peer4, np.peer6}} {
		run(tb, "ip", "-n", side.ns, "addr", "add", side.a4.String()+"/24", "dev", side.ifc)
		run(tb, "ip", "-n", side.ns, "addr", "add", side.a6.String()+"/64", "dev", side.ifc, "nodad")
		run(tb, "ip", "-n", side.ns, "link", "set", side.ifc, "up")
		run(tb, "ip", "-n", side.ns, "link", "set", "lo", "up")
	}
	must(tb, inNetns(np.sensorNS, func() error {
		ifc, err := net.InterfaceByName(sensorIf)
		if err == nil {
			np.sensorIdx, np.sensorMAC = ifc.Index, [6]byte(ifc.HardwareAddr)
		}
		return err
	}))
	must(tb, inNetns(np.peerNS, func() error {
		ifc, err := net.InterfaceByName(peerIf)
		if err == nil {
			np.peerIndex, np.peerMAC = ifc.Index, [6]byte(ifc.HardwareAddr)
		}
		return err
	}))
	return np
}

func run(tb testing.TB, name string, args ...string) {
	tb.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		tb.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// inNetns runs f on an OS thread switched into the named network namespace.
// Sockets, interface lookups and XDP attachments f makes belong to that
// namespace and keep working from any goroutine afterwards. Goroutines f
// starts run in the caller's namespace.
func inNetns(name string, f func() error) error {
	target, err := os.Open(filepath.Join("/run/netns", name))
	if err != nil {
		return err
	}
	defer target.Close()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		self, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer self.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("setns %s: %w", name, err)
			return
		}
		ferr := f()
		if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
			// The thread stays locked and exits with this goroutine.
			errc <- errors.Join(ferr, fmt.Errorf("setns back: %w", err))
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// rawSender sends Ethernet frames out of an interface of a namespace
// through an AF_PACKET socket, bypassing the qdisc.
type rawSender struct{ fd int }

func newRawSender(tb testing.TB, ns string, ifindex int) *rawSender {
	tb.Helper()
	s := &rawSender{fd: -1}
	must(tb, inNetns(ns, func() error {
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0) // protocol 0: send only
		if err != nil {
			return err
		}
		s.fd = fd
		_ = unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_QDISC_BYPASS, 1)
		return unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: ifindex})
	}))
	tb.Cleanup(func() { unix.Close(s.fd) })
	return s
}

func (s *rawSender) send(frame []byte) error {
	for {
		_, err := unix.Write(s.fd, frame)
		if errors.Is(err, unix.ENOBUFS) || errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			continue
		}
		return err
	}
}

// p0fPath returns the p0f binary, or "" when it is not installed.
func p0fPath() string {
	if p, err := exec.LookPath("p0f"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/p0f", "/usr/local/sbin/p0f", "/usr/local/bin/p0f"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// p0fFP is the signature file the fingerprint package embeds, which p0f is
// given too (Debian's /etc/p0f/p0f.fp, unchanged).
var p0fFP = filepath.Join("..", "..", "fingerprint", "p0f.fp")

// p0fRun is p0f 3.09b capturing on an interface of a namespace.
type p0fRun struct {
	cmd        *exec.Cmd
	logPath    string
	synReports atomic.Int64 // SYN reports p0f printed
}

// startP0f starts p0f on ifc in ns and returns once it captures, or nil if
// p0f is not installed. With withLog, p0f also logs to a file (-o) that
// observations reads. Stop (or the test's cleanup) ends it.
func startP0f(tb testing.TB, ns, ifc string, withLog bool) *p0fRun {
	tb.Helper()
	bin := p0fPath()
	if bin == "" {
		return nil
	}
	p := &p0fRun{}
	args := []string{"netns", "exec", ns, bin, "-i", ifc, "-f", p0fFP}
	if withLog {
		p.logPath = filepath.Join(tb.TempDir(), "p0f.log") // p0f wants a regular file
		args = append(args, "-o", p.logPath)
	}
	p.cmd = exec.Command("ip", append(args, "tcp")...)
	stdout, err := p.cmd.StdoutPipe()
	must(tb, err)
	p.cmd.Stderr = p.cmd.Stdout
	must(tb, p.cmd.Start())
	tb.Cleanup(func() { p.stop() })

	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		var out []string
		for sc.Scan() {
			out = append(out, sc.Text())
			if strings.Contains(sc.Text(), "Entered main event loop") {
				ready <- nil
				// Its reports, one per observation, start with
				// ".-[ 10.1.0.1/40000 -> 192.0.2.1/25 (syn) ]-".
				for sc.Scan() {
					if l := sc.Bytes(); bytes.HasPrefix(l, []byte(".-[")) && bytes.HasSuffix(l, []byte("(syn) ]-")) {
						p.synReports.Add(1)
					}
				}
				io.Copy(io.Discard, stdout)
				return
			}
		}
		ready <- fmt.Errorf("p0f exited before capturing:\n%s", strings.Join(out, "\n"))
	}()
	select {
	case err := <-ready:
		must(tb, err)
	case <-time.After(30 * time.Second):
		tb.Fatal("p0f did not start within 30s")
	}
	return p
}

// observations reads p0f's log so far: its SYN observations by client
// (the first one of each), and how many lines of SYNs it holds.
func (p *p0fRun) observations() (map[string]syntest.Observation, int) {
	obs := map[string]syntest.Observation{}
	f, err := os.Open(p.logPath)
	if err != nil {
		return obs, 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if cli, o, ok := syntest.ParseP0fLine(sc.Text()); ok {
			n++
			if _, dup := obs[cli]; !dup {
				obs[cli] = o
			}
		}
	}
	return obs, n
}

// stop interrupts p0f and waits for it; it returns its resource usage.
func (p *p0fRun) stop() *syscall.Rusage {
	if p == nil || p.cmd.Process == nil {
		return nil
	}
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Signal(os.Interrupt)
		timer := time.AfterFunc(10*time.Second, func() { p.cmd.Process.Kill() })
		p.cmd.Wait()
		timer.Stop()
	}
	ru, _ := p.cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return ru
}
