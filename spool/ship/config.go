package ship

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Config configures a Shipper. Zero fields take the documented defaults.
type Config struct {
	// Spool is the spool directory holding closed/ (and open/, which is
	// never touched). Required.
	Spool string
	// Collector is the collector's base URL, https://host:port and nothing
	// else: no path, query, user or other scheme. Required. It is the only
	// address the Shipper ever dials.
	Collector string
	// SensorID is sent as Spampots-Sensor and must start the segment names.
	// Required; letters, digits, '.', '_' and '-'.
	SensorID string
	// Token is the sensor's bearer token. Required.
	Token string
	// Pin pins the collector's leaf certificate: "sha256:<64 hex>" of its
	// DER encoding (see CertPin); chain and name are then not checked.
	// Exactly one of Pin and CAFile is required.
	Pin string
	// CAFile is a PEM bundle: the collector is verified against these CAs
	// only, never the system roots.
	CAFile string
	// Rate caps upload bodies, in bytes per second. 0: no cap.
	Rate int64
	// Keep: 0 deletes a segment file once the collector confirmed it; >0
	// moves it to shipped/ and deletes it this long after.
	Keep time.Duration
	// Quota bounds the bytes of closed/ plus shipped/. 0: no quota. Over
	// it, shipped/ files are deleted oldest first; unshipped ones never
	// are: the Shipper raises the quota alarm instead.
	Quota int64
	// HeartbeatEvery is the heartbeat period. Default 1m.
	HeartbeatEvery time.Duration
	// PollEvery is how often closed/ is listed when Notify is not called.
	// Default 5s.
	PollEvery time.Duration
	// Stats, if set, fills the live counters of each heartbeat (sessions,
	// connections, ports…). It runs after the Shipper set its own fields,
	// on the heartbeat goroutine.
	Stats func(*Heartbeat)
	// Version is reported in heartbeats and the User-Agent.
	Version string
	// Registerer receives the metrics. nil: not registered.
	Registerer prometheus.Registerer
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// After returns a channel that receives once d has passed: the poll,
	// backoff and heartbeat waits and the rate limiter's sleeps. Default
	// time.After. Tests inject it to run without real time.
	After func(d time.Duration) <-chan time.Time
	// Rand returns a uniform random int64 in [0, n), n > 0: the backoff
	// jitter. Default math/rand/v2.Int64N.
	Rand func(n int64) int64
	// Logger receives the Shipper's logs. Default: discarded.
	Logger *slog.Logger
}

// Defaults of Config.
const (
	DefaultHeartbeatEvery = time.Minute
	DefaultPollEvery      = 5 * time.Second
)

// Validate reports every problem of c at once. It does not modify c; New
// fills in the defaults.
func (c *Config) Validate() error {
	var errs []error
	if c.Spool == "" {
		errs = append(errs, errors.New("spool directory is required"))
	}
	if _, err := parseCollector(c.Collector); err != nil {
		errs = append(errs, err)
	}
	if c.SensorID == "" {
		errs = append(errs, errors.New("sensor id is required"))
	} else if !validSensorID(c.SensorID) {
		errs = append(errs, fmt.Errorf("sensor id %q: only letters, digits, '.', '_' and '-', not starting with '.'", c.SensorID))
	}
	if c.Token == "" {
		errs = append(errs, errors.New("token is required"))
	} else if strings.ContainsFunc(c.Token, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
		errs = append(errs, errors.New("token must be printable ASCII without spaces"))
	}
	switch {
	case c.Pin != "" && c.CAFile != "":
		errs = append(errs, errors.New("collector pin and CA file exclude each other: give one"))
	case c.Pin == "" && c.CAFile == "":
		errs = append(errs, errors.New("collector pin or CA file is required"))
	case c.Pin != "":
		if _, err := parsePin(c.Pin); err != nil {
			errs = append(errs, err)
		}
	default:
		if _, err := loadCA(c.CAFile); err != nil {
			errs = append(errs, err)
		}
	}
	for _, f := range []struct {
		name string
		neg  bool
	}{
		{"rate", c.Rate < 0}, {"keep", c.Keep < 0}, {"quota", c.Quota < 0},
		{"heartbeat period", c.HeartbeatEvery < 0}, {"poll period", c.PollEvery < 0},
	} {
		if f.neg {
			errs = append(errs, fmt.Errorf("%s must not be negative", f.name))
		}
	}
	if c.HeartbeatEvery > 0 && c.HeartbeatEvery < time.Second {
		errs = append(errs, fmt.Errorf("heartbeat period %v: at least 1s", c.HeartbeatEvery))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("ship: config: %w", err)
	}
	return nil
}

