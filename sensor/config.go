package sensor

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spampots/spampots/enrich"
	"github.com/spampots/spampots/fingerprint"
	"github.com/spampots/spampots/fingerprint/capture"
	"github.com/spampots/spampots/sensor/httpproxy"
	"github.com/spampots/spampots/sensor/relay"
	"github.com/spampots/spampots/sensor/smtp"
	"github.com/spampots/spampots/sensor/socks"
	"github.com/spampots/spampots/sensor/testmsg"
	"github.com/spampots/spampots/sensor/web"
)

// Listener is one port the sensor serves: a protocol and an address.
type Listener struct {
	Proto string // smtp, http (HTTP proxy, also SOCKS) or socks
	Addr  string // host:port; an empty host means every address
}

// String is the form of the --listen flag: proto=host:port.
func (l Listener) String() string { return l.Proto + "=" + l.Addr }

// Port is the listener's port; 0 if Addr does not validate.
func (l Listener) Port() int {
	_, port, _ := strings.Cut(l.Addr[strings.LastIndex(l.Addr, "]")+1:], ":")
	p, _ := strconv.Atoi(port)
	return p
}

// ParseListener parses "smtp=:25" or "smtp=127.0.0.1:2525".
func ParseListener(s string) (Listener, error) {
	proto, addr, ok := strings.Cut(s, "=")
	if !ok {
		return Listener{}, fmt.Errorf("listen %q: want proto=host:port", s)
	}
	l := Listener{Proto: strings.ToLower(proto), Addr: addr}
	return l, l.validate()
}

var protos = map[string]bool{"smtp": true, "http": true, "socks": true}

func (l Listener) validate() error {
	if !protos[l.Proto] {
		return fmt.Errorf("listen %s: unknown protocol %q (known: smtp, http, socks)", l, l.Proto)
	}
	host, port, ok := strings.Cut(l.Addr, ":")
	if strings.HasPrefix(l.Addr, "[") {
		i := strings.LastIndex(l.Addr, "]:")
		if i < 0 {
			return fmt.Errorf("listen %s: bad IPv6 address", l)
		}
		host, port, ok = l.Addr[1:i], l.Addr[i+2:], true
	}
	if !ok {
		return fmt.Errorf("listen %s: missing port", l)
	}
	if host != "" {
		if _, err := netip.ParseAddr(host); err != nil {
			return fmt.Errorf("listen %s: host must be an IP address: %w", l, err)
		}
	}
	var p int
	if _, err := fmt.Sscanf(port, "%d", &p); err != nil || p < 1 || p > 65535 || fmt.Sprint(p) != port {
		return fmt.Errorf("listen %s: bad port %q", l, port)
	}
	return nil
}

// Config is everything the sensor needs besides its spool.
type Config struct {
	// ID names the sensor in every record (X-Sensor-Id), e.g. BR-01.
	ID string
	// Listen are the ports served.
	Listen []Listener
	// SMTP is the persona and limits of the SMTP machine, on SMTP ports
	// and as the destination of proxy tunnels to mail ports.
	SMTP smtp.Config
	// SOCKS, HTTP and Web are the proxy machines' and the emulated web
	// server's limits.
	SOCKS socks.Config
	HTTP  httpproxy.Config
	Web   web.Config
	// TestMsg tunes the classifier of test messages.
	TestMsg testmsg.Config
	// Relay, when set, delivers the messages classified as spammers' test
	// messages (the relay policy); nil captures them like any other
	// (nothing leaves).
	Relay *relay.Relay
	// Enrich looks up sources and destinations (X-Src-*, X-Dst-*); nil
	// leaves them unknown.
	Enrich *enrich.Enricher
	// EnrichWait is how long a complete message may wait, before it is
	// written and acknowledged, for lookups still under way (0: not at
	// all). The session reads nothing meanwhile; no CPU is spent.
	EnrichWait time.Duration
	// Capture records each client's SYN (XDP or AF_PACKET) for X-Src-OS;
	// nil leaves it unknown. Signatures match the records (p0f.fp; nil:
	// fingerprint.Default()).
	Capture    capture.Capture
	Signatures *fingerprint.DB
	// Grace is how long sessions may go on after a stop signal before they
	// are cut with 421.
	Grace time.Duration
	// MaxPending bounds the bytes a session may have buffered but not yet
	// consumed (input sent while its message is being committed) and
	// unsent replies; past it the session is closed.
	MaxPending int
	// Loops is the number of event loops (0: one per CPU).
	Loops int
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`)

// Validate reports every problem at once.
func (c *Config) Validate() error {
	var errs []error
	if !idRE.MatchString(c.ID) {
		errs = append(errs, fmt.Errorf("sensor id %q: want 1-32 letters, digits, '.', '_' or '-'", c.ID))
	}
	if len(c.Listen) == 0 {
		errs = append(errs, errors.New("no --listen address"))
	}
	seen := map[string]bool{}
	for _, l := range c.Listen {
		if err := l.validate(); err != nil {
			errs = append(errs, err)
		}
		if seen[l.Addr] {
			errs = append(errs, fmt.Errorf("listen %s: address used twice", l))
		}
		seen[l.Addr] = true
	}
	if err := c.SMTP.Validate(); err != nil {
		errs = append(errs, err)
	}
	for _, err := range []error{c.SOCKS.Validate(), c.HTTP.Validate(), c.Web.Validate()} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if c.Grace < 0 {
		errs = append(errs, errors.New("grace period must not be negative"))
	}
	if c.EnrichWait < 0 || c.EnrichWait > time.Minute {
		errs = append(errs, errors.New("enrich wait: want 0 to 1m"))
	}
	if c.MaxPending < 0 {
		errs = append(errs, errors.New("max pending bytes must not be negative"))
	}
	return errors.Join(errs...)
}

func (c *Config) withDefaults() {
	if c.Grace == 0 {
		c.Grace = 10 * time.Second
	}
	if c.MaxPending == 0 {
		c.MaxPending = 256 * 1024
	}
	c.SMTP = smtp.Prepare(c.SMTP)
	if c.Capture != nil && c.Signatures == nil {
		c.Signatures, _ = fingerprint.Default() // the embedded file parses: fingerprint's tests say so
	}
}
