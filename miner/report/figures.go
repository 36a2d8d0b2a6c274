package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// figure is one figure of the report: its SVG and CSV files, the paper's
// caption and the reading generated from the numbers.
type figure struct {
	ID      string // fig1, fig2, fig3a, ...
	Title   string
	Caption string // the paper's caption, translated
	SVG     string // file name
	CSV     string // file name
	Reading string
	csv     func(r *Report, w *csv.Writer)
	svg     func(r *Report) ([]byte, error)
}

// figures lists the report's figures in the paper's order.
func figures() []figure {
	return []figure{
		{ID: "fig1", Title: "Top of the FP-tree", Caption: "Fig. 1: an FP-tree built from part of the messages. Colours are attribute types, node size the value's frequency.",
			SVG: "fig1_tree.svg", CSV: "fig1_tree.csv", csv: csvTree, svg: func(r *Report) ([]byte, error) { return treeSVG(r.Tree), nil }},
		{ID: "fig2", Title: "N(f): campaigns by cut frequency", Caption: "Fig. 2: mean number of campaigns per day as the cut f varies (error bars: one standard deviation over the days).",
			SVG: "fig2_nf.svg", CSV: "fig2_nf.csv", csv: csvNF, svg: svgNF},
		{ID: "fig3a", Title: "T(c): campaign sizes, frequency", Caption: "Fig. 3 (left): frequency of campaign sizes in messages at the cut used.",
			SVG: "fig3a_size_freq.svg", CSV: "fig3a_size_freq.csv", csv: csvSizeBins, svg: svgSizeBins},
		{ID: "fig3b", Title: "T(c): campaign sizes, cumulative", Caption: "Fig. 3 (right): cumulative distribution of campaign sizes.",
			SVG: "fig3b_size_cdf.svg", CSV: "fig3b_size_cdf.csv", csv: cdfCSV("messages", func(r *Report) []CDFPoint { return r.SizeCDF }),
			svg: cdfSVG("T(c): campaign size", "messages per campaign", true, func(r *Report) []Curve { return []Curve{{"", r.SizeCDF}} })},
		{ID: "fig4a", Title: "D(c): campaign durations", Caption: "Fig. 4(a): cumulative distribution of campaign durations: all campaigns, and the 5% largest by messages and by bytes (dashed).",
			SVG: "fig4a_duration_cdf.svg", CSV: "fig4a_duration_cdf.csv", csv: curvesCSV("hours", func(r *Report) []Curve { return r.Durations }),
			svg: cdfSVG("D(c): campaign duration", "hours", false, func(r *Report) []Curve { return r.Durations })},
		{ID: "fig4b", Title: "E(h): messages in campaigns lasting h hours or more", Caption: "Fig. 4(b): E(h), the share of all messages sent by campaigns lasting at least h hours.",
			SVG: "fig4b_exposure.svg", CSV: "fig4b_exposure.csv", csv: csvExposure, svg: svgExposure},
		{ID: "fig5a", Title: "Send profile within campaigns", Caption: "Fig. 5(a): mean share of a campaign's messages sent by each instant of its life.",
			SVG: "fig5a_send_profile.svg", CSV: "fig5a_send_profile.csv", csv: csvProfile, svg: svgProfile},
		{ID: "fig5b", Title: "Send profile of 20 random campaigns", Caption: "Fig. 5(b): each row a campaign, each tick a message at its time.",
			SVG: "fig5b_send_raster.svg", CSV: "fig5b_send_raster.csv", csv: csvRaster, svg: svgRaster},
		{ID: "fig6a", Title: "IATs within campaigns", Caption: "Fig. 6(a): cumulative distribution of the inter-arrival times of messages within campaigns.",
			SVG: "fig6a_campaign_iat_cdf.svg", CSV: "fig6a_campaign_iat_cdf.csv", csv: cdfCSV("seconds", func(r *Report) []CDFPoint { return r.CampaignIAT }),
			svg: cdfSVG("IAT within campaigns", "seconds", true, func(r *Report) []Curve { return []Curve{{"", r.CampaignIAT}} })},
		{ID: "fig6b", Title: "Bursts by IAT_max", Caption: "Fig. 6(b): number of bursts found with each maximum inter-arrival time IAT_max.",
			SVG: "fig6b_bursts_by_iat_max.svg", CSV: "fig6b_bursts_by_iat_max.csv", csv: csvBurstsByIAT, svg: svgBurstsByIAT},
		{ID: "fig7a", Title: "Messages per burst", Caption: "Fig. 7(a): cumulative distribution of the number of messages in each burst.",
			SVG: "fig7a_burst_messages_cdf.svg", CSV: "fig7a_burst_messages_cdf.csv", csv: cdfCSV("messages", func(r *Report) []CDFPoint { return r.BurstMessages }),
			svg: cdfSVG("Messages per burst", "messages", true, func(r *Report) []Curve { return []Curve{{"", r.BurstMessages}} })},
		{ID: "fig7b", Title: "Bursts per campaign", Caption: "Fig. 7(b): cumulative distribution of the number of bursts per campaign.",
			SVG: "fig7b_bursts_per_campaign_cdf.svg", CSV: "fig7b_bursts_per_campaign_cdf.csv", csv: cdfCSV("bursts", func(r *Report) []CDFPoint { return r.BurstsPerCampaign }),
			svg: cdfSVG("Bursts per campaign", "bursts", true, func(r *Report) []Curve { return []Curve{{"", r.BurstsPerCampaign}} })},
		{ID: "fig8a", Title: "Inactivity periods of source IPs", Caption: "Fig. 8(a): distribution of the inactivity periods between the sending sessions of one IP.",
			SVG: "fig8a_ip_inactivity_hist.svg", CSV: "fig8a_ip_inactivity_hist.csv",
			csv: histCSV(func(r *Report) ([]Bin, int) { return r.IPInactivity, r.IPInactivityOver }),
			svg: histSVG("Inactivity of source IPs", func(r *Report) ([]Bin, int) { return r.IPInactivity, r.IPInactivityOver })},
		{ID: "fig8b", Title: "IATs per source IP", Caption: "Fig. 8(b): cumulative distribution of the inter-arrival times of messages from one IP.",
			SVG: "fig8b_ip_iat_cdf.svg", CSV: "fig8b_ip_iat_cdf.csv", csv: cdfCSV("seconds", func(r *Report) []CDFPoint { return r.IPIAT }),
			svg: cdfSVG("IAT per source IP", "seconds", true, func(r *Report) []Curve { return []Curve{{"", r.IPIAT}} })},
		{ID: "fig9a", Title: "Inactivity periods of campaigns", Caption: "Fig. 9(a): distribution of the inactivity periods of campaigns (between a burst and the next).",
			SVG: "fig9a_campaign_inactivity_hist.svg", CSV: "fig9a_campaign_inactivity_hist.csv",
			csv: histCSV(func(r *Report) ([]Bin, int) { return r.CampInactivity, r.CampInactOver }),
			svg: histSVG("Inactivity of campaigns", func(r *Report) ([]Bin, int) { return r.CampInactivity, r.CampInactOver })},
		{ID: "fig9b", Title: "Inactivity periods, cumulative", Caption: "Fig. 9(b): cumulative distribution of the inactivity periods of campaigns and of source IPs.",
			SVG: "fig9b_inactivity_cdf.svg", CSV: "fig9b_inactivity_cdf.csv", csv: curvesCSV("minutes", func(r *Report) []Curve { return r.InactivityCDF }),
			svg: cdfSVG("Inactivity periods", "minutes", true, func(r *Report) []Curve { return r.InactivityCDF })},
		{ID: "fig10a", Title: "Source IPs per campaign", Caption: "Fig. 10(a): cumulative distribution of the distinct source IPs per campaign.",
			SVG: "fig10a_ips_per_campaign_cdf.svg", CSV: "fig10a_ips_per_campaign_cdf.csv", csv: cdfCSV("ips", func(r *Report) []CDFPoint { return r.IPsPerCampaign }),
			svg: cdfSVG("Source IPs per campaign", "distinct IPs", true, func(r *Report) []Curve { return []Curve{{"", r.IPsPerCampaign}} })},
		{ID: "fig10b", Title: "Messages per source IP", Caption: "Fig. 10(b): cumulative distribution of the number of messages sent by each IP.",
			SVG: "fig10b_messages_per_ip_cdf.svg", CSV: "fig10b_messages_per_ip_cdf.csv", csv: cdfCSV("messages", func(r *Report) []CDFPoint { return r.MessagesPerIP }),
			svg: cdfSVG("Messages per source IP", "messages", true, func(r *Report) []Curve { return []Curve{{"", r.MessagesPerIP}} })},
	}
}

