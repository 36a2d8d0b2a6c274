package spool

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/spampots/spampots/internal/durable"
	"github.com/spampots/spampots/spool/mbox"
)

// Config configures a Writer. Zero fields take the documented defaults.
type Config struct {
	// Dir holds open/, closed/ and the seq file. Required.
	Dir string
	// SensorID starts every segment name. Required; letters, digits, '.',
	// '_' and '-' only.
	SensorID string
	// MaxAge closes a segment this long after it opened, even if idle.
	// Default 15m.
	MaxAge time.Duration
	// MaxSize closes a segment when its two files together exceed this many
	// bytes on disk. Default 64 MiB.
	MaxSize int64
	// QueueLen bounds the submission queue, in records. Default 4096.
	QueueLen int
	// MaxBatch bounds the records of one group commit. Default 512.
	MaxBatch int
	// Now is the clock for segment names and ages. Default time.Now.
	Now func() time.Time
	// Logger receives the writer's logs. Default: discarded.
	Logger *slog.Logger
	// Closed, if set, is called (from the writer goroutine; it must not
	// block) each time a segment lands in closed/: the shipper's cue.
	Closed func()
}

// Defaults of Config.
const (
	DefaultMaxAge   = 15 * time.Minute
	DefaultMaxSize  = 64 << 20
	DefaultQueueLen = 4096
	DefaultMaxBatch = 512

	// maxBatchBytes stops draining the queue into one batch once its
	// messages hold this many bytes, bounding the batch buffers.
	maxBatchBytes = 16 << 20

	// preallocChunk is how much zero-filled space a segment file grows by.
	preallocChunk = 1 << 20

	// eventSyncEvery is how often the events file is synced at most.
	eventSyncEvery = time.Second
)

// Errors of the Writer.
var (
	// ErrQueueFull is returned by Message and Event when the submission
	// queue is full; the record was not taken. The sensor answers a
	// temporary failure.
	ErrQueueFull = errors.New("spool: queue full")
	// ErrDiskFull wraps ENOSPC and EDQUOT from a write or sync; the batch
	// was not made durable and later batches try again.
	ErrDiskFull = errors.New("spool: disk full")
	// ErrClosed is returned by every call after Close.
	ErrClosed = errors.New("spool: writer closed")
)

