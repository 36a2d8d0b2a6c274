package afpacket

import (
	"testing"
	"time"

	"github.com/spampots/spampots/fingerprint"
	"github.com/spampots/spampots/fingerprint/capture"
	"github.com/spampots/spampots/fingerprint/syntest"
)

// TestRecorder feeds the variant frames to the recorder as the reader
// goroutine does, and checks its counters and records against
// fingerprint.ParseFrame and capture.TCPDstPort, like the XDP differential
// test does for the kernel side.
func TestRecorder(t *testing.T) {
	frames := syntest.Variants(4000, 4)
	t0 := time.Unix(1_700_000_000, 0)
	for _, ps := range portSets {
		t.Run(ps.name, func(t *testing.T) {
			cfg, err := capture.Config{Interface: "lo", Ports: ps.ports, MaxAge: time.Minute}.WithDefaults()
			if err != nil {
				t.Fatal(err)
			}
			rc := newRecorder(cfg)
			watched := map[uint16]bool{}
			want := map[uint16]capture.PortCounters{capture.OtherPorts: {}}
			for _, p := range ps.ports {
				watched[p] = true
				want[p] = capture.PortCounters{}
			}
			last := map[capture.Key]fingerprint.Record{}
			for _, f := range frames {
				rc.handle(f.Data, len(f.Data), t0)
				port, ok := capture.TCPDstPort(f.Data)
				if !ok {
					continue
				}
				key := port
				if !watched[port] {
					key = capture.OtherPorts
				}
				c := want[key]
				c.Packets++
				c.Bytes += uint64(len(f.Data))
				var r fingerprint.Record
				if fingerprint.ParseFrame(f.Data, &r) == nil && r.IsSYN() && (len(ps.ports) == 0 || watched[port]) {
					c.SYNs++
					last[capture.RecordKey(&r)] = r
				}
				want[key] = c
			}
			got := rc.counters()
			if len(got) != len(want) {
				t.Errorf("counters %v, want %v", got, want)
			}
			for k, w := range want {
				if got[k] != w {
					t.Errorf("port %d: counters %+v, want %+v", k, got[k], w)
				}
			}
			for _, r := range last {
				var g fingerprint.Record
				if !rc.lookup(r.SrcAddrPort(), r.DstAddrPort(), &g, t0.Add(time.Minute)) || g != r {
					t.Errorf("lookup %v -> %v: got %+v, want %+v", r.SrcAddrPort(), r.DstAddrPort(), g, r)
				}
				if rc.lookup(r.SrcAddrPort(), r.DstAddrPort(), &g, t0.Add(time.Minute+1)) {
					t.Errorf("lookup %v: record older than MaxAge returned", r.SrcAddrPort())
				}
			}
			t.Logf("%d records", len(last))
		})
	}
}

func TestHandleNoAllocs(t *testing.T) {
	cfg, _ := capture.Config{Interface: "lo", Ports: []uint16{25}}.WithDefaults()
	rc := newRecorder(cfg)
	cs := syntest.Cases()
	frames := make([][]byte, len(cs))
	for i, c := range cs {
		frames[i] = syntest.Ethernet(c.SYN.Packet())
	}
	now := time.Now()
	var r fingerprint.Record
	i := 0
	allocs := testing.AllocsPerRun(5000, func() {
		f := frames[i%len(frames)]
		rc.handle(f, len(f), now)
		rc.lookup(cs[i%len(cs)].SYN.Src, cs[i%len(cs)].SYN.Dst, &r, now)
		i++
	})
	if allocs > 0.01 {
		t.Errorf("handle+lookup: %v allocations per frame", allocs)
	}
}

func BenchmarkHandle(b *testing.B) {
	cfg, _ := capture.Config{Interface: "lo", Ports: []uint16{25}}.WithDefaults()
	rc := newRecorder(cfg)
	f := syntest.Ethernet(syntest.Cases()[0].SYN.Packet())
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		rc.handle(f, len(f), now)
	}
}
