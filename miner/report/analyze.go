package report

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/spampots/spampots/miner/mine"
)

// Table1 is the paper's Table 1 (§2.1) for the mined input, with the
// counts behind it.
type Table1 struct {
	Messages             int     // total messages read
	Days                 int     // distinct UTC dates holding a dated message
	MeanPerDay           float64 // Messages / Days
	Bytes                int64   // the messages' bytes as stored
	UniqueIPs            int     // distinct source IPs
	CampaignsBeforeMerge int     // per-window campaigns (§2.3)
	CampaignsAfterMerge  int     // campaigns merged across windows
	// Not in the paper's table, but needed to read it.
	Undated     int
	InCampaigns int
	Windows     int
	First, Last time.Time // the first and last dated message; zero when none
}

// NFRow is N(f) of §3.1 at one f over the dated windows (Fig. 2): the
// paper plots the mean and standard deviation over 10 days.
type NFRow struct {
	F        int
	Windows  int // dated windows averaged
	Mean     float64
	Std      float64 // sample standard deviation
	Min, Max int
	Total    int // sum over the windows: campaigns before merge at f
}

// CampaignRow is one campaign's numbers, as the §3 analyses use them.
type CampaignRow struct {
	ID            string
	Size          int   // T(c)
	Bytes         int64 // its messages' bytes
	Dated         int   // its messages with a time
	First, Last   time.Time
	DurationHours float64 // D(c), hours
	Days          int     // distinct UTC dates
	Bursts        int     // at IAT_max
	SourceIPs     int
}

// Curve is one named distribution of a figure with several.
type Curve struct {
	Name   string
	Points []CDFPoint
}

// XY is one point of a curve.
type XY struct{ X, Y float64 }

// RasterRow is one campaign of Fig. 5(b): its message times, in hours
// since the first dated message of the input.
type RasterRow struct {
	Campaign string
	Messages int // all its dated messages; Hours may hold fewer
	Hours    []float64
}

// Finding is one headline number, with the paper's for comparison.
type Finding struct {
	Figure string // "table1", "fig4a", ...
	Metric string
	Value  float64
	Paper  string // the paper's value as it states it, or ""
}

// Report is every analysis of one mining result. Analyze fills it;
// WriteDir writes it.
type Report struct {
	Inputs []string
	Table1 Table1
	// Cut is the typical f_c: the median of the dated windows' cuts.
	Cut    int
	IATMax time.Duration

	NF        []NFRow
	Campaigns []CampaignRow // by rank, like campaigns.jsonl

	SizeCDF  []CDFPoint // T(c), Fig. 3(b)
	SizeBins []Bin      // T(c) in 5 log bins per decade, Fig. 3(a)

	Durations []Curve // D(c) in hours: all, top 5% by messages, top 5% by bytes (Fig. 4(a))
	Exposure  []XY    // E(h): h in hours, share of all messages (Fig. 4(b))
	Pearson   float64 // r of T(c) and D(c) in hours
	PearsonN  int     // campaigns correlated; 0 when r is undefined

	Profile          []float64 // Fig. 5(a): mean share sent by each percent of life, 0..100
	ProfileCampaigns int
	Raster           []RasterRow // Fig. 5(b)

	CampaignIAT       []CDFPoint // seconds, Fig. 6(a)
	BurstsByIATMax    []XY       // IAT_max seconds → bursts, Fig. 6(b)
	BurstMessages     []CDFPoint // messages per burst, Fig. 7(a)
	BurstsPerCampaign []CDFPoint // Fig. 7(b)

	IPInactivity     []Bin      // minutes, Fig. 8(a)
	IPInactivityOver int        // periods beyond the last bin
	IPIAT            []CDFPoint // seconds, Fig. 8(b)
	CampInactivity   []Bin      // minutes, Fig. 9(a)
	CampInactOver    int
	InactivityCDF    []Curve    // minutes: campaigns, IPs (Fig. 9(b))
	IPsPerCampaign   []CDFPoint // Fig. 10(a)
	MessagesPerIP    []CDFPoint // Fig. 10(b)
	Tree             *mine.TreeTop
	Findings         []Finding
	readings         map[string]string
}

