package fptree

import (
	"cmp"
	"math"
	"slices"
)

// Builder collects the transactions (messages as sets of Items) of one
// window. It is single-use: Build consumes it.
type Builder struct {
	items []Item // all messages' items, each message sorted by id, no duplicates
	ends  []int  // ends[m] is message m's end in items; it starts at ends[m-1] or 0
	built bool
}

// Len is the number of messages added.
func (b *Builder) Len() int { return len(b.ends) }

// Add appends one message, given as its Items in any order (duplicates are
// dropped: a message holds an item or not), and returns its message index:
// 0 for the first message of the window, then 1, 2, ... msg is copied.
// It panics after Build, or beyond math.MaxInt32 messages in one window.
func (b *Builder) Add(msg []Item) (msgIndex int) {
	if b.built {
		panic("fptree: Builder.Add after Build")
	}
	if len(b.ends) >= math.MaxInt32 {
		panic("fptree: more than MaxInt32 messages in one window")
	}
	start := len(b.items)
	b.items = append(b.items, msg...)
	m := b.items[start:]
	slices.Sort(m)
	m = slices.Compact(m)
	b.items = b.items[:start+len(m)]
	b.ends = append(b.ends, len(b.items))
	return len(b.ends) - 1
}

func (b *Builder) msg(m int32) []Item {
	start := 0
	if m > 0 {
		start = b.ends[m-1]
	}
	return b.items[start:b.ends[m]]
}

// node is one FP-tree node: 12 bytes, no pointers, no per-node map.
type node struct {
	item   Item
	count  uint32 // messages whose path passes through (or ends at) this node: f_n
	parent int32  // index in Tree.nodes; -1 for the root
}

// Tree is the frequent-pattern tree of one window. Nodes are stored in
// depth-first pre-order (the order of the sorted transactions), so a node's
// parent always has a smaller index.
type Tree struct {
	nodes      []node  // nodes[0] is the root (no item; count = messages)
	leaf       []int32 // leaf[m] is the node where message m's path ends (0 when it kept no item)
	minSupport int
}

// Build counts each item's global frequency in the window (the number of
// messages holding it), orders every message's items by (frequency desc, item
// id asc), drops items held by fewer than minSupport messages, and inserts the
// messages into the tree. minSupport <= 1 keeps every item.
//
// Pruning never changes Cut(fc) for fc >= minSupport (see the package doc),
// and Cut raises a smaller fc to minSupport; pass the f_c you will cut at
// (or 1) to keep the tree small when many values are unique per message.
//
// Build consumes the Builder and releases its storage.
func (b *Builder) Build(minSupport int) *Tree {
	if b.built {
		panic("fptree: Builder.Build called twice")
	}
	b.built = true
	minSupport = max(minSupport, 1)

	// Global frequencies.
	var maxItem Item
	for _, it := range b.items {
		maxItem = max(maxItem, it)
	}
	var freq []uint32
	if len(b.items) > 0 {
		freq = make([]uint32, int(maxItem)+1)
	}
	for _, it := range b.items {
		freq[it]++
	}

	// order[r] is the item of rank r; rank[item] its rank, or pruned.
	const pruned = math.MaxUint32
	var order []Item
	for it, f := range freq {
		if int64(f) >= int64(minSupport) {
			order = append(order, Item(it))
		}
	}
	slices.SortFunc(order, func(a, c Item) int {
		if freq[a] != freq[c] {
			return cmp.Compare(freq[c], freq[a]) // frequency desc
		}
		return cmp.Compare(a, c) // then id asc: ties are deterministic
	})
	rank := freq // reuse: freq is no longer needed once order is sorted
	for i := range rank {
		rank[i] = pruned
	}
	for r, it := range order {
		rank[it] = uint32(r)
	}

	// Rewrite every message in place as its ascending ranks, pruned items
	// dropped.
	w, start := 0, 0
	for m, end := range b.ends {
		mw := w
		for _, it := range b.items[start:end] {
			if r := rank[it]; r != pruned {
				b.items[w] = Item(r)
				w++
			}
		}
		slices.Sort(b.items[mw:w])
		start = end
		b.ends[m] = w
	}
	b.items = b.items[:w]
	rank, freq = nil, nil

	// Sort the messages lexicographically by rank sequence: inserting them in
	// that order builds the trie in pre-order with one comparison against the
	// previous path per message, no child lookups.
	n := len(b.ends)
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, func(x, y int32) int {
		if c := slices.Compare(b.msg(x), b.msg(y)); c != 0 {
			return c
		}
		return cmp.Compare(x, y)
	})

	t := &Tree{
		nodes:      make([]node, 1, n/2+1),
		leaf:       make([]int32, n),
		minSupport: minSupport,
	}
	t.nodes[0] = node{parent: -1, count: uint32(n)}
	var path []int32 // path[d] is the node at depth d+1 of the previous message
	var prev []Item
	for _, m := range perm {
		s := b.msg(m)
		l := 0
		for l < len(s) && l < len(prev) && s[l] == prev[l] {
			l++
		}
		path = path[:l]
		for _, nd := range path {
			t.nodes[nd].count++
		}
		parent := int32(0)
		if l > 0 {
			parent = path[l-1]
		}
		for _, r := range s[l:] {
			t.nodes = append(t.nodes, node{item: order[r], count: 1, parent: parent})
			parent = int32(len(t.nodes) - 1)
			path = append(path, parent)
		}
		t.leaf[m] = parent
		prev = s
	}
	t.nodes = slices.Clip(t.nodes)
	b.items, b.ends = nil, nil
	return t
}