// check fills in defaults and reports every problem of c at once.
func (c *Config) check() error {
	var errs []error
	if c.Dir == "" {
		errs = append(errs, errors.New("dir is required"))
	}
	if c.SensorID == "" {
		errs = append(errs, errors.New("sensor id is required"))
	} else if strings.HasPrefix(c.SensorID, ".") || strings.IndexFunc(c.SensorID, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
	}) >= 0 {
		errs = append(errs, fmt.Errorf("SensorID %q: only letters, digits, '.', '_' and '-', not starting with '.'", c.SensorID))
	}
	for _, f := range []struct {
		name string
		neg  bool
	}{
		{"MaxAge", c.MaxAge < 0}, {"MaxSize", c.MaxSize < 0}, {"QueueLen", c.QueueLen < 0}, {"MaxBatch", c.MaxBatch < 0},
	} {
		if f.neg {
			errs = append(errs, fmt.Errorf("%s must not be negative", f.name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("spool: config: %w", err)
	}
	if c.MaxAge == 0 {
		c.MaxAge = DefaultMaxAge
	}
	if c.MaxSize == 0 {
		c.MaxSize = DefaultMaxSize
	}
	if c.QueueLen == 0 {
		c.QueueLen = DefaultQueueLen
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Stats are the Writer's counters since Open.
type Stats struct {
	Messages       int64 // messages made durable (done called with nil)
	MessageErrors  int64 // messages whose done got an error
	Events         int64 // events made durable
	EventsDropped  int64 // events lost: failed batch or not encodable
	Batches        int64 // group commits
	Fsyncs         int64 // fdatasync/fsync calls on segment files
	Bytes          int64 // compressed bytes made durable in segment files
	QueueDepth     int   // records waiting now
	DiskFull       int64 // failed writes or syncs that were ErrDiskFull
	SegmentsClosed int64 // segments moved into closed/
}

// record is one queued submission: a message (done may be nil) or an event.
type record struct {
	env  *mbox.Envelope
	msg  []byte
	done func(error)
	ev   *Event
}

// Writer appends messages and events to the open segment with group commit.
// Its methods are safe for concurrent use and never block on disk I/O.
type Writer struct {
	cfg Config
	log *slog.Logger

	mu     sync.RWMutex // guards closed against sends on a closed queue
	closed bool
	queue  chan record

	rotateReq atomic.Bool
	wake      chan struct{} // buffered 1: Rotate was requested
	exited    chan struct{} // closed when run returns
	closeErr  error         // set by run before exited is closed

	messages, messageErrors, events, eventsDropped atomic.Int64
	batches, fsyncs, bytes, diskFull, segsClosed   atomic.Int64

	// Owned by the writer goroutine.
	seq          uint64 // last sequence number used
	seg          *segment
	openDirDirty bool // a file was created in open/ and its entry not yet synced
	enc          *zstd.Encoder
	mboxBuf      []byte
	evBuf        bytes.Buffer
	jsonEnc      *json.Encoder
	frame        []byte
	eventsSynced time.Time // by Config.Now
	zeros        []byte    // zeros for prealloc
}

// Open creates the directories, recovers whatever a previous run left in
// open/ (see Recover) and starts the writer goroutine.
func Open(cfg Config) (*Writer, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	for _, d := range []string{cfg.Dir, filepath.Join(cfg.Dir, openDir), filepath.Join(cfg.Dir, closedDir)} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, fmt.Errorf("spool: %w", err)
		}
	}
	if _, err := Recover(cfg.Dir, cfg.Logger); err != nil {
		return nil, err
	}
	seq, err := lastSeq(cfg.Dir)
	if err != nil {
		return nil, err
	}
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderCRC(true),
		zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("spool: zstd encoder: %w", err)
	}
	w := &Writer{
		cfg:    cfg,
		log:    cfg.Logger,
		queue:  make(chan record, cfg.QueueLen),
		wake:   make(chan struct{}, 1),
		exited: make(chan struct{}),
		seq:    seq,
		enc:    enc,
	}
	w.jsonEnc = json.NewEncoder(&w.evBuf)
	go w.run()
	return w, nil
}

// Message queues one captured message without blocking. It returns
// ErrQueueFull at once if the queue is full, or ErrClosed after Close; done
// is then never called. Otherwise done is called exactly once, from the
// writer goroutine, with nil after the message is durable or with the
// error that kept it from being so (errors.Is(err, ErrDiskFull) for a full
// disk). The Writer owns e and msg until done is called; done must not
// block. done may be nil.
func (w *Writer) Message(e *mbox.Envelope, msg []byte, done func(error)) error {
	return w.submit(record{env: e, msg: msg, done: done})
}

// Event queues one session event without blocking; it is written with the
// next batch, unacknowledged. It returns ErrQueueFull if the queue is full
// and ErrClosed after Close. The Writer owns ev from then on.
func (w *Writer) Event(ev *Event) error {
	return w.submit(record{ev: ev})
}

func (w *Writer) submit(r record) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return ErrClosed
	}
	select {
	case w.queue <- r:
		return nil
	default:
		return ErrQueueFull
	}
}

// Rotate asks the writer to close the open segment before it writes
// anything submitted after this call. It does not wait.
func (w *Writer) Rotate() {
	w.rotateReq.Store(true)
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Close stops accepting records, commits everything queued, closes the open
// segment into closed/ and stops the writer goroutine. It returns the error
// of closing the last segment, if any; calls after the first return
// ErrClosed.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	w.closed = true
	close(w.queue)
	w.mu.Unlock()
	<-w.exited
	return w.closeErr
}

// Stats returns the counters.
func (w *Writer) Stats() Stats {
	return Stats{
		Messages:       w.messages.Load(),
		MessageErrors:  w.messageErrors.Load(),
		Events:         w.events.Load(),
		EventsDropped:  w.eventsDropped.Load(),
		Batches:        w.batches.Load(),
		Fsyncs:         w.fsyncs.Load(),
		Bytes:          w.bytes.Load(),
		QueueDepth:     len(w.queue),
		DiskFull:       w.diskFull.Load(),
		SegmentsClosed: w.segsClosed.Load(),
	}
}

// run is the writer goroutine: block for one record, drain what is queued
// up to MaxBatch, commit it as one frame per file, then rotate if due.
func (w *Writer) run() {
	defer close(w.exited)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	batch := make([]record, 0, w.cfg.MaxBatch)
	for {
		open := true
		select {
		case r, ok := <-w.queue:
			if ok {
				batch, open = w.drain(append(batch, r))
			} else {
				open = false
			}
		case <-w.wake:
		case <-timer.C:
		}
		if w.rotateReq.Swap(false) {
			w.closeSegment("rotate")
		}
		w.checkAge()
		if len(batch) > 0 {
			w.commit(batch)
			clear(batch) // drop references to the records: done was called
			batch = batch[:0]
		}
		w.checkAge()
		if w.seg != nil && w.seg.size() > w.cfg.MaxSize {
			w.closeSegment("size")
		}
		if !open {
			w.closeErr = w.closeSegment("close")
			w.enc.Close()
			return
		}
		if w.seg != nil {
			timer.Reset(max(0, w.seg.opened.Add(w.cfg.MaxAge).Sub(w.cfg.Now())))
		} else {
			timer.Stop()
		}
	}
}

