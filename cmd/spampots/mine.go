package main

// Command table entry (added to main.go by its owner):
//
//	"mine": {"mine spam campaigns from mbox files (FP-tree per day, merged across days) into campaigns.jsonl and assignments.tsv", runMine},
//
// The summary above predates the report: the command also writes the
// paper's Table 1 and §3 analyses (CSV, SVG, report.html) unless
// --report=false.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spampots/spampots/enrich/ipdb"
	"github.com/spampots/spampots/miner/mine"
	"github.com/spampots/spampots/miner/report"
)

// mineExts are the file names a directory input is walked for.
var mineExts = []string{".mbox", ".mbox.zst", ".mbox.gz", ".mbx"}

func runMine(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mine", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		out      = fs.String("out", "", "output directory for campaigns.jsonl, assignments.tsv, summary.json and the report (required)")
		cut      = fs.String("cut", "auto", "cut frequency f_c: a number >= 1, or auto (scaled to each window's volume, at least 10)")
		window   = fs.Duration("window", 24*time.Hour, "mining window: messages are grouped by their time truncated to this (UTC)")
		workers  = fs.Int("workers", 0, "goroutines extracting features and building windows (0: GOMAXPROCS)")
		iatMax   = fs.Duration("iat-max", mine.DefaultIATMax, "burst threshold IAT_max (paper §3.2): a gap longer than this between consecutive messages of a campaign starts a new burst")
		doReport = fs.Bool("report", true, "also write the paper's Table 1 and §3 analyses: CSV tables, SVG figures and report.html")
		nfCuts   = fs.String("nf-cuts", "auto", "cut frequencies f for N(f) (Fig. 2), comma-separated; auto: 5, 10, 20, 50, ... up to 10^6; none: skip (trees are built down to the smallest f, so small values cost memory)")
		memLimit = int64(3584 << 20)
		spill    = fs.String("spill", "auto", "out-of-core budget: when the windows' transactions held in memory exceed SIZE (e.g. 512MiB), they go to temporary files in --spill-dir and each window's tree is built by an external sort; auto: an eighth of the memory limit; off: all in memory. The outputs are the same")
		spillDir = fs.String("spill-dir", os.TempDir(), "directory for the out-of-core path's temporary files, removed when the run ends")
		asnDB    = fs.String("asn-db", "", "ASN database (make data's data/ipdb/asn.mmdb, or GeoLite2-ASN) for the AS of sources whose messages do not carry X-Src-ASN")
		ccDB     = fs.String("country-db", "", "country database (data/ipdb/country.mmdb, or GeoLite2-Country) for the country of sources whose messages do not carry X-Src-CC")
		logLevel = fs.String("log-level", "info", "debug, info, warn or error")
	)
	fs.Var(sizeFlag{&memLimit}, "memory-limit", "soft limit of the miner's memory (the Go runtime's, as GOMEMLIMIT, which wins when set): the GC works harder near it, so that a day of 12 million messages fits in 4 GiB")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: spampots mine --out DIR [flags] INPUT...\n\nMine spam campaigns from mbox inputs. An INPUT is an mbox file (plain, .zst\nor .gz), a directory (walked for *.mbox, *.mbox.zst, *.mbox.gz, *.mbx in\nsorted order) or - for standard input.\n\nflags:")
		fs.PrintDefaults()
	}
	// Flags and inputs may be interleaved.
	var positional []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	var errs []error
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		errs = append(errs, fmt.Errorf("log-level: %w", err))
	}
	// Log lines go through the progress bar, which clears its line first.
	bar := &progressBar{w: stderr, done: make(chan struct{})}
	log := slog.New(slog.NewTextHandler(bar, &slog.HandlerOptions{Level: level}))

	cfg := mine.Config{Window: *window, Workers: *workers, IATMax: *iatMax, Logger: log}
	if *iatMax <= 0 {
		errs = append(errs, errors.New("iat-max must be positive"))
	}
	if *doReport {
		curve, err := parseCuts(*nfCuts)
		if err != nil {
			errs = append(errs, err)
		}
		cfg.CutCurve = curve
		cfg.TreeNodes = treeNodes
	}
	if *asnDB != "" || *ccDB != "" {
		db, err := ipdb.Open(ipdb.Config{ASN: *asnDB, Country: *ccDB})
		if err != nil {
			errs = append(errs, err)
		}
		cfg.IPDB = db
	}
	if *cut != "auto" {
		n, err := strconv.Atoi(*cut)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("cut: want a number >= 1 or auto, got %q", *cut))
		}
		cfg.Cut = n
	}
	switch *spill {
	case "auto", "off":
	default:
		n, err := parseSize(*spill)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("spill: want a size (e.g. 512MiB), auto or off, got %q", *spill))
		}
		cfg.SpillBytes = n
	}
	cfg.SpillDir = *spillDir
	if fi, err := os.Stat(*spillDir); err != nil || !fi.IsDir() {
		errs = append(errs, fmt.Errorf("spill-dir: %q is not a directory", *spillDir))
	}
	if *out == "" {
		errs = append(errs, errors.New("out: directory required"))
	}
	if *window <= 0 {
		errs = append(errs, errors.New("window must be positive"))
	}
	if *workers < 0 {
		errs = append(errs, errors.New("workers must be >= 0"))
	}
	inputs, err := mineInputs(positional)
	if err != nil {
		errs = append(errs, err)
	} else if len(inputs) == 0 {
		errs = append(errs, errors.New("no input: give mbox files, directories or -"))
	}
	if len(errs) > 0 {
		fmt.Fprintf(stderr, "mine: configuration problems:\n%v\n", errors.Join(errs...))
		return 2
	}

	if os.Getenv("GOMEMLIMIT") == "" && memLimit > 0 {
		debug.SetMemoryLimit(memLimit)
	}
	if *spill == "auto" {
		cfg.SpillBytes = spillAuto(debug.SetMemoryLimit(-1))
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	cfg.Progress = new(mine.Progress)
	var ticks <-chan time.Time
	if isTerminal(stderr) {
		tk := time.NewTicker(progressEvery)
		defer tk.Stop()
		ticks = tk.C
	}
	bar.start(cfg.Progress, inputSize(inputs), time.Now(), ticks)
	res, err := mine.Run(ctx, cfg, inputs)
	if err != nil {
		bar.stop()
		log.Error("mine", "err", err)
		return 1
	}
	bar.phase("writing")
	err = res.WriteDir(*out)
	reportSeconds := 0.0
	if err == nil && *doReport {
		t0 := time.Now()
		err = report.Analyze(res).WriteDir(*out)
		reportSeconds = time.Since(t0).Seconds()
	}
	bar.stop()
	if err != nil {
		log.Error("mine: writing output", "err", err)
		return 1
	}
	s := res.Summary
	bad := 0
	for _, n := range s.BadMessages {
		bad += n
	}
	rate := 0.0
	if s.Seconds > 0 {
		rate = float64(s.Messages) / s.Seconds
	}
	fmt.Fprintf(stdout, "mine: %d messages (%d bad, %d input errors), %d windows, %d campaigns (%d before merge) holding %d messages, %.1fs, %.0f msgs/s",
		s.Messages, bad, len(s.InputErrors), s.Windows, s.Campaigns, s.CampaignsBeforeMerge, s.InCampaigns, s.Seconds, rate)
	if *doReport {
		fmt.Fprintf(stdout, ", report %.1fs", reportSeconds)
	}
	fmt.Fprintln(stdout)
	return 0
}

