//go:build !(linux && (386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64))

package synfp

import (
	"fmt"
	"net/netip"
	"runtime"

	"github.com/spampots/spampots/fingerprint"
	"github.com/spampots/spampots/fingerprint/capture"
)

// XDP is the XDP capture; it exists only on little-endian Linux, the
// targets the committed BPF object is built for.
type XDP struct{}

// AttachXDP returns capture.ErrNotSupported on this platform.
func AttachXDP(capture.Config) (*XDP, error) {
	return nil, fmt.Errorf("synfp: XDP on %s/%s: %w", runtime.GOOS, runtime.GOARCH, capture.ErrNotSupported)
}

func (*XDP) Mode() string                                                    { return "" }
func (*XDP) Lookup(netip.AddrPort, netip.AddrPort, *fingerprint.Record) bool { return false }
func (*XDP) Counters() map[uint16]capture.PortCounters                       { return nil }
func (*XDP) Close() error                                                    { return nil }
