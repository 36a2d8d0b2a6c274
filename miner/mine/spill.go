package mine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"

	"github.com/spampots/spampots/miner/fptree"
)

// The out-of-core path (Config.SpillBytes > 0; the package doc's "Out of
// core"). While reading, each window keeps its items' frequencies and its
// messages' transactions, encoded as Builder encodes them, in a buffer;
// when the buffers hold more than the budget, the largest are appended to
// their window's transaction file. A window's build reads its file back
// in sequence, ranks each message (fptree.Ranking), sorts chunks of the
// budget's share into runs on disk, merges the runs (at most fanIn open
// at a time, in passes) and streams the merged messages into an
// fptree.Inserter: the tree Build would make, holding only the tree.

// defaultFanIn bounds the runs one merge reads at a time: a window's build
// holds at most defaultFanIn+1 files open.
const defaultFanIn = 32

// spill is one Run's out-of-core state. Its directory is the Run's own and
// is removed, with every file in it, by remove.
type spill struct {
	dir    string
	budget int64 // transaction bytes the windows' buffers may hold
	chunk  int64 // bytes of one build's sort buffer
	fanIn  int
	held   int64 // transaction bytes now in the windows' buffers (collector only)

	seq     atomic.Int64
	files   atomic.Int64 // files written
	written atomic.Int64 // bytes written
	passes  atomic.Int64 // merge passes before the last
	flushes int64        // transaction buffers written (collector only)
}

func newSpill(parent string, budget int64, workers, fanIn int) (*spill, error) {
	if parent == "" {
		parent = os.TempDir()
	}
	dir, err := os.MkdirTemp(parent, "spampots-mine-")
	if err != nil {
		return nil, fmt.Errorf("spill: %w", err)
	}
	if fanIn < 2 {
		fanIn = defaultFanIn
	}
	return &spill{dir: dir, budget: budget, chunk: max(budget/int64(workers), 1), fanIn: fanIn}, nil
}

func (s *spill) remove() error { return os.RemoveAll(s.dir) }

func (s *spill) path(kind string) string {
	return filepath.Join(s.dir, fmt.Sprintf("%s-%06d", kind, s.seq.Add(1)))
}

// add records one message of w: its items, sorted and without duplicates,
// counted in w.freq and appended to w.tx. Then, when the buffers hold more
// than the budget, it writes the largest to disk until they hold half.
func (s *spill) add(w *window, wins []*window, items []fptree.Item) error {
	if n := w.in.Len(); n > len(w.freq) {
		w.freq = append(w.freq, make([]uint32, n-len(w.freq))...)
	}
	for _, it := range items {
		w.freq[it]++
	}
	before := len(w.tx)
	w.tx = appendTx(w.tx, items)
	s.held += int64(len(w.tx) - before)
	for s.held > s.budget {
		var big *window
		for _, x := range wins {
			if len(x.tx) > 0 && (big == nil || len(x.tx) > len(big.tx)) {
				big = x
			}
		}
		if big == nil {
			break
		}
		if err := s.flush(big); err != nil {
			return err
		}
		if s.held <= s.budget/2 {
			break
		}
	}
	return nil
}

// flush appends w's buffered transactions to its file. The file is opened
// for each flush, so the collector holds no file open.
func (s *spill) flush(w *window) error {
	if w.txFile == "" {
		w.txFile = s.path("tx")
		s.files.Add(1)
	}
	f, err := os.OpenFile(w.txFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	_, err = f.Write(w.tx)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	s.written.Add(int64(len(w.tx)))
	s.flushes++
	s.held -= int64(len(w.tx))
	w.tx = nil
	return nil
}

// appendTx encodes one message's ascending items: their count, then each
// as the uvarint of its difference from the previous one.
func appendTx(dst []byte, items []fptree.Item) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(items)))
	prev := fptree.Item(0)
	for _, it := range items {
		dst = binary.AppendUvarint(dst, uint64(it-prev))
		prev = it
	}
	return dst
}

