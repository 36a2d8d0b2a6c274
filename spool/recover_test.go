package spool

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/spampots/spampots/spool/mbox"
)

func TestRecover(t *testing.T) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderCRC(true), zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	frame := func(i int) []byte {
		return enc.EncodeAll(mbox.AppendEntry(nil, testEnvelope(i), testMessage(i)), nil)
	}
	eventFrame := enc.EncodeAll([]byte(`{"session":"s1"}`+"\n"), nil)
	good := bytes.Join([][]byte{frame(0), frame(1), frame(2)}, nil)
	torn := frame(3)
	torn = torn[:len(torn)/2]
	badSum := bytes.Clone(eventFrame)
	badSum[len(badSum)-1] ^= 0xff // content checksum

	const stem = "BR-01-20261123T120000Z-000007"
	tests := []struct {
		name      string
		files     map[string][]byte // in open/
		wantKept  map[string][]byte // in closed/ afterwards
		wantCut   int               // files with a cut tail
		wantMsgs  []int
		wantFiles int
	}{
		{"torn frame and garbage cut",
			map[string][]byte{stem + mboxExt: bytes.Join([][]byte{good, torn, []byte("garbage")}, nil)},
			map[string][]byte{stem + mboxExt: good}, 1, []int{0, 1, 2}, 1},
		{"intact segment moved as is",
			map[string][]byte{stem + mboxExt: good, stem + eventsExt: eventFrame},
			map[string][]byte{stem + mboxExt: good, stem + eventsExt: eventFrame}, 0, []int{0, 1, 2}, 2},
		{"bad checksum ends the good prefix",
			map[string][]byte{stem + eventsExt: bytes.Join([][]byte{eventFrame, badSum, eventFrame}, nil)},
			map[string][]byte{stem + eventsExt: eventFrame}, 1, nil, 1},
		{"preallocated zeros dropped without a cut",
			map[string][]byte{stem + mboxExt: append(bytes.Clone(good), make([]byte, 4096)...)},
			map[string][]byte{stem + mboxExt: good}, 0, []int{0, 1, 2}, 1},
		{"torn frame before the zeros is a cut",
			map[string][]byte{stem + mboxExt: bytes.Join([][]byte{good, torn, make([]byte, 100)}, nil)},
			map[string][]byte{stem + mboxExt: good}, 1, []int{0, 1, 2}, 1},
		{"nothing good: files removed",
			map[string][]byte{stem + mboxExt: torn, stem + eventsExt: nil},
			map[string][]byte{}, 1, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, sub := range []string{openDir, closedDir} {
				if err := os.MkdirAll(filepath.Join(dir, sub), 0o750); err != nil {
					t.Fatal(err)
				}
			}
			for name, b := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, openDir, name), b, 0o640); err != nil {
					t.Fatal(err)
				}
			}
			// A closed segment is never touched, even if it is not valid.
			untouched := filepath.Join(dir, closedDir, "BR-01-20261123T110000Z-000006"+mboxExt)
			os.WriteFile(untouched, []byte("not zstd"), 0o640)

			// Open recovers; the next segment gets the next number.
			w, err := Open(Config{Dir: dir, SensorID: "BR-01"})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if err := send(t, w, 99); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if b, _ := os.ReadFile(untouched); string(b) != "not zstd" {
				t.Errorf("closed segment modified: %q", b)
			}
			os.Remove(untouched)
			if open := segmentFiles(t, dir, openDir); len(open) != 0 {
				t.Errorf("open/ after recovery: %v", open)
			}
			for name, want := range tt.wantKept {
				got, err := os.ReadFile(filepath.Join(dir, closedDir, name))
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("closed/%s: %d bytes, err %v; want the %d bytes of the complete frames", name, len(got), err, len(want))
				}
			}
			entries, _, _ := readSegments(t, dir)
			checkMessages(t, entries, append(tt.wantMsgs, 99))
			zstdTest(t, dir)
			for _, name := range segmentFiles(t, dir, closedDir) {
				if s, _ := splitName(name); s != stem {
					if n, _ := stemSeq(s); n != 8 {
						t.Errorf("new segment %s, want sequence number 8", name)
					}
				}
			}
		})
	}

	// Recover on its own reports what it did.
	t.Run("report", func(t *testing.T) {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, openDir), 0o750)
		os.WriteFile(filepath.Join(dir, openDir, stem+mboxExt), append(bytes.Clone(good), torn...), 0o640)
		os.WriteFile(filepath.Join(dir, openDir, "stray.tmp"), nil, 0o640)
		rep, err := Recover(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Segments != 1 || len(rep.Files) != 1 || rep.Files[0].Frames != 3 ||
			rep.Files[0].Kept != int64(len(good)) || rep.Files[0].Size != int64(len(good)+len(torn)) || rep.Files[0].Cut == "" {
			t.Errorf("report %+v", rep)
		}
	})
}
