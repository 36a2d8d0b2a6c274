package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/spampots/spampots/spool"
	"github.com/spampots/spampots/spool/mbox"
)

// binPath is the spampots binary built once by TestMain, so integration
// tests drive the real thing, as a partner runs it.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "spampots-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "spampots")
	build := exec.Command("go", "build", "-o", binPath, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building spampots:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// sensorProc is a running `spampots sensor`.
type sensorProc struct {
	t      testing.TB
	cmd    *exec.Cmd
	addr   string // first SMTP listener, host:port
	spool  string
	stderr *logLines
	done   chan error
}

// logLines collects what the sensor logs and lets a test wait for a line.
type logLines struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	added chan struct{} // closed and replaced on every write
}

func newLogLines() *logLines { return &logLines{added: make(chan struct{})} }

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	close(l.added)
	l.added = make(chan struct{})
	return len(p), nil
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// waitLog waits until the sensor has logged a line containing s.
func (p *sensorProc) waitLog(s string) { p.t.Helper(); p.stderr.wait(p.t, s, 1) }

// wait waits until n lines contain s (60 s at most).
func (l *logLines) wait(t testing.TB, s string, n int) {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		l.mu.Lock()
		found, added := strings.Count(l.buf.String(), s) >= n, l.added
		l.mu.Unlock()
		if found {
			return
		}
		select {
		case <-added:
		case <-timeout:
			t.Fatalf("%d lines with %q not logged within 60s:\n%s", n, s, l)
		}
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB, network, host string) int {
	t.Helper()
	l, err := net.Listen(network, net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startSensor runs the sensor on a fresh loopback port with its spool in
// dir, and returns once it prints that it listens.
func startSensor(t *testing.T, dir string, extra ...string) *sensorProc {
	t.Helper()
	port := freePort(t, "tcp4", "127.0.0.1")
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	args := append([]string{"sensor", "--id", "T-01", "--spool", dir, "--listen", "smtp=" + addr,
		"--hostname", "mx.sensor.test", "--grace", "2s", "--log-level", "info"}, extra...)
	return startSensorArgs(t, dir, addr, args)
}

func startSensorArgs(t testing.TB, dir, addr string, args []string) *sensorProc {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &sensorProc{t: t, cmd: cmd, addr: addr, spool: dir, stderr: newLogLines(), done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sensor: %v", err)
	}
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line
		io.Copy(io.Discard, stdout)
		p.done <- cmd.Wait()
	}()
	select {
	case line := <-ready:
		if !strings.Contains(line, "listening on") {
			cmd.Process.Kill()
			t.Fatalf("sensor did not start: %q\nstderr: %s", line, p.stderr)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("sensor did not start within 30s; stderr: %s", p.stderr)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	})
	return p
}

// stop sends SIGTERM and waits for a clean exit (the open segment closed).
func (p *sensorProc) stop() {
	p.t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			p.t.Fatalf("sensor exited with %v; stderr:\n%s", err, p.stderr)
		}
	case <-time.After(60 * time.Second):
		p.cmd.Process.Kill()
		p.t.Fatalf("sensor did not stop within 60s; stderr:\n%s", p.stderr)
	}
}

// kill9 kills the sensor the hard way.
func (p *sensorProc) kill9() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// readSpool reads every closed segment of a spool, in order.
func readSpool(t *testing.T, dir string) ([]*mbox.Entry, []spool.Event) {
	t.Helper()
	var entries []*mbox.Entry
	var events []spool.Event
	segs, _ := filepath.Glob(filepath.Join(dir, "closed", "*.mbox.zst"))
	evs, _ := filepath.Glob(filepath.Join(dir, "closed", "*.events.jsonl.zst"))
	sort.Strings(segs)
	sort.Strings(evs)
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	for _, f := range segs {
		b := readZstd(t, dec, f)
		r := mbox.NewReader(bytes.NewReader(b))
		for {
			e, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			entries = append(entries, e)
		}
	}
	for _, f := range evs {
		sc := bufio.NewScanner(bytes.NewReader(readZstd(t, dec, f)))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var ev spool.Event
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			events = append(events, ev)
		}
	}
	return entries, events
}

func readZstd(t testing.TB, dec *zstd.Decoder, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := dec.DecodeAll(raw, nil)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

// need skips a test whose real client is not installed (make deps installs
// them all; CI runs with them).
func need(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s not installed: .ci/run must install it", tool)
			}
			t.Skipf("%s not installed (run make deps)", tool)
		}
	}
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// crlf turns LF line ends into CRLF, as SMTP clients send them.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
