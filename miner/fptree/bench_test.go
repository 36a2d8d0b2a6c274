package fptree

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// synthetic returns n messages of 14 items shaped like the paper's features:
// 11 per-campaign values drawn from pools of varied cardinality (Mime-Version
// has 3 values, Layout thousands, Subject one per campaign) and 3 values
// unique per message (Date, Received, To). Campaign sizes are skewed.
func synthetic(n int, seed uint64) [][]Item {
	rng := rand.New(rand.NewPCG(seed, 7))
	poolSizes := []int{3, 5, 20, 30, 200, 5000, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20}
	var bases []Item
	next := Item(0)
	for _, s := range poolSizes {
		bases = append(bases, next)
		next += Item(s)
	}
	ncamp := max(n/500, 1)
	camps := make([][]Item, ncamp)
	for c := range camps {
		for a, s := range poolSizes {
			camps[c] = append(camps[c], bases[a]+Item(rng.IntN(s)))
		}
	}
	flat := make([]Item, 0, 14*n)
	msgs := make([][]Item, n)
	for i := range msgs {
		c := int(float64(ncamp) * rng.Float64() * rng.Float64() * rng.Float64()) // skewed
		start := len(flat)
		flat = append(flat, camps[c]...)
		flat = append(flat, next, next+1, next+2)
		next += 3
		msgs[i] = flat[start:len(flat):len(flat)]
	}
	return msgs
}

func heap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestMemoryPerMessage reports the Builder's and the Tree's retained bytes
// per message; the budget is 4 GiB for 12M messages (357 bytes each).
func TestMemoryPerMessage(t *testing.T) {
	n := 300_000
	if testing.Short() {
		n = 50_000
	}
	msgs := synthetic(n, 1)
	const budget = (4 << 30) / 12_000_000
	for _, minSupport := range []int{1, AutoCut(12_000_000)} {
		h0 := heap()
		b := new(Builder)
		for _, m := range msgs {
			b.Add(m)
		}
		h1 := heap()
		tr := b.Build(minSupport)
		h2 := heap()
		camps := tr.Cut(AutoCut(n))
		builderPer := float64(h1-h0) / float64(n)
		treePer := float64(int64(h2)-int64(h0)) / float64(n)
		t.Logf("minSupport %d: builder %.1f B/msg, tree %.1f B/msg (%d nodes, %d campaigns)",
			minSupport, builderPer, treePer, tr.Nodes(), len(camps))
		// The builder's and tree's peaks do not overlap entirely, but their
		// sum bounds the steady parts: keep it well inside the budget.
		if builderPer+treePer > budget/2 {
			t.Errorf("%.0f B/msg exceeds half the %d B/msg budget", builderPer+treePer, budget)
		}
		runtime.KeepAlive(tr)
	}
}

func BenchmarkBuildCut(b *testing.B) {
	const n = 1_000_000
	msgs := synthetic(n, 1)
	fc := AutoCut(n)
	b.ReportAllocs()
	b.ResetTimer()
	var camps []Campaign
	for b.Loop() {
		bl := new(Builder)
		for _, m := range msgs {
			bl.Add(m)
		}
		camps = bl.Build(1).Cut(fc)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(len(camps)), "campaigns")
}