// Messages is the number of messages in the window.
func (t *Tree) Messages() int { return len(t.leaf) }

// Nodes is the number of nodes, the root included.
func (t *Tree) Nodes() int { return len(t.nodes) }

// MinSupport is the pruning threshold the tree was built with.
func (t *Tree) MinSupport() int { return t.minSupport }

// Path returns the items on message m's path, from the root down: the
// message's items kept by the tree, in insertion (frequency) order.
func (t *Tree) Path(m int) []Item {
	var p []Item
	for nd := t.leaf[m]; nd > 0; nd = t.nodes[nd].parent {
		p = append(p, t.nodes[nd].item)
	}
	slices.Reverse(p)
	return p
}

// Campaign is one cut point of a window's tree.
type Campaign struct {
	Items    []Item  // the defining set: the items on the path from the root to the cut point, sorted by id
	Size     int     // messages in the campaign: the cut point's f_n; len(Messages)
	Messages []int32 // message indexes (as returned by Add), ascending
}

// Cut returns the campaigns at cut frequency fc: one per node n (the root
// excluded) with f_n >= fc whose children all have fewer than fc messages
// (section 2.2 of the paper). A campaign's messages are those of the cut
// point's sub-tree. Messages whose path holds no cut point belong to no
// campaign. Every message is in at most one campaign. Campaigns come in
// the tree's pre-order, which depends only on the window's multiset of
// messages. fc below 1 or below the tree's MinSupport is raised to it.
func (t *Tree) Cut(fc int) []Campaign {
	fc = max(fc, t.minSupport, 1)
	if int64(fc) > math.MaxUint32 {
		return nil
	}
	f := uint32(fc)

	// bigChild[n]: some child of n has f >= fc.
	bigChild := make([]bool, len(t.nodes))
	for i := 1; i < len(t.nodes); i++ {
		if t.nodes[i].count >= f {
			bigChild[t.nodes[i].parent] = true
		}
	}
	// cutOf[n]: the campaign of the cut point on n's root path, or -1.
	// Parents precede children, so one forward pass suffices.
	cutOf := make([]int32, len(t.nodes))
	cutOf[0] = -1
	var camps []Campaign
	total := 0
	for i := 1; i < len(t.nodes); i++ {
		nd := t.nodes[i]
		if nd.count >= f && !bigChild[i] {
			cutOf[i] = int32(len(camps))
			var items []Item
			for a := int32(i); a > 0; a = t.nodes[a].parent {
				items = append(items, t.nodes[a].item)
			}
			slices.Sort(items)
			camps = append(camps, Campaign{Items: items, Size: int(nd.count)})
			total += int(nd.count)
			continue
		}
		cutOf[i] = cutOf[nd.parent]
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
