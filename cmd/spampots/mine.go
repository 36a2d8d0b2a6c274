package main

// Command table entry (added to main.go by its owner):
//
//	"mine": {"mine spam campaigns from mbox files (FP-tree per day, merged across days) into campaigns.jsonl and assignments.tsv", runMine},

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spampots/spampots/miner/mine"
)

// mineExts are the file names a directory input is walked for.
var mineExts = []string{".mbox", ".mbox.zst", ".mbox.gz", ".mbx"}

func runMine(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mine", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		out      = fs.String("out", "", "output directory for campaigns.jsonl, assignments.tsv and summary.json (required)")
		cut      = fs.String("cut", "auto", "cut frequency f_c: a number >= 1, or auto (scaled to each window's volume, at least 10)")
		window   = fs.Duration("window", 24*time.Hour, "mining window: messages are grouped by their time truncated to this (UTC)")
		workers  = fs.Int("workers", 0, "goroutines extracting features and building windows (0: GOMAXPROCS)")
		logLevel = fs.String("log-level", "info", "debug, info, warn or error")
	)
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
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	cfg := mine.Config{Window: *window, Workers: *workers, Logger: log}
	if *cut != "auto" {
		n, err := strconv.Atoi(*cut)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("cut: want a number >= 1 or auto, got %q", *cut))
		}
		cfg.Cut = n
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

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	res, err := mine.Run(ctx, cfg, inputs)
	if err != nil {
		log.Error("mine", "err", err)
		return 1
	}
	if err := res.WriteDir(*out); err != nil {
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
	fmt.Fprintf(stdout, "mine: %d messages (%d bad, %d input errors), %d windows, %d campaigns (%d before merge) holding %d messages, %.1fs, %.0f msgs/s\n",
		s.Messages, bad, len(s.InputErrors), s.Windows, s.Campaigns, s.CampaignsBeforeMerge, s.InCampaigns, s.Seconds, rate)
	return 0
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
