package sensor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/spampots/spampots/enrich"
	"github.com/spampots/spampots/fingerprint"
	"github.com/spampots/spampots/sensor/httpproxy"
	"github.com/spampots/spampots/sensor/proxy"
	"github.com/spampots/spampots/sensor/relay"
	"github.com/spampots/spampots/sensor/smtp"
	"github.com/spampots/spampots/sensor/socks"
	"github.com/spampots/spampots/sensor/testmsg"
	"github.com/spampots/spampots/sensor/web"
	"github.com/spampots/spampots/spool"
	"github.com/spampots/spampots/spool/mbox"
)

// Spool is where captured messages and connection events go. *spool.Writer
// implements it. Both methods must not block: a full queue returns an error
// at once and the session answers a tempfail.
type Spool interface {
	// Message makes a message durable and then calls done (from any
	// goroutine, without blocking) with nil, or with why it failed.
	Message(e *mbox.Envelope, msg []byte, done func(error)) error
	// Event records one connection.
	Event(ev *spool.Event) error
}

// Server is the sensor's network side: one gnet engine serving every
// listener, one protocol machine per connection.
type Server struct {
	gnet.BuiltinEventEngine

	cfg   Config
	spool Spool
	log   *slog.Logger
	now   func() time.Time

	protoByPort map[int]string
	scratches   sync.Map // gnet.EventLoop → *loopScratch: one per loop
	mxConfigs   sync.Map // host name → *smtp.Config of an emulated mail server
	mxCount     atomic.Int64
	wheel       *wheel[*session]
	due         []*session // OnTick scratch

	eng      gnet.Engine
	ready    chan struct{}
	draining atomic.Bool

	mu       sync.Mutex
	sessions map[*session]struct{}
	drained  chan struct{} // closed when draining and no session is left

	tests *testmsg.Classifier // nil when no message is classified

	stats Stats
}

// Stats are the server's counters, read with atomic loads.
type Stats struct {
	Sessions     atomic.Int64 // open now
	Accepted     atomic.Int64 // connections accepted in all
	Messages     atomic.Int64 // messages acknowledged with 250
	TempFails    atomic.Int64 // messages answered 451/452
	TestMessages atomic.Int64 // messages classified as spammers' tests
	EventsLost   atomic.Int64 // connection events the spool refused
	Overflows    atomic.Int64 // sessions closed for buffering too much
	RefusedDrain atomic.Int64 // connections refused while shutting down
	BytesIn      atomic.Int64 // bytes received, counted when a session ends
	BytesOut     atomic.Int64 // bytes sent, counted when a session ends

	// Ports has the counters of each listening port; the map is fixed
	// at New, its values are updated atomically.
	Ports map[int]*PortStats
}

// PortStats are one listening port's counters (the slides' per-port
// statistics: connections, emails, bytes).
type PortStats struct {
	Proto       string
	Connections atomic.Int64
	Messages    atomic.Int64
	BytesIn     atomic.Int64
}

// session is one connection. Only its event loop touches it, except for
// the atomics, which the spool writer and the ticker set.
//
// A session runs one machine at a time: the SMTP machine on an SMTP port;
// on a proxy port the proxy's handshake (socks, httpproxy) and, after a
// Connect, the emulated destination (the SMTP machine again, the web
// server, or a sink).
type session struct {
	c        gnet.Conn
	m        *smtp.Machine // the SMTP machine, when one runs
	pm       tunnelMachine // the proxy handshake or a non-SMTP destination
	id       string
	proto    string // the listener's protocol
	start    time.Time
	src, dst netip.AddrPort
	port     *PortStats // nil if the local port is not a listener's (cannot happen)
	bytesIn  int64
	bytesOut int64
	outcome  string

	// A proxied session: what the client asked for, and how.
	via    proxy.Proto
	target proxy.Target
	dest   string // smtp, web, sink

	// Enrichment of the client and of a proxy destination; nil without an
	// enricher. Their answers may come after the session ended: lateWanted
	// says the event went out without them, lateSent that they followed.
	srcInfo, dstInfo *enrich.Lookup
	lateWanted       atomic.Bool
	lateSent         atomic.Bool

	x *sessionExtra // what few sessions need, made on first use

	result  atomic.Int32 // smtp.Result from the spool, or noResult
	inWheel atomic.Bool
	closed  atomic.Bool
	cut     atomic.Bool // the grace period is over: end the session
}