// Inactivity histograms: one-hour bins over the first week, to show the
// daily peaks of §3.2 (1440 minutes and its multiples).
const (
	inactBin  = 60.0
	inactSpan = 7 * 1440.0
)

// Analyze computes every analysis of res. It reads only res's campaigns,
// summary, columns, curve and tree; it never fails: an empty result gives
// empty tables.
func Analyze(res *mine.Result) *Report {
	cols := res.Columns()
	iatMax := res.IATMax
	if iatMax <= 0 {
		iatMax = mine.DefaultIATMax
	}
	iat := iatMax.Microseconds()
	r := &Report{Inputs: res.Inputs(), IATMax: iatMax, Tree: res.Tree, readings: map[string]string{}}

	// Times grouped by campaign and by source IP, each group sorted.
	campTimes := groupTimes(cols.Time, cols.Campaign, len(res.Campaigns))
	ipTimes := groupTimes(cols.Time, cols.Source, cols.Sources)

	// Table 1.
	s := res.Summary
	t1 := &r.Table1
	t1.Messages, t1.Bytes, t1.UniqueIPs = s.Messages, s.Bytes, cols.Sources
	t1.CampaignsBeforeMerge, t1.CampaignsAfterMerge = s.CampaignsBeforeMerge, s.Campaigns
	t1.Undated, t1.InCampaigns, t1.Windows = s.Undated, s.InCampaigns, s.Windows
	days := map[int64]bool{}
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	for _, t := range cols.Time {
		if t == mine.NoTime {
			continue
		}
		days[mine.DayOf(t)] = true
		first, last = min(first, t), max(last, t)
	}
	t1.Days = len(days)
	if t1.Days > 0 {
		t1.MeanPerDay = float64(t1.Messages) / float64(t1.Days)
		t1.First, t1.Last = time.UnixMicro(first).UTC(), time.UnixMicro(last).UTC()
	}

	// The typical cut and N(f).
	var cuts []int
	maxWindow := 0
	for _, w := range s.PerWindow {
		if w.Window != mine.UndatedWindow && w.Messages > 0 {
			cuts = append(cuts, w.Cut)
			maxWindow = max(maxWindow, w.Messages)
		}
	}
	slices.Sort(cuts)
	if len(cuts) > 0 {
		r.Cut = cuts[len(cuts)/2]
	}
	if c := res.Curve; c != nil {
		for i, f := range c.F {
			if f > maxWindow {
				break
			}
			row := NFRow{F: f, Min: math.MaxInt}
			var ns []float64
			for w, lbl := range c.Windows {
				if lbl == mine.UndatedWindow || c.N[w] == nil {
					continue
				}
				n := c.N[w][i]
				ns = append(ns, float64(n))
				row.Min, row.Max = min(row.Min, n), max(row.Max, n)
				row.Total += n
			}
			if len(ns) == 0 {
				continue
			}
			row.Windows = len(ns)
			row.Mean, row.Std = MeanStd(ns)
			r.NF = append(r.NF, row)
		}
	}

	// Per campaign: T(c), D(c), bursts, IPs.
	ipsOf := distinctPerGroup(cols.Source, cols.Campaign, len(res.Campaigns), cols.Sources)
	var sizes, durs, bursts, burstMsgs []float64
	var datedIdx []int
	var campIATs, campInact []int64
	var dated [][]int64
	for c, cp := range res.Campaigns {
		ts := campTimes[c]
		row := CampaignRow{ID: cp.ID, Size: cp.Size, Bytes: cp.Bytes, Dated: len(ts), SourceIPs: ipsOf[c]}
		if len(ts) > 0 {
			row.First, row.Last = time.UnixMicro(ts[0]).UTC(), time.UnixMicro(ts[len(ts)-1]).UTC()
			row.DurationHours = float64(Duration(ts)) / usPerHour
			row.Days = 1
			for i := 1; i < len(ts); i++ {
				if mine.DayOf(ts[i]) != mine.DayOf(ts[i-1]) {
					row.Days++
				}
			}
			bs := Bursts(nil, ts, iat)
			row.Bursts = len(bs)
			for _, b := range bs {
				burstMsgs = append(burstMsgs, float64(b))
			}
			bursts = append(bursts, float64(len(bs)))
			datedIdx = append(datedIdx, c)
			sizes = append(sizes, float64(cp.Size))
			durs = append(durs, row.DurationHours)
			campIATs = IATs(campIATs, ts)
			campInact = Inactivity(campInact, ts, iat)
			dated = append(dated, ts)
		}
		r.Campaigns = append(r.Campaigns, row)
	}
	allSizes := make([]float64, len(res.Campaigns))
	for c, cp := range res.Campaigns {
		allSizes[c] = float64(cp.Size)
	}
	r.SizeBins = LogBins(allSizes, 5)
	r.SizeCDF = CDF(slices.Clone(allSizes))

	// D(c): all, and the top 5% by messages and by bytes.
	top := func(key func(c int) int64) []float64 {
		idx := slices.Clone(datedIdx)
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(key(b), key(a)) })
		idx = idx[:int(math.Ceil(0.05*float64(len(idx))))]
		var d []float64
		for _, c := range idx {
			d = append(d, r.Campaigns[c].DurationHours)
		}
		return d
	}
	topMsgs := top(func(c int) int64 { return int64(res.Campaigns[c].Size) })
	topBytes := top(func(c int) int64 { return res.Campaigns[c].Bytes })
	r.Durations = []Curve{
		{"all", CDF(slices.Clone(durs))},
		{"top 5% by messages", CDF(slices.Clone(topMsgs))},
		{"top 5% by bytes", CDF(slices.Clone(topBytes))},
	}
	if rr, ok := Pearson(sizes, durs); ok {
		r.Pearson, r.PearsonN = rr, len(sizes)
	}

	// E(h), hourly (coarser past 2000 hours).
	maxD := 0.0
	for _, d := range durs {
		maxD = max(maxD, d)
	}
	step := max(1, math.Ceil(math.Ceil(maxD)/2000))
	var hours []float64
	for h := 0.0; h <= math.Ceil(maxD); h += step {
		hours = append(hours, h)
	}
	isizes := make([]int, len(sizes))
	for i, v := range sizes {
		isizes[i] = int(v)
	}
	for i, e := range Exposure(isizes, durs, s.Messages, hours) {
		r.Exposure = append(r.Exposure, XY{hours[i], e})
	}

	// Fig. 5.
	r.Profile, r.ProfileCampaigns = SendProfile(dated, 100)
	r.Raster = raster(res, campTimes, first)

	// Fig. 6, 7.
	r.CampaignIAT = CDF(scaled(campIATs, usPerSecond))
	r.BurstsByIATMax = burstsByIATMax(campIATs, len(dated), iatMax)
	r.BurstMessages = CDF(burstMsgs)
	r.BurstsPerCampaign = CDF(slices.Clone(bursts))

	// Fig. 8, 9: inactivity of campaigns and IPs; IATs per IP.
	var ipIATs, ipInact []int64
	for _, ts := range ipTimes {
		ipIATs = IATs(ipIATs, ts)
		ipInact = Inactivity(ipInact, ts, iat)
	}
	campInactMin := scaled(campInact, usPerMinute)
	ipInactMin := scaled(ipInact, usPerMinute)
	r.CampInactivity, _, r.CampInactOver = Histogram(campInactMin, 0, inactSpan, inactBin)
	r.IPInactivity, _, r.IPInactivityOver = Histogram(ipInactMin, 0, inactSpan, inactBin)
	r.InactivityCDF = []Curve{
		{"campaigns", CDF(slices.Clone(campInactMin))},
		{"IPs", CDF(slices.Clone(ipInactMin))},
	}
	r.IPIAT = CDF(scaled(ipIATs, usPerSecond))

	// Fig. 10.
	ipc := make([]float64, len(ipsOf))
	for c, n := range ipsOf {
		ipc[c] = float64(n)
	}
	r.IPsPerCampaign = CDF(slices.Clone(ipc))
	perIP := make([]float64, cols.Sources)
	for _, src := range cols.Source {
		if src >= 0 {
			perIP[src]++
		}
	}
	r.MessagesPerIP = CDF(slices.Clone(perIP))

	r.findings(findingInputs{
		sizes: allSizes, durs: durs, topMsgs: topMsgs, topBytes: topBytes, bursts: bursts,
		campIATs: scaled(campIATs, usPerSecond), ipIATs: scaled(ipIATs, usPerSecond),
		campInact: campInactMin, ipInact: ipInactMin, ipc: ipc, perIP: perIP,
	})
	return r
}

