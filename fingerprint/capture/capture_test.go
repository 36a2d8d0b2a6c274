package capture_test

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spampots/spampots/fingerprint"
	"github.com/spampots/spampots/fingerprint/capture"
	"github.com/spampots/spampots/fingerprint/syntest"
)

func TestConfig(t *testing.T) {
	c, err := capture.Config{Interface: "eth0", Ports: []uint16{25, 1080}}.WithDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.Entries != capture.DefaultEntries || c.MaxAge != capture.DefaultMaxAge || c.Logger == nil {
		t.Errorf("defaults not applied: %+v", c)
	}
	many := make([]uint16, capture.MaxPorts+1)
	for i := range many {
		many[i] = uint16(i + 1)
	}
	_, err = capture.Config{Ports: append(many, 0, 25), Entries: -1, MaxAge: -time.Second}.WithDefaults()
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, want := range []string{"no interface", "67 ports", "port 0", "port 25 watched twice", "-1 entries", "negative max age"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not report %q", err, want)
		}
	}
}

// TestTCPDstPort checks the counting rule on every variant frame: wherever
// fingerprint.ParseFrame accepts a frame, TCPDstPort gives its port; the
// frames it refuses are those without a readable TCP port.
func TestTCPDstPort(t *testing.T) {
	for _, f := range syntest.Variants(2000, 3) {
		port, ok := capture.TCPDstPort(f.Data)
		var r fingerprint.Record
		if fingerprint.ParseFrame(f.Data, &r) == nil && (!ok || port != r.DstPort) {
			t.Errorf("%s: ParseFrame gives port %d, TCPDstPort %d %v", f.Name, r.DstPort, port, ok)
		}
	}
	for _, tc := range []struct {
		name string
		f    []byte
		port uint16
		ok   bool
	}{
		{"ipv4", frame(0x0800, 0x45, 20, 6, 0), 25, true},
		{"ipv4 options", frame(0x0800, 0x46, 24, 6, 0), 25, true},
		{"ipv4 MF first fragment", frame(0x0800, 0x45, 20, 6, 0x2000), 25, true},
		{"ipv4 later fragment", frame(0x0800, 0x45, 20, 6, 0x0001), 0, false},
		{"ipv4 ihl 4", frame(0x0800, 0x44, 20, 6, 0), 0, false},
		{"ipv4 udp", frame(0x0800, 0x45, 20, 17, 0), 0, false},
		{"ipv4 port cut", frame(0x0800, 0x45, 20, 6, 0)[:14+20+3], 0, false},
		{"ipv6", frame(0x86dd, 0x60, 40, 6, 0), 25, true},
		{"ipv6 hop-by-hop", frame(0x86dd, 0x60, 40, 0, 0), 0, false},
		{"version decides", frame(0x0800, 0x60, 40, 6, 0), 25, true},
		{"arp", frame(0x0806, 0x45, 20, 6, 0), 0, false},
		{"vlan", syntest.Tag(frame(0x0800, 0x45, 20, 6, 0), 0x8100, 1), 25, true},
		{"qinq", syntest.Tag(syntest.Tag(frame(0x86dd, 0x60, 40, 6, 0), 0x8100, 1), 0x88a8, 2), 25, true},
		{"three tags", syntest.Tag(syntest.Tag(syntest.Tag(frame(0x0800, 0x45, 20, 6, 0), 0x8100, 1), 0x8100, 2), 0x88a8, 3), 0, false},
		{"empty", nil, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port, ok := capture.TCPDstPort(tc.f)
			if port != tc.port || ok != tc.ok {
				t.Errorf("TCPDstPort = %d %v, want %d %v", port, ok, tc.port, tc.ok)
			}
		})
	}
}

// frame builds an Ethernet frame with an IP header of hdrLen bytes whose
// first byte is verIHL, protocol (IPv4) or next header (IPv6) proto, IPv4
// flags and fragment offset frag, and the first 4 bytes of a TCP header to
// port 25.
func frame(et uint16, verIHL byte, hdrLen int, proto byte, frag uint16) []byte {
	f := make([]byte, 14+hdrLen+20)
	f[12], f[13] = byte(et>>8), byte(et)
	ip := f[14:]
	ip[0] = verIHL
	if verIHL>>4 == 6 {
		ip[6] = proto
	} else {
		ip[9] = proto
		ip[6], ip[7] = byte(frag>>8), byte(frag)
	}
	ip[hdrLen+2], ip[hdrLen+3] = 0, 25
	return f
}

