package mine

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/mail"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/spampots/spampots/miner/features"
	"github.com/spampots/spampots/miner/fptree"
	"github.com/spampots/spampots/spool/mbox"
)

// Config tunes Run. The zero Config is valid.
type Config struct {
	// Cut is the cut frequency f_c of every window; 0 means
	// fptree.AutoCut of each window's message count.
	Cut int
	// Window is the length of a mining window; 0 means 24h.
	Window time.Duration
	// Workers bounds the goroutines extracting features and building
	// windows; 0 means GOMAXPROCS.
	Workers int
	// MaxEntry bounds one mbox entry's bytes (mbox.Reader.MaxEntry); 0
	// means mbox.DefaultMaxEntry. Larger entries are counted as too_large.
	MaxEntry int
	// IATMax is the burst threshold IAT_max of §3.2: two messages of a
	// campaign, consecutive in time, more than IATMax apart are in
	// different bursts. 0 means DefaultIATMax.
	IATMax time.Duration
	// CutCurve lists cut frequencies f at which every window's tree is cut
	// again, for N(f) of §3.1 (Fig. 2), in Result.Curve. Trees are then
	// built with minSupport min(f_c, smallest f), so each N(f) is exact
	// (fptree's pruning rule); an f of 1 keeps the whole tree. Values
	// below 1 are dropped. nil: no curve.
	CutCurve []int
	// TreeNodes, when positive, keeps the top of the largest window's tree
	// in Result.Tree (Fig. 1): its TreeNodes most frequent nodes of depth
	// at most TreeDepth, and the paths down to the cut points of its
	// TreePaths largest campaigns.
	TreeNodes int
	// Progress, when not nil, is updated while Run reads and mines.
	Progress *Progress
	// Logger receives progress and input problems; nil discards them.
	Logger *slog.Logger
}

// DefaultIATMax is the paper's IAT_max (§3.2): 2000 seconds.
const DefaultIATMax = 2000 * time.Second

// Progress is Run's progress, for a display polling it from another
// goroutine.
type Progress struct {
	InputBytes  atomic.Int64 // bytes read from the inputs as stored (compressed)
	Messages    atomic.Int64 // messages read
	Windows     atomic.Int64 // windows to build and cut, once reading is done
	WindowsDone atomic.Int64 // windows built and cut
}

// Input is one mbox to mine. Open is called once, when its turn comes.
type Input struct {
	Name string
	Open func() (io.ReadCloser, error)
}

// FileInput is the Input of a file path; "-" is standard input.
func FileInput(path string) Input {
	if path == "-" {
		return Input{Name: "-", Open: func() (io.ReadCloser, error) { return io.NopCloser(os.Stdin), nil }}
	}
	return Input{Name: path, Open: func() (io.ReadCloser, error) { return os.Open(path) }}
}

// Bad-message reasons, keys of Summary.BadMessages.
const (
	BadTooLarge  = "too_large"
	BadEmpty     = "empty"
	BadNoHeaders = "no_headers"
)

// NoTime is the time of an undated message in Columns.Time.
const NoTime = math.MinInt64

const noTime = NoTime

// UndatedWindow is the label of the window of messages without a time.
const UndatedWindow = "undated"

// InputError is an input that could not be opened or read to its end.
type InputError struct {
	Input    string `json:"input"`
	Messages int    `json:"messages"` // messages read from it before the error
	Error    string `json:"error"`
}

// WindowStat is one window's mining.
type WindowStat struct {
	Window   string `json:"window"` // start, RFC 3339 UTC, or "undated"
	Messages int    `json:"messages"`
	Cut      int    `json:"cut"`
	// Nodes counts the tree as built, root included: pruned at f_c, or at
	// the smallest Config.CutCurve f when that is smaller.
	Nodes     int `json:"nodes"`
	Campaigns int `json:"campaigns"`
}