// drain adds records already queued to batch without blocking, up to
// MaxBatch records and about maxBatchBytes of messages. open is false once
// the queue is closed and empty.
func (w *Writer) drain(batch []record) (_ []record, open bool) {
	n := len(batch[0].msg)
	for len(batch) < w.cfg.MaxBatch && n < maxBatchBytes {
		select {
		case r, ok := <-w.queue:
			if !ok {
				return batch, false
			}
			batch = append(batch, r)
			n += len(r.msg)
		default:
			return batch, true
		}
	}
	return batch, true
}

// checkAge closes the open segment once MaxAge has passed since it opened.
func (w *Writer) checkAge() {
	if w.seg != nil && !w.cfg.Now().Before(w.seg.opened.Add(w.cfg.MaxAge)) {
		w.closeSegment("age")
	}
}

// commit makes one batch durable and calls its dones.
func (w *Writer) commit(batch []record) {
	w.mboxBuf = w.mboxBuf[:0]
	w.evBuf.Reset()
	var nmsg, nev int64
	for _, r := range batch {
		if r.ev == nil {
			w.mboxBuf = mbox.AppendEntry(w.mboxBuf, r.env, r.msg)
			nmsg++
			continue
		}
		// Encode writes nothing on error.
		if err := w.jsonEnc.Encode(r.ev); err != nil {
			w.eventsDropped.Add(1)
			w.log.Error("spool: event not encodable, dropped", "err", err)
			continue
		}
		nev++
	}
	w.batches.Add(1)

	var merr, eerr error
	if w.seg == nil {
		w.seq++
		if err := writeSeq(w.cfg.Dir, w.seq); err != nil {
			w.seq-- // try the same number again next batch
			merr, eerr = w.classify(err), err
		} else {
			now := w.cfg.Now()
			w.seg = newSegment(stemName(w.cfg.SensorID, now, w.seq), now)
		}
	}
	if w.seg != nil {
		if len(w.mboxBuf) > 0 {
			merr = w.appendFrame(&w.seg.mbox, w.mboxBuf, true)
		}
		if w.evBuf.Len() > 0 {
			// Events are acknowledged to no one: they are synced at most
			// once per eventSyncEvery (and when the segment closes), which
			// halves the fsyncs of a load of short sessions. A kill -9
			// loses none of them (they are in the page cache); a power
			// loss, at most the last second's.
			now := w.cfg.Now()
			sync := now.Sub(w.eventsSynced) >= eventSyncEvery
			if eerr = w.appendFrame(&w.seg.events, w.evBuf.Bytes(), sync); eerr == nil && sync {
				w.eventsSynced = now
			}
		}
	}
	if eerr == nil {
		w.events.Add(nev)
	} else if nev > 0 {
		w.eventsDropped.Add(nev)
		w.log.Error("spool: events not written, dropped", "events", nev, "err", eerr)
	}
	if merr == nil {
		w.messages.Add(nmsg)
	} else if nmsg > 0 {
		w.messageErrors.Add(nmsg)
		w.log.Error("spool: messages not written", "messages", nmsg, "err", merr)
	}
	for _, r := range batch {
		if r.ev == nil && r.done != nil {
			r.done(merr)
		}
	}
	// Do not keep a huge buffer after an exceptional batch.
	if cap(w.mboxBuf) > 2*maxBatchBytes {
		w.mboxBuf = nil
	}
}

