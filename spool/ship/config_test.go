package ship

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"256kbit", 32000, true},
		{"256Kbit", 32000, true},
		{"1Mbit", 125000, true},
		{"1mbit/s", 125000, true},
		{"2Gbit", 250000000, true},
		{"64KiB", 65536, true},
		{"64KiB/s", 65536, true},
		{"1.5MB", 1500000, true},
		{"500000", 500000, true},
		{"12 kB", 12000, true},
		{"0", 0, true},
		{"", 0, false},
		{"fast", 0, false},
		{"-1", 0, false},
		{"1e6", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"64kib", 0, false}, // byte units are exact
		{"1bit", 0, false},  // below a byte per second
		{"99999999999GiB", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseRate(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestCertPin(t *testing.T) {
	der := []byte("not really DER")
	sum := sha256.Sum256(der)
	want := "sha256:" + hex.EncodeToString(sum[:])
	if got := CertPin(der); got != want {
		t.Fatalf("CertPin = %q, want %q", got, want)
	}
	if b, err := parsePin(want); err != nil || hex.EncodeToString(b) != hex.EncodeToString(sum[:]) {
		t.Fatalf("parsePin(CertPin) = %x, %v", b, err)
	}
	for _, bad := range []string{"", "sha256:", "sha1:" + hex.EncodeToString(sum[:20]), "sha256:" + hex.EncodeToString(sum[:31]), "sha256:zz" + hex.EncodeToString(sum[1:])} {
		if _, err := parsePin(bad); err == nil {
			t.Errorf("parsePin(%q) accepted", bad)
		}
	}
}

func TestParseCollector(t *testing.T) {
	for _, ok := range []string{"https://collector.example:8443", "https://10.0.0.1:443/", "https://[2001:db8::1]:8443"} {
		if _, err := parseCollector(ok); err != nil {
			t.Errorf("parseCollector(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "http://c:80", "https://c", "https://c:0", "https://c:99999", "https://c:443/v1", "https://u:p@c:443",
		"https://c:443?x=1", "https://c:443#f", "socks5://c:1080", "c:443", "https://:443"} {
		if _, err := parseCollector(bad); err == nil {
			t.Errorf("parseCollector(%q) accepted", bad)
		}
	}
}

// TestConfigProblemsAllAtOnce: Validate names every problem, not the first.
func TestConfigProblemsAllAtOnce(t *testing.T) {
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(notPEM, []byte("hello"), 0o644)
	cfgs := []struct {
		cfg  Config
		want []string
	}{
		{Config{Collector: "http://c/x", SensorID: "bad id", Token: "a b", Rate: -1, Keep: -1, Quota: -1, HeartbeatEvery: 10},
			[]string{"spool directory", "want https://host:port", "scheme must be https", "explicit port", "sensor id", "token must be printable",
				"pin or CA file is required", "rate must not", "keep must not", "quota must not", "heartbeat period"}},
		{Config{Spool: "s", Collector: "https://c:1", SensorID: "T-01", Token: "t", Pin: "sha256:00", CAFile: notPEM},
			[]string{"exclude each other"}},
		{Config{Spool: "s", Collector: "https://c:1", SensorID: "T-01", Pin: "md5:00"},
			[]string{"token is required", "want sha256:<64 hex digits>"}},
		{Config{Spool: "s", Collector: "https://c:1", SensorID: "T-01", Token: "t", CAFile: notPEM},
			[]string{"no PEM certificate"}},
	}
	for i, tt := range cfgs {
		err := tt.cfg.Validate()
		if err == nil {
			t.Errorf("%d: Validate accepted %+v", i, tt.cfg)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%d: error does not report %q:\n%v", i, w, err)
			}
		}
		if _, err := New(tt.cfg); err == nil {
			t.Errorf("%d: New accepted a bad config", i)
		}
	}
	good := Config{Spool: "s", Collector: "https://c:1", SensorID: "T-01", Token: "t", Pin: CertPin(nil)}
	if err := good.Validate(); err != nil {
		t.Errorf("good config: %v", err)
	}
}
