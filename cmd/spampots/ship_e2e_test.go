package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/spampots/spampots/spool/ship"
	"github.com/spampots/spampots/store"
)

// collectorProc is a running `spampots collect`.
type collectorProc struct {
	t       testing.TB
	cmd     *exec.Cmd
	addr    string
	archive string
	pin     string
	stderr  *logLines
	done    chan error
}

var (
	pinRE   = regexp.MustCompile(`certificate pin (sha256:[0-9a-f]{64})`)
	tokenRE = regexp.MustCompile(`--ship-token (\S+)`)
)

// initCollector creates an archive with one sensor and returns its token.
func initCollector(t testing.TB, archive, addr, sensorID string) string {
	t.Helper()
	out := run(t, binPath, "collect", "--init", "--archive", archive, "--listen", addr, "--sensor-id", sensorID)
	m := tokenRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("collect --init printed no token:\n%s", out)
	}
	return m[1]
}

// startCollector runs the collector on addr over archive.
func startCollector(t testing.TB, archive, addr string) *collectorProc {
	t.Helper()
	cmd := exec.Command(binPath, "collect", "--archive", archive, "--listen", addr, "--log-level", "info")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &collectorProc{t: t, cmd: cmd, addr: addr, archive: archive, stderr: newLogLines(), done: make(chan error, 1)}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line
		io.Copy(io.Discard, stdout)
		c.done <- cmd.Wait()
	}()
	select {
	case line := <-ready:
		m := pinRE.FindStringSubmatch(line)
		if m == nil {
			cmd.Process.Kill()
			t.Fatalf("collector did not start: %q\n%s", line, c.stderr)
		}
		c.pin = m[1]
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("collector did not start; stderr:\n%s", c.stderr)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	})
	return c
}

func (c *collectorProc) kill9() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
}

func (c *collectorProc) stop() {
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-c.done:
		if err != nil {
			c.t.Errorf("collector exit: %v\n%s", err, c.stderr)
		}
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		c.t.Fatal("collector did not stop")
	}
}

// archived returns the SHA-256 of every segment in the collector's archive.
func archived(t testing.TB, archive string) map[string]string {
	t.Helper()
	got := map[string]string{}
	filepath.Walk(archive, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(path, ".zst") || strings.Contains(path, "incoming") {
			return nil
		}
		b, _ := os.ReadFile(path)
		sum := sha256.Sum256(b)
		got[hex.EncodeToString(sum[:])] = path
		return nil
	})
	return got
}

// segmentHashes returns name -> SHA-256 of the segment files in dir.
func segmentHashes(t testing.TB, dir string) map[string]string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.zst"))
	m := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		m[filepath.Base(f)] = hex.EncodeToString(sum[:])
	}
	return m
}

// cuttingProxy relays TCP to the collector and cuts each of the first
// cuts connections after limit client bytes; it counts what it forwarded.
type cuttingProxy struct {
	ln       net.Listener
	to       string
	limit    int64
	cuts     atomic.Int64 // cuts still to make
	made     atomic.Int64
	upstream atomic.Int64 // client->collector bytes forwarded
}

func newCuttingProxy(t *testing.T, to string, cuts int, limit int64) *cuttingProxy {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttingProxy{ln: ln, to: to, limit: limit}
	p.cuts.Store(int64(cuts))
	go p.serve()
	t.Cleanup(func() { ln.Close() })
	return p
}

