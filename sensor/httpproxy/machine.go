package httpproxy

import (
	"encoding/base64"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/spampots/spampots/sensor/proxy"
	"github.com/spampots/spampots/sensor/web"
)

// Outcome says why a connection ended, for the event stream.
const (
	OutcomeConnect     = "connect"      // handed to a destination (CONNECT, or a raw port)
	OutcomeClose       = "close"        // the client asked to close (or spoke HTTP/1.0)
	OutcomeIdleTimeout = "idle-timeout" // nothing came for Config.IdleTimeout
	OutcomeBadRequest  = "bad-request"  // malformed, over a limit, or not a proxy request
	OutcomeMaxRequests = "max-requests" // Config.MaxRequests were served
)

type state uint8

const (
	stOpen      state = iota // reading requests
	stConnected              // handed to a destination; nothing more is read
	stClosed                 // the connection is over
)

// Machine is one client connection to the HTTP proxy. It is not safe for
// concurrent use.
type Machine struct {
	cfg           *Config
	local, client netip.AddrPort
	last          time.Time
	st            state
	closing       bool
	p             web.Parser
	out           []byte
	acts          *[]proxy.Action // this call's actions: in the Scratch, or the machine's own
	fwd           []proxy.Header  // the fields an origin receives, reused
	target        proxy.Target    // of the request being read

	// produced by this call, in action order
	cred    *proxy.Credential
	req     *proxy.HTTPRequest
	connect bool

	sum Summary
}

// Summary is what the connection did, for the event stream.
type Summary struct {
	Requests  int                // requests answered, by the origin or the proxy
	Errors    int                // requests refused or malformed
	BodyBytes int64              // request body bytes received, all of them
	UserAgent string             // the first request's User-Agent
	Creds     []proxy.Credential // distinct Proxy-Authorization credentials
	// Target is the destination of the Connect that ended the session;
	// Raw says it came from an absolute-URI request to a raw port.
	Target    proxy.Target
	Connected bool
	Raw       bool
	Outcome   string // set when the machine ended the session
}

// New starts a session for a client that connected from client to the
// proxy's local address. Nothing is sent first: the proxy waits for the
// request. cfg must stay unchanged while machines use it; zero fields mean
// the defaults.
func New(cfg *Config, local, client netip.AddrPort, now time.Time) (*Machine, []proxy.Action) {
	return NewShared(cfg, local, client, now, nil)
}

// Scratch holds the action list of the machines one caller drives one at
// a time (a sensor's event loop): a call's actions are valid until the next
// call into any of them, and an idle connection holds none.
type Scratch struct{ acts []proxy.Action }

// NewShared is New with the action list in sc, shared with the other
// machines the caller drives one at a time (nil: the machine's own).
func NewShared(cfg *Config, local, client netip.AddrPort, now time.Time, sc *Scratch) (*Machine, []proxy.Action) {
	if sc == nil {
		sc = new(Scratch)
	}
	m := &Machine{cfg: cfg, local: local, client: client, last: now, acts: &sc.acts}
	m.p.Init(&cfg.Web)
	return m, nil
}

// Closed reports whether the machine closed the connection.
func (m *Machine) Closed() bool { return m.st == stClosed }

// Connected reports whether the machine handed the connection to a
// destination; it consumes nothing from then on.
func (m *Machine) Connected() bool { return m.st == stConnected }

// Deadline is when Timeout must next be called; zero once the session is
// closed or connected.
func (m *Machine) Deadline() time.Time {
	if m.st != stOpen {
		return time.Time{}
	}
	return m.last.Add(m.cfg.idleTimeout())
}

// Summary returns what the session did so far.
func (m *Machine) Summary() *Summary {
	s := m.sum
	return &s
}

// Timeout closes an idle connection without a word, as squid does when
// client_idle_pconn_timeout or request_timeout runs out.
func (m *Machine) Timeout(now time.Time) []proxy.Action {
	m.reset()
	if m.st != stOpen || now.Before(m.last.Add(m.cfg.idleTimeout())) {
		return nil
	}
	m.close(OutcomeIdleTimeout)
	return m.finish()
}

