package ship

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// fakeCollector is an in-memory collector behind the http.Client's
// RoundTripper, speaking PROTOCOL.md: it drives the upload state machine
// without a network. The transport itself is tested in transport_test.go
// and the real collector end to end in cmd/spampots.
type fakeCollector struct {
	mu         sync.Mutex
	parts      map[string][]byte // sha256 → bytes received
	stored     map[string]bool
	reqs       []string // "HEAD", "PATCH <name> <offset>"
	names      map[string]string
	heartbeats []map[string]any
	// hook, if set, may answer a request instead (ok true).
	hook func(req *http.Request, name string) (resp *http.Response, err error, ok bool)
}

func newFakeCollector() *fakeCollector {
	return &fakeCollector{parts: map[string][]byte{}, stored: map[string]bool{}, names: map[string]string{}}
}

func reply(req *http.Request, status int, hdr map[string]string, body string) *http.Response {
	h := http.Header{}
	for k, v := range hdr {
		h.Set(k, v)
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: req}
}

func (c *fakeCollector) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if req.Header.Get("Authorization") != "Bearer tok" || req.Header.Get("Spampots-Sensor") != "T-01" {
		return reply(req, 401, nil, "unknown token\n"), nil
	}
	sum := strings.TrimPrefix(req.URL.Path, "/v1/segments/")
	if n := req.Header.Get("Spampots-Name"); n != "" {
		c.names[sum] = n
	}
	name := c.names[sum]
	switch req.Method {
	case http.MethodHead:
		c.reqs = append(c.reqs, "HEAD")
	case http.MethodPatch:
		c.reqs = append(c.reqs, "PATCH "+name+" "+req.Header.Get("Upload-Offset"))
	}
	if c.hook != nil {
		if resp, err, ok := c.hook(req, name); ok {
			return resp, err
		}
	}
	switch {
	case req.Method == http.MethodPost && req.URL.Path == "/v1/heartbeat":
		var hb map[string]any
		if err := json.NewDecoder(req.Body).Decode(&hb); err != nil || req.Header.Get("Content-Type") != "application/json" {
			return reply(req, 400, nil, "bad heartbeat\n"), nil
		}
		c.heartbeats = append(c.heartbeats, hb)
		return reply(req, 204, nil, ""), nil
	case req.Method == http.MethodHead:
		if c.stored[sum] {
			return reply(req, 200, map[string]string{"Spampots-Stored": "true"}, ""), nil
		}
		if p, ok := c.parts[sum]; ok {
			return reply(req, 200, map[string]string{"Spampots-Stored": "false", "Upload-Offset": strconv.Itoa(len(p))}, ""), nil
		}
		return reply(req, 404, nil, ""), nil
	case req.Method == http.MethodPatch:
		off, _ := strconv.Atoi(req.Header.Get("Upload-Offset"))
		length, _ := strconv.Atoi(req.Header.Get("Upload-Length"))
		if req.Header.Get("Content-Type") != "application/offset+octet-stream" {
			return reply(req, 415, nil, "wrong content type\n"), nil
		}
		if c.stored[sum] {
			return reply(req, 200, map[string]string{"Spampots-Stored": "true"}, ""), nil
		}
		if off != len(c.parts[sum]) {
			return reply(req, 409, map[string]string{"Upload-Offset": strconv.Itoa(len(c.parts[sum]))}, "offset conflict\n"), nil
		}
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		p := append(c.parts[sum], b...)
		if len(p) < length {
			c.parts[sum] = p
			return reply(req, 204, map[string]string{"Upload-Offset": strconv.Itoa(len(p))}, ""), nil
		}
		delete(c.parts, sum)
		if got := sha256.Sum256(p); hex.EncodeToString(got[:]) != sum {
			return reply(req, 422, nil, "sha256 mismatch\n"), nil
		}
		c.stored[sum] = true
		return reply(req, 201, map[string]string{"Spampots-Stored": "true"}, ""), nil
	}
	return reply(req, 404, nil, "not found\n"), nil
}

func (c *fakeCollector) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.reqs)
}

func (c *fakeCollector) has(content []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	sum := sha256.Sum256(content)
	return c.stored[hex.EncodeToString(sum[:])]
}