// spillAuto is --spill auto's budget under the Go runtime's memory limit:
// an eighth of it, none without a limit. Per message the miner keeps
// about 40 bytes of columns and its share of the distinct values whatever
// the budget; the transactions (about 30 bytes a message) and the trees'
// sort (about 60) are what the budget bounds. At the default limit a day
// of 12 million messages stays in memory, larger ones spill.
func spillAuto(limit int64) int64 {
	if limit <= 0 || limit == math.MaxInt64 {
		return 0
	}
	return limit / 8
}

// treeNodes is how many nodes of the largest window's tree Fig. 1 shows.
const treeNodes = 30

// parseCuts reads --nf-cuts.
func parseCuts(v string) ([]int, error) {
	switch v {
	case "none", "":
		return nil, nil
	case "auto":
		// From 5: a curve down to f = 1 needs every window's whole tree
		// (a quarter more memory for millions of messages a day), and
		// campaigns of one or two messages a day say little.
		var fs []int
		for p := 1; p <= 1_000_000; p *= 10 {
			fs = append(fs, p, 2*p, 5*p)
		}
		return fs[2 : len(fs)-2], nil
	}
	var fs []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("nf-cuts: want auto, none or numbers >= 1 separated by commas, got %q", v)
		}
		fs = append(fs, n)
	}
	return fs, nil
}

// inputSize is the total size of the inputs when all are regular files,
// else -1 (standard input, pipes): the progress bar's denominator.
func inputSize(inputs []mine.Input) int64 {
	var total int64
	for _, in := range inputs {
		if in.Name == "-" {
			return -1
		}
		st, err := os.Stat(in.Name)
		if err != nil || !st.Mode().IsRegular() {
			return -1
		}
		total += st.Size()
	}
	return total
}

// isTerminal reports whether w is a terminal (a character device; no
// golang.org/x/term in go.mod).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar redraws one status line on a terminal at each tick: the
// bytes of the inputs read (a bar, MB/s and ETA when their total size is
// known), the messages, then the windows mined, then the phase. Off a
// terminal (no ticks) it draws nothing; the one-line summary on stdout is
// the whole account.
type progressBar struct {
	w     io.Writer
	done  chan struct{}
	wg    sync.WaitGroup
	label atomic.Pointer[string]

	mu    sync.Mutex // serialises the redraws and Write
	drawn bool       // a status line is on the terminal
}