// Feed reads what the client sent and returns how much of it was consumed;
// the caller keeps the rest and offers it again with more input. One call
// answers at most one request: with pipelined requests, call again with
// what is left for as long as something is consumed. After a Connect the
// bytes after the consumed ones are the tunnel's, and Feed consumes
// nothing more.
func (m *Machine) Feed(in []byte, now time.Time) (int, []proxy.Action) {
	m.reset()
	if m.st != stOpen {
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
		case web.NeedMore:
			return n, m.finish()
		case web.Failed:
			m.fail(m.p.Problem(), now)
			return n, m.finish()
		case web.HeadDone:
			if m.head(now) {
				if m.st == stConnected {
					return n, m.finish() // up to the end of the head, not a byte more
				}
				return len(in), m.finish()
			}
		case web.Done:
			m.respond(now)
			return n, m.finish()
		}
	}
}

// head acts on a complete request head; it returns true when the request
// is settled (tunnelled or refused) without reading a body.
func (m *Machine) head(now time.Time) bool {
	r := m.p.Request()
	m.auth(r.ProxyAuth)
	if m.sum.Requests == 0 && m.sum.Errors == 0 {
		m.sum.UserAgent = r.UserAgent
	}
	m.target = proxy.Target{IP: r.Addr, Port: r.Port}
	if !r.Addr.IsValid() {
		m.target.Host = r.Host
	}
	switch r.Form {
	case web.AuthorityForm:
		// RFC 9110 §9.3.6. Squid's answer, byte for byte; no Proxy-agent.
		m.out = append(m.out, "HTTP/1.1 200 Connection established\r\n\r\n"...)
		m.tunnel(false)
		return true
	case web.AbsoluteForm:
	default:
		// An origin-form request sent to the proxy itself: squid, not
		// being an accelerator, cannot tell where it should go.
		m.refuse(r, 400, errInvalidURL, now)
		return true
	}
	switch {
	case !strings.EqualFold(r.Scheme, "http") && !strings.EqualFold(r.Scheme, "https"):
		m.refuse(r, 400, errUnsupReq, now)
		return true
	case !forwardable(r.Method):
		m.refuse(r, 405, errUnsupReq, now)
		return true
	case m.cfg.rawPort(r.Port):
		// A proxy that relays "POST http://mx:25/" opens the connection
		// and passes the body on; the SMTP server's banner and replies
		// come back raw, with no status line from the proxy.
		m.tunnel(true)
		return true
	}
	if r.Continue && r.Minor >= 1 && r.HasBody() {
		m.out = append(m.out, "HTTP/1.1 100 Continue\r\n\r\n"...)
	}
	return false
}

// forwardable reports whether the proxy forwards a method (RFC 9110 §9.3,
// RFC 5789). TRACE, WebDAV and unknown methods are refused.
func forwardable(method string) bool {
	switch method {
	case "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH":
		return true
	}
	return false
}

// tunnel hands the connection to the request's destination.
func (m *Machine) tunnel(raw bool) {
	m.st = stConnected
	m.connect = true
	m.sum.Target, m.sum.Connected, m.sum.Raw = m.target, true, raw
	m.sum.Outcome = OutcomeConnect
}

// respond answers an absolute-URI request as its origin would, through the
// proxy.
func (m *Machine) respond(now time.Time) {
	r := m.p.Request()
	m.sum.Requests++
	m.sum.BodyBytes += r.BodyLen
	outcome := ""
	switch {
	case r.Close || !r.KeepAlive(true):
		outcome = OutcomeClose
	case m.sum.Requests >= m.cfg.maxRequests():
		outcome = OutcomeMaxRequests
	}
	r.Close = outcome != ""
	// The origin sees the request as an elite proxy forwards it: from the
	// proxy's address, no Via or X-Forwarded-For, no Proxy-* fields, Host
	// from the URI (RFC 9112 §3.2.2).
	all := r.Headers
	r.Headers = m.forwarded(r)
	var status int
	m.out, status = m.cfg.Web.Respond(m.out, r, netip.AddrPortFrom(m.local.Addr(), 0), now)
	r.Headers = all
	m.record(r, status)
	if outcome != "" {
		m.close(outcome)
	}
	m.p.Next()
}

