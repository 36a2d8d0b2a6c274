package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/spampots/spampots/miner/collect"
	"github.com/spampots/spampots/spool"
	"github.com/spampots/spampots/spool/mbox"
)

// BenchmarkShipIngest: 50 sensors ship real segments (the TREC spam corpus
// through the spool writer) to one collector at once, `spampots ship
// --once` each, against `curl --upload-file` of segments of the same sizes
// to the same collector in the same run. Reports segments/s and MB/s of
// both, their ratio, and the CPU seconds the shippers and the curls spent.
//
//	go test -run XXX -bench ShipIngest -benchtime 2x ./cmd/spampots
func BenchmarkShipIngest(b *testing.B) {
	need(b, "curl")
	const sensors = 50
	msgs := corpusMessages(b, 26698)
	archive := b.TempDir()
	t := b
	caddr := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp4", "127.0.0.1"))
	tokens := make([]string, sensors)
	for i := range tokens {
		tok, sum := collect.NewToken()
		tokens[i] = tok
		if err := collect.AddSensor(filepath.Join(archive, "sensors.toml"), collect.SensorConf{ID: fmt.Sprintf("B-%02d", i), TokenSHA256: sum}); err != nil {
			b.Fatal(err)
		}
	}
	col := startCollector(t, archive, caddr)
	defer col.stop()

	var shipDur, curlDur time.Duration
	var shipCPU, curlCPU time.Duration
	var shipFiles, shipSize, curlFiles, curlSize int64
	count := func(dirs []string, files, size *int64) {
		for _, d := range dirs {
			fs, _ := filepath.Glob(filepath.Join(d, "closed", "*"))
			for _, f := range fs {
				fi, _ := os.Stat(f)
				*files++
				*size += fi.Size()
			}
		}
	}
	for iter := 0; iter < b.N; iter++ {
		// Two sets of spools with the same messages and sizes but
		// different session ids, so that no upload is a duplicate.
		shipSpools := makeSpools(b, sensors, msgs)
		curlSpools := makeSpools(b, sensors, msgs)
		count(shipSpools, &shipFiles, &shipSize)
		count(curlSpools, &curlFiles, &curlSize)
		start := time.Now()
		shipCPU += runAll(b, sensors, func(i int) *exec.Cmd {
			return exec.Command(binPath, "ship", "--once", "--id", fmt.Sprintf("B-%02d", i), "--spool", shipSpools[i],
				"--ship-to", "https://"+caddr, "--ship-token", tokens[i], "--collector-pin", col.pin,
				"--ship-rate", "0", "--keep", "0", "--log-level", "error")
		})
		shipDur += time.Since(start)
		for _, d := range shipSpools {
			if left, _ := filepath.Glob(filepath.Join(d, "closed", "*")); len(left) > 0 {
				b.Fatalf("%s: %d files not shipped", d, len(left))
			}
		}
		start = time.Now()
		curlCPU += runAll(b, sensors, func(i int) *exec.Cmd {
			return curlUploads(filepath.Join(archive, "tls", "cert.pem"), caddr, fmt.Sprintf("B-%02d", i), tokens[i], curlSpools[i])
		})
		curlDur += time.Since(start)
	}
	if got := archived(t, archive); int64(len(got)) != shipFiles+curlFiles {
		b.Fatalf("archive holds %d files, want %d", len(got), shipFiles+curlFiles)
	}
	shipRate, curlRate := float64(shipSize)/shipDur.Seconds(), float64(curlSize)/curlDur.Seconds()
	b.ReportMetric(float64(shipFiles)/shipDur.Seconds(), "ship-files/s")
	b.ReportMetric(shipRate/1e6, "ship-MB/s")
	b.ReportMetric(float64(curlFiles)/curlDur.Seconds(), "curl-files/s")
	b.ReportMetric(curlRate/1e6, "curl-MB/s")
	b.ReportMetric(shipRate/curlRate, "ship/curl-MB/s")
	b.ReportMetric(shipCPU.Seconds()/float64(b.N), "ship-cpu-s")
	b.ReportMetric(curlCPU.Seconds()/float64(b.N), "curl-cpu-s")
}

// runAll runs one command per sensor at once and returns their CPU time.
func runAll(b *testing.B, n int, mk func(i int) *exec.Cmd) time.Duration {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var cpu time.Duration
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cmd := mk(i)
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Errorf("%s: %v\n%s", cmd.Args[0], err, out)
				return
			}
			ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
			mu.Lock()
			cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	return cpu
}

// curlUploads is one curl process that PATCHes every file of a spool's
// closed/ whole, as in PROTOCOL.md, trusting the collector's self-signed
// certificate as its only CA.
func curlUploads(cert, caddr, id, token, dir string, extra ...string) *exec.Cmd {
	files, _ := filepath.Glob(filepath.Join(dir, "closed", "*.zst"))
	opts := append([]string{"-sS", "--fail", "--tlsv1.3", "--cacert", cert, "-o", "/dev/null"}, extra...)
	var args []string
	for k, f := range files {
		raw, _ := os.ReadFile(f)
		sum := sha256.Sum256(raw)
		if k > 0 {
			args = append(args, "--next")
		}
		args = append(args, opts...)
		args = append(args, "-X", "PATCH", "--upload-file", f,
			"-H", "Content-Type: application/offset+octet-stream",
			"-H", "Upload-Offset: 0", "-H", "Upload-Length: "+strconv.Itoa(len(raw)),
			"-H", "Spampots-Name: "+filepath.Base(f), "-H", "Spampots-Sensor: "+id,
			"-H", "Authorization: Bearer "+token,
			"https://"+caddr+"/v1/segments/"+hex.EncodeToString(sum[:]))
	}
	return exec.Command("curl", args...)
}