// Summary is the run's accounting, written as summary.json. Seconds is the
// only field that varies between runs on the same input.
type Summary struct {
	Inputs               int            `json:"inputs"`
	Messages             int            `json:"messages"`
	BadMessages          map[string]int `json:"bad_messages"`
	Undated              int            `json:"undated"`
	InputErrors          []InputError   `json:"input_errors"`
	Windows              int            `json:"windows"`
	Window               string         `json:"window"`
	IATMaxSeconds        float64        `json:"iat_max_seconds"`
	Bytes                int64          `json:"bytes"`
	SourceIPs            int            `json:"source_ips"`
	CampaignsBeforeMerge int            `json:"campaigns_before_merge"`
	Campaigns            int            `json:"campaigns"`
	InCampaigns          int            `json:"messages_in_campaigns"`
	PerWindow            []WindowStat   `json:"per_window"`
	Seconds              float64        `json:"seconds"`
}

// Attribute is one ⟨feature type, value⟩ of a campaign's defining set.
type Attribute struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Ref names a message: its input and 0-based index in it.
type Ref struct {
	Input string `json:"input"`
	N     int    `json:"n"`
}

// Count is a value and the number of a campaign's messages holding it.
type Count struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Campaign is one merged campaign, a line of campaigns.jsonl.
type Campaign struct {
	ID        string     `json:"id"`
	Size      int        `json:"size"` // T(c) of §3.1: its messages
	Bytes     int64      `json:"bytes"`
	Windows   []string   `json:"windows"`
	Days      int        `json:"days"` // days active: distinct UTC dates of its dated messages
	FirstSeen *time.Time `json:"first_seen,omitempty"`
	LastSeen  *time.Time `json:"last_seen,omitempty"`
	// DurationHours is D(c) of §3.1, last_seen − first_seen in hours; 0
	// for a campaign with fewer than two dated messages.
	DurationHours float64 `json:"duration_hours"`
	// Bursts is the number of bursts of §3.2: runs of its dated messages,
	// in time order, whose consecutive gaps are at most IAT_max
	// (Summary.IATMaxSeconds). 0 when it has no dated message.
	Bursts     int         `json:"bursts"`
	Attributes []Attribute `json:"attributes"`
	// TopSubjects are its most frequent raw Subject values (first Subject
	// field, unfolded, trimmed, at most MaxSubject bytes), at most MaxTop,
	// by count then first appearance; messages without Subject are not
	// counted.
	TopSubjects []Count `json:"top_subjects"`
	// SourceIPs is the number of distinct source IPs of its messages (see
	// sourceIP), TopSourceIPs the most frequent, at most MaxTop.
	SourceIPs    int     `json:"source_ips"`
	TopSourceIPs []Count `json:"top_source_ips"`
	// Countries and ASNs count the sensor's X-Src-CC and X-Src-ASN of its
	// messages, at most MaxTop each; empty for messages not captured by a
	// sensor or not enriched.
	Countries []Count `json:"countries"`
	ASNs      []Count `json:"asns"`
	Samples   []Ref   `json:"samples"` // its first messages in input order, at most MaxSamples
}

// MaxSamples bounds Campaign.Samples; MaxTop bounds the Campaign's top
// lists.
const (
	MaxSamples = 5
	MaxTop     = 5
)

// Result is a finished run: the summary, the campaigns by rank, and every
// message's campaign.
type Result struct {
	Summary   Summary
	Campaigns []Campaign
	// IATMax is the burst threshold the campaigns' Bursts were counted with.
	IATMax time.Duration
	// Curve is N(f) per window, when Config.CutCurve was set.
	Curve *CutCurve
	// Tree is the top of the largest window's tree, when Config.TreeNodes
	// was set and some window has messages.
	Tree *TreeTop

	inputs     []string
	inputStart []int   // inputStart[i]: global index of input i's first message
	msgInput   []int32 // per message: its input
	msgCamp    []int32 // per message: index into Campaigns, -1 for none
	msgTime    []int64 // per message: Unix microseconds, or noTime
	msgBytes   []int32 // per message: bytes as stored, 0 when too large
	msgSrc     []int32 // per message: source IP id in srcs, -1 for none
	msgSubj    []int32 // per message: Subject id in subjects, -1 for none
	msgCC      []int32 // per message: X-Src-CC id in ccs, -1 for none
	msgASN     []int32 // per message: X-Src-ASN id in asns, -1 for none
	srcs       fptree.Interner
	subjects   fptree.Interner
	ccs        fptree.Interner
	asns       fptree.Interner
}

