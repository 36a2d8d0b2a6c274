package relay

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
)

// smarthost is a real SMTP server (go-smtp) on loopback that keeps what
// it receives.
type smarthost struct {
	mu   sync.Mutex
	got  []received
	addr netip.AddrPort
	cond chan struct{}
}

type received struct {
	from  string
	rcpts []string
	data  string
}

type session struct {
	h *smarthost
	r received
}

func (h *smarthost) NewSession(*gosmtp.Conn) (gosmtp.Session, error) { return &session{h: h}, nil }
func (s *session) Mail(f string, _ *gosmtp.MailOptions) error        { s.r.from = f; return nil }
func (s *session) Rcpt(t string, _ *gosmtp.RcptOptions) error {
	s.r.rcpts = append(s.r.rcpts, t)
	return nil
}
func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.r.data = string(b)
	s.h.mu.Lock()
	s.h.got = append(s.h.got, s.r)
	s.h.mu.Unlock()
	s.h.cond <- struct{}{}
	return err
}

func startSmarthost(t *testing.T) *smarthost {
	h := &smarthost{cond: make(chan struct{}, 100)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := gosmtp.NewServer(h)
	s.Domain = "smarthost.test"
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Close() })
	h.addr = ln.Addr().(*net.TCPAddr).AddrPort()
	return h
}

func (h *smarthost) wait(t *testing.T, n int) []received {
	t.Helper()
	for range n {
		select {
		case <-h.cond:
		case <-time.After(20 * time.Second):
			t.Fatalf("smarthost got %d of %d messages", len(h.got), n)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]received(nil), h.got...)
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func TestDeliversWithinLimits(t *testing.T) {
	h := startSmarthost(t)
	r, err := New(Config{Smarthost: h.addr, Helo: "sensor.test", PerSource: 2, Global: 3}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("192.0.2.3")
	data := []byte("Subject: test 203.0.113.5\r\n\r\nbody\r\n.starts with a dot\r\n")
	offer := func(src netip.Addr, at time.Time) error {
		return r.Offer(&Message{Session: "S1", Src: src, From: "", Rcpts: []string{"spammer@box.example"}, Data: data}, at)
	}
	for i, tc := range []struct {
		src  netip.Addr
		at   time.Duration
		want error
	}{
		{a, 0, nil},
		{a, time.Minute, nil},
		{a, 2 * time.Minute, ErrSourceLimit},
		{b, 3 * time.Minute, nil},
		{c, 4 * time.Minute, ErrGlobalLimit},
		{a, 61 * time.Minute, nil}, // a's first offer left the window, and the global one's too
	} {
		if err := offer(tc.src, t0.Add(tc.at)); !errors.Is(err, tc.want) {
			t.Fatalf("offer %d: %v, want %v", i, err, tc.want)
		}
	}
	got := h.wait(t, 4)
	for _, g := range got {
		if g.from != "" || len(g.rcpts) != 1 || g.rcpts[0] != "spammer@box.example" || g.data != string(data) {
			t.Errorf("smarthost got %+v", g)
		}
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := r.Stats(); s.Offered.Load() != 6 || s.Refused.Load() != 2 || s.Delivered.Load() != 4 || s.Failed.Load() != 0 {
		t.Errorf("stats offered %d refused %d delivered %d failed %d", s.Offered.Load(), s.Refused.Load(), s.Delivered.Load(), s.Failed.Load())
	}
	if err := offer(a, t0.Add(5*time.Hour)); !errors.Is(err, ErrClosed) {
		t.Errorf("offer after close: %v", err)
	}
}

func TestQueueBoundAndSilentSmarthost(t *testing.T) {
	// A smarthost that accepts and never greets: the worker is stuck in
	// its first delivery until the timeout, so the queue fills.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	r, err := New(Config{Smarthost: ln.Addr().(*net.TCPAddr).AddrPort(), Queue: 1, PerSource: 100, Global: 100, Timeout: time.Second}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	offer := func(i int) error {
		return r.Offer(&Message{Src: netip.MustParseAddr("192.0.2.1"), Rcpts: []string{"x@y"}}, t0.Add(time.Duration(i)))
	}
	if err := offer(0); err != nil {
		t.Fatal(err)
	}
	c := <-accepted // the worker holds message 0
	defer c.Close()
	if err := offer(1); err != nil {
		t.Fatalf("queue of 1 refused its first message: %v", err)
	}
	if err := offer(2); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("third offer: %v, want %v", err, ErrQueueFull)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := r.Stats(); s.Failed.Load() != 2 || s.Refused.Load() != 1 {
		t.Errorf("failed %d refused %d, want 2 and 1 (both deliveries time out)", s.Failed.Load(), s.Refused.Load())
	}
}

func TestConfig(t *testing.T) {
	if err := (&Config{}).Validate(); err == nil {
		t.Error("no smarthost accepted")
	}
	if err := (&Config{Smarthost: netip.MustParseAddrPort("192.0.2.1:25"), PerSource: -1}).Validate(); err == nil {
		t.Error("negative limit accepted")
	}
}
