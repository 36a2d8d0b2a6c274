//go:build linux && (386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64)

package synfp

import (
	"errors"
	"os"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/spampots/spampots/fingerprint"
	"github.com/spampots/spampots/fingerprint/capture"
	"github.com/spampots/spampots/fingerprint/syntest"
)

const xdpPass = 2 // enum xdp_action

// requireRoot skips a test that needs root for what (loading XDP programs,
// creating network namespaces) when the process is not root.
func requireRoot(tb testing.TB, what string) {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skipf("%s needs root (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN): skipping", what)
	}
}

// loadForTest loads the program and maps without attaching them, with a
// record cache of 16 buckets that tests can scan whole.
func loadForTest(tb testing.TB, ports []uint16) *XDP {
	tb.Helper()
	requireRoot(tb, "loading the XDP program")
	cfg, err := capture.Config{Interface: "lo", Ports: ports, Entries: 16 * ways}.WithDefaults()
	if err != nil {
		tb.Fatal(err)
	}
	x, err := load(cfg)
	if err != nil {
		tb.Fatalf("load: %v", err)
	}
	tb.Cleanup(func() { x.Close() })
	return x
}

// TestProgramRun is the differential test: every frame of
// syntest.Variants (the crafted SYNs of every stack, tagged, padded,
// truncated, malformed, with other flags, and 4000 random mutations) runs
// through the XDP program (BPF_PROG_TEST_RUN) and through
// fingerprint.ParseFrame / capture.TCPDstPort. The program must return
// XDP_PASS and leave the frame as it was, store a record exactly when Go
// accepts a SYN to a watched port, byte-identical to Go's, and count every
// frame Go counts, on the same port.
func TestProgramRun(t *testing.T) {
	requireRoot(t, "running the XDP program")
	frames := syntest.Variants(4000, 1)
	for _, mode := range []struct {
		name  string
		ports []uint16
	}{
		{"port 25 watched", []uint16{25}},
		{"ports 26 25 watched", []uint16{26, 25}},
		{"all ports", nil},
	} {
		t.Run(mode.name, func(t *testing.T) {
			x := loadForTest(t, mode.ports)
			watched := map[uint16]bool{}
			for _, p := range mode.ports {
				watched[p] = true
			}
			want := map[uint16]capture.PortCounters{}
			for _, p := range mode.ports {
				want[p] = capture.PortCounters{}
			}
			want[capture.OtherPorts] = capture.PortCounters{}
			recorded := 0
			for _, f := range frames {
				var r fingerprint.Record
				goErr := fingerprint.ParseFrame(f.Data, &r)
				record := goErr == nil && r.IsSYN() && (len(mode.ports) == 0 || watched[r.DstPort])
				port, counted := capture.TCPDstPort(f.Data)
				if counted {
					key := port
					if !watched[port] {
						key = capture.OtherPorts
					}
					c := want[key]
					c.Packets++
					c.Bytes += uint64(len(f.Data))
					if record {
						c.SYNs++
					}
					want[key] = c
				} else if record {
					t.Fatalf("%s: ParseFrame accepts a SYN that TCPDstPort does not count", f.Name)
				}

				got, ok := runFrame(t, x, f.Data)
				switch {
				case !ok:
					continue // frame too short for BPF_PROG_TEST_RUN
				case record && got == nil:
					t.Errorf("%s: Go records %s, XDP records nothing", f.Name, r.Signature())
				case !record && got != nil:
					t.Errorf("%s: XDP records %s, Go does not (%v)", f.Name, got.Signature(), goErr)
				case record && *got != r:
					t.Errorf("%s: records differ\n  Go: %+v\n XDP: %+v", f.Name, r, *got)
				}
				if record {
					recorded++
				}
			}
			if got := x.Counters(); !equalCounters(got, want) {
				t.Errorf("counters:\n XDP: %v\n  Go: %v", got, want)
			}
			t.Logf("%d frames, %d SYNs recorded, counters %v", len(frames), recorded, want)
		})
	}
}

// runFrame runs the program on frame and returns the record it stored (and
// removes it), or nil. It checks that the record sits where Go's hash puts
// it and that Lookup finds it. ok is false when the kernel refuses so short
// a frame.
func runFrame(t *testing.T, x *XDP, frame []byte) (rec *fingerprint.Record, ok bool) {
	t.Helper()
	out := make([]byte, len(frame)+256)
	opts := ebpf.RunOptions{Data: frame, DataOut: out}
	ret, err := x.objs.SynfpXdp.Run(&opts)
	if err != nil {
		if len(frame) < 14 && errors.Is(err, unix.EINVAL) {
			return nil, false
		}
		t.Fatalf("run %d-byte frame: %v", len(frame), err)
	}
	if ret != xdpPass {
		t.Errorf("XDP returned %d, want XDP_PASS", ret)
	}
	if string(opts.DataOut) != string(frame) {
		t.Errorf("XDP changed the frame")
	}
	var b synBucket
	for i := uint32(0); i <= x.mask; i++ {
		must(t, x.objs.Syns.Lookup(&i, &b))
		found := false
		for w := range ways {
			if b.Way[w].SeenNs == 0 {
				continue
			}
			if rec != nil || found {
				t.Errorf("more than one record stored")
			}
			found = true
			r := b.Way[w].Rec
			rec = &r
			k := capture.RecordKey(&r)
			if h := hashKey(x.seed, &k); h != b.Way[w].Tag || h&x.mask != i {
				t.Errorf("stored in bucket %d with hash %#x; Go's hash is %#x", i, b.Way[w].Tag, h)
			}
			var got fingerprint.Record
			if !x.Lookup(r.SrcAddrPort(), r.DstAddrPort(), &got) || got != r {
				t.Errorf("Lookup(%v, %v) does not find the record", r.SrcAddrPort(), r.DstAddrPort())
			}
		}
		if found {
			must(t, x.objs.Syns.Put(&i, &synBucket{}))
		}
	}
	return rec, true
}

func equalCounters(a, b map[uint16]capture.PortCounters) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
