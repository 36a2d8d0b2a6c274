//go:build linux && (386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64)

package synfp

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/bits"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"

	"github.com/spampots/spampots/fingerprint"
	"github.com/spampots/spampots/fingerprint/capture"
)

// XDP is the XDP capture: the program attached to one interface and its
// maps. It implements capture.Capture.
type XDP struct {
	mode   string
	ports  []uint16 // counter slot i+1 counts ports[i]
	maxAge time.Duration
	log    *slog.Logger

	// The kernel's CLOCK_MONOTONIC (bpf_ktime_get_ns) at baseTime, whose
	// monotonic reading (the same clock in Go) dates later calls.
	baseMono int64
	baseTime time.Time

	seed, mask uint32 // of the record cache's hash (key_hash in synfp.c)

	scratch sync.Pool // *lookupScratch: Map.Lookup takes pointers that escape

	mu     sync.RWMutex // Close against Lookup and Counters
	closed bool
	objs   synfpObjects
	link   link.Link
}

// ways is WAYS in synfp.c: records per bucket.
const ways = 2

// synWay is struct syn_way: a record, its connection's hash, its sequence
// count (odd while written) and when it was seen (0: free).
type synWay struct {
	Tag    uint32
	Seq    uint32
	SeenNs uint64
	Rec    fingerprint.Record
	_      [8]byte
}

// synBucket is struct syn_bucket.
type synBucket struct {
	Way [ways]synWay
}

type lookupScratch struct {
	idx  uint32
	a, b synBucket // two copies of the bucket, to catch a write between
}

// lookupTries bounds the copies of a bucket Lookup takes while it is being
// written.
const lookupTries = 4

// Attach modes, in the order AttachXDP tries them.
var xdpModes = []link.XDPAttachFlags{link.XDPDriverMode, link.XDPGenericMode}

// AttachXDP loads the SYN program and attaches it to cfg.Interface, in
// native mode if the driver supports it, else in generic mode. Errors wrap
// capture.ErrPermission, ErrNotSupported, ErrNoInterface or ErrBusy when
// that is the cause.
func AttachXDP(cfg capture.Config) (*XDP, error) {
	return attachXDP(cfg, xdpModes)
}

func attachXDP(cfg capture.Config, modes []link.XDPAttachFlags) (*XDP, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	ifc, err := net.InterfaceByName(cfg.Interface)
	if err != nil {
		return nil, fmt.Errorf("synfp: interface %q: %w (%w)", cfg.Interface, capture.ErrNoInterface, err)
	}
	x, err := load(cfg)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, mode := range modes {
		l, err := link.AttachXDP(link.XDPOptions{Program: x.objs.SynfpXdp, Interface: ifc.Index, Flags: mode})
		if err == nil {
			x.link = l
			x.mode = modeName(mode)
			break
		}
		errs = append(errs, fmt.Errorf("%s: %w", modeName(mode), classify(err)))
	}
	if x.link == nil {
		x.objs.Close()
		return nil, fmt.Errorf("synfp: attaching XDP to %s: %w", cfg.Interface, errors.Join(errs...))
	}
	cfg.Logger.Info("XDP SYN capture attached", "interface", cfg.Interface, "mode", x.mode,
		"ports", cfg.Ports, "entries", (x.mask+1)*ways)
	return x, nil
}

// load loads the program and its maps (without attaching it) and fills the
// watched ports.
func load(cfg capture.Config) (*XDP, error) {
	// Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK.
	if err := rlimit.RemoveMemlock(); err != nil {
		cfg.Logger.Debug("cannot raise RLIMIT_MEMLOCK", "err", err)
	}
	spec, err := loadSynfp()
	if err != nil {
		return nil, fmt.Errorf("synfp: %w", err)
	}
	// Buckets: a power of 2, holding at least cfg.Entries records.
	buckets := uint32(1)
	for buckets*ways < uint32(cfg.Entries) {
		buckets <<= 1
	}
	var seed [4]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return nil, fmt.Errorf("synfp: %w", err)
	}
	x := &XDP{
		ports:  cfg.Ports,
		maxAge: cfg.MaxAge,
		log:    cfg.Logger,
		seed:   binary.LittleEndian.Uint32(seed[:]),
		mask:   buckets - 1,
	}
	spec.Maps[synfpMapSyns].MaxEntries = buckets
	for name, v := range map[string]any{
		synfpVarWatchAll:   boolByte(len(cfg.Ports) == 0),
		synfpVarHashSeed:   x.seed,
		synfpVarBucketMask: x.mask,
	} {
		if err := spec.Variables[name].Set(v); err != nil {
			return nil, fmt.Errorf("synfp: setting %s: %w", name, err)
		}
	}
	x.scratch.New = func() any { return new(lookupScratch) }
	if err := spec.LoadAndAssign(&x.objs, nil); err != nil {
		return nil, fmt.Errorf("synfp: loading the XDP program: %w", classify(err))
	}
	for i, p := range cfg.Ports {
		if err := x.objs.PortSlots.Put(uint32(p), uint32(i+1)); err != nil {
			x.objs.Close()
			return nil, fmt.Errorf("synfp: watching port %d: %w", p, err)
		}
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		x.objs.Close()
		return nil, fmt.Errorf("synfp: clock: %w", err)
	}
	x.baseTime = time.Now()
	x.baseMono = ts.Nano()
	return x, nil
}

