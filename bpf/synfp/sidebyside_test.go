//go:build linux && (386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64)

package synfp

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cilium/ebpf/link"

	"github.com/spampots/spampots/fingerprint"
	"github.com/spampots/spampots/fingerprint/capture"
	"github.com/spampots/spampots/fingerprint/capture/afpacket"
	"github.com/spampots/spampots/fingerprint/syntest"
)

// sentSYN is a SYN the test sent and what it knows about it.
type sentSYN struct {
	name     string
	src, dst netip.AddrPort
	frame    []byte // crafted: the frame sent
	wantOS   string // crafted: the label p0f gave when the case was written
	atAccept *fingerprint.Record
}

type accepted struct {
	src, dst netip.AddrPort
	rec      *fingerprint.Record // XDP's record at accept time, or nil
}

// TestSideBySide replays the crafted SYNs of every stack (syntest.Cases:
// Linux, Android, Windows, macOS and iOS, FreeBSD, OpenBSD, Solaris, …)
// and real SYNs of the kernel's TCP stack (IPv4, IPv6, several socket
// options) across a veth pair between two network namespaces. On the
// sensor side, the XDP program (native, then generic mode), the AF_PACKET
// capture and p0f 3.09b capture the same interface at once. For every SYN,
// the records read back through Lookup must be identical on both paths
// (and to ParseFrame's for crafted frames), and fingerprint's label,
// params and raw_sig for them must be p0f's. XDP's record must be there
// when the connection is accepted. The counters must count exactly the
// segments and SYNs sent, the same on both paths.
func TestSideBySide(t *testing.T) {
	np := newNetPair(t)
	db, err := fingerprint.Default()
	must(t, err)
	p0f := startP0f(t, np.sensorNS, sensorIf, true)
	if p0f == nil {
		t.Log("p0f not installed (Debian package p0f): comparing with the labels p0f gave when the cases were written")
	}
	sender := newRawSender(t, np.peerNS, np.peerIndex)

	var ln net.Listener
	must(t, inNetns(np.sensorNS, func() (err error) {
		ln, err = net.Listen("tcp", ":25")
		return err
	}))
	t.Cleanup(func() { ln.Close() })
	var current atomic.Pointer[XDP]
	acc := make(chan accepted, 64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			a := accepted{src: c.RemoteAddr().(*net.TCPAddr).AddrPort(), dst: c.LocalAddr().(*net.TCPAddr).AddrPort()}
			var r fingerprint.Record
			if current.Load().Lookup(a.src, a.dst, &r) { // as the sensor will: at accept
				a.rec = &r
			}
			c.Close()
			acc <- a
		}
	}()

	for round, mode := range xdpModes {
		t.Run(modeName(mode), func(t *testing.T) {
			var (
				x   *XDP
				afp *afpacket.Capture
			)
			cfg := capture.Config{Interface: sensorIf, Ports: []uint16{25}}
			must(t, inNetns(np.sensorNS, func() (err error) {
				if x, err = attachXDP(cfg, []link.XDPAttachFlags{mode}); err != nil {
					return err
				}
				afp, err = afpacket.Open(cfg)
				return err
			}))
			defer x.Close()
			defer afp.Close()
			if x.Mode() != modeName(mode) {
				t.Fatalf("Mode() = %q", x.Mode())
			}
			current.Store(x)

			// Crafted SYNs, from new client ports each round.
			var syns []sentSYN
			want := capture.PortCounters{}
			for _, c := range syntest.Cases() {
				s := c.SYN
				s.Src = netip.AddrPortFrom(s.Src.Addr(), s.Src.Port()+uint16(1000*round))
				f := syntest.EthernetTo(s.Packet(), np.sensorMAC, np.peerMAC)
				must(t, sender.send(f))
				syns = append(syns, sentSYN{name: c.Name, src: s.Src, dst: s.Dst, frame: f, wantOS: c.OS})
				want = want.Add(capture.PortCounters{Packets: 1, Bytes: uint64(len(f)), SYNs: 1})
			}
			exact := map[uint16]capture.PortCounters{25: want, capture.OtherPorts: {}}
			waitFor(t, "both paths count the crafted SYNs", func() bool {
				return equalCounters(x.Counters(), exact) && equalCounters(afp.Counters(), exact)
			}, func() string {
				return fmt.Sprintf("XDP %v, AF_PACKET %v, want %v", x.Counters(), afp.Counters(), exact)
			})

			// The kernel's own SYNs.
			dials := map[netip.AddrPort]string{}
			for _, v := range syntest.KernelClients {
				dst := netip.AddrPortFrom(np.sensor4, 25)
				if v.Network == "tcp6" {
					dst = netip.AddrPortFrom(np.sensor6, 25)
				}
				src := dial(t, np.peerNS, v, dst)
				dials[src] = v.Name
				syns = append(syns, sentSYN{name: v.Name, src: src, dst: dst})
			}
			for range dials {
				select {
				case a := <-acc:
					name, ok := dials[unmap(a.src)]
					if !ok {
						t.Fatalf("accepted an unexpected connection from %v", a.src)
					}
					for i := range syns {
						if syns[i].name == name {
							syns[i].atAccept = a.rec
						}
					}
				case <-time.After(10 * time.Second):
					t.Fatal("connections not accepted")
				}
			}
			nSYN := uint64(len(syns))
			waitFor(t, "both paths count every SYN and segment alike", func() bool {
				xc, ac := x.Counters(), afp.Counters()
				return xc[25].SYNs == nSYN && equalCounters(xc, ac)
			}, func() string {
				return fmt.Sprintf("XDP %v, AF_PACKET %v, want %d SYNs", x.Counters(), afp.Counters(), nSYN)
			})
			var p0fSeen map[string]syntest.Observation
			if p0f != nil {
				waitFor(t, "p0f logs every SYN", func() bool {
					p0fSeen, _ = p0f.observations()
					for _, s := range syns {
						if _, ok := p0fSeen[syntest.P0fClient(s.src)]; !ok {
							return false
						}
					}
					return true
				}, func() string { return fmt.Sprintf("p0f logged %d clients", len(p0fSeen)) })
			}

			for _, s := range syns {
				t.Run(s.name, func(t *testing.T) {
					var xr, ar fingerprint.Record
					if !x.Lookup(s.src, s.dst, &xr) {
						t.Fatalf("XDP has no record of %v -> %v", s.src, s.dst)
					}
					if !afp.Lookup(s.src, s.dst, &ar) {
						t.Fatalf("AF_PACKET has no record of %v -> %v", s.src, s.dst)
					}
					if xr != ar {
						t.Errorf("records differ\n      XDP: %+v\nAF_PACKET: %+v", xr, ar)
					}
					if s.frame != nil {
						var gr fingerprint.Record
						must(t, fingerprint.ParseFrame(s.frame, &gr))
						if xr != gr {
							t.Errorf("XDP's record is not ParseFrame's\n  XDP: %+v\n  Go: %+v", xr, gr)
						}
					} else if s.atAccept == nil {
						t.Errorf("XDP had no record when the connection was accepted")
					} else if *s.atAccept != xr {
						t.Errorf("XDP's record changed after accept")
					}
					m := db.Match(&xr)
					ours := syntest.Observation{OS: m.String(), Params: m.Params(&xr), Raw: xr.Signature()}
					if s.wantOS != "" && ours.OS != s.wantOS {
						t.Errorf("label %q, p0f gave %q when the case was written", ours.OS, s.wantOS)
					}
					if p0f != nil {
						p := p0fSeen[syntest.P0fClient(s.src)]
						if p.OS != ours.OS || p.Params != ours.Params || p.Raw != ours.Raw {
							t.Errorf("p0f and spampots disagree\n p0f: %s|params=%s|raw_sig=%s\n  us: %s|params=%s|raw_sig=%s",
								p.OS, p.Params, p.Raw, ours.OS, ours.Params, ours.Raw)
						}
					}
					if testing.Verbose() {
						t.Logf("%-44s %s", ours.OS, ours.Raw)
					}
				})
			}
			t.Logf("%d SYNs; counters XDP %v, AF_PACKET %v", len(syns), x.Counters(), afp.Counters())
		})
	}
}

// dial connects from namespace ns with the kernel's stack and returns the
// client's address.
func dial(t *testing.T, ns string, v syntest.KernelClient, dst netip.AddrPort) netip.AddrPort {
	t.Helper()
	var local netip.AddrPort
	must(t, inNetns(ns, func() error {
		d := v.Dialer(0)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := d.DialContext(ctx, v.Network, dst.String())
		if err != nil {
			return fmt.Errorf("%s: %w", v.Name, err)
		}
		local = unmap(c.LocalAddr().(*net.TCPAddr).AddrPort())
		return c.Close()
	}))
	return local
}

func unmap(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}

// waitFor polls cond until it holds, or fails the test after 20 seconds
// with what, and state's description of what it saw.
func waitFor(t *testing.T, what string, cond func() bool, state func() string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waiting until %s: %s", what, state())
		}
		<-tick.C
	}
}
