package spool

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestDiskFull fills a small tmpfs until commits fail with ErrDiskFull,
// then frees space: every acknowledged message must be intact, no failed
// one present, and the writer must work again by itself.
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("disk-full test needs root to mount a tmpfs")
	}
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a tmpfs (%v): disk-full test skipped", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, 0) })
	filler := filepath.Join(mnt, "filler")
	if err := os.WriteFile(filler, make([]byte, 256<<10), 0o600); err != nil {
		t.Fatal(err)
	}

	cfg := Config{Dir: filepath.Join(mnt, "spool"), SensorID: "BR-01", MaxSize: 300 << 10}
	w := mustOpen(t, cfg)
	rng := rand.NewChaCha8([32]byte{7})
	msgs := map[int][]byte{}
	var acked, failed []int
	submit := func(i int) error {
		msg := make([]byte, 16<<10)
		rng.Read(msg) // incompressible
		msg[len(msg)-1] = '\n'
		msgs[i] = msg
		ch := make(chan error, 1)
		if err := w.Message(testEnvelope(i), msg, func(err error) { ch <- err }); err != nil {
			t.Fatal(err)
		}
		w.Event(testEvent(i))
		err := <-ch
		if err == nil {
			acked = append(acked, i)
		} else {
			failed = append(failed, i)
		}
		return err
	}
	i := 0
	for ; i < 200; i++ {
		if err := submit(i); err != nil {
			if !errors.Is(err, ErrDiskFull) {
				t.Fatalf("message %d: %v, want ErrDiskFull", i, err)
			}
			break
		}
	}
	if len(failed) == 0 {
		t.Fatal("the disk never filled up")
	}
	for range 3 { // still full: fails again, nothing breaks
		i++
		if err := submit(i); !errors.Is(err, ErrDiskFull) {
			t.Fatalf("message %d on a full disk: %v", i, err)
		}
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		i++
		if err := submit(i); err != nil {
			t.Fatalf("message %d after space was freed: %v", i, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if st := w.Stats(); st.DiskFull == 0 || st.MessageErrors != int64(len(failed)) {
		t.Errorf("stats %+v, %d failed", st, len(failed))
	}

	entries, _, _ := readSegments(t, cfg.Dir)
	if len(entries) != len(acked) {
		t.Fatalf("read %d messages, %d were acknowledged (%d failed)", len(entries), len(acked), len(failed))
	}
	for k, i := range acked {
		if string(entries[k].Message) != string(msgs[i]) || entries[k].Envelope.SessionID != testEnvelope(i).SessionID {
			t.Errorf("acknowledged message %d lost or corrupt", i)
		}
	}
	t.Logf("%d acknowledged, %d refused with ErrDiskFull", len(acked), len(failed))
	zstdTest(t, cfg.Dir)
}
