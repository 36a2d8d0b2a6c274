package mine

import (
	"cmp"
	"slices"
	"time"

	"github.com/spampots/spampots/miner/features"
	"github.com/spampots/spampots/miner/fptree"
)

// campaignFacts fills each campaign's samples, times, days, D(c), bursts
// and top lists from the per-message columns, once msgCamp is set. It
// visits each campaign's messages together (a counting sort by campaign),
// so the work is linear in the messages. Out of core, the top Subjects'
// strings are read back from the spill directory at the end, the only
// error.
func (r *Result) campaignFacts() error {
	nc := len(r.Campaigns)
	start := make([]int, nc+1)
	for _, c := range r.msgCamp {
		if c >= 0 {
			start[c+1]++
		}
	}
	for c := range nc {
		start[c+1] += start[c]
	}
	r.Summary.InCampaigns = start[nc]
	order := make([]int32, start[nc]) // message indexes grouped by campaign, input order inside
	fill := slices.Clone(start[:nc])
	for g, c := range r.msgCamp {
		if c >= 0 {
			order[fill[c]] = int32(g)
			fill[c]++
		}
	}
	iatMax := r.IATMax.Microseconds()
	subj := newTopCounter(&r.subjects)
	var subjIDs [][]int32 // out of core: each campaign's top Subjects' ids
	if r.subjSpill != nil {
		subj = &topCounter{counts: make([]int32, r.subjSpill.ids.Len())}
		subjIDs = make([][]int32, nc)
	}
	srcs := newTopCounter(&r.srcs)
	ccs := newTopCounter(&r.ccs)
	asns := newTopCounter(&r.asns)
	var times []int64
	for c := range nc {
		cp := &r.Campaigns[c]
		msgs := order[start[c]:start[c+1]]
		times = times[:0]
		for _, g := range msgs {
			if len(cp.Samples) < MaxSamples {
				in := r.inputOf(int(g))
				cp.Samples = append(cp.Samples, Ref{r.inputs[in], int(g) - r.inputStart[in]})
			}
			cp.Bytes += int64(r.msgBytes[g])
			if t := r.msgTime[g]; t != noTime {
				times = append(times, t)
			}
			subj.add(r.msgSubj[g])
			srcs.add(r.msgSrc[g])
			ccs.add(r.msgCC.at(g))
			asns.add(r.msgASN.at(g))
		}
		cp.TopSubjects = subj.top(MaxTop)
		if subjIDs != nil {
			subjIDs[c] = slices.Clone(subj.ids)
		}
		cp.SourceIPs = len(srcs.touched)
		cp.TopSourceIPs = srcs.top(MaxTop)
		cp.Countries = ccs.top(MaxTop)
		cp.ASNs = asns.top(MaxTop)
		if len(times) == 0 {
			continue
		}
		slices.Sort(times)
		first, last := time.UnixMicro(times[0]).UTC(), time.UnixMicro(times[len(times)-1]).UTC()
		cp.FirstSeen, cp.LastSeen = &first, &last
		cp.DurationHours = float64(times[len(times)-1]-times[0]) / float64(time.Hour/time.Microsecond)
		cp.Bursts = 1
		cp.Days = 1
		for i := 1; i < len(times); i++ {
			if times[i]-times[i-1] > iatMax {
				cp.Bursts++
			}
			if DayOf(times[i]) != DayOf(times[i-1]) {
				cp.Days++
			}
		}
	}
	if subjIDs == nil {
		return nil
	}
	vals, err := r.subjSpill.values(slices.Concat(subjIDs...))
	if err != nil {
		return err
	}
	for c, ids := range subjIDs {
		for i, id := range ids {
			r.Campaigns[c].TopSubjects[i].Value = vals[id]
		}
	}
	r.subjSpill = nil
	return nil
}

// DayOf is the UTC date of Unix microseconds t, as days since 1970-01-01.
func DayOf(t int64) int64 {
	const day = int64(24 * time.Hour / time.Microsecond)
	d := t / day
	if t%day < 0 {
		d--
	}
	return d
}

