package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/spampots/spampots/miner/collect"
)

// TestCollectConfigProblemsAllAtOnce: a bad config file, bad flags and a
// bad sensors file are reported together, and nothing starts.
func TestCollectConfigProblemsAllAtOnce(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "collect.conf")
	os.WriteFile(conf, []byte("max-upload = lots\nno-such-setting = 1\nmetrics-listen = nope\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "sensors.toml"), []byte("[[sensor]]\nid = \"bad id\"\ntoken_sha256 = \"xyz\"\n"), 0o600)
	var stdout, stderr bytes.Buffer
	code := runCollect([]string{"--config", conf, "--archive", dir, "--listen", "no-port", "--tls-cert", "c.pem",
		"--log-level", "loud", "--partner", "X"}, &stdout, &stderr)
	if code != 2 {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, stderr.String())
	}
	for _, want := range []string{"bad size", "no-such-setting", "metrics-listen", "listen: address no-port", "tls-cert and tls-key",
		"log-level", "go with --init", `sensor id "bad id"`, "token_sha256"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not report %q:\n%s", want, stderr.String())
		}
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout: %q", stdout.String())
	}

	stderr.Reset()
	code = runCollect([]string{"--init", "--sensor-id", "-x", "--max-upload", "1"}, &stdout, &stderr)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	for _, want := range []string{"archive: directory required", `sensor-id "-x"`, "max-upload"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not report %q:\n%s", want, stderr.String())
		}
	}

	stderr.Reset()
	if code := runCollect([]string{"--archive", t.TempDir()}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "--init --sensor-id") {
		t.Errorf("no sensors file: exit %d\n%s", code, stderr.String())
	}
}

var cmdLineRE = regexp.MustCompile(`(?m)^spampots sensor --id (\S+) --ship-to https://(\S+) --ship-token (\S+) --collector-pin (sha256:[0-9a-f]{64})$`)

// collectInit runs --init and returns the token and pin of its command line.
func collectInit(t *testing.T, archive, id string, extra ...string) (token, pin string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args := append([]string{"--archive", archive, "--init", "--sensor-id", id}, extra...)
	if code := runCollect(args, &stdout, &stderr); code != 0 {
		t.Fatalf("--init: exit %d\n%s", code, stderr.String())
	}
	m := cmdLineRE.FindStringSubmatch(stdout.String())
	if m == nil || m[1] != id {
		t.Fatalf("--init printed no command line:\n%s", stdout.String())
	}
	return m[3], m[4]
}

// certPin is the pin of the archive's certificate file.
func certPin(t *testing.T, archive string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(archive, "tls", "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatal("cert.pem: no PEM block")
	}
	return collect.CertPin(blk.Bytes)
}

func TestCollectInit(t *testing.T) {
	archive := filepath.Join(t.TempDir(), "archive")
	token, pin := collectInit(t, archive, "BR-01", "--partner", "CERT.br", "--location", "São Paulo", "--listen", "127.0.0.1:8443")
	if want := certPin(t, archive); pin != want {
		t.Errorf("printed pin %s, certificate's %s", pin, want)
	}
	list, err := collect.LoadSensors(filepath.Join(archive, "sensors.toml"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(token))
	if len(list) != 1 || list[0] != (collect.SensorConf{ID: "BR-01", TokenSHA256: hex.EncodeToString(sum[:]), Partner: "CERT.br", Location: "São Paulo"}) {
		t.Errorf("sensors file: %+v", list)
	}
	for name, mode := range map[string]os.FileMode{"tls/key.pem": 0o600, "sensors.toml": 0o600} {
		if fi, err := os.Stat(filepath.Join(archive, name)); err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: %v, %v", name, fi, err)
		}
	}

	// A second sensor reuses the certificate; an existing id is refused.
	if _, pin2 := collectInit(t, archive, "BR-02"); pin2 != pin {
		t.Errorf("certificate changed: %s, then %s", pin, pin2)
	}
	var stdout, stderr bytes.Buffer
	if code := runCollect([]string{"--archive", archive, "--init", "--sensor-id", "BR-01"}, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), "already exists") {
		t.Errorf("second --init of BR-01: exit %d\n%s", code, stderr.String())
	}
	if list, _ := collect.LoadSensors(filepath.Join(archive, "sensors.toml")); len(list) != 2 {
		t.Errorf("sensors after refusal: %+v", list)
	}
}

