//go:build linux && (386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64)

package synfp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/spampots/spampots/fingerprint"
	"github.com/spampots/spampots/fingerprint/capture"
	"github.com/spampots/spampots/fingerprint/capture/afpacket"
	"github.com/spampots/spampots/fingerprint/syntest"
)

// floodEnv carries the sender subprocess's parameters:
// "<interface> <count> <rate/s> <dst MAC hex> <src MAC hex>".
const floodEnv = "SYNFP_FLOOD_SENDER"

// floodTemplate is the flood's SYN: Linux 3.11+'s, from floodSource(0) to
// 192.0.2.1:25 (an address the sensor namespace drops, so that its stack
// costs the same little in every phase).
func floodTemplate(dst, src [6]byte) []byte {
	s := syntest.SYN{TTL: 64, DF: true, ID: 0x3b1c, Win: 29200, Seq: 0x1f2e3d4c,
		Opts: syntest.Opts(syntest.OptMSS(1460), syntest.OptSOK(), syntest.OptTS(0x00a1b2c3, 0), syntest.OptNOP(), syntest.OptWS(7)),
		Src:  floodSource(0), Dst: netip.MustParseAddrPort("192.0.2.1:25")}
	return syntest.EthernetTo(s.Packet(), dst, src)
}

// floodSource is the client of the flood's i-th SYN: 4096 hosts in
// 10.64.0.0/20, each from successive ports, so every SYN opens a new flow.
func floodSource(i int) netip.AddrPort {
	h := i % 4096
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 64, byte(h >> 8), byte(h)}), uint16(1024+i/4096))
}

// TestFloodSender is BenchmarkSYNFlood's sender, run by it in the peer
// namespace as a subprocess so that its CPU time is measured apart: it
// writes the SYNs to an AF_PACKET socket (bypassing the qdisc) at the given
// rate and prints "SENT <count> <nanoseconds>".
func TestFloodSender(t *testing.T) {
	spec := os.Getenv(floodEnv)
	if spec == "" {
		t.Skip("the SYN flood sender of BenchmarkSYNFlood, run as its subprocess")
	}
	var (
		ifname, dstHex, srcHex string
		count, rate            int
	)
	if _, err := fmt.Sscan(spec, &ifname, &count, &rate, &dstHex, &srcHex); err != nil {
		t.Fatalf("%s=%q: %v", floodEnv, spec, err)
	}
	dst, err1 := hex.DecodeString(dstHex)
	src, err2 := hex.DecodeString(srcHex)
	ifc, err3 := net.InterfaceByName(ifname)
	if err := errors.Join(err1, err2, err3); err != nil || len(dst) != 6 || len(src) != 6 {
		t.Fatalf("%s=%q: %v", floodEnv, spec, err)
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	must(t, err)
	defer unix.Close(fd)
	must(t, unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_QDISC_BYPASS, 1))
	must(t, unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: ifc.Index}))

	f := floodTemplate([6]byte(dst), [6]byte(src))
	start := time.Now()
	for i := range count {
		s := floodSource(i)
		a := s.Addr().As4()
		copy(f[14+12:], a[:])
		f[14+20], f[14+21] = byte(s.Port()>>8), byte(s.Port())
		for {
			_, err := unix.Write(fd, f)
			if err == nil {
				break
			}
			if !errors.Is(err, unix.ENOBUFS) && !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
				t.Fatal(err)
			}
		}
		if i%64 == 63 {
			if d := time.Duration(i+1)*time.Second/time.Duration(rate) - time.Since(start); d > 0 {
				time.Sleep(d)
			}
		}
	}
	fmt.Printf("SENT %d %d\n", count, time.Since(start).Nanoseconds())
}

// phaseResult is one flood through one capture path.
type phaseResult struct {
	sent        int
	elapsed     time.Duration
	cpu         time.Duration // sender + ksoftirqd + the consumer (this process, or p0f)
	consumer    time.Duration // this process (AF_PACKET) or p0f, alone
	seen        int           // SYNs the path processed
	drops       uint64        // AF_PACKET ring overflows
	progNs      float64       // XDP: bpf_stats run time per packet
	retrievable int           // of the last 1000 flows, records Lookup finds
}

