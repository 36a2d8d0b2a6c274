package ship

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spampots/spampots/internal/durable"
)

// Status is a snapshot of a Shipper.
type Status struct {
	BacklogSegments int   // segments (distinct stems) in closed/
	BacklogFiles    int   // files in closed/
	BacklogBytes    int64 // bytes in closed/
	SpoolBytes      int64 // bytes of closed/ plus shipped/, as the quota counts
	Shipped         int64 // files confirmed by the collector since New
	ShippedBytes    int64 // their bytes
	LastError       string
	LastErrorTime   time.Time
	LastSuccess     time.Time // the collector last confirmed a file
	QuotaAlarm      bool      // over quota with only unshipped segments left
	Passes          int64     // completed passes over closed/
}

// Shipper uploads closed segments and sends heartbeats. Its methods are safe
// for concurrent use.
type Shipper struct {
	cfg    Config
	log    *slog.Logger
	client *http.Client
	base   string  // https://host:port
	limit  *bucket // nil without Config.Rate
	m      *metrics
	start  time.Time
	notify chan struct{} // buffered 1

	passMu   sync.Mutex           // one pass at a time; guards the fields below
	hashes   map[string]hashEntry // by file name
	rejected map[string]time.Time // file name → not before

	mu sync.Mutex // guards st
	st Status
}

// New checks cfg and returns a Shipper; Run starts it.
func New(cfg Config) (*Shipper, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	client, err := newClient(&cfg, netDial)
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	u, _ := parseCollector(cfg.Collector) // checked by Validate
	s := &Shipper{
		cfg:      cfg,
		log:      cfg.Logger,
		client:   client,
		base:     "https://" + collectorAddr(u),
		m:        m,
		start:    cfg.Now(),
		notify:   make(chan struct{}, 1),
		hashes:   map[string]hashEntry{},
		rejected: map[string]time.Time{},
	}
	if cfg.Rate > 0 {
		s.limit = newBucket(cfg.Rate, cfg.Now, sleepCtx(cfg.After))
	}
	return s, nil
}

// Notify tells the Shipper a segment was just closed: it looks at closed/
// now instead of at the next poll (not during a backoff). It never blocks.
func (s *Shipper) Notify() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// Status returns a snapshot of the Shipper's state.
func (s *Shipper) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// Run ships segments and sends heartbeats until ctx is done, then returns
// nil. A cancelled upload is cut where it is; the collector keeps what
// arrived and the next run resumes there.
func (s *Shipper) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { s.heartbeats(ctx) })
	defer wg.Wait()
	attempt := 0
	for {
		err := s.Pass(ctx)
		if ctx.Err() != nil {
			return nil
		}
		var wait time.Duration
		var re *ReplyError
		notify := s.notify
		switch {
		case err == nil:
			attempt, wait = 0, s.cfg.PollEvery
		case errors.As(err, &re) && re.NeedsHuman():
			wait, notify = humanBackoff, nil
			s.log.Error("ship: collector refused this sensor; fix the token or id; waiting", "status", re.Status, "reply", re.Line, "wait", wait)
		default:
			wait, notify = backoff(attempt, backoffBase, backoffCap, s.cfg.Rand), nil
			attempt++
			level := slog.LevelWarn
			if errors.Is(err, ErrPinMismatch) || errors.Is(err, ErrRedirect) || errors.Is(err, ErrNotCollector) {
				level = slog.LevelError // a configuration problem: retried, but someone must look
			}
			s.log.Log(ctx, level, "ship: upload failed, backing off", "err", err, "attempt", attempt, "wait", wait)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-notify:
		case <-s.cfg.After(wait):
		}
	}
}

// Pass applies the keep and quota policy, then uploads every file of
// closed/, oldest first, until closed/ is done or an upload fails. Files
// the collector refused (400, 413, 415) are skipped for a while and do not
// stop the pass. Run calls it in a loop; tests may call it directly.
func (s *Shipper) Pass(ctx context.Context) error {
	s.passMu.Lock()
	defer s.passMu.Unlock()
	err := s.pass(ctx)
	s.mu.Lock()
	s.st.Passes++
	s.mu.Unlock()
	return err
}

