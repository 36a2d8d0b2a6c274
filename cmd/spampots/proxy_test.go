package main

import (
	"fmt"
	"net"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/net/proxy"

	"github.com/spampots/spampots/spool"
)

// proxySensor is a sensor serving an HTTP proxy port, a SOCKS port and an
// SMTP port on loopback.
type proxySensor struct {
	*sensorProc
	http, socks string // host:port
}

func startProxySensor(t *testing.T, dir string, extra ...string) *proxySensor {
	t.Helper()
	addr := func() string { return fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp4", "127.0.0.1")) }
	smtpAddr, httpAddr, socksAddr := addr(), addr(), addr()
	args := append([]string{"sensor", "--id", "T-01", "--spool", dir, "--listen", "smtp=" + smtpAddr,
		"--listen", "http=" + httpAddr, "--listen", "socks=" + socksAddr,
		"--hostname", "mx.sensor.test", "--grace", "2s", "--log-level", "info"}, extra...)
	return &proxySensor{sensorProc: startSensorArgs(t, dir, smtpAddr, args), http: httpAddr, socks: socksAddr}
}

// eventsBy indexes a spool's events by source port, which names the
// client connection.
func eventsBy(events []spool.Event, pred func(*spool.Event) bool) []spool.Event {
	var out []spool.Event
	for i := range events {
		if pred(&events[i]) {
			out = append(out, events[i])
		}
	}
	return out
}

// TestProxyCurl fetches a judge page through every kind of proxy curl
// speaks: the emulated origin answers through an HTTP proxy (absolute URI
// and CONNECT tunnel), SOCKS 4, 4a, 5 and 5h, on the SOCKS port and on the
// HTTP port (which answers SOCKS too), with and without credentials.
func TestProxyCurl(t *testing.T) {
	need(t, "curl")
	dir := t.TempDir()
	p := startProxySensor(t, dir)
	for _, tc := range []struct {
		name    string
		args    []string
		url     string // what curl fetches
		proto   string // the event's proto
		target  string // what the proxy was asked for ("" for an absolute-URI request)
		cred    string // user recorded
		wantOut string
	}{
		{"http absolute URI", []string{"--proxy", "http://" + p.http}, "http://judge.example.net/azenv.php", "HTTP", "", "", "HTTP_HOST = judge.example.net"},
		{"http with credentials", []string{"--proxy", "http://" + p.http, "--proxy-user", "bob:hunter2"}, "http://judge.example.net/azenv.php", "HTTP", "", "bob", "REQUEST_METHOD = GET"},
		{"http CONNECT tunnel", []string{"--proxy", "http://" + p.http, "--proxytunnel"}, "http://judge.example.net/azenv.php", "HTTP", "judge.example.net:80", "", "HTTP_HOST = judge.example.net"},
		{"socks4", []string{"--proxy", "socks4://" + p.socks}, "http://192.0.2.80/azenv.php", "S4", "192.0.2.80:80", "", "HTTP_HOST = 192.0.2.80"},
		{"socks4a", []string{"--proxy", "socks4a://" + p.socks}, "http://judge.example.net:8080/azenv.php", "S4a", "judge.example.net:8080", "", "HTTP_HOST = judge.example.net:8080"},
		{"socks5", []string{"--proxy", "socks5://" + p.socks}, "http://192.0.2.80/azenv.php", "S5", "192.0.2.80:80", "", "REMOTE_ADDR = 127.0.0.1"},
		{"socks5h", []string{"--proxy", "socks5h://" + p.socks}, "http://judge.example.net/azenv.php", "S5", "judge.example.net:80", "", "HTTP_HOST = judge.example.net"},
		{"socks5h with credentials", []string{"--proxy", "socks5h://" + p.socks, "--proxy-user", "alice:s3cret"}, "http://judge.example.net/azenv.php", "S5", "judge.example.net:80", "alice", "HTTP_HOST"},
		{"socks5h on the http port", []string{"--proxy", "socks5h://" + p.http}, "http://judge.example.net/azenv.php", "S5", "judge.example.net:80", "", "HTTP_HOST = judge.example.net"},
		{"socks4 on the http port", []string{"--proxy", "socks4://" + p.http}, "http://192.0.2.80/", "S4", "192.0.2.80:80", "", "<html"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"-sS", "-m", "20", "-A", "spamcheck/" + tc.name}, tc.args...)
			out := run(t, "curl", append(args, tc.url)...)
			if !strings.Contains(out, tc.wantOut) {
				t.Errorf("curl %s: output lacks %q:\n%s", strings.Join(tc.args, " "), tc.wantOut, out)
			}
		})
	}
	p.stop()
	_, events := readSpool(t, dir)
	for _, tc := range []struct{ ua, proto, target, dest, cred string }{
		{"spamcheck/http absolute URI", "HTTP", "", "", ""},
		{"spamcheck/http with credentials", "HTTP", "", "", "bob"},
		{"spamcheck/http CONNECT tunnel", "HTTP", "judge.example.net:80", "web", ""},
		{"spamcheck/socks4", "S4", "192.0.2.80:80", "web", ""},
		{"spamcheck/socks4a", "S4a", "judge.example.net:8080", "web", ""},
		{"spamcheck/socks5", "S5", "192.0.2.80:80", "web", ""},
		{"spamcheck/socks5h", "S5", "judge.example.net:80", "web", ""},
		{"spamcheck/socks5h with credentials", "S5", "judge.example.net:80", "web", "alice"},
		{"spamcheck/socks5h on the http port", "S5", "judge.example.net:80", "web", ""},
		{"spamcheck/socks4 on the http port", "S4", "192.0.2.80:80", "web", ""},
	} {
		evs := eventsBy(events, func(e *spool.Event) bool { return len(e.HTTP) > 0 && e.HTTP[0].UserAgent == tc.ua })
		if len(evs) != 1 {
			t.Errorf("%s: %d events, want 1", tc.ua, len(evs))
			continue
		}
		e := evs[0]
		if e.Proto != tc.proto || e.Target != tc.target || e.Dest != tc.dest || e.HTTP[0].Status != 200 {
			t.Errorf("%s: event proto %q target %q dest %q status %d, want %q %q %q 200", tc.ua, e.Proto, e.Target, e.Dest, e.HTTP[0].Status, tc.proto, tc.target, tc.dest)
		}
		if tc.cred != "" && (len(e.Auth) != 1 || e.Auth[0].User != tc.cred || e.Auth[0].Password == "") {
			t.Errorf("%s: credentials %+v, want user %q with its password", tc.ua, e.Auth, tc.cred)
		}
	}
}

