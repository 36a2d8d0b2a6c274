//go:build linux && (386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64)

package synfp

import (
	"testing"

	"github.com/cilium/ebpf"
	"time"

	"github.com/spampots/spampots/fingerprint"
	"github.com/spampots/spampots/fingerprint/capture"
	"github.com/spampots/spampots/fingerprint/syntest"
)

// BenchmarkProgram times the XDP program in the kernel (BPF_PROG_TEST_RUN)
// on: an ACK, which it only counts; the same SYN again and again, whose
// record stays in cache; and SYNs of new connections, each to a random
// bucket of the default-sized cache, as in a flood (one run per call, the
// kernel's own timing of each summed, the system call left out).
func BenchmarkProgram(b *testing.B) {
	cfg, err := capture.Config{Interface: "lo", Ports: []uint16{25}}.WithDefaults()
	must(b, err)
	requireRoot(b, "loading the XDP program")
	x, err := load(cfg)
	must(b, err)
	defer x.Close()
	syn := floodTemplate(syntest.ServerMAC, syntest.ClientMAC)
	ack := append([]byte(nil), syn...)
	ack[14+20+13] = syntest.FlagACK
	for _, bc := range []struct {
		name  string
		frame []byte
	}{{"ACK", ack}, {"SYN", syn}} {
		b.Run(bc.name, func(b *testing.B) {
			ret, d, err := x.objs.SynfpXdp.Benchmark(bc.frame, b.N, b.ResetTimer)
			if err != nil {
				b.Fatal(err)
			}
			if ret != xdpPass {
				b.Fatalf("returned %d", ret)
			}
			b.ReportMetric(float64(d.Nanoseconds()), "ns/op")
		})
	}
	b.Run("SYN new flows", func(b *testing.B) {
		f := append([]byte(nil), syn...)
		var total time.Duration
		for i := range b.N {
			s := floodSource(i)
			a := s.Addr().As4()
			copy(f[14+12:], a[:])
			f[14+20], f[14+21] = byte(s.Port()>>8), byte(s.Port())
			_, d, err := x.objs.SynfpXdp.Benchmark(f, 1, nil)
			if err != nil {
				b.Fatal(err)
			}
			total += d
		}
		b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "ns/op")
	})
}

// BenchmarkLookup reads a record back as the sensor does at accept time.
func BenchmarkLookup(b *testing.B) {
	x := loadForTest(b, []uint16{25})
	c := syntest.Cases()[0]
	frame := syntest.Ethernet(c.SYN.Packet())
	if _, err := x.objs.SynfpXdp.Run(&ebpf.RunOptions{Data: frame}); err != nil {
		b.Fatal(err)
	}
	var r fingerprint.Record
	if !x.Lookup(c.SYN.Src, c.SYN.Dst, &r) {
		b.Fatal("no record")
	}
	b.ReportAllocs()
	for b.Loop() {
		x.Lookup(c.SYN.Src, c.SYN.Dst, &r)
	}
}

// TestLookupNoAllocs pins Lookup at zero allocations, hit or miss.
func TestLookupNoAllocs(t *testing.T) {
	x := loadForTest(t, []uint16{25})
	c := syntest.Cases()[0]
	if _, err := x.objs.SynfpXdp.Run(&ebpf.RunOptions{Data: syntest.Ethernet(c.SYN.Packet())}); err != nil {
		t.Fatal(err)
	}
	var r fingerprint.Record
	if !x.Lookup(c.SYN.Src, c.SYN.Dst, &r) {
		t.Fatal("no record")
	}
	miss := syntest.Cases()[1].SYN
	allocs := testing.AllocsPerRun(1000, func() {
		x.Lookup(c.SYN.Src, c.SYN.Dst, &r)
		x.Lookup(miss.Src, miss.Dst, &r)
	})
	if allocs > 0 {
		t.Errorf("Lookup: %v allocations per hit and miss", allocs)
	}
	// A record older than MaxAge is not returned.
	x.maxAge = time.Nanosecond
	x.baseTime = x.baseTime.Add(-time.Second)
	if x.Lookup(c.SYN.Src, c.SYN.Dst, &r) {
		t.Errorf("a record older than MaxAge was returned")
	}
}