// sessionExtra is the part of a session that most sessions never need: an
// idle session holds none of it (10,000 of them: a megabyte less).
type sessionExtra struct {
	creds     []spool.Credential
	reqs      []spool.HTTPRequest
	tests     []spool.TestMessage
	held      *smtp.Message // a message waiting for lookups (Config.EnrichWait)
	holdUntil time.Time
	os        *spool.OS // the client's OS, from its SYN (Config.Capture), once found
}

// extra returns ss's sessionExtra, made now if need be.
func (ss *session) extra() *sessionExtra {
	if ss.x == nil {
		ss.x = new(sessionExtra)
	}
	return ss.x
}

// heldMsg is the message waiting for lookups, or nil.
func (ss *session) heldMsg() *smtp.Message {
	if ss.x == nil {
		return nil
	}
	return ss.x.held
}

// tunnelMachine is what the proxy machines and the non-SMTP destinations
// have in common.
type tunnelMachine interface {
	Feed(in []byte, now time.Time) (int, []proxy.Action)
	Timeout(now time.Time) []proxy.Action
	Deadline() time.Time
	Closed() bool
}

const noResult = -1

// New makes a server; Run starts it.
func New(cfg Config, sp Spool, log *slog.Logger) (*Server, error) {
	cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Server{
		cfg:         cfg,
		spool:       sp,
		log:         log,
		now:         time.Now,
		protoByPort: map[int]string{},
		ready:       make(chan struct{}),
		sessions:    map[*session]struct{}{},
		drained:     make(chan struct{}),
	}
	for _, l := range cfg.Listen {
		p := l.Port()
		if old, ok := s.protoByPort[p]; ok && old != l.Proto {
			return nil, fmt.Errorf("port %d serves both %s and %s", p, old, l.Proto)
		}
		s.protoByPort[p] = l.Proto
	}
	s.stats.Ports = make(map[int]*PortStats, len(s.protoByPort))
	for p, proto := range s.protoByPort {
		s.stats.Ports[p] = &PortStats{Proto: proto}
	}
	tc := cfg.TestMsg
	tc.Names = append(append([]string(nil), tc.Names...), cfg.SMTP.Hostname)
	s.tests = testmsg.New(tc)
	s.wheel = newWheel[*session](4096, time.Second, s.now())
	return s, nil
}

// Stats returns the live counters.
func (s *Server) Stats() *Stats { return &s.stats }

// Ready is closed once every listener accepts connections.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Run serves until Shutdown; it returns when the engine has stopped.
func (s *Server) Run() error {
	addrs := make([]string, len(s.cfg.Listen))
	for i, l := range s.cfg.Listen {
		addrs[i] = "tcp://" + l.Addr
	}
	loops := s.cfg.Loops
	opts := []gnet.Option{
		gnet.WithMulticore(loops == 0),
		gnet.WithTicker(true),
		// Each loop accepts on its own SO_REUSEPORT listener: no hand-off from
		// a reactor goroutine per connection (a third of the CPU per message
		// on one core). Only a process of the same user may share the port.
		gnet.WithReusePort(true),
		gnet.WithReuseAddr(true),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithLogger(gnetLogger{s.log}),
	}
	if loops > 0 {
		opts = append(opts, gnet.WithNumEventLoop(loops))
	}
	return gnet.Rotate(s, addrs, opts...)
}

// Shutdown stops taking sessions (new connections get 421), lets open ones
// finish for the grace period, cuts the rest with 421, and stops the engine.
// Messages already handed to the spool are committed by the spool's Close,
// which the caller runs afterwards.
func (s *Server) Shutdown(ctx context.Context) error {
	select {
	case <-s.ready:
	default:
		return errors.New("sensor not running")
	}
	if s.draining.Swap(true) {
		return errors.New("already shutting down")
	}
	s.log.Info("draining: new sessions get 421", "open", s.stats.Sessions.Load(), "grace", s.cfg.Grace)
	s.mu.Lock()
	s.checkDrained()
	s.mu.Unlock()
	grace := time.NewTimer(s.cfg.Grace)
	defer grace.Stop()
	select {
	case <-s.drained:
	case <-grace.C:
		s.mu.Lock()
		for ss := range s.sessions {
			ss.cut.Store(true)
			_ = ss.c.Wake(nil)
		}
		s.mu.Unlock()
		select {
		case <-s.drained:
		case <-ctx.Done():
		}
	case <-ctx.Done():
	}
	return s.eng.Stop(ctx)
}