// TestProxychainsSwaks sends mail the way spammers do: swaks through
// proxychains4, over SOCKS5 (the name resolved by the proxy) and over an
// HTTP CONNECT tunnel, to a mail server behind it. The sensor plays that
// server, with its name in the banner, and the captured messages record
// the destination asked for and the proxy protocol.
func TestProxychainsSwaks(t *testing.T) {
	need(t, "proxychains4", "swaks")
	dir := t.TempDir()
	p := startProxySensor(t, dir)
	conf := func(line string) string {
		f := filepath.Join(t.TempDir(), "proxychains.conf")
		c := "strict_chain\nquiet_mode\nproxy_dns\ntcp_read_time_out 15000\ntcp_connect_time_out 8000\n[ProxyList]\n" + line + "\n"
		if err := os.WriteFile(f, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	host := func(a string) string { h, port, _ := net.SplitHostPort(a); return h + " " + port }
	for _, tc := range []struct {
		proxy, server, from, banner string
	}{
		{"socks5 " + host(p.socks), "mx.victim.example:25", "phish@bank.example", "220 mx.victim.example ESMTP"},
		{"http " + host(p.http), "192.0.2.25:25", "pills@pharma.example", "220 mx.sensor.test ESMTP"},
		{"http " + host(p.http), "smtp.submission.example:587", "sub@pharma.example", "220 smtp.submission.example ESMTP"},
		{"socks4 " + host(p.socks), "192.0.2.26:2525", "s4@loans.example", "220 mx.sensor.test ESMTP"},
	} {
		out := run(t, "proxychains4", "-f", conf(tc.proxy), "swaks", "--server", tc.server, "--from", tc.from,
			"--to", "victim@example.co.uk", "--header", "Subject: Your account is locked")
		if !strings.Contains(out, tc.banner) || !strings.Contains(out, "250 2.0.0 Ok: queued as") {
			t.Errorf("%s via %s: swaks saw no %q or no 250:\n%s", tc.server, tc.proxy, tc.banner, out)
		}
	}
	p.stop()
	entries, events := readSpool(t, dir)
	got := byFrom(entries)
	for _, tc := range []struct {
		from, proto, dstIP, dstHost string
		dstPort                     int
		target                      string
	}{ // unknown reads back as ""; 192.0.2.0/24 is for documentation: reserved
		{"phish@bank.example", "S5", "", "mx.victim.example", 25, "mx.victim.example:25"},
		{"pills@pharma.example", "HTTP", "192.0.2.25", "reserved", 25, "192.0.2.25:25"},
		{"sub@pharma.example", "HTTP", "", "smtp.submission.example", 587, "smtp.submission.example:587"},
		{"s4@loans.example", "S4", "192.0.2.26", "reserved", 2525, "192.0.2.26:2525"},
	} {
		e := got[tc.from]
		if e == nil {
			t.Errorf("%s: not captured", tc.from)
			continue
		}
		env := e.Envelope
		if env.SrcProto != tc.proto || env.DstIP != tc.dstIP || env.DstHostname != tc.dstHost || env.DstDstport != tc.dstPort ||
			env.SrcIP != "127.0.0.1" || strings.Join(env.RcptTo, ",") != "victim@example.co.uk" {
			t.Errorf("%s: envelope %+v", tc.from, env)
		}
		evs := eventsBy(events, func(ev *spool.Event) bool { return ev.Session == e.Envelope.SessionID })
		if len(evs) != 1 || evs[0].Target != tc.target || evs[0].Dest != "smtp" || evs[0].Proto != tc.proto || evs[0].Messages != 1 {
			t.Errorf("%s: events %+v", tc.from, evs)
		}
	}
}

// TestXNetProxySMTP sends a message with Go's net/smtp over a SOCKS5
// tunnel opened by golang.org/x/net/proxy, with and without credentials.
func TestXNetProxySMTP(t *testing.T) {
	dir := t.TempDir()
	p := startProxySensor(t, dir)
	for i, auth := range []*proxy.Auth{nil, {User: "spammer", Password: "pw"}} {
		d, err := proxy.SOCKS5("tcp", p.socks, auth, &net.Dialer{Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		conn, err := d.Dial("tcp", "gmail-smtp-in.l.google.com:25")
		if err != nil {
			t.Fatal(err)
		}
		c, err := smtp.NewClient(conn, "gmail-smtp-in.l.google.com")
		if err != nil {
			t.Fatal(err)
		}
		from := fmt.Sprintf("xnet%d@spam.example", i)
		if err := c.Hello("bot.example"); err != nil {
			t.Fatal(err)
		}
		if err := c.Mail(from); err != nil {
			t.Fatal(err)
		}
		if err := c.Rcpt("someone@gmail.com"); err != nil {
			t.Fatal(err)
		}
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, "Subject: hello %d\r\n\r\nbody\r\n", i)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := c.Quit(); err != nil {
			t.Fatal(err)
		}
	}
	p.stop()
	entries, events := readSpool(t, dir)
	got := byFrom(entries)
	for i := range 2 {
		e := got[fmt.Sprintf("xnet%d@spam.example", i)]
		if e == nil {
			t.Fatalf("message %d not captured", i)
		}
		if env := e.Envelope; env.SrcProto != "S5" || env.DstHostname != "gmail-smtp-in.l.google.com" || env.DstDstport != 25 || env.Ehlo != "bot.example" {
			t.Errorf("message %d: envelope %+v", i, env)
		}
		evs := eventsBy(events, func(ev *spool.Event) bool { return ev.Session == e.Envelope.SessionID })
		if len(evs) != 1 || (i == 1) != (len(evs[0].Auth) == 1) || i == 1 && (evs[0].Auth[0].User != "spammer" || evs[0].Auth[0].Password != "pw") {
			t.Errorf("message %d: events %+v", i, evs)
		}
	}
}

// TestNmapOpenProxy runs nmap's socks-open-proxy and http-open-proxy
// scripts against the sensor; both must call it open. The scripts fetch
// a page through the proxy; nothing is dialled: the sensor plays the
// origin. socks-open-proxy resolves its test host itself, through the
// DNS servers nmap is given: a DNS server this test starts on a loopback
// address, on port 53 (the only one nmap's DNS library uses), so the test
// needs root.
func TestNmapOpenProxy(t *testing.T) {
	need(t, "nmap")
	if os.Geteuid() != 0 {
		t.Skip("socks-open-proxy needs a DNS server on port 53: run as root (CI does)")
	}
	dnsAddr := "127.0.0.153:53"
	srv := &dns.Server{Addr: dnsAddr, Net: "udp", Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		for _, q := range r.Question {
			if q.Qtype == dns.TypeA {
				rr, _ := dns.NewRR(q.Name + " 60 IN A 192.0.2.80")
				m.Answer = append(m.Answer, rr)
			}
		}
		_ = w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.ListenAndServe() }()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("test DNS server did not start")
	}
	defer srv.Shutdown()

	dir := t.TempDir()
	p := startProxySensor(t, dir)
	_, hp, _ := net.SplitHostPort(p.http)
	_, sp, _ := net.SplitHostPort(p.socks)
	out, err := exec.Command("nmap", "-Pn", "-n", "-p", hp+","+sp, "--dns-servers", "127.0.0.153",
		"--script", "+socks-open-proxy,+http-open-proxy", "127.0.0.1").CombinedOutput()
	if err != nil {
		t.Fatalf("nmap: %v\n%s", err, out)
	}
	s := string(out)
	socksOut := s[strings.Index(s, sp+"/tcp"):]
	httpOut := s[strings.Index(s, hp+"/tcp"):]
	if i := strings.Index(socksOut, "\n"+hp+"/tcp"); i > 0 {
		socksOut = socksOut[:i]
	}
	if i := strings.Index(httpOut, "\n"+sp+"/tcp"); i > 0 {
		httpOut = httpOut[:i]
	}
	if !strings.Contains(socksOut, "socks-open-proxy") || !strings.Contains(socksOut, "status: open") || !strings.Contains(socksOut, "socks5") || !strings.Contains(socksOut, "socks4") {
		t.Errorf("socks-open-proxy did not find the SOCKS port open:\n%s", s)
	}
	if !strings.Contains(httpOut, "http-open-proxy: Potentially OPEN proxy") || !strings.Contains(httpOut, "CONNECT") || !strings.Contains(httpOut, "GET") {
		t.Errorf("http-open-proxy did not find the HTTP port open:\n%s", s)
	}
	p.stop()
	_, events := readSpool(t, dir)
	if len(eventsBy(events, func(e *spool.Event) bool { return e.Dest == "web" })) == 0 {
		t.Error("no tunnel to the emulated web server in the event stream")
	}
}