func (c *fakeCollector) setHook(h func(*http.Request, string) (*http.Response, error, bool)) {
	c.mu.Lock()
	c.hook = h
	c.mu.Unlock()
}

// down answers 503 to every upload request.
func down(req *http.Request, _ string) (*http.Response, error, bool) {
	if req.URL.Path == "/v1/heartbeat" {
		return nil, nil, false
	}
	return reply(req, 503, nil, "down\n"), nil, true
}

type testShipper struct {
	*Shipper
	t     *testing.T
	spool string
	clock *fakeClock
	col   *fakeCollector
	reg   *prometheus.Registry
	logs  *logRecords
}

func newTestShipper(t *testing.T, edit func(*Config)) *testShipper {
	t.Helper()
	ts := &testShipper{t: t, spool: t.TempDir(), clock: newFakeClock(), col: newFakeCollector(),
		reg: prometheus.NewRegistry(), logs: &logRecords{}}
	os.MkdirAll(filepath.Join(ts.spool, "closed"), 0o750)
	cfg := Config{
		Spool: ts.spool, Collector: "https://collector.test:8443", SensorID: "T-01", Token: "tok",
		Pin: CertPin([]byte("cert")), Version: "test", Registerer: ts.reg, Now: ts.clock.Now,
		After:  func(time.Duration) <-chan time.Time { panic("After called: a test shipper does not wait") },
		Logger: slog.New(ts.logs),
	}
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.client = &http.Client{Transport: ts.col, CheckRedirect: s.client.CheckRedirect}
	ts.Shipper = s
	return ts
}

// write puts a segment file into dir (closed or shipped) and returns its
// content.
func (ts *testShipper) write(dir, name string, size int) []byte {
	ts.t.Helper()
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i*31 + len(name))
	}
	if err := os.MkdirAll(filepath.Join(ts.spool, dir), 0o750); err != nil {
		ts.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ts.spool, dir, name), b, 0o640); err != nil {
		ts.t.Fatal(err)
	}
	return b
}

func (ts *testShipper) files(dir string) []string {
	ts.t.Helper()
	entries, err := os.ReadDir(filepath.Join(ts.spool, dir))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		ts.t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func (ts *testShipper) metric(name string, labels ...string) float64 {
	ts.t.Helper()
	mfs, err := ts.reg.Gather()
	if err != nil {
		ts.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if !labelsMatch(m, labels) {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			}
		}
	}
	return 0
}

func labelsMatch(m *dto.Metric, kv []string) bool {
	for i := 0; i+1 < len(kv); i += 2 {
		found := false
		for _, l := range m.GetLabel() {
			found = found || l.GetName() == kv[i] && l.GetValue() == kv[i+1]
		}
		if !found {
			return false
		}
	}
	return true
}

// logRecords is a slog.Handler keeping the records.
type logRecords struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (l *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecords) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.recs = append(l.recs, r)
	l.mu.Unlock()
	return nil
}
func (l *logRecords) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecords) WithGroup(string) slog.Handler      { return l }

func (l *logRecords) count(level slog.Level, substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.recs {
		if r.Level == level && strings.Contains(r.Message, substr) {
			n++
		}
	}
	return n
}

