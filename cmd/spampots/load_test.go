package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// postfixTool finds a Postfix test program (smtp-source, smtp-sink), which
// Debian installs in /usr/sbin.
func postfixTool(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/" + name); err == nil {
		return "/usr/sbin/" + name
	}
	need(t, name)
	return name
}

// TestSMTPSource: Postfix's smtp-source, many parallel sessions and many
// messages, some sessions sending several messages each. Every message is
// in the spool, and every connection in the event stream.
func TestSMTPSource(t *testing.T) {
	src := postfixTool(t, "smtp-source")
	dir := t.TempDir()
	p := startSensor(t, dir)
	// 20 parallel sessions, 2000 messages of 4 KiB, 3 recipients each,
	// one message per connection.
	run(t, src, "-s", "20", "-m", "2000", "-l", "4096", "-r", "3", "-f", "src@sender.example", "-t", "rcpt@victim.example", p.addr)
	// 5 sessions that each keep the connection for 100 messages (-d).
	run(t, src, "-d", "-s", "5", "-m", "500", "-f", "keep@sender.example", "-t", "rcpt@victim.example", p.addr)
	p.stop()
	entries, events := readSpool(t, dir)
	counts := map[string]int{}
	for _, e := range entries {
		counts[e.Envelope.MailFrom]++
		if e.Envelope.MailFrom == "src@sender.example" && len(e.Envelope.RcptTo) != 3 {
			t.Fatalf("recipients %q, want 3", e.Envelope.RcptTo)
		}
	}
	if counts["src@sender.example"] != 2000 || counts["keep@sender.example"] != 500 {
		t.Errorf("messages per sender = %v, want 2000 and 500", counts)
	}
	msgs := 0
	for _, ev := range events {
		msgs += ev.Messages
	}
	if len(events) != 2000+5 || msgs != 2500 {
		t.Errorf("%d connection events with %d messages, want 2005 and 2500", len(events), msgs)
	}
}

// ackCounter is a loopback TCP relay between a client and the sensor that
// counts the 250 replies to DATA ("queued as ID") the client received, by
// session: what the sensor promised to keep.
type ackCounter struct {
	ln    net.Listener
	to    string
	mu    sync.Mutex
	acked map[string]int // session id -> messages acknowledged
	total atomic.Int64
	// reached is closed when total gets to target.
	target  int64
	reached chan struct{}
}

var queuedRE = regexp.MustCompile(`250 2\.0\.0 Ok: queued as ([0-9A-F]{12})`)

func newAckCounter(t *testing.T, to string, target int64) *ackCounter {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &ackCounter{ln: ln, to: to, acked: map[string]int{}, target: target, reached: make(chan struct{})}
	go a.serve()
	t.Cleanup(func() { ln.Close() })
	return a
}