func (s *Shipper) pass(ctx context.Context) error {
	closed, err := s.policy()
	if err != nil {
		s.recordError(err)
		return err
	}
	seen := make(map[string]bool, len(closed))
	for _, f := range closed {
		seen[f.name] = true
	}
	for name := range s.hashes {
		if !seen[name] {
			delete(s.hashes, name)
		}
	}
	for name := range s.rejected {
		if !seen[name] {
			delete(s.rejected, name)
		}
	}
	for _, f := range closed {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if t, ok := s.rejected[f.name]; ok && s.cfg.Now().Before(t) {
			continue
		}
		err := s.upload(ctx, f)
		if err == nil {
			delete(s.rejected, f.name)
			if err = s.confirmed(f); err == nil {
				continue
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.countError(err)
		s.recordError(err)
		var re *ReplyError
		if errors.As(err, &re) && re.RejectsFile() {
			s.rejected[f.name] = s.cfg.Now().Add(humanBackoff)
			s.log.Error("ship: collector refused a file; keeping it and skipping it for a while",
				"file", f.name, "status", re.Status, "reply", re.Line, "retry_in", humanBackoff)
			continue
		}
		return err
	}
	return nil
}

// confirmed removes a file the collector stored from closed/: deleted, or
// moved to shipped/ with its mtime set to now, directories fsynced.
func (s *Shipper) confirmed(f spoolFile) error {
	src := s.closedPath(f.name)
	var err error
	if s.cfg.Keep > 0 {
		shipped := filepath.Join(s.cfg.Spool, shippedDir)
		dst := filepath.Join(shipped, f.name)
		now := s.cfg.Now()
		err = os.MkdirAll(shipped, 0o750)
		if err == nil {
			err = os.Rename(src, dst)
		}
		if err == nil {
			err = errors.Join(os.Chtimes(dst, now, now), durable.SyncDir(shipped))
		}
	} else {
		err = os.Remove(src)
	}
	if err == nil {
		err = durable.SyncDir(filepath.Dir(src))
	}
	if err != nil {
		return &localError{fmt.Errorf("ship: %s stored by the collector, but: %w", f.name, err)}
	}
	delete(s.hashes, f.name)
	now := s.cfg.Now()
	s.m.shippedFiles.Inc()
	s.m.shippedBytes.Add(float64(f.size))
	s.m.lastSuccess.Set(float64(now.UnixNano()) / 1e9)
	s.mu.Lock()
	s.st.Shipped++
	s.st.ShippedBytes += f.size
	s.st.LastSuccess = now
	s.mu.Unlock()
	s.log.Info("ship: segment file shipped", "file", f.name, "bytes", f.size, "kept", s.cfg.Keep > 0)
	_, err = s.policy()
	return err
}

// policy lists closed/ and shipped/, deletes expired shipped files (all of
// them when Keep is 0) and, over quota, shipped files oldest first; sets
// the quota alarm if that is not enough; updates the backlog. It returns
// closed/, oldest first. Unshipped files are never deleted.
func (s *Shipper) policy() ([]spoolFile, error) {
	closed, err := listSegments(filepath.Join(s.cfg.Spool, closedDir))
	if err != nil {
		return nil, &localError{err}
	}
	shippedDirPath := filepath.Join(s.cfg.Spool, shippedDir)
	shipped, err := listSegments(shippedDirPath)
	if err != nil {
		return nil, &localError{err}
	}
	now := s.cfg.Now()
	removed := false
	remove := func(f spoolFile, reason string) bool {
		if err := os.Remove(filepath.Join(shippedDirPath, f.name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("ship: cannot delete a shipped file", "file", f.name, "err", err)
			return false
		}
		removed = true
		s.m.deletedFiles.WithLabelValues(reason).Inc()
		s.log.Debug("ship: deleted shipped file", "file", f.name, "reason", reason)
		return true
	}
	var kept []spoolFile
	for _, f := range shipped {
		if (s.cfg.Keep == 0 || now.Sub(f.mtime) >= s.cfg.Keep) && remove(f, "keep") {
			continue
		}
		kept = append(kept, f)
	}
	total := totalSize(closed) + totalSize(kept)
	alarm := false
	if s.cfg.Quota > 0 {
		for i := 0; i < len(kept) && total > s.cfg.Quota; i++ {
			if remove(kept[i], "quota") {
				total -= kept[i].size
			}
		}
		alarm = total > s.cfg.Quota
	}
	if removed {
		if err := durable.SyncDir(shippedDirPath); err != nil {
			s.log.Warn("ship: fsync shipped/", "err", err)
		}
	}
	segs, files, bytes := backlog(closed)
	s.m.backlogSegs.Set(float64(segs))
	s.m.backlogBytes.Set(float64(bytes))
	s.m.spoolBytes.Set(float64(total))
	s.mu.Lock()
	was := s.st.QuotaAlarm
	s.st.BacklogSegments, s.st.BacklogFiles, s.st.BacklogBytes = segs, files, bytes
	s.st.SpoolBytes, s.st.QuotaAlarm = total, alarm
	s.mu.Unlock()
	switch {
	case alarm && !was:
		s.m.quotaAlarm.Set(1)
		s.log.Error("ship: spool over quota with only unshipped segments left; deleting none",
			"quota", s.cfg.Quota, "spool_bytes", total, "backlog_segments", segs, "backlog_bytes", bytes)
	case !alarm && was:
		s.m.quotaAlarm.Set(0)
		s.log.Info("ship: spool back under quota", "quota", s.cfg.Quota, "spool_bytes", total)
	}
	return closed, nil
}

func (s *Shipper) closedPath(name string) string {
	return filepath.Join(s.cfg.Spool, closedDir, name)
}

func (s *Shipper) countError(err error) {
	s.m.uploadErrors.WithLabelValues(errorKind(err)).Inc()
}

func (s *Shipper) recordError(err error) {
	s.mu.Lock()
	s.st.LastError, s.st.LastErrorTime = err.Error(), s.cfg.Now()
	s.mu.Unlock()
}

// heartbeatTimeout bounds one heartbeat request.
const heartbeatTimeout = 30 * time.Second

// heartbeats sends a heartbeat now and every HeartbeatEvery until ctx ends,
// logging failures when the state changes.
func (s *Shipper) heartbeats(ctx context.Context) {
	failing := false
	for {
		err := s.SendHeartbeat(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && !failing:
			s.log.Warn("ship: heartbeat failed", "err", err)
		case err == nil && failing:
			s.log.Info("ship: heartbeat sent again")
		}
		failing = err != nil
		select {
		case <-ctx.Done():
			return
		case <-s.cfg.After(s.cfg.HeartbeatEvery):
		}
	}
}

// Heartbeat returns the heartbeat the Shipper would send now.
func (s *Shipper) Heartbeat() Heartbeat {
	now := s.cfg.Now()
	st := s.Status()
	hb := Heartbeat{
		SensorID:      s.cfg.SensorID,
		Version:       s.cfg.Version,
		Time:          now.UTC().Truncate(time.Second),
		UptimeS:       int64(now.Sub(s.start) / time.Second),
		SpoolBytes:    st.SpoolBytes,
		DiskFreeBytes: diskFree(s.cfg.Spool),
		QuotaAlarm:    st.QuotaAlarm,
	}
	// A fresh, read-only look at closed/: a pass may be deep in one upload.
	if closed, err := listSegments(filepath.Join(s.cfg.Spool, closedDir)); err == nil {
		hb.BacklogSegments, _, hb.BacklogBytes = backlog(closed)
	} else {
		hb.BacklogSegments, hb.BacklogBytes = st.BacklogSegments, st.BacklogBytes
	}
	if s.cfg.Stats != nil {
		s.cfg.Stats(&hb)
	}
	return hb
}

// SendHeartbeat posts one heartbeat to the collector.
func (s *Shipper) SendHeartbeat(ctx context.Context) error {
	err := s.sendHeartbeat(ctx)
	result := "ok"
	if err != nil {
		result = "error"
	}
	s.m.heartbeats.WithLabelValues(result).Inc()
	return err
}

func (s *Shipper) sendHeartbeat(ctx context.Context) error {
	body, err := json.Marshal(s.Heartbeat())
	if err != nil {
		return fmt.Errorf("ship: heartbeat: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, heartbeatTimeout)
	defer cancel()
	req, err := s.request(ctx, http.MethodPost, "/v1/heartbeat", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("ship: heartbeat: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return &ReplyError{Method: http.MethodPost, Status: resp.StatusCode, Line: replyLine(resp.Body)}
	}
	return nil
}

// String describes the Shipper for logs.
func (s *Shipper) String() string {
	return "ship to " + strings.TrimPrefix(s.base, "https://")
}
