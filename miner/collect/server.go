package collect

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/spampots/spampots/store"
)

// Defaults and limits.
const (
	DefaultMaxUpload = 256 << 20        // Config.MaxUpload when zero
	DefaultBodyIdle  = 2 * time.Minute  // Config.BodyIdle when zero
	maxHeartbeat     = 64 << 10         // bytes of a heartbeat body
	headWait         = 10 * time.Second // how long a HEAD waits for a PATCH of the same upload to end
	bufSize          = 64 << 10         // the streaming buffer of a PATCH
)

// Config configures a collector Server.
type Config struct {
	// Archive is the directory that holds the segments and, under
	// incoming/, the partial uploads. Created if missing.
	Archive string
	// Sensors are the sensors allowed to ship (from sensors.toml). They are
	// upserted into Store by New.
	Sensors []SensorConf
	// MaxUpload is the largest Upload-Length accepted (413 beyond);
	// 0 means DefaultMaxUpload.
	MaxUpload int64
	// Store records sensors, segments and heartbeats. Required.
	Store *store.Store
	// Registerer takes the collector's metrics; nil registers none.
	Registerer prometheus.Registerer
	// Now is the clock for received_at times; nil means time.Now.
	Now func() time.Time
	// Logger receives the collector's logs; nil discards them.
	Logger *slog.Logger
	// BodyIdle cuts a PATCH whose body delivers nothing for this long (what
	// arrived is kept), so that a vanished sensor does not hold its upload
	// busy; 0 means DefaultBodyIdle. It is a network deadline, on the
	// wall clock.
	BodyIdle time.Duration
}

// Server is the collector's HTTP side. Serve Handler over TLS 1.3.
type Server struct {
	archive   string
	sensors   map[string]SensorConf
	list      []SensorConf
	maxUpload int64
	st        *store.Store
	now       func() time.Time
	log       *slog.Logger
	bodyIdle  time.Duration
	m         *metrics
	mux       *http.ServeMux

	mu      sync.Mutex
	uploads map[uploadKey]*upload
}

// New checks cfg (every problem at once), creates the archive's incoming
// directory, upserts the sensors into the store, settles what a crash left
// half-done and returns the server.
func New(cfg Config) (*Server, error) {
	var errs []error
	if cfg.Archive == "" {
		errs = append(errs, errors.New("archive directory required"))
	}
	if cfg.Store == nil {
		errs = append(errs, errors.New("store required"))
	}
	if cfg.MaxUpload < 0 || cfg.BodyIdle < 0 {
		errs = append(errs, errors.New("max upload and body idle time must not be negative"))
	}
	sensors := make(map[string]SensorConf, len(cfg.Sensors))
	for _, sc := range cfg.Sensors {
		if err := sc.Validate(); err != nil {
			errs = append(errs, err)
		}
		if _, dup := sensors[sc.ID]; dup {
			errs = append(errs, fmt.Errorf("duplicate sensor id %s", quote(sc.ID)))
		}
		sensors[sc.ID] = sc
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("collect: %w", err)
	}
	s := &Server{
		archive:   cfg.Archive,
		sensors:   sensors,
		list:      append([]SensorConf(nil), cfg.Sensors...),
		maxUpload: cfg.MaxUpload,
		st:        cfg.Store,
		now:       cfg.Now,
		log:       cfg.Logger,
		bodyIdle:  cfg.BodyIdle,
		uploads:   map[uploadKey]*upload{},
	}
	if s.maxUpload == 0 {
		s.maxUpload = DefaultMaxUpload
	}
	if s.bodyIdle == 0 {
		s.bodyIdle = DefaultBodyIdle
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(cfg.Registerer, cfg.Sensors)
	if err != nil {
		return nil, err
	}
	s.m = m
	if err := os.MkdirAll(s.incomingDir(""), 0o750); err != nil {
		return nil, fmt.Errorf("collect: %w", err)
	}
	ctx := context.Background()
	for _, sc := range cfg.Sensors {
		err := s.st.UpsertSensor(ctx, store.Sensor{ID: sc.ID, TokenSHA256: sc.TokenSHA256,
			Partner: sc.Partner, Location: sc.Location, UpdatedAt: s.now()})
		if err != nil {
			return nil, fmt.Errorf("collect: %w", err)
		}
	}
	if err := s.recover(ctx); err != nil {
		return nil, err
	}

	s.mux = http.NewServeMux()
	s.mux.HandleFunc("HEAD /v1/segments/{sha256}", s.head)
	s.mux.HandleFunc("PATCH /v1/segments/{sha256}", s.patch)
	s.mux.HandleFunc("POST /v1/heartbeat", s.heartbeat)
	return s, nil
}

// Handler returns the HTTP handler of the protocol (spool/ship/PROTOCOL.md).
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		s.mux.ServeHTTP(w, r)
	})
}