func (s *Server) checkDrained() {
	if s.draining.Load() && len(s.sessions) == 0 {
		select {
		case <-s.drained:
		default:
			close(s.drained)
		}
	}
}

// OnBoot implements gnet.EventHandler.
func (s *Server) OnBoot(eng gnet.Engine) gnet.Action {
	s.eng = eng
	for _, l := range s.cfg.Listen {
		s.log.Info("listening", "proto", l.Proto, "addr", l.Addr)
	}
	close(s.ready)
	return gnet.None
}

// OnOpen implements gnet.EventHandler: a machine per connection, kept in the
// connection's context (never on the server: one parser per connection).
func (s *Server) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	now := s.now()
	if s.draining.Load() {
		s.stats.RefusedDrain.Add(1)
		if s.protoByPort[localPort(c)] != "smtp" {
			return nil, gnet.Close
		}
		return []byte("421 4.3.2 " + s.cfg.SMTP.Hostname + " Service shutting down\r\n"), gnet.Close
	}
	ss := &session{c: c, id: newSessionID(), start: now}
	ss.result.Store(noResult)
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		ss.src = unmap(a.AddrPort())
	}
	if a, ok := c.LocalAddr().(*net.TCPAddr); ok {
		ss.dst = unmap(a.AddrPort())
	}
	ss.proto = s.protoByPort[int(ss.dst.Port())]
	ss.port = s.stats.Ports[int(ss.dst.Port())]
	if ss.port != nil {
		ss.port.Connections.Add(1)
	}
	if e := s.cfg.Enrich; e != nil && e.DNS() != nil {
		// The DNS takes time: ask now. Without it the databases answer
		// at once, when a message or the event needs them (sourceInfo):
		// an idle session holds nothing.
		ss.srcInfo = e.Source(ss.src.Addr(), func() { s.answered(ss) })
	}
	var out []byte
	switch ss.proto {
	case "smtp":
		var acts []smtp.Action
		ss.m, acts = smtp.New(&s.cfg.SMTP, ss.id, now, &s.scratch(c).smtp)
		for _, a := range acts {
			if a.Kind == smtp.Write {
				out = append(out, a.Data...)
			}
		}
	case "socks":
		ss.pm, _ = socks.NewShared(&s.cfg.SOCKS, ss.dst, now, &s.scratch(ss.c).socks)
	case "http":
		// The first byte says SOCKS or HTTP: nothing runs until it comes.
	}
	ss.bytesOut += int64(len(out))
	c.SetContext(ss)
	s.mu.Lock()
	s.sessions[ss] = struct{}{}
	s.mu.Unlock()
	s.stats.Sessions.Add(1)
	s.stats.Accepted.Add(1)
	s.schedule(ss)
	return out, gnet.None
}

// loopScratch is what the machines of one event loop share: the loop
// drives them one at a time and applies each call's actions before the
// next, so an idle session holds no reply buffer or action list.
type loopScratch struct {
	smtp  smtp.Scratch
	socks socks.Scratch
	http  httpproxy.Scratch
}

// scratch returns c's event loop's loopScratch.
func (s *Server) scratch(c gnet.Conn) *loopScratch {
	loop := c.EventLoop()
	if sc, ok := s.scratches.Load(loop); ok {
		return sc.(*loopScratch)
	}
	sc, _ := s.scratches.LoadOrStore(loop, &loopScratch{})
	return sc.(*loopScratch)
}

func localPort(c gnet.Conn) int {
	if a, ok := c.LocalAddr().(*net.TCPAddr); ok {
		return a.Port
	}
	return 0
}

func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// newSessionID returns 12 upper-case hex digits, like a Postfix long queue
// ID's first part: random, so IDs never repeat across restarts.
func newSessionID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

func (s *Server) schedule(ss *session) {
	if !ss.inWheel.Swap(true) {
		s.wheel.add(ss, ss.deadline())
	}
}

// sniffTimeout bounds the wait for a proxy client's first byte.
const sniffTimeout = 30 * time.Second

func (ss *session) deadline() time.Time {
	switch {
	case ss.m != nil:
		return ss.m.Deadline()
	case ss.pm != nil:
		return ss.pm.Deadline()
	}
	return ss.start.Add(sniffTimeout)
}

