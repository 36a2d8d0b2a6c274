package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// timeLayout is RFC 3339 with a fixed nine-digit fraction: fixed width keeps
// text order equal to time order (RFC3339Nano trims zeros and would not).
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// busyTimeout is how long a connection waits for another writer (the
// collector, the miner and the portal share the file) before SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// Store is the central database. Its methods are safe for concurrent use.
type Store struct {
	db *sql.DB
}

// Sensor is one row of sensors: a sensor allowed to ship to the collector.
type Sensor struct {
	ID          string
	TokenSHA256 string // lower-case hex SHA-256 of the sensor's bearer token
	Partner     string
	Location    string
	UpdatedAt   time.Time // when the row last changed; zero in UpsertSensor: now
}

// Segment is one row of segments: a spool segment file held in the archive.
type Segment struct {
	SHA256     string // lower-case hex SHA-256 of the file's bytes
	SensorID   string // the sensor that shipped it first
	Name       string // its name in the sensor's spool
	Kind       string // "mbox" or "events"
	Size       int64
	Path       string // relative to the archive directory
	ReceivedAt time.Time
	MinedAt    time.Time // zero: not mined yet
}

// Heartbeat is one row of heartbeats: the JSON status a sensor posted.
type Heartbeat struct {
	ID         int64
	SensorID   string
	ReceivedAt time.Time
	Body       []byte // the JSON exactly as received
}

// migrations[i] brings the schema from version i to i+1. Append only: a
// released migration is never edited.
var migrations = [][]string{
	{ // 1: sensors, segments, heartbeats
		`CREATE TABLE sensors (
			id TEXT PRIMARY KEY,
			token_sha256 TEXT NOT NULL,
			partner TEXT NOT NULL DEFAULT '',
			location TEXT NOT NULL DEFAULT '',
			updated_at TEXT NOT NULL
		)`,
		`CREATE TABLE segments (
			sha256 TEXT PRIMARY KEY,
			sensor_id TEXT NOT NULL REFERENCES sensors(id),
			name TEXT NOT NULL,
			kind TEXT NOT NULL CHECK(kind IN ('mbox','events')),
			size INTEGER NOT NULL,
			path TEXT NOT NULL,
			received_at TEXT NOT NULL,
			mined_at TEXT
		)`,
		`CREATE INDEX segments_sensor_name ON segments(sensor_id, name)`,
		`CREATE TABLE heartbeats (
			id INTEGER PRIMARY KEY,
			sensor_id TEXT NOT NULL REFERENCES sensors(id),
			received_at TEXT NOT NULL,
			body TEXT NOT NULL
		)`,
		`CREATE INDEX heartbeats_sensor_time ON heartbeats(sensor_id, received_at)`,
	},
}

// Open opens (creating if needed) the database at path and brings its
// schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	q := url.Values{}
	q.Set("_txlock", "immediate") // writers take the lock at BEGIN: no upgrade deadlocks
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	dsn := "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	s := &Store{db: db}
	// A connection switching a new file to WAL, or upgrading its lock,
	// while another process holds the write lock gets SQLITE_BUSY at once:
	// SQLite does not wait where waiting could deadlock. Start again,
	// within the busy timeout.
	deadline := time.Now().Add(busyTimeout)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err = s.migrate(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			break
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			err = ctx.Err()
		}
		if ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	return s, nil
}

// isBusy reports whether err is SQLite's SQLITE_BUSY (or an extended code
// of it).
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// migrate applies the migrations past PRAGMA user_version, each in its own
// transaction together with the version bump. BEGIN IMMEDIATE (the DSN's
// _txlock) makes two processes opening a new file at once apply each step
// once: the second waits, then sees the new version.
func (s *Store) migrate(ctx context.Context) error {
	for {
		done, err := s.migrateOne(ctx)
		if err != nil || done {
			return err
		}
	}
}

func (s *Store) migrateOne(ctx context.Context) (done bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migrating: %w", err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return false, fmt.Errorf("reading schema version: %w", err)
	}
	switch {
	case v == len(migrations):
		return true, nil
	case v > len(migrations):
		return false, fmt.Errorf("schema version %d is newer than this program's %d", v, len(migrations))
	}
	for _, stmt := range migrations[v] {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return false, fmt.Errorf("migration %d: %w", v+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, v+1)); err != nil {
		return false, fmt.Errorf("migration %d: %w", v+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migration %d: %w", v+1, err)
	}
	return false, nil
}

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: closing: %w", err)
	}
	return nil
}