// TestOldestFirst: files go by sequence number (not by name, not by
// time), both files of a segment; strays are left alone.
func TestOldestFirst(t *testing.T) {
	ts := newTestShipper(t, nil)
	names := []string{
		"T-01-20261123T120000Z-1000000.mbox.zst", // 7 digits: after 999999
		"T-01-20261123T110000Z-000010.mbox.zst",
		"T-01-20261123T110000Z-000010.events.jsonl.zst",
		"T-01-20261123T100000Z-000009.mbox.zst",
		"T-01-20261123T090000Z-000011.events.jsonl.zst", // earlier clock, later seq
	}
	content := map[string][]byte{}
	for i, n := range names {
		content[n] = ts.write("closed", n, 1000+i)
	}
	ts.write("closed", ".T-01-20261123T130000Z-000012.mbox.zst.tmp", 10)
	ts.write("closed", "README", 10)
	if err := ts.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	var patched []string
	for _, r := range ts.col.requests() {
		if f := strings.Fields(r); f[0] == "PATCH" {
			patched = append(patched, f[1])
		}
	}
	want := []string{
		"T-01-20261123T100000Z-000009.mbox.zst",
		"T-01-20261123T110000Z-000010.events.jsonl.zst",
		"T-01-20261123T110000Z-000010.mbox.zst",
		"T-01-20261123T090000Z-000011.events.jsonl.zst",
		"T-01-20261123T120000Z-1000000.mbox.zst",
	}
	if !slices.Equal(patched, want) {
		t.Errorf("upload order:\n%q\nwant\n%q", patched, want)
	}
	for n, b := range content {
		if !ts.col.has(b) {
			t.Errorf("%s not stored", n)
		}
	}
	if got := ts.files("closed"); !slices.Equal(got, []string{".T-01-20261123T130000Z-000012.mbox.zst.tmp", "README"}) {
		t.Errorf("closed/ holds %q, want only the strays (Keep 0 deletes)", got)
	}
	st := ts.Status()
	if st.Shipped != 5 || st.BacklogFiles != 0 || st.BacklogSegments != 0 || !st.LastSuccess.Equal(ts.clock.Now()) {
		t.Errorf("status %+v", st)
	}
	if got := ts.metric("spampots_ship_segments_shipped_total"); got != 5 {
		t.Errorf("segments_shipped_total = %v", got)
	}
}

// TestKeepMovesThenExpires: with Keep, a shipped file moves to shipped/
// stamped with the shipping time and goes Keep later.
func TestKeepMovesThenExpires(t *testing.T) {
	ts := newTestShipper(t, func(c *Config) { c.Keep = time.Hour })
	name := "T-01-20261123T110000Z-000001.mbox.zst"
	ts.write("closed", name, 5000)
	shippedAt := ts.clock.Now()
	if err := ts.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := ts.files("shipped"); !slices.Equal(got, []string{name}) {
		t.Fatalf("shipped/ = %q", got)
	}
	if fi, err := os.Stat(filepath.Join(ts.spool, "shipped", name)); err != nil || !fi.ModTime().Equal(shippedAt) {
		t.Fatalf("shipped file mtime %v, %v; want %v", fi.ModTime(), err, shippedAt)
	}
	ts.clock.Advance(59 * time.Minute)
	ts.Pass(context.Background())
	if len(ts.files("shipped")) != 1 {
		t.Fatal("deleted before Keep")
	}
	ts.clock.Advance(time.Minute)
	ts.Pass(context.Background())
	if got := ts.files("shipped"); len(got) != 0 {
		t.Fatalf("shipped/ = %q after Keep", got)
	}
	if got := ts.metric("spampots_ship_deleted_files_total", "reason", "keep"); got != 1 {
		t.Errorf("deleted_files_total{keep} = %v", got)
	}
}

// TestResumeAfterCut: a connection cut in the middle of the body leaves
// the collector with part of the file; the next attempt asks and sends
// only the rest.
func TestResumeAfterCut(t *testing.T) {
	ts := newTestShipper(t, nil)
	name := "T-01-20261123T110000Z-000001.mbox.zst"
	content := ts.write("closed", name, 100_000)
	cut := true
	ts.col.setHook(func(req *http.Request, _ string) (*http.Response, error, bool) {
		if req.Method != http.MethodPatch || !cut {
			return nil, nil, false
		}
		cut = false
		b := make([]byte, 30_000)
		io.ReadFull(req.Body, b)
		sum := strings.TrimPrefix(req.URL.Path, "/v1/segments/")
		ts.col.parts[sum] = b // the collector keeps what arrived
		return nil, errors.New("connection reset by peer"), true
	})
	err := ts.Pass(context.Background())
	if err == nil {
		t.Fatal("cut upload reported success")
	}
	if errorKind(err) != kindNetwork || ts.metric("spampots_ship_upload_errors_total", "kind", "network") != 1 {
		t.Errorf("cut: kind %s, err %v", errorKind(err), err)
	}
	if st := ts.Status(); st.LastError == "" || st.BacklogFiles != 1 {
		t.Errorf("status after cut %+v", st)
	}
	if err := ts.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{"HEAD", "PATCH " + name + " 0", "HEAD", "PATCH " + name + " 30000"}
	if got := ts.col.requests(); !slices.Equal(got, want) {
		t.Errorf("requests %q, want %q", got, want)
	}
	if !ts.col.has(content) || len(ts.files("closed")) != 0 {
		t.Error("not stored after resume")
	}
	if got := ts.metric("spampots_ship_sent_bytes_total"); got != 100_000 {
		t.Errorf("sent %v bytes for a 100000-byte file cut at 30000", got)
	}
}

