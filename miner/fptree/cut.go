package fptree

import (
	"math"
	"slices"
)

// Campaign is one cut point of a window's tree.
type Campaign struct {
	// Items is the defining set: the items on the path from the root to
	// the cut point, sorted by id.
	Items []Item
	// Variants is nil unless the variant rule made the campaign: then it
	// holds the items of the large nodes below the cut point, sorted by id:
	// the values that vary inside the campaign.
	Variants []Item
	Size     int     // messages in the campaign: the cut point's f_n; len(Messages)
	Messages []int32 // message indexes (as returned by Add), ascending
}

// Rules are the cut's two additions to the paper's rule (package doc,
// "Added rules"). The zero Rules is the paper's cut alone.
type Rules struct {
	// Specific is σ of the specificity rule: a cut point makes a campaign
	// only when its campaign holds at least this share of the window's
	// messages holding one of its defining items (Weak items aside).
	// 0 turns the rule off.
	Specific float64
	// Weak reports items that never make a campaign specific, such as the
	// value of a missing header. nil: none.
	Weak func(Item) bool
	// Type returns an item's feature type. nil turns the variant rule off.
	Type func(Item) uint8
}

// DefaultSpecific is the specificity rule's σ: most of the window's
// messages holding the defining value must be in the campaign.
const DefaultSpecific = 0.5

// Cut returns the campaigns at cut frequency fc by the paper's rule alone:
// one per node n (the root excluded) with f_n >= fc whose children all have
// fewer than fc messages (section 2.2). It is CutRules(fc, Rules{}).
func (t *Tree) Cut(fc int) []Campaign { return t.CutRules(fc, Rules{}) }

// CutRules returns the campaigns at cut frequency fc. A node n (the root
// excluded) with f_n >= fc is large; a large node without a large child is
// terminal: the paper's cut point (section 2.2). With r's rules:
//
//   - variant rule (r.Type set): a large node n whose large children all
//     have one feature type and are each terminal or themselves variant
//     nodes is a variant node when it has two or more of them, or one that
//     holds less than half of f_n while n's own path is specific (see
//     below). The highest variant node on a path is the cut point instead
//     of the nodes below it: they are values that vary inside one campaign
//     (a subject drawn from a short list, a random display name), not
//     campaigns of their own, and the variant node's sub-tree holds the
//     campaign's rarer variants too.
//   - specificity rule (r.Specific > 0): a cut point makes a campaign only
//     when its path is specific: its deepest non-Weak item (the rarest) has
//     at least r.Specific of its window frequency inside the cut point's
//     sub-tree. A variant cut point whose path is not specific passes when
//     its large children's items together reach that share, and otherwise
//     gives way to the cut points below it; a terminal one makes no
//     campaign.
//
// A campaign's messages are those of its cut point's sub-tree. Messages
// whose path holds no campaign's cut point belong to no campaign; every
// message is in at most one. Campaigns come in the tree's pre-order, which
// depends only on the window's multiset of messages. fc below 1 or below
// the tree's MinSupport is raised to it.
func (t *Tree) CutRules(fc int, r Rules) []Campaign {
	fc = max(fc, t.minSupport, 1)
	if int64(fc) > math.MaxUint32 {
		return nil
	}
	f := uint32(fc)

	// The large nodes, in pre-order. A large node's parent is large or the
	// root, since counts never grow downwards.
	var big []int32
	for i := 1; i < len(t.nodes); i++ {
		if t.nodes[i].count >= f {
			big = append(big, int32(i))
		}
	}
	parentPos := func(b int) int { // index in big of big[b]'s parent, -1 for the root
		p := t.nodes[big[b]].parent
		if p == 0 {
			return -1
		}
		i, _ := slices.BinarySearch(big, p)
		return i
	}
	// Per large node, over its large children: how many, the largest
	// count, whether one is neither terminal nor a variant node, their
	// common type (-1 none yet, -2 mixed), and the sums of their counts and
	// item frequencies (Weak items aside). Children come after their
	// parent, so a reverse pass sees a node complete before its parent.
	type agg struct {
		large     int32
		maxCount  uint32
		other     bool
		typ       int16
		cnt, freq uint64
		variant   bool
	}
	ag := make([]agg, len(big))
	for b := range ag {
		ag[b].typ = -1
	}
	for b := len(big) - 1; b >= 0; b-- {
		i, a := big[b], &ag[b]
		if r.Type != nil && a.large > 0 && !a.other && a.typ >= 0 {
			a.variant = a.large >= 2 || 2*uint64(a.maxCount) < uint64(t.nodes[i].count) && t.specific(i, r)
		}
		p := parentPos(b)
		if p < 0 {
			continue
		}
		pa, nd := &ag[p], t.nodes[i]
		pa.large++
		pa.maxCount = max(pa.maxCount, nd.count)
		pa.other = pa.other || a.large > 0 && !a.variant
		if r.Type != nil {
			ty := int16(r.Type(t.order[nd.rank]))
			switch pa.typ {
			case -1:
				pa.typ = ty
			case ty:
			default:
				pa.typ = -2
			}
		}
		if r.Weak == nil || !r.Weak(t.order[nd.rank]) {
			pa.cnt += uint64(nd.count)
			pa.freq += uint64(t.freq[nd.rank])
		}
	}

	// Cut points, parents first.
	cutOf := make([]int32, len(t.nodes)) // campaign of the cut point on n's root path, or -1
	for i := range cutOf {
		cutOf[i] = -1
	}
	var camps []Campaign
	total := 0
	for b, i := range big {
		if c := cutOf[t.nodes[i].parent]; c >= 0 {
			cutOf[i] = c
			camps[c].Variants = append(camps[c].Variants, t.item(i))
			continue
		}
		a, cnt := &ag[b], t.nodes[i].count
		var c Campaign
		switch {
		case a.large == 0: // terminal
			if !t.specific(i, r) {
				continue
			}
		case a.variant:
			if !t.specific(i, r) && (a.freq == 0 || float64(a.cnt) < r.Specific*float64(a.freq)) {
				continue
			}
			c.Variants = []Item{}
		default:
			continue
		}
		for n := i; n > 0; n = t.nodes[n].parent {
			c.Items = append(c.Items, t.item(n))
		}
		slices.Sort(c.Items)
		c.Size = int(cnt)
		cutOf[i] = int32(len(camps))
		camps = append(camps, c)
		total += int(cnt)
	}
	for i := range camps {
		slices.Sort(camps[i].Variants)
		camps[i].Variants = slices.Compact(camps[i].Variants)
	}
	// Every other node inherits its parent's campaign; parents come first.
	for i := 1; i < len(t.nodes); i++ {
		if cutOf[i] < 0 {
			cutOf[i] = cutOf[t.nodes[i].parent]
		}
	}

	// One backing array for all message lists.
	backing := make([]int32, total)
	off := 0
	for i := range camps {
		camps[i].Messages = backing[off : off : off+camps[i].Size]
		off += camps[i].Size
	}
	for m, lf := range t.leaf {
		if c := cutOf[lf]; c >= 0 {
			camps[c].Messages = append(camps[c].Messages, int32(m))
		}
	}
	return camps
}