// UpsertSensor inserts the sensor or updates its token hash, partner and
// location. updated_at changes only when one of them does.
func (s *Store) UpsertSensor(ctx context.Context, sn Sensor) error {
	at := sn.UpdatedAt
	if at.IsZero() {
		at = time.Now()
	}
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO sensors(id, token_sha256, partner, location, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET
			token_sha256 = excluded.token_sha256, partner = excluded.partner,
			location = excluded.location, updated_at = excluded.updated_at
		WHERE token_sha256 != excluded.token_sha256 OR partner != excluded.partner
			OR location != excluded.location`,
		sn.ID, sn.TokenSHA256, sn.Partner, sn.Location, formatTime(at))
	if err != nil {
		return fmt.Errorf("store: upserting sensor %q: %w", sn.ID, err)
	}
	return nil
}

// Sensors returns every sensor, ordered by id.
func (s *Store) Sensors(ctx context.Context) ([]Sensor, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, token_sha256, partner, location, updated_at FROM sensors ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: listing sensors: %w", err)
	}
	defer rows.Close()
	var out []Sensor
	for rows.Next() {
		var sn Sensor
		var at string
		if err := rows.Scan(&sn.ID, &sn.TokenSHA256, &sn.Partner, &sn.Location, &at); err != nil {
			return nil, fmt.Errorf("store: listing sensors: %w", err)
		}
		if sn.UpdatedAt, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("store: sensor %q: %w", sn.ID, err)
		}
		out = append(out, sn)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: listing sensors: %w", err)
	}
	return out, nil
}

// AddSegment records a segment. A segment whose SHA-256 is already recorded
// is left as it is: inserted is false and err nil.
func (s *Store) AddSegment(ctx context.Context, sg Segment) (inserted bool, err error) {
	var mined any
	if !sg.MinedAt.IsZero() {
		mined = formatTime(sg.MinedAt)
	}
	res, err := s.db.ExecContext(ctx, `
		INSERT INTO segments(sha256, sensor_id, name, kind, size, path, received_at, mined_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(sha256) DO NOTHING`,
		sg.SHA256, sg.SensorID, sg.Name, sg.Kind, sg.Size, sg.Path, formatTime(sg.ReceivedAt), mined)
	if err != nil {
		return false, fmt.Errorf("store: adding segment %s: %w", sg.SHA256, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: adding segment %s: %w", sg.SHA256, err)
	}
	return n == 1, nil
}

// Segment returns the segment with this SHA-256, or ok false.
func (s *Store) Segment(ctx context.Context, sha256 string) (sg Segment, ok bool, err error) {
	var at string
	var mined sql.NullString
	err = s.db.QueryRowContext(ctx, `
		SELECT sha256, sensor_id, name, kind, size, path, received_at, mined_at
		FROM segments WHERE sha256 = ?`, sha256).
		Scan(&sg.SHA256, &sg.SensorID, &sg.Name, &sg.Kind, &sg.Size, &sg.Path, &at, &mined)
	if errors.Is(err, sql.ErrNoRows) {
		return Segment{}, false, nil
	}
	if err != nil {
		return Segment{}, false, fmt.Errorf("store: segment %s: %w", sha256, err)
	}
	if sg.ReceivedAt, err = parseTime(at); err != nil {
		return Segment{}, false, fmt.Errorf("store: segment %s: %w", sha256, err)
	}
	if mined.Valid {
		if sg.MinedAt, err = parseTime(mined.String); err != nil {
			return Segment{}, false, fmt.Errorf("store: segment %s: %w", sha256, err)
		}
	}
	return sg, true, nil
}

// AddHeartbeat records the JSON body a sensor posted at a time.
func (s *Store) AddHeartbeat(ctx context.Context, sensorID string, at time.Time, body []byte) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO heartbeats(sensor_id, received_at, body) VALUES (?, ?, ?)`,
		sensorID, formatTime(at), string(body))
	if err != nil {
		return fmt.Errorf("store: adding heartbeat of %q: %w", sensorID, err)
	}
	return nil
}

// LastHeartbeats returns the latest heartbeat of each sensor that sent one,
// ordered by sensor id. It walks the (sensor_id, received_at) index: one
// seek per sensor, however many heartbeats are kept.
func (s *Store) LastHeartbeats(ctx context.Context) ([]Heartbeat, error) {
	rows, err := s.db.QueryContext(ctx, `
		WITH RECURSIVE ids(sid) AS (
			SELECT MIN(sensor_id) FROM heartbeats
			UNION ALL
			SELECT (SELECT MIN(sensor_id) FROM heartbeats WHERE sensor_id > sid) FROM ids WHERE sid IS NOT NULL
		)
		SELECT h.id, h.sensor_id, h.received_at, h.body FROM ids JOIN heartbeats h ON h.id = (
			SELECT id FROM heartbeats WHERE sensor_id = ids.sid ORDER BY received_at DESC, id DESC LIMIT 1)
		ORDER BY h.sensor_id`)
	if err != nil {
		return nil, fmt.Errorf("store: last heartbeats: %w", err)
	}
	defer rows.Close()
	var out []Heartbeat
	for rows.Next() {
		var h Heartbeat
		var at, body string
		if err := rows.Scan(&h.ID, &h.SensorID, &at, &body); err != nil {
			return nil, fmt.Errorf("store: last heartbeats: %w", err)
		}
		if h.ReceivedAt, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("store: heartbeat %d: %w", h.ID, err)
		}
		h.Body = []byte(body)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: last heartbeats: %w", err)
	}
	return out, nil
}

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad time %q: %w", s, err)
	}
	return t.UTC(), nil
}