// TestConflictAsksAgain: a 409 makes the shipper ask for the offset and
// resume there.
func TestConflictAsksAgain(t *testing.T) {
	ts := newTestShipper(t, nil)
	name := "T-01-20261123T110000Z-000001.mbox.zst"
	content := ts.write("closed", name, 2000)
	sum := sha256.Sum256(content)
	ts.col.parts[hex.EncodeToString(sum[:])] = content[:500]
	stale := true
	ts.col.setHook(func(req *http.Request, _ string) (*http.Response, error, bool) {
		if req.Method == http.MethodHead && stale { // a HEAD that missed the partial upload
			stale = false
			return reply(req, 404, nil, ""), nil, true
		}
		return nil, nil, false
	})
	if err := ts.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{"HEAD", "PATCH " + name + " 0", "HEAD", "PATCH " + name + " 500"}
	if got := ts.col.requests(); !slices.Equal(got, want) || !ts.col.has(content) {
		t.Errorf("requests %q, want %q", got, want)
	}
}

// TestMismatchRestartsAtZero: a 422 discards the partial upload; the file
// is re-read and sent again from 0.
func TestMismatchRestartsAtZero(t *testing.T) {
	ts := newTestShipper(t, nil)
	name := "T-01-20261123T110000Z-000001.mbox.zst"
	content := ts.write("closed", name, 2000)
	sum := sha256.Sum256(content)
	ts.col.parts[hex.EncodeToString(sum[:])] = bytes.Repeat([]byte{'x'}, 500) // corrupt prefix
	ts.col.names[hex.EncodeToString(sum[:])] = name
	if err := ts.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{"HEAD", "PATCH " + name + " 500", "HEAD", "PATCH " + name + " 0"}
	if got := ts.col.requests(); !slices.Equal(got, want) || !ts.col.has(content) {
		t.Errorf("requests %q, want %q", got, want)
	}
	if ts.metric("spampots_ship_upload_errors_total", "kind", "mismatch") != 1 {
		t.Error("mismatch not counted")
	}
}

// TestAlreadyStored: a duplicate costs one HEAD.
func TestAlreadyStored(t *testing.T) {
	ts := newTestShipper(t, nil)
	name := "T-01-20261123T110000Z-000001.mbox.zst"
	content := ts.write("closed", name, 2000)
	sum := sha256.Sum256(content)
	ts.col.stored[hex.EncodeToString(sum[:])] = true
	if err := ts.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := ts.col.requests(); len(got) != 1 || len(ts.files("closed")) != 0 {
		t.Errorf("requests %q, closed/ %q", got, ts.files("closed"))
	}
}

// TestUnauthorizedKeepsFiles: 401 stops the pass, is logged with the reply
// line, and needs a human: the file stays.
func TestUnauthorizedKeepsFiles(t *testing.T) {
	ts := newTestShipper(t, func(c *Config) { c.Token = "wrong" })
	ts.write("closed", "T-01-20261123T110000Z-000001.mbox.zst", 2000)
	ts.write("closed", "T-01-20261123T110000Z-000002.mbox.zst", 2000)
	err := ts.Pass(context.Background())
	var re *ReplyError
	if !errors.As(err, &re) || !re.NeedsHuman() {
		t.Fatalf("err = %v, want a ReplyError that needs a human", err)
	}
	if len(ts.files("closed")) != 2 || len(ts.col.requests()) != 0 {
		t.Errorf("closed/ %q, requests %q", ts.files("closed"), ts.col.requests())
	}
	if ts.metric("spampots_ship_upload_errors_total", "kind", "auth") != 1 {
		t.Error("auth error not counted")
	}
	ts.col.setHook(func(req *http.Request, _ string) (*http.Response, error, bool) {
		if req.Method == http.MethodPatch {
			return reply(req, 403, nil, "token of another sensor\nmore\n"), nil, true
		}
		return nil, nil, false
	})
	ts.Shipper.cfg.Token = "tok"
	err = ts.Pass(context.Background())
	if !errors.As(err, &re) || re.Status != 403 || re.Line != "token of another sensor" {
		t.Fatalf("err = %v, want 403 with the reply line", err)
	}
}

