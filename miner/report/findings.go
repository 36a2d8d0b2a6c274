package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spampots/spampots/miner/mine"
)

// The paper's figures (§2.1 Table 1, §3), as it states them.
const (
	paperMessages        = 1_083_699_945
	paperMeanPerDay      = 11_779_347
	paperBytes           = 1.36e12 // "1,36 TB"
	paperUniqueIPs       = 87_237
	paperCampaignsBefore = 339_647
	paperCampaignsAfter  = 107_656
	paperDays            = 92
)

type findingInputs struct {
	sizes, durs, topMsgs, topBytes, bursts []float64
	campIATs, ipIATs                       []float64 // seconds
	campInact, ipInact                     []float64 // minutes
	ipc, perIP                             []float64
}

// add records a finding; paper is "" when the paper gives none.
func (r *Report) add(fig, metric string, v float64, paper string) float64 {
	r.Findings = append(r.Findings, Finding{fig, metric, v, paper})
	return v
}

func (r *Report) read(fig, format string, args ...any) {
	r.readings[fig] = fmt.Sprintf(format, args...)
}

// pct formats a share as a percentage.
func pct(x float64) string {
	switch {
	case x == 0 || x == 1 || x >= 0.1 && x <= 0.9:
		return fmt.Sprintf("%.0f%%", 100*x)
	case x < 0.001:
		return fmt.Sprintf("%.2f%%", 100*x)
	}
	return fmt.Sprintf("%.1f%%", 100*x)
}

func shareIn(values []float64, lo, hi float64) float64 {
	return shareOf(values, func(v float64) bool { return v >= lo && v < hi })
}

func median(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	s := slices.Clone(values)
	slices.Sort(s)
	return s[len(s)/2]
}

