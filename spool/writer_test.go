package spool

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/spampots/spampots/spool/mbox"
	"github.com/spampots/spampots/spool/zframe"
)

// fakeClock is a settable clock for Config.Now.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func testConfig(t *testing.T) Config {
	return Config{Dir: t.TempDir(), SensorID: "BR-01", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func mustOpen(t *testing.T, cfg Config) *Writer {
	t.Helper()
	w, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// testEnvelope returns a distinct, fully known envelope for message i, in
// the form the mbox Reader gives back.
func testEnvelope(i int) *mbox.Envelope {
	return &mbox.Envelope{
		SensorID: "BR-01", SensorTime: time.Date(2026, 11, 23, 12, 0, 0, i*1000, time.UTC),
		SessionID: fmt.Sprintf("s%d", i), SensorDstport: 25, SrcProto: "SMTP",
		SrcIP: "192.0.2.1", SrcPort: 1024 + i, SMTPProto: "ESMTP", Ehlo: "bot",
		MailFrom: "a@example.org", RcptTo: []string{fmt.Sprintf("r%d@example.net", i)},
	}
}

// testMessage returns message i: CRLF lines, a From line to quote, and a
// body whose size varies with i.
func testMessage(i int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Subject: message %d\r\n\r\nFrom the body\r\n", i)
	for j := range i % 50 {
		fmt.Fprintf(&b, ">From line %d of %d\r\n", j, i)
	}
	return b.Bytes()
}

// send submits one message and waits for its done.
func send(t *testing.T, w *Writer, i int) error {
	t.Helper()
	ch := make(chan error, 1)
	if err := w.Message(testEnvelope(i), testMessage(i), func(err error) { ch <- err }); err != nil {
		t.Fatalf("Message %d: %v", i, err)
	}
	return <-ch
}

// segmentFiles lists dir/sub sorted by sequence number, events first.
func segmentFiles(t *testing.T, dir, sub string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, sub))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	key := func(name string) string {
		stem, _ := splitName(name)
		seq, _ := stemSeq(stem)
		return fmt.Sprintf("%020d %s", seq, name)
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(key(a), key(b)) })
	return names
}

// readSegments decodes every file of dir/closed: the mbox entries and the
// events, in segment order, and the number of distinct segments.
func readSegments(t *testing.T, dir string) (entries []*mbox.Entry, events []Event, segments int) {
	t.Helper()
	stems := map[string]bool{}
	for _, name := range segmentFiles(t, dir, closedDir) {
		stem, ok := splitName(name)
		if !ok {
			t.Fatalf("closed/%s: not a segment file", name)
		}
		stems[stem] = true
		f, err := os.Open(filepath.Join(dir, closedDir, name))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zstd.NewReader(f, zstd.WithDecoderConcurrency(1))
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(zr)
		zr.Close()
		f.Close()
		if err != nil {
			t.Fatalf("closed/%s: %v", name, err)
		}
		if strings.HasSuffix(name, eventsExt) {
			for line := range bytes.Lines(data) {
				var ev Event
				if err := json.Unmarshal(line, &ev); err != nil {
					t.Fatalf("closed/%s: %v", name, err)
				}
				events = append(events, ev)
			}
			continue
		}
		r := mbox.NewReader(bytes.NewReader(data))
		for {
			e, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("closed/%s: %v", name, err)
			}
			entries = append(entries, e)
		}
	}
	return entries, events, len(stems)
}

// zstdTest runs `zstd -t` on every file of dir/closed, if zstd is installed.
func zstdTest(t *testing.T, dir string) {
	t.Helper()
	bin, err := exec.LookPath("zstd")
	if err != nil {
		t.Log("zstd not installed: not checking segments with zstd -t")
		return
	}
	for _, name := range segmentFiles(t, dir, closedDir) {
		if out, err := exec.Command(bin, "-q", "-t", filepath.Join(dir, closedDir, name)).CombinedOutput(); err != nil {
			t.Errorf("zstd -t closed/%s: %v\n%s", name, err, out)
		}
	}
}

