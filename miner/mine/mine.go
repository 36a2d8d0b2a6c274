package mine

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spampots/spampots/enrich"
	"github.com/spampots/spampots/enrich/ipdb"
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
	// Specific is σ of the cut's specificity rule (fptree.Rules): a cut
	// point makes a campaign only when its campaign holds at least this
	// share of the window's messages holding one of its defining values,
	// a missing header's "(none)", an "(empty)" value and the values of
	// closed features (features.Type.Closed) aside. 0 means
	// fptree.DefaultSpecific; negative turns the rule off.
	Specific float64
	// NoVariants turns the cut's variant rule (fptree.Rules) off.
	NoVariants bool
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
	// IPDB, when not nil, gives the country and AS of a source whose
	// message does not carry them (an older spool, any mbox): the same
	// databases and value formats as the sensor's X-Src-CC and X-Src-ASN
	// (package enrich). It is read, never the DNS.
	IPDB *ipdb.DB
	// SpillBytes, when positive, turns the out-of-core path on (package
	// doc, "Out of core"): the windows' transactions (each message's
	// items, about 30 bytes) held in memory while reading are bounded by
	// SpillBytes, the rest written to temporary files in SpillDir, and
	// the windows' trees are built from them by an external sort whose
	// buffers together hold about SpillBytes. The outputs are the same
	// bytes as without it. 0 keeps everything in memory.
	SpillBytes int64
	// SpillDir is where the out-of-core path makes its temporary
	// directory, removed before Run returns; "" means os.TempDir().
	SpillDir string
	// spillFanIn, when at least 2, bounds the runs one merge reads
	// (defaultFanIn otherwise): tests force merge passes with it.
	spillFanIn int
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
	// Variants, for a campaign of the variant rule (fptree.CutRules), are
	// the values that vary inside it (e.g. the Subjects it draws from a
	// short list; two features when both vary), each having held at least
	// f_c messages in some window, sorted by value; empty for the others.
	Variants []Attribute `json:"variants"`
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
	inputStart []int   // inputStart[i]: global index of input i's first message (its messages follow)
	msgCamp    []int32 // per message: index into Campaigns, -1 for none
	msgTime    []int64 // per message: Unix microseconds, or noTime
	msgBytes   []int32 // per message: bytes as stored, 0 when too large
	msgSrc     []int32 // per message: source IP id in srcs, -1 for none
	msgSubj    []int32 // per message: Subject id in subjects, -1 for none
	msgCC      optCol  // per message: X-Src-CC id in ccs, -1 for none
	msgASN     optCol  // per message: X-Src-ASN id in asns, -1 for none
	srcs       fptree.Interner
	subjects   fptree.Interner
	// subjSpill, out of core, gives msgSubj's ids instead of subjects
	// and holds the Subjects on disk (spillstr.go).
	subjSpill *spilledStrings
	ccs       fptree.Interner
	asns      fptree.Interner
	spilled   spillStats // the out-of-core path's work, for tests
}

