package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"64MiB", 64 << 20, true}, {"10MB", 10e6, true}, {"4096", 4096, true}, {"1 GiB", 1 << 30, true},
		{"-1", 0, false}, {"MiB", 0, false}, {"12XB", 0, false}, {"99999999999GiB", 0, false},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v", tt.in, got, err)
		}
	}
	if s := formatSize(64 << 20); s != "64MiB" {
		t.Errorf("formatSize = %q", s)
	}
}

// TestConfigProblemsAllAtOnce: a bad config file and bad flags are reported
// together at start-up, and nothing starts.
func TestConfigProblemsAllAtOnce(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "bad.conf")
	os.WriteFile(conf, []byte("id = has space\nlisten = ftp=:21\nno-such-setting = 1\nsegment-size = lots\nhostname = two words\njust garbage\n"), 0o644)
	var stdout, stderr bytes.Buffer
	code := dispatch([]string{"sensor", "--config", conf, "--spool", t.TempDir(), "--max-recipients", "5"}, &stdout, &stderr)
	if code != 2 {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, stderr.String())
	}
	for _, want := range []string{"sensor id", "unknown protocol", "no-such-setting", "bad size", "one word", "want name = value", "max recipients 5"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not report %q:\n%s", want, stderr.String())
		}
	}
}

// TestShippedConfigParses: deploy/sensor.conf is valid (its spool and
// ports are overridden on the command line, which win over the file).
func TestShippedConfigParses(t *testing.T) {
	dir := t.TempDir()
	args := []string{"sensor", "--config", "../../deploy/sensor.conf", "--spool", dir}
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t, "tcp4", "127.0.0.1"))
	p := startSensorArgs(t, dir, addr, append(args, "--listen", "smtp="+addr))
	p.stop()
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{}, {"help"}, {"sensor", "--help"}, {"help", "sensor"}} {
		var stdout, stderr bytes.Buffer
		if code := dispatch(args, &stdout, &stderr); code != 0 || stdout.Len()+stderr.Len() == 0 {
			t.Errorf("%q: exit %d, no help", args, code)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := dispatch([]string{"nope"}, &stdout, &stderr); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
}
