package afpacket

import (
	"testing"

	"golang.org/x/net/bpf"

	"github.com/spampots/spampots/fingerprint"
	"github.com/spampots/spampots/fingerprint/capture"
	"github.com/spampots/spampots/fingerprint/syntest"
)

var portSets = []struct {
	name  string
	ports []uint16
}{
	{"port 25", []uint16{25}},
	{"ports 26 25", []uint16{26, 25}},
	{"64 ports", sixtyFourPorts()},
	{"all ports", nil},
}

func sixtyFourPorts() []uint16 {
	p := make([]uint16, 64)
	for i := range p {
		p[i] = uint16(1000 + i)
	}
	p[63] = 25
	return p
}

// TestFilter runs the classic BPF filter in x/net/bpf's VM on every variant
// frame and checks that it passes what the Go side needs, and little else:
// the whole frame of every SYN ParseFrame accepts to a watched port; enough
// of every segment TCPDstPort counts to count it the same; nothing of a
// frame TCPDstPort refuses, except IPv4 headers shorter than 20 bytes,
// which Go drops.
func TestFilter(t *testing.T) {
	frames := syntest.Variants(4000, 2)
	for _, ps := range portSets {
		t.Run(ps.name, func(t *testing.T) {
			vm, err := bpf.NewVM(program(ps.ports, false))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := filter(ps.ports); err != nil {
				t.Fatal(err)
			}
			watched := map[uint16]bool{}
			for _, p := range ps.ports {
				watched[p] = true
			}
			var full, counted int
			for _, f := range frames {
				snap, err := vm.Run(f.Data)
				if err != nil {
					t.Fatalf("%s: %v", f.Name, err)
				}
				kept := f.Data[:min(snap, len(f.Data))]
				port, ok := capture.TCPDstPort(f.Data)
				var r fingerprint.Record
				if fingerprint.ParseFrame(f.Data, &r) == nil && r.IsSYN() && (len(ps.ports) == 0 || watched[r.DstPort]) {
					if snap < len(f.Data) {
						t.Errorf("%s: a SYN to record, kept %d of %d bytes", f.Name, snap, len(f.Data))
					}
					full++
				}
				switch kp, kok := capture.TCPDstPort(kept); {
				case ok && (!kok || kp != port):
					t.Errorf("%s: counted on port %d, but the %d bytes kept give %d %v", f.Name, port, snap, kp, kok)
				case !ok && snap > 0 && !shortIPv4Header(f.Data):
					t.Errorf("%s: not TCP, yet kept %d bytes", f.Name, snap)
				case ok:
					counted++
				}
			}
			t.Logf("%d frames: %d kept whole, %d counted", len(frames), full, counted)
		})
	}
}

// shortIPv4Header reports a frame whose (untagged or tagged) IPv4 header
// length is below 20 bytes, which the filter does not check.
func shortIPv4Header(f []byte) bool {
	for off := 14; off <= 22 && off < len(f); off += 4 {
		if f[off-2] == 0x08 && f[off-1] == 0x00 || f[off-2] == 0x86 && f[off-1] == 0xdd {
			return f[off]>>4 == 4 && f[off]&0x0f < 5
		}
	}
	return false
}
