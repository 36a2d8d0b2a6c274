package report

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

func TestBursts(t *testing.T) {
	tests := []struct {
		name   string
		times  []int64
		iatMax int64
		bursts []int
		inact  []int64
		iats   []int64
	}{
		{"none", nil, 50, nil, nil, nil},
		{"one message", []int64{7}, 50, []int{1}, nil, nil},
		{"three bursts", []int64{0, 10, 20, 100, 105, 300}, 50, []int{3, 2, 1}, []int64{80, 195}, []int64{10, 10, 80, 5, 195}},
		// A gap of exactly IAT_max stays in the burst (§3.2: IAT_max is the
		// largest gap inside one).
		{"gap equal to IAT_max", []int64{0, 50, 101}, 50, []int{2, 1}, []int64{51}, []int64{50, 51}},
		{"same instant", []int64{5, 5, 5}, 0, []int{3}, nil, []int64{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Bursts(nil, tt.times, tt.iatMax); !slices.Equal(got, tt.bursts) {
				t.Errorf("bursts %v, want %v", got, tt.bursts)
			}
			if got := Inactivity(nil, tt.times, tt.iatMax); !slices.Equal(got, tt.inact) {
				t.Errorf("inactivity %v, want %v", got, tt.inact)
			}
			if got := IATs(nil, tt.times); !slices.Equal(got, tt.iats) {
				t.Errorf("IATs %v, want %v", got, tt.iats)
			}
		})
	}
}