func (p *cuttingProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			s, err := net.Dial("tcp4", p.to)
			if err != nil {
				return
			}
			defer s.Close()
			limit := int64(-1)
			if p.cuts.Add(-1) >= 0 {
				limit = p.limit
			}
			go io.Copy(c, s)
			// Counted as the bytes pass, not when the connection ends, so
			// that a test reading the count after a reply sees them all.
			var r io.Reader = countingReader{c, &p.upstream}
			if limit >= 0 {
				r = io.LimitReader(r, limit)
			}
			n, _ := io.Copy(s, r)
			if limit >= 0 && n == limit {
				p.made.Add(1) // cut: both ends closed by the defers
			}
		}()
	}
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// TestShipEndToEnd: swaks → sensor → segment → shipper → collector, over
// TLS with a pinned certificate, through a proxy that cuts the upload
// several times: every segment arrives byte-identical, and the resumed
// uploads send only what the collector did not already have.
func TestShipEndToEnd(t *testing.T) {
	need(t, "swaks")
	archive := t.TempDir()
	caddr := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp4", "127.0.0.1"))
	token := initCollector(t, archive, caddr, "T-01")
	col := startCollector(t, archive, caddr)
	proxy := newCuttingProxy(t, caddr, 3, 40_000)

	spoolDir := t.TempDir()
	metricsAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp4", "127.0.0.1"))
	p := startSensor(t, spoolDir, "--ship-to", "https://"+proxy.ln.Addr().String(), "--ship-token", token,
		"--collector-pin", col.pin, "--keep", "1h", "--ship-rate", "0", "--metrics-listen", metricsAddr)
	_, port, _ := net.SplitHostPort(p.addr)
	// Incompressible bodies so the segment is big enough to be cut.
	body := filepath.Join(t.TempDir(), "body")
	var b bytes.Buffer
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&b, "%x\n", sha256.Sum256([]byte{byte(i), byte(i >> 8)}))
	}
	os.WriteFile(body, b.Bytes(), 0o644)
	for i := 0; i < 3; i++ {
		run(t, "swaks", "--server", "127.0.0.1", "--port", port, "--from", fmt.Sprintf("s%d@sender.example", i),
			"--to", "victim@example.org", "--body", body, "--hide-all")
	}
	p.cmd.Process.Signal(syscall.SIGHUP) // close the segment now
	p.waitLog("segment closed")
	p.stderr.wait(t, "segment file shipped", 2) // the mbox and the events file
	metrics := httpGet(t, "http://"+metricsAddr+"/metrics")
	for _, want := range []string{"spampots_sensor_messages_total 3", "spampots_ship_segments_shipped_total 2",
		`spampots_sensor_port_connections_total{port="` + port + `",proto="smtp"} 3`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	p.stop()

	shipped := segmentHashes(t, filepath.Join(spoolDir, "shipped"))
	if len(shipped) == 0 {
		t.Fatalf("nothing in shipped/; sensor log:\n%s", p.stderr)
	}
	got := archived(t, archive)
	var total int64
	for name, sum := range shipped {
		if got[sum] == "" {
			t.Errorf("%s (%s) not in the archive", name, sum)
		}
		fi, _ := os.Stat(filepath.Join(spoolDir, "shipped", name))
		total += fi.Size()
	}
	if proxy.made.Load() == 0 {
		t.Errorf("the proxy cut no upload")
	}
	// TLS and HTTP add a few KiB per connection; a restart from zero
	// would resend the 40 KB already stored for each cut.
	overhead := int64(8<<10) * (proxy.made.Load() + int64(2*len(shipped)) + 2)
	if up := proxy.upstream.Load(); up > total+overhead {
		t.Errorf("forwarded %d bytes for %d bytes of segments with %d cuts: resumes resent data", up, total, proxy.made.Load())
	}
	t.Logf("%d segment files, %d bytes, %d cuts, %d bytes forwarded", len(shipped), total, proxy.made.Load(), proxy.upstream.Load())
	col.stop()

	// The heartbeat reached the central store with the sensor's counters.
	st, err := store.Open(context.Background(), filepath.Join(archive, "spampots.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hbs, err := st.LastHeartbeats(context.Background())
	if err != nil || len(hbs) != 1 || hbs[0].SensorID != "T-01" {
		t.Fatalf("heartbeats %v %v", hbs, err)
	}
	var hb ship.Heartbeat
	if err := json.Unmarshal(hbs[0].Body, &hb); err != nil {
		t.Fatal(err)
	}
	if _, ok := hb.Ports[port]; len(hb.Listeners) != 1 || !ok || hb.Version == "" || hb.DiskFreeBytes == 0 { // sent at start: counters still 0
		t.Errorf("heartbeat %+v", hb)
	}

	// The whole path: the miner reads what the collector archived.
	mined := t.TempDir()
	var out, errOut bytes.Buffer
	if code := runMine([]string{"--out", mined, archive}, &out, &errOut); code != 0 {
		t.Fatalf("mine: exit %d\n%s", code, errOut.String())
	}
	rows, _ := os.ReadFile(filepath.Join(mined, "assignments.tsv"))
	if n := strings.Count(string(rows), "\n"); n != 1+3 {
		t.Errorf("assignments.tsv has %d lines, want a header and the 3 messages:\n%s", n, rows)
	}
	t.Logf("mined from the archive: %s", strings.TrimSpace(out.String()))
}

// TestShipBacklogAndCollectorCrash: segments pile up while the collector
// is down; a restarted sensor ships the whole backlog, and a collector
// killed with -9 in the middle loses nothing it acknowledged.
func TestShipBacklogAndCollectorCrash(t *testing.T) {
	archive := t.TempDir()
	caddr := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp4", "127.0.0.1"))
	token := initCollector(t, archive, caddr, "T-01")
	col := startCollector(t, archive, caddr)
	pin := col.pin
	col.stop() // down while the sensor captures

	spoolDir := t.TempDir()
	args := []string{"--ship-to", "https://" + caddr, "--ship-token", token, "--collector-pin", pin,
		"--keep", "1h", "--ship-rate", "0", "--segment-size", "64KiB"}
	p := startSensor(t, spoolDir, args...)
	for i := 0; i < 30; i++ {
		if c, err := sendOne(p.addr, fmt.Sprintf("b%d@sender.example", i), randomBody(20_000)); err != nil || c != 250 {
			t.Fatalf("message %d: %d %v", i, c, err)
		}
	}
	p.stop()
	backlog := segmentHashes(t, filepath.Join(spoolDir, "closed"))
	if len(backlog) < 6 {
		t.Fatalf("backlog of %d segment files, want several", len(backlog))
	}

	col = startCollector(t, archive, caddr)
	p = startSensor(t, spoolDir, args...)
	p.stderr.wait(t, "segment file shipped", 2)
	col.kill9()
	col = startCollector(t, archive, caddr)
	p.stderr.wait(t, "segment file shipped", len(backlog))
	p.stop()
	col.stop()

	if left := segmentHashes(t, filepath.Join(spoolDir, "closed")); len(left) > 0 {
		t.Errorf("not shipped: %v", left)
	}
	got := archived(t, archive)
	for name, sum := range backlog {
		if got[sum] == "" {
			t.Errorf("%s acknowledged but not in the archive", name)
		}
	}
	t.Logf("%d segment files shipped across a collector kill -9", len(backlog))
}

// randomBody is a message whose content zstd cannot shrink much.
func randomBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString("Subject: backlog\r\n\r\n")
	for i := 0; b.Len() < n; i++ {
		sum := sha256.Sum256([]byte(fmt.Sprint(i, n, time.Now().UnixNano())))
		b.WriteString(hex.EncodeToString(sum[:]) + "\r\n")
	}
	return b.Bytes()
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestShipRefusalsAndDuplicates: a wrong token is refused (401) and the
// segment stays in the spool; a segment the collector already holds is a
// cheap success: no body crosses the wire again.
func TestShipRefusalsAndDuplicates(t *testing.T) {
	archive := t.TempDir()
	caddr := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp4", "127.0.0.1"))
	token := initCollector(t, archive, caddr, "T-01")
	col := startCollector(t, archive, caddr)
	defer col.stop()
	proxy := newCuttingProxy(t, caddr, 0, 0)
	spoolDir := t.TempDir()

	// Wrong token: 401, nothing leaves the spool.
	p := startSensor(t, spoolDir, "--ship-to", "https://"+proxy.ln.Addr().String(), "--ship-token", "not-"+token,
		"--collector-pin", col.pin, "--keep", "1h", "--ship-rate", "0")
	if c, err := sendOne(p.addr, "dup@sender.example", randomBody(200_000)); err != nil || c != 250 {
		t.Fatalf("send: %d %v", c, err)
	}
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitLog("segment closed")
	p.waitLog("401")
	p.stop()
	closed := segmentHashes(t, filepath.Join(spoolDir, "closed"))
	if len(closed) != 2 || len(archived(t, archive)) != 0 {
		t.Fatalf("after a 401: %d files in closed/, %d archived; want 2 and 0", len(closed), len(archived(t, archive)))
	}

	// Right token: shipped.
	args := []string{"--ship-to", "https://" + proxy.ln.Addr().String(), "--ship-token", token, "--collector-pin", col.pin, "--keep", "1h", "--ship-rate", "0"}
	p = startSensor(t, spoolDir, args...)
	p.stderr.wait(t, "segment file shipped", 2)
	p.stop()

	// The same files again (a shipper that lost track of them): the
	// collector says it has them; only HEADs cross the proxy.
	shipped, _ := filepath.Glob(filepath.Join(spoolDir, "shipped", "*.zst"))
	var size int64
	for _, f := range shipped {
		b, _ := os.ReadFile(f)
		size += int64(len(b))
		os.WriteFile(filepath.Join(spoolDir, "closed", filepath.Base(f)), b, 0o640)
	}
	before := proxy.upstream.Load()
	p = startSensor(t, spoolDir, args...)
	p.stderr.wait(t, "segment file shipped", 2)
	p.stop()
	if sent := proxy.upstream.Load() - before; sent >= size {
		t.Errorf("a duplicate sent %d bytes for %d bytes of segments", sent, size)
	}
	if got := archived(t, archive); len(got) != 2 {
		t.Errorf("archive holds %d files, want 2", len(got))
	}
}