// TestRejectedFileSkipped: a file the collector refuses (400, 413) is kept
// and skipped for a long while; the others still ship.
func TestRejectedFileSkipped(t *testing.T) {
	ts := newTestShipper(t, nil)
	bad := "T-01-20261123T110000Z-000001.mbox.zst"
	good := "T-01-20261123T110000Z-000002.mbox.zst"
	ts.write("closed", bad, 2000)
	ts.write("closed", good, 2000)
	ts.col.setHook(func(req *http.Request, name string) (*http.Response, error, bool) {
		if req.Method == http.MethodPatch && name == bad {
			return reply(req, 413, nil, "too large\n"), nil, true
		}
		return nil, nil, false
	})
	if err := ts.Pass(context.Background()); err != nil {
		t.Fatalf("pass: %v", err)
	}
	if got := ts.files("closed"); !slices.Equal(got, []string{bad}) {
		t.Fatalf("closed/ = %q, want the refused file only", got)
	}
	if ts.logs.count(slog.LevelError, "refused a file") != 1 {
		t.Error("refusal not logged at Error")
	}
	n := len(ts.col.requests())
	ts.Pass(context.Background())
	if len(ts.col.requests()) != n {
		t.Error("refused file retried at once")
	}
	ts.clock.Advance(humanBackoff)
	ts.Pass(context.Background())
	if len(ts.col.requests()) == n {
		t.Error("refused file never retried")
	}
}

// TestQuota: over quota, shipped/ goes oldest first; unshipped segments
// are never deleted: the alarm is raised (logged once, metric, heartbeat)
// and cleared when shipping catches up.
func TestQuota(t *testing.T) {
	ts := newTestShipper(t, func(c *Config) { c.Quota = 1000; c.Keep = 24 * time.Hour })
	ts.col.setHook(down)
	for i := 1; i <= 3; i++ {
		ts.write("shipped", fmt.Sprintf("T-01-20261123T100000Z-%06d.mbox.zst", i), 200)
	}
	ts.write("closed", "T-01-20261123T110000Z-000004.mbox.zst", 300)
	ts.write("closed", "T-01-20261123T110000Z-000004.events.jsonl.zst", 300)
	if err := ts.Pass(context.Background()); err == nil {
		t.Fatal("collector down, pass succeeded")
	}
	// 600 + 600 > 1000: the oldest shipped file goes, and that is enough.
	if got := ts.files("shipped"); !slices.Equal(got, []string{"T-01-20261123T100000Z-000002.mbox.zst", "T-01-20261123T100000Z-000003.mbox.zst"}) {
		t.Fatalf("shipped/ = %q", got)
	}
	if st := ts.Status(); st.QuotaAlarm || st.SpoolBytes != 1000 {
		t.Fatalf("status %+v", st)
	}
	ts.write("closed", "T-01-20261123T120000Z-000005.mbox.zst", 500)
	for range 3 {
		ts.Pass(context.Background())
	}
	if got := ts.files("shipped"); len(got) != 0 {
		t.Errorf("shipped/ = %q, want emptied", got)
	}
	if got := ts.files("closed"); len(got) != 3 {
		t.Fatalf("closed/ = %q: an unshipped segment was deleted", got)
	}
	st := ts.Status()
	if !st.QuotaAlarm || st.SpoolBytes != 1100 || st.BacklogSegments != 2 || st.BacklogFiles != 3 || st.BacklogBytes != 1100 {
		t.Errorf("status %+v", st)
	}
	if ts.metric("spampots_ship_quota_alarm") != 1 || ts.metric("spampots_ship_deleted_files_total", "reason", "quota") != 3 {
		t.Error("alarm or deletions not in the metrics")
	}
	if n := ts.logs.count(slog.LevelError, "over quota"); n != 1 {
		t.Errorf("alarm logged %d times at Error, want once", n)
	}
	if hb := ts.Heartbeat(); !hb.QuotaAlarm || hb.BacklogSegments != 2 || hb.BacklogBytes != 1100 {
		t.Errorf("heartbeat %+v", hb)
	}
	ts.col.setHook(nil)
	if err := ts.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := ts.Status(); st.QuotaAlarm || ts.metric("spampots_ship_quota_alarm") != 0 {
		t.Errorf("alarm not cleared: %+v", st)
	}
}

