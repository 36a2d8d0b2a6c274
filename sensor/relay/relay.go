// Package relay delivers a spammer's test messages, and nothing else,
// through the one smarthost a partner configured (the slides' spamtstd).
//
// A sensor that never lets a test message through is soon dropped by the
// spammers' checkers; one that delivers spam is part of the problem. The
// sensor classifies each captured message (sensor/testmsg); when the policy
// is relay, the test messages are offered here. Relay takes an offer only
// within its rate limits (per source and in total, over a sliding window)
// and its bounded queue, copies the message, and a single worker delivers it
// over SMTP to the smarthost, an IP literal, so that not even a DNS query
// leaves the sensor for it. Every decision is logged and counted. Nothing
// else in the sensor dials out for mail.
package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/smtp"
	"sync"
	"sync/atomic"
	"time"
)

// Config is the relay's smarthost and limits.
type Config struct {
	// Smarthost is ip:port of the only server test messages go to.
	Smarthost netip.AddrPort
	// Helo is the name the relay gives in EHLO.
	Helo string
	// PerSource and Global bound the messages taken per source IP and in
	// total within Window (defaults 3 and 45 an hour).
	PerSource int
	Global    int
	Window    time.Duration
	// Queue bounds the messages waiting for the worker (default 64).
	Queue int
	// Timeout bounds one delivery, connection to QUIT (default 60 s).
	Timeout time.Duration
	// MaxSources bounds the sources whose recent offers are remembered.
	MaxSources int
}

// Validate reports every problem at once.
func (c *Config) Validate() error {
	var errs []error
	if !c.Smarthost.IsValid() || c.Smarthost.Port() == 0 {
		errs = append(errs, errors.New("relay smarthost: want ip:port (an IP literal: the sensor resolves nothing)"))
	}
	if c.PerSource < 0 || c.Global < 0 || c.Queue < 0 || c.Window < 0 || c.Timeout < 0 {
		errs = append(errs, errors.New("relay limits must not be negative"))
	}
	return errors.Join(errs...)
}

func (c *Config) withDefaults() {
	if c.Helo == "" {
		c.Helo = "localhost"
	}
	if c.PerSource == 0 {
		c.PerSource = 3
	}
	if c.Global == 0 {
		c.Global = 45
	}
	if c.Window == 0 {
		c.Window = time.Hour
	}
	if c.Queue == 0 {
		c.Queue = 64
	}
	if c.Timeout == 0 {
		c.Timeout = time.Minute
	}
	if c.MaxSources == 0 {
		c.MaxSources = 1 << 14
	}
}

// Message is one test message to deliver.
type Message struct {
	Session string // X-Session-Id, for the log
	Src     netip.Addr
	From    string // reverse-path, "" for <>
	Rcpts   []string
	Data    []byte
}

// Why an offer was refused.
var (
	ErrSourceLimit = errors.New("per-source rate limit")
	ErrGlobalLimit = errors.New("global rate limit")
	ErrQueueFull   = errors.New("relay queue full")
	ErrClosed      = errors.New("relay closed")
)

// Stats are the relay's counters.
type Stats struct {
	Offered, Refused, Delivered, Failed atomic.Int64
}

// Relay takes offers and delivers them in the background.
type Relay struct {
	cfg  Config
	log  *slog.Logger
	dial func(ctx context.Context, network, addr string) (net.Conn, error)

	mu      sync.Mutex
	closed  bool
	global  []time.Time                // offers taken within the window, oldest first
	sources map[netip.Addr][]time.Time // same, per source

	queue chan *Message
	done  chan struct{}
	stats Stats
}

// New makes a relay and starts its worker; Close stops it.
func New(cfg Config, log *slog.Logger) (*Relay, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.withDefaults()
	if log == nil {
		log = slog.Default()
	}
	d := &net.Dialer{Timeout: cfg.Timeout}
	r := &Relay{cfg: cfg, log: log, dial: d.DialContext, sources: map[netip.Addr][]time.Time{},
		queue: make(chan *Message, cfg.Queue), done: make(chan struct{})}
	go r.work()
	return r, nil
}

// Stats returns the live counters.
func (r *Relay) Stats() *Stats { return &r.stats }

// Offer asks for m to be delivered; it never blocks. It copies what it
// keeps. A nil error means m was queued.
func (r *Relay) Offer(m *Message, now time.Time) error {
	r.stats.Offered.Add(1)
	err := r.take(m, now)
	if err != nil {
		r.stats.Refused.Add(1)
		r.log.Info("test message not relayed", "session", m.Session, "src", m.Src, "reason", err)
	}
	return err
}

func (r *Relay) take(m *Message, now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	cut := now.Add(-r.cfg.Window)
	r.global = recent(r.global, cut)
	src := r.sources[m.Src]
	src = recent(src, cut)
	if len(src) == 0 {
		delete(r.sources, m.Src)
	}
	switch {
	case len(src) >= r.cfg.PerSource:
		r.sources[m.Src] = src
		return ErrSourceLimit
	case len(r.global) >= r.cfg.Global:
		return ErrGlobalLimit
	}
	c := &Message{Session: m.Session, Src: m.Src, From: m.From,
		Rcpts: append([]string(nil), m.Rcpts...), Data: append([]byte(nil), m.Data...)}
	select {
	case r.queue <- c:
	default:
		return ErrQueueFull
	}
	if len(r.sources) >= r.cfg.MaxSources {
		r.prune(cut)
	}
	r.sources[m.Src] = append(src, now)
	r.global = append(r.global, now)
	return nil
}

// prune forgets sources with no offer in the window, and if that is not
// enough, any: a forgotten source can only be refused less, never more,
// and the global limit still holds.
func (r *Relay) prune(cut time.Time) {
	for a, ts := range r.sources {
		if len(recent(ts, cut)) == 0 {
			delete(r.sources, a)
		}
	}
	for a := range r.sources {
		if len(r.sources) < r.cfg.MaxSources {
			break
		}
		delete(r.sources, a)
	}
}

func recent(ts []time.Time, cut time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(cut) {
		i++
	}
	return ts[i:]
}

// Close stops taking offers, lets the worker finish the queue within ctx,
// and returns.
func (r *Relay) Close(ctx context.Context) error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.queue)
	}
	r.mu.Unlock()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Relay) work() {
	defer close(r.done)
	for m := range r.queue {
		if err := r.deliver(m); err != nil {
			r.stats.Failed.Add(1)
			r.log.Warn("test message relay failed", "session", m.Session, "src", m.Src, "smarthost", r.cfg.Smarthost, "err", err)
			continue
		}
		r.stats.Delivered.Add(1)
		r.log.Info("test message relayed", "session", m.Session, "src", m.Src, "rcpts", len(m.Rcpts), "smarthost", r.cfg.Smarthost)
	}
}

// deliver sends m to the smarthost in one SMTP session.
func (r *Relay) deliver(m *Message) error {
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.Timeout)
	defer cancel()
	conn, err := r.dial(ctx, "tcp", r.cfg.Smarthost.String())
	if err != nil {
		return err
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, r.cfg.Smarthost.Addr().String())
	if err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	if err := c.Hello(r.cfg.Helo); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if err := c.Mail(m.From); err != nil {
		return fmt.Errorf("MAIL: %w", err)
	}
	for _, rc := range m.Rcpts {
		if err := c.Rcpt(rc); err != nil {
			return fmt.Errorf("RCPT: %w", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(m.Data); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end of DATA: %w", err)
	}
	return c.Quit()
}