func boolByte(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

func modeName(m link.XDPAttachFlags) string {
	switch m {
	case link.XDPDriverMode:
		return "xdp-native"
	case link.XDPGenericMode:
		return "xdp-generic"
	}
	return fmt.Sprintf("xdp-flags-%#x", uint32(m))
}

// classify wraps err with the capture sentinel for its cause.
func classify(err error) error {
	var ve *ebpf.VerifierError
	switch {
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
		return fmt.Errorf("%w (XDP needs CAP_BPF and CAP_NET_ADMIN): %w", capture.ErrPermission, err)
	case errors.Is(err, unix.EBUSY), errors.Is(err, unix.EEXIST):
		return fmt.Errorf("%w (another XDP program is attached): %w", capture.ErrBusy, err)
	case errors.As(err, &ve):
		return fmt.Errorf("%w (the kernel's verifier rejects the program): %w", capture.ErrNotSupported, err)
	case errors.Is(err, ebpf.ErrNotSupported), errors.Is(err, unix.EOPNOTSUPP),
		errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS):
		return fmt.Errorf("%w: %w", capture.ErrNotSupported, err)
	}
	return err
}

// Mode is "xdp-native" or "xdp-generic".
func (x *XDP) Mode() string { return x.mode }

// Lookup copies into r the SYN recorded for the connection from src to dst
// and reports whether there was one no older than the configured MaxAge.
func (x *XDP) Lookup(src, dst netip.AddrPort, r *fingerprint.Record) bool {
	key := capture.KeyOf(src, dst)
	h := hashKey(x.seed, &key)
	s := x.scratch.Get().(*lookupScratch)
	defer x.scratch.Put(s)
	s.idx = h & x.mask
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		return false
	}
	// A way is believed when two successive copies agree and its sequence
	// count is even: no write began or was under way in between.
	if err := x.objs.Syns.Lookup(&s.idx, &s.a); err != nil {
		x.log.Warn("XDP SYN lookup", "err", err)
		return false
	}
	for range lookupTries {
		if err := x.objs.Syns.Lookup(&s.idx, &s.b); err != nil {
			x.log.Warn("XDP SYN lookup", "err", err)
			return false
		}
		w, stable := findWay(&s.a, &s.b, h, &key)
		if stable {
			if w < 0 {
				return false
			}
			age := x.monoNow() - int64(s.b.Way[w].SeenNs)
			if age > int64(x.maxAge) || age < -int64(x.maxAge) {
				return false
			}
			*r = s.b.Way[w].Rec
			return true
		}
		s.a = s.b
	}
	return false
}

// findWay returns the way of bucket copies a and b that holds key, or -1,
// and whether the copies agree on the ways that matter: those that may hold
// key in either copy.
func findWay(a, b *synBucket, h uint32, key *capture.Key) (way int, stable bool) {
	way = -1
	for w := range ways {
		x, y := &a.Way[w], &b.Way[w]
		if x.Tag != h && y.Tag != h {
			continue
		}
		if *x != *y || y.Seq&1 != 0 {
			return -1, false
		}
		if y.SeenNs != 0 && capture.RecordKey(&y.Rec) == *key {
			way = w
		}
	}
	return way, true
}

// hashKey is key_hash in synfp.c: murmur3_32 of the key's 36 bytes as
// little-endian words (the host order of the BPF target), seeded.
func hashKey(seed uint32, k *capture.Key) uint32 {
	h := seed
	mix := func(w uint32) {
		w *= 0xcc9e2d51
		w = bits.RotateLeft32(w, 15) * 0x1b873593
		h ^= w
		h = bits.RotateLeft32(h, 13)*5 + 0xe6546b64
	}
	for i := 0; i < 16; i += 4 {
		mix(binary.LittleEndian.Uint32(k.Src[i:]))
	}
	for i := 0; i < 16; i += 4 {
		mix(binary.LittleEndian.Uint32(k.Dst[i:]))
	}
	mix(uint32(k.SrcPort) | uint32(k.DstPort)<<16)
	h ^= 36
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// monoNow returns CLOCK_MONOTONIC in nanoseconds, without a system call.
func (x *XDP) monoNow() int64 { return x.baseMono + int64(time.Since(x.baseTime)) }

// Counters sums the per-CPU counters of each watched port and of the other
// ports (key capture.OtherPorts).
func (x *XDP) Counters() map[uint16]capture.PortCounters {
	out := make(map[uint16]capture.PortCounters, len(x.ports)+1)
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		return out
	}
	var per []synfpPortCounters
	for slot := 0; slot <= len(x.ports); slot++ {
		if err := x.objs.Counters.Lookup(uint32(slot), &per); err != nil {
			x.log.Warn("XDP counters", "slot", slot, "err", err)
			continue
		}
		var sum capture.PortCounters
		for _, c := range per {
			sum = sum.Add(capture.PortCounters{Packets: c.Packets, Bytes: c.Bytes, SYNs: c.Syns})
		}
		port := uint16(capture.OtherPorts)
		if slot > 0 {
			port = x.ports[slot-1]
		}
		out[port] = sum
	}
	return out
}

// Close detaches the program and frees its maps.
func (x *XDP) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return nil
	}
	x.closed = true
	var errs []error
	if x.link != nil {
		if err := x.link.Close(); err != nil {
			errs = append(errs, fmt.Errorf("synfp: detaching XDP: %w", err))
		}
	}
	if err := x.objs.Close(); err != nil {
		errs = append(errs, fmt.Errorf("synfp: %w", err))
	}
	return errors.Join(errs...)
}

var _ capture.Capture = (*XDP)(nil)