// spillStats is what the out-of-core path wrote.
type spillStats struct {
	flushes, files, bytes, passes int64
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
func (r *Result) Messages() int { return len(r.msgTime) }

// inputOf returns message g's input: the last input starting at or
// before g (an input without messages starts where the next one does).
func (r *Result) inputOf(g int) int {
	i, _ := slices.BinarySearch(r.inputStart, g+1)
	return i - 1
}

// Assignment returns message g's input, index in it and campaign id ("" for
// none), g counting all inputs' messages in order.
func (r *Result) Assignment(g int) (input string, n int, campaign string) {
	in := r.inputOf(g)
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

// batch is a chunk's entries extracted, or its marker.
type batch struct {
	seq   int
	input int32
	items []item
	err   error // the input ended with this error
}

type window struct {
	key  int64
	in   fptree.Interner
	b    fptree.Builder
	msgs msgRuns // window message index → global index
	buf  []fptree.Item
	// Out of core (Config.SpillBytes > 0), instead of b: spill.go.
	freq   []uint32 // freq[item]: the window's messages holding it
	tx     []byte   // transactions not yet written to txFile (appendTx)
	txFile string   // the window's transaction file, "" until written

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

	var ooc *spill
	if cfg.SpillBytes > 0 {
		var err error
		ooc, err = newSpill(cfg.SpillDir, cfg.SpillBytes, cfg.Workers, cfg.spillFanIn)
		if err != nil {
			return nil, err
		}
		defer ooc.remove()
		res.subjSpill = &spilledStrings{s: ooc}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan chunk, cfg.Workers*2)
	results := make(chan batch, cfg.Workers*2)

	// Splitter: the inputs in order, in chunks of whole entries.
	sp := newSplitter(cfg.MaxEntry)
	go func() {
		defer close(jobs)
		seq := 0
		emit := func(c chunk) bool {
			c.seq = seq
			select {
			case jobs <- c:
				seq++
				return true
			case <-ctx.Done():
				return false
			}
		}
		for i, in := range inputs {
			if !sp.split(ctx, int32(i), in, &prog.InputBytes, emit) {
				return
			}
		}
	}()

	// Workers: parse the entries of a chunk and extract each one.
	var wg sync.WaitGroup
	for range cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				b := batch{seq: c.seq, input: c.input, err: c.err}
				n := parse(&c, cfg.MaxEntry, func(it item) {
					extract(&it, cfg.IPDB)
					b.items = append(b.items, it)
				})
				sp.free(c.data)
				prog.Messages.Add(int64(n))
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
	var spillErr error
	add := func(it *item) {
		g := int32(len(res.msgTime))
		res.msgTime = append(res.msgTime, it.t)
		res.msgBytes = append(res.msgBytes, it.size)
		res.msgSrc = append(res.msgSrc, intern(&res.srcs, it.src))
		if ooc == nil {
			res.msgSubj = append(res.msgSubj, intern(&res.subjects, it.subject))
		} else {
			id, err := res.subjSpill.id(it.subject)
			if err != nil && spillErr == nil {
				spillErr = err
				cancel()
			}
			res.msgSubj = append(res.msgSubj, id)
		}
		res.msgCC.add(intern(&res.ccs, it.cc))
		res.msgASN.add(intern(&res.asns, it.asn))
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
		w.msgs.add(g)
		if ooc == nil {
			w.b.Add(w.buf)
			return
		}
		slices.Sort(w.buf)
		w.buf = slices.Compact(w.buf)
		if spillErr == nil {
			if spillErr = ooc.add(w, wins, w.buf); spillErr != nil {
				cancel()
			}
		}
	}
	var inputErrs []InputError
	perInput := make([]int, len(inputs)) // messages read from each input
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
			perInput[nb.input] += len(nb.items)
			if nb.err != nil {
				name := inputs[nb.input].Name
				log.Warn("input", "input", name, "messages", perInput[nb.input], "err", nb.err)
				inputErrs = append(inputErrs, InputError{name, perInput[nb.input], nb.err.Error()})
			}
		}
	}
	if spillErr != nil {
		return nil, spillErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sum.InputErrors = inputErrs
	sum.Messages = len(res.msgTime)
	// inputStart: messages are in input order.
	for i := 1; i < len(inputs); i++ {
		res.inputStart[i] = res.inputStart[i-1] + perInput[i-1]
	}
	log.Info("read", "messages", sum.Messages, "windows", len(wins), "seconds", time.Since(start).Seconds())
	if ooc != nil {
		log.Info("spill", "dir", ooc.dir, "files", ooc.files.Load(), "bytes", ooc.written.Load(), "held", ooc.held)
	}

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
			if w.msgs.len() > 0 && (treeWin == nil || w.msgs.len() > treeWin.msgs.len()) {
				treeWin = w
			}
		}
	}
	prog.Windows.Store(int64(len(wins)))

	// Build and cut in parallel.
	wch := make(chan *window)
	var bwg sync.WaitGroup
	var buildErr error
	var buildMu sync.Mutex
	for range cfg.Workers {
		bwg.Add(1)
		go func() {
			defer bwg.Done()
			for w := range wch {
				n := w.msgs.len()
				fc := cfg.Cut
				if fc <= 0 {
					fc = fptree.AutoCut(n)
				}
				minSupport := fc
				if len(curve) > 0 {
					minSupport = min(fc, curve[0])
				}
				var t *fptree.Tree
				if ooc == nil {
					t = w.b.Build(minSupport)
					w.b = fptree.Builder{}
				} else {
					var err error
					if t, err = ooc.build(ctx, w, minSupport); err != nil {
						buildMu.Lock()
						if buildErr == nil {
							buildErr = err
						}
						buildMu.Unlock()
						cancel()
						continue
					}
				}
				rules := cutRules(cfg, &w.in)
				w.camps = t.CutRules(fc, rules)
				w.stat = WindowStat{Window: windowLabel(w.key), Messages: n, Cut: fc, Nodes: t.Nodes(), Campaigns: len(w.camps)}
				if len(curve) > 0 {
					w.nf = make([]int, len(curve))
					for i, f := range curve {
						if f == fc {
							w.nf[i] = len(w.camps)
						} else if f <= n {
							w.nf[i] = len(t.CutRules(f, rules))
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
	if buildErr != nil && !errors.Is(buildErr, context.Canceled) {
		return nil, buildErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if ooc != nil {
		res.spilled = spillStats{ooc.flushes, ooc.files.Load(), ooc.written.Load(), ooc.passes.Load()}
		log.Info("spill done", "flushes", ooc.flushes, "files", ooc.files.Load(), "bytes", ooc.written.Load(), "merge_passes", ooc.passes.Load())
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
			c := &w.camps[i]
			c.Items = fptree.Reintern(&global, &w.in, c.Items)
			if c.Variants != nil {
				c.Variants = fptree.Reintern(&global, &w.in, c.Variants)
			}
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
		c.Variants = []Attribute{}
		for _, it := range m.Variants {
			typ, v, _ := global.Pair(it)
			c.Variants = append(c.Variants, Attribute{features.Type(typ).String(), v})
		}
		slices.SortFunc(c.Variants, func(a, b Attribute) int { return cmp.Compare(a.Value, b.Value) })
		c.Samples = []Ref{}
	}
	res.msgCamp = make([]int32, len(res.msgTime))
	for g := range res.msgCamp {
		res.msgCamp[g] = -1
	}
	for mi, m := range merged {
		for _, p := range m.Parts {
			w := wins[p.Window]
			for _, wm := range w.camps[p.Campaign].Messages {
				res.msgCamp[w.msgs.at(wm)] = rank[mi]
			}
		}
	}
	if err := res.campaignFacts(); err != nil {
		return nil, err
	}
	sum.SourceIPs = res.srcs.Len()
	sum.Campaigns = len(res.Campaigns)
	sum.Seconds = time.Since(start).Seconds()
	return res, nil
}

// cutRules are the cut's rules for a window whose items are interned in
// in: the variant rule unless cfg.NoVariants, the specificity rule at
// cfg.Specific with every feature's Missing and "(empty)" values and the
// values of closed features (features.Type.Closed) weak.
func cutRules(cfg Config, in *fptree.Interner) fptree.Rules {
	var r fptree.Rules
	if !cfg.NoVariants {
		r.Type = in.Type
	}
	switch {
	case cfg.Specific == 0:
		r.Specific = fptree.DefaultSpecific
	case cfg.Specific > 0:
		r.Specific = cfg.Specific
	}
	weak := map[fptree.Item]bool{}
	for t := range features.NumTypes {
		for _, v := range []string{features.Missing, features.Empty} {
			if it, ok := in.Lookup(uint8(t), v); ok {
				weak[it] = true
			}
		}
	}
	r.Weak = func(it fptree.Item) bool { return weak[it] || features.Type(in.Type(it)).Closed() }
	return r
}

func windowLabel(key int64) string {
	if key == noTime {
		return UndatedWindow
	}
	return time.Unix(key, 0).UTC().Format(time.RFC3339)
}

// extract fills it's features, time and bad reason, and drops the message;
// db, when not nil, fills a source's missing country and AS.
func extract(it *item, db *ipdb.DB) {
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
	if db != nil && (it.cc == "" || it.asn == "") {
		if a, err := netip.ParseAddr(it.src); err == nil {
			info := db.Lookup(a)
			if cc := enrich.FormatCC(info); it.cc == "" && cc != enrich.Unknown && cc != enrich.Reserved {
				it.cc = cc
			}
			if asn := enrich.FormatASN(info); it.asn == "" && asn != enrich.Unknown && asn != enrich.Reserved {
				it.asn = asn
			}
		}
	}
	it.asn = asnOnly(it.asn)
	it.fromLine = ""
	it.msg = nil
	it.env = mbox.Envelope{}
}

// asnOnly reduces an X-Src-ASN value ("33776 41.155.0.0/17 STARCOMMS-AS")
// to its AS ("33776 STARCOMMS-AS"): a campaign's ASNs are counted by AS,
// not by announced prefix. What does not parse stays as it is.
func asnOnly(v string) string {
	n, _, org, ok := enrich.ParseASN(v)
	if !ok {
		return v
	}
	if org == "" {
		return strconv.FormatUint(uint64(n), 10)
	}
	return strconv.FormatUint(uint64(n), 10) + " " + org
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
		if t, err := parseDate(d); err == nil && t.Year() >= 1990 && t.Year() < 2100 &&
			(!haveReceived || t.Sub(received).Abs() <= maxDateSkew) {
			return t.UnixMicro()
		}
	}
	if haveReceived {
		return received.UnixMicro()
	}
	return noTime
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
