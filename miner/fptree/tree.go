package fptree

import (
	"cmp"
	"encoding/binary"
	"math"
	"slices"
)

// Builder collects the transactions (messages as sets of Items) of one
// window. It is single-use: Build consumes it.
//
// Until Build, each message is kept as its items sorted by id, each as the
// uvarint of its difference from the previous one: frequent values are
// interned first, so their ids and the gaps between them are small, and a
// message of 14 items takes about 30 bytes instead of 56.
type Builder struct {
	data    []byte   // all messages, each its ascending items as uvarint deltas
	ends    []uint32 // ends[m] is message m's end in data (in items once Build decoded them)
	count   int      // items in all messages
	scratch []Item
	items   []Item // Build's decoded items
	built   bool
}

// Len is the number of messages added.
func (b *Builder) Len() int { return len(b.ends) }

// Add appends one message, given as its Items in any order (duplicates are
// dropped: a message holds an item or not), and returns its message index:
// 0 for the first message of the window, then 1, 2, ... msg is copied.
// It panics after Build, or beyond math.MaxInt32 messages or
// math.MaxUint32 items (or bytes of them) in one window.
func (b *Builder) Add(msg []Item) (msgIndex int) {
	if b.built {
		panic("fptree: Builder.Add after Build")
	}
	s := append(b.scratch[:0], msg...)
	slices.Sort(s)
	s = slices.Compact(s)
	b.scratch = s
	if len(b.ends) >= math.MaxInt32 || int64(b.count)+int64(len(s)) > math.MaxUint32 ||
		int64(len(b.data))+binary.MaxVarintLen32*int64(len(s)) > math.MaxUint32 {
		panic("fptree: more than MaxInt32 messages or MaxUint32 items in one window")
	}
	prev := Item(0)
	for _, it := range s {
		b.data = binary.AppendUvarint(b.data, uint64(it-prev))
		prev = it
	}
	b.count += len(s)
	b.ends = append(b.ends, uint32(len(b.data)))
	return len(b.ends) - 1
}

// decode turns data into items, ends into item offsets, and drops data.
func (b *Builder) decode() {
	b.items = make([]Item, b.count)
	w, start := uint32(0), uint32(0)
	for m, end := range b.ends {
		prev := Item(0)
		for p := start; p < end; {
			d, k := binary.Uvarint(b.data[p:end])
			p += uint32(k)
			prev += Item(d)
			b.items[w] = prev
			w++
		}
		start = end
		b.ends[m] = w
	}
	b.data, b.scratch = nil, nil
}

func (b *Builder) msg(m int32) []Item {
	start := uint32(0)
	if m > 0 {
		start = b.ends[m-1]
	}
	return b.items[start:b.ends[m]]
}

// node is one FP-tree node: 12 bytes, no pointers, no per-node map.
type node struct {
	rank   uint32 // its item's rank (Tree.order); unused for the root
	count  uint32 // messages whose path passes through (or ends at) this node: f_n
	parent int32  // index in Tree.nodes; -1 for the root
}

// Tree is the frequent-pattern tree of one window. Nodes are stored in
// depth-first pre-order (the order of the sorted transactions), so a node's
// parent always has a smaller index.
type Tree struct {
	nodes      []node   // nodes[0] is the root (no item; count = messages)
	leaf       []int32  // leaf[m] is the node where message m's path ends (0 when it kept no item)
	order      []Item   // order[r] is the kept item of rank r (frequency desc, id asc)
	freq       []uint32 // freq[r] is the window frequency of order[r]: the messages holding it
	minSupport int
}

func (t *Tree) item(nd int32) Item { return t.order[t.nodes[nd].rank] }

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
	b.decode()

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
	rk := NewRanking(freq, minSupport)
	freq = nil

	// Rewrite every message in place as its ascending ranks, pruned items
	// dropped.
	w, start := uint32(0), uint32(0)
	for m, end := range b.ends {
		mw := w
		for _, it := range b.items[start:end] {
			if r := rk.rank[it]; r != pruned {
				b.items[w] = Item(r)
				w++
			}
		}
		slices.Sort(b.items[mw:w])
		start = end
		b.ends[m] = w
	}
	b.items = b.items[:w]
	rk.rank = nil

	// Sort the messages lexicographically by rank sequence: inserting them in
	// that order builds the trie in pre-order with one comparison against the
	// previous path per message, no child lookups.
	n := len(b.ends)
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, func(x, y int32) int { return CompareRanks(b.msg(x), x, b.msg(y), y) })

	ins := rk.NewInserter(n)
	for _, m := range perm {
		ins.Insert(m, b.msg(m))
	}
	b.items, b.ends = nil, nil
	return ins.Tree()
}

// pruned is a Ranking's rank of an item below minSupport.
const pruned = math.MaxUint32