// topCounter counts interned values (ids of one Interner) over one
// campaign's messages at a time, in a dense array reset after each top.
// Without an Interner (in nil) the top's values are left "", its ids in
// ids.
type topCounter struct {
	in      *fptree.Interner
	counts  []int32
	touched []int32
	ids     []int32 // the last top's ids
}

func newTopCounter(in *fptree.Interner) *topCounter {
	return &topCounter{in: in, counts: make([]int32, in.Len())}
}

func (t *topCounter) add(id int32) {
	if id < 0 {
		return
	}
	if t.counts[id] == 0 {
		t.touched = append(t.touched, id)
	}
	t.counts[id]++
}

// top returns the n most frequent values (count desc, then first
// appearance in the input) and resets the counter.
func (t *topCounter) top(n int) []Count {
	slices.SortFunc(t.touched, func(a, b int32) int {
		return cmp.Or(cmp.Compare(t.counts[b], t.counts[a]), cmp.Compare(a, b))
	})
	out := []Count{}
	t.ids = append(t.ids[:0], t.touched[:min(n, len(t.touched))]...)
	for _, id := range t.ids {
		var v string
		if t.in != nil {
			_, v, _ = t.in.Pair(fptree.Item(id))
		}
		out = append(out, Count{v, int(t.counts[id])})
	}
	for _, id := range t.touched {
		t.counts[id] = 0
	}
	t.touched = t.touched[:0]
	return out
}

// TreeTop's shape: the most frequent nodes down to TreeDepth, and the
// paths down to the cut points of the window's TreePaths largest
// campaigns (cut points usually lie deeper than the top levels).
const (
	TreeDepth = 3
	TreePaths = 3
)

// TreeNode is one node of TreeTop.
type TreeNode struct {
	Parent int    `json:"parent"` // index in TreeTop.Nodes; -1 for the root
	Depth  int    `json:"depth"`  // 0 for the root
	Type   string `json:"type"`   // feature type; "" for the root
	Value  string `json:"value"`
	Count  int    `json:"count"` // f_n: messages whose path passes through it
	// Children is its number of children in the tree, kept or not: many
	// children suggest obfuscation (§2.2).
	Children int `json:"children"`
	// HiddenChildren and HiddenCount are the children not kept and the
	// messages under them.
	HiddenChildren int `json:"hidden_children"`
	HiddenCount    int `json:"hidden_count"`
	// Cut marks a cut point at the window's f_c: a campaign's node.
	Cut bool `json:"cut"`
	// Campaigns is the number of cut points in its sub-tree, itself
	// included (counted for the root, the top levels and the drawn paths).
	Campaigns int `json:"campaigns"`
}

// TreeTop is the top of one window's FP-tree, for a drawing like the
// paper's Fig. 1.
type TreeTop struct {
	Window     string     `json:"window"`
	Messages   int        `json:"messages"`
	Cut        int        `json:"cut"`
	MinSupport int        `json:"min_support"` // items rarer than this were pruned from the tree
	Nodes      []TreeNode `json:"nodes"`       // pre-order, children by count desc; Nodes[0] is the root
}

