//go:build linux && (386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64)

package synfp

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/spampots/spampots/fingerprint"
	"github.com/spampots/spampots/fingerprint/capture"
	"github.com/spampots/spampots/fingerprint/capture/afpacket"
	"github.com/spampots/spampots/fingerprint/syntest"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want error
	}{
		{fmt.Errorf("load: %w", unix.EPERM), capture.ErrPermission},
		{fmt.Errorf("attach: %w", unix.EBUSY), capture.ErrBusy},
		{fmt.Errorf("attach: %w", unix.EEXIST), capture.ErrBusy},
		{fmt.Errorf("attach: %w", unix.EOPNOTSUPP), capture.ErrNotSupported},
		{fmt.Errorf("link: %w", ebpf.ErrNotSupported), capture.ErrNotSupported},
		{&ebpf.VerifierError{}, capture.ErrNotSupported},
	} {
		if got := classify(tc.err); !errors.Is(got, tc.want) || !errors.Is(got, tc.err) && !errors.As(tc.err, new(*ebpf.VerifierError)) {
			t.Errorf("classify(%v) = %v, want it to wrap %v and the cause", tc.err, got, tc.want)
		}
	}
}

// TestAttachErrors checks the errors that make Open fall back, the fallback
// itself, and that Close detaches the program.
func TestAttachErrors(t *testing.T) {
	requireRoot(t, "attaching XDP")
	if _, err := AttachXDP(capture.Config{Interface: "spnone0"}); !errors.Is(err, capture.ErrNoInterface) {
		t.Errorf("missing interface: %v", err)
	}
	if _, err := Open(capture.Config{Interface: sensorIf, Ports: []uint16{0}}); err == nil || errors.Is(err, capture.ErrNoInterface) {
		t.Errorf("bad config: %v, want the config's error, without trying an interface", err)
	}

	np := newNetPair(t)
	cfg := capture.Config{Interface: sensorIf, Ports: []uint16{25, 587}}
	var (
		first, second *XDP
		fallback      capture.Capture
		errSecond     error
	)
	must(t, inNetns(np.sensorNS, func() (err error) {
		if first, err = AttachXDP(cfg); err != nil {
			return err
		}
		second, errSecond = AttachXDP(cfg)
		fallback, err = Open(cfg)
		return err
	}))
	defer fallback.Close()
	if !errors.Is(errSecond, capture.ErrBusy) {
		t.Errorf("second XDP program on %s: %v, want ErrBusy", sensorIf, errSecond)
	}
	if second != nil {
		second.Close()
	}
	if fallback.Mode() != "afpacket" {
		t.Errorf("Open on a busy interface: mode %q, want the AF_PACKET fallback", fallback.Mode())
	}
	if first.Mode() != "xdp-native" {
		t.Errorf("veth supports native XDP, got mode %q", first.Mode())
	}
	if !xdpAttached(t, np.sensorNS) {
		t.Errorf("no XDP program on %s after AttachXDP", sensorIf)
	}
	must(t, first.Close())
	must(t, first.Close()) // twice is fine
	var r fingerprint.Record
	c := syntest.Cases()[0].SYN
	if first.Lookup(c.Src, c.Dst, &r) || len(first.Counters()) != 0 {
		t.Errorf("Lookup or Counters after Close")
	}
	if xdpAttached(t, np.sensorNS) {
		t.Errorf("XDP program still attached to %s after Close", sensorIf)
	}
}

func xdpAttached(t *testing.T, ns string) bool {
	out, err := exec.Command("ip", "-n", ns, "link", "show", sensorIf).CombinedOutput()
	if err != nil {
		t.Fatalf("ip link show: %v: %s", err, out)
	}
	return strings.Contains(string(out), "xdp")
}

// TestUnprivileged runs AttachXDP, the AF_PACKET capture and Open as an
// unprivileged user (nobody, in a child process) and requires
// ErrPermission from each.
func TestUnprivileged(t *testing.T) {
	if os.Getenv("SYNFP_UNPRIVILEGED") == "1" {
		cfg := capture.Config{Interface: "lo"}
		_, xerr := AttachXDP(cfg)
		_, aerr := afpacket.Open(cfg)
		_, oerr := Open(cfg)
		for _, e := range []struct {
			what string
			err  error
		}{{"AttachXDP", xerr}, {"afpacket.Open", aerr}, {"Open", oerr}} {
			if !errors.Is(e.err, capture.ErrPermission) {
				t.Errorf("%s as uid %d: %v, want ErrPermission", e.what, os.Geteuid(), e.err)
			} else {
				t.Logf("%s: %v", e.what, e.err)
			}
		}
		return
	}
	requireRoot(t, "switching to an unprivileged user")
	// The test binary sits in a directory only root may enter: copy it.
	dir := t.TempDir()
	must(t, os.Chmod(filepath.Dir(dir), 0o755))
	must(t, os.Chmod(dir, 0o755))
	bin := filepath.Join(dir, "synfp.test")
	must(t, copyFile(bin, os.Args[0]))
	cmd := exec.Command(bin, "-test.run=^TestUnprivileged$", "-test.v")
	cmd.Env = append(os.Environ(), "SYNFP_UNPRIVILEGED=1")
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	t.Logf("as nobody:\n%s", out)
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// TestAFPacketReopen takes the interface down and up under the AF_PACKET
// capture, which leaves an error on its socket, and requires it to capture
// again.
func TestAFPacketReopen(t *testing.T) {
	np := newNetPair(t)
	var afp *afpacket.Capture
	must(t, inNetns(np.sensorNS, func() (err error) {
		afp, err = afpacket.Open(capture.Config{Interface: sensorIf, Ports: []uint16{25}})
		return err
	}))
	defer afp.Close()
	sender := newRawSender(t, np.peerNS, np.peerIndex)
	cases := syntest.Cases()
	for i, c := range cases[:2] {
		if i == 1 {
			run(t, "ip", "-n", np.sensorNS, "link", "set", sensorIf, "down")
			run(t, "ip", "-n", np.sensorNS, "link", "set", sensorIf, "up")
		}
		f := syntest.EthernetTo(c.SYN.Packet(), np.sensorMAC, np.peerMAC)
		var r fingerprint.Record
		// The first SYN after the flap may arrive before the socket is
		// reopened: resend until it is seen.
		waitFor(t, "the capture records "+c.Name, func() bool {
			must(t, sender.send(f))
			return afp.Lookup(c.SYN.Src, c.SYN.Dst, &r)
		}, func() string { return fmt.Sprintf("counters %v", afp.Counters()) })
	}
}
