package web

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/spampots/spampots/sensor/proxy"
)

// Outcome says why a connection ended, for the event stream.
const (
	OutcomeClose       = "close"        // the client asked to close (or spoke HTTP/1.0)
	OutcomeIdleTimeout = "idle-timeout" // nothing came for Config.IdleTimeout
	OutcomeBadRequest  = "bad-request"  // a malformed or over-limit request
	OutcomeMaxRequests = "max-requests" // Config.MaxRequests were served
)

type state uint8

const (
	stOpen   state = iota // reading requests
	stClosed              // the connection is over; nothing more is read
)

// Machine is one connection to the emulated web server. It is not safe for
// concurrent use.
type Machine struct {
	cfg     *Config
	def     proxy.Target // the host the client asked the proxy for
	defAuth string       // as given
	peer    netip.AddrPort
	last    time.Time
	st      state
	closing bool
	p       Parser
	out     []byte
	acts    []proxy.Action
	req     *proxy.HTTPRequest // answered in this call
	sum     Summary
}

// Summary is what the connection did, for the event stream.
type Summary struct {
	Requests  int    // requests answered
	Errors    int    // malformed or over-limit requests (answered, then closed)
	BodyBytes int64  // request body bytes received, all of them
	UserAgent string // the first request's User-Agent
	Outcome   string // set when the machine closed the connection
}

// New starts a connection to the emulated server for host, the name (or
// address, with or without ":port") the client asked its proxy for; it is
// the default when a request carries no Host. Nothing is sent first: an
// HTTP server waits for the request. cfg must stay unchanged while machines
// use it; nil or zero fields mean the defaults.
func New(cfg *Config, host string, now time.Time) (*Machine, []proxy.Action) {
	m := &Machine{cfg: cfg, last: now}
	m.p.Init(cfg)
	if t, ok := ParseAuthority(host, 80); ok {
		m.def, m.defAuth = t, host
	}
	return m, nil
}

// SetPeer sets the address the server sees the client connect from, which
// judge pages show as REMOTE_ADDR: the proxy's (the sensor's own address)
// when the client came through one. Config.PublicAddr, when set, wins.
func (m *Machine) SetPeer(p netip.AddrPort) { m.peer = p }

// Closed reports whether the machine ended the connection.
func (m *Machine) Closed() bool { return m.st == stClosed }

// Deadline is when Timeout must next be called; zero once closed.
func (m *Machine) Deadline() time.Time {
	if m.st == stClosed {
		return time.Time{}
	}
	return m.last.Add(m.cfg.idleTimeout())
}

// Summary returns what the connection did so far.
func (m *Machine) Summary() *Summary {
	s := m.sum
	return &s
}

// Timeout closes an idle connection, as nginx does when keepalive_timeout
// (between requests) or client_header_timeout and client_body_timeout
// (within one) run out: without a word.
func (m *Machine) Timeout(now time.Time) []proxy.Action {
	m.reset()
	if m.st == stClosed || now.Before(m.last.Add(m.cfg.idleTimeout())) {
		return nil
	}
	m.close(OutcomeIdleTimeout)
	return m.finish()
}

// Feed reads what the client sent and returns how much of it was consumed;
// the caller keeps the rest and offers it again with more input. One call
// answers at most one request: with pipelined requests, call again with
// what is left for as long as something is consumed.
func (m *Machine) Feed(in []byte, now time.Time) (int, []proxy.Action) {
	m.reset()
	if m.st == stClosed {
		return 0, nil
	}
	if len(in) > 0 {
		m.last = now
	}
	n := 0
	for {
		k, step := m.p.Feed(in[n:])
		n += k
		switch step {
		case NeedMore:
			return n, m.finish()
		case Failed:
			m.fail(m.p.Problem(), now)
			return n, m.finish()
		case HeadDone:
			if !m.head(now) {
				return len(in), m.finish()
			}
		case Done:
			m.respond(now)
			return n, m.finish()
		}
	}
}

