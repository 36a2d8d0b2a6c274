package socks

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/spampots/spampots/sensor/proxy"
)

// Outcome says how the handshake ended, for the event stream.
const (
	OutcomeConnect            = "connect"                  // Connect returned
	OutcomeBadVersion         = "bad-version"              // first byte neither 4 nor 5
	OutcomeNoMethod           = "no-acceptable-method"     // SOCKS5 reply 0xFF
	OutcomeUnsupportedCommand = "unsupported-command"      // BIND, UDP ASSOCIATE, unknown
	OutcomeUnsupportedAddress = "unsupported-address-type" // SOCKS5 REP 0x08
	OutcomeBadDomain          = "bad-domain"               // empty, control bytes, over MaxDomain
	OutcomeTooLong            = "too-long"                 // USERID, SOCKS4A name, UNAME, PASSWD over their limit
	OutcomeMalformed          = "malformed"                // wrong VER, RSV not zero
	OutcomeTimeout            = "timeout"                  // HandshakeTimeout passed
)

// Protocol constants. SOCKS4 is "SOCKS: A protocol for TCP proxy across
// firewalls" and SOCKS4A "SOCKS 4A: A Simple Extension to SOCKS 4 Protocol",
// both by Ying-Da Lee (https://www.openssh.com/txt/socks4.protocol,
// https://www.openssh.com/txt/socks4a.protocol).
const (
	version4 = 4
	version5 = 5

	// RFC 1928 §3 methods.
	methodNoAuth   = 0x00
	methodUserPass = 0x02
	methodNone     = 0xFF

	// RFC 1929 §2.
	userPassVersion = 0x01
	statusSuccess   = 0x00
	statusFailure   = 0x01

	// RFC 1928 §4 commands; SOCKS4 has the first two.
	cmdConnect      = 1
	cmdBind         = 2
	cmdUDPAssociate = 3

	// RFC 1928 §5 address types.
	atypIPv4   = 0x01
	atypDomain = 0x03
	atypIPv6   = 0x04

	// RFC 1928 §6 replies.
	repSucceeded          = 0x00
	repGeneralFailure     = 0x01
	repHostUnreachable    = 0x04
	repCommandUnsupported = 0x07
	repAddressUnsupported = 0x08

	// SOCKS4 replies: VN 0, then CD.
	cdGranted  = 90
	cdRejected = 91

	// SOCKS4 request header: VN CD DSTPORT(2) DSTIP(4).
	header4 = 8

	// maxMethods is how many offered SOCKS5 methods Summary keeps.
	maxMethods = 16

	// Ephemeral ports of a Linux proxy host: net.ipv4.ip_local_port_range.
	ephemeralLow  = 32768
	ephemeralHigh = 60999
)

// command is one request command of a protocol version; the tables are
// indexed by its code. Only CONNECT is served: the sensor never binds or
// relays datagrams.
type command struct {
	name string
	ok   bool
}

var (
	// RFC 1928 §4.
	commands5 = [...]command{cmdConnect: {"CONNECT", true}, cmdBind: {"BIND", false}, cmdUDPAssociate: {"UDP-ASSOCIATE", false}}
	// SOCKS4: CD 1 CONNECT, CD 2 BIND.
	commands4 = [...]command{cmdConnect: {"CONNECT", true}, cmdBind: {"BIND", false}}
)

func lookupCommand(table []command, code byte) command {
	if int(code) < len(table) {
		return table[code]
	}
	return command{}
}

type state uint8

const (
	stVersion   state = iota // nothing read yet
	st5Methods               // RFC 1928 §3 version identifier/method selection
	st5UserPass              // RFC 1929 §2 username/password request
	st5Request               // RFC 1928 §4 request
	st4Request               // SOCKS4 or SOCKS4A request
	stConnected              // Connect returned: the rest is the tunnel's
	stClosed                 // closed: nothing more is read
)

// Machine is the server side of one SOCKS handshake. It is not safe for
// concurrent use.
type Machine struct {
	cfg   Config
	local netip.Addr // the sensor's address as the client sees it, unmapped
	start time.Time
	st    state

	// what the client did, for Summary
	version  uint8
	proto    proxy.Proto
	methods  [maxMethods]byte
	nmethods int16 // methods offered; -1 before a negotiation was read
	method   int16 // method chosen; -1 before one was
	cmd      uint8
	hasReq   bool
	target   proxy.Target
	cred     proxy.Credential // at most one per handshake
	hasCred  bool
	outcome  string

	// per call: what finish turns into actions
	newCred bool
	connect bool
	closing bool
	out     []byte
	outBuf  [32]byte // the longest call writes 2 + 2 + 22 bytes
	acts    []proxy.Action
	sc      *Scratch
}

