package eval

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spampots/spampots/miner/mine"
)

// loadResult is one child's measurement.
type loadResult struct {
	Messages  int     `json:"messages"`
	Seconds   float64 `json:"seconds"`   // wall, generation and mining
	CPU       float64 `json:"cpu"`       // user+system seconds of the process
	GenCPU    float64 `json:"gen_cpu"`   // the generator's share, measured alone (0 when not)
	PeakRSS   int64   `json:"peak_rss"`  // bytes: getrusage maxrss
	PeakHeap  uint64  `json:"peak_heap"` // bytes: the Go heap's largest HeapInuse seen
	Campaigns int     `json:"campaigns"` // merged
	Nodes     int     `json:"nodes"`     // the day's tree, as built
	Curve     bool    `json:"curve"`     // N(f) down to f = 1, as spampots mine's report does
	Spill     int64   `json:"spill"`     // mine.Config.SpillBytes: 0 in memory, else out of core
}

func parseSize(s string) int {
	s = strings.TrimSpace(s)
	mul := 1
	switch {
	case strings.HasSuffix(s, "M"):
		mul, s = 1_000_000, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "k"):
		mul, s = 1_000, strings.TrimSuffix(s, "k")
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		panic(err)
	}
	return int(n * float64(mul))
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// TestLoad mines one day of WriteLoad's stream at each size listed in
// SPAMPOTS_LOAD (e.g. "1M,3M,6M,12M"), streamed through an io.Pipe (never
// held whole), each size in a child process so that its peak RSS is its
// own, and prints msgs/s and peak memory per size. The budget is
// 4 GiB for a day of 12M messages: run it under GOMEMLIMIT=3500MiB, as the
// miner should be run for such a day (miner/mine's doc). Each size is run
// twice: generating only (its CPU is the "gen CPU" column, subtracted for
// the miner's own msgs per CPU-second) and generating and mining.
// SPAMPOTS_LOAD_SPILL=SIZE (e.g. 128M, decimal) mines out of core at that
// mine.Config.SpillBytes, in SPAMPOTS_LOAD_SPILL_DIR (default the
// system's temporary directory): with GOMEMLIMIT=1GiB it shows a day of
// 12M messages in far less than the in-memory path's 3.5 GiB.
// SPAMPOTS_LOAD_CURVE=1 adds the report's N(f) curve down to f = 1 (full
// trees); SPAMPOTS_LOAD_TRACE=1 prints the heap every 200 ms, and
// SPAMPOTS_LOAD_HEAPPROF=file writes a heap profile when reading is done.
// Not run by default:
//
//	SPAMPOTS_LOAD=1M,3M,6M,12M go test -run TestLoad -v -timeout 2h ./miner/eval
func TestLoad(t *testing.T) {
	if one := os.Getenv("SPAMPOTS_LOAD_ONE"); one != "" {
		loadChild(t, parseSize(one), os.Getenv("SPAMPOTS_LOAD_CURVE") == "1", os.Getenv("SPAMPOTS_LOAD_GEN") == "1")
		return
	}
	sizes := os.Getenv("SPAMPOTS_LOAD")
	if sizes == "" {
		t.Skip("set SPAMPOTS_LOAD=1M,3M,6M,12M")
	}
	var rows []loadResult
	for _, s := range strings.Split(sizes, ",") {
		run := func(gen bool) loadResult {
			cmd := exec.Command(os.Args[0], "-test.run=^TestLoad$", "-test.v", "-test.timeout=2h")
			cmd.Env = append(os.Environ(), "SPAMPOTS_LOAD_ONE="+s)
			if gen {
				cmd.Env = append(cmd.Env, "SPAMPOTS_LOAD_GEN=1")
			}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("size %s: %v\n%s", s, err, out)
			}
			var r loadResult
			sc := bufio.NewScanner(bytes.NewReader(out))
			for sc.Scan() {
				if l, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "LOAD "); ok {
					if err := json.Unmarshal([]byte(l), &r); err != nil {
						t.Fatal(err)
					}
				}
			}
			return r
		}
		g := run(true)
		r := run(false)
		r.GenCPU = g.CPU
		rows = append(rows, r)
		t.Logf("%s done: %+v", s, r)
	}
	t.Logf("%10s %8s %9s %9s %10s %9s %10s %10s %9s %9s %9s", "messages", "wall s", "msgs/s", "CPU s", "gen CPU s", "mine msgs/CPU-s", "peak RSS", "peak heap", "nodes", "campaigns", "spill")
	for _, r := range rows {
		t.Logf("%10d %8.1f %9.0f %9.1f %10.1f %9.0f %9.0fM %9.0fM %9d %9d %8.0fM", r.Messages, r.Seconds, float64(r.Messages)/r.Seconds,
			r.CPU, r.GenCPU, float64(r.Messages)/(r.CPU-r.GenCPU), float64(r.PeakRSS)/(1<<20), float64(r.PeakHeap)/(1<<20), r.Nodes, r.Campaigns, float64(r.Spill)/1e6)
	}
}