func FuzzTCPDstPort(f *testing.F) {
	for _, fr := range syntest.Variants(0, 0) {
		f.Add(fr.Data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		port, ok := capture.TCPDstPort(data)
		var r fingerprint.Record
		if fingerprint.ParseFrame(data, &r) == nil && (!ok || port != r.DstPort) {
			t.Fatalf("ParseFrame gives port %d, TCPDstPort %d %v", r.DstPort, port, ok)
		}
	})
}

func rec(i int) fingerprint.Record {
	var r fingerprint.Record
	src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), uint16(1024+i))
	r.Src, r.SrcPort = src.Addr().As16(), src.Port()
	r.Dst, r.DstPort = netip.MustParseAddr("192.0.2.1").As16(), 25
	r.IPVersion, r.TTL, r.Seq = 4, 64, uint32(i)
	return r
}

func TestTable(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	tb := capture.NewTable(3, time.Minute)
	for i := range 4 {
		r := rec(i)
		tb.Put(&r, t0.Add(time.Duration(i)*time.Second))
	}
	if tb.Len() != 3 {
		t.Errorf("Len = %d, want 3", tb.Len())
	}
	var got fingerprint.Record
	r0 := rec(0)
	if tb.Get(capture.RecordKey(&r0), &got, t0) {
		t.Errorf("oldest record not evicted")
	}
	for i := 1; i < 4; i++ {
		r := rec(i)
		// Looked up as the sensor does: unmapped IPv4, from the accepted conn.
		src, dst := r.SrcAddrPort(), r.DstAddrPort()
		if !tb.Get(capture.KeyOf(src, dst), &got, t0.Add(10*time.Second)) || got != r {
			t.Errorf("record %d: got %v %+v", i, tb.Get(capture.KeyOf(src, dst), &got, t0), got)
		}
		mapped := netip.AddrPortFrom(netip.AddrFrom16(src.Addr().As16()), src.Port())
		if !tb.Get(capture.KeyOf(mapped, dst), &got, t0) {
			t.Errorf("record %d: not found by its IPv4-mapped address", i)
		}
	}
	// The same connection again replaces its record in place.
	r2 := rec(2)
	r2.TTL = 99
	tb.Put(&r2, t0.Add(5*time.Second))
	if !tb.Get(capture.RecordKey(&r2), &got, t0.Add(5*time.Second)) || got.TTL != 99 || tb.Len() != 3 {
		t.Errorf("replacing a record: TTL %d, Len %d", got.TTL, tb.Len())
	}
	r1 := rec(1)
	if !tb.Get(capture.RecordKey(&r1), &got, t0) {
		t.Errorf("replacing a record evicted another")
	}
	// Expiry.
	r3 := rec(3)
	if !tb.Get(capture.RecordKey(&r3), &got, t0.Add(3*time.Second+time.Minute)) {
		t.Errorf("record expired at exactly MaxAge")
	}
	if tb.Get(capture.RecordKey(&r3), &got, t0.Add(3*time.Second+time.Minute+1)) {
		t.Errorf("record older than MaxAge returned")
	}
}

// TestTableConcurrent runs one writer and several readers (run with -race).
func TestTableConcurrent(t *testing.T) {
	tb := capture.NewTable(128, time.Hour)
	now := time.Now()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			var got fingerprint.Record
			for i := range 2000 {
				r := rec((i + g) % 300)
				if tb.Get(capture.RecordKey(&r), &got, now) && got.Seq != r.Seq {
					panic(fmt.Sprintf("record %d has seq %d", i, got.Seq))
				}
			}
		})
	}
	for i := range 2000 {
		r := rec(i % 300)
		tb.Put(&r, now)
	}
	wg.Wait()
}

func TestTableNoAllocs(t *testing.T) {
	tb := capture.NewTable(1024, time.Hour)
	now := time.Now()
	recs := make([]fingerprint.Record, 4096)
	for i := range recs {
		recs[i] = rec(i)
		tb.Put(&recs[i], now)
	}
	var got fingerprint.Record
	i := 0
	allocs := testing.AllocsPerRun(10000, func() {
		tb.Put(&recs[i%len(recs)], now)
		tb.Get(capture.RecordKey(&recs[(i+4000)%len(recs)]), &got, now)
		i++
	})
	if allocs > 0.01 {
		t.Errorf("Put+Get: %v allocations per run", allocs)
	}
}

func BenchmarkTable(b *testing.B) {
	tb := capture.NewTable(capture.DefaultEntries, time.Hour)
	now := time.Now()
	recs := make([]fingerprint.Record, 1<<17)
	for i := range recs {
		recs[i] = rec(i)
	}
	var got fingerprint.Record
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tb.Put(&recs[i%len(recs)], now)
		tb.Get(capture.RecordKey(&recs[(i+len(recs)/2)%len(recs)]), &got, now)
		i++
	}
}