// f formats a number for CSV: shortest exact decimal, no exponent.
func f(v float64) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func i(v int) string { return strconv.Itoa(v) }

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// CSV tables.

func csvTable1(r *Report, w *csv.Writer) {
	w.Write([]string{"metric", "value", "paper"})
	for _, row := range table1Rows(r.Table1) {
		v := row.text
		if row.text == "" && row.metric != "first_message" && row.metric != "last_message" {
			v = f(row.value)
		}
		w.Write([]string{row.metric, v, row.paper})
	}
}

func csvFindings(r *Report, w *csv.Writer) {
	w.Write([]string{"figure", "metric", "value", "paper"})
	for _, x := range r.Findings {
		w.Write([]string{x.Figure, x.Metric, f(x.Value), x.Paper})
	}
}

func csvCampaigns(r *Report, w *csv.Writer) {
	w.Write([]string{"id", "size", "bytes", "dated", "first_seen", "last_seen", "duration_hours", "days", "bursts", "source_ips"})
	for _, c := range r.Campaigns {
		w.Write([]string{c.ID, i(c.Size), strconv.FormatInt(c.Bytes, 10), i(c.Dated), ts(c.First), ts(c.Last),
			f(c.DurationHours), i(c.Days), i(c.Bursts), i(c.SourceIPs)})
	}
}