// OnTraffic implements gnet.EventHandler: it also runs when the spool
// commits a message or the ticker fires (Conn.Wake). Peek, feed, discard,
// apply; nothing here blocks.
func (s *Server) OnTraffic(c gnet.Conn) gnet.Action {
	ss, _ := c.Context().(*session)
	if ss == nil || ss.closed.Load() {
		return gnet.Close
	}
	now := s.now()
	if r := ss.result.Swap(noResult); r != noResult && ss.m != nil {
		if ss.apply(s, ss.m.Committed(smtp.Result(r), now), now) {
			return gnet.Close
		}
	}
	if msg := ss.heldMsg(); msg != nil && (lookupsReady(ss) || !now.Before(ss.x.holdUntil) || !s.resolverUp()) {
		ss.x.held = nil
		if ss.deliverNow(s, msg, now) {
			return gnet.Close
		}
	}
	if ss.cut.Load() && (ss.m == nil || !ss.m.Waiting()) {
		if ss.m != nil {
			ss.write([]byte("421 4.3.2 " + ss.m.Hostname() + " Service shutting down\r\n"))
		}
		ss.outcome = "shutdown"
		return gnet.Close
	}
	if !now.Before(ss.deadline()) {
		if ss.timeout(s, now) {
			return gnet.Close
		}
	}
	for ss.m == nil || !ss.m.Waiting() && !ss.m.Closed() {
		buf, _ := c.Peek(-1)
		if len(buf) == 0 {
			break
		}
		if ss.m == nil && ss.pm == nil {
			ss.sniff(s, buf[0], now)
		}
		var n int
		var done bool
		if ss.m != nil {
			var acts []smtp.Action
			n, acts = ss.m.Feed(buf, now)
			_, _ = c.Discard(n)
			ss.bytesIn += int64(n)
			done = ss.apply(s, acts, now)
		} else {
			var acts []proxy.Action
			n, acts = ss.pm.Feed(buf, now)
			_, _ = c.Discard(n)
			ss.bytesIn += int64(n)
			done = ss.applyProxy(s, acts, now)
		}
		if done {
			return gnet.Close
		}
		if n == 0 {
			break
		}
	}
	if c.InboundBuffered() > s.cfg.MaxPending || c.OutboundBuffered() > s.cfg.MaxPending {
		s.stats.Overflows.Add(1)
		ss.outcome = "overflow"
		return gnet.Close
	}
	s.schedule(ss)
	return gnet.None
}

// timeout lets the running machine act on its deadline; it reports
// whether to close.
func (ss *session) timeout(s *Server, now time.Time) bool {
	switch {
	case ss.m != nil:
		return ss.apply(s, ss.m.Timeout(now), now)
	case ss.pm != nil:
		return ss.applyProxy(s, ss.pm.Timeout(now), now)
	}
	ss.outcome = smtp.OutcomeIdleTimeout
	return true
}

// sniff starts the machine an http port's first byte asks for: real
// multi-protocol proxies answer SOCKS on their HTTP port too.
func (ss *session) sniff(s *Server, first byte, now time.Time) {
	if socks.Sniff(first) {
		ss.pm, _ = socks.NewShared(&s.cfg.SOCKS, ss.dst, now, &s.scratch(ss.c).socks)
		return
	}
	ss.pm, _ = httpproxy.NewShared(&s.cfg.HTTP, ss.dst, ss.src, now, &s.scratch(ss.c).http)
}

func (ss *session) write(b []byte) {
	_, _ = ss.c.Write(b)
	ss.bytesOut += int64(len(b))
}

// apply carries out the machine's actions; it reports whether to close.
func (ss *session) apply(s *Server, acts []smtp.Action, now time.Time) bool {
	for _, a := range acts {
		switch a.Kind {
		case smtp.Write:
			ss.write(a.Data)
		case smtp.Close:
			return true
		case smtp.Deliver:
			if s.cfg.EnrichWait > 0 && !lookupsReady(ss) && s.resolverUp() {
				// Hold the message (the machine waits, reading nothing) until
				// the lookups answer or the wait is over: its headers are
				// written once, with what is known then.
				x := ss.extra()
				x.held, x.holdUntil = a.Msg, now.Add(s.cfg.EnrichWait)
				s.wheel.add(ss, x.holdUntil)
				continue
			}
			if ss.deliverNow(s, a.Msg, now) {
				return true
			}
		case smtp.Auth:
			// kept in the machine's summary, written with the event
		}
	}
	return false
}

// deliverNow hands msg to the spool; if the spool refuses it at once the
// client gets a tempfail. It reports whether to close.
func (ss *session) deliverNow(s *Server, msg *smtp.Message, now time.Time) bool {
	if s.deliver(ss, msg) != nil {
		s.stats.TempFails.Add(1)
		return ss.apply(s, ss.m.Committed(smtp.TempFail, now), now)
	}
	return false
}