// Scratch holds the action list of the machines one caller drives one at
// a time (a sensor's event loop): a call's actions are valid until the next
// call into any of them, and an idle handshake holds none.
type Scratch struct {
	acts [3]proxy.Action // Auth, Write, Connect or Close
}

// Summary is what the handshake did, for the event stream.
type Summary struct {
	Version  int         // first byte when it was 4 or 5; else 0
	Proto    proxy.Proto // S4, S4a or S5; "" when the version was not SOCKS
	Methods  []byte      // SOCKS5 methods offered, in order, the first 16
	NMethods int         // SOCKS5 methods offered; -1 when no negotiation was read
	Method   int         // SOCKS5 method chosen (0x00, 0x02, 0xFF); -1 when none was
	Command  string      // CONNECT, BIND, UDP-ASSOCIATE or the code as 0xNN; "" before a whole request
	// Target is the destination of a whole request, granted or not. A
	// refused domain name is kept as sent, control bytes included.
	Target proxy.Target
	Creds  []proxy.Credential
	// Outcome is one of the Outcome constants once the machine connected
	// or closed; "" while the handshake is under way (the caller records a
	// client that hung up).
	Outcome string
}

// Sniff reports whether b, the first byte a client sent, begins a SOCKS
// handshake: 4 (SOCKS4, SOCKS4A) or 5 (RFC 1928 §3). An HTTP request begins
// with a method name, a letter, so a port serving both can dispatch on it.
func Sniff(b byte) bool { return b == version4 || b == version5 }

// New starts the server side of a handshake on a connection the client
// opened to local (the sensor's address and port as the client sees them)
// at now. cfg may be nil; zero fields take defaults, and the machine keeps a
// copy. SOCKS clients speak first, so the returned actions are empty.
func New(cfg *Config, local netip.AddrPort, now time.Time) (*Machine, []proxy.Action) {
	return NewShared(cfg, local, now, nil)
}

// NewShared is New with the action list in sc, shared with the other
// machines the caller drives one at a time (nil: the machine's own).
func NewShared(cfg *Config, local netip.AddrPort, now time.Time, sc *Scratch) (*Machine, []proxy.Action) {
	if sc == nil {
		sc = new(Scratch)
	}
	m := &Machine{
		sc:       sc,
		cfg:      cfg.withDefaults(),
		local:    local.Addr().Unmap().WithZone(""),
		start:    now,
		nmethods: -1,
		method:   -1,
	}
	m.reset()
	return m, nil
}

// Proto is the protocol the client speaks: SOCKS4, SOCKS4a (known once the
// request's DSTIP is read) or SOCKS5; "" before the first byte or when it
// was not SOCKS.
func (m *Machine) Proto() proxy.Proto { return m.proto }

// Closed reports whether the machine closed the connection.
func (m *Machine) Closed() bool { return m.st == stClosed }

// Deadline is when Timeout must next be called; the zero time once the
// machine connected or closed.
func (m *Machine) Deadline() time.Time {
	if m.st >= stConnected {
		return time.Time{}
	}
	return m.start.Add(m.cfg.HandshakeTimeout)
}

// Timeout closes the connection, without a reply, when the handshake has
// not completed by its deadline.
func (m *Machine) Timeout(now time.Time) []proxy.Action {
	m.reset()
	if m.st >= stConnected || now.Before(m.Deadline()) {
		return nil
	}
	m.close(OutcomeTimeout)
	return m.finish()
}

// Summary returns what the handshake did so far.
func (m *Machine) Summary() *Summary {
	s := &Summary{
		Version:  int(m.version),
		Proto:    m.proto,
		NMethods: int(m.nmethods),
		Method:   int(m.method),
		Outcome:  m.outcome,
	}
	if m.nmethods > 0 {
		s.Methods = append([]byte(nil), m.methods[:min(int(m.nmethods), maxMethods)]...)
	}
	if m.hasReq {
		table := commands5[:]
		if m.version == version4 {
			table = commands4[:]
		}
		s.Command = lookupCommand(table, m.cmd).name
		if s.Command == "" {
			s.Command = "0x" + strconv.FormatUint(uint64(m.cmd)|0x100, 16)[1:]
		}
		s.Target = m.target
	}
	if m.hasCred {
		s.Creds = []proxy.Credential{m.cred}
	}
	return s
}

