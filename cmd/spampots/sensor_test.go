package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spampots/spampots/spool"
	"github.com/spampots/spampots/spool/mbox"
)

// byFrom indexes captured messages by envelope sender.
func byFrom(entries []*mbox.Entry) map[string]*mbox.Entry {
	m := map[string]*mbox.Entry{}
	for _, e := range entries {
		m[e.Envelope.MailFrom] = e
	}
	return m
}

// checkEnvelope verifies the sensor headers every captured message carries.
func checkEnvelope(t *testing.T, p *sensorProc, e *mbox.Entry, proto, ehlo string, rcpts ...string) {
	t.Helper()
	env := e.Envelope
	_, port, _ := net.SplitHostPort(p.addr)
	if env.SensorID != "T-01" || env.SrcProto != "SMTP" || env.SrcIP != "127.0.0.1" || fmt.Sprint(env.SensorDstport) != port ||
		env.DstIP != "127.0.0.1" || env.DstHostname != "mx.sensor.test" || env.SessionID == "" || env.SrcPort == 0 || env.SensorTime.IsZero() {
		t.Errorf("%s: bad sensor headers %+v", env.MailFrom, env)
	}
	if env.SMTPProto != proto || env.Ehlo != ehlo || strings.Join(env.RcptTo, ",") != strings.Join(rcpts, ",") {
		t.Errorf("%s: proto/ehlo/rcpt = %q %q %q, want %q %q %q", env.MailFrom, env.SMTPProto, env.Ehlo, env.RcptTo, proto, ehlo, rcpts)
	}
}

// TestSwaks drives the sensor with swaks: plain, AUTH PLAIN/LOGIN/CRAM-MD5,
// pipelining, an 8-bit body and an attachment. Every message comes back
// from the closed segments byte-identical with correct X- headers, and
// the credentials are in the event stream.
func TestSwaks(t *testing.T) {
	need(t, "swaks")
	dir := t.TempDir()
	p := startSensor(t, dir)
	host, port, _ := net.SplitHostPort(p.addr)
	// swaks sends --data with CRLF line ends and ends it with CRLF "." CRLF.
	body := "From: <%s>\nTo: <victim@yahoo.co.uk>\nSubject: Online Banking Secure Message Alert!\n\nLog In into your account\n.leading dot\nFrom the desk of"
	eightBit := "Subject: Ol\xc3\xa1\n\nRelat\xc3\xb3rio de seguran\xc3\xa7a"
	attach := filepath.Join(t.TempDir(), "invoice.zip")
	attachBytes := make([]byte, 3000)
	rand.Read(attachBytes)
	os.WriteFile(attach, attachBytes, 0o644)
	cases := []struct {
		from  string
		args  []string
		data  string // expected content when given with --data
		proto string
		cred  spool.Credential
	}{
		{from: "plain@sender.example", data: fmt.Sprintf(body, "plain@sender.example"), proto: "ESMTP"},
		{from: "auth-plain@sender.example", args: []string{"--auth", "PLAIN", "--auth-user", "u-plain", "--auth-password", "p-plain"}, data: fmt.Sprintf(body, "x"), proto: "ESMTPA",
			cred: spool.Credential{Mech: "PLAIN", User: "u-plain", Password: "p-plain"}},
		{from: "auth-login@sender.example", args: []string{"--auth", "LOGIN", "--auth-user", "u-login", "--auth-password", "p-login"}, data: fmt.Sprintf(body, "x"), proto: "ESMTPA",
			cred: spool.Credential{Mech: "LOGIN", User: "u-login", Password: "p-login"}},
		{from: "auth-cram@sender.example", args: []string{"--auth", "CRAM-MD5", "--auth-user", "u-cram", "--auth-password", "p-cram"}, data: fmt.Sprintf(body, "x"), proto: "ESMTPA",
			cred: spool.Credential{Mech: "CRAM-MD5", User: "u-cram"}},
		{from: "pipeline@sender.example", args: []string{"--pipeline"}, data: fmt.Sprintf(body, "y"), proto: "ESMTP"},
		{from: "8bit@sender.example", data: eightBit, proto: "ESMTP"},
		{from: "attach@sender.example", args: []string{"--attach-type", "application/zip", "--attach", "@" + attach}, proto: "ESMTP"},
	}
	for _, c := range cases {
		args := []string{"--server", host, "--port", port, "--helo", "swaks.test", "--from", c.from,
			"--to", "victim1@yahoo.co.uk,victim2@hotmail.co.uk", "--hide-all"}
		if c.data != "" {
			f := filepath.Join(t.TempDir(), "data")
			os.WriteFile(f, []byte(c.data), 0o644)
			args = append(args, "--data", f)
		}
		run(t, "swaks", append(args, c.args...)...)
	}
	p.stop()

	entries, events := readSpool(t, dir)
	got := byFrom(entries)
	// The segments are what mail tools read: zstdcat | formail splits them.
	need(t, "zstdcat", "formail")
	out := run(t, "sh", "-c", `zstdcat "$1"/closed/*.mbox.zst | formail -s formail -x X-Mail-From`, "sh", dir)
	if senders := strings.Fields(out); len(senders) != len(cases) {
		t.Errorf("formail found %d messages (%q), want %d", len(senders), senders, len(cases))
	}
	for _, c := range cases {
		t.Run(c.from, func(t *testing.T) {
			e := got[c.from]
			if e == nil {
				t.Fatalf("message from %s not in the spool", c.from)
			}
			checkEnvelope(t, p, e, c.proto, "swaks.test", "victim1@yahoo.co.uk", "victim2@hotmail.co.uk")
			if want := crlf(c.data) + "\r\n"; c.data != "" && string(e.Message) != want {
				t.Errorf("content differs:\n got %q\nwant %q", e.Message, want)
			}
			if strings.HasPrefix(c.from, "attach") {
				checkAttachment(t, e.Message, attachBytes)
			}
			if c.cred.Mech == "" {
				return
			}
			var found bool
			for _, ev := range events {
				if ev.Session == e.Envelope.SessionID {
					for _, cr := range ev.Auth {
						found = cr.Mech == c.cred.Mech && cr.User == c.cred.User && cr.Password == c.cred.Password &&
							(cr.Mech != "CRAM-MD5" || len(cr.Response) == 32 && cr.Challenge != "")
					}
					if ev.SMTPProto != "ESMTPA" || ev.Messages != 1 || ev.Recipients != 2 || ev.Outcome != "quit" {
						t.Errorf("event %+v", ev)
					}
				}
			}
			if !found {
				t.Errorf("credential %+v not in the event stream", c.cred)
			}
		})
	}
	if len(events) != len(cases) {
		t.Errorf("%d connection events, want %d", len(events), len(cases))
	}
}

