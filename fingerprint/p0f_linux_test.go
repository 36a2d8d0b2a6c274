//go:build linux

package fingerprint

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/spampots/spampots/fingerprint/syntest"
)

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// openLoopbackCapture opens an AF_PACKET socket on lo, or skips the test
// without CAP_NET_RAW.
func openLoopbackCapture(t *testing.T) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, int(htons(syscall.ETH_P_ALL)))
	if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
		t.Skip("capturing the machine's own SYNs needs an AF_PACKET socket (root or CAP_NET_RAW): skipping")
	}
	if err != nil {
		t.Fatalf("AF_PACKET socket: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrLinklayer{Protocol: htons(syscall.ETH_P_ALL), Ifindex: lo.Index}); err != nil {
		t.Fatalf("bind to lo: %v", err)
	}
	// Other tests may be busy on loopback: keep room for our SYNs.
	_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<20)
	tv := syscall.NsecToTimeval((200 * time.Millisecond).Nanoseconds())
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	return fd
}

// TestP0fDifferentialLoopback captures real SYNs of this machine's TCP stack
// on lo (with a few socket options to vary them), runs them through p0f and
// this package, and requires the same answers.
func TestP0fDifferentialLoopback(t *testing.T) {
	p0f := findP0f(t)
	fd := openLoopbackCapture(t)
	db := defaultDB(t)

	listeners := map[string]net.Listener{}
	for _, nw := range []string{"tcp4", "tcp6"} {
		addr := "127.0.0.1:0"
		if nw == "tcp6" {
			addr = "[::1]:0"
		}
		ln, err := net.Listen(nw, addr)
		if err != nil {
			t.Logf("no %s loopback listener: %v", nw, err)
			continue
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		listeners[nw] = ln
	}

	// Dial each variant; remember the client address of its SYN.
	want := map[netip.AddrPort]string{}
	var order []netip.AddrPort
	for _, v := range syntest.KernelClients {
		ln, ok := listeners[v.Network]
		if !ok {
			continue
		}
		d := v.Dialer(5 * time.Second)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		c, err := d.DialContext(ctx, v.Network, ln.Addr().String())
		cancel()
		if err != nil {
			t.Fatalf("%s: dial: %v", v.Name, err)
		}
		local := c.LocalAddr().(*net.TCPAddr).AddrPort()
		c.Close()
		local = netip.AddrPortFrom(local.Addr().Unmap(), local.Port())
		want[local] = v.Name
		order = append(order, local)
	}

	// Collect each client's SYN from the capture socket.
	frames := map[netip.AddrPort][]byte{}
	buf := make([]byte, 1<<16)
	deadline := time.Now().Add(10 * time.Second)
	for len(frames) < len(want) && time.Now().Before(deadline) {
		n, _, err := syscall.Recvfrom(fd, buf, 0)
		if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			t.Fatalf("recvfrom: %v", err)
		}
		var r Record
		if ParseFrame(buf[:n], &r) != nil || !r.IsSYN() {
			continue
		}
		key := r.SrcAddrPort()
		if _, ok := want[key]; ok && frames[key] == nil {
			frames[key] = append([]byte(nil), buf[:n]...)
		}
	}
	if len(frames) != len(want) {
		t.Fatalf("captured %d of %d SYNs", len(frames), len(want))
	}

	var all [][]byte
	for _, k := range order {
		all = append(all, frames[k])
	}
	obs := runP0f(t, p0f, defaultFP, all)
	for _, k := range order {
		t.Run(want[k], func(t *testing.T) {
			var r Record
			if err := ParseFrame(frames[k], &r); err != nil {
				t.Fatal(err)
			}
			m := db.Match(&r)
			got := p0fObservation{os: m.String(), params: m.Params(&r), raw: r.Signature()}
			p, ok := obs[cliKey(&r)]
			if !ok {
				t.Fatalf("p0f logged no SYN from %s (we say %s raw_sig=%s)", cliKey(&r), got.os, got.raw)
			}
			if !got.same(p) {
				t.Errorf("mismatch\n p0f: %s|params=%s|raw_sig=%s\n  us: %s|params=%s|raw_sig=%s",
					p.os, p.params, p.raw, got.os, got.params, got.raw)
			}
			if testing.Verbose() {
				t.Logf("%-28s %-44s %-22s %s", want[k], p.os, p.params, p.raw)
			}
		})
	}
}