// Ranking is a window's order of items for its tree: the items held by
// at least minSupport messages, by frequency desc, then id asc. Build
// computes it from the messages it holds; a caller streaming a window's
// messages from elsewhere (miner/mine's out-of-core path) counts the
// frequencies as it collects them, ranks each message with Ranks, sorts
// the messages with CompareRanks and inserts them with an Inserter,
// which gives the Tree Build would.
type Ranking struct {
	order      []Item   // order[r] is the kept item of rank r
	freq       []uint32 // freq[r] is the window frequency of order[r]
	rank       []uint32 // rank[item], or pruned
	minSupport int
}

// NewRanking ranks the items of a window where freq[it] messages hold
// item it; minSupport <= 1 keeps every item. freq is not modified.
func NewRanking(freq []uint32, minSupport int) *Ranking {
	minSupport = max(minSupport, 1)
	rk := &Ranking{minSupport: minSupport}
	for it, f := range freq {
		if int64(f) >= int64(minSupport) {
			rk.order = append(rk.order, Item(it))
		}
	}
	slices.SortFunc(rk.order, func(a, c Item) int {
		if freq[a] != freq[c] {
			return cmp.Compare(freq[c], freq[a]) // frequency desc
		}
		return cmp.Compare(a, c) // then id asc: ties are deterministic
	})
	rk.freq = make([]uint32, len(rk.order))
	for r, it := range rk.order {
		rk.freq[r] = freq[it]
	}
	rk.rank = make([]uint32, len(freq))
	for i := range rk.rank {
		rk.rank[i] = pruned
	}
	for r, it := range rk.order {
		rk.rank[it] = uint32(r)
	}
	return rk
}

// Kept is the number of items kept (ranks 0 to Kept-1).
func (rk *Ranking) Kept() int { return len(rk.order) }

// Ranks appends to dst the ranks of msg's kept items, ascending, each
// once, and returns it: a message's path in the tree from the root down.
// Items outside the frequencies NewRanking was given are dropped.
func (rk *Ranking) Ranks(dst []Item, msg []Item) []Item {
	n := len(dst)
	for _, it := range msg {
		if int(it) < len(rk.rank) {
			if r := rk.rank[it]; r != pruned {
				dst = append(dst, Item(r))
			}
		}
	}
	slices.Sort(dst[n:])
	return append(dst[:n], slices.Compact(dst[n:])...)
}

// CompareRanks is the order in which an Inserter takes messages: by rank
// sequence (as Ranks gives it) lexicographically, a prefix first, then
// by message index.
func CompareRanks(a []Item, ma int32, b []Item, mb int32) int {
	if c := slices.Compare(a, b); c != 0 {
		return c
	}
	return cmp.Compare(ma, mb)
}

// Inserter builds a Tree from a window's messages given one at a time in
// CompareRanks order, holding only the tree: its nodes, and 4 bytes per
// message for the node where its path ends.
type Inserter struct {
	t    *Tree
	path []int32 // path[d] is the node at depth d+1 of the previous message
	prev []Item
	n    int
}

// NewInserter starts the tree of a window of messages messages (indexes
// 0 to messages-1) ranked by rk.
func (rk *Ranking) NewInserter(messages int) *Inserter {
	t := &Tree{
		nodes:      make([]node, 1, messages/2+1),
		leaf:       make([]int32, messages),
		order:      rk.order,
		freq:       rk.freq,
		minSupport: rk.minSupport,
	}
	t.nodes[0] = node{parent: -1, count: uint32(messages)}
	return &Inserter{t: t}
}

// Insert adds message m, given as its ranks (Ranking.Ranks). Messages
// must come in CompareRanks order, each exactly once; Insert panics on m
// out of range or after Tree.
func (in *Inserter) Insert(m int32, s []Item) {
	t := in.t
	l := 0
	for l < len(s) && l < len(in.prev) && s[l] == in.prev[l] {
		l++
	}
	in.path = in.path[:l]
	for _, nd := range in.path {
		t.nodes[nd].count++
	}
	parent := int32(0)
	if l > 0 {
		parent = in.path[l-1]
	}
	for _, r := range s[l:] {
		t.nodes = append(t.nodes, node{rank: uint32(r), count: 1, parent: parent})
		parent = int32(len(t.nodes) - 1)
		in.path = append(in.path, parent)
	}
	t.leaf[m] = parent
	in.prev = append(in.prev[:0], s...)
	in.n++
}

// Tree returns the tree once every message was inserted; the Inserter
// is then spent.
func (in *Inserter) Tree() *Tree {
	t := in.t
	in.t = nil
	t.nodes = slices.Clip(t.nodes)
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
		p = append(p, t.item(nd))
	}
	slices.Reverse(p)
	return p
}