// applyProxy carries out a proxy machine's or a destination's actions; it
// reports whether to close.
func (ss *session) applyProxy(s *Server, acts []proxy.Action, now time.Time) bool {
	for _, a := range acts {
		switch a.Kind {
		case proxy.Write:
			ss.write(a.Data)
		case proxy.Close:
			return true
		case proxy.Auth:
			if x := ss.extra(); len(x.creds) < maxRecorded {
				x.creds = append(x.creds, spool.Credential{Mech: a.Cred.Mech, User: a.Cred.User, Password: a.Cred.Password})
			}
		case proxy.Request:
			if x := ss.extra(); len(x.reqs) < maxRecorded {
				x.reqs = append(x.reqs, httpRequest(a.Req))
			}
		case proxy.Connect:
			return ss.connect(s, a.Target, a.Proto, now)
		}
	}
	return false
}

// maxRecorded bounds the credentials and requests an event keeps.
const maxRecorded = 16

func httpRequest(r *proxy.HTTPRequest) spool.HTTPRequest {
	h := spool.HTTPRequest{Method: r.Method, URL: r.URL, UserAgent: r.UserAgent, Status: r.Status, BodyLen: r.BodyLen, Body: r.Body}
	for _, f := range r.Headers {
		h.Headers = append(h.Headers, [2]string{f.Name, f.Value})
	}
	return h
}

// The emulated destinations, by the port a proxy client asked for. Port
// 465 (SMTP over TLS) and every other port get the sink: the sensor has no
// certificate to offer.
var smtpPorts = map[uint16]bool{25: true, 587: true, 2525: true}
var webPorts = map[uint16]bool{80: true, 8080: true}

// connect hands the session to the destination the proxy client asked for:
// nothing is dialled, the sensor plays it.
func (ss *session) connect(s *Server, t proxy.Target, via proxy.Proto, now time.Time) bool {
	ss.via, ss.target = via, t
	ss.pm = nil
	if e := s.cfg.Enrich; e != nil && e.DNS() != nil {
		s.destInfo(ss, func() { s.answered(ss) }) // the DNS takes time: ask now
	}
	switch {
	case smtpPorts[t.Port]:
		ss.dest = "smtp"
		var acts []smtp.Action
		ss.m, acts = smtp.New(s.mxConfig(mxName(t, s.cfg.SMTP.Hostname)), ss.id, now, &s.scratch(ss.c).smtp)
		return ss.apply(s, acts, now)
	case webPorts[t.Port]:
		ss.dest = "web"
		w, acts := web.New(&s.cfg.Web, t.String(), now)
		w.SetPeer(ss.dst)
		ss.pm = w
		return ss.applyProxy(s, acts, now)
	default:
		ss.dest = "sink"
		ss.pm = newSink(now)
		return false
	}
}

// mxConfig returns the SMTP configuration of an emulated mail server
// named host. Spammers aim at few mail servers (the big providers' MXes),
// so configurations are shared, up to maxMXConfigs names; past that each
// session gets its own.
func (s *Server) mxConfig(host string) *smtp.Config {
	if host == s.cfg.SMTP.Hostname {
		return &s.cfg.SMTP
	}
	if c, ok := s.mxConfigs.Load(host); ok {
		return c.(*smtp.Config)
	}
	c := s.cfg.SMTP
	c.Hostname = host
	if s.mxCount.Load() >= maxMXConfigs {
		return &c
	}
	got, loaded := s.mxConfigs.LoadOrStore(host, &c)
	if !loaded {
		s.mxCount.Add(1)
	}
	return got.(*smtp.Config)
}

const maxMXConfigs = 4096

// mxName is the host name an emulated mail server gives in its banner:
// the name the client asked for, as a real MX would, when it is a
// plausible host name; else the sensor's own.
func mxName(t proxy.Target, def string) string {
	h := strings.TrimSuffix(t.Host, ".")
	if h == "" || len(h) > 253 {
		return def
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
			return def
		}
	}
	return h
}