// CutCurve is N(f) of §3.1 (Fig. 2): the number of campaigns each window's
// tree gives when cut at each f.
type CutCurve struct {
	F       []int    // cut frequencies, ascending
	Windows []string // window labels, in Summary.PerWindow order
	N       [][]int  // N[w][i]: campaigns of window w cut at F[i]
}

// Columns are the per-message facts the analyses read, indexed like
// Assignment, in input order. The slices are the Result's own: read only.
type Columns struct {
	Time     []int64 // Unix microseconds; NoTime when undated
	Campaign []int32 // index into Result.Campaigns; -1 for none
	Bytes    []int32 // the message's bytes as stored; 0 for a too-large entry
	Source   []int32 // source IP id (Result.SourceIP); -1 when unknown
	Sources  int     // distinct source IPs
}

// Columns returns the per-message columns.
func (r *Result) Columns() Columns {
	return Columns{Time: r.msgTime, Campaign: r.msgCamp, Bytes: r.msgBytes, Source: r.msgSrc, Sources: r.srcs.Len()}
}

// SourceIP returns the address of source IP id.
func (r *Result) SourceIP(id int32) string {
	_, v, _ := r.srcs.Pair(fptree.Item(id))
	return v
}

// Inputs returns the input names, in order.
func (r *Result) Inputs() []string { return r.inputs }

// Messages is the number of messages read.
func (r *Result) Messages() int { return len(r.msgInput) }

// Assignment returns message g's input, index in it and campaign id ("" for
// none), g counting all inputs' messages in order.
func (r *Result) Assignment(g int) (input string, n int, campaign string) {
	in := r.msgInput[g]
	if c := r.msgCamp[g]; c >= 0 {
		campaign = r.Campaigns[c].ID
	}
	return r.inputs[in], g - r.inputStart[in], campaign
}

// item is one message in the pipeline.
type item struct {
	input    int32
	tooLarge bool
	msg      []byte
	env      mbox.Envelope
	fromLine string
	// set by the workers
	bad     string
	t       int64 // Unix microseconds, or noTime
	feats   []features.Feature
	size    int32
	subject string
	src     string
	cc, asn string
}

type batch struct {
	seq   int
	items []item
}

const batchSize = 128

type window struct {
	key  int64
	in   fptree.Interner
	b    fptree.Builder
	msgs []int32 // window message index → global index
	buf  []fptree.Item

	stat  WindowStat
	camps []fptree.Campaign
	nf    []int
	tree  *TreeTop
}