func (a *ackCounter) serve() {
	for {
		c, err := a.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			s, err := net.Dial("tcp4", a.to)
			if err != nil {
				return
			}
			defer s.Close()
			go io.Copy(s, c)
			r := bufio.NewReader(s)
			for {
				line, err := r.ReadString('\n')
				if len(line) > 0 {
					if m := queuedRE.FindStringSubmatch(line); m != nil {
						a.mu.Lock()
						a.acked[m[1]]++
						a.mu.Unlock()
						if a.total.Add(1) == a.target {
							close(a.reached)
						}
					}
					if _, werr := io.WriteString(c, line); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}
}

// TestKill9: kill -9 the sensor in the middle of an smtp-source load,
// restart it on the same spool: every message that got 250 is in a closed
// segment after recovery.
func TestKill9(t *testing.T) {
	src := postfixTool(t, "smtp-source")
	dir := t.TempDir()
	p := startSensor(t, dir, "--segment-size", "256KiB")
	ac := newAckCounter(t, p.addr, 3000)
	load := exec.Command(src, "-d", "-s", "20", "-m", "1000000", "-l", "2000", "-f", "load@sender.example", "-t", "r@victim.example", ac.ln.Addr().String())
	if err := load.Start(); err != nil {
		t.Fatal(err)
	}
	defer load.Process.Kill()
	// Kill once a good number of messages were acknowledged (bounded: the
	// load alone would run for minutes).
	select {
	case <-ac.reached:
	case <-time.After(120 * time.Second):
		t.Fatalf("only %d acknowledgements after 120s; sensor stderr:\n%s", ac.total.Load(), p.stderr)
	}
	p.kill9()
	load.Process.Kill()
	load.Wait()
	ac.ln.Close()
	ac.mu.Lock()
	acked := ac.acked
	ac.mu.Unlock()

	left, _ := filepath.Glob(filepath.Join(dir, "open", "*"))
	if len(left) == 0 {
		t.Log("note: the kill left no open segment (it fell between two segments)")
	}
	p2 := startSensor(t, dir) // recovers open/ before listening
	p2.stop()
	if left, _ := filepath.Glob(filepath.Join(dir, "open", "*")); len(left) != 0 {
		t.Errorf("open segments left after recovery: %v", left)
	}
	entries, _ := readSpool(t, dir)
	stored := map[string]int{}
	for _, e := range entries {
		stored[e.Envelope.SessionID]++
	}
	var total, lost int
	for sess, n := range acked {
		total += n
		if stored[sess] < n {
			lost += n - stored[sess]
			t.Errorf("session %s: %d acknowledged, %d in the spool", sess, n, stored[sess])
		}
	}
	t.Logf("kill -9 after %d acknowledged messages in %d sessions; %d messages in the spool; %d lost", total, len(acked), len(entries), lost)
	zstdTest(t, dir)
}

// zstdTest checks every closed segment with the zstd tool itself.
func zstdTest(t *testing.T, dir string) {
	t.Helper()
	if _, err := exec.LookPath("zstd"); err != nil {
		need(t, "zstd")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "closed", "*.zst"))
	if len(files) == 0 {
		t.Fatal("no closed segments")
	}
	run(t, "zstd", append([]string{"-t", "-q"}, files...)...)
}

// sendOne sends one message with net/smtp and returns the SMTP error code
// of the reply to the final dot (250 on success).
func sendOne(addr, from string, body []byte) (int, error) {
	return sendVia(func() (net.Conn, error) { return net.Dial("tcp", addr) }, from, body)
}

// sendVia sends one message over a connection dial opens (directly, or
// through a proxy) and returns the reply code to its DATA.
func sendVia(dial func() (net.Conn, error), from string, body []byte) (int, error) {
	conn, err := dial()
	if err != nil {
		return 0, err
	}
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	c, err := smtp.NewClient(conn, "sensor")
	if err != nil {
		conn.Close()
		return 0, err
	}
	defer c.Close()
	if err := c.Mail(from); err != nil {
		return 0, err
	}
	if err := c.Rcpt("victim@example.org"); err != nil {
		return 0, err
	}
	w, err := c.Data()
	if err != nil {
		return 0, err
	}
	w.Write(body)
	err = w.Close()
	var perr *textproto.Error
	if errors.As(err, &perr) {
		return perr.Code, nil
	}
	if err != nil {
		return 0, err
	}
	c.Quit()
	return 250, nil
}

// TestDiskFull: the spool on a small tmpfs fills up; the sensor answers
// 452, keeps running, corrupts nothing, and accepts mail again by itself
// once space returns.
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("disk-full test needs root to mount a tmpfs (CI runs it as root)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	filler := filepath.Join(dir, "filler")
	os.WriteFile(filler, make([]byte, 1<<20), 0o644)
	spoolDir := filepath.Join(dir, "spool")
	p := startSensor(t, spoolDir)

	random := func() []byte { // base64 of random bytes: zstd cannot shrink it much
		b := make([]byte, 90_000)
		rand.Read(b)
		return []byte("Subject: full\r\n\r\n" + wrap(base64.StdEncoding.EncodeToString(b)))
	}
	var accepted []string
	var code int
	for i := 0; i < 100; i++ {
		from := fmt.Sprintf("m%d@sender.example", i)
		c, err := sendOne(p.addr, from, random())
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if c != 250 {
			code = c
			break
		}
		accepted = append(accepted, from)
	}
	if code != 452 {
		t.Fatalf("the disk never filled or the reply was %d, want 452 (accepted %d)", code, len(accepted))
	}
	// Still serving, still 452 while full.
	if c, err := sendOne(p.addr, "again@sender.example", random()); err != nil || c != 452 {
		t.Fatalf("while full: %d %v", c, err)
	}
	os.Remove(filler) // space returns
	for i := 0; i < 3; i++ {
		from := fmt.Sprintf("after%d@sender.example", i)
		c, err := sendOne(p.addr, from, random())
		if err != nil || c != 250 {
			t.Fatalf("after freeing space: %d %v; stderr:\n%s", c, err, p.stderr)
		}
		accepted = append(accepted, from)
	}
	p.stop()
	zstdTest(t, spoolDir)
	entries, _ := readSpool(t, spoolDir)
	got := byFrom(entries)
	for _, from := range accepted {
		if e := got[from]; e == nil || !bytes.HasPrefix(e.Message, []byte("Subject: full\r\n")) {
			t.Errorf("acknowledged message from %s lost or damaged", from)
		}
	}
	t.Logf("%d messages accepted around a full disk, all intact", len(accepted))
}

func wrap(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	return b.String() + s + "\r\n"
}

// TestSlowClients: 10,000 idle connections are held while one client still
// sends mail. Logs the sensor's memory per session.
func TestSlowClients(t *testing.T) {
	const idle = 10000
	var lim syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	// This process and the sensor (which inherits the limit) each hold
	// one descriptor per connection.
	if want := uint64(idle + 1000); lim.Cur < want {
		lim.Cur = want
		lim.Max = max(lim.Max, want)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Skipf("cannot raise the open-file limit to %d: %v", want, err)
		}
	}
	dir := t.TempDir()
	p := startSensor(t, dir)
	rss0 := rssKiB(t, p.cmd.Process.Pid)
	conns := make([]net.Conn, idle)
	defer closeAll(conns)
	if failed := driveAll(p.addr, conns, nil, "220 "); failed > 0 {
		t.Fatalf("%d of %d connections failed; stderr:\n%s", failed, idle, p.stderr)
	}
	rssIdle := rssKiB(t, p.cmd.Process.Pid)
	// Then every session says EHLO and waits.
	if failed := driveAll(p.addr, conns, []byte("EHLO idle.example\r\n"), "250-"); failed > 0 {
		t.Fatalf("%d EHLOs failed", failed)
	}
	rssEhlo := rssKiB(t, p.cmd.Process.Pid)
	if c, err := sendOne(p.addr, "busy@sender.example", []byte("Subject: still here\r\n\r\nhi\r\n")); err != nil || c != 250 {
		t.Fatalf("mail with %d idle connections: %d %v", idle, c, err)
	}
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.cmd.Process.Pid))
	if len(fds) < idle {
		t.Errorf("sensor holds %d descriptors, want at least %d", len(fds), idle)
	}
	t.Logf("RSS %d KiB at start; %d KiB with %d idle sessions (%.2f KiB each); %d KiB after EHLO (%.2f KiB each)",
		rss0, rssIdle, idle, float64(rssIdle-rss0)/idle, rssEhlo, float64(rssEhlo-rss0)/idle)
	closeAll(conns)
	p.stop()
	entries, events := readSpool(t, dir)
	if len(entries) != 1 || len(events) < idle+1 {
		t.Errorf("%d messages and %d events, want 1 and %d", len(entries), len(events), idle+1)
	}
}

func rssKiB(t testing.TB, pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

// driveAll opens the connections of conns that are nil, sends send on each
// (if any) and reads one reply that must begin with want, 50 at a time. It
// returns how many failed.
func driveAll(addr string, conns []net.Conn, send []byte, want string) int64 {
	var wg sync.WaitGroup
	var failed atomic.Int64
	for w := 0; w < 50; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			buf := make([]byte, 1024)
			for i := w; i < len(conns); i += 50 {
				if conns[i] == nil {
					c, err := net.Dial("tcp4", addr)
					if err != nil {
						failed.Add(1)
						continue
					}
					conns[i] = c
				}
				conns[i].SetReadDeadline(time.Now().Add(30 * time.Second))
				if send != nil {
					conns[i].Write(send)
				}
				if n, err := conns[i].Read(buf); err != nil || !bytes.HasPrefix(buf[:n], []byte(want)) {
					failed.Add(1)
				}
			}
		}(w)
	}
	wg.Wait()
	return failed.Load()
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}