// BenchmarkSYNFlood floods SYNs (200000 by default, or -benchtime=Nx with
// N >= 10000) at 100000/s (SYNFP_FLOOD_RATE) from a peer namespace across a
// veth pair, once with nothing capturing (the baseline) and once through
// each path: XDP native, XDP generic, AF_PACKET, p0f 3.09b. Each path's CPU
// time per SYN is what it adds to the baseline, counting the sender (whose
// writes run the receive path in softirq), ksoftirqd, and the consumer (this
// process for AF_PACKET, p0f for p0f). Phases repeat SYNFP_FLOOD_ROUNDS
// times (3), interleaved; medians are reported, with the ratios to XDP and
// the SYNs each path missed.
func BenchmarkSYNFlood(b *testing.B) {
	np := newNetPair(b)
	count := 200_000
	if b.N >= 10_000 {
		count = b.N
	}
	rate := envInt(b, "SYNFP_FLOOD_RATE", 100_000)
	rounds := envInt(b, "SYNFP_FLOOD_ROUNDS", 3)
	phases := []string{"baseline", "pass-native", "xdp-native", "pass-generic", "xdp-generic", "afpacket"}
	if p0fPath() != "" {
		phases = append(phases, "p0f")
	} else {
		b.Log("p0f not installed: measuring XDP and AF_PACKET only")
	}
	if s := os.Getenv("SYNFP_FLOOD_PHASES"); s != "" {
		phases = strings.Fields(s)
	}
	stats, err := ebpf.EnableStats(unix.BPF_STATS_RUN_TIME)
	if err != nil {
		b.Fatalf("enabling BPF run-time statistics: %v", err)
	}
	defer stats.Close()

	results := map[string][]phaseResult{}
	for range rounds {
		for _, ph := range phases {
			results[ph] = append(results[ph], floodPhase(b, np, ph, count, rate))
		}
	}

	med := func(ph string, f func(phaseResult) float64) float64 {
		var v []float64
		for _, r := range results[ph] {
			v = append(v, f(r))
		}
		if len(v) == 0 {
			return 0
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	perSYN := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(count) }
	cpu := func(ph string) float64 { return med(ph, func(r phaseResult) float64 { return perSYN(r.cpu) }) }
	// What each path adds to the same receive path without it: XDP to the
	// same XDP mode running a program that only returns XDP_PASS (veth's
	// XDP modes cost by themselves: native copies each skb into a page,
	// generic reallocates its head), the others to no XDP at all.
	baseOf := map[string]string{"xdp-native": "pass-native", "xdp-generic": "pass-generic",
		"pass-native": "baseline", "pass-generic": "baseline", "afpacket": "baseline", "p0f": "baseline"}
	cost := map[string]float64{}
	b.Logf("%d SYNs per phase at %d/s, %d rounds, medians. CPU per SYN of the receive path without capture: %.0f ns", count, rate, rounds, cpu("baseline"))
	b.Logf("%-12s %8s %-12s %9s %9s %9s %8s %7s %9s", "path", "ns/SYN", "(above)", "consumer", "prog ns", "missed", "drops", "lookup", "rate/s")
	for _, ph := range phases {
		base, ok := baseOf[ph]
		if !ok || results[base] == nil {
			continue
		}
		cost[ph] = cpu(ph) - cpu(base)
		missed := med(ph, func(r phaseResult) float64 { return float64(r.sent - r.seen) })
		if strings.HasPrefix(ph, "pass-") {
			missed = 0
		}
		b.Logf("%-12s %8.0f %-12s %9.0f %9.0f %9.0f %8.0f %6.0f%% %9.0f", ph, cost[ph], "("+base+")",
			med(ph, func(r phaseResult) float64 { return perSYN(r.consumer) }),
			med(ph, func(r phaseResult) float64 { return r.progNs }),
			missed,
			med(ph, func(r phaseResult) float64 { return float64(r.drops) }),
			med(ph, func(r phaseResult) float64 { return float64(r.retrievable) / 10 }),
			med(ph, func(r phaseResult) float64 { return float64(r.sent) / r.elapsed.Seconds() }))
		if !strings.HasPrefix(ph, "pass-") {
			b.ReportMetric(cost[ph], ph+"-ns/SYN")
			b.ReportMetric(missed, ph+"-missed")
		}
	}
	if x := cost["xdp-native"]; x > 0 {
		for _, ph := range []string{"xdp-generic", "afpacket", "p0f"} {
			if c, ok := cost[ph]; ok {
				b.Logf("%s / xdp-native: %.1fx", ph, c/x)
				b.ReportMetric(c/x, ph+"/xdp-native")
			}
		}
	}
	b.ReportMetric(med("xdp-native", func(r phaseResult) float64 { return r.progNs }), "xdp-prog-ns/SYN")
	b.ReportMetric(0, "ns/op")
}

func envInt(tb testing.TB, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		tb.Fatalf("%s=%q: want a positive number", name, s)
	}
	return n
}