// deliver hands a message to the spool. The 250 is sent only once the
// spool reports it durable: done stores the result and wakes the
// connection's event loop.
func (s *Server) deliver(ss *session, msg *smtp.Message) error {
	from := msg.MailFrom
	if from == "" {
		from = mbox.NullSender
	}
	env := &mbox.Envelope{
		SensorID:      s.cfg.ID,
		SensorTime:    msg.Received.UTC(),
		SessionID:     ss.id,
		SensorDstport: int(ss.dst.Port()),
		SrcProto:      "SMTP",
		SrcIP:         ss.src.Addr().String(),
		SrcPort:       int(ss.src.Port()),
		DstIP:         ss.dst.Addr().String(),
		DstHostname:   s.cfg.SMTP.Hostname,
		DstDstport:    int(ss.dst.Port()),
		SMTPProto:     msg.Proto,
		Ehlo:          msg.Helo,
		MailFrom:      from,
		RcptTo:        msg.Rcpts,
	}
	if ss.via != "" {
		env.SrcProto = string(ss.via)
		env.DstIP, env.DstHostname = "", ss.target.Host
		if ss.target.IP.IsValid() {
			env.DstIP = ss.target.IP.Unmap().String()
		}
		env.DstDstport = int(ss.target.Port)
	}
	if o := s.srcOS(ss); o != nil {
		env.SrcOS = o.Label
	}
	if s.sourceInfo(ss) != nil {
		// What is known now, and not a moment later: capture never waits
		// for the DNS. Late answers go to the event stream.
		v := ss.srcInfo.Values()
		env.SrcHostname, env.SrcASN, env.SrcRIR, env.SrcCC, env.SrcDnsbl = v.Hostname, v.ASN, v.RIR, v.CC, v.DNSBL
		if d := s.destInfo(ss, nil); d != nil {
			v = d.Values()
			env.DstIP, env.DstHostname = v.IP, v.Hostname
		} else { // the sensor itself is the mail server
			v = s.self(ss.dst.Addr())
		}
		env.DstASN, env.DstRIR, env.DstCC = v.ASN, v.RIR, v.CC
	}
	test := false
	if s.tests != nil {
		var why string
		test, why = s.tests.Classify(&testmsg.Message{Src: ss.src.Addr(), Local: ss.dst.Addr(), Port: ss.dst.Port(),
			Rcpts: len(msg.Rcpts), Data: msg.Data}, msg.Received)
		if test {
			s.stats.TestMessages.Add(1)
			if x := ss.extra(); len(x.tests) < maxRecorded {
				x.tests = append(x.tests, spool.TestMessage{QueueID: msg.QueueID, Reason: why, Relay: s.cfg.Relay != nil})
			}
		}
	}
	return s.spool.Message(env, msg.Data, func(err error) {
		r := smtp.Queued
		switch {
		case errors.Is(err, spool.ErrDiskFull):
			r = smtp.NoSpace
		case err != nil:
			r = smtp.TempFail
		}
		if r == smtp.Queued {
			s.stats.Messages.Add(1)
			if ss.port != nil {
				ss.port.Messages.Add(1)
			}
			if test && s.cfg.Relay != nil {
				// Only once it is durable: a test message is captured like any other.
				_ = s.cfg.Relay.Offer(&relay.Message{Session: ss.id, Src: ss.src.Addr(), From: msg.MailFrom, Rcpts: msg.Rcpts, Data: msg.Data}, msg.Received)
			}
		} else {
			s.stats.TempFails.Add(1)
		}
		ss.result.Store(int32(r))
		_ = ss.c.Wake(nil)
	})
}

// answered is called, from a resolver goroutine, when a lookup of ss's
// has its answers: an open session is woken (nothing to do but to be
// ready for the next message); a closed one whose event went out without
// them gets a late event with them.
func (s *Server) answered(ss *session) {
	if !ss.closed.Load() {
		_ = ss.c.Wake(nil)
		return
	}
	s.lateEnrichment(ss)
}

// lateEnrichment writes, once, the event that completes a closed
// session's enrichment, when every lookup has its answers.
func (s *Server) lateEnrichment(ss *session) {
	if !ss.lateWanted.Load() || !lookupsReady(ss) || ss.lateSent.Swap(true) {
		return
	}
	ev := &spool.Event{Kind: "enrichment", Start: ss.start.UTC(), End: s.now().UTC(), Sensor: s.cfg.ID, Session: ss.id,
		SrcIP: ss.src.Addr().String(), SrcPort: int(ss.src.Port()), Src: enrichment(ss.srcInfo), Dst: enrichment(ss.dstInfo)}
	if err := s.spool.Event(ev); err != nil {
		s.stats.EventsLost.Add(1)
	}
}