func csvTree(r *Report, w *csv.Writer) {
	w.Write([]string{"node", "parent", "depth", "type", "value", "count", "children", "hidden_children", "hidden_count", "cut", "campaigns"})
	if r.Tree == nil {
		return
	}
	for n, nd := range r.Tree.Nodes {
		w.Write([]string{i(n), i(nd.Parent), i(nd.Depth), nd.Type, nd.Value, i(nd.Count), i(nd.Children),
			i(nd.HiddenChildren), i(nd.HiddenCount), strconv.FormatBool(nd.Cut), i(nd.Campaigns)})
	}
}

func csvNF(r *Report, w *csv.Writer) {
	w.Write([]string{"f", "windows", "mean", "std", "min", "max", "total"})
	for _, row := range r.NF {
		w.Write([]string{i(row.F), i(row.Windows), f(row.Mean), f(row.Std), i(row.Min), i(row.Max), i(row.Total)})
	}
}

func csvSizeBins(r *Report, w *csv.Writer) {
	w.Write([]string{"min", "max", "campaigns"})
	for _, b := range r.SizeBins {
		w.Write([]string{f(b.Min), f(b.Max), i(b.Count)})
	}
}

func cdfCSV(unit string, pts func(*Report) []CDFPoint) func(*Report, *csv.Writer) {
	return func(r *Report, w *csv.Writer) {
		w.Write([]string{unit, "le", "cdf"})
		for _, p := range pts(r) {
			w.Write([]string{f(p.Value), i(p.LE), f(p.CDF)})
		}
	}
}

func curvesCSV(unit string, curves func(*Report) []Curve) func(*Report, *csv.Writer) {
	return func(r *Report, w *csv.Writer) {
		w.Write([]string{"curve", unit, "le", "cdf"})
		for _, c := range curves(r) {
			for _, p := range c.Points {
				w.Write([]string{c.Name, f(p.Value), i(p.LE), f(p.CDF)})
			}
		}
	}
}