// Run mines the inputs. It fails only when ctx is done; input problems
// are reported in the Summary.
func Run(ctx context.Context, cfg Config, inputs []Input) (*Result, error) {
	start := time.Now()
	if cfg.Window <= 0 {
		cfg.Window = 24 * time.Hour
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.IATMax <= 0 {
		cfg.IATMax = DefaultIATMax
	}
	var curve []int
	for _, f := range cfg.CutCurve {
		if f >= 1 {
			curve = append(curve, f)
		}
	}
	slices.Sort(curve)
	curve = slices.Compact(curve)
	prog := cfg.Progress
	if prog == nil {
		prog = new(Progress)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	res := &Result{inputs: make([]string, len(inputs)), inputStart: make([]int, len(inputs))}
	sum := &res.Summary
	sum.Inputs = len(inputs)
	sum.BadMessages = map[string]int{}
	sum.Window = cfg.Window.String()
	sum.IATMaxSeconds = cfg.IATMax.Seconds()
	res.IATMax = cfg.IATMax
	for i, in := range inputs {
		res.inputs[i] = in.Name
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan batch, cfg.Workers*2)
	results := make(chan batch, cfg.Workers*2)

	// Reader.
	var inputErrs []InputError
	go func() {
		defer close(jobs)
		seq := 0
		var cur []item
		flush := func() bool {
			if len(cur) == 0 {
				return true
			}
			select {
			case jobs <- batch{seq, cur}:
			case <-ctx.Done():
				return false
			}
			seq++
			cur = make([]item, 0, batchSize)
			return true
		}
		for i, in := range inputs {
			n, err := readInput(ctx, int32(i), in, cfg.MaxEntry, prog, func(it item) bool {
				cur = append(cur, it)
				return len(cur) < batchSize || flush()
			})
			if err != nil {
				log.Warn("input", "input", in.Name, "messages", n, "err", err)
				inputErrs = append(inputErrs, InputError{in.Name, n, err.Error()})
			}
			if ctx.Err() != nil {
				return
			}
		}
		flush()
	}()

	// Extractors.
	var wg sync.WaitGroup
	for range cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				for i := range b.items {
					extract(&b.items[i])
				}
				select {
				case results <- b:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	// Collector, in input order.
	windows := map[int64]*window{}
	var wins []*window
	intern := func(in *fptree.Interner, v string) int32 {
		if v == "" {
			return -1
		}
		return int32(in.Intern(0, v))
	}
	pending := map[int]batch{}
	next := 0
	add := func(it *item) {
		g := int32(len(res.msgInput))
		res.msgInput = append(res.msgInput, it.input)
		res.msgTime = append(res.msgTime, it.t)
		res.msgBytes = append(res.msgBytes, it.size)
		res.msgSrc = append(res.msgSrc, intern(&res.srcs, it.src))
		res.msgSubj = append(res.msgSubj, intern(&res.subjects, it.subject))
		res.msgCC = append(res.msgCC, intern(&res.ccs, it.cc))
		res.msgASN = append(res.msgASN, intern(&res.asns, it.asn))
		sum.Bytes += int64(it.size)
		if it.bad != "" {
			sum.BadMessages[it.bad]++
		}
		if it.tooLarge {
			return
		}
		key := int64(noTime)
		if it.t != noTime {
			key = time.UnixMicro(it.t).UTC().Truncate(cfg.Window).Unix()
		} else {
			sum.Undated++
		}
		w := windows[key]
		if w == nil {
			w = &window{key: key}
			windows[key] = w
			wins = append(wins, w)
		}
		w.buf = w.buf[:0]
		for _, f := range it.feats {
			w.buf = append(w.buf, w.in.Intern(uint8(f.Type), f.Value))
		}
		w.b.Add(w.buf)
		w.msgs = append(w.msgs, g)
	}
	for b := range results {
		pending[b.seq] = b
		for {
			nb, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			for i := range nb.items {
				add(&nb.items[i])
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sum.InputErrors = inputErrs
	sum.Messages = len(res.msgInput)
	// inputStart: messages are in input order.
	for g := len(res.msgInput) - 1; g >= 0; g-- {
		res.inputStart[res.msgInput[g]] = g
	}
	log.Info("read", "messages", sum.Messages, "windows", len(wins), "seconds", time.Since(start).Seconds())

	// Windows in time order, undated last (noTime sorts first, so move it).
	slices.SortFunc(wins, func(a, b *window) int {
		if (a.key == noTime) != (b.key == noTime) {
			if a.key == noTime {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.key, b.key)
	})

	// The window whose tree top is kept: the largest, the earliest on ties.
	var treeWin *window
	if cfg.TreeNodes > 0 {
		for _, w := range wins {
			if len(w.msgs) > 0 && (treeWin == nil || len(w.msgs) > len(treeWin.msgs)) {
				treeWin = w
			}
		}
	}
	prog.Windows.Store(int64(len(wins)))

	// Build and cut in parallel.
	wch := make(chan *window)
	var bwg sync.WaitGroup
	for range cfg.Workers {
		bwg.Add(1)
		go func() {
			defer bwg.Done()
			for w := range wch {
				n := len(w.msgs)
				fc := cfg.Cut
				if fc <= 0 {
					fc = fptree.AutoCut(n)
				}
				minSupport := fc
				if len(curve) > 0 {
					minSupport = min(fc, curve[0])
				}
				t := w.b.Build(minSupport)
				w.b = fptree.Builder{}
				w.camps = t.Cut(fc)
				w.stat = WindowStat{Window: windowLabel(w.key), Messages: n, Cut: fc, Nodes: t.Nodes(), Campaigns: len(w.camps)}
				if len(curve) > 0 {
					w.nf = make([]int, len(curve))
					for i, f := range curve {
						if f == fc {
							w.nf[i] = len(w.camps)
						} else if f <= n {
							w.nf[i] = len(t.Cut(f))
						}
					}
				}
				if w == treeWin {
					w.tree = treeTop(t, &w.in, w.camps, fc, cfg.TreeNodes)
					w.tree.Window, w.tree.Cut = w.stat.Window, fc
				}
				prog.WindowsDone.Add(1)
			}
		}()
	}
	for _, w := range wins {
		if ctx.Err() != nil {
			break
		}
		wch <- w
	}
	close(wch)
	bwg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// Merge across windows in one Interner.
	var global fptree.Interner
	all := make([][]fptree.Campaign, len(wins))
	if len(curve) > 0 {
		res.Curve = &CutCurve{F: curve}
	}
	for wi, w := range wins {
		if res.Curve != nil {
			res.Curve.Windows = append(res.Curve.Windows, w.stat.Window)
			res.Curve.N = append(res.Curve.N, w.nf)
		}
		if w.tree != nil {
			res.Tree = w.tree
		}
		sum.PerWindow = append(sum.PerWindow, w.stat)
		sum.CampaignsBeforeMerge += len(w.camps)
		for i := range w.camps {
			w.camps[i].Items = fptree.Reintern(&global, &w.in, w.camps[i].Items)
		}
		all[wi] = w.camps
		w.in = fptree.Interner{}
	}
	sum.Windows = len(wins)
	merged := fptree.Merge(all)
	order := make([]int, len(merged))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(merged[b].Size, merged[a].Size) })
	rank := make([]int32, len(merged))
	res.Campaigns = make([]Campaign, len(merged))
	for r, mi := range order {
		rank[mi] = int32(r)
		m := merged[mi]
		c := &res.Campaigns[r]
		c.ID = fmt.Sprintf("c%05d", r+1)
		c.Size = m.Size
		for _, p := range m.Parts {
			lbl := windowLabel(wins[p.Window].key)
			if len(c.Windows) == 0 || c.Windows[len(c.Windows)-1] != lbl {
				c.Windows = append(c.Windows, lbl)
			}
		}
		items := slices.Clone(m.Items)
		slices.SortFunc(items, func(a, b fptree.Item) int {
			ta, va, _ := global.Pair(a)
			tb, vb, _ := global.Pair(b)
			return cmp.Or(cmp.Compare(ta, tb), cmp.Compare(va, vb))
		})
		for _, it := range items {
			typ, v, _ := global.Pair(it)
			c.Attributes = append(c.Attributes, Attribute{features.Type(typ).String(), v})
		}
		c.Samples = []Ref{}
	}
	res.msgCamp = make([]int32, len(res.msgInput))
	for g := range res.msgCamp {
		res.msgCamp[g] = -1
	}
	for mi, m := range merged {
		for _, p := range m.Parts {
			w := wins[p.Window]
			for _, wm := range w.camps[p.Campaign].Messages {
				res.msgCamp[w.msgs[wm]] = rank[mi]
			}
		}
	}
	res.campaignFacts()
	sum.SourceIPs = res.srcs.Len()
	sum.Campaigns = len(res.Campaigns)
	sum.Seconds = time.Since(start).Seconds()
	return res, nil
}

func windowLabel(key int64) string {
	if key == noTime {
		return UndatedWindow
	}
	return time.Unix(key, 0).UTC().Format(time.RFC3339)
}

// readInput reads one input, calling emit for each entry in order. It
// returns the number of entries and the error that ended the input early.
func readInput(ctx context.Context, idx int32, in Input, maxEntry int, prog *Progress, emit func(item) bool) (int, error) {
	rc, err := in.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	r, closeDec, err := decompress(countingReader{rc, &prog.InputBytes})
	if err != nil {
		return 0, err
	}
	defer closeDec()
	mr := mbox.NewReader(r)
	mr.MaxEntry = maxEntry
	n := 0
	for {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		e, err := mr.Next()
		if err == io.EOF {
			return n, nil
		}
		it := item{input: idx}
		switch {
		case errors.Is(err, mbox.ErrTooLarge):
			it.tooLarge = true
		case err != nil:
			return n, err
		default:
			it.msg, it.env, it.fromLine = e.Message, e.Envelope, e.FromLine
		}
		n++
		prog.Messages.Add(1)
		if !emit(it) {
			return n, ctx.Err()
		}
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

// extract fills it's features, time and bad reason, and drops the message.
func extract(it *item) {
	it.t = noTime
	if it.tooLarge {
		it.bad = BadTooLarge
		return
	}
	msg := it.msg
	switch {
	case len(bytes.TrimSpace(msg)) == 0:
		it.bad = BadEmpty
	case !startsWithField(msg):
		it.bad = BadNoHeaders
	}
	it.feats = features.Extract(msg, &it.env, make([]features.Feature, 0, features.NumTypes))
	it.t = messageTime(&it.env, msg, it.fromLine)
	it.size = int32(min(len(msg), math.MaxInt32))
	h := scanHeader(msg)
	it.subject = h.subject
	it.src = sourceIP(&it.env, h.received)
	if fromSensor(&it.env) {
		it.cc, it.asn = it.env.SrcCC, it.env.SrcASN
	}
	it.fromLine = ""
	it.msg = nil
	it.env = mbox.Envelope{}
}

// maxDateSkew is how far a Date header may stand from the From_ line's
// receipt time before it is taken for forged.
const maxDateSkew = 7 * 24 * time.Hour

// messageTime dates a message, in Unix microseconds: X-Sensor-Time (the
// sensor's clock) when there is one, else its Date header, else the From_
// line. A
// Date the sender forged is not believed: one before 1990 or after 2100,
// or more than maxDateSkew from the From_ line's receipt time (the TREC
// corpus holds 1970 and year-9744 dates, which would each open a window
// of their own) gives way to the From_ line.
func messageTime(env *mbox.Envelope, msg []byte, fromLine string) int64 {
	if !env.SensorTime.IsZero() {
		return env.SensorTime.UnixMicro()
	}
	received, haveReceived := fromLineTime(fromLine)
	if d := dateHeader(msg); d != "" {
		if t, err := mail.ParseDate(d); err == nil && t.Year() >= 1990 && t.Year() < 2100 &&
			(!haveReceived || t.Sub(received).Abs() <= maxDateSkew) {
			return t.UnixMicro()
		}
	}
	if haveReceived {
		return received.UnixMicro()
	}
	return noTime
}

// fromLineTime parses the asctime date ending a From_ line, "From
// sender Sun Apr  8 13:07:32 2007", read as UTC.
func fromLineTime(line string) (time.Time, bool) {
	const layout = "Mon Jan _2 15:04:05 2006"
	line = strings.TrimSpace(line)
	if len(line) < len(layout) {
		return time.Time{}, false
	}
	t, err := time.Parse(layout, line[len(line)-len(layout):])
	return t, err == nil
}

// startsWithField: the first line is "name:" with a printable name.
func startsWithField(msg []byte) bool {
	for i, c := range msg {
		switch {
		case c == ':':
			return i > 0
		case c <= ' ' || c >= 0x7f:
			return false
		}
	}
	return false
}

// dateHeader returns the unfolded value of the first Date field of the
// header block (its first 256 KiB), or "".
func dateHeader(msg []byte) string {
	msg = msg[:min(len(msg), 256<<10)]
	for len(msg) > 0 {
		line, rest, _ := bytes.Cut(msg, []byte("\n"))
		msg = rest
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			return "" // end of the header block
		}
		if len(line) < 5 || line[4] != ':' && line[4] != ' ' && line[4] != '\t' || !bytes.EqualFold(line[:4], []byte("date")) {
			continue
		}
		name, v, ok := bytes.Cut(line, []byte(":"))
		if !ok || !bytes.EqualFold(bytes.TrimSpace(name), []byte("date")) {
			continue
		}
		val := append([]byte(nil), v...)
		for len(msg) > 0 && (msg[0] == ' ' || msg[0] == '\t') {
			l, r, _ := bytes.Cut(msg, []byte("\n"))
			msg = r
			val = append(append(val, ' '), bytes.TrimSpace(l)...)
		}
		return string(bytes.TrimSpace(val))
	}
	return ""
}