// groupTimes returns, per group g of n, the dated times of the messages
// whose key is g, sorted. All groups share one backing array.
func groupTimes(times []int64, key []int32, n int) [][]int64 {
	start := make([]int, n+1)
	for g, k := range key {
		if k >= 0 && times[g] != mine.NoTime {
			start[k+1]++
		}
	}
	for i := range n {
		start[i+1] += start[i]
	}
	backing := make([]int64, start[n])
	fill := slices.Clone(start[:n])
	for g, k := range key {
		if k >= 0 && times[g] != mine.NoTime {
			backing[fill[k]] = times[g]
			fill[k]++
		}
	}
	out := make([][]int64, n)
	for i := range n {
		out[i] = backing[start[i]:start[i+1]:start[i+1]]
		slices.Sort(out[i])
	}
	return out
}

// distinctPerGroup counts, per group of n, the distinct non-negative
// values (of nv) among its messages.
func distinctPerGroup(values, group []int32, n, nv int) []int {
	out := make([]int, n)
	seen := make([]int32, nv) // group+1 that last counted the value
	// Messages of one group are not contiguous: sort indexes by group.
	idx := make([]int32, 0, len(group))
	for g, k := range group {
		if k >= 0 && values[g] >= 0 {
			idx = append(idx, int32(g))
		}
	}
	slices.SortStableFunc(idx, func(a, b int32) int { return cmp.Compare(group[a], group[b]) })
	for _, g := range idx {
		k, v := group[g], values[g]
		if seen[v] != k+1 {
			seen[v] = k + 1
			out[k]++
		}
	}
	return out
}