// readTx reads one record of appendTx (or of a run, whose records carry a
// message index first) into dst. It returns io.EOF only at a record's
// start.
func readTx(br io.ByteReader, dst []fptree.Item) ([]fptree.Item, error) {
	n, err := binary.ReadUvarint(br)
	if err != nil {
		return dst, err
	}
	prev := fptree.Item(0)
	for range n {
		d, err := binary.ReadUvarint(br)
		if err != nil {
			return dst, noEOF(err)
		}
		prev += fptree.Item(d)
		dst = append(dst, prev)
	}
	return dst, nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// build builds w's tree at minSupport from its transactions (file, then
// buffer), releasing them and their files.
func (s *spill) build(ctx context.Context, w *window, minSupport int) (*fptree.Tree, error) {
	rk := fptree.NewRanking(w.freq, minSupport)
	w.freq = nil
	n := w.msgs.len()
	var src io.Reader = bytes.NewReader(w.tx)
	var txf *os.File
	// A window whose transactions all stayed in memory is sorted there
	// in one piece, as Build would; a spilled one in chunks of s.chunk.
	spilled := w.txFile != ""
	if spilled {
		f, err := os.Open(w.txFile)
		if err != nil {
			return nil, fmt.Errorf("spill: %w", err)
		}
		txf = f
		defer txf.Close()
		src = io.MultiReader(f, src)
	}
	br := bufio.NewReaderSize(src, 64<<10)

	var runs []string
	defer func() {
		for _, r := range runs {
			os.Remove(r)
		}
	}()
	var c sortChunk
	var items []fptree.Item
	for m := int32(0); ; m++ {
		var err error
		items, err = readTx(br, items[:0])
		if err == io.EOF {
			if int(m) != n {
				return nil, fmt.Errorf("spill: window %s: %d messages read back, want %d", windowLabel(w.key), m, n)
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("spill: %w", err)
		}
		c.add(m, rk, items)
		if spilled && c.bytes() >= s.chunk {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			r, err := s.writeRun(&c)
			if err != nil {
				return nil, err
			}
			runs = append(runs, r)
		}
	}
	w.tx = nil
	if txf != nil {
		txf.Close()
		os.Remove(w.txFile)
		w.txFile = ""
	}

	ins := rk.NewInserter(n)
	if len(runs) == 0 {
		// Everything fits the sort buffer: no run.
		for _, i := range c.sorted() {
			ins.Insert(c.msg[i], c.ranks(i))
		}
		return ins.Tree(), nil
	}
	if len(c.msg) > 0 {
		r, err := s.writeRun(&c)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	// Merge passes until one pass can read every run.
	for len(runs) > s.fanIn {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out := s.path("run")
		s.files.Add(1)
		f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("spill: %w", err)
		}
		runs = append(runs, out) // removed by the deferred cleanup on error
		bw := bufio.NewWriterSize(f, 64<<10)
		var rec []byte
		err = s.merge(runs[:s.fanIn], func(m int32, ranks []fptree.Item) error {
			rec = appendTx(binary.AppendUvarint(rec[:0], uint64(m)), ranks)
			s.written.Add(int64(len(rec)))
			_, err := bw.Write(rec)
			return err
		})
		if err == nil {
			err = bw.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("spill: %w", err)
		}
		for _, r := range runs[:s.fanIn] {
			os.Remove(r)
		}
		s.passes.Add(1)
		runs = runs[s.fanIn:]
	}
	got := 0
	err := s.merge(runs, func(m int32, ranks []fptree.Item) error {
		if m < 0 || int(m) >= n {
			return fmt.Errorf("message %d of %d", m, n)
		}
		ins.Insert(m, ranks)
		got++
		return nil
	})
	if err == nil && got != n {
		err = fmt.Errorf("%d messages merged, want %d", got, n)
	}
	if err != nil {
		return nil, fmt.Errorf("spill: window %s: %w", windowLabel(w.key), err)
	}
	return ins.Tree(), nil
}

// sortChunk is a build's sort buffer: ranked messages, to be sorted in
// fptree.CompareRanks order.
type sortChunk struct {
	all   []fptree.Item // every message's ranks, one after the other
	end   []uint32      // end[i] is message i's end in all
	msg   []int32       // msg[i] is message i's index in the window
	order []int32
}

func (c *sortChunk) add(m int32, rk *fptree.Ranking, items []fptree.Item) {
	c.all = rk.Ranks(c.all, items)
	c.end = append(c.end, uint32(len(c.all)))
	c.msg = append(c.msg, m)
}

func (c *sortChunk) bytes() int64 { return 4*int64(len(c.all)) + 16*int64(len(c.msg)) }

func (c *sortChunk) ranks(i int32) []fptree.Item {
	start := uint32(0)
	if i > 0 {
		start = c.end[i-1]
	}
	return c.all[start:c.end[i]]
}

// sorted returns the chunk's positions in fptree.CompareRanks order.
func (c *sortChunk) sorted() []int32 {
	c.order = c.order[:0]
	for i := range c.msg {
		c.order = append(c.order, int32(i))
	}
	slices.SortFunc(c.order, func(x, y int32) int { return fptree.CompareRanks(c.ranks(x), c.msg[x], c.ranks(y), c.msg[y]) })
	return c.order
}

func (c *sortChunk) reset() {
	c.all, c.end, c.msg = c.all[:0], c.end[:0], c.msg[:0]
}

// writeRun writes the chunk sorted to a new run file and empties it. A
// run's record is the message's index, then its ranks as appendTx writes
// items.
func (s *spill) writeRun(c *sortChunk) (string, error) {
	name := s.path("run")
	s.files.Add(1)
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("spill: %w", err)
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	var rec []byte
	size := int64(0)
	for _, i := range c.sorted() {
		rec = appendTx(binary.AppendUvarint(rec[:0], uint64(c.msg[i])), c.ranks(i))
		size += int64(len(rec))
		if _, err = bw.Write(rec); err != nil {
			break
		}
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", fmt.Errorf("spill: %w", err)
	}
	s.written.Add(size)
	c.reset()
	return name, nil
}

// runReader is one run being merged: its current record.
type runReader struct {
	f     *os.File
	br    *bufio.Reader
	m     int32
	ranks []fptree.Item
}

func (r *runReader) next() (bool, error) {
	m, err := binary.ReadUvarint(r.br)
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	r.m = int32(m)
	r.ranks, err = readTx(r.br, r.ranks[:0])
	if err != nil {
		return false, noEOF(err)
	}
	return true, nil
}

// merge reads the runs (each sorted) and hands their records to emit in
// fptree.CompareRanks order.
func (s *spill) merge(runs []string, emit func(m int32, ranks []fptree.Item) error) (err error) {
	var h []*runReader // a binary min-heap
	defer func() {
		for _, r := range h {
			r.f.Close()
		}
	}()
	less := func(a, b *runReader) bool { return fptree.CompareRanks(a.ranks, a.m, b.ranks, b.m) < 0 }
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			if r := l + 1; r < len(h) && less(h[r], h[l]) {
				l = r
			}
			if !less(h[l], h[i]) {
				return
			}
			h[i], h[l] = h[l], h[i]
			i = l
		}
	}
	for _, name := range runs {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		r := &runReader{f: f, br: bufio.NewReaderSize(f, 32<<10)}
		ok, err := r.next()
		if err != nil {
			f.Close()
			return err
		}
		if !ok {
			f.Close()
			continue
		}
		h = append(h, r)
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for len(h) > 0 {
		r := h[0]
		if err := emit(r.m, r.ranks); err != nil {
			return err
		}
		ok, err := r.next()
		if err != nil {
			return err
		}
		if !ok {
			r.f.Close()
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
		}
		down(0)
	}
	return nil
}
