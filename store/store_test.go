package store

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "spampots.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 123456789, time.UTC)

func TestOpenSettings(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	for _, tt := range []struct {
		pragma, want string
	}{
		{"journal_mode", "wal"}, {"foreign_keys", "1"}, {"busy_timeout", "10000"}, {"synchronous", "2"}, {"user_version", "1"},
	} {
		var got string
		if err := s.db.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("PRAGMA %s = %q, want %q", tt.pragma, got, tt.want)
		}
	}
}

// TestReopen: a second Open of an up-to-date file migrates nothing and
// keeps the data; a file from a newer program is refused.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	if err := s.UpsertSensor(ctx, Sensor{ID: "BR-01", TokenSHA256: "aa", UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for range 2 {
		s2, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s2.Sensors(ctx)
		if err != nil || len(got) != 1 || got[0].ID != "BR-01" {
			t.Fatalf("after reopen: %+v, %v", got, err)
		}
		var v int
		s2.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
		if v != len(migrations) {
			t.Errorf("user_version %d", v)
		}
		s2.Close()
	}

	s3, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s3.db.ExecContext(ctx, "PRAGMA user_version = 99")
	s3.Close()
	if s4, err := Open(ctx, path); err == nil {
		s4.Close()
		t.Fatal("opened a schema newer than the program")
	}
}

// TestConcurrentOpen: processes starting together on a new file apply each
// migration once.
func TestConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spampots.db")
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			s, err := Open(context.Background(), path)
			if err == nil {
				err = s.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestSensors(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	if err := s.UpsertSensor(ctx, Sensor{ID: "BR-02", TokenSHA256: "bb", UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.UpsertSensor(ctx, Sensor{ID: "BR-01", TokenSHA256: "aa", Partner: "CERT.br", Location: "São Paulo", UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	// Same values later: updated_at stays; a new token moves it.
	s.UpsertSensor(ctx, Sensor{ID: "BR-01", TokenSHA256: "aa", Partner: "CERT.br", Location: "São Paulo", UpdatedAt: t0.Add(time.Hour)})
	s.UpsertSensor(ctx, Sensor{ID: "BR-02", TokenSHA256: "cc", UpdatedAt: t0.Add(2 * time.Hour)})
	got, err := s.Sensors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []Sensor{
		{ID: "BR-01", TokenSHA256: "aa", Partner: "CERT.br", Location: "São Paulo", UpdatedAt: t0},
		{ID: "BR-02", TokenSHA256: "cc", UpdatedAt: t0.Add(2 * time.Hour)},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("sensor %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestSegments(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	s.UpsertSensor(ctx, Sensor{ID: "BR-01", TokenSHA256: "aa", UpdatedAt: t0})
	s.UpsertSensor(ctx, Sensor{ID: "BR-02", TokenSHA256: "bb", UpdatedAt: t0})
	sg := Segment{
		SHA256: "ab" + "cd" + "00", SensorID: "BR-01", Name: "BR-01-20261123T120000Z-000001.mbox.zst",
		Kind: "mbox", Size: 1234, Path: "ab/cd/abcd00.mbox.zst", ReceivedAt: t0,
	}
	ins, err := s.AddSegment(ctx, sg)
	if err != nil || !ins {
		t.Fatalf("AddSegment = %v, %v", ins, err)
	}
	dup := sg
	dup.SensorID, dup.Name = "BR-02", "BR-02-20261123T120000Z-000009.mbox.zst"
	if ins, err := s.AddSegment(ctx, dup); err != nil || ins {
		t.Fatalf("duplicate AddSegment = %v, %v", ins, err)
	}
	got, ok, err := s.Segment(ctx, sg.SHA256)
	if err != nil || !ok || got != sg {
		t.Fatalf("Segment = %+v, %v, %v; want %+v", got, ok, err, sg)
	}
	if _, ok, err := s.Segment(ctx, "ffff"); ok || err != nil {
		t.Errorf("unknown segment: %v, %v", ok, err)
	}

	for name, bad := range map[string]Segment{
		"kind":   {SHA256: "01", SensorID: "BR-01", Name: "x", Kind: "tar", Path: "p", ReceivedAt: t0},
		"sensor": {SHA256: "02", SensorID: "XX-99", Name: "x", Kind: "mbox", Path: "p", ReceivedAt: t0},
	} {
		if _, err := s.AddSegment(ctx, bad); err == nil {
			t.Errorf("%s: bad segment accepted", name)
		}
	}

	var text string
	s.db.QueryRowContext(ctx, "SELECT received_at FROM segments").Scan(&text)
	if text != "2026-11-23T12:00:00.123456789Z" {
		t.Errorf("received_at stored as %q", text)
	}
}

func TestLastHeartbeats(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	if hs, err := s.LastHeartbeats(ctx); err != nil || len(hs) != 0 {
		t.Fatalf("empty: %v, %v", hs, err)
	}
	for _, id := range []string{"BR-01", "BR-02", "BR-03"} {
		s.UpsertSensor(ctx, Sensor{ID: id, TokenSHA256: "aa", UpdatedAt: t0})
	}
	add := func(id string, at time.Time, body string) {
		t.Helper()
		if err := s.AddHeartbeat(ctx, id, at, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	// Out of order, and one exactly on a second (no fraction): the latest by
	// time wins, not the latest inserted.
	add("BR-02", t0.Add(2*time.Minute).Truncate(time.Second), `{"n":2}`)
	add("BR-01", t0.Add(time.Minute), `{"n":1}`)
	add("BR-02", t0.Add(time.Minute+500*time.Millisecond), `{"n":3}`)
	add("BR-01", t0, `{"n":4}`)
	if err := s.AddHeartbeat(ctx, "XX-09", t0, []byte(`{}`)); err == nil {
		t.Error("heartbeat of an unknown sensor accepted")
	}
	hs, err := s.LastHeartbeats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 2 {
		t.Fatalf("got %d heartbeats: %+v", len(hs), hs)
	}
	for i, want := range []struct {
		id, body string
		at       time.Time
	}{
		{"BR-01", `{"n":1}`, t0.Add(time.Minute)},
		{"BR-02", `{"n":2}`, t0.Add(2 * time.Minute).Truncate(time.Second)},
	} {
		h := hs[i]
		if h.SensorID != want.id || string(h.Body) != want.body || !h.ReceivedAt.Equal(want.at) {
			t.Errorf("heartbeat %d = %s %s %s, want %s %s %s", i, h.SensorID, h.ReceivedAt, h.Body, want.id, want.at, want.body)
		}
	}
}
