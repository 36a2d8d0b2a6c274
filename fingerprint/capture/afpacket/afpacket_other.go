//go:build !linux

package afpacket

import (
	"fmt"
	"net/netip"
	"runtime"

	"github.com/spampots/spampots/fingerprint"
	"github.com/spampots/spampots/fingerprint/capture"
)

// Capture is the AF_PACKET capture; AF_PACKET exists on Linux only.
type Capture struct{}

// Open returns capture.ErrNotSupported on this platform.
func Open(capture.Config) (*Capture, error) {
	return nil, fmt.Errorf("afpacket: AF_PACKET on %s: %w", runtime.GOOS, capture.ErrNotSupported)
}

func (*Capture) Mode() string                                                    { return "" }
func (*Capture) Lookup(netip.AddrPort, netip.AddrPort, *fingerprint.Record) bool { return false }
func (*Capture) Counters() map[uint16]capture.PortCounters                       { return nil }
func (*Capture) Drops() uint64                                                   { return 0 }
func (*Capture) Close() error                                                    { return nil }
