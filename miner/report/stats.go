package report

import (
	"math"
	"slices"
)

// The functions here are the paper's definitions (§3), pure and exact.
// Times are Unix microseconds, sorted ascending where a function says so.

// usPerSecond and friends convert microsecond times.
const (
	usPerSecond = 1e6
	usPerMinute = 60e6
	usPerHour   = 3600e6
)

// Duration is D(c) of §3.1, max_t(C) − min_t(C): the time between a
// campaign's first and last message. times must be sorted; 0 for fewer
// than two.
func Duration(times []int64) int64 {
	if len(times) < 2 {
		return 0
	}
	return times[len(times)-1] - times[0]
}

// IATs appends to dst the inter-arrival times of sorted times: the gaps
// between consecutive messages (§3.2, Fig. 6(a); per IP, Fig. 8(b)).
func IATs(dst, times []int64) []int64 {
	for i := 1; i < len(times); i++ {
		dst = append(dst, times[i]-times[i-1])
	}
	return dst
}

// Bursts appends to dst the number of messages of each burst of sorted
// times (§3.2): a burst is a maximal run of messages whose consecutive
// gaps are all at most iatMax ("IAT_max, o intervalo máximo entre duas
// mensagens de uma mesma rajada"), so a gap greater than iatMax starts a
// new burst. No times, no burst.
func Bursts(dst []int, times []int64, iatMax int64) []int {
	if len(times) == 0 {
		return dst
	}
	n := 1
	for i := 1; i < len(times); i++ {
		if times[i]-times[i-1] > iatMax {
			dst = append(dst, n)
			n = 0
		}
		n++
	}
	return append(dst, n)
}

// Inactivity appends to dst the inactivity periods of sorted times: the
// gaps greater than iatMax, i.e. the time from the end of one burst to the
// start of the next (§3.2, Figs. 8(a) and 9: "qualquer intervalo entre
// mensagens maior que IAT_max").
func Inactivity(dst, times []int64, iatMax int64) []int64 {
	for i := 1; i < len(times); i++ {
		if g := times[i] - times[i-1]; g > iatMax {
			dst = append(dst, g)
		}
	}
	return dst
}

// Pearson is the Pearson correlation coefficient of x and y (§3.1 reports
// r = 0.993 for T(c) and D(c)). ok is false when it is undefined: fewer
// than two pairs, different lengths, or a constant series.
func Pearson(x, y []float64) (r float64, ok bool) {
	n := len(x)
	if n < 2 || len(y) != n {
		return 0, false
	}
	var mx, my float64
	for i := range n {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(n)
	my /= float64(n)
	var sxy, sxx, syy float64
	for i := range n {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return 0, false
	}
	return sxy / math.Sqrt(sxx*syy), true
}

// Exposure is E(h) of §3.1 at each h of hours: the share of the total M
// messages that belong to campaigns lasting h hours or more,
// E(h) = Σ_{D(c_i) ≥ h} |c_i| / M ("campanhas com duração igual ou maior
// que h horas"). sizes[i] and durHours[i] describe campaign i. M of 0
// gives zeros.
func Exposure(sizes []int, durHours []float64, m int, hours []float64) []float64 {
	out := make([]float64, len(hours))
	if m <= 0 {
		return out
	}
	// Sizes by duration, descending, then a running sum.
	idx := make([]int, len(sizes))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case durHours[a] > durHours[b]:
			return -1
		case durHours[a] < durHours[b]:
			return 1
		}
		return 0
	})
	// hours in descending order walk the campaigns once.
	ho := make([]int, len(hours))
	for i := range ho {
		ho[i] = i
	}
	slices.SortFunc(ho, func(a, b int) int {
		switch {
		case hours[a] > hours[b]:
			return -1
		case hours[a] < hours[b]:
			return 1
		}
		return 0
	})
	sum, j := 0, 0
	for _, hi := range ho {
		for j < len(idx) && durHours[idx[j]] >= hours[hi] {
			sum += sizes[idx[j]]
			j++
		}
		out[hi] = float64(sum) / float64(m)
	}
	return out
}