// checkAttachment finds the attachment in a MIME message and compares it.
func checkAttachment(t *testing.T, msg, want []byte) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			t.Fatalf("attachment not found: %v", err)
		}
		if part.FileName() == "invoice.zip" {
			b, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, part))
			if !bytes.Equal(b, want) {
				t.Errorf("attachment differs: %d bytes, want %d", len(b), len(want))
			}
			return
		}
	}
}

// TestNetSMTP uses Go's net/smtp over IPv4 and IPv6: it sends BODY=8BITMIME
// and SMTPUTF8 when advertised, and AUTH PLAIN.
func TestNetSMTP(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t, "tcp4", "127.0.0.1")
	addrs := []string{fmt.Sprintf("127.0.0.1:%d", port)}
	if l, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		l.Close()
		addrs = append(addrs, fmt.Sprintf("[::1]:%d", freePort(t, "tcp6", "::1")))
	} else {
		t.Logf("no IPv6 loopback here: IPv4 only (%v)", err)
	}
	args := []string{"sensor", "--id", "T-01", "--spool", dir, "--hostname", "mx.sensor.test", "--log-level", "warn"}
	for _, a := range addrs {
		args = append(args, "--listen", "smtp="+a)
	}
	p := startSensorArgs(t, dir, addrs[0], args)
	msg := "From: a@example.net\r\nSubject: caf\xc3\xa9\r\n\r\nol\xc3\xa1\r\n.\r\n..\r\n"
	for i, a := range addrs {
		c, err := smtp.Dial(a)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Hello("gotest"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := c.Extension("8BITMIME"); !ok {
			t.Fatal("8BITMIME not advertised")
		}
		host, _, _ := net.SplitHostPort(a)
		if err := c.Auth(smtp.PlainAuth("", "bob", "hunter2", host)); err != nil {
			t.Fatalf("AUTH PLAIN: %v", err)
		}
		if err := c.Mail(fmt.Sprintf("go%d@example.net", i)); err != nil {
			t.Fatal(err)
		}
		if err := c.Rcpt("r\xc3\xa9@example.org"); err != nil {
			t.Fatal(err)
		}
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, msg)
		if err := w.Close(); err != nil {
			t.Fatalf("after DATA: %v", err)
		}
		if err := c.Quit(); err != nil {
			t.Fatal(err)
		}
	}
	p.stop()
	entries, _ := readSpool(t, dir)
	if len(entries) != len(addrs) {
		t.Fatalf("%d messages in the spool, want %d", len(entries), len(addrs))
	}
	for i, e := range entries {
		if string(e.Message) != msg {
			t.Errorf("message %d: %q, want %q", i, e.Message, msg)
		}
		wantIP := "127.0.0.1"
		if e.Envelope.MailFrom == "go1@example.net" {
			wantIP = "::1"
		}
		if e.Envelope.SrcIP != wantIP || e.Envelope.SMTPProto != "ESMTPA" || e.Envelope.RcptTo[0] != "r\xc3\xa9@example.org" {
			t.Errorf("message %d: envelope %+v", i, e.Envelope)
		}
	}
}

// TestNmapOpenRelay: nmap's smtp-open-relay script must report an open
// relay. On a non-standard port nmap runs it only once -sV identifies SMTP.
func TestNmapOpenRelay(t *testing.T) {
	need(t, "nmap")
	dir := t.TempDir()
	p := startSensor(t, dir)
	_, port, _ := net.SplitHostPort(p.addr)
	out := run(t, "nmap", "-n", "-Pn", "-sV", "--version-light", "-p", port, "--script", "smtp-open-relay", "127.0.0.1")
	p.stop()
	if !strings.Contains(out, "Server is an open relay") {
		t.Fatalf("nmap did not find an open relay:\n%s", out)
	}
	if !strings.Contains(out, "Postfix smtpd") {
		t.Errorf("nmap -sV did not take the banner for Postfix:\n%s", out)
	}
	t.Logf("nmap:\n%s", out)
}

// TestNullSender: MAIL FROM:<> is recorded as "<>", not as unknown, and
// the From_ line names MAILER-DAEMON as mail tools expect.
func TestNullSender(t *testing.T) {
	dir := t.TempDir()
	p := startSensor(t, dir)
	if c, err := sendOne(p.addr, "", []byte("Subject: bounce\r\n\r\nx\r\n")); err != nil || c != 250 {
		t.Fatalf("send: %d %v", c, err)
	}
	p.stop()
	entries, _ := readSpool(t, dir)
	if len(entries) != 1 || entries[0].Envelope.MailFrom != mbox.NullSender || !strings.HasPrefix(entries[0].FromLine, "From MAILER-DAEMON ") {
		t.Fatalf("entries %+v", entries)
	}
}
