//go:build linux

package afpacket

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/spampots/spampots/fingerprint"
	"github.com/spampots/spampots/fingerprint/capture"
)

func TestOpenErrors(t *testing.T) {
	if _, err := Open(capture.Config{Interface: "spnone0"}); !errors.Is(err, capture.ErrNoInterface) {
		t.Errorf("missing interface: %v", err)
	}
	if _, err := Open(capture.Config{}); err == nil {
		t.Errorf("no interface accepted")
	}
}

// TestLoopback captures the machine's own SYN on lo (the kernel's stack,
// dialling a listener on a watched port) and reads it back; the
// side-by-side test with p0f in bpf/synfp covers the rest.
func TestLoopback(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("AF_PACKET needs root (CAP_NET_RAW): skipping")
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dst := ln.Addr().(*net.TCPAddr).AddrPort()
	c, err := Open(capture.Config{Interface: "lo", Ports: []uint16{dst.Port()}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Mode() != "afpacket" {
		t.Errorf("Mode() = %q", c.Mode())
	}
	conn, err := net.Dial("tcp4", dst.String())
	if err != nil {
		t.Fatal(err)
	}
	src := conn.LocalAddr().(*net.TCPAddr).AddrPort()
	conn.Close()

	var r fingerprint.Record
	deadline := time.Now().Add(10 * time.Second)
	for !c.Lookup(src, dst, &r) {
		if time.Now().After(deadline) {
			t.Fatalf("no record of %v -> %v; counters %v", src, dst, c.Counters())
		}
		time.Sleep(2 * time.Millisecond)
	}
	if !r.IsSYN() || r.SrcAddrPort() != src || r.DstAddrPort() != netip.AddrPortFrom(dst.Addr(), dst.Port()) || r.TTL != 64 {
		t.Errorf("record %+v", r)
	}
	// The host's own outgoing copy of the SYN on lo is not counted.
	if got := c.Counters()[dst.Port()].SYNs; got != 1 {
		t.Errorf("%d SYNs counted, want 1", got)
	}
	if err := c.Close(); err != nil {
		t.Error(err)
	}
	if c.Lookup(src, dst, &r) {
		t.Errorf("Lookup finds a record after Close")
	}
}
