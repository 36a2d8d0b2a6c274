package socks

import (
	"errors"
	"fmt"
	"time"
)

// Config is the limits of the SOCKS machine. The zero value of a field means
// its default (see Defaults); a nil *Config means every default.
type Config struct {
	// MaxUserID bounds a SOCKS4 USERID, without its terminating NUL. The
	// SOCKS4 protocol text sets no limit; the default, 255, is what RFC 1929
	// §2 allows a SOCKS5 user name and what curl sends at most. A longer
	// USERID gets reply 91 and the connection is closed.
	MaxUserID int
	// MaxUsername and MaxPassword bound the RFC 1929 §2 UNAME and PASSWD
	// fields; the wire format allows at most 255 octets each (the default).
	// A lower limit refuses longer offers with STATUS 0x01 and closes.
	MaxUsername int
	MaxPassword int
	// MaxDomain bounds a destination domain name: 255 octets by default,
	// the most RFC 1928 §5's length octet can say and RFC 1035 §2.3.4
	// allows. A longer SOCKS4A name gets 91; a SOCKS5 name longer than a
	// lower limit gets REP 0x04, as an unresolvable name would.
	MaxDomain int
	// HandshakeTimeout is how long after the connection opened the client
	// has to complete its request; then the machine closes without a reply
	// (SOCKS has none for a timeout). Input arriving later is not read.
	HandshakeTimeout time.Duration
	// PreferUserPass makes a SOCKS5 server that is offered both "no
	// authentication" and "username/password" choose the latter, so that
	// the client hands over its credentials (RFC 1928 §3 lets the server
	// pick any offered method). By default the server prefers no
	// authentication, as an open proxy does.
	PreferUserPass bool
}

// Defaults returns the configuration used for every zero field.
func Defaults() Config {
	return Config{
		MaxUserID:        255,
		MaxUsername:      255,
		MaxPassword:      255,
		MaxDomain:        255,
		HandshakeTimeout: 30 * time.Second,
	}
}

// Highest limits the configuration accepts: what the wire format can carry
// (one length octet, RFC 1928 §5 and RFC 1929 §2), and for the SOCKS4 USERID,
// which has no length field, a bound on what a caller must buffer.
const (
	maxWireLen   = 255
	maxUserIDCap = 1024
)

// withDefaults fills zero fields from Defaults.
func (c *Config) withDefaults() Config {
	var r Config
	if c != nil {
		r = *c
	}
	d := Defaults()
	setInt(&r.MaxUserID, d.MaxUserID)
	setInt(&r.MaxUsername, d.MaxUsername)
	setInt(&r.MaxPassword, d.MaxPassword)
	setInt(&r.MaxDomain, d.MaxDomain)
	if r.HandshakeTimeout <= 0 {
		r.HandshakeTimeout = d.HandshakeTimeout
	}
	// Out-of-range values are reported by Validate; a machine given one
	// anyway stays bounded.
	r.MaxUserID = min(r.MaxUserID, maxUserIDCap)
	r.MaxUsername = min(r.MaxUsername, maxWireLen)
	r.MaxPassword = min(r.MaxPassword, maxWireLen)
	r.MaxDomain = min(r.MaxDomain, maxWireLen)
	return r
}

func setInt(p *int, d int) {
	if *p <= 0 {
		*p = d
	}
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	var errs []error
	for _, l := range []struct {
		name string
		v    int
		max  int
	}{
		{"userid", c.MaxUserID, maxUserIDCap},
		{"username", c.MaxUsername, maxWireLen},
		{"password", c.MaxPassword, maxWireLen},
		{"domain", c.MaxDomain, maxWireLen},
	} {
		if l.v < 0 || l.v > l.max {
			errs = append(errs, fmt.Errorf("socks max %s length %d: must be between 1 and %d (0: default)", l.name, l.v, l.max))
		}
	}
	if c.HandshakeTimeout < 0 {
		errs = append(errs, errors.New("socks handshake timeout must not be negative"))
	}
	return errors.Join(errs...)
}
