package ship

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Directories under Config.Spool, and the segment file names (the spool
// package's layout, PROTOCOL.md "Segment upload").
const (
	closedDir  = "closed"
	shippedDir = "shipped"

	mboxExt   = ".mbox.zst"
	eventsExt = ".events.jsonl.zst"
)

// spoolFile is one segment file in closed/ or shipped/.
type spoolFile struct {
	name  string
	size  int64
	mtime time.Time // in shipped/: when it was shipped
	seq   uint64    // 0 if the name has none
}

// segmentStem returns <sensor>-<time>-<seq> of a segment file name, or ok
// false for anything else (temporary files, strays).
func segmentStem(name string) (stem string, ok bool) {
	if strings.HasPrefix(name, ".") {
		return "", false
	}
	for _, ext := range []string{mboxExt, eventsExt} {
		if s, found := strings.CutSuffix(name, ext); found && s != "" {
			return s, true
		}
	}
	return "", false
}

// segmentSeq returns the sequence number ending a stem.
func segmentSeq(stem string) uint64 {
	n, _ := strconv.ParseUint(stem[strings.LastIndexByte(stem, '-')+1:], 10, 64)
	return n
}

// compareFiles orders segment files oldest first: by sequence number (which
// only grows, across restarts), then by name.
func compareFiles(a, b spoolFile) int {
	return cmp.Or(cmp.Compare(a.seq, b.seq), strings.Compare(a.name, b.name))
}

// listSegments returns the segment files of dir, oldest first. A missing
// directory is empty. It only reads.
func listSegments(dir string) ([]spoolFile, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ship: listing %s: %w", dir, err)
	}
	var files []spoolFile
	for _, e := range entries {
		stem, ok := segmentStem(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // gone since ReadDir
		}
		if err != nil {
			return nil, fmt.Errorf("ship: %w", err)
		}
		files = append(files, spoolFile{name: e.Name(), size: info.Size(), mtime: info.ModTime(), seq: segmentSeq(stem)})
	}
	slices.SortFunc(files, compareFiles)
	return files, nil
}

// backlog sums unshipped files: segments (distinct stems), files and bytes.
func backlog(closed []spoolFile) (segments, files int, bytes int64) {
	stems := make(map[string]bool, len(closed))
	for _, f := range closed {
		stem, _ := segmentStem(f.name)
		stems[stem] = true
		bytes += f.size
	}
	return len(stems), len(closed), bytes
}

func totalSize(files []spoolFile) (n int64) {
	for _, f := range files {
		n += f.size
	}
	return n
}
