package mine

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/zstd"

	"github.com/spampots/spampots/spool/mbox"
)

// chunk is a run of whole mbox entries of one input, cut where an entry
// starts, or a marker standing for one entry or for the input's end.
type chunk struct {
	seq   int
	input int32
	// data holds whole entries, the first beginning with its From_ line;
	// nil for a marker. It is a pooled buffer (see splitter.free).
	data []byte
	// tooLarge marks one entry larger than the entry bound, skipped.
	tooLarge bool
	// err marks the end of an input that could not be opened or read to
	// its end: what was sent before it is all that was read.
	err error
}

// Chunking.
const (
	chunkSize = 1 << 20   // a chunk is cut at the first entry start after this many bytes
	readSize  = 256 << 10 // bytes asked of the input per read
)

// fromSep is what precedes every entry's From_ line but the input's first:
// an empty line (spool/mbox: an entry begins at a line starting "From "
// that begins the input or follows an empty line).
const fromSep = "\n\nFrom "

// splitter cuts inputs into chunks of whole entries without parsing them,
// so that the workers parse entries (spool/mbox.Reader) in parallel. It
// finds the entries exactly where mbox.Reader does: a line "From ..." that
// begins the input or follows an empty line ("\n" alone; "\r\n" is not
// empty), anything before the first being skipped; and it skips an entry
// larger than maxEntry (From_ line to the next entry's start) as Reader
// does, without holding it. Chunks' buffers come from a pool; the worker
// that parsed a chunk returns its buffer with free.
type splitter struct {
	maxEntry int
	// chunk and read are chunkSize and readSize; tests make them small.
	chunk, read int
	pool        sync.Pool // *[]byte of capacity size()
}

func newSplitter(maxEntry int) *splitter {
	return &splitter{maxEntry: maxEntry, chunk: chunkSize, read: readSize}
}

// size is the capacity of a pooled buffer: a chunk, a read, and a quarter
// chunk for the entry carried over from the previous chunk. A buffer grows
// (out of the pool) for longer entries.
func (s *splitter) size() int { return s.chunk + s.read + s.chunk/4 }

func (s *splitter) get() []byte {
	if b, ok := s.pool.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, s.size())
}

func (s *splitter) free(b []byte) {
	if cap(b) == s.size() {
		s.pool.Put(&b)
	}
}

