package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Figure size: a third of an A4 page wide, like the paper's.
const (
	figW = 6 * vg.Inch
	figH = 3.6 * vg.Inch
)

// palette: one color per curve, then per feature type in Fig. 1.
var palette = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xd6, 0x27, 0x28, 0xff}, {0x2c, 0xa0, 0x2c, 0xff},
	{0xff, 0x7f, 0x0e, 0xff}, {0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff},
	{0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff}, {0xbc, 0xbd, 0x22, 0xff},
	{0x17, 0xbe, 0xcf, 0xff}, {0x39, 0x3b, 0x79, 0xff}, {0x63, 0x79, 0x39, 0xff},
	{0x8c, 0x6d, 0x31, 0xff}, {0x84, 0x3c, 0x39, 0xff},
}

// chart is one plot being built.
type chart struct {
	p          *plot.Plot
	logX, logY bool
	empty      bool
}

func newChart(title, xlabel, ylabel string, logX, logY bool) *chart {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Legend.Top = true
	p.Legend.Left = false
	p.Legend.XOffs = -vg.Points(12)
	p.Add(plotter.NewGrid())
	if logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	return &chart{p: p, logX: logX, logY: logY, empty: true}
}

// keep drops the points a log axis cannot show.
func (c *chart) keep(xys plotter.XYs) plotter.XYs {
	out := xys[:0:0]
	for _, p := range xys {
		if (!c.logX || p.X > 0) && (!c.logY || p.Y > 0) && !math.IsNaN(p.X) && !math.IsNaN(p.Y) {
			out = append(out, p)
		}
	}
	return out
}

// line adds a curve; step draws it as an empirical distribution's steps.
func (c *chart) line(name string, xys plotter.XYs, i int, step, dashed bool) error {
	xys = c.keep(xys)
	if len(xys) == 0 {
		return nil
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		return err
	}
	l.Color = palette[i%len(palette)]
	l.Width = vg.Points(1.2)
	if step {
		l.StepStyle = plotter.PostStep
	}
	if dashed {
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	}
	c.p.Add(l)
	if name != "" {
		c.p.Legend.Add(name, l)
	}
	c.empty = false
	return nil
}

// cdf adds an empirical distribution as steps.
func (c *chart) cdf(name string, pts []CDFPoint, i int, dashed bool) error {
	xys := make(plotter.XYs, len(pts))
	for j, p := range pts {
		xys[j] = plotter.XY{X: p.Value, Y: p.CDF}
	}
	return c.line(name, xys, i, true, dashed)
}

// bars adds a histogram of bins, each bar's height being weight(bin).
func (c *chart) bars(bins []Bin, weight func(Bin) float64) {
	var hb []plotter.HistogramBin
	for _, b := range bins {
		if c.logX && b.Min <= 0 || c.logY && weight(b) <= 0 {
			continue
		}
		hb = append(hb, plotter.HistogramBin{Min: b.Min, Max: b.Max, Weight: weight(b)})
	}
	if len(hb) == 0 {
		return
	}
	h := &plotter.Histogram{Bins: hb, Width: hb[0].Max - hb[0].Min, FillColor: color.RGBA{0x9e, 0xc5, 0xe3, 0xff}, LogY: c.logY}
	h.LineStyle = draw.LineStyle{Color: palette[0], Width: vg.Points(0.5)}
	c.p.Add(h)
	c.empty = false
}

// shareAxis fixes the Y axis to [0, 1] with quarter ticks, plus headroom
// above 1 for a legend of n entries when n > 1.
func (c *chart) shareAxis(n int) {
	c.p.Y.Min, c.p.Y.Max = 0, 1
	if n > 1 {
		c.p.Y.Max = 1 + 0.1*float64(n)
		c.p.Legend.Left, c.p.Legend.XOffs = true, vg.Points(6)
	}
	c.p.Y.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "0"}, {Value: 0.25, Label: "0.25"}, {Value: 0.5, Label: "0.5"}, {Value: 0.75, Label: "0.75"}, {Value: 1, Label: "1"}}
}

// svg renders the chart. gonum/plot panics on some degenerate inputs; that
// becomes an error.
func (c *chart) svg() (out []byte, err error) {
	defer func() {
		if e := recover(); e != nil {
			err = fmt.Errorf("report: plotting %q: %v", c.p.Title.Text, e)
		}
	}()
	if c.empty {
		// Nothing to draw: fixed ranges, and a note.
		c.p.X.Scale, c.p.Y.Scale = plot.LinearScale{}, plot.LinearScale{}
		c.p.X.Tick.Marker, c.p.Y.Tick.Marker = plot.DefaultTicks{}, plot.DefaultTicks{}
		c.p.X.Min, c.p.X.Max, c.p.Y.Min, c.p.Y.Max = 0, 1, 0, 1
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: 0.5, Y: 0.5}}, Labels: []string{"no data"}})
		if err != nil {
			return nil, err
		}
		c.p.Add(l)
	}
	for _, a := range []*plot.Axis{&c.p.X, &c.p.Y} {
		if _, ok := a.Scale.(plot.LogScale); ok && a.Min == a.Max {
			a.Min, a.Max = a.Min/2, a.Max*2
		}
	}
	cv := vgsvg.New(figW, figH)
	// A right margin: gonum/plot lets the last X tick label run off the canvas.
	c.p.Draw(draw.Crop(draw.New(cv), 0, -vg.Points(14), 0, 0))
	var b bytes.Buffer
	if _, err := cv.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// errBars is N(f)'s mean and standard deviation for plotter.NewYErrorBars.
type errBars struct {
	plotter.XYs
	plotter.YErrors
}

// ticks draws Fig. 5(b): one row per campaign, a vertical tick per message.
type ticks struct {
	rows  [][]float64
	color color.Color
}

func (t ticks) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	ls := draw.LineStyle{Color: t.color, Width: vg.Points(0.5)}
	for i, row := range t.rows {
		y0, y1 := trY(float64(i)-0.4), trY(float64(i)+0.4)
		for _, x := range row {
			xx := trX(x)
			c.StrokeLines(ls, c.ClipLinesXY([]vg.Point{{X: xx, Y: y0}, {X: xx, Y: y1}})...)
		}
	}
}

func (t ticks) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = math.Inf(1), math.Inf(-1)
	for _, row := range t.rows {
		for _, x := range row {
			xmin, xmax = min(xmin, x), max(xmax, x)
		}
	}
	return xmin, xmax, -0.5, float64(len(t.rows)) - 0.5
}
