//go:build linux && (386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64)

package synfp

import (
	"net/netip"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/spampots/spampots/fingerprint"
	"github.com/spampots/spampots/fingerprint/capture"
	"github.com/spampots/spampots/fingerprint/syntest"
)

// synFrom returns the Linux SYN of syntest's first case from src to
// 192.0.2.1:25, and its record.
func synFrom(t testing.TB, src netip.AddrPort, ttl uint8) ([]byte, fingerprint.Record) {
	s := syntest.Cases()[0].SYN
	s.Src, s.TTL = src, ttl
	f := syntest.Ethernet(s.Packet())
	var r fingerprint.Record
	must(t, fingerprint.ParseFrame(f, &r))
	return f, r
}

func runOnce(t testing.TB, x *XDP, frame []byte) {
	if _, err := x.objs.SynfpXdp.Run(&ebpf.RunOptions{Data: frame}); err != nil {
		t.Fatal(err)
	}
}

// TestCacheEviction pins the replacement policy of the record cache: a
// retransmitted SYN replaces its connection's record, a new connection the
// older record of its bucket.
func TestCacheEviction(t *testing.T) {
	x := loadForTest(t, []uint16{25})
	// Connections hashing into one bucket.
	var srcs []netip.AddrPort
	bucket := uint32(0)
	for p := uint16(1024); len(srcs) < 4; p++ {
		src := netip.AddrPortFrom(netip.MustParseAddr("10.9.8.7"), p)
		k := capture.KeyOf(src, netip.MustParseAddrPort("192.0.2.1:25"))
		if b := hashKey(x.seed, &k) & x.mask; len(srcs) == 0 || b == bucket {
			bucket = b
			srcs = append(srcs, src)
		}
	}
	dst := netip.MustParseAddrPort("192.0.2.1:25")
	has := func(src netip.AddrPort, ttl uint8) bool {
		var r fingerprint.Record
		return x.Lookup(src, dst, &r) && r.TTL == ttl
	}
	f0, _ := synFrom(t, srcs[0], 64)
	f1, _ := synFrom(t, srcs[1], 64)
	runOnce(t, x, f0)
	runOnce(t, x, f1)
	if !has(srcs[0], 64) || !has(srcs[1], 64) {
		t.Fatal("a bucket does not hold two connections")
	}
	// A retransmission (here with another TTL) replaces its own record.
	f0b, _ := synFrom(t, srcs[0], 63)
	runOnce(t, x, f0b)
	if !has(srcs[0], 63) || !has(srcs[1], 64) {
		t.Fatal("a retransmitted SYN did not replace its own record")
	}
	// A third connection replaces the older record: srcs[1]'s.
	f2, _ := synFrom(t, srcs[2], 64)
	runOnce(t, x, f2)
	if !has(srcs[0], 63) || has(srcs[1], 64) || !has(srcs[2], 64) {
		t.Fatal("a new connection did not replace the older record")
	}
	f3, _ := synFrom(t, srcs[3], 64)
	runOnce(t, x, f3)
	if has(srcs[0], 63) || !has(srcs[2], 64) || !has(srcs[3], 64) {
		t.Fatal("a new connection did not replace the older record")
	}
}

// TestCacheRetention checks, with the default number of entries, how many
// records outlive the SYNs of new connections that follow: the figures of
// the package documentation (96% after 10000, 99.9% after 1000).
func TestCacheRetention(t *testing.T) {
	requireRoot(t, "loading the XDP program")
	cfg, err := capture.Config{Interface: "lo", Ports: []uint16{25}}.WithDefaults()
	must(t, err)
	x, err := load(cfg)
	must(t, err)
	defer x.Close()
	const n = 11000
	tmpl := floodTemplate(syntest.ServerMAC, syntest.ClientMAC)
	for i := range n {
		s := floodSource(i)
		a := s.Addr().As4()
		copy(tmpl[14+12:], a[:])
		tmpl[14+20], tmpl[14+21] = byte(s.Port()>>8), byte(s.Port())
		runOnce(t, x, tmpl)
	}
	kept := func(from, to int) float64 {
		var r fingerprint.Record
		k := 0
		for i := from; i < to; i++ {
			if x.Lookup(floodSource(i), netip.MustParseAddrPort("192.0.2.1:25"), &r) {
				k++
			}
		}
		return float64(k) / float64(to-from)
	}
	old, recent := kept(0, 1000), kept(n-1000, n)
	t.Logf("kept %.1f%% of the records followed by 10000-11000 SYNs, %.2f%% of those followed by at most 1000", 100*old, 100*recent)
	if old < 0.93 || recent < 0.995 {
		t.Errorf("retention below the documented figures")
	}
}

// TestFindWay checks that Lookup believes a record only when two copies of
// its bucket agree and no write is under way.
func TestFindWay(t *testing.T) {
	var r fingerprint.Record
	r.Src[15], r.SrcPort, r.DstPort = 7, 1234, 25
	key := capture.RecordKey(&r)
	const h = 0xabcdef12
	var a synBucket
	a.Way[1] = synWay{Tag: h, Seq: 2, SeenNs: 1000, Rec: r}
	a.Way[0] = synWay{Tag: 0x1111, Seq: 4, SeenNs: 900}
	for _, tc := range []struct {
		name   string
		change func(b *synBucket)
		way    int
		stable bool
	}{
		{"same copies", func(*synBucket) {}, 1, true},
		{"other way changed", func(b *synBucket) { b.Way[0].Seq, b.Way[0].SeenNs = 6, 2000 }, 1, true},
		{"written between", func(b *synBucket) { b.Way[1].Seq, b.Way[1].Rec.TTL = 4, 9 }, -1, false},
		{"being written", func(b *synBucket) { b.Way[1].Seq = 3 }, -1, false},
		{"replaced by another key", func(b *synBucket) { b.Way[1].Tag, b.Way[1].Seq = 0x2222, 4 }, -1, false},
		{"torn alike", func(b *synBucket) {}, -1, false},
		{"hash collision", func(b *synBucket) {}, -1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, y := a, a
			switch tc.name {
			case "torn alike":
				x.Way[1].Seq, y.Way[1].Seq = 5, 5
			case "hash collision":
				x.Way[1].Rec.SrcPort, y.Way[1].Rec.SrcPort = 999, 999
			}
			tc.change(&y)
			way, stable := findWay(&x, &y, h, &key)
			if way != tc.way || stable != tc.stable {
				t.Errorf("findWay = %d, %v; want %d, %v", way, stable, tc.way, tc.stable)
			}
		})
	}
}