const progressEvery = 200 * time.Millisecond

// startProgress returns a bar drawing p on w at each of ticks until stop;
// nil ticks draw nothing.
func startProgress(w io.Writer, p *mine.Progress, total int64, start time.Time, ticks <-chan time.Time) *progressBar {
	b := &progressBar{w: w, done: make(chan struct{})}
	b.start(p, total, start, ticks)
	return b
}

func (b *progressBar) start(p *mine.Progress, total int64, start time.Time, ticks <-chan time.Time) {
	if ticks == nil {
		return
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		for {
			select {
			case <-b.done:
				b.clear()
				return
			case now := <-ticks:
				st := progressState{
					Bytes: p.InputBytes.Load(), Total: total, Messages: p.Messages.Load(),
					Windows: p.Windows.Load(), WindowsDone: p.WindowsDone.Load(), Elapsed: now.Sub(start),
				}
				if l := b.label.Load(); l != nil {
					st.Phase = *l
				}
				b.mu.Lock()
				fmt.Fprint(b.w, "\r"+progressLine(st)+"\x1b[K")
				b.drawn = true
				b.mu.Unlock()
			}
		}
	}()
}

// clear erases the status line, if one is drawn.
func (b *progressBar) clear() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprint(b.w, "\r\x1b[K")
		b.drawn = false
	}
}

// Write writes p (a log line) below nothing: it clears the status line
// first; the next tick redraws it.
func (b *progressBar) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprint(b.w, "\r\x1b[K")
		b.drawn = false
	}
	return b.w.Write(p)
}

// phase names what follows mining, e.g. writing the outputs.
func (b *progressBar) phase(s string) { b.label.Store(&s) }

// stop clears the line and ends the redraws.
func (b *progressBar) stop() {
	select {
	case <-b.done:
	default:
		close(b.done)
	}
	b.wg.Wait()
}

// progressState is one snapshot for progressLine.
type progressState struct {
	Bytes, Total         int64 // input bytes read, and their total (-1: unknown)
	Messages             int64
	Windows, WindowsDone int64
	Elapsed              time.Duration
	Phase                string
}

// progressLine renders a snapshot: while reading, "[=====>    ]  45%
// 12345 msgs  23.4 MB/s  ETA 0:12" (no bar, percentage or ETA without a
// total); then "12345 msgs, windows 12/44"; then the phase.
func progressLine(s progressState) string {
	secs := s.Elapsed.Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(s.Bytes) / 1e6 / secs
	}
	switch {
	case s.Phase != "":
		return fmt.Sprintf("mine: %d msgs, %s", s.Messages, s.Phase)
	case s.Windows > 0:
		return fmt.Sprintf("mine: %d msgs, windows %d/%d", s.Messages, s.WindowsDone, s.Windows)
	case s.Total <= 0:
		return fmt.Sprintf("mine: %d msgs  %.1f MB/s", s.Messages, rate)
	}
	frac := min(float64(s.Bytes)/float64(s.Total), 1)
	const width = 24
	n := int(frac * width)
	bar := strings.Repeat("=", n)
	if n < width {
		bar += ">" + strings.Repeat(" ", width-n-1)
	}
	eta := "?"
	if s.Bytes > 0 {
		left := time.Duration(float64(s.Elapsed) * float64(s.Total-s.Bytes) / float64(s.Bytes)).Round(time.Second)
		eta = fmt.Sprintf("%d:%02d", int(left.Minutes()), int(left.Seconds())%60)
	}
	return fmt.Sprintf("mine: [%s] %3.0f%%  %d msgs  %.1f MB/s  ETA %s", bar, 100*frac, s.Messages, rate, eta)
}

// mineInputs expands the command line inputs: files as given, directories
// walked for mbox names in sorted order, "-" for standard input (once).
func mineInputs(args []string) ([]mine.Input, error) {
	var inputs []mine.Input
	var errs []error
	stdin := false
	for _, a := range args {
		if a == "-" {
			if stdin {
				errs = append(errs, errors.New("input: - given twice"))
			}
			stdin = true
			inputs = append(inputs, mine.FileInput(a))
			continue
		}
		st, err := os.Stat(a)
		if err != nil {
			errs = append(errs, fmt.Errorf("input: %w", err))
			continue
		}
		if !st.IsDir() {
			inputs = append(inputs, mine.FileInput(a))
			continue
		}
		var found []string
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && slices.ContainsFunc(mineExts, func(e string) bool { return strings.HasSuffix(d.Name(), e) }) {
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("input: %w", err))
		}
		slices.Sort(found)
		if len(found) == 0 && err == nil {
			errs = append(errs, fmt.Errorf("input %s: no *.mbox, *.mbox.zst, *.mbox.gz or *.mbx files", a))
		}
		for _, p := range found {
			inputs = append(inputs, mine.FileInput(p))
		}
	}
	return inputs, errors.Join(errs...)
}