func histCSV(bins func(*Report) ([]Bin, int)) func(*Report, *csv.Writer) {
	return func(r *Report, w *csv.Writer) {
		bs, over := bins(r)
		w.Write([]string{"min_minutes", "max_minutes", "periods"})
		for _, b := range bs {
			w.Write([]string{f(b.Min), f(b.Max), i(b.Count)})
		}
		w.Write([]string{f(inactSpan), f(math.Inf(1)), i(over)})
	}
}

func csvExposure(r *Report, w *csv.Writer) {
	w.Write([]string{"hours", "e"})
	for _, p := range r.Exposure {
		w.Write([]string{f(p.X), f(p.Y)})
	}
}

func csvProfile(r *Report, w *csv.Writer) {
	w.Write([]string{"life_pct", "mean_sent"})
	if r.ProfileCampaigns == 0 {
		return
	}
	for x, v := range r.Profile {
		w.Write([]string{i(x), f(v)})
	}
}

func csvRaster(r *Report, w *csv.Writer) {
	w.Write([]string{"campaign", "hours"})
	for _, row := range r.Raster {
		for _, h := range row.Hours {
			w.Write([]string{row.Campaign, f(h)})
		}
	}
}

func csvBurstsByIAT(r *Report, w *csv.Writer) {
	w.Write([]string{"iat_max_seconds", "bursts"})
	for _, p := range r.BurstsByIATMax {
		w.Write([]string{f(p.X), f(p.Y)})
	}
}

// SVG figures.

func cdfSVG(title, xlabel string, logX bool, curves func(*Report) []Curve) func(*Report) ([]byte, error) {
	return func(r *Report) ([]byte, error) {
		c := newChart(title, xlabel, "cumulative share", logX, false)
		cs := curves(r)
		for k, cv := range cs {
			if err := c.cdf(cv.Name, cv.Points, k, k > 0); err != nil {
				return nil, err
			}
		}
		c.shareAxis(len(cs))
		return c.svg()
	}
}

func svgNF(r *Report) ([]byte, error) {
	c := newChart("N(f): campaigns per window", "cut frequency f", "campaigns (mean ± std)", true, false)
	var xys plotter.XYs
	var errs plotter.YErrors
	for _, row := range r.NF {
		if row.F > 0 {
			xys = append(xys, plotter.XY{X: float64(row.F), Y: row.Mean})
			errs = append(errs, struct{ Low, High float64 }{row.Std, row.Std})
		}
	}
	if err := c.line("", xys, 0, false, false); err != nil {
		return nil, err
	}
	if len(xys) > 0 {
		eb, err := plotter.NewYErrorBars(errBars{xys, errs})
		if err != nil {
			return nil, err
		}
		eb.Color = palette[0]
		c.p.Add(eb)
		s, err := plotter.NewScatter(xys)
		if err != nil {
			return nil, err
		}
		s.Color = palette[0]
		c.p.Add(s)
	}
	return c.svg()
}

func svgSizeBins(r *Report) ([]byte, error) {
	c := newChart("T(c): campaign size", "messages per campaign", "campaigns", true, false)
	c.bars(r.SizeBins, func(b Bin) float64 { return float64(b.Count) })
	return c.svg()
}

func svgExposure(r *Report) ([]byte, error) {
	c := newChart("E(h)", "h (hours)", "share of all messages", false, false)
	xys := make(plotter.XYs, len(r.Exposure))
	for k, p := range r.Exposure {
		xys[k] = plotter.XY{X: p.X, Y: p.Y}
	}
	if err := c.line("", xys, 0, true, false); err != nil {
		return nil, err
	}
	c.shareAxis(1)
	return c.svg()
}