func scaled(xs []int64, unit float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x) / unit
	}
	return out
}

// burstsByIATMax is Fig. 6(b): the number of bursts of all campaigns for
// IAT_max on the 1-2-5 series from 1 s to 10^6 s and the configured value.
// Each dated campaign has one burst plus one per gap beyond IAT_max.
func burstsByIATMax(iats []int64, campaigns int, iatMax time.Duration) []XY {
	sorted := slices.Clone(iats)
	slices.Sort(sorted)
	xs := []float64{iatMax.Seconds()}
	for p := 1.0; p <= 1e6; p *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if m*p <= 1e6 {
				xs = append(xs, m*p)
			}
		}
	}
	slices.Sort(xs)
	xs = slices.Compact(xs)
	var out []XY
	for _, x := range xs {
		lim := int64(x * usPerSecond)
		// Gaps greater than lim.
		i, _ := slices.BinarySearch(sorted, lim+1)
		out = append(out, XY{x, float64(campaigns + len(sorted) - i)})
	}
	return out
}

// rasterCampaigns and rasterTicks bound Fig. 5(b): the paper shows 20
// campaigns chosen at random.
const (
	rasterCampaigns = 20
	rasterTicks     = 1000
)

// raster picks Fig. 5(b)'s campaigns: rasterCampaigns of those with at
// least two dated messages and D(c) > 0, chosen by a PCG seeded with a
// constant (so the report is deterministic), shown by rank. A campaign's
// ticks are thinned to every k-th message (and the last) when it has more
// than rasterTicks.
func raster(res *mine.Result, campTimes [][]int64, t0 int64) []RasterRow {
	var elig []int
	for c, ts := range campTimes {
		if Duration(ts) > 0 {
			elig = append(elig, c)
		}
	}
	rng := rand.New(rand.NewPCG(2011_08_01, 2011_10_31))
	rng.Shuffle(len(elig), func(i, j int) { elig[i], elig[j] = elig[j], elig[i] })
	elig = elig[:min(rasterCampaigns, len(elig))]
	slices.Sort(elig)
	var rows []RasterRow
	for _, c := range elig {
		ts := campTimes[c]
		k := (len(ts) + rasterTicks - 1) / rasterTicks
		row := RasterRow{Campaign: res.Campaigns[c].ID, Messages: len(ts)}
		for i, t := range ts {
			if i%k == 0 || i == len(ts)-1 {
				row.Hours = append(row.Hours, float64(t-t0)/usPerHour)
			}
		}
		rows = append(rows, row)
	}
	return rows
}