// split reads input idx and calls emit with its chunks in order, then, if
// it could not be opened or read to its end, with an err marker. It
// returns false when emit did (the run is being cancelled).
func (s *splitter) split(ctx context.Context, idx int32, in Input, inputBytes *atomic.Int64, emit func(chunk) bool) bool {
	rc, err := in.Open()
	if err != nil {
		return emit(chunk{input: idx, err: err})
	}
	defer rc.Close()
	r, closeDec, err := decompress(countingReader{rc, inputBytes})
	if err != nil {
		return emit(chunk{input: idx, err: err})
	}
	defer closeDec()

	limit := s.maxEntry
	if limit <= 0 {
		limit = mbox.DefaultMaxEntry
	}
	// A separator may straddle two reads: each search sees again the last
	// k bytes of the previous one.
	const k = len(fromSep) - 1
	// buf holds what was read and not yet sent. Before the input's first
	// entry it starts with a virtual "\n\n", so that the input's first line
	// is found by the same search as every other entry start, followed by
	// what is left of the preamble; after it, buf starts at an entry's
	// first byte, or holds the tail of an entry being skipped.
	buf := append(s.get(), '\n', '\n')
	found := false    // buf starts at an entry (the input's first was found)
	skipping := false // buf holds the tail of a too-large entry
	last := 0         // with found and not skipping: where the last entry found starts
	searched := 0     // buf[:searched] was searched
	send := func(data []byte) bool { return emit(chunk{input: idx, data: data}) }
	for {
		if ctx.Err() != nil {
			return false
		}
		if cap(buf)-len(buf) < s.read {
			grown := make([]byte, len(buf), 2*cap(buf)+s.read)
			copy(grown, buf)
			s.free(buf)
			buf = grown
		}
		n, rerr := r.Read(buf[len(buf) : len(buf)+s.read])
		buf = buf[:len(buf)+n]

		// Entry starts: "\n\nFrom " at i starts an entry at i+2.
		for {
			lo := 0
			if found && !skipping {
				lo = last - 1 // an entry start after last
			}
			from := max(searched-k, lo, 0)
			i := bytes.Index(buf[from:], []byte(fromSep))
			if i < 0 {
				searched = len(buf)
				break
			}
			start := from + i + 2
			searched = start
			if found && !skipping {
				last = start
				continue
			}
			// The first entry after the preamble or after a skipped one.
			if skipping && !emit(chunk{input: idx, tooLarge: true}) {
				return false
			}
			buf = buf[:copy(buf, buf[start:])]
			found, skipping, last, searched = true, false, 0, 0
		}

		switch {
		case !found || skipping:
			// Preamble or a skipped entry: only its last k bytes matter.
			if len(buf) > k {
				buf = buf[:copy(buf, buf[len(buf)-k:])]
			}
			searched = len(buf)
		case len(buf)-last-pending(rerr) > limit:
			// The entry at last is too large (mbox.Reader's bound is on
			// the bytes from its From_ line to the next entry's start,
			// and a next start may hide in the last bytes until more is
			// read): send the entries before it and skip it.
			tail := buf[max(len(buf)-k, last):]
			if last > 0 {
				fresh := append(s.get(), tail...)
				if !send(buf[:last]) {
					return false
				}
				buf = fresh
			} else {
				buf = buf[:copy(buf, tail)]
			}
			skipping, last, searched = true, 0, len(buf)
		case last >= s.chunk:
			fresh := append(s.get(), buf[last:]...)
			if !send(buf[:last]) {
				return false
			}
			buf, last, searched = fresh, 0, searched-last
		}

		switch {
		case rerr == nil:
			continue
		case rerr == io.EOF && skipping:
			return emit(chunk{input: idx, tooLarge: true})
		case rerr == io.EOF && found:
			return send(buf)
		case rerr == io.EOF:
			s.free(buf)
			return true
		}
		// A read error: the entries before the last start are whole; the
		// last one is not (mbox.Reader does not return it either).
		if found && !skipping && last > 0 && !send(buf[:last]) {
			return false
		}
		return emit(chunk{input: idx, err: fmt.Errorf("mbox: reading: %w", rerr)})
	}
}

// pending is how many bytes at the end of what was read may still turn
// out to be the start of the next entry: "\n\nFrom" is a separator only
// once " " follows, unless the input ends (rerr).
func pending(rerr error) int {
	if rerr != nil {
		return 0
	}
	return len(fromSep) - 3
}

// parse calls fn with each entry of a data chunk, in order, as mbox.Reader
// reads it, and returns the number of entries.
func parse(c *chunk, maxEntry int, fn func(it item)) int {
	switch {
	case c.err != nil:
		return 0
	case c.tooLarge:
		fn(item{input: c.input, tooLarge: true})
		return 1
	}
	rd := mbox.NewReader(bytes.NewReader(c.data))
	rd.MaxEntry = maxEntry
	n := 0
	for {
		e, err := rd.Next()
		it := item{input: c.input}
		switch {
		case err == io.EOF:
			return n
		case errors.Is(err, mbox.ErrTooLarge):
			it.tooLarge = true // not reached: the splitter skips those
		case err != nil:
			return n // not reached: a chunk is in memory
		default:
			it.msg, it.env, it.fromLine = e.Message, e.Envelope, e.FromLine
		}
		n++
		fn(it)
	}
}

var (
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
	gzipMagic = []byte{0x1f, 0x8b}
)

// decompress recognises zstd and gzip by their magic bytes.
func decompress(r io.Reader) (io.Reader, func(), error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(head, zstdMagic):
		d, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(false), zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			return nil, nil, err
		}
		return d, d.Close, nil
	case bytes.HasPrefix(head, gzipMagic):
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, err
		}
		return z, func() { z.Close() }, nil
	}
	return br, func() {}, nil
}

// countingReader adds the bytes read through it to n.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
