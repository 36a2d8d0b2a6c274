package httpproxy

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spampots/spampots/sensor/web"
)

// Config is the persona and the limits of the HTTP proxy. The zero value of
// a field means its default (see Defaults); a Config is read, never
// written, by the machines that share it.
type Config struct {
	// Hostname is the proxy's name in its error pages (squid's
	// visible_hostname).
	Hostname string
	// Server is the Server field of the proxy's own answers.
	Server string
	// Web is the emulated origin that answers absolute-URI requests, and the
	// request limits (request line, header section, body) the proxy reads
	// with: squid's and nginx's are alike.
	Web web.Config
	// RawPorts are the ports whose absolute-URI requests become tunnels
	// without a reply, the body left to the destination: a proxy that
	// relays "POST http://mx:25/" speaks SMTP with the body. nil means 25
	// and 587; an empty slice means none.
	RawPorts []uint16
	// MaxRequests bounds the requests served on one connection; the last
	// one is answered with "Connection: close".
	MaxRequests int
	// IdleTimeout closes a connection that sent nothing for this long
	// (squid's client_idle_pconn_timeout: 2 minutes).
	IdleTimeout time.Duration
}

// Defaults returns the configuration used for every zero field.
func Defaults() Config {
	return Config{
		Hostname:    "localhost",
		Server:      "squid/6.13",
		Web:         web.Defaults(),
		RawPorts:    []uint16{25, 587},
		MaxRequests: 1000,
		IdleTimeout: 2 * time.Minute,
	}
}

func (c *Config) hostname() string {
	if c.Hostname == "" {
		return "localhost"
	}
	return c.Hostname
}

func (c *Config) server() string {
	if c.Server == "" {
		return "squid/6.13"
	}
	return c.Server
}

func (c *Config) rawPort(p uint16) bool {
	if c.RawPorts == nil {
		return p == 25 || p == 587
	}
	for _, r := range c.RawPorts {
		if r == p {
			return true
		}
	}
	return false
}

func (c *Config) maxRequests() int {
	if c.MaxRequests <= 0 {
		return 1000
	}
	return c.MaxRequests
}

func (c *Config) idleTimeout() time.Duration {
	if c.IdleTimeout <= 0 {
		return 2 * time.Minute
	}
	return c.IdleTimeout
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	var errs []error
	if strings.ContainsAny(c.Hostname, " \t\r\n<>&\"") {
		errs = append(errs, fmt.Errorf("http proxy hostname %q: must be one word", c.Hostname))
	}
	if strings.ContainsAny(c.Server, "\r\n") {
		errs = append(errs, errors.New("http proxy server: must be one line"))
	}
	for _, p := range c.RawPorts {
		if p == 0 {
			errs = append(errs, errors.New("http proxy raw port 0: not a port"))
		}
	}
	if c.MaxRequests < 0 {
		errs = append(errs, fmt.Errorf("http proxy max requests %d: must not be negative", c.MaxRequests))
	}
	if c.IdleTimeout < 0 {
		errs = append(errs, errors.New("http proxy idle timeout must not be negative"))
	}
	if err := c.Web.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