// makeSpools writes, for each sensor, a spool whose closed/ holds the
// segments of its share of the corpus, with a fresh session id.
func makeSpools(b *testing.B, n int, msgs [][]byte) []string {
	dirs := make([]string, n)
	per := len(msgs) / n
	var sess [6]byte
	for i := range dirs {
		dirs[i] = b.TempDir()
		w, err := spool.Open(spool.Config{Dir: dirs[i], SensorID: fmt.Sprintf("B-%02d", i), MaxSize: 256 << 10})
		if err != nil {
			b.Fatal(err)
		}
		rand.Read(sess[:])
		for _, m := range msgs[i*per : (i+1)*per] {
			env := &mbox.Envelope{SensorID: fmt.Sprintf("B-%02d", i), SessionID: hex.EncodeToString(sess[:]), SensorTime: time.Now(), SrcProto: "SMTP"}
			for w.Message(env, m, nil) != nil { // queue full: let it drain
				time.Sleep(time.Millisecond)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	return dirs
}

// corpusMessages reads up to n messages of the shared TREC spam corpus.
func corpusMessages(b *testing.B, n int) [][]byte {
	path := filepath.Join("..", "..", "..", "shared", "corpus", "trec07p-half-spam.mbox.zst")
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Skipf("corpus: %v", err)
	}
	dec, _ := zstd.NewReader(bytes.NewReader(raw))
	defer dec.Close()
	r := mbox.NewReader(dec)
	var msgs [][]byte
	for len(msgs) < n {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil && !strings.Contains(err.Error(), "too large") {
			b.Fatal(err)
		}
		if e != nil {
			msgs = append(msgs, e.Message)
		}
	}
	return msgs
}

// BenchmarkShipAtCap: the CPU one sensor spends shipping ~5 MB of real
// segments at a 16 Mbit/s cap, `spampots ship --once` against
// `curl --limit-rate` of segments of the same sizes, in the same run.
//
//	go test -run XXX -bench ShipAtCap -benchtime 3x ./cmd/spampots
func BenchmarkShipAtCap(b *testing.B) {
	need(b, "curl")
	msgs := corpusMessages(b, 2000)
	archive := b.TempDir()
	t := b
	caddr := fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp4", "127.0.0.1"))
	tok, sum := collect.NewToken()
	if err := collect.AddSensor(filepath.Join(archive, "sensors.toml"), collect.SensorConf{ID: "B-00", TokenSHA256: sum}); err != nil {
		b.Fatal(err)
	}
	col := startCollector(t, archive, caddr)
	defer col.stop()
	const rate = 2_000_000 // bytes/s = 16 Mbit/s
	var shipCPU, curlCPU, shipWall, curlWall time.Duration
	var shipBytes int64
	for i := 0; i < b.N; i++ {
		shipSpool, curlSpool := makeSpools(b, 1, msgs)[0], makeSpools(b, 1, msgs)[0]
		files, _ := filepath.Glob(filepath.Join(shipSpool, "closed", "*"))
		for _, f := range files {
			fi, _ := os.Stat(f)
			shipBytes += fi.Size()
		}
		start := time.Now()
		shipCPU += runAll(b, 1, func(int) *exec.Cmd {
			return exec.Command(binPath, "ship", "--once", "--id", "B-00", "--spool", shipSpool, "--ship-to", "https://"+caddr,
				"--ship-token", tok, "--collector-pin", col.pin, "--ship-rate", strconv.Itoa(rate), "--keep", "0", "--log-level", "error")
		})
		shipWall += time.Since(start)
		start = time.Now()
		curlCPU += runAll(b, 1, func(int) *exec.Cmd {
			// --limit-rate in every transfer: options do not carry over --next.
			return curlUploads(filepath.Join(archive, "tls", "cert.pem"), caddr, "B-00", tok, curlSpool, "--limit-rate", strconv.Itoa(rate))
		})
		curlWall += time.Since(start)
	}
	b.ReportMetric(shipCPU.Seconds()/float64(b.N), "ship-cpu-s")
	b.ReportMetric(curlCPU.Seconds()/float64(b.N), "curl-cpu-s")
	b.ReportMetric(shipCPU.Seconds()/curlCPU.Seconds(), "ship/curl-cpu")
	b.ReportMetric(shipWall.Seconds()/float64(b.N), "ship-wall-s")
	// Within 10% of the cap: the whole pass, HEADs and TLS included.
	b.ReportMetric(float64(shipBytes)/shipWall.Seconds()/rate, "ship-rate/cap")
	b.ReportMetric(curlWall.Seconds()/float64(b.N), "curl-wall-s")
}