// TestHeartbeat: the heartbeat carries the shipper's fields and whatever
// Stats fills; unknown live counters are left out.
func TestHeartbeat(t *testing.T) {
	ts := newTestShipper(t, nil)
	ts.write("closed", "T-01-20261123T110000Z-000001.mbox.zst", 700)
	ts.clock.Advance(90 * time.Second)
	if err := ts.SendHeartbeat(context.Background()); err != nil {
		t.Fatal(err)
	}
	hb := ts.col.heartbeats[0]
	for k, v := range map[string]any{"sensor": "T-01", "version": "test", "time": "2026-11-23T12:01:30Z", "uptime_s": 90.0,
		"backlog_segments": 1.0, "backlog_bytes": 700.0, "quota_alarm": false} {
		if hb[k] != v {
			t.Errorf("%s = %v, want %v", k, hb[k], v)
		}
	}
	for _, k := range []string{"sessions_open", "connections", "messages", "ports", "listeners"} {
		if _, ok := hb[k]; ok {
			t.Errorf("standalone heartbeat has %s", k)
		}
	}
	if _, ok := hb["disk_free_bytes"]; !ok {
		t.Error("no disk_free_bytes")
	}

	ts2 := newTestShipper(t, func(c *Config) {
		c.Stats = func(h *Heartbeat) {
			h.SessionsOpen = 12
			h.Listeners = []string{"smtp=:25"}
			h.Ports = map[string]PortStats{"25": {Connections: 3, Messages: 2, BytesIn: 100}}
		}
	})
	if err := ts2.SendHeartbeat(context.Background()); err != nil {
		t.Fatal(err)
	}
	hb = ts2.col.heartbeats[0]
	if hb["sessions_open"] != 12.0 || hb["ports"].(map[string]any)["25"].(map[string]any)["messages"] != 2.0 {
		t.Errorf("heartbeat with stats %v", hb)
	}
	if ts2.metric("spampots_ship_heartbeats_total", "result", "ok") != 1 {
		t.Error("heartbeat not counted")
	}
}

// TestRun drives Run on an injected timer: exponential backoff while the
// collector is down, the poll period once it is up, Notify to look at
// once, and a clean return on cancel.
func TestRun(t *testing.T) {
	type wait struct {
		d  time.Duration
		ch chan time.Time
	}
	waits := make(chan wait, 100)
	ts := newTestShipper(t, func(c *Config) {
		c.HeartbeatEvery = time.Hour
		c.PollEvery = 5 * time.Second
		c.Rand = func(n int64) int64 { return n - 1 } // the top of each jitter range
		c.After = func(d time.Duration) <-chan time.Time {
			ch := make(chan time.Time, 1)
			waits <- wait{d, ch}
			return ch
		}
	})
	ts.col.setHook(down)
	ts.write("closed", "T-01-20261123T110000Z-000001.mbox.zst", 1000)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ts.Run(ctx) }()

	heartbeatWaiting := false
	next := func() wait {
		for {
			w := <-waits
			if w.d == time.Hour {
				heartbeatWaiting = true
				continue
			}
			return w
		}
	}
	for _, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		w := next()
		if w.d != want {
			t.Fatalf("backoff %v, want %v", w.d, want)
		}
		if want == 4*time.Second {
			ts.col.setHook(nil) // the collector is back
		}
		w.ch <- time.Time{}
	}
	if w := next(); w.d != 5*time.Second || ts.Status().Shipped != 1 {
		t.Fatalf("after recovery: wait %v, status %+v", w.d, ts.Status())
	}
	ts.write("closed", "T-01-20261123T111500Z-000002.mbox.zst", 1000)
	ts.Notify()
	if w := next(); w.d != 5*time.Second || ts.Status().Shipped != 2 {
		t.Fatalf("after Notify: wait %v, status %+v", w.d, ts.Status())
	}
	for !heartbeatWaiting {
		next()
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(ts.col.heartbeats) == 0 {
		t.Error("no heartbeat sent")
	}
	if n := ts.metric("spampots_ship_upload_errors_total", "kind", "server"); n != 3 {
		t.Errorf("server errors %v, want 3", n)
	}
}
