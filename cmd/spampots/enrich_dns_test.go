package main

import (
	"fmt"
	"net"
	"net/smtp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/net/proxy"

	"github.com/spampots/spampots/spool"
)

// testResolver is a DNS server on loopback for the sensor's --resolver:
// victim.example's MX, and names that answer only when released (a slow
// resolver) or never.
type testResolver struct {
	addr    string
	once    sync.Once
	release chan struct{} // closed: the slow names answer
}

func (r *testResolver) answerSlow() { r.once.Do(func() { close(r.release) }) }

func startResolver(t *testing.T) *testResolver {
	t.Helper()
	r := &testResolver{release: make(chan struct{})}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = pc.LocalAddr().String()
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		name := strings.ToLower(q.Question[0].Name)
		m := new(dns.Msg)
		m.SetReply(q)
		rr := func(s string) {
			x, _ := dns.NewRR(s)
			m.Answer = append(m.Answer, x)
		}
		switch {
		case strings.HasSuffix(name, "never.example."):
			return // no answer, ever
		case strings.HasSuffix(name, "slow.example."):
			<-r.release
		}
		switch q.Question[0].Qtype {
		case dns.TypeMX:
			rr(q.Question[0].Name + " 300 IN MX 10 mx1." + q.Question[0].Name)
		case dns.TypeA:
			if strings.HasPrefix(name, "mx1.") {
				rr(q.Question[0].Name + " 300 IN A 198.51.100.25")
			}
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { r.answerSlow(); _ = srv.Shutdown() })
	return r
}

// TestEnrichProxiedNames runs without root: a spammer on loopback asks the
// SOCKS port for mail servers by name. The sensor resolves them through
// --resolver (MX, then the MX's address), never connects to them, and
// writes X-Dst-IP and X-Dst-Hostname: at once for a quick resolver; after
// holding the message while a slow one answers within --enrich-wait; as
// unknown when the resolver never answers, without failing the message.
func TestEnrichProxiedNames(t *testing.T) {
	r := startResolver(t)
	dir := t.TempDir()
	p := startProxySensor(t, dir, "--resolver", r.addr, "--dnsbl", "", "--enrich-wait", "30s")
	send := func(host string) {
		t.Helper()
		d, err := proxy.SOCKS5("tcp", p.socks, nil, &net.Dialer{Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		conn, err := d.Dial("tcp", host+":25")
		if err != nil {
			t.Fatal(err)
		}
		c, err := smtp.NewClient(conn, host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Mail("x@" + host); err != nil {
			t.Fatal(err)
		}
		if err := c.Rcpt("victim@" + host); err != nil {
			t.Fatal(err)
		}
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, "Subject: to %s\r\n\r\nbody\r\n", host)
		if err := w.Close(); err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		c.Quit()
	}
	send("victim.example")
	// The slow resolver answers only once released: the message waits for
	// it (and its 250 with it), then goes out complete.
	done := make(chan struct{})
	go func() { defer close(done); send("slow.example") }()
	select {
	case <-done:
		t.Fatal("the message to slow.example was acknowledged before its destination was resolved")
	case <-time.After(500 * time.Millisecond):
	}
	r.answerSlow()
	<-done
	send("never.example") // the first timeout: the wait is given up
	send("never.example") // the resolver now counts as down: no wait at all
	p.stop()

	entries, events := readSpool(t, dir)
	got := map[string][]string{}
	for _, e := range entries {
		from := e.Envelope.MailFrom
		got[from] = append(got[from], e.Envelope.DstIP+" "+e.Envelope.DstHostname)
	}
	for from, want := range map[string]string{
		"x@victim.example": "198.51.100.25 mx1.victim.example",
		"x@slow.example":   "198.51.100.25 mx1.slow.example",
		"x@never.example":  " never.example", // unknown reads back as ""; the name as asked
	} {
		if len(got[from]) == 0 {
			t.Errorf("%s: not captured", from)
		}
		for _, g := range got[from] {
			if g != want {
				t.Errorf("%s: X-Dst-IP, X-Dst-Hostname = %q, want %q", from, g, want)
			}
		}
	}
	if len(got["x@never.example"]) != 2 {
		t.Errorf("%d messages to never.example captured, want 2", len(got["x@never.example"]))
	}
	var dst []*spool.Enrichment
	for _, ev := range events {
		if ev.Dst != nil && ev.Dst.Hostname == "mx1.victim.example" {
			dst = append(dst, ev.Dst)
		}
	}
	if len(dst) != 1 || dst[0].IP != "198.51.100.25" {
		t.Errorf("the session event's destination: %+v", dst)
	}
}
