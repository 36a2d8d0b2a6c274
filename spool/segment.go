package spool

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spampots/spampots/internal/durable"
)

// Names under Config.Dir.
const (
	openDir   = "open"
	closedDir = "closed"
	seqFile   = "seq"

	mboxExt   = ".mbox.zst"
	eventsExt = ".events.jsonl.zst"

	stemTimeLayout = "20060102T150405Z"
)

// stemName returns <sensor>-<utcstart>-<seq>.
func stemName(sensor string, start time.Time, seq uint64) string {
	return fmt.Sprintf("%s-%s-%06d", sensor, start.UTC().Format(stemTimeLayout), seq)
}

// splitName returns the stem of a segment file name, or ok false if name
// is not one.
func splitName(name string) (stem string, ok bool) {
	for _, ext := range []string{mboxExt, eventsExt} {
		if s, found := strings.CutSuffix(name, ext); found && s != "" {
			return s, true
		}
	}
	return "", false
}

// stemSeq returns the sequence number at the end of a stem.
func stemSeq(stem string) (uint64, bool) {
	i := strings.LastIndexByte(stem, '-')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseUint(stem[i+1:], 10, 64)
	return n, err == nil
}

// lastSeq returns the highest sequence number used under dir: the largest
// of Dir/seq and the stems in open/ and closed/.
func lastSeq(dir string) (uint64, error) {
	var last uint64
	b, err := os.ReadFile(filepath.Join(dir, seqFile))
	switch {
	case err == nil:
		n, perr := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		if perr != nil {
			return 0, fmt.Errorf("spool: %s: %w", filepath.Join(dir, seqFile), perr)
		}
		last = n
	case !errors.Is(err, fs.ErrNotExist):
		return 0, fmt.Errorf("spool: reading sequence number: %w", err)
	}
	for _, sub := range []string{openDir, closedDir} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return 0, fmt.Errorf("spool: listing %s: %w", sub, err)
		}
		for _, e := range entries {
			if stem, ok := splitName(e.Name()); ok {
				if n, ok := stemSeq(stem); ok && n > last {
					last = n
				}
			}
		}
	}
	return last, nil
}

// writeSeq records seq as the last sequence number used, atomically and
// durably.
func writeSeq(dir string, seq uint64) error {
	if err := durable.WriteFile(filepath.Join(dir, seqFile), []byte(strconv.FormatUint(seq, 10)+"\n"), 0o644); err != nil {
		return fmt.Errorf("spool: recording sequence number: %w", err)
	}
	return nil
}

// segFile is one of the two files of the open segment.
type segFile struct {
	name  string   // base name
	f     *os.File // nil until the first frame
	size  int64    // bytes of complete, synced frames
	alloc int64    // bytes written (frames, then zeros) and synced: size <= alloc
	// prealloc: grow the file with zeros ahead of its frames (the mbox
	// file, synced on every batch); the events file just appends, so that
	// it never takes the space a message needs.
	prealloc bool
	dirty    bool // the file may hold bytes past size (a failed write)
}

// segment is the open segment.
type segment struct {
	stem   string
	opened time.Time // by Config.Now
	mbox   segFile
	events segFile
}

func newSegment(stem string, opened time.Time) *segment {
	return &segment{
		stem:   stem,
		opened: opened,
		mbox:   segFile{name: stem + mboxExt, prealloc: true},
		events: segFile{name: stem + eventsExt},
	}
}

// size is the bytes of both files on disk.
func (s *segment) size() int64 { return s.mbox.size + s.events.size }