// firstLine hands the first line written to it to a channel.
type firstLine struct {
	buf  bytes.Buffer
	line chan string
}

func (f *firstLine) Write(p []byte) (int, error) {
	if f.line != nil {
		f.buf.Write(p)
		if s, ok := strings.CutSuffix(f.buf.String(), "\n"); ok {
			f.line <- s
			f.line = nil
		}
	}
	return len(p), nil
}

// TestCollectServes runs the collector in-process: a pinned TLS 1.3
// client uploads a segment and a heartbeat, an older TLS is refused,
// /metrics answers, and a cancel (SIGTERM in production) stops it.
func TestCollectServes(t *testing.T) {
	archive := t.TempDir()
	token, pin := collectInit(t, archive, "BR-01")
	mport := freePort(t, "tcp4", "127.0.0.1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lineCh := make(chan string, 1)
	out := &firstLine{line: lineCh}
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- collectMain(ctx, []string{"--archive", archive, "--listen", "127.0.0.1:0",
			"--metrics-listen", "127.0.0.1:" + strconv.Itoa(mport), "--log-level", "warn"}, out, &stderr)
	}()
	var line string
	select {
	case line = <-lineCh:
	case code := <-done:
		t.Fatalf("collector exited %d:\n%s", code, stderr.String())
	}
	m := regexp.MustCompile(`^spampots collector: listening on https://(\S+); archive (.+); certificate pin (sha256:[0-9a-f]{64})$`).FindStringSubmatch(line)
	if m == nil || m[2] != archive || m[3] != pin {
		t.Fatalf("start line %q (pin %s)", line, pin)
	}
	addr := m[1]

	pinned := &tls.Config{
		InsecureSkipVerify: true, // the pin replaces chain and name checks
		VerifyConnection: func(cs tls.ConnectionState) error {
			if got := collect.CertPin(cs.PeerCertificates[0].Raw); got != pin {
				return fmt.Errorf("pin %s", got)
			}
			return nil
		},
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: pinned}}
	defer client.CloseIdleConnections()

	data := bytes.Repeat([]byte("spampots segment "), 1000)
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	do := func(method, path string, hdr map[string]string, body []byte) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, "https://"+addr+path, bytes.NewReader(body))
		req.Header.Set("Spampots-Sensor", "BR-01")
		req.Header.Set("Authorization", "Bearer "+token)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if resp := do(http.MethodHead, "/v1/segments/"+sha, nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("HEAD: %d", resp.StatusCode)
	}
	resp := do(http.MethodPatch, "/v1/segments/"+sha, map[string]string{
		"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0", "Upload-Length": strconv.Itoa(len(data)),
		"Spampots-Name": "BR-01-20261123T120000Z-000001.mbox.zst"}, data)
	if resp.StatusCode != http.StatusCreated || resp.TLS.Version != tls.VersionTLS13 {
		t.Errorf("PATCH: %d over TLS %x", resp.StatusCode, resp.TLS.Version)
	}
	if resp := do(http.MethodPost, "/v1/heartbeat", map[string]string{"Content-Type": "application/json"}, []byte(`{"sensor":"BR-01"}`)); resp.StatusCode != http.StatusNoContent {
		t.Errorf("heartbeat: %d", resp.StatusCode)
	}
	got, err := os.ReadFile(filepath.Join(archive, sha[:2], sha[2:4], sha+".mbox.zst"))
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("archived: %d bytes, %v", len(got), err)
	}

	old := pinned.Clone()
	old.MaxVersion = tls.VersionTLS12
	if c, err := tls.Dial("tcp", addr, old); err == nil {
		c.Close()
		t.Error("TLS 1.2 accepted")
	}

	mresp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(mport) + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	for _, want := range []string{`spampots_collect_segments_stored_total{kind="mbox",sensor="BR-01"} 1`, `spampots_collect_heartbeats_total{sensor="BR-01"} 1`, "go_goroutines"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d:\n%s", code, stderr.String())
	}
	// The certificate verifies as its own CA for the names it lists.
	b, _ := os.ReadFile(filepath.Join(archive, "tls", "cert.pem"))
	blk, _ := pem.Decode(b)
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	for _, name := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: name}); err != nil {
			t.Errorf("certificate for %s: %v", name, err)
		}
	}
}
