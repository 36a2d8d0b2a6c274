// Package proxy holds what the sensor's open-proxy machines (sensor/socks,
// sensor/httpproxy) have in common: the destination a client asks for, the
// credentials it offers, and the actions a machine returns, in the order
// Batch lists one call's (sensor/web's emulated origin returns them too).
//
// A proxy machine is pure, like sensor/smtp's: bytes in, actions out; no
// connection, clock or goroutine. It never dials anything. When the client's
// request names a destination, the machine writes the proxy's success reply
// and returns a Connect action; from then on the connection belongs to the
// emulated destination the caller picks by port (an SMTP server, a web
// server, a sink). Feed never consumes a byte past the end of the request that
// led to Connect: those bytes are the tunnel's.
package proxy

import (
	"net/netip"
	"strconv"
)

// Proto is the proxy protocol a client spoke, as written in X-Src-Proto.
type Proto string

const (
	HTTP    Proto = "HTTP" // HTTP CONNECT or absolute-URI request
	SOCKS4  Proto = "S4"
	SOCKS4a Proto = "S4a"
	SOCKS5  Proto = "S5"
)

// Target is a destination a client asked for: a literal address, or a
// domain name that nothing resolves here (the enrichment layer may, later,
// through its resolver; nothing ever connects to it).
type Target struct {
	IP   netip.Addr // valid when the client gave an address
	Host string     // the domain name when the client gave one
	Port uint16
}

// Name is the host as the client gave it: the domain name, else the address.
func (t Target) Name() string {
	if t.Host != "" {
		return t.Host
	}
	if t.IP.IsValid() {
		return t.IP.String()
	}
	return ""
}

// String is host:port, with brackets around an IPv6 address.
func (t Target) String() string {
	if t.Host == "" && t.IP.Is6() {
		return "[" + t.IP.String() + "]:" + strconv.Itoa(int(t.Port))
	}
	return t.Name() + ":" + strconv.Itoa(int(t.Port))
}

// Credential is what a client offered to authenticate to the proxy (SOCKS5
// username/password, RFC 1929; SOCKS4 userid; HTTP Proxy-Authorization
// Basic). Every offer is accepted.
type Credential struct {
	Mech     string // "socks5-userpass", "socks4-userid", "basic"
	User     string
	Password string
}

// Kind says what an Action asks the caller to do.
type Kind uint8

const (
	// Write sends Action.Data to the client. Data is valid until the next
	// call into the machine.
	Write Kind = iota + 1
	// Close closes the connection after the preceding writes are flushed.
	Close
	// Connect hands the connection to the emulated Action.Target. The
	// success reply was in the preceding Write; the bytes after the consumed
	// ones belong to the destination. The machine consumes nothing more.
	Connect
	// Request records an HTTP request the proxy answered itself (an
	// absolute-URI GET, POST...), Action.Req.
	Request
	// Auth records a credential (Action.Cred).
	Auth
)

// Action is one thing for the caller to do, in order.
type Action struct {
	Kind   Kind
	Data   []byte
	Target Target
	Proto  Proto
	Req    *HTTPRequest
	Cred   *Credential
}

// HTTPRequest is one request an HTTP proxy answered without a tunnel, kept
// for the event stream.
type HTTPRequest struct {
	Method    string
	URL       string // as sent: absolute URI for a proxy request
	Target    Target // host and port of the URI (80 when none)
	UserAgent string
	Headers   []Header // in order, names as sent, bounded
	Body      []byte   // bounded; BodyLen has the full length
	BodyLen   int64
	Status    int // status the emulated server answered
}

// Header is one header field as received.
type Header struct{ Name, Value string }
