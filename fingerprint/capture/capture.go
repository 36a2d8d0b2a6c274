package capture

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"time"

	"github.com/spampots/spampots/fingerprint"
)

// Capture records the SYN of each connection to the watched ports, for the
// sensor to fingerprint once it accepts the connection. Implementations are
// safe for concurrent use.
type Capture interface {
	// Lookup copies into r the SYN recorded for the connection from src
	// (the remote client) to dst (the local address), and reports whether
	// there was one no older than Config.MaxAge. It does not allocate.
	Lookup(src, dst netip.AddrPort, r *fingerprint.Record) bool
	// Counters returns the TCP segments, bytes (whole frames) and
	// recorded SYNs per watched destination port since the capture
	// started; key OtherPorts sums the ports not watched.
	Counters() map[uint16]PortCounters
	// Mode names the path: "xdp-native", "xdp-generic" or "afpacket".
	Mode() string
	// Close stops capturing and releases the kernel objects (detaching
	// the XDP program); Lookup finds nothing afterwards. It is safe to
	// call more than once.
	Close() error
}

// PortCounters counts the traffic to one destination port.
type PortCounters struct {
	Packets uint64 // TCP segments
	Bytes   uint64 // their frame lengths, link header included
	SYNs    uint64 // SYNs recorded (those fingerprint.ParseFrame accepts)
}

// Add returns the sum of c and d.
func (c PortCounters) Add(d PortCounters) PortCounters {
	return PortCounters{c.Packets + d.Packets, c.Bytes + d.Bytes, c.SYNs + d.SYNs}
}

// OtherPorts is the Counters key of the traffic to ports not watched (TCP
// port 0 is never a listening port).
const OtherPorts = 0

// Limits and defaults of Config.
const (
	MaxPorts       = 64      // watched ports; the XDP program has 64 counter slots
	MaxEntries     = 1 << 20 // records kept, at most (about 128 MiB)
	DefaultEntries = 65536   // records kept (about 8 MiB)
	DefaultMaxAge  = 10 * time.Minute
)

// Errors wrapped by the implementations when capturing cannot start. Open
// in bpf/synfp falls back from XDP to AF_PACKET on any of them.
var (
	// ErrNotSupported: the kernel, its configuration or the interface
	// cannot do it (no BPF links for XDP, a verifier too old, no AF_PACKET).
	ErrNotSupported = errors.New("capture: not supported by this kernel or interface")
	// ErrPermission: the process lacks the privileges (XDP needs
	// CAP_BPF and CAP_NET_ADMIN, AF_PACKET CAP_NET_RAW; root has all).
	ErrPermission = errors.New("capture: permission denied")
	// ErrNoInterface: the named interface does not exist.
	ErrNoInterface = errors.New("capture: no such interface")
	// ErrBusy: another XDP program is attached to the interface.
	ErrBusy = errors.New("capture: interface busy")
)

// Config says what to capture. The zero values of the optional fields mean
// the defaults.
type Config struct {
	// Interface is the network interface the SYNs arrive on (required).
	Interface string
	// Ports are the watched destination ports (the sensor's listening
	// ports), at most MaxPorts, each counted on its own. SYNs are recorded
	// for watched ports only; with no ports, for every port, and all
	// traffic is counted under OtherPorts.
	Ports []uint16
	// Entries bounds the records kept (default DefaultEntries); when full,
	// the oldest go first.
	Entries int
	// MaxAge is how long a record stays valid for Lookup (default
	// DefaultMaxAge). It must cover the delay between a SYN and the
	// sensor's last lookup of its connection.
	MaxAge time.Duration
	// Logger receives start-up and error messages (default: discarded).
	Logger *slog.Logger
}

// WithDefaults returns c with its defaults filled in, or every problem with
// it at once.
func (c Config) WithDefaults() (Config, error) {
	var errs []error
	if c.Interface == "" {
		errs = append(errs, errors.New("capture: no interface"))
	}
	if len(c.Ports) > MaxPorts {
		errs = append(errs, fmt.Errorf("capture: %d ports watched, at most %d", len(c.Ports), MaxPorts))
	}
	seen := make(map[uint16]bool, len(c.Ports))
	for _, p := range c.Ports {
		switch {
		case p == 0:
			errs = append(errs, errors.New("capture: port 0 cannot be watched"))
		case seen[p]:
			errs = append(errs, fmt.Errorf("capture: port %d watched twice", p))
		}
		seen[p] = true
	}
	if c.Entries < 0 || c.Entries > MaxEntries {
		errs = append(errs, fmt.Errorf("capture: %d entries, want 1 to %d", c.Entries, MaxEntries))
	}
	if c.MaxAge < 0 {
		errs = append(errs, fmt.Errorf("capture: negative max age %v", c.MaxAge))
	}
	if len(errs) > 0 {
		return c, errors.Join(errs...)
	}
	c.Ports = slices.Clone(c.Ports)
	if c.Entries == 0 {
		c.Entries = DefaultEntries
	}
	if c.MaxAge == 0 {
		c.MaxAge = DefaultMaxAge
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// Key identifies a connection by its SYN: Src and SrcPort are the client's,
// Dst and DstPort the server's. Addresses are 16 bytes, IPv4 mapped
// (::ffff:a.b.c.d), as in fingerprint.Record.
type Key struct {
	Src, Dst         [16]byte
	SrcPort, DstPort uint16
}

// KeyOf returns the key of the connection from src to dst.
func KeyOf(src, dst netip.AddrPort) Key {
	return Key{
		Src:     src.Addr().As16(),
		Dst:     dst.Addr().As16(),
		SrcPort: src.Port(),
		DstPort: dst.Port(),
	}
}

// RecordKey returns the key of the connection r opens.
func RecordKey(r *fingerprint.Record) Key {
	return Key{Src: r.Src, Dst: r.Dst, SrcPort: r.SrcPort, DstPort: r.DstPort}
}
