package spool

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/klauspost/compress/zstd"

	"github.com/spampots/spampots/internal/durable"
	"github.com/spampots/spampots/spool/zframe"
)

// RecoverReport says what Recover did.
type RecoverReport struct {
	Segments int             // segments moved into closed/
	Removed  int             // files removed because nothing in them survived
	Files    []RecoveredFile // every segment file found in open/
}

// RecoveredFile is one file Recover handled.
type RecoveredFile struct {
	Name   string // base name, now in closed/ unless Kept is 0 (removed)
	Size   int64  // bytes found
	Kept   int64  // bytes kept: the complete, verified frames
	Frames int    // frames kept
	Cut    string // why bytes were cut, "" if none were (or only preallocated zeros)
}

// Recover closes every segment left in Dir/open by a crash: for each file
// it keeps the longest prefix of complete frames that decode with a valid
// checksum, cuts the rest (a torn tail), syncs, and renames the file into
// Dir/closed, or removes it if nothing is left. Files in closed/ are never
// touched. Open runs Recover before it starts writing.
func Recover(dir string, log *slog.Logger) (RecoverReport, error) {
	var rep RecoverReport
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	open, closed := filepath.Join(dir, openDir), filepath.Join(dir, closedDir)
	entries, err := os.ReadDir(open)
	if errors.Is(err, fs.ErrNotExist) {
		return rep, nil
	}
	if err != nil {
		return rep, fmt.Errorf("spool: recover: %w", err)
	}
	if err := os.MkdirAll(closed, 0o750); err != nil {
		return rep, fmt.Errorf("spool: recover: %w", err)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
	if err != nil {
		return rep, fmt.Errorf("spool: recover: zstd decoder: %w", err)
	}
	defer dec.Close()

	// Group by stem; within a stem, events before mbox (the order a
	// segment is closed in).
	stems := map[string][]string{}
	for _, e := range entries {
		stem, ok := splitName(e.Name())
		if !ok || !e.Type().IsRegular() {
			log.Warn("spool: recover: not a segment file, left alone", "file", e.Name())
			continue
		}
		stems[stem] = append(stems[stem], e.Name())
	}
	// Record the highest sequence number in open/ before files that hold
	// nothing are removed, so that no number is ever used twice.
	if len(stems) > 0 {
		last, err := lastSeq(dir)
		if err == nil {
			err = writeSeq(dir, last)
		}
		if err != nil {
			return rep, fmt.Errorf("spool: recover: %w", err)
		}
	}
	var errs []error
	var scratch []byte
	for _, stem := range slices.Sorted(maps.Keys(stems)) {
		names := stems[stem]
		slices.SortFunc(names, func(a, b string) int { return len(b) - len(a) }) // .events.jsonl.zst first
		moved := false
		for _, name := range names {
			var rf RecoveredFile
			rf, scratch, err = recoverFile(dec, open, name, scratch)
			rep.Files = append(rep.Files, rf)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if rf.Cut != "" {
				log.Warn("spool: recover: cut torn tail", "file", name,
					"size", rf.Size, "kept", rf.Kept, "frames", rf.Frames, "reason", rf.Cut)
			}
			if rf.Kept == 0 {
				if err := os.Remove(filepath.Join(open, name)); err != nil {
					errs = append(errs, fmt.Errorf("spool: recover: %w", err))
				}
				rep.Removed++
				continue
			}
			dst := filepath.Join(closed, name)
			if _, err := os.Lstat(dst); err == nil {
				errs = append(errs, fmt.Errorf("spool: recover: %s already in closed/, left in open/", name))
				continue
			}
			if err := os.Rename(filepath.Join(open, name), dst); err != nil {
				errs = append(errs, fmt.Errorf("spool: recover: %w", err))
				continue
			}
			moved = true
		}
		if moved {
			rep.Segments++
			log.Info("spool: recover: segment closed", "segment", stem)
		}
	}
	if len(rep.Files) > 0 {
		if err := durable.SyncDir(closed); err != nil {
			errs = append(errs, fmt.Errorf("spool: recover: %w", err))
		}
		if err := durable.SyncDir(open); err != nil {
			errs = append(errs, fmt.Errorf("spool: recover: %w", err))
		}
	}
	return rep, errors.Join(errs...)
}

// recoverFile cuts the file open/name after its last good frame and syncs it.
func recoverFile(dec *zstd.Decoder, dir, name string, scratch []byte) (RecoveredFile, []byte, error) {
	rf := RecoveredFile{Name: name}
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		return rf, scratch, fmt.Errorf("spool: recover: %w", err)
	}
	rf.Size = int64(len(b))
	ends, err := zframe.Scan(b)
	last := 0
	if len(ends) > 0 {
		last = ends[len(ends)-1]
	}
	// Zeros after the last frame are the writer's preallocated space, not
	// a torn write: dropped without a warning.
	if err != nil && !allZero(b[last:]) {
		rf.Cut = err.Error()
	}
	good := 0
	for _, end := range ends {
		scratch, err = dec.DecodeAll(b[good:end], scratch[:0])
		if err != nil {
			rf.Cut = fmt.Sprintf("frame at offset %d: %v", good, err)
			break
		}
		good = end
		rf.Frames++
	}
	rf.Kept = int64(good)
	if cap(scratch) > 64<<20 {
		scratch = nil
	}
	if rf.Kept == 0 {
		return rf, scratch, nil
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return rf, scratch, fmt.Errorf("spool: recover: %w", err)
	}
	if rf.Kept < rf.Size {
		err = f.Truncate(rf.Kept)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return rf, scratch, fmt.Errorf("spool: recover: %s: %w", name, err)
	}
	return rf, scratch, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