// auth checks the request's Spampots-Sensor and bearer token: 401 for a
// missing or unknown token, 403 for a known token sent with another
// sensor's id. Token hashes are compared in constant time; ids are not
// secret.
func (s *Server) auth(w http.ResponseWriter, r *http.Request, errs *prometheus.CounterVec) (SensorConf, bool) {
	id := r.Header.Get("Spampots-Sensor")
	authz := r.Header.Get("Authorization")
	const scheme = "Bearer "
	if len(authz) <= len(scheme) || !strings.EqualFold(authz[:len(scheme)], scheme) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="spampots"`)
		s.fail(w, r, errs, "", http.StatusUnauthorized, "missing bearer token")
		return SensorConf{}, false
	}
	h := []byte(tokenHash(strings.TrimSpace(authz[len(scheme):])))
	if sc, ok := s.sensors[id]; ok && subtle.ConstantTimeCompare(h, []byte(sc.TokenSHA256)) == 1 {
		return sc, true
	}
	owner := ""
	for _, sc := range s.list {
		if subtle.ConstantTimeCompare(h, []byte(sc.TokenSHA256)) == 1 {
			owner = sc.ID
		}
	}
	if owner == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="spampots", error="invalid_token"`)
		s.log.Debug("unknown token", "claimed_sensor", quote(id))
		s.fail(w, r, errs, "", http.StatusUnauthorized, "unknown token")
		return SensorConf{}, false
	}
	s.log.Warn("token sent with another sensor's id", "token_of", owner, "claimed_sensor", quote(id))
	s.fail(w, r, errs, "", http.StatusForbidden, fmt.Sprintf("this token is not %s's", quote(id)))
	return SensorConf{}, false
}

// fail replies status with a one-line text/plain body and counts it.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, errs *prometheus.CounterVec, sensor string, status int, msg string) {
	errs.WithLabelValues(reason(status)).Inc()
	level := slog.LevelDebug
	if status >= 500 || status == http.StatusUnprocessableEntity {
		level = slog.LevelWarn
	}
	s.log.Log(r.Context(), level, "request refused", "method", r.Method, "path", quote(r.URL.Path),
		"sensor", sensor, "status", status, "msg", msg)
	msg = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, msg)
	http.Error(w, msg, status)
}

// heartbeatBody is the part of a heartbeat the collector checks: types of
// the known fields; unknown fields are allowed (newer sensors) and kept in
// the stored body.
type heartbeatBody struct {
	Sensor          string                     `json:"sensor"`
	Version         string                     `json:"version"`
	Time            string                     `json:"time"`
	UptimeS         *int64                     `json:"uptime_s"`
	Listeners       []string                   `json:"listeners"`
	SessionsOpen    *int64                     `json:"sessions_open"`
	Connections     *int64                     `json:"connections"`
	Messages        *int64                     `json:"messages"`
	BytesIn         *int64                     `json:"bytes_in"`
	BytesOut        *int64                     `json:"bytes_out"`
	Ports           map[string]json.RawMessage `json:"ports"`
	BacklogSegments *int64                     `json:"backlog_segments"`
	BacklogBytes    *int64                     `json:"backlog_bytes"`
	SpoolBytes      *int64                     `json:"spool_bytes"`
	DiskFreeBytes   *int64                     `json:"disk_free_bytes"`
	QuotaAlarm      *bool                      `json:"quota_alarm"`
}

type portCounters struct {
	Connections *int64 `json:"connections"`
	Messages    *int64 `json:"messages"`
	BytesIn     *int64 `json:"bytes_in"`
}

// heartbeat handles POST /v1/heartbeat: a JSON object of at most 64 KiB
// whose sensor is the authenticated one, stored as received.
func (s *Server) heartbeat(w http.ResponseWriter, r *http.Request) {
	errs := s.m.heartbeatErrors
	sc, ok := s.auth(w, r, errs)
	if !ok {
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		s.fail(w, r, errs, sc.ID, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxHeartbeat))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.fail(w, r, errs, sc.ID, http.StatusRequestEntityTooLarge, fmt.Sprintf("heartbeat larger than %d bytes", maxHeartbeat))
		return
	case err != nil:
		s.fail(w, r, errs, sc.ID, http.StatusBadRequest, "reading the heartbeat: "+err.Error())
		return
	}
	if msg := checkHeartbeat(body, sc.ID); msg != "" {
		status := http.StatusBadRequest
		if strings.HasPrefix(msg, "sensor ") {
			status = http.StatusForbidden
		}
		s.fail(w, r, errs, sc.ID, status, msg)
		return
	}
	at := s.now()
	if err := s.st.AddHeartbeat(r.Context(), sc.ID, at, body); err != nil {
		s.log.Error("storing a heartbeat", "sensor", sc.ID, "err", err)
		s.fail(w, r, errs, sc.ID, http.StatusInternalServerError, "cannot store the heartbeat")
		return
	}
	s.m.heartbeats.WithLabelValues(sc.ID).Inc()
	s.m.lastHeartbeat.WithLabelValues(sc.ID).Set(float64(at.UnixNano()) / 1e9)
	w.WriteHeader(http.StatusNoContent)
}

// checkHeartbeat returns what is wrong with a heartbeat body, or "". A
// message starting "sensor " means another sensor's id (403).
func checkHeartbeat(body []byte, id string) string {
	if !utf8.Valid(body) {
		return "heartbeat is not UTF-8"
	}
	var hb heartbeatBody
	if err := json.Unmarshal(body, &hb); err != nil {
		return "heartbeat is not a valid JSON object: " + err.Error()
	}
	if hb.Sensor == "" {
		return "heartbeat has no sensor field"
	}
	if hb.Sensor != id {
		return fmt.Sprintf("sensor field %s is not the authenticated sensor %s", quote(hb.Sensor), id)
	}
	if hb.Time != "" {
		if _, err := time.Parse(time.RFC3339, hb.Time); err != nil {
			return "heartbeat time is not RFC 3339"
		}
	}
	for port, raw := range hb.Ports {
		var pc portCounters
		if err := json.Unmarshal(raw, &pc); err != nil {
			return fmt.Sprintf("heartbeat ports[%s]: %v", quote(port), err)
		}
	}
	return ""
}
