package mine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/spampots/spampots/spool/mbox"
)

// entryView is what the miner takes of one mbox entry.
type entryView struct {
	TooLarge bool
	FromLine string
	Env      mbox.Envelope
	Msg      string
}

// readSequential reads r with one mbox.Reader, as the miner did before it
// split its inputs: the entries, and whether the input ended in an error.
func readSequential(r io.Reader, maxEntry int) ([]entryView, bool) {
	rd := mbox.NewReader(r)
	rd.MaxEntry = maxEntry
	var out []entryView
	for {
		e, err := rd.Next()
		switch {
		case err == io.EOF:
			return out, false
		case errors.Is(err, mbox.ErrTooLarge):
			out = append(out, entryView{TooLarge: true})
		case err != nil:
			return out, true
		default:
			out = append(out, entryView{FromLine: e.FromLine, Env: e.Envelope, Msg: string(e.Message)})
		}
	}
}

// readSplit reads r through the splitter (small chunks and reads) and
// parses its chunks one by one.
func readSplit(r io.Reader, maxEntry, chunkLen, read int) ([]entryView, bool) {
	s := &splitter{maxEntry: maxEntry, chunk: chunkLen, read: read}
	var out []entryView
	failed := false
	var n atomic.Int64
	in := Input{Name: "x", Open: func() (io.ReadCloser, error) { return io.NopCloser(r), nil }}
	s.split(context.Background(), 0, in, &n, func(c chunk) bool {
		if c.err != nil {
			failed = true
			return true
		}
		if c.data != nil && !bytes.HasPrefix(c.data, []byte("From ")) {
			panic(fmt.Sprintf("chunk starts %q", c.data[:min(len(c.data), 20)]))
		}
		parse(&c, maxEntry, func(it item) {
			out = append(out, entryView{TooLarge: it.tooLarge, FromLine: it.fromLine, Env: it.env, Msg: string(it.msg)})
		})
		s.free(c.data)
		return true
	})
	return out, failed
}

// randomMbox is an mbox with the splitter's edge cases: a preamble, an
// input starting with an empty line, CRLF and LF lines, quoted and
// unquoted "From " lines, empty lines, sensor header blocks, long lines,
// and entries of very different sizes.
func randomMbox(r *rand.Rand) []byte {
	var b []byte
	switch r.IntN(5) {
	case 0:
		b = append(b, "preamble line\nFrom not an entry\n\n\n"...)
	case 1:
		b = append(b, '\n')
	case 2:
		b = append(b, "\r\n"...)
	}
	lines := []string{"Subject: hi", "", "body", ">From quoted", "From unquoted after text", "\r", "x\r",
		strings.Repeat("y", 200), "From ", ">>From x", "\nFrom", "Fro"}
	for range r.IntN(12) {
		msg := []byte("Subject: s\n\n")
		for range r.IntN(20) {
			msg = append(msg, lines[r.IntN(len(lines))]...)
			msg = append(msg, "\n\r\n"[r.IntN(2):][:1+r.IntN(2)/2]...)
		}
		if r.IntN(3) == 0 {
			msg = append(msg, strings.Repeat("z", r.IntN(3000))...)
		}
		var env *mbox.Envelope
		if r.IntN(3) == 0 {
			env = &mbox.Envelope{SensorID: "T-1", SensorTime: time.Unix(1e9, 0), SrcIP: "192.0.2.1", MailFrom: "a@b.c", RcptTo: []string{"x@y.z"}}
		}
		if env == nil && r.IntN(2) == 0 {
			env = &mbox.Envelope{}
		}
		if env != nil {
			b = mbox.AppendEntry(b, env, msg)
		} else { // a hand-written entry, separator or not
			b = append(b, "From someone Mon Apr  2 00:00:00 2007\n"...)
			b = append(b, msg...)
			b = append(b, "\n\n"[:r.IntN(3)]...)
		}
	}
	return b
}

// errAfter returns r's bytes, then err after n of them.
type errAfter struct {
	r io.Reader
	n int
}

func (e *errAfter) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, errors.New("disk on fire")
	}
	p = p[:min(len(p), e.n)]
	n, err := e.r.Read(p)
	e.n -= n
	return n, err
}

// TestSplitterMatchesReader: splitting an input into chunks and parsing
// each gives the entries one mbox.Reader gives, whatever the chunk and read
// sizes, the entry bound, short reads and read errors.
func TestSplitterMatchesReader(t *testing.T) {
	for seed := range uint64(400) {
		r := rand.New(rand.NewPCG(seed, 3))
		data := randomMbox(r)
		maxEntry := []int{0, 50, 300, 2000}[r.IntN(4)]
		chunk, read := 1+r.IntN(500), 1+r.IntN(300)
		wrap := func(rd io.Reader) io.Reader { return rd }
		switch r.IntN(4) {
		case 1:
			wrap = iotest.OneByteReader
		case 2:
			wrap = iotest.HalfReader
		}
		cut := -1
		if r.IntN(4) == 0 && len(data) > 0 {
			cut = r.IntN(len(data))
		}
		open := func() io.Reader {
			var rd io.Reader = bytes.NewReader(data)
			if cut >= 0 {
				rd = &errAfter{rd, cut}
			}
			return wrap(rd)
		}
		want, wantErr := readSequential(open(), maxEntry)
		got, gotErr := readSplit(open(), maxEntry, chunk, read)
		if wantErr != gotErr || !reflect.DeepEqual(got, want) {
			t.Errorf("seed %d (max entry %d, chunk %d, read %d, error at %d): split gives %d entries (error %v), Reader %d (error %v)\n%q",
				seed, maxEntry, chunk, read, cut, len(got), gotErr, len(want), wantErr, data)
			for i := range max(len(got), len(want)) {
				var g, w entryView
				if i < len(got) {
					g = got[i]
				}
				if i < len(want) {
					w = want[i]
				}
				if !reflect.DeepEqual(g, w) {
					t.Errorf("entry %d: split %+v\nReader %+v", i, g, w)
					break
				}
			}
			return
		}
	}
}

// FuzzSplit: for any input, chunk and read size and entry bound, the
// splitter and mbox.Reader agree.
func FuzzSplit(f *testing.F) {
	for seed := range uint64(8) {
		f.Add(randomMbox(rand.New(rand.NewPCG(seed, 3))), uint16(64), uint16(7), uint16(300))
	}
	f.Add([]byte("\nFrom a\nb\n\nFrom c\n"), uint16(1), uint16(1), uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, chunkLen, read, maxEntry uint16) {
		want, wantErr := readSequential(bytes.NewReader(data), int(maxEntry))
		got, gotErr := readSplit(bytes.NewReader(data), int(maxEntry), 1+int(chunkLen), 1+int(read))
		if wantErr || gotErr || !reflect.DeepEqual(got, want) {
			t.Fatalf("split gives %d entries, Reader %d", len(got), len(want))
		}
	})
}
