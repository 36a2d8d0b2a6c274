package main

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestShipFlagProblemsAllAtOnce: every bad ship setting is reported
// together, and nothing starts.
func TestShipFlagProblemsAllAtOnce(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "ship.conf")
	os.WriteFile(conf, []byte("no-such-setting = 1\nspool-quota = lots\n"), 0o644)
	var stdout, stderr bytes.Buffer
	code := runShip([]string{"--config", conf, "--id", "bad id", "--ship-to", "http://collector/v1",
		"--ship-token", "t", "--ship-token-file", "/nonexistent", "--collector-pin", "sha256:zz", "--collector-ca", "/nonexistent",
		"--ship-rate", "fast", "--keep", "soon", "--log-level", "loud", "--metrics-listen", "nocolon"}, &stdout, &stderr)
	if code != 2 {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, stderr.String())
	}
	for _, want := range []string{"no-such-setting", "bad size", "sensor id", "want https://host:port", "exclude each other",
		"--ship-rate", "--keep", "log-level", "--metrics-listen", "pin and CA file exclude"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not report %q:\n%s", want, stderr.String())
		}
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout: %s", stdout.String())
	}
}

func TestShipRequiresCollector(t *testing.T) {
	var stderr bytes.Buffer
	if code := runShip([]string{"--ship-token", "t"}, io.Discard, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), "--ship-to is required") || !strings.Contains(stderr.String(), "--ship-token given without --ship-to") {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
}

// TestShipFlagsInSensor: the sensor registers the same flags; without
// --ship-to shipping is off, with it the config is complete.
func TestShipFlagsInSensor(t *testing.T) {
	fs := flag.NewFlagSet("sensor", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := shipFlags(fs)
	for _, name := range []string{"ship-to", "ship-token", "ship-token-file", "collector-pin", "collector-ca", "ship-rate", "keep", "spool-quota"} {
		if fs.Lookup(name) == nil {
			t.Errorf("flag --%s not registered", name)
		}
	}
	for _, name := range []string{"id", "spool", "log-level", "metrics-listen"} {
		if fs.Lookup(name) != nil {
			t.Errorf("flag --%s registered: the caller owns it", name)
		}
	}
	if _, enabled, err := o.config("T-01", "/spool", nil); enabled || err != nil {
		t.Fatalf("no --ship-to: enabled %v, err %v", enabled, err)
	}

	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte("c2VjcmV0\n"), 0o600)
	pin := "sha256:" + strings.Repeat("ab", 32)
	if err := fs.Parse([]string{"--ship-to", "https://collector.example:8443", "--ship-token-file", tokenFile,
		"--collector-pin", pin, "--ship-rate", "1Mbit", "--keep", "1d12h", "--spool-quota", "1GiB"}); err != nil {
		t.Fatal(err)
	}
	cfg, enabled, err := o.config("T-01", "/spool", nil)
	if !enabled || err != nil {
		t.Fatalf("enabled %v, err %v", enabled, err)
	}
	if cfg.Collector != "https://collector.example:8443" || cfg.Token != "c2VjcmV0" || cfg.Pin != pin || cfg.Rate != 125000 ||
		cfg.Keep != 36*time.Hour || cfg.Quota != 1<<30 || cfg.SensorID != "T-01" || cfg.Spool != "/spool" {
		t.Errorf("config %+v", cfg)
	}
}

func TestShipDefaults(t *testing.T) {
	fs := flag.NewFlagSet("ship", flag.ContinueOnError)
	o := shipFlags(fs)
	fs.Parse([]string{"--ship-to", "https://c:1", "--ship-token", "t", "--collector-pin", "sha256:" + strings.Repeat("0", 64)})
	cfg, _, err := o.config("T-01", "/spool", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Rate != 32000 || cfg.Keep != 7*24*time.Hour || cfg.Quota != 0 {
		t.Errorf("defaults: rate %d, keep %v, quota %d", cfg.Rate, cfg.Keep, cfg.Quota)
	}
}

func TestParseDays(t *testing.T) {
	for in, want := range map[string]time.Duration{"7d": 7 * 24 * time.Hour, "36h": 36 * time.Hour, "1d12h": 36 * time.Hour, "0": 0, "90m": 90 * time.Minute} {
		if got, err := parseDays(in); err != nil || got != want {
			t.Errorf("parseDays(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "d", "7", "-1h", "1.5d", "7dd", "soon"} {
		if _, err := parseDays(bad); err == nil {
			t.Errorf("parseDays(%q) accepted", bad)
		}
	}
}

// TestShipMissingTokenWithOtherProblems: a missing token does not hide the
// other problems.
func TestShipMissingTokenWithOtherProblems(t *testing.T) {
	var stderr bytes.Buffer
	code := runShip([]string{"--ship-to", "https://c:1", "--collector-pin", "nope", "--spool", ""}, io.Discard, &stderr)
	for _, want := range []string{"--ship-token or --ship-token-file is required", "want sha256:", "spool directory"} {
		if code != 2 || !strings.Contains(stderr.String(), want) {
			t.Errorf("exit %d; stderr does not report %q:\n%s", code, want, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "token is required\n") {
		t.Errorf("token reported twice:\n%s", stderr.String())
	}
}