// forwarded is r's header section as the proxy passes it on.
func (m *Machine) forwarded(r *web.Request) []proxy.Header {
	f := append(m.fwd[:0], proxy.Header{Name: "Host", Value: r.Authority})
	for _, h := range r.Headers {
		if len(h.Name) >= 6 && strings.EqualFold(h.Name[:6], "proxy-") || strings.EqualFold(h.Name, "Host") {
			continue
		}
		f = append(f, h)
	}
	m.fwd = f
	return f
}

// record keeps the answered request for the event stream.
func (m *Machine) record(r *web.Request, status int) {
	m.req = &proxy.HTTPRequest{
		Method:    r.Method,
		URL:       r.Target,
		Target:    m.target,
		UserAgent: r.UserAgent,
		Headers:   slices.Clone(r.Headers),
		Body:      r.Body,
		BodyLen:   r.BodyLen,
		Status:    status,
	}
}

// refuse answers a complete head with one of the proxy's own error pages
// and closes.
func (m *Machine) refuse(r *web.Request, status int, e squidError, now time.Time) {
	m.sum.Requests++
	m.sum.Errors++
	m.out = m.cfg.errorPage(m.out, status, e, r.Target, now)
	m.record(r, status)
	m.close(OutcomeBadRequest)
}

// fail answers a request that could not be parsed, and closes.
func (m *Machine) fail(p web.Problem, now time.Time) {
	status, e := p.Status(), errInvalidReq
	switch p {
	case web.LineTooLong:
		e = errTooBig
	case web.HeadersTooLarge:
		status, e = 431, errTooBig // RFC 6585 §5
	case web.BadURL, web.BadHost:
		e = errInvalidURL
	case web.BadVersion:
		e = errUnsupVersion
	case web.UnknownCoding:
		e = errUnsupReq
	}
	m.sum.Errors++
	m.out = m.cfg.errorPage(m.out, status, e, "", now)
	m.close(OutcomeBadRequest)
}

// auth records a Proxy-Authorization credential (RFC 9110 §11.7.2); every
// one is accepted. Basic (RFC 7617) is decoded; a token that does not
// decode is kept as the user name. Other schemes keep their parameters as
// the password, unparsed.
func (m *Machine) auth(v string) {
	if v == "" {
		return
	}
	scheme, param, _ := strings.Cut(v, " ")
	param = strings.TrimLeft(param, " ")
	c := proxy.Credential{Mech: "basic"}
	if strings.EqualFold(scheme, "Basic") {
		b, err := base64.StdEncoding.DecodeString(param)
		if err != nil {
			b, err = base64.RawStdEncoding.DecodeString(param)
		}
		if err != nil {
			c.User = param
		} else {
			c.User, c.Password, _ = strings.Cut(string(b), ":")
		}
	} else {
		c.Mech, c.Password = strings.ToLower(scheme), param
	}
	if n := len(m.sum.Creds); n > 0 && m.sum.Creds[n-1] == c {
		return // a keep-alive client repeats it with every request
	}
	m.sum.Creds = append(m.sum.Creds, c)
	m.cred = &m.sum.Creds[len(m.sum.Creds)-1]
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
	m.cred, m.req, m.connect = nil, nil, false
}

// finish turns what the call produced into the action list (proxy.Batch):
// credential, request record, reply, then the hand-over or the close.
func (m *Machine) finish() []proxy.Action {
	b := proxy.Batch{Req: m.req, Out: m.out, Connect: m.connect, Target: m.sum.Target, Proto: proxy.HTTP, Close: m.closing}
	if m.cred != nil {
		c := *m.cred
		b.Cred = &c
	}
	m.closing = false
	return b.Actions(m.acts)
}