// floodPhase sets up one path, floods, waits until the path has processed
// what it will, and measures.
func floodPhase(b *testing.B, np *netPair, phase string, count, rate int) phaseResult {
	b.Helper()
	cfg := capture.Config{Interface: sensorIf, Ports: []uint16{25}, Entries: envInt(b, "SYNFP_FLOOD_ENTRIES", capture.DefaultEntries)}
	var (
		c    capture.Capture
		x    *XDP
		afp  *afpacket.Capture
		p0f  *p0fRun
		seen func() int
	)
	switch phase {
	case "pass-native", "pass-generic":
		mode := link.XDPDriverMode
		if phase == "pass-generic" {
			mode = link.XDPGenericMode
		}
		prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
			Type:         ebpf.XDP,
			Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, xdpPass), asm.Return()},
			License:      "MIT",
		})
		must(b, err)
		defer prog.Close()
		var l link.Link
		must(b, inNetns(np.sensorNS, func() (err error) {
			l, err = link.AttachXDP(link.XDPOptions{Program: prog, Interface: np.sensorIdx, Flags: mode})
			return err
		}))
		defer l.Close()
	case "xdp-native", "xdp-generic":
		mode := link.XDPDriverMode
		if phase == "xdp-generic" {
			mode = link.XDPGenericMode
		}
		must(b, inNetns(np.sensorNS, func() (err error) {
			x, err = attachXDP(cfg, []link.XDPAttachFlags{mode})
			return err
		}))
		c = x
	case "afpacket":
		must(b, inNetns(np.sensorNS, func() (err error) {
			afp, err = afpacket.Open(cfg)
			return err
		}))
		c = afp
	case "p0f":
		p0f = startP0f(b, np.sensorNS, sensorIf, false)
		seen = func() int { return int(p0f.synReports.Load()) }
	}
	if c != nil {
		defer c.Close()
		seen = func() int { return int(c.Counters()[25].SYNs) }
	}
	var progBefore *ebpf.ProgramStats
	if x != nil {
		var err error
		progBefore, err = x.objs.SynfpXdp.Stats()
		must(b, err)
	}

	before := cpuSnapshot(b, p0f)
	cmd := exec.Command("ip", "netns", "exec", np.peerNS, os.Args[0], "-test.run=^TestFloodSender$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d %d %x %x", floodEnv, peerIf, count, rate, np.sensorMAC, np.peerMAC))
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("sender: %v\n%s", err, out)
	}
	var res phaseResult
	if i := bytes.Index(out, []byte("SENT ")); i < 0 {
		b.Fatalf("sender: %s", out)
	} else {
		var ns int64
		fmt.Sscan(string(out[i+5:]), &res.sent, &ns)
		res.elapsed = time.Duration(ns)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	sender := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())

	// Wait until the path has processed everything, or stopped making
	// progress (it missed the rest).
	if seen != nil {
		last, lastChange := -1, time.Now()
		for n := seen(); n < res.sent; n = seen() {
			if n != last {
				last, lastChange = n, time.Now()
			} else if time.Since(lastChange) > time.Second {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		res.seen = seen()
	}
	after := cpuSnapshot(b, p0f)
	res.consumer = after.consumer - before.consumer
	res.cpu = sender + after.ksoftirqd - before.ksoftirqd + res.consumer
	if phase != "afpacket" && phase != "p0f" {
		// Nothing of this process works for these paths: its own CPU
		// time is counted in the baseline only, as noise.
		res.cpu = sender + after.ksoftirqd - before.ksoftirqd
		if phase == "baseline" {
			res.cpu += res.consumer
		}
	}
	if x != nil {
		st, err := x.objs.SynfpXdp.Stats()
		must(b, err)
		if n := st.RunCount - progBefore.RunCount; n > 0 {
			res.progNs = float64((st.Runtime - progBefore.Runtime).Nanoseconds()) / float64(n)
		}
	}
	if afp != nil {
		res.drops = afp.Drops()
	}
	if c != nil {
		var r fingerprint.Record
		for i := max(0, res.sent-1000); i < res.sent; i++ {
			if c.Lookup(floodSource(i), netip.MustParseAddrPort("192.0.2.1:25"), &r) {
				res.retrievable++
			}
		}
	}
	if p0f != nil {
		p0f.stop()
	}
	return res
}

type cpuTimes struct {
	ksoftirqd time.Duration // all ksoftirqd threads
	consumer  time.Duration // p0f if running, else this process
}

func cpuSnapshot(b *testing.B, p0f *p0fRun) cpuTimes {
	var t cpuTimes
	comms, _ := filepath.Glob("/proc/[0-9]*/comm")
	for _, c := range comms {
		if name, err := os.ReadFile(c); err == nil && strings.HasPrefix(string(name), "ksoftirqd/") {
			t.ksoftirqd += schedRuntime(filepath.Dir(c))
		}
	}
	if p0f != nil {
		t.consumer = schedRuntime(fmt.Sprintf("/proc/%d", p0f.cmd.Process.Pid))
	} else {
		var ru unix.Rusage
		must(b, unix.Getrusage(unix.RUSAGE_SELF, &ru))
		t.consumer = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return t
}

// schedRuntime returns the CPU time of a (single-threaded) task from
// /proc/<pid>/schedstat, in nanoseconds.
func schedRuntime(dir string) time.Duration {
	s, err := os.ReadFile(filepath.Join(dir, "schedstat"))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(s))
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.ParseInt(f[0], 10, 64)
	return time.Duration(n)
}