// head checks what the parser leaves to the server, and sends the interim
// 100 (Continue) a client waits for before its body (RFC 9110 §10.1.1).
// It returns false when the request was refused.
func (m *Machine) head(now time.Time) bool {
	r := m.p.Request()
	switch {
	case r.Form == AuthorityForm, r.Form == AsteriskForm && r.Method != "OPTIONS":
		m.fail(BadRequestLine, now)
		return false
	case r.Form != AbsoluteForm && (r.HostFields > 1 || r.HostFields == 0 && r.Minor >= 1):
		// RFC 9112 §3.2: exactly one Host in HTTP/1.1.
		m.fail(BadHost, now)
		return false
	}
	if r.Host == "" && m.defAuth != "" {
		// No Host (HTTP/1.0): the site is the one the proxy was asked for.
		r.Host, r.Addr, r.Port, r.Authority = m.def.Name(), m.def.IP, m.def.Port, m.defAuth
	}
	if r.Continue && r.Minor >= 1 && r.HasBody() {
		m.out = append(m.out, "HTTP/1.1 100 Continue\r\n\r\n"...)
	}
	return true
}

// respond answers the complete request.
func (m *Machine) respond(now time.Time) {
	r := m.p.Request()
	m.sum.Requests++
	m.sum.BodyBytes += r.BodyLen
	if m.sum.Requests == 1 {
		m.sum.UserAgent = r.UserAgent
	}
	outcome := ""
	switch {
	case r.Close || !r.KeepAlive(false):
		outcome = OutcomeClose
	case m.sum.Requests >= m.cfg.maxRequests():
		outcome = OutcomeMaxRequests
	}
	r.Close = outcome != ""
	var status int
	m.out, status = m.cfg.Respond(m.out, r, m.peer, now)
	m.req = &proxy.HTTPRequest{
		Method:    r.Method,
		URL:       r.Target,
		Target:    m.target(r),
		UserAgent: r.UserAgent,
		Headers:   slices.Clone(r.Headers),
		Body:      r.Body,
		BodyLen:   r.BodyLen,
		Status:    status,
	}
	if outcome != "" {
		m.close(outcome)
	}
	m.p.Next()
}

// target is the host and port a request was for: its Host (or absolute
// URI), with the port the client asked its proxy for when Host has none.
func (m *Machine) target(r *Request) proxy.Target {
	if r.Host == "" {
		return m.def
	}
	t := proxy.Target{IP: r.Addr, Port: r.Port}
	if !r.Addr.IsValid() {
		t.Host = r.Host
	}
	if !hasPort(r.Authority) && m.def.Port != 0 {
		t.Port = m.def.Port
	}
	return t
}

func hasPort(authority string) bool {
	return strings.LastIndexByte(authority, ':') > strings.LastIndexByte(authority, ']')
}

// fail answers a request that cannot be served with nginx's error page,
// and closes: after a framing error the stream cannot be trusted.
func (m *Machine) fail(p Problem, now time.Time) {
	title := ""
	if p == HeadersTooLarge {
		title = "Request Header Or Cookie Too Large" // nginx's 400 for it
	}
	m.out = m.cfg.errorPage(m.out, p.Status(), title, now)
	m.sum.Errors++
	m.close(OutcomeBadRequest)
}

func (m *Machine) close(outcome string) {
	m.st = stClosed
	m.closing = true
	if m.sum.Outcome == "" {
		m.sum.Outcome = outcome
	}
}

// reset empties the buffers at the start of a call (proxy.ReuseOut lets go
// of one a big answer grew).
func (m *Machine) reset() {
	m.out = proxy.ReuseOut(m.out)
	m.req = nil
}

// finish turns what the call produced into the action list (proxy.Batch):
// the request record, the reply, then the close.
func (m *Machine) finish() []proxy.Action {
	b := proxy.Batch{Req: m.req, Out: m.out, Close: m.closing}
	m.closing = false
	return b.Actions(&m.acts)
}