func TestDuration(t *testing.T) {
	for _, tt := range []struct {
		times []int64
		want  int64
	}{{nil, 0}, {[]int64{5}, 0}, {[]int64{5, 9, 30}, 25}} {
		if got := Duration(tt.times); got != tt.want {
			t.Errorf("Duration(%v) = %d, want %d", tt.times, got, tt.want)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestPearson(t *testing.T) {
	tests := []struct {
		name string
		x, y []float64
		r    float64
		ok   bool
	}{
		{"linear", []float64{1, 2, 3}, []float64{2, 4, 6}, 1, true},
		{"inverse", []float64{1, 2, 3}, []float64{6, 4, 2}, -1, true},
		// mean 2.5 each; dx = dy' = (-1.5, -0.5, 0.5, 1.5) with dy
		// swapped in the middle: Σdxdy = 2.25-0.25-0.25+2.25 = 4,
		// Σdx² = Σdy² = 5, so r = 4/5.
		{"by hand", []float64{1, 2, 3, 4}, []float64{1, 3, 2, 4}, 0.8, true},
		{"constant", []float64{1, 2, 3}, []float64{5, 5, 5}, 0, false},
		{"one pair", []float64{1}, []float64{1}, 0, false},
		{"lengths differ", []float64{1, 2}, []float64{1}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := Pearson(tt.x, tt.y)
			if ok != tt.ok || !near(r, tt.r) {
				t.Errorf("got %v %v, want %v %v", r, ok, tt.r, tt.ok)
			}
		})
	}
}

func TestExposure(t *testing.T) {
	// Campaigns of 10, 20 and 30 messages lasting 0, 24 and 100 hours
	// among M = 100 messages: E(h) sums the sizes with D ≥ h.
	sizes := []int{10, 20, 30}
	durs := []float64{0, 24, 100}
	hours := []float64{101, 0, 24, 25, 100, 23.5}
	want := []float64{0, 0.6, 0.5, 0.3, 0.3, 0.5}
	got := Exposure(sizes, durs, 100, hours)
	for i := range want {
		if !near(got[i], want[i]) {
			t.Errorf("E(%v) = %v, want %v", hours[i], got[i], want[i])
		}
	}
	if got := Exposure(sizes, durs, 0, hours); slices.Max(got) != 0 {
		t.Errorf("M = 0: %v", got)
	}
}

func TestSendProfile(t *testing.T) {
	camps := [][]int64{
		{0, 50, 100},   // shares at x/4 of life: 1/3, 1/3, 2/3, 2/3, 1
		{0, 0, 0, 100}, // 3/4, 3/4, 3/4, 3/4, 1
		{5},            // D = 0: skipped
		{7, 7},         // D = 0: skipped
	}
	mean, n := SendProfile(camps, 4)
	want := []float64{(1.0/3 + 0.75) / 2, (1.0/3 + 0.75) / 2, (2.0/3 + 0.75) / 2, (2.0/3 + 0.75) / 2, 1}
	if n != 2 {
		t.Errorf("%d campaigns averaged", n)
	}
	for x := range want {
		if !near(mean[x], want[x]) {
			t.Errorf("x=%d: %v, want %v", x, mean[x], want[x])
		}
	}
	if mean, n := SendProfile(nil, 4); n != 0 || len(mean) != 5 || slices.Max(mean) != 0 {
		t.Errorf("empty: %v %d", mean, n)
	}
}

func TestCDF(t *testing.T) {
	got := CDF([]float64{3, 1, 2, 2})
	want := []CDFPoint{{1, 1, 0.25}, {2, 3, 0.75}, {3, 4, 1}}
	if !slices.Equal(got, want) {
		t.Errorf("CDF %v, want %v", got, want)
	}
	if CDF(nil) != nil {
		t.Error("CDF of nothing")
	}
	// Thinned, but every point exact and the last kept.
	var vs []float64
	for v := range 20000 {
		vs = append(vs, float64(v%10000)) // each value twice
	}
	pts := CDF(vs)
	if len(pts) > 2000 || len(pts) < 500 {
		t.Errorf("%d points for 10000 distinct values", len(pts))
	}
	for _, p := range pts {
		if p.LE != 2*(int(p.Value)+1) || !near(p.CDF, float64(p.LE)/20000) {
			t.Fatalf("point %+v", p)
		}
	}
	if last := pts[len(pts)-1]; last.Value != 9999 || last.CDF != 1 {
		t.Errorf("last %+v", last)
	}
}

func TestShares(t *testing.T) {
	v := []float64{0, 1, 1, 5, 10}
	if got := ShareBelow(v, 1); got != 0.2 {
		t.Errorf("below 1: %v", got)
	}
	if got := ShareBelow(v, 6); got != 0.8 {
		t.Errorf("below 6: %v", got)
	}
	if got := ShareBelow(nil, 6); got != 0 {
		t.Errorf("empty: %v", got)
	}
}

func TestHistogram(t *testing.T) {
	bins, under, over := Histogram([]float64{-1, 0, 59.9, 60, 150, 180, 500}, 0, 180, 60)
	if fmt.Sprint(bins) != "[{0 60 2} {60 120 1} {120 180 1}]" || under != 1 || over != 2 {
		t.Errorf("%v under %d over %d", bins, under, over)
	}
	lb := LogBins([]float64{0, 1, 9.99, 10, 10, 99, 100}, 1)
	if fmt.Sprint(lb) != "[{1 10 2} {10 100 3} {100 1000 1}]" {
		t.Errorf("log bins %v", lb)
	}
	if LogBins([]float64{0, -1}, 5) != nil {
		t.Error("log bins of no positive value")
	}
	// Five a decade: 10^0.2 = 1.585 starts the second bin.
	lb = LogBins([]float64{1, 1.5, 1.6, 3}, 5)
	if len(lb) != 3 || lb[0].Count != 2 || lb[1].Count != 1 || lb[2].Count != 1 {
		t.Errorf("5 a decade %v", lb)
	}
}

func TestMeanStd(t *testing.T) {
	// Σ(x−5)² = 32 over 8 values: sample variance 32/7.
	m, s := MeanStd([]float64{2, 4, 4, 4, 5, 5, 7, 9})
	if m != 5 || !near(s, math.Sqrt(32.0/7)) {
		t.Errorf("mean %v std %v", m, s)
	}
	if m, s := MeanStd([]float64{3}); m != 3 || s != 0 {
		t.Errorf("one value: %v %v", m, s)
	}
	if m, s := MeanStd(nil); m != 0 || s != 0 {
		t.Errorf("none: %v %v", m, s)
	}
}

func TestBurstsByIATMax(t *testing.T) {
	sec := int64(1e6)
	// Two campaigns; gaps 0 s, 3 s, 30 s and 3000 s.
	got := burstsByIATMax([]int64{3000 * sec, 0, 3 * sec, 30 * sec}, 2, 2000*time.Second)
	at := map[float64]float64{}
	for _, p := range got {
		at[p.X] = p.Y
	}
	for x, want := range map[float64]float64{1: 5, 2: 5, 5: 4, 50: 3, 2000: 3, 5000: 2, 1e6: 2} {
		if at[x] != want {
			t.Errorf("IAT_max %v s: %v bursts, want %v", x, at[x], want)
		}
	}
	if !slices.IsSortedFunc(got, func(a, b XY) int { return int(a.X - b.X) }) || got[len(got)-1].X != 1e6 {
		t.Errorf("xs %v", got)
	}
}

func TestGroups(t *testing.T) {
	nt := int64(math.MinInt64)
	times := []int64{30, 10, nt, 20, 5}
	key := []int32{1, 1, 1, -1, 0}
	g := groupTimes(times, key, 3)
	if fmt.Sprint(g) != "[[5] [10 30] []]" {
		t.Errorf("groups %v", g)
	}
	vals := []int32{4, 4, 2, 1, -1}
	if d := distinctPerGroup(vals, key, 3, 5); fmt.Sprint(d) != "[0 2 0]" {
		t.Errorf("distinct %v", d)
	}
}