// checkMessages checks that entries are exactly messages want, in order.
func checkMessages(t *testing.T, entries []*mbox.Entry, want []int) {
	t.Helper()
	if len(entries) != len(want) {
		t.Fatalf("read %d messages, want %d", len(entries), len(want))
	}
	for k, i := range want {
		if !bytes.Equal(entries[k].Message, testMessage(i)) {
			t.Errorf("message %d: %q, want %q", i, entries[k].Message, testMessage(i))
		}
		if !reflect.DeepEqual(entries[k].Envelope, *testEnvelope(i)) {
			t.Errorf("message %d: envelope\n got %+v\nwant %+v", i, entries[k].Envelope, *testEnvelope(i))
		}
	}
}

func testEvent(i int) *Event {
	start := time.Date(2026, 11, 23, 12, 0, i, 0, time.UTC)
	return &Event{
		Start: start, End: start.Add(time.Second), Sensor: "BR-01", Session: fmt.Sprintf("s%d", i),
		Proto: "SMTP", SrcIP: "192.0.2.1", SrcPort: 1024 + i, BytesIn: int64(i), Outcome: "quit",
		Commands: map[string]int{"EHLO": 1}, Auth: []Credential{{Mech: "PLAIN", User: "u\x00\"<>"}},
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"empty", Config{}, []string{"dir is required", "sensor id is required"}},
		{"bad sensor and negatives", Config{Dir: "x", SensorID: "a/b", MaxAge: -1, QueueLen: -1},
			[]string{"SensorID", "MaxAge", "QueueLen"}},
		{"hidden sensor", Config{Dir: "x", SensorID: ".x"}, []string{"SensorID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(tt.cfg)
			if err == nil {
				t.Fatal("Open succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	cfg := testConfig(t)
	w := mustOpen(t, cfg)
	const n = 100
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		if err := w.Message(testEnvelope(i), testMessage(i), func(err error) { errs[i] = err; wg.Done() }); err != nil {
			t.Fatal(err)
		}
		if err := w.Event(testEvent(i)); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("done %d: %v", i, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := w.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v, want ErrClosed", err)
	}
	if err := w.Message(testEnvelope(0), nil, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Message after Close: %v, want ErrClosed", err)
	}
	if err := w.Event(testEvent(0)); !errors.Is(err, ErrClosed) {
		t.Errorf("Event after Close: %v, want ErrClosed", err)
	}

	entries, events, segs := readSegments(t, cfg.Dir)
	checkMessages(t, entries, seq(0, n))
	if len(events) != n {
		t.Fatalf("read %d events, want %d", len(events), n)
	}
	for i := range events {
		want := *testEvent(i)
		want.Auth[0].User = "u\x00\"<>"
		if !reflect.DeepEqual(events[i], want) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, events[i], want)
		}
	}
	if segs != 1 {
		t.Errorf("%d segments, want 1", segs)
	}
	if open := segmentFiles(t, cfg.Dir, openDir); len(open) != 0 {
		t.Errorf("open/ after Close: %v", open)
	}
	st := w.Stats()
	if st.Messages != n || st.Events != n || st.SegmentsClosed != 1 || st.MessageErrors != 0 || st.Bytes == 0 {
		t.Errorf("stats %+v", st)
	}
	zstdTest(t, cfg.Dir)
}

func seq(from, to int) []int {
	var s []int
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

// TestGroupCommit submits from many goroutines while the writer is held
// inside the first done, so that the rest is committed in full batches.
func TestGroupCommit(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxBatch = 64
	w := mustOpen(t, cfg)
	const submitters, each = 10, 100
	var calls [submitters * each]atomic.Int32
	var nilAcks atomic.Int32
	release := make(chan struct{})
	first := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(submitters*each + 1)
	if err := w.Message(testEnvelope(-1), testMessage(0), func(error) { close(first); <-release; wg.Done() }); err != nil {
		t.Fatal(err)
	}
	<-first
	var sub sync.WaitGroup
	for s := range submitters {
		sub.Go(func() {
			for j := range each {
				i := s*each + j
				if err := w.Message(testEnvelope(i), testMessage(i), func(err error) {
					calls[i].Add(1)
					if err == nil {
						nilAcks.Add(1)
					}
					wg.Done()
				}); err != nil {
					t.Errorf("Message %d: %v", i, err)
				}
			}
		})
	}
	sub.Wait()
	close(release)
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for i := range calls {
		if n := calls[i].Load(); n != 1 {
			t.Errorf("done of message %d called %d times", i, n)
		}
	}
	if n := nilAcks.Load(); n != submitters*each {
		t.Errorf("%d nil acks, want %d", n, submitters*each)
	}
	st := w.Stats()
	maxBatches := int64(1 + (submitters*each+cfg.MaxBatch-1)/cfg.MaxBatch)
	if st.Batches > maxBatches || st.Fsyncs >= st.Messages {
		t.Errorf("%d batches (want at most %d), %d fsyncs for %d messages", st.Batches, maxBatches, st.Fsyncs, st.Messages)
	}
	entries, _, _ := readSegments(t, cfg.Dir)
	if len(entries) != submitters*each+1 {
		t.Errorf("read %d messages, want %d", len(entries), submitters*each+1)
	}
}

// TestAckAfterDurable checks, from inside done, that the message is already
// in the segment file on disk.
func TestAckAfterDurable(t *testing.T) {
	cfg := testConfig(t)
	w := mustOpen(t, cfg)
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	for i := range 20 {
		ch := make(chan error, 1)
		msg := testMessage(i)
		err := w.Message(testEnvelope(i), msg, func(err error) {
			if err != nil {
				ch <- err
				return
			}
			names, _ := filepath.Glob(filepath.Join(cfg.Dir, openDir, "*"+mboxExt))
			if len(names) != 1 {
				ch <- fmt.Errorf("open/ holds %v", names)
				return
			}
			b, err := os.ReadFile(names[0])
			if err == nil {
				// An open file ends in preallocated zeros: cut them as
				// Recover would, at the last complete frame.
				ends, _ := zframe.Scan(b)
				if len(ends) == 0 {
					err = errors.New("no complete frame in the open file")
				} else {
					b, err = dec.DecodeAll(b[:ends[len(ends)-1]], nil)
				}
			}
			if err == nil && !bytes.Contains(b, []byte(fmt.Sprintf("Subject: message %d\r\n", i))) {
				err = errors.New("message not in the file when done was called")
			}
			ch <- err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := <-ch; err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
}

func TestRotation(t *testing.T) {
	tests := []struct {
		name     string
		cfg      func(*Config)
		between  func(w *Writer, clock *fakeClock) // after each message
		messages int
		segments int
	}{
		{"by size", func(c *Config) { c.MaxSize = 1 }, nil, 3, 3},
		{"under size", func(c *Config) { c.MaxSize = 1 << 20 }, nil, 3, 1},
		{"by age on the next batch", func(c *Config) { c.MaxAge = time.Minute },
			func(_ *Writer, c *fakeClock) { c.Advance(time.Minute) }, 3, 3},
		{"under age", func(c *Config) { c.MaxAge = time.Minute },
			func(_ *Writer, c *fakeClock) { c.Advance(time.Second) }, 3, 1},
		{"by Rotate", nil, func(w *Writer, _ *fakeClock) { w.Rotate() }, 3, 3},
		{"Rotate with nothing open", nil, func(w *Writer, _ *fakeClock) { w.Rotate(); w.Rotate() }, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			cfg := testConfig(t)
			cfg.Now = clock.Now
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			w := mustOpen(t, cfg)
			for i := range tt.messages {
				if err := send(t, w, i); err != nil {
					t.Fatal(err)
				}
				if tt.between != nil {
					tt.between(w, clock)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			entries, _, segs := readSegments(t, cfg.Dir)
			checkMessages(t, entries, seq(0, tt.messages))
			if segs != tt.segments {
				t.Errorf("%d segments, want %d: %v", segs, tt.segments, segmentFiles(t, cfg.Dir, closedDir))
			}
		})
	}
}

// logWatch is a slog.Handler that reports log messages on a channel.
type logWatch struct{ c chan string }

func (h logWatch) Enabled(context.Context, slog.Level) bool { return true }
func (h logWatch) Handle(_ context.Context, r slog.Record) error {
	select {
	case h.c <- r.Message:
	default:
	}
	return nil
}
func (h logWatch) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h logWatch) WithGroup(string) slog.Handler      { return h }

// TestRotationIdle checks that the age timer closes a segment that gets
// no more records, with the real clock.
func TestRotationIdle(t *testing.T) {
	cfg := testConfig(t)
	logs := make(chan string, 16)
	cfg.Logger = slog.New(logWatch{logs})
	cfg.MaxAge = 20 * time.Millisecond
	w := mustOpen(t, cfg)
	if err := send(t, w, 0); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(30 * time.Second)
	for {
		select {
		case msg := <-logs:
			if msg != "spool: segment closed" {
				continue
			}
		case <-deadline:
			t.Fatal("idle segment not closed")
		}
		break
	}
	if names := segmentFiles(t, cfg.Dir, closedDir); len(names) != 1 {
		t.Errorf("closed/ holds %v, want one mbox file", names)
	}
	if st := w.Stats(); st.SegmentsClosed != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestSeqAcrossReopen(t *testing.T) {
	cfg := testConfig(t)
	seqs := func() []uint64 {
		var s []uint64
		for _, name := range segmentFiles(t, cfg.Dir, closedDir) {
			stem, _ := splitName(name)
			n, _ := stemSeq(stem)
			s = append(s, n)
		}
		return s
	}
	round := func(i int) {
		w, err := Open(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := send(t, w, i); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	round(0)
	round(1)
	if got := seqs(); !slices.Equal(got, []uint64{1, 2}) {
		t.Fatalf("sequence numbers %v, want [1 2]", got)
	}
	// The shipper deletes what it shipped: numbers still go on.
	for _, name := range segmentFiles(t, cfg.Dir, closedDir) {
		os.Remove(filepath.Join(cfg.Dir, closedDir, name))
	}
	round(2)
	if got := seqs(); !slices.Equal(got, []uint64{3}) {
		t.Fatalf("sequence numbers after deletion %v, want [3]", got)
	}
	// A segment name higher than the seq file wins.
	os.WriteFile(filepath.Join(cfg.Dir, closedDir, "BR-01-20261123T120000Z-000041"+eventsExt), []byte("x"), 0o644)
	round(3)
	if got := seqs(); !slices.Equal(got, []uint64{3, 41, 42}) {
		t.Fatalf("sequence numbers %v, want [3 41 42]", got)
	}
}

func TestQueueFull(t *testing.T) {
	cfg := testConfig(t)
	cfg.QueueLen = 4
	w := mustOpen(t, cfg)
	entered, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	if err := w.Message(testEnvelope(0), testMessage(0), func(error) { close(entered); <-release; calls.Add(1) }); err != nil {
		t.Fatal(err)
	}
	<-entered // the writer is busy and the queue empty
	for i := 1; i <= cfg.QueueLen; i++ {
		if err := w.Message(testEnvelope(i), testMessage(i), func(error) { calls.Add(1) }); err != nil {
			t.Fatalf("Message %d: %v", i, err)
		}
	}
	if err := w.Message(testEnvelope(9), testMessage(9), func(error) { t.Error("done called for a refused message") }); !errors.Is(err, ErrQueueFull) {
		t.Errorf("Message on a full queue: %v, want ErrQueueFull", err)
	}
	if err := w.Event(testEvent(9)); !errors.Is(err, ErrQueueFull) {
		t.Errorf("Event on a full queue: %v, want ErrQueueFull", err)
	}
	if d := w.Stats().QueueDepth; d != cfg.QueueLen {
		t.Errorf("queue depth %d, want %d", d, cfg.QueueLen)
	}
	close(release)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != int32(cfg.QueueLen+1) {
		t.Errorf("%d dones called, want %d", n, cfg.QueueLen+1)
	}
}

// TestCrash runs a writer in a child process, kills it with SIGKILL in
// the middle of the stream, recovers, and checks every acknowledged message.
func TestCrash(t *testing.T) {
	if dir := os.Getenv("SPAMPOTS_SPOOL_CRASH_DIR"); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("runs a child process")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skipf("no test binary to re-exec: %v", err)
	}
	dir := t.TempDir()
	cmd := exec.Command(exe, "-test.run=^TestCrash$")
	cmd.Env = append(os.Environ(), "SPAMPOTS_SPOOL_CRASH_DIR="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[int]bool{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		var i int
		if _, err := fmt.Sscanf(sc.Text(), "ack %d", &i); err != nil {
			continue
		}
		acked[i] = true
		if len(acked) == 300 {
			cmd.Process.Kill()
		}
	}
	cmd.Wait()
	if len(acked) < 300 {
		t.Fatalf("child acknowledged only %d messages", len(acked))
	}
	if _, err := Recover(dir, nil); err != nil {
		t.Fatalf("Recover: %v", err)
	}
	if open := segmentFiles(t, dir, openDir); len(open) != 0 {
		t.Errorf("open/ after Recover: %v", open)
	}
	entries, _, _ := readSegments(t, dir)
	found := map[int]bool{}
	for _, e := range entries {
		var i int
		if _, err := fmt.Sscanf(string(e.Message), "Subject: message %d", &i); err != nil {
			t.Fatalf("unexpected message %q", e.Message)
		}
		if found[i] {
			t.Errorf("message %d twice", i)
		}
		found[i] = true
		if !bytes.Equal(e.Message, testMessage(i)) || !reflect.DeepEqual(e.Envelope, *testEnvelope(i)) {
			t.Errorf("message %d corrupt", i)
		}
	}
	for i := range acked {
		if !found[i] {
			t.Errorf("acknowledged message %d lost", i)
		}
	}
	t.Logf("%d acknowledged, %d recovered", len(acked), len(found))
	zstdTest(t, dir)
}

// crashChild writes messages into dir until killed, printing "ack i" for
// every message acknowledged, with up to 32 in flight.
func crashChild(dir string) {
	w, err := Open(Config{Dir: dir, SensorID: "BR-01", MaxSize: 32 << 10})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	acks := make(chan int, 32)
	inflight := 0
	for i := 0; ; i++ {
		for inflight == cap(acks) {
			fmt.Printf("ack %d\n", <-acks)
			inflight--
		}
		if err := w.Message(testEnvelope(i), testMessage(i), func(err error) {
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			acks <- i
		}); err != nil {
			i--
			continue
		}
		inflight++
	}
}

func BenchmarkWriterGroupCommit(b *testing.B) {
	w, err := Open(Config{Dir: b.TempDir(), SensorID: "BR-01"})
	if err != nil {
		b.Fatal(err)
	}
	env, msg := testEnvelope(1), testMessage(10)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		ch := make(chan error, 1)
		done := func(err error) { ch <- err }
		for pb.Next() {
			for {
				err := w.Message(env, msg, done)
				if err == nil {
					break
				}
				if !errors.Is(err, ErrQueueFull) {
					b.Error(err)
					return
				}
				runtime.Gosched()
			}
			if err := <-ch; err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	st := w.Stats()
	b.ReportMetric(float64(st.Messages)/float64(max(1, st.Batches)), "msgs/batch")
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}