// loadChild mines (or, with genOnly, only generates) one stream of n
// messages and prints its loadResult as a "LOAD {json}" line.
func loadChild(t *testing.T, n int, curve, genOnly bool) {
	cfg := LoadConfig{Messages: n}
	start := time.Now()
	if genOnly {
		if err := WriteLoad(io.Discard, 1, cfg); err != nil {
			t.Fatal(err)
		}
		out, _ := json.Marshal(loadResult{Messages: n, Seconds: time.Since(start).Seconds(), CPU: cpuSeconds()})
		fmt.Printf("LOAD %s\n", out)
		return
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(WriteLoad(pw, 1, cfg)) }()
	prog := new(mine.Progress)
	// The Go heap's peak, sampled.
	var peak uint64
	profiled := false
	done := make(chan struct{})
	go func() {
		tk := time.NewTicker(200 * time.Millisecond)
		defer tk.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if hp := os.Getenv("SPAMPOTS_LOAD_HEAPPROF"); hp != "" && !profiled && prog.Messages.Load() == int64(n) {
				// The live heap when reading is done.
				profiled = true
				runtime.GC()
				if f, err := os.Create(hp); err == nil {
					pprof.WriteHeapProfile(f)
					f.Close()
				}
			}
			if os.Getenv("SPAMPOTS_LOAD_TRACE") != "" {
				fmt.Printf("TRACE %.1fs inuse %dM alloc %dM read %d windows %d/%d\n", time.Since(start).Seconds(), ms.HeapInuse>>20, ms.HeapAlloc>>20, prog.Messages.Load(), prog.WindowsDone.Load(), prog.Windows.Load())
			}
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-tk.C:
			}
		}
	}()
	mc := mine.Config{Progress: prog, SpillDir: os.Getenv("SPAMPOTS_LOAD_SPILL_DIR")}
	if v := os.Getenv("SPAMPOTS_LOAD_SPILL"); v != "" {
		mc.SpillBytes = int64(parseSize(v))
	}
	if curve {
		for p := 1; p <= 1_000_000; p *= 10 {
			mc.CutCurve = append(mc.CutCurve, p, 2*p, 5*p)
		}
		mc.TreeNodes = 30
	}
	res, err := mine.Run(context.Background(), mc, []mine.Input{{Name: "load", Open: func() (io.ReadCloser, error) { return pr, nil }}})
	close(done)
	if err != nil {
		t.Fatal(err)
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	r := loadResult{Messages: res.Messages(), Seconds: time.Since(start).Seconds(), CPU: cpuSeconds(),
		PeakRSS: ru.Maxrss << 10, PeakHeap: peak, Campaigns: len(res.Campaigns), Curve: curve, Spill: mc.SpillBytes}
	for _, w := range res.Summary.PerWindow {
		r.Nodes += w.Nodes
	}
	if len(res.Summary.PerWindow) != 1 || len(res.Summary.InputErrors) > 0 {
		t.Errorf("windows %d, input errors %v", len(res.Summary.PerWindow), res.Summary.InputErrors)
	}
	out, _ := json.Marshal(r)
	fmt.Printf("LOAD %s\n", out)
}
