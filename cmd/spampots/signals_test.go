package main

import (
	"bufio"
	"net"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spampots/spampots/enrich/ipdb/ipdbtest"
)

// smtpConn is a bare client for driving a session step by step.
type smtpConn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialSMTP(t *testing.T, addr string) (*smtpConn, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	s := &smtpConn{t: t, c: c, r: bufio.NewReader(c)}
	t.Cleanup(func() { c.Close() })
	return s, s.reply()
}

// reply reads one (possibly multi-line) reply.
func (s *smtpConn) reply() string {
	s.t.Helper()
	var b strings.Builder
	for {
		line, err := s.r.ReadString('\n')
		b.WriteString(line)
		if err != nil || len(line) < 4 || line[3] == ' ' {
			return b.String()
		}
	}
}

func (s *smtpConn) cmd(line, wantPrefix string) string {
	s.t.Helper()
	if _, err := s.c.Write([]byte(line + "\r\n")); err != nil {
		s.t.Fatalf("%s: %v", line, err)
	}
	r := s.reply()
	if !strings.HasPrefix(r, wantPrefix) {
		s.t.Fatalf("%s: reply %q, want %q", line, r, wantPrefix)
	}
	return r
}

// TestGracefulShutdown: on SIGTERM new connections get 421, a session in
// the middle of a message may finish it, an idle one is cut with 421 when
// the grace period ends, and the open segment is closed.
func TestGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	p := startSensor(t, dir, "--grace", "3s")
	busy, _ := dialSMTP(t, p.addr)
	busy.cmd("EHLO busy.example", "250")
	busy.cmd("MAIL FROM:<late@sender.example>", "250")
	idle, _ := dialSMTP(t, p.addr)

	p.cmd.Process.Signal(syscall.SIGTERM)
	p.waitLog("draining") // logged once new sessions are refused
	if _, banner := dialSMTP(t, p.addr); !strings.HasPrefix(banner, "421 4.3.2 ") {
		t.Errorf("new connection while draining got %q, want 421", banner)
	}
	busy.cmd("RCPT TO:<victim@example.org>", "250")
	busy.cmd("DATA", "354")
	busy.cmd("Subject: in flight\r\n\r\nstill delivered\r\n.", "250 2.0.0 Ok: queued")
	busy.cmd("QUIT", "221")
	if r := idle.reply(); !strings.HasPrefix(r, "421 4.3.2 mx.sensor.test Service shutting down") {
		t.Errorf("idle session at the end of the grace period got %q", r)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("sensor exit: %v\n%s", err, p.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("sensor did not exit")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "open", "*")); len(left) > 0 {
		t.Errorf("segments left open: %v", left)
	}
	entries, events := readSpool(t, dir)
	if len(entries) != 1 || entries[0].Envelope.MailFrom != "late@sender.example" {
		t.Fatalf("spool holds %d messages, want the in-flight one", len(entries))
	}
	outcomes := map[string]int{}
	for _, ev := range events {
		outcomes[ev.Outcome]++
	}
	if outcomes["quit"] != 1 || outcomes["shutdown"] != 1 {
		t.Errorf("outcomes %v, want one quit and one shutdown", outcomes)
	}
}

// TestSIGHUP closes the open segment at once, while the sensor runs on.
func TestSIGHUP(t *testing.T) {
	dir := t.TempDir()
	p := startSensor(t, dir)
	if c, err := sendOne(p.addr, "hup@sender.example", []byte("Subject: rotate me\r\n\r\nx\r\n")); err != nil || c != 250 {
		t.Fatalf("send: %d %v", c, err)
	}
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitLog("segment closed")
	files, _ := filepath.Glob(filepath.Join(dir, "closed", "*.mbox.zst"))
	if len(files) != 1 {
		t.Fatalf("closed/ holds %v after SIGHUP, want one segment", files)
	}
	if _, err := os.Stat(files[0]); err != nil {
		t.Fatal(err)
	}
	if c, err := sendOne(p.addr, "after@sender.example", []byte("Subject: next\r\n\r\ny\r\n")); err != nil || c != 250 {
		t.Fatalf("send after SIGHUP: %d %v", c, err)
	}
	p.stop()
	if files, _ := filepath.Glob(filepath.Join(dir, "closed", "*.mbox.zst")); len(files) != 2 {
		t.Errorf("closed/ holds %v, want two segments", files)
	}
}

// TestSIGHUPReloadsDatabases: SIGHUP also reloads the IP databases,
// replaced on disk as make data replaces them, without dropping a session
// in progress.
func TestSIGHUPReloadsDatabases(t *testing.T) {
	dir := t.TempDir()
	asn, cc := filepath.Join(dir, "asn.mmdb"), filepath.Join(dir, "country.mmdb")
	ipdbtest.WriteASN(t, asn, "41.155.0.0,41.155.127.255,33776,STARCOMMS-AS\n", "")
	ipdbtest.WriteCountry(t, cc, true, false, map[string]string{"41.155.0.0/17": "NG"})
	p := startSensor(t, filepath.Join(dir, "spool"), "--asn-db", asn, "--country-db", cc)
	c, err := smtp.Dial(p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("reload@sender.example"); err != nil {
		t.Fatal(err)
	}
	ipdbtest.WriteASN(t, asn, "41.155.0.0,41.155.127.255,33776,STARCOMMS-AS\n195.4.92.0,195.4.93.255,5430,freenet\n", "")
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitLog("enrichment databases reloaded")
	if !strings.Contains(p.stderr.String(), "asn_records=2") {
		t.Errorf("the new ASN database was not loaded:\n%s", p.stderr)
	}
	// The session that was open goes on.
	if err := c.Rcpt("victim@example.org"); err != nil {
		t.Fatalf("RCPT after the reload: %v", err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("Subject: across a reload\r\n\r\nx\r\n"))
	if err := w.Close(); err != nil {
		t.Fatalf("DATA after the reload: %v", err)
	}
	c.Quit()
	p.stop()
}