// withDefaults returns c with its zero fields defaulted.
func (c Config) withDefaults() Config {
	if c.HeartbeatEvery == 0 {
		c.HeartbeatEvery = DefaultHeartbeatEvery
	}
	if c.PollEvery == 0 {
		c.PollEvery = DefaultPollEvery
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.After == nil {
		c.After = time.After
	}
	if c.Rand == nil {
		c.Rand = rand.Int64N
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func validSensorID(id string) bool {
	return !strings.HasPrefix(id, ".") && strings.IndexFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
	}) < 0
}

// parseCollector checks that s is https://host:port and nothing else.
func parseCollector(s string) (*url.URL, error) {
	if s == "" {
		return nil, errors.New("collector URL is required (https://host:port)")
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("collector URL: %w", err)
	}
	var errs []string
	if u.Scheme != "https" {
		errs = append(errs, "scheme must be https")
	}
	if u.User != nil {
		errs = append(errs, "no user information")
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		errs = append(errs, "no path, query or fragment")
	}
	if u.Hostname() == "" {
		errs = append(errs, "host is required")
	}
	if p, err := strconv.Atoi(u.Port()); err != nil || p < 1 || p > 65535 {
		errs = append(errs, "an explicit port 1-65535 is required")
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("collector URL %q: want https://host:port: %s", s, strings.Join(errs, "; "))
	}
	return u, nil
}

// collectorAddr returns the collector's host:port as the HTTP transport
// spells the address it dials. u comes from parseCollector.
func collectorAddr(u *url.URL) string {
	return net.JoinHostPort(u.Hostname(), u.Port())
}

const pinPrefix = "sha256:"

// CertPin returns the pin of a certificate: "sha256:" and the lower-case hex
// SHA-256 of its DER encoding, the form Config.Pin takes.
func CertPin(der []byte) string {
	sum := sha256.Sum256(der)
	return pinPrefix + hex.EncodeToString(sum[:])
}

// parsePin returns the 32 bytes of a "sha256:<64 hex>" pin.
func parsePin(pin string) ([]byte, error) {
	h, ok := strings.CutPrefix(pin, pinPrefix)
	b, err := hex.DecodeString(h)
	if !ok || err != nil || len(b) != sha256.Size {
		return nil, fmt.Errorf("collector pin %q: want sha256:<64 hex digits>", pin)
	}
	return b, nil
}

// loadCA reads a PEM bundle holding at least one certificate.
func loadCA(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("collector CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("collector CA file %s: no PEM certificate in it", path)
	}
	return pool, nil
}

// rateUnits are ParseRate's units, longest first within each family; the
// bit units are matched case-insensitively, the byte units exactly.
var rateUnits = []struct {
	suffix string
	bits   bool
	mult   float64 // bytes per second per unit
}{
	{"gbit", true, 1e9 / 8}, {"mbit", true, 1e6 / 8}, {"kbit", true, 1e3 / 8}, {"bit", true, 1.0 / 8},
	{"GiB", false, 1 << 30}, {"MiB", false, 1 << 20}, {"KiB", false, 1 << 10},
	{"GB", false, 1e9}, {"MB", false, 1e6}, {"KB", false, 1e3}, {"kB", false, 1e3}, {"B", false, 1},
}

// ParseRate parses a transfer rate into bytes per second: a number with an
// optional unit and an optional "/s": "256kbit", "1Mbit", "64KiB", "1.5MB/s",
// "500000" (bytes per second). Bit units (bit, kbit, Mbit, Gbit) are
// decimal and case-insensitive; byte units are B, KB/kB, MB, GB (decimal)
// and KiB, MiB, GiB. "0" means no cap.
func ParseRate(s string) (int64, error) {
	num := strings.TrimSuffix(strings.TrimSpace(s), "/s")
	mult := 1.0
	for _, u := range rateUnits {
		if len(num) < len(u.suffix) {
			continue
		}
		tail := num[len(num)-len(u.suffix):]
		if tail == u.suffix || u.bits && strings.EqualFold(tail, u.suffix) {
			num, mult = strings.TrimSpace(num[:len(num)-len(u.suffix)]), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	bad := func(why string) (int64, error) {
		return 0, fmt.Errorf("bad rate %q: %s (e.g. 256kbit, 1Mbit, 64KiB, 500000 bytes/s)", s, why)
	}
	if err != nil || num == "" || strings.ContainsAny(num, "eEinInxXpP_") {
		return bad("want a number with an optional unit")
	}
	if f < 0 || math.IsNaN(f) {
		return bad("must not be negative")
	}
	v := math.Round(f * mult)
	if v > 1<<50 {
		return bad("too large")
	}
	if v < 1 && f != 0 {
		return bad("below 1 byte per second")
	}
	return int64(v), nil
}