// specific reports whether the cut point n passes the specificity rule by
// its own path: its deepest non-Weak item, the rarest on the path, has at
// least r.Specific of its frequency in n's sub-tree.
func (t *Tree) specific(n int32, r Rules) bool {
	if r.Specific <= 0 {
		return true
	}
	cnt := float64(t.nodes[n].count)
	for a := n; a > 0; a = t.nodes[a].parent {
		rank := t.nodes[a].rank
		if r.Weak != nil && r.Weak(t.order[rank]) {
			continue
		}
		return cnt >= r.Specific*float64(t.freq[rank])
	}
	return false
}

// Paper figures (section 2.2 and table 1): f_c = 1000 for a day of, on
// average, 11,779,347 messages.
const (
	PaperCut    = 1000
	PaperVolume = 11_779_347
	// MinAutoCut is the smallest cut AutoCut returns: below it a shared
	// prefix is as likely coincidence (a common mailer, one bot's retries)
	// as a campaign.
	MinAutoCut = 10
)

// AutoCut is the cut frequency for a window of n messages: the paper's
// f_c = 1000 per 11,779,347 messages scaled linearly with the window's
// volume, rounded up, and never below MinAutoCut:
//
//	AutoCut(n) = max(MinAutoCut, ceil(n * 1000 / 11779347))
//
// So a campaign must hold the same share of the window (about 0.0085%) as in
// the paper, except that small windows still need MinAutoCut messages.
func AutoCut(n int) int {
	if n <= 0 {
		return MinAutoCut
	}
	c := (int64(n)*PaperCut + PaperVolume - 1) / PaperVolume
	return int(max(c, MinAutoCut))
}