// resolverUp says whether waiting for the DNS is worth it: not once the
// resolver has let a query time out with no answer since. A dead resolver
// then costs a session nothing.
func (s *Server) resolverUp() bool {
	d := s.cfg.Enrich.DNS()
	return d == nil || d.Answering()
}

// srcOS is the client's operating system as its SYN shows it; nil without
// a capture or while no SYN is recorded. It is looked up at each message
// until found, and at the end: XDP has the record at accept, AF_PACKET
// hands records over in blocks up to a few milliseconds after the SYN, so
// a client quicker than that gets "unknown" in its first message's header
// (and in its session event, if the whole session was that quick).
func (s *Server) srcOS(ss *session) *spool.OS {
	if s.cfg.Capture == nil {
		return nil
	}
	if ss.x != nil && ss.x.os != nil {
		return ss.x.os
	}
	var r fingerprint.Record
	if !s.cfg.Capture.Lookup(ss.src, ss.dst, &r) {
		return nil
	}
	m := s.cfg.Signatures.Match(&r)
	o := &spool.OS{Label: m.Label, Sig: r.Signature(), Dist: m.Dist, Generic: m.Generic, Fuzzy: m.Fuzzy, App: m.App}
	if m.Label == "" {
		o.Label = "???" // a SYN no signature knows, as p0f says
	}
	ss.extra().os = o
	return o
}

// sourceInfo returns the enrichment of ss's client, started now if it was
// not at accept; nil without an enricher.
func (s *Server) sourceInfo(ss *session) *enrich.Lookup {
	if ss.srcInfo == nil && s.cfg.Enrich != nil {
		ss.srcInfo = s.cfg.Enrich.Source(ss.src.Addr(), nil)
	}
	return ss.srcInfo
}

// destInfo returns the enrichment of the destination a proxy client asked
// for, started now if it was not at the Connect; nil for a session that is
// not proxied, or without an enricher.
func (s *Server) destInfo(ss *session, done func()) *enrich.Lookup {
	e := s.cfg.Enrich
	if ss.dstInfo != nil || ss.via == "" || e == nil {
		return ss.dstInfo
	}
	if t := ss.target; t.IP.IsValid() {
		ss.dstInfo = e.Destination(t.IP, done)
	} else {
		ss.dstInfo = e.DestinationName(t.Host, int(t.Port), done)
	}
	return ss.dstInfo
}

func lookupsReady(ss *session) bool {
	return (ss.srcInfo == nil || ss.srcInfo.Ready()) && (ss.dstInfo == nil || ss.dstInfo.Ready())
}

func enrichment(l *enrich.Lookup) *spool.Enrichment {
	if l == nil {
		return nil
	}
	v := l.Values()
	return &spool.Enrichment{IP: v.IP, Hostname: v.Hostname, ASN: v.ASN, RIR: v.RIR, CC: v.CC, DNSBL: v.DNSBL}
}

// self is the enrichment of the sensor's own address (the databases only:
// the sensor asks no one about itself).
func (s *Server) self(a netip.Addr) enrich.Values {
	info := s.cfg.Enrich.DB().Lookup(a.Unmap())
	return enrich.Values{IP: a.String(), Hostname: s.cfg.SMTP.Hostname, ASN: enrich.FormatASN(info), RIR: enrich.FormatRIR(info), CC: enrich.FormatCC(info)}
}

// pmOutcome is how the proxy machine or destination running now ended
// the session, if it did.
func (ss *session) pmOutcome() string {
	switch m := ss.pm.(type) {
	case *socks.Machine:
		return m.Summary().Outcome
	case *httpproxy.Machine:
		return m.Summary().Outcome
	case *web.Machine:
		return m.Summary().Outcome
	case *sink:
		if m.closed {
			return "sink-closed"
		}
	}
	return ""
}