func svgProfile(r *Report) ([]byte, error) {
	c := newChart("Send profile", "% of the campaign's life", "mean % of its messages sent", false, false)
	if r.ProfileCampaigns > 0 {
		xys := make(plotter.XYs, len(r.Profile))
		for x, v := range r.Profile {
			xys[x] = plotter.XY{X: float64(x), Y: 100 * v}
		}
		if err := c.line(fmt.Sprintf("%d campaigns", r.ProfileCampaigns), xys, 0, false, false); err != nil {
			return nil, err
		}
		if err := c.line("uniform", plotter.XYs{{X: 0, Y: 0}, {X: 100, Y: 100}}, 7, false, true); err != nil {
			return nil, err
		}
		c.p.Legend.Left, c.p.Legend.XOffs = true, vg.Points(6)
	}
	c.p.X.Min, c.p.X.Max, c.p.Y.Min, c.p.Y.Max = 0, 100, 0, 100
	return c.svg()
}

func svgRaster(r *Report) ([]byte, error) {
	c := newChart("Send profile of random campaigns", "hours since the first message", "", false, false)
	if len(r.Raster) > 0 {
		var rows [][]float64
		var names []string
		for _, row := range r.Raster {
			rows = append(rows, row.Hours)
			names = append(names, row.Campaign)
		}
		c.p.Add(ticks{rows: rows, color: palette[0]})
		c.p.NominalY(names...)
		c.p.Y.Tick.Label.Font.Size = vg.Points(7)
		c.empty = false
	}
	return c.svg()
}

func svgBurstsByIAT(r *Report) ([]byte, error) {
	c := newChart("Bursts by IAT_max", "IAT_max (seconds)", "bursts", true, false)
	xys := make(plotter.XYs, len(r.BurstsByIATMax))
	for k, p := range r.BurstsByIATMax {
		xys[k] = plotter.XY{X: p.X, Y: p.Y}
	}
	if err := c.line("", xys, 0, false, false); err != nil {
		return nil, err
	}
	if !c.empty {
		s, err := plotter.NewScatter(c.keep(xys))
		if err != nil {
			return nil, err
		}
		s.Color = palette[0]
		c.p.Add(s)
		if err := c.line(fmt.Sprintf("IAT_max = %.0f s", r.IATMax.Seconds()),
			plotter.XYs{{X: r.IATMax.Seconds(), Y: 0}, {X: r.IATMax.Seconds(), Y: maxY(xys)}}, 1, false, true); err != nil {
			return nil, err
		}
		c.p.Y.Min = 0
	}
	return c.svg()
}

func maxY(xys plotter.XYs) float64 {
	m := 0.0
	for _, p := range xys {
		m = max(m, p.Y)
	}
	return m
}

// histSVG draws inactivity periods as shares of all periods, those beyond
// the last bin included.
func histSVG(title string, bins func(*Report) ([]Bin, int)) func(*Report) ([]byte, error) {
	return func(r *Report) ([]byte, error) {
		bs, total := bins(r)
		for _, b := range bs {
			total += b.Count
		}
		c := newChart(title, "minutes (1-hour bins; dashed: whole days)", "share of all periods (log)", false, true)
		if total > 0 {
			lo, top := 1.0, 0.0
			for _, b := range bs {
				if b.Count > 0 {
					lo, top = min(lo, float64(b.Count)/float64(total)), max(top, float64(b.Count)/float64(total))
				}
			}
			c.bars(bs, func(b Bin) float64 { return float64(b.Count) / float64(total) })
			for d := 1440.0; d < inactSpan; d += 1440 {
				if err := c.line("", plotter.XYs{{X: d, Y: lo / 2}, {X: d, Y: top}}, 1, false, true); err != nil {
					return nil, err
				}
			}
		}
		c.p.X.Min, c.p.X.Max = 0, inactSpan
		c.p.X.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "0"}, {Value: 1440, Label: "1440"}, {Value: 2880, Label: "2880"},
			{Value: 4320, Label: "4320"}, {Value: 5760, Label: "5760"}, {Value: 7200, Label: "7200"}, {Value: 8640, Label: "8640"}, {Value: 10080, Label: "10080"}}
		return c.svg()
	}
}

// writeCSV writes one table with encoding/csv (RFC 4180, "\n" line ends).
func writeCSV(w io.Writer, fill func(*csv.Writer)) error {
	cw := csv.NewWriter(w)
	fill(cw)
	cw.Flush()
	return cw.Error()
}
