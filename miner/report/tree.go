package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strings"

	"github.com/spampots/spampots/miner/features"
	"github.com/spampots/spampots/miner/mine"
)

// Fig. 1 layout: one row per node in pre-order, depth to the right.
const (
	treeRow    = 26.0
	treeCol    = 90.0
	treeMargin = 20.0
	treeLabel  = 460.0 // room for the last column's labels
	treeMaxR   = 11.0
)

// typeColor is a feature type's colour in Fig. 1, in features order.
func typeColor(typ string) string {
	for t := range features.NumTypes {
		if features.Type(t).String() == typ {
			c := palette[t%len(palette)]
			return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
		}
	}
	return "#7f7f7f"
}

// xmlText escapes s for SVG text, first making it valid UTF-8 without
// control characters (XML 1.0 allows neither).
func xmlText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0xfffe || r == 0xffff {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// treeSVG draws the top of an FP-tree like the paper's Fig. 1: a node per
// ⟨type, value⟩, coloured by type, its circle's area proportional to its
// frequency f_n, cut points (campaigns) ringed in red; each label gives
// the value, f_n and the node's number of children in the whole tree. A
// nil tree gives a placeholder.
func treeSVG(t *mine.TreeTop) []byte {
	var b bytes.Buffer
	if t == nil || len(t.Nodes) == 0 {
		b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="400" height="60" viewBox="0 0 400 60">` +
			`<text x="20" y="35" font-family="sans-serif" font-size="14">no tree: no message was mined</text></svg>` + "\n")
		return b.Bytes()
	}
	maxDepth := 0
	for _, n := range t.Nodes {
		maxDepth = max(maxDepth, n.Depth)
	}
	legendH := 60.0
	w := 2*treeMargin + float64(maxDepth)*treeCol + treeLabel
	h := 2*treeMargin + float64(len(t.Nodes))*treeRow + legendH
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="11">`+"\n", w, h, w, h)
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	x := func(n int) float64 { return treeMargin + treeMaxR + float64(t.Nodes[n].Depth)*treeCol }
	y := func(n int) float64 { return treeMargin + treeMaxR + float64(n)*treeRow }
	root := float64(max(t.Nodes[0].Count, 1))
	radius := func(n int) float64 { return 2 + (treeMaxR-2)*math.Sqrt(float64(t.Nodes[n].Count)/root) }
	// Edges first, under the nodes.
	b.WriteString(`<g stroke="#999" fill="none" stroke-width="1">` + "\n")
	for n, nd := range t.Nodes {
		if nd.Parent >= 0 {
			fmt.Fprintf(&b, `<path d="M%.1f %.1fV%.1fH%.1f"/>`+"\n", x(nd.Parent), y(nd.Parent), y(n), x(n))
		}
	}
	b.WriteString("</g>\n")
	types := map[string]bool{}
	for n, nd := range t.Nodes {
		fill := "#333"
		if n > 0 {
			fill = typeColor(nd.Type)
			types[nd.Type] = true
		}
		stroke := ""
		if nd.Cut {
			stroke = ` stroke="#d62728" stroke-width="3"`
		}
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s"%s><title>%s</title></circle>`+"\n",
			x(n), y(n), radius(n), fill, stroke, xmlText(nodeTitle(nd)))
		label := fmt.Sprintf("window %s: %d messages, f_c = %d, %d campaigns", t.Window, t.Messages, t.Cut, nd.Campaigns)
		if n > 0 {
			label = fmt.Sprintf("%s: %s", nd.Type, clip(nd.Value, 44))
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%s <tspan fill="#666">f=%d`, x(n)+treeMaxR+4, y(n)+4, xmlText(label), nd.Count)
		switch {
		case n > 0 && nd.Children == 1:
			b.WriteString(`, 1 child`)
		case n > 0 && nd.Children > 1:
			fmt.Fprintf(&b, `, %d children`, nd.Children)
		}
		if nd.HiddenChildren > 0 {
			fmt.Fprintf(&b, ` (%d not shown, %d msgs)`, nd.HiddenChildren, nd.HiddenCount)
		}
		if nd.Cut {
			b.WriteString(`</tspan> <tspan fill="#d62728">cut point</tspan></text>` + "\n")
		} else {
			b.WriteString("</tspan></text>\n")
		}
	}
	// Legend: the types shown, in features order, and the cut mark.
	ly := h - legendH + 10
	lx := treeMargin
	for ft := range features.NumTypes {
		name := features.Type(ft).String()
		if !types[name] {
			continue
		}
		if lx > w-150 {
			lx, ly = treeMargin, ly+18
		}
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="5" fill="%s"/><text x="%.1f" y="%.1f">%s</text>`+"\n", lx+5, ly, typeColor(name), lx+14, ly+4, xmlText(name))
		lx += 30 + 7*float64(len(name))
	}
	fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="5" fill="white" stroke="#d62728" stroke-width="3"/><text x="%.1f" y="%.1f">cut point (a campaign)</text>`+"\n", lx+5, ly, lx+14, ly+4)
	b.WriteString("</svg>\n")
	return b.Bytes()
}

func nodeTitle(nd mine.TreeNode) string {
	if nd.Parent < 0 {
		return fmt.Sprintf("root: %d messages", nd.Count)
	}
	return fmt.Sprintf("%s = %s\nf = %d, %d children, %d campaigns below", nd.Type, nd.Value, nd.Count, nd.Children, nd.Campaigns)
}