// OnClose implements gnet.EventHandler: one event line per connection.
func (s *Server) OnClose(c gnet.Conn, err error) gnet.Action {
	ss, _ := c.Context().(*session)
	if ss == nil || ss.closed.Swap(true) {
		return gnet.None
	}
	now := s.now()
	if msg := ss.heldMsg(); msg != nil {
		// The client left while its message waited for the lookups: it was
		// received whole, so it is kept (unacknowledged, it may come again).
		if s.deliver(ss, msg) != nil {
			s.stats.TempFails.Add(1)
		}
		ss.x.held = nil
	}
	var sum smtp.Summary
	if ss.m != nil {
		sum = *ss.m.Summary()
	}
	outcome := ss.outcome
	switch {
	case outcome != "":
	case sum.Outcome != "":
		outcome = sum.Outcome
	case ss.pmOutcome() != "":
		outcome = ss.pmOutcome()
	case err != nil:
		outcome = "peer-reset"
	default:
		outcome = "peer-closed"
	}
	proto := strings.ToUpper(ss.proto)
	if ss.via != "" {
		proto = string(ss.via)
	}
	var x sessionExtra
	if ss.x != nil {
		x = *ss.x
	}
	ev := &spool.Event{
		Start:      ss.start.UTC(),
		End:        now.UTC(),
		Sensor:     s.cfg.ID,
		Session:    ss.id,
		Proto:      proto,
		SrcIP:      ss.src.Addr().String(),
		SrcPort:    int(ss.src.Port()),
		SensorIP:   ss.dst.Addr().String(),
		SensorPort: int(ss.dst.Port()),
		BytesIn:    ss.bytesIn + int64(c.InboundBuffered()),
		BytesOut:   ss.bytesOut,
		DurationMS: now.Sub(ss.start).Milliseconds(),
		Outcome:    outcome,
		SMTPProto:  sum.Proto,
		Ehlo:       sum.Helo,
		Messages:   sum.Messages,
		Recipients: sum.Recipients,
		Rejected:   sum.Rejected,
		Commands:   sum.CommandCounts(),
		Errors:     sum.Errors,
		BareLF:     sum.BareLF,
		Auth:       x.creds,
		Dest:       ss.dest,
		HTTP:       x.reqs,
		Tests:      x.tests,
	}
	if ss.via != "" {
		ev.Target = ss.target.String()
	}
	if k, ok := ss.pm.(*sink); ok {
		ev.TunnelBytes, ev.TunnelHead = k.total, k.sample
	}
	ev.Src, ev.Dst = enrichment(s.sourceInfo(ss)), enrichment(s.destInfo(ss, nil))
	ev.OS = s.srcOS(ss)
	late := !lookupsReady(ss)
	for _, cr := range sum.Creds {
		ev.Auth = append(ev.Auth, spool.Credential{Mech: cr.Mech, Authzid: cr.Authzid, User: cr.User,
			Password: cr.Password, Challenge: cr.Challenge, Response: cr.Response})
	}
	s.stats.BytesIn.Add(ev.BytesIn)
	s.stats.BytesOut.Add(ev.BytesOut)
	if ss.port != nil {
		ss.port.BytesIn.Add(ev.BytesIn)
	}
	if err := s.spool.Event(ev); err != nil {
		s.stats.EventsLost.Add(1)
		s.log.Warn("connection event not spooled", "session", ss.id, "err", err)
	}
	ss.m, ss.pm, ss.x = nil, nil, nil // the wheel may hold the session a while: keep it small
	if late {
		// The answers that are still coming follow in an event of their
		// own; they may have come since the check above.
		ss.lateWanted.Store(true)
		s.lateEnrichment(ss)
	}
	s.mu.Lock()
	delete(s.sessions, ss)
	s.checkDrained()
	s.mu.Unlock()
	s.stats.Sessions.Add(-1)
	return gnet.None
}

// OnTick implements gnet.EventHandler: it drives the timer wheel. Expired
// sessions are woken on their own event loop, which checks the deadline.
func (s *Server) OnTick() (time.Duration, gnet.Action) {
	s.due = s.wheel.expire(s.now(), s.due[:0])
	for _, ss := range s.due {
		ss.inWheel.Store(false)
		if !ss.closed.Load() {
			_ = ss.c.Wake(nil)
		}
	}
	clear(s.due)
	return 250 * time.Millisecond, gnet.None
}

// gnetLogger routes gnet's own logging to slog.
type gnetLogger struct{ l *slog.Logger }

func (g gnetLogger) Debugf(f string, a ...any) { g.l.Debug(fmt.Sprintf(f, a...), "src", "gnet") }
func (g gnetLogger) Infof(f string, a ...any)  { g.l.Debug(fmt.Sprintf(f, a...), "src", "gnet") }
func (g gnetLogger) Warnf(f string, a ...any)  { g.l.Warn(fmt.Sprintf(f, a...), "src", "gnet") }
func (g gnetLogger) Errorf(f string, a ...any) { g.l.Error(fmt.Sprintf(f, a...), "src", "gnet") }
func (g gnetLogger) Fatalf(f string, a ...any) { g.l.Error(fmt.Sprintf(f, a...), "src", "gnet") }