// Feed processes what the client sent and returns how much of it was
// consumed; the caller keeps the rest and offers it again with more input.
// A unit of the handshake (method selection, subnegotiation, request) is
// consumed only once it is whole, so Feed works on any split of the input.
// It consumes nothing past the request that leads to Connect, and nothing
// at all once the machine connected or closed. Input that arrives after the
// handshake deadline is not read: the machine times out instead.
func (m *Machine) Feed(in []byte, now time.Time) (int, []proxy.Action) {
	m.reset()
	if m.st >= stConnected || len(in) == 0 {
		return 0, nil
	}
	if !now.Before(m.Deadline()) {
		m.close(OutcomeTimeout)
		return 0, m.finish()
	}
	if m.st == stVersion {
		m.detect(in[0])
	}
	i := 0
	for i < len(in) && m.st < stConnected {
		var n int
		switch m.st {
		case st5Methods:
			n = m.methodSelection(in[i:])
		case st5UserPass:
			n = m.userPass(in[i:])
		case st5Request:
			n = m.request5(in[i:])
		case st4Request:
			n = m.request4(in[i:])
		}
		if n == 0 {
			break
		}
		i += n
	}
	return i, m.finish()
}

// detect picks the protocol from the first byte. Anything but 4 or 5 is
// closed without a reply: there is no reply format both versions share, and
// HTTP was dispatched by the caller before (see Sniff).
func (m *Machine) detect(b byte) {
	switch b {
	case version4:
		m.version, m.proto, m.st = version4, proxy.SOCKS4, st4Request
	case version5:
		m.version, m.proto, m.st = version5, proxy.SOCKS5, st5Methods
	default:
		m.close(OutcomeBadVersion)
	}
}

// reset empties the per-call buffers: what a call returns is valid until the
// next call.
func (m *Machine) reset() {
	m.out = m.outBuf[:0]
	m.acts = m.sc.acts[:0]
}

// finish turns what the call gathered into actions (proxy.Batch), in the
// order the caller applies them: record the credential, write the replies,
// then hand over the connection or close it.
func (m *Machine) finish() []proxy.Action {
	b := proxy.Batch{Out: m.out, Connect: m.connect, Target: m.target, Proto: m.proto, Close: m.closing}
	if m.newCred {
		b.Cred = &m.cred
	}
	m.newCred, m.connect, m.closing = false, false, false
	return b.Actions(&m.acts)
}

func (m *Machine) close(outcome string) {
	m.st = stClosed
	m.closing = true
	if m.outcome == "" {
		m.outcome = outcome
	}
}

func (m *Machine) connected() {
	m.st = stConnected
	m.connect = true
	m.outcome = OutcomeConnect
}

// setCred records the one credential a handshake offers. Every offer is
// accepted.
func (m *Machine) setCred(mech string, user, password []byte) {
	m.cred = proxy.Credential{Mech: mech, User: string(user), Password: string(password)}
	m.hasCred = true
	m.newCred = true
}

// request records a whole request, whatever is then answered.
func (m *Machine) request(cmd byte, t proxy.Target) {
	m.cmd = cmd
	m.target = t
	m.hasReq = true
}

// validDomain reports whether name may be a destination: 1 to MaxDomain
// octets and no control byte. RFC 1928 §5 carries a fully-qualified domain
// name without a terminating NUL, SOCKS4A a NUL-terminated one; RFC 1035
// §2.3.1 names are letters, digits, hyphens and dots. Bots send underscores
// and raw UTF-8, which are kept as sent, but a control byte (NUL, CR, LF...)
// names no host any resolver would find, and must not reach the
// X-Dst-Hostname header of a captured message.
func (m *Machine) validDomain(name []byte) bool {
	if len(name) == 0 || len(name) > m.cfg.MaxDomain {
		return false
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// boundPort is the BND.PORT of a granted CONNECT: the local port a proxy's
// kernel would have picked for its connection to the target. Like RFC 6056
// §3.3.3's hash-based selection (Linux uses the double-hash variant of
// §3.3.4), it hashes the connection's endpoints with a secret, here the
// session's start time, into Linux's default ephemeral range: deterministic
// for given inputs, different between sessions.
func (m *Machine) boundPort() uint16 {
	h := uint32(2166136261) // FNV-1a
	add := func(b byte) {
		h ^= uint32(b)
		h *= 16777619
	}
	l := m.local.As16()
	for _, b := range l {
		add(b)
	}
	if m.target.IP.IsValid() {
		a := m.target.IP.As16()
		for _, b := range a {
			add(b)
		}
	}
	for i := 0; i < len(m.target.Host); i++ {
		add(m.target.Host[i])
	}
	add(byte(m.target.Port >> 8))
	add(byte(m.target.Port))
	t := uint64(m.start.UnixNano())
	for i := range 8 {
		add(byte(t >> (8 * i)))
	}
	return uint16(ephemeralLow + h%(ephemeralHigh-ephemeralLow+1))
}