// findings computes the headline numbers and the reading of each figure,
// the short text report.html shows under it.
func (r *Report) findings(in findingInputs) {
	t := r.Table1
	for _, row := range table1Rows(t) {
		if row.paper != "" {
			r.add("table1", row.metric, row.value, row.paper)
		}
	}
	red := 0.0
	if t.CampaignsBeforeMerge > 0 {
		red = 1 - float64(t.CampaignsAfterMerge)/float64(t.CampaignsBeforeMerge)
	}
	r.add("table1", "merge_reduction", red, "0.69")
	r.read("table1", "%d messages over %d days (%.0f a day; the paper: %d a day over %d days). "+
		"Merging the per-day campaigns across days cut their number by %s (%d to %d); the paper's merge cut it by 69%% (339,647 to 107,656). "+
		"%s of the messages fall in a campaign.",
		t.Messages, t.Days, t.MeanPerDay, paperMeanPerDay, paperDays, pct(red), t.CampaignsBeforeMerge, t.CampaignsAfterMerge,
		pct(frac(t.InCampaigns, t.Messages)))

	// Fig. 1.
	if tr := r.Tree; tr != nil && len(tr.Nodes) > 0 {
		root := tr.Nodes[0]
		wide := 0
		for i, n := range tr.Nodes {
			if n.Children > tr.Nodes[wide].Children && i > 0 {
				wide = i
			}
		}
		cuts := 0
		for _, n := range tr.Nodes {
			if n.Cut {
				cuts++
			}
		}
		txt := fmt.Sprintf("The tree of the largest window, %s (%d messages, f_c = %d), has %d first-level values and %d cut points (campaigns). "+
			"The drawing shows %d of its nodes, the most frequent of the first %d levels and the paths down to the cut points of its %d largest campaigns; %d cut points are drawn. ",
			tr.Window, tr.Messages, tr.Cut, root.Children, root.Campaigns, len(tr.Nodes)-1, mine.TreeDepth, mine.TreePaths, cuts)
		if wide > 0 {
			w := tr.Nodes[wide]
			txt += fmt.Sprintf("The widest node shown, %s = %q, has %d children under %d messages: like the paper's random Subject suffixes, many children under one frequent path mark obfuscation.",
				w.Type, clip(w.Value, 40), w.Children, w.Count)
		}
		r.readings["fig1"] = txt
	}

	// Fig. 2.
	if len(r.NF) > 0 {
		a, b := r.NF[0], r.NF[len(r.NF)-1]
		atCut := -1.0
		for _, row := range r.NF {
			if row.F == r.Cut {
				atCut = row.Mean
			}
		}
		r.add("fig2", "mean_campaigns_per_window_at_cut", atCut, "")
		verdict := "As in the paper, the number of campaigns drops fast as f grows and then settles at low values."
		if !(b.Mean < a.Mean/10) {
			verdict = "Unlike the paper's curve, it does not fall by an order of magnitude over this range of f."
		}
		r.read("fig2", "Over %d dated windows, the mean N(f) falls from %.1f campaigns at f = %d to %.1f at f = %d (%.1f at the cut used, f_c = %d). %s",
			a.Windows, a.Mean, a.F, b.Mean, b.F, atCut, r.Cut, verdict)
	} else {
		r.read("fig2", "N(f) was not computed (spampots mine --nf-cuts).")
	}

	// Fig. 3.
	fc := float64(r.Cut)
	below := r.add("fig3a", "share_campaigns_smaller_than_cut", ShareBelow(in.sizes, fc), "0.02")
	above := r.add("fig3a", "share_campaigns_larger_than_10x_cut", shareOf(in.sizes, func(v float64) bool { return v > 10*fc }), "0.10")
	mid := r.add("fig3a", "share_campaigns_cut_to_10x_cut", shareIn(in.sizes, fc, 10*fc+1), "0.50")
	var midMsgs float64
	for _, v := range in.sizes {
		if v >= fc && v <= 10*fc {
			midMsgs += v
		}
	}
	midShare := r.add("fig3a", "share_messages_in_campaigns_cut_to_10x_cut", midMsgs/math.Max(1, float64(t.Messages)), "0.30")
	r.read("fig3a", "With f_c = %d, %s of the %d campaigns hold fewer than f_c messages (the paper: 2%% below 1000; our cut never yields a campaign below f_c, since a cut point needs f_n ≥ f_c), "+
		"%s hold more than 10·f_c (paper: 10%%) and %s lie between f_c and 10·f_c (paper: about 50%%), holding %s of all messages (paper: 30%%). The largest campaign has %d messages.",
		r.Cut, pct(below), len(in.sizes), pct(above), pct(mid), pct(midShare), int(slices.Max(append([]float64{0}, in.sizes...))))
	r.read("fig3b", "The median campaign has %.0f messages; %s of the campaigns have at most 2·f_c. Sizes spread over %s decades, hence the logarithmic axis.",
		median(in.sizes), pct(shareOf(in.sizes, func(v float64) bool { return v <= 2*fc })), decades(in.sizes))

	// Fig. 4.
	d100 := r.add("fig4a", "share_campaigns_shorter_than_100h", ShareBelow(in.durs, 100), "0.80")
	d24 := r.add("fig4a", "share_campaigns_shorter_than_24h", ShareBelow(in.durs, 24), "")
	tm24 := r.add("fig4a", "share_top5pct_by_messages_lasting_24h_or_more", 1-ShareBelow(in.topMsgs, 24), "")
	tb24 := r.add("fig4a", "share_top5pct_by_bytes_lasting_24h_or_more", 1-ShareBelow(in.topBytes, 24), "0.98 (top 10% by bytes, §4)")
	rTxt := "undefined (fewer than two dated campaigns, or a constant series)"
	if r.PearsonN > 0 {
		r.add("fig4a", "pearson_r_size_duration", r.Pearson, "0.993")
		rTxt = fmt.Sprintf("r = %.3f over %d campaigns", r.Pearson, r.PearsonN)
	}
	r.read("fig4a", "%s of the campaigns last less than 100 hours (the paper: 80%%) and %s less than a day. "+
		"Of the 5%% largest campaigns, %s by messages and %s by bytes last a day or more (the paper: about 98%% of the top 10%% by bytes). "+
		"The Pearson correlation of T(c) and D(c) (hours) is %s; the paper found r = 0.993.",
		pct(d100), pct(d24), pct(tm24), pct(tb24), rTxt)
	e := func(h float64) float64 {
		v := 0.0
		for _, p := range r.Exposure {
			if p.X <= h {
				v = p.Y
			}
		}
		if len(r.Exposure) > 0 && h > r.Exposure[len(r.Exposure)-1].X {
			return 0
		}
		return v
	}
	e0 := r.add("fig4b", "E_0h", e(0), "")
	e24 := r.add("fig4b", "E_24h", e(24), "0.83")
	e100 := r.add("fig4b", "E_100h", e(100), "> 0.70")
	r.read("fig4b", "E(0) = %s: the share of all messages in dated campaigns. E(24) = %s (the paper: about 83%%): a method that detects every campaign within a day of its first message "+
		"would have found the campaigns sending that share of the messages. E(100) = %s of the messages come from campaigns lasting 100 hours or more (paper: more than 70%%).",
		pct(e0), pct(e24), pct(e100))

	// Fig. 5.
	if len(r.Profile) == 101 && r.ProfileCampaigns > 0 {
		half := r.add("fig5a", "mean_share_sent_by_half_life", r.Profile[50], "0.5")
		dev := 0.0
		for x, v := range r.Profile {
			dev = max(dev, math.Abs(v-float64(x)/100))
		}
		r.add("fig5a", "max_deviation_from_uniform", dev, "")
		r.read("fig5a", "Averaged over %d campaigns with D(c) > 0, a campaign has sent %s of its messages by the middle of its life (the paper: about half, a homogeneous profile); "+
			"the curve departs from the diagonal by at most %s.", r.ProfileCampaigns, pct(half), pct(dev))
	} else {
		r.read("fig5a", "No campaign has two messages at different times.")
	}
	multi := 0
	for _, row := range r.Raster {
		c := r.campaign(row.Campaign)
		if c != nil && c.Bursts > 1 {
			multi++
		}
	}
	verdict := "as in the paper, sending comes in well separated sessions."
	if 2*multi <= len(r.Raster) {
		verdict = "most send in a single session here."
	}
	r.read("fig5b", "%d campaigns chosen at random (a fixed seed); %d of them send in more than one burst at IAT_max = %.0f s: %s",
		len(r.Raster), multi, r.IATMax.Seconds(), verdict)

	// Fig. 6.
	iatMaxS := r.IATMax.Seconds()
	le := r.add("fig6a", "share_campaign_iat_at_most_iat_max", 1-shareOf(in.campIATs, func(v float64) bool { return v > iatMaxS }), "")
	z := r.add("fig6a", "share_campaign_iat_zero", shareOf(in.campIATs, func(v float64) bool { return v == 0 }), "")
	r.add("fig6a", "median_campaign_iat_seconds", median(in.campIATs), "")
	r.read("fig6a", "%d inter-arrival times inside campaigns: the median is %.0f s, %s are at most IAT_max = %.0f s and %s are 0 (same second: the Date header has one-second resolution). "+
		"The long tail is what separates bursts.", len(in.campIATs), median(in.campIATs), pct(le), iatMaxS, pct(z))
	bAt := func(x float64) float64 {
		for _, p := range r.BurstsByIATMax {
			if p.X == x {
				return p.Y
			}
		}
		return math.NaN()
	}
	b1, b2, b5 := bAt(1000), bAt(iatMaxS), bAt(5000)
	r.add("fig6b", "bursts_at_iat_max", b2, "")
	chg := func(a, b float64) string {
		if a == 0 || math.IsNaN(a) || math.IsNaN(b) {
			return "n/a"
		}
		return fmt.Sprintf("%+.1f%%", 100*(b-a)/a)
	}
	r.read("fig6b", "%.0f bursts at IAT_max = 1000 s, %.0f at %.0f s and %.0f at 5000 s (%s from 1000 to %.0f s, %s from %.0f to 5000 s). "+
		"The paper saw little change past about 1000 s and chose IAT_max = 2000 s.", b1, b2, iatMaxS, b5, chg(b1, b2), iatMaxS, chg(b2, b5), iatMaxS)

	// Fig. 7.
	var bm []float64
	for _, p := range r.BurstMessages {
		bm = append(bm, p.Value)
	}
	one := 0.0
	if len(r.BurstMessages) > 0 && r.BurstMessages[0].Value == 1 {
		one = r.BurstMessages[0].CDF
	}
	r.add("fig7a", "share_bursts_of_one_message", one, "")
	nb := 0
	if n := len(r.BurstMessages); n > 0 {
		nb = r.BurstMessages[n-1].LE
	}
	r.read("fig7a", "%d bursts; %s of them are a single message and the largest has %.0f messages.", nb, pct(one), slices.Max(append([]float64{0}, bm...)))
	b1s := r.add("fig7b", "share_campaigns_with_one_burst", shareOf(in.bursts, func(v float64) bool { return v == 1 }), "0.67")
	b5s := r.add("fig7b", "share_campaigns_with_more_than_5_bursts", shareOf(in.bursts, func(v float64) bool { return v > 5 }), "0.06")
	r.read("fig7b", "%s of the campaigns send all their messages in one burst (the paper: about 67%%) and %s in more than 5 (paper: about 6%%).", pct(b1s), pct(b5s))

	// Fig. 8 and 9.
	day := func(v float64) bool { return v >= 1440-inactBin && v < 1440+inactBin }
	ip1000 := r.add("fig8a", "share_ip_inactivity_below_1000min", ShareBelow(in.ipInact, 1000), "0.90")
	ipDay := r.add("fig8a", "share_ip_inactivity_1380_1500min", shareOf(in.ipInact, day), "")
	r.read("fig8a", "%d inactivity periods of source IPs (gaps over IAT_max between messages of one IP, whatever the campaign): %s are under 1000 minutes (the paper: about 90%%) and %s lie within an hour of a day (1440 min).",
		len(in.ipInact), pct(ip1000), pct(ipDay))
	ip1s := r.add("fig8b", "share_ip_iat_below_1s", ShareBelow(in.ipIATs, 1), "0.66")
	c1s := ShareBelow(in.campIATs, 1)
	verdict = "an IP sends faster than a campaign, as in the paper"
	if ip1s <= c1s {
		verdict = "unlike the paper, an IP does not send faster than a campaign here"
	}
	r.read("fig8b", "%d inter-arrival times of messages from one IP; %s are under a second (the paper: almost 66%%), against %s inside campaigns: %s. "+
		"Where times come from Date headers (one-second resolution), under a second means the same second.",
		len(in.ipIATs), pct(ip1s), pct(c1s), verdict)
	c100 := r.add("fig9a", "share_campaign_inactivity_below_100min", ShareBelow(in.campInact, 100), "0.47")
	cDay := r.add("fig9a", "share_campaign_inactivity_1380_1500min", shareOf(in.campInact, day), "0.08 (around 1440 min)")
	r.read("fig9a", "%d inactivity periods inside campaigns (gaps over IAT_max between bursts): %s are under 100 minutes (the paper: about 47%%) and %s lie within an hour of a day (the paper: about 8%% around 1440 minutes, with further peaks at whole days) against %s for IPs. "+
		"%d periods longer than a week are beyond the plot.",
		len(in.campInact), pct(c100), pct(cDay), pct(ipDay), r.CampInactOver)
	c1000 := r.add("fig9b", "share_campaign_inactivity_below_1000min", ShareBelow(in.campInact, 1000), "0.65")
	verdict = "an IP goes back to work sooner than a campaign, as if it sent for several campaigns (the paper's reading)."
	if ip1000 <= c1000 {
		verdict = "unlike the paper, campaigns resume sooner than IPs: here a campaign is sent by many IPs, each seen rarely."
	}
	r.read("fig9b", "%s of the campaigns' inactivity periods are under 1000 minutes against %s of the IPs' (the paper: 65%% and 90%%): %s", pct(c1000), pct(ip1000), verdict)

	// Fig. 10.
	le2 := r.add("fig10a", "share_campaigns_with_at_most_2_ips", shareOf(in.ipc, func(v float64) bool { return v <= 2 }), "0.50")
	lt10 := r.add("fig10a", "share_campaigns_with_fewer_than_10_ips", ShareBelow(in.ipc, 10), "0.90")
	r.read("fig10a", "%s of the campaigns use 1 or 2 source IPs (the paper: about 50%%) and %s fewer than 10 (paper: 90%%); the median campaign uses %.0f.",
		pct(le2), pct(lt10), median(in.ipc))
	one1 := r.add("fig10b", "share_ips_with_one_message", shareOf(in.perIP, func(v float64) bool { return v == 1 }), "")
	var topShare float64
	if len(in.perIP) > 0 {
		s := slices.Clone(in.perIP)
		slices.Sort(s)
		slices.Reverse(s)
		var tot, topN float64
		for i, v := range s {
			tot += v
			if i < int(math.Ceil(0.01*float64(len(s)))) {
				topN += v
			}
		}
		topShare = topN / tot
	}
	r.add("fig10b", "share_messages_from_top_1pct_ips", topShare, "")
	r.read("fig10b", "%d source IPs; %s of them sent a single message, and the busiest 1%% sent %s of the messages.", len(in.perIP), pct(one1), pct(topShare))
}