// SendProfile is Fig. 5(a) of §3.1: for x = 0, 1, ..., steps, the mean over
// campaigns of the share of a campaign's messages sent by x/steps of its
// life, (t − min_t)/D(c) ≤ x/steps. Each element of camps is one
// campaign's sorted times; campaigns with D(c) = 0 have no life to divide
// and are skipped. It returns the means (fractions) and the number of
// campaigns averaged.
func SendProfile(camps [][]int64, steps int) ([]float64, int) {
	mean := make([]float64, steps+1)
	hist := make([]int, steps+1)
	n := 0
	for _, ts := range camps {
		d := Duration(ts)
		if d <= 0 {
			continue
		}
		n++
		clear(hist)
		for _, t := range ts {
			// The smallest x with (t−t0)/d ≤ x/steps, in integers.
			x := ((t-ts[0])*int64(steps) + d - 1) / d
			hist[min(max(x, 0), int64(steps))]++
		}
		cum := 0
		for x := range hist {
			cum += hist[x]
			mean[x] += float64(cum) / float64(len(ts))
		}
	}
	if n > 0 {
		for x := range mean {
			mean[x] /= float64(n)
		}
	}
	return mean, n
}

// CDFPoint is one point of an empirical distribution: LE observations are
// at most Value, a share CDF of all.
type CDFPoint struct {
	Value float64
	LE    int
	CDF   float64
}

// CDF is the empirical cumulative distribution of values, one point per
// distinct value, ascending. Long distributions are thinned: after the
// first, a point is kept only when the CDF rose by at least 0.001 or the
// value by at least 2% since the last kept point (any rise when that was
// not positive), and the last point is always kept. Every kept point is
// exact. values is sorted in place.
func CDF(values []float64) []CDFPoint {
	slices.Sort(values)
	n := len(values)
	var out []CDFPoint
	for i := 0; i < n; {
		j := i + 1
		for j < n && values[j] == values[i] {
			j++
		}
		p := CDFPoint{values[i], j, float64(j) / float64(n)}
		if len(out) == 0 || j == n {
			out = append(out, p)
		} else if last := out[len(out)-1]; p.CDF-last.CDF >= 0.001 || last.Value <= 0 || p.Value >= last.Value*1.02 {
			out = append(out, p)
		}
		i = j
	}
	return out
}

// ShareBelow is the share of values (any order) less than x; 0 when there
// are none.
func ShareBelow(values []float64, x float64) float64 {
	return shareOf(values, func(v float64) bool { return v < x })
}

func shareOf(values []float64, pred func(float64) bool) float64 {
	if len(values) == 0 {
		return 0
	}
	n := 0
	for _, v := range values {
		if pred(v) {
			n++
		}
	}
	return float64(n) / float64(len(values))
}

// Bin is one histogram bin [Min, Max) and its Count.
type Bin struct {
	Min, Max float64
	Count    int
}

// Histogram counts values in bins of width from lo, up to hi; values
// outside [lo, hi) are counted in under and over.
func Histogram(values []float64, lo, hi, width float64) (bins []Bin, under, over int) {
	nb := int(math.Ceil((hi - lo) / width))
	bins = make([]Bin, max(nb, 0))
	for i := range bins {
		bins[i] = Bin{lo + float64(i)*width, lo + float64(i+1)*width, 0}
	}
	for _, v := range values {
		switch {
		case v < lo:
			under++
		case v >= hi:
			over++
		default:
			bins[min(int((v-lo)/width), len(bins)-1)].Count++
		}
	}
	return bins, under, over
}

// LogBins counts positive values in bins whose edges are the powers of 10
// split perDecade times, from the decade of the smallest value to that of
// the largest; non-positive values are not counted.
func LogBins(values []float64, perDecade int) []Bin {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if v > 0 {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if math.IsInf(lo, 1) {
		return nil
	}
	k0 := int(math.Floor(math.Log10(lo) * float64(perDecade)))
	k1 := int(math.Floor(math.Log10(hi)*float64(perDecade))) + 1
	edge := func(k int) float64 { return math.Pow(10, float64(k)/float64(perDecade)) }
	bins := make([]Bin, k1-k0)
	for i := range bins {
		bins[i] = Bin{edge(k0 + i), edge(k0 + i + 1), 0}
	}
	for _, v := range values {
		if v <= 0 {
			continue
		}
		i := int(math.Floor(math.Log10(v)*float64(perDecade))) - k0
		// Float rounding at an edge: move to the bin that holds v.
		for i > 0 && v < bins[i].Min {
			i--
		}
		for i < len(bins)-1 && v >= bins[i].Max {
			i++
		}
		bins[min(max(i, 0), len(bins)-1)].Count++
	}
	return bins
}

// MeanStd is the mean and the sample standard deviation (n − 1) of xs;
// the deviation is 0 for fewer than two values.
func MeanStd(xs []float64) (mean, std float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}
