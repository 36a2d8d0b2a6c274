package web

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Config is the persona and the limits of the emulated web server. The zero
// value of a field means its default (see Defaults); a Config is read, never
// written, by the machines that share it.
type Config struct {
	// Server is the Server header field and the signature under error
	// pages. The default, "nginx", is nginx with server_tokens off: the most
	// common answer on the web, and one that gives no version to match.
	Server string
	// PublicAddr is the address the emulated origin reports as the client's
	// (REMOTE_ADDR on judge pages, "origin" on httpbin, the body of what-is-
	// my-IP services): the sensor's public address. When it is not set, the
	// address the caller passes (Respond's client, Machine.SetPeer) is used.
	// Behind NAT only this gives the address a proxy checker expects.
	PublicAddr netip.Addr

	// MaxRequestLine bounds the request line, CRLF included (nginx's
	// large_client_header_buffers: 8k); longer gets 414.
	MaxRequestLine int
	// MaxHeaderBytes bounds the header section (and the trailer section of a
	// chunked body), CRLFs included; more gets 400 (431 from the proxy).
	MaxHeaderBytes int
	// MaxHeaders bounds the number of header fields.
	MaxHeaders int
	// MaxBody bounds the body bytes kept of one request (nginx's
	// client_max_body_size: 1m). Past it the body is read, counted and
	// discarded.
	MaxBody int
	// MaxRequests bounds the requests served on one connection (nginx's
	// keepalive_requests: 1000); the last one is answered with
	// "Connection: close".
	MaxRequests int
	// IdleTimeout closes a connection that sent nothing for this long,
	// between requests or within one (nginx's keepalive_timeout: 75s).
	IdleTimeout time.Duration
}

// Defaults returns the configuration used for every zero field.
func Defaults() Config {
	return Config{
		Server:         "nginx",
		MaxRequestLine: 8 << 10,
		MaxHeaderBytes: 64 << 10,
		MaxHeaders:     100,
		MaxBody:        1 << 20,
		MaxRequests:    1000,
		IdleTimeout:    75 * time.Second,
	}
}

// minLimit keeps a tiny configured limit from making every request fail in
// a way no real server would.
const minLimit = 64

func (c *Config) server() string {
	if c == nil || c.Server == "" {
		return "nginx"
	}
	return c.Server
}

func pick(v, def int) int {
	if v <= 0 {
		return def
	}
	return max(v, minLimit)
}

func (c *Config) maxRequestLine() int {
	if c == nil {
		return 8 << 10
	}
	return pick(c.MaxRequestLine, 8<<10)
}

func (c *Config) maxHeaderBytes() int {
	if c == nil {
		return 64 << 10
	}
	return pick(c.MaxHeaderBytes, 64<<10)
}

func (c *Config) maxHeaders() int {
	if c == nil || c.MaxHeaders <= 0 {
		return 100
	}
	return c.MaxHeaders
}

func (c *Config) maxBody() int {
	if c == nil || c.MaxBody <= 0 {
		return 1 << 20
	}
	return c.MaxBody
}

func (c *Config) maxRequests() int {
	if c == nil || c.MaxRequests <= 0 {
		return 1000
	}
	return c.MaxRequests
}

func (c *Config) idleTimeout() time.Duration {
	if c == nil || c.IdleTimeout <= 0 {
		return 75 * time.Second
	}
	return c.IdleTimeout
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	var errs []error
	if strings.ContainsAny(c.Server, "\r\n") {
		errs = append(errs, errors.New("web server: must be one line"))
	}
	for name, v := range map[string]int{
		"request line": c.MaxRequestLine, "header bytes": c.MaxHeaderBytes, "headers": c.MaxHeaders,
		"body": c.MaxBody, "requests": c.MaxRequests,
	} {
		if v < 0 {
			errs = append(errs, fmt.Errorf("web max %s %d: must not be negative", name, v))
		}
	}
	if c.MaxRequestLine > 0 && c.MaxRequestLine < minLimit {
		errs = append(errs, fmt.Errorf("web max request line %d: must be at least %d", c.MaxRequestLine, minLimit))
	}
	if c.MaxHeaderBytes > 0 && c.MaxHeaderBytes < minLimit {
		errs = append(errs, fmt.Errorf("web max header bytes %d: must be at least %d", c.MaxHeaderBytes, minLimit))
	}
	if c.IdleTimeout < 0 {
		errs = append(errs, errors.New("web idle timeout must not be negative"))
	}
	return errors.Join(errs...)
}