// decades is the number of powers of ten the positive values span, as text.
func decades(values []float64) string {
	lo, hi := math.Inf(1), 0.0
	for _, v := range values {
		if v > 0 {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if hi == 0 {
		return "0"
	}
	return fmt.Sprintf("%.1f", math.Log10(hi/lo))
}

type table1Row struct {
	metric string
	value  float64
	text   string // the value as written, when not a number
	paper  string
}

// table1Rows is Table 1 as rows: the paper's seven, then the counts that
// help read them.
func table1Rows(t Table1) []table1Row {
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	date := func(x time.Time) string {
		if x.IsZero() {
			return ""
		}
		return x.Format(time.RFC3339)
	}
	return []table1Row{
		{"messages", float64(t.Messages), "", num(paperMessages)},
		{"mean_messages_per_day", t.MeanPerDay, "", num(paperMeanPerDay)},
		{"bytes", float64(t.Bytes), "", num(paperBytes)},
		{"unique_ips", float64(t.UniqueIPs), "", num(paperUniqueIPs)},
		{"campaigns_before_merge", float64(t.CampaignsBeforeMerge), "", num(paperCampaignsBefore)},
		{"campaigns_after_merge", float64(t.CampaignsAfterMerge), "", num(paperCampaignsAfter)},
		{"days", float64(t.Days), "", num(paperDays)},
		{"undated_messages", float64(t.Undated), "", ""},
		{"messages_in_campaigns", float64(t.InCampaigns), "", ""},
		{"windows", float64(t.Windows), "", ""},
		{"first_message", 0, date(t.First), ""},
		{"last_message", 0, date(t.Last), ""},
	}
}

func frac(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (r *Report) campaign(id string) *CampaignRow {
	for i := range r.Campaigns {
		if r.Campaigns[i].ID == id {
			return &r.Campaigns[i]
		}
	}
	return nil
}

// clip shortens s to at most n runes, marking the cut with "…".
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}