// treeTop keeps the top of t, rebuilt from the messages' paths: its n most
// frequent nodes at depth 1 to TreeDepth holding at least fc messages
// (count desc, ties in tree order, so a kept node's parent is kept; a
// smaller node cannot hold a campaign), and every node on the paths from the
// root to the cut points of the TreePaths largest campaigns. Only nodes
// down to TreeDepth+1 and on or just below those paths are counted, so the
// memory is that of the top of the tree, not of the tree. camps is t.Cut at
// the window's f_c; in names the items.
func treeTop(t *fptree.Tree, in *fptree.Interner, camps []fptree.Campaign, fc, n int) *TreeTop {
	type key struct {
		parent int32
		item   fptree.Item
	}
	type tnode struct {
		parent   int32
		item     fptree.Item
		depth    int
		count    int
		children []int32
		camps    int
		cut      bool
		onPath   bool // on a path drawn down to a cut point
	}
	nodes := []tnode{{parent: -1, count: t.Messages(), onPath: true}}
	index := map[key]int32{}
	// child returns the node for item under parent, creating it.
	child := func(parent int32, it fptree.Item) int32 {
		k := key{parent, it}
		if i, ok := index[k]; ok {
			return i
		}
		i := int32(len(nodes))
		index[k] = i
		nodes = append(nodes, tnode{parent: parent, item: it, depth: nodes[parent].depth + 1})
		nodes[parent].children = append(nodes[parent].children, i)
		return i
	}
	// The paths to the largest campaigns' cut points (ties: tree order).
	big := make([]int, len(camps))
	for i := range big {
		big[i] = i
	}
	slices.SortStableFunc(big, func(a, b int) int { return cmp.Compare(camps[b].Size, camps[a].Size) })
	for _, c := range big[:min(TreePaths, len(big))] {
		if len(camps[c].Messages) == 0 {
			continue
		}
		cur := int32(0)
		for _, it := range t.Path(int(camps[c].Messages[0]))[:len(camps[c].Items)] {
			cur = child(cur, it)
			nodes[cur].onPath = true
		}
	}
	// Count: every node down to TreeDepth+1, and the children of path
	// nodes, so that each kept node knows its number of children.
	for m := range t.Messages() {
		cur := int32(0)
		for d, it := range t.Path(m) {
			if d > TreeDepth && !nodes[cur].onPath {
				break
			}
			cur = child(cur, it)
			nodes[cur].count++
		}
	}
	for _, c := range camps {
		if len(c.Messages) == 0 {
			continue
		}
		cur := int32(0)
		for d, it := range t.Path(int(c.Messages[0]))[:len(c.Items)] {
			next, ok := index[key{cur, it}]
			if !ok {
				break
			}
			cur = next
			nodes[cur].camps++
			if d+1 == len(c.Items) {
				nodes[cur].cut = true
			}
		}
	}
	// Keep the n most frequent nodes of depth 1..TreeDepth, and the paths.
	var cand []int32
	for i := 1; i < len(nodes); i++ {
		if nodes[i].depth <= TreeDepth && nodes[i].count >= fc {
			cand = append(cand, int32(i))
		}
	}
	byCount := func(a, b int32) int {
		if c := cmp.Compare(nodes[b].count, nodes[a].count); c != 0 {
			return c
		}
		return cmp.Compare(a, b) // creation order: a parent before its children
	}
	slices.SortStableFunc(cand, byCount)
	keep := make([]bool, len(nodes))
	for i := range nodes {
		keep[i] = nodes[i].onPath
	}
	for _, i := range cand[:min(n, len(cand))] {
		keep[i] = true
	}
	top := &TreeTop{Messages: t.Messages(), MinSupport: t.MinSupport()}
	var walk func(i int32, parent int)
	walk = func(i int32, parent int) {
		nd := &nodes[i]
		tn := TreeNode{Parent: parent, Depth: nd.depth, Count: nd.count, Children: len(nd.children), Cut: nd.cut, Campaigns: nd.camps}
		if i == 0 {
			tn.Campaigns = len(camps)
		} else {
			typ, v, _ := in.Pair(nd.item)
			tn.Type, tn.Value = features.Type(typ).String(), v
		}
		kids := slices.Clone(nd.children)
		slices.SortStableFunc(kids, byCount)
		var shown []int32
		for _, k := range kids {
			if keep[k] {
				shown = append(shown, k)
			} else {
				tn.HiddenChildren++
				tn.HiddenCount += nodes[k].count
			}
		}
		me := len(top.Nodes)
		top.Nodes = append(top.Nodes, tn)
		for _, k := range shown {
			walk(k, me)
		}
	}
	walk(0, -1)
	return top
}