// appendFrame encodes data as one zstd frame, appends it to sf (creating
// the file first if needed) and, if sync, makes it durable. On failure the
// file is cut back to its last complete frame.
func (w *Writer) appendFrame(sf *segFile, data []byte, sync bool) error {
	dir := filepath.Join(w.cfg.Dir, openDir)
	if sf.f == nil {
		f, err := os.OpenFile(filepath.Join(dir, sf.name), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
		if err != nil {
			return w.classify(fmt.Errorf("spool: creating segment file: %w", err))
		}
		sf.f = f
		w.openDirDirty = true
	}
	if sf.dirty {
		if err := sf.f.Truncate(sf.size); err != nil {
			return w.classify(fmt.Errorf("spool: cutting %s back to %d bytes: %w", sf.name, sf.size, err))
		}
		sf.dirty = false
		sf.alloc = sf.size
	}
	w.frame = w.enc.EncodeAll(data, w.frame[:0])
	err := w.prealloc(sf, sf.size+int64(len(w.frame)))
	if err == nil {
		_, err = sf.f.WriteAt(w.frame, sf.size)
	}
	if err == nil && sync {
		w.fsyncs.Add(1)
		err = fdatasync(sf.f)
	}
	if err == nil && w.openDirDirty {
		w.fsyncs.Add(1)
		if err = durable.SyncDir(dir); err == nil {
			w.openDirDirty = false
		}
	}
	if err != nil {
		// ftruncate needs no free space; if it fails anyway, the next
		// write tries again first.
		sf.dirty = sf.f.Truncate(sf.size) != nil
		sf.alloc = sf.size
		return w.classify(fmt.Errorf("spool: writing %s: %w", sf.name, err))
	}
	sf.size += int64(len(w.frame))
	w.bytes.Add(int64(len(w.frame)))
	if cap(w.frame) > 2*maxBatchBytes {
		w.frame = nil
	}
	return nil
}

// prealloc makes sure the file holds at least end bytes of zeros already
// written and synced, growing it a chunk at a time. Frames then overwrite
// allocated blocks without changing the file's size, so their fdatasync
// flushes data only and commits no journal transaction: the trick databases
// play with their write-ahead logs (here it saves about 40% of a sync's
// CPU). The zero tail is cut when the segment closes, and by Recover after
// a crash (zeros are not a zstd frame).
func (w *Writer) prealloc(sf *segFile, end int64) error {
	if end <= sf.alloc || !sf.prealloc {
		return nil
	}
	need := end - sf.alloc
	grow := max(preallocChunk, need)
	if cap(w.zeros) < int(grow) {
		w.zeros = make([]byte, grow)
	}
	_, err := sf.f.WriteAt(w.zeros[:grow], sf.alloc)
	if isDiskFull(err) && grow > need { // not a whole chunk left: just this frame
		grow = need
		if err = sf.f.Truncate(sf.alloc); err == nil { // drop a partial chunk
			_, err = sf.f.WriteAt(w.zeros[:grow], sf.alloc)
		}
	}
	if err == nil {
		w.fsyncs.Add(1)
		err = fdatasync(sf.f)
	}
	if err != nil {
		return err
	}
	sf.alloc += grow
	return nil
}

// classify wraps ErrDiskFull around a full-disk error and counts it.
func (w *Writer) classify(err error) error {
	if isDiskFull(err) {
		w.diskFull.Add(1)
		return fmt.Errorf("%w: %w", ErrDiskFull, err)
	}
	return err
}

// closeSegment syncs and closes the open segment's files and renames them
// into closed/, events file first, then syncs both directories. If that
// fails, the files stay in open/ for Recover at the next Open.
func (w *Writer) closeSegment(why string) error {
	seg := w.seg
	if seg == nil {
		return nil
	}
	w.seg = nil
	files := []*segFile{&seg.events, &seg.mbox}
	var errs []error
	n := 0
	for _, sf := range files {
		if sf.f == nil {
			continue
		}
		n++
		// Cut the zero tail of prealloc and whatever a failed write left.
		if err := sf.f.Truncate(sf.size); err != nil {
			errs = append(errs, err)
		}
		if err := sf.f.Sync(); err != nil {
			errs = append(errs, err)
		}
		if err := sf.f.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if n == 0 {
		return nil
	}
	open, closed := filepath.Join(w.cfg.Dir, openDir), filepath.Join(w.cfg.Dir, closedDir)
	if len(errs) == 0 {
		for _, sf := range files {
			if sf.f != nil {
				if err := os.Rename(filepath.Join(open, sf.name), filepath.Join(closed, sf.name)); err != nil {
					errs = append(errs, err)
					break
				}
			}
		}
	}
	if len(errs) == 0 {
		errs = append(errs, durable.SyncDir(closed), durable.SyncDir(open))
	}
	if err := errors.Join(errs...); err != nil {
		err = fmt.Errorf("spool: closing segment %s: %w", seg.stem, w.classify(err))
		w.log.Error("spool: segment not closed, left for recovery", "segment", seg.stem, "err", err)
		return err
	}
	w.segsClosed.Add(1)
	if w.cfg.Closed != nil {
		w.cfg.Closed()
	}
	w.log.Info("spool: segment closed", "segment", seg.stem, "reason", why,
		"mbox_bytes", seg.mbox.size, "events_bytes", seg.events.size)
	return nil
}
