package mine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/spampots/spampots/miner/eval"
)

// outputs runs Run and returns its three output files, summary.json
// without its seconds.
func outputs(t *testing.T, cfg Config, inputs []Input) (map[string][]byte, spillStats) {
	t.Helper()
	res, err := Run(context.Background(), cfg, inputs)
	if err != nil {
		t.Fatal(err)
	}
	res.Summary.Seconds = 0
	dir := t.TempDir()
	if err := res.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range []string{CampaignsFile, AssignmentsFile, SummaryFile} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		out[f] = b
	}
	return out, res.spilled
}

func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("left behind in the spill directory: %s", e.Name())
	}
}

// TestOutOfCore mines each stream in memory and out of core at budgets
// small enough to spill every window many times, sort into many runs and
// merge them in several passes (fan-in 2 and 3), and compares the
// output files byte for byte; nothing may be left in the spill directory.
func TestOutOfCore(t *testing.T) {
	gen, _ := eval.Generate(1, eval.GenConfig{})
	d2, _ := corpusDay(5, 2)
	d3, _ := corpusDay(6, 3)
	var load bytes.Buffer
	if err := eval.WriteLoad(&load, 1, eval.LoadConfig{Messages: 20_000, Campaigns: 200}); err != nil {
		t.Fatal(err)
	}
	type budget struct {
		bytes int64
		fanIn int
	}
	// 64 MiB: nothing spilled, one sort buffer per window; the small
	// budgets spill while reading, and sort into runs merged in passes.
	small := []budget{{64 << 20, 0}, {4 << 10, 3}, {700, 2}}
	streams := []struct {
		name    string
		inputs  []Input
		cfg     Config
		budgets []budget
	}{
		{"planted days", []Input{bytesInput("d2", d2), bytesInput("d3", d3)}, Config{}, small},
		{"planted days curve", []Input{bytesInput("d2", d2), bytesInput("d3", d3)}, Config{CutCurve: []int{1, 2, 5, 10}, TreeNodes: 10, Cut: 3}, small},
		{"generated", []Input{bytesInput("gen", gen)}, Config{CutCurve: []int{5, 10, 20}}, small[:2]},
		{"load day", []Input{bytesInput("load", load.Bytes())}, Config{}, []budget{{64 << 10, 4}}},
	}
	const corpus = "../../../shared/corpus/trec07p-half-spam.mbox.zst"
	if _, err := os.Stat(corpus); err == nil && !testing.Short() {
		streams = append(streams, struct {
			name    string
			inputs  []Input
			cfg     Config
			budgets []budget
		}{"trec", []Input{FileInput(corpus)}, Config{CutCurve: []int{5, 10, 20, 50}, TreeNodes: 30}, []budget{{16 << 10, 3}}})
	} else {
		t.Logf("TREC corpus skipped: %v (short %v)", err, testing.Short())
	}
	for _, s := range streams {
		t.Run(s.name, func(t *testing.T) {
			s.cfg.Workers = 2
			want, _ := outputs(t, s.cfg, s.inputs)
			exercised := false
			for _, b := range s.budgets {
				cfg := s.cfg
				cfg.SpillBytes, cfg.spillFanIn, cfg.SpillDir = b.bytes, b.fanIn, t.TempDir()
				got, st := outputs(t, cfg, s.inputs)
				for f, w := range want {
					if !bytes.Equal(got[f], w) {
						t.Errorf("budget %d fan-in %d: %s differs (%d bytes, want %d)", b.bytes, b.fanIn, f, len(got[f]), len(w))
					}
				}
				assertEmpty(t, cfg.SpillDir)
				t.Logf("budget %d fan-in %d: %+v", b.bytes, b.fanIn, st)
				exercised = exercised || st.flushes > 0 && st.passes > 0
			}
			if !exercised {
				t.Error("no budget spilled while reading and merged in passes")
			}
			if s.name == "trec" || s.name == "load day" {
				var sum Summary
				json.Unmarshal(want[SummaryFile], &sum)
				t.Logf("%d messages, %d windows, %d campaigns: identical", sum.Messages, sum.Windows, sum.Campaigns)
			}
		})
	}
}

// cancelReader cancels its context once half its data is read.
type cancelReader struct {
	r      io.Reader
	left   int
	cancel func()
}

func (c *cancelReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p[:min(len(p), 4096)])
	if c.left -= n; c.left <= 0 {
		c.cancel()
	}
	return n, err
}

func (c *cancelReader) Close() error { return nil }

// TestOutOfCoreCleanup: a cancelled run and a failing one leave nothing
// in the spill directory, and a spill directory that cannot be made fails
// the run at once.
func TestOutOfCoreCleanup(t *testing.T) {
	gen, _ := eval.Generate(2, eval.GenConfig{})
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := Input{Name: "gen", Open: func() (io.ReadCloser, error) {
		return &cancelReader{r: bytes.NewReader(gen), left: len(gen) / 2, cancel: cancel}, nil
	}}
	if _, err := Run(ctx, Config{SpillBytes: 1 << 10, SpillDir: dir, Workers: 2}, []Input{in}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: err %v", err)
	}
	assertEmpty(t, dir)

	if _, err := Run(context.Background(), Config{SpillBytes: 1 << 10, SpillDir: filepath.Join(dir, "missing")}, []Input{bytesInput("gen", gen)}); err == nil {
		t.Fatal("no error for a missing spill directory")
	}
	assertEmpty(t, dir)
}
