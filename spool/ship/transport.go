package ship

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// Errors of the transport.
var (
	// ErrNotCollector: something asked to dial an address other than the
	// collector's host:port; nothing was dialled.
	ErrNotCollector = errors.New("ship: refusing to dial an address other than the collector")
	// ErrRedirect: the collector answered with a redirect; it is not
	// followed.
	ErrRedirect = errors.New("ship: collector redirect not followed")
	// ErrPinMismatch: the collector's certificate does not match Config.Pin.
	ErrPinMismatch = errors.New("ship: collector certificate does not match the pin")
)

// Transport timeouts. A body may take many minutes at the rate cap, so no
// overall request timeout; these bound the steps that must be quick.
const (
	dialTimeout           = 30 * time.Second
	tlsHandshakeTimeout   = 30 * time.Second
	responseHeaderTimeout = 2 * time.Minute // after the whole body: hash check, fsync, rename
)

type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// newClient returns the Shipper's HTTP client: its own transport, no proxy,
// no redirects, TLS 1.3, the collector checked by pin or CA file, and a
// dialler that refuses every address but the collector's before calling
// dial. c must have passed Validate.
func newClient(c *Config, dial dialFunc) (*http.Client, error) {
	u, err := parseCollector(c.Collector)
	if err != nil {
		return nil, err
	}
	addr := collectorAddr(u)
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS13}
	if c.Pin != "" {
		want, err := parsePin(c.Pin)
		if err != nil {
			return nil, err
		}
		// With a pin the chain and the name are not checked (PROTOCOL.md):
		// VerifyConnection runs on every handshake, resumed ones included.
		tlsCfg.InsecureSkipVerify = true
		tlsCfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return fmt.Errorf("%w: no certificate", ErrPinMismatch)
			}
			got := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if subtle.ConstantTimeCompare(got[:], want) != 1 {
				return fmt.Errorf("%w: it is %s", ErrPinMismatch, CertPin(cs.PeerCertificates[0].Raw))
			}
			return nil
		}
	} else {
		pool, err := loadCA(c.CAFile)
		if err != nil {
			return nil, err
		}
		tlsCfg.RootCAs = pool // only these: never the system roots
	}
	t := &http.Transport{
		Proxy: nil, // HTTPS_PROXY, HTTP_PROXY, ALL_PROXY are ignored
		DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
			if !strings.HasPrefix(network, "tcp") || !strings.EqualFold(a, addr) {
				return nil, fmt.Errorf("%w: %s %s (collector: %s)", ErrNotCollector, network, a, addr)
			}
			return dial(ctx, network, a)
		},
		TLSClientConfig:       tlsCfg,
		TLSHandshakeTimeout:   tlsHandshakeTimeout,
		ResponseHeaderTimeout: responseHeaderTimeout,
		ForceAttemptHTTP2:     false, // HTTP/1.1: one upload per connection, nothing to multiplex
		DisableCompression:    true,
		MaxIdleConns:          2,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{
		Transport: t,
		CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			return fmt.Errorf("%w: to %s", ErrRedirect, req.URL.Redacted())
		},
	}, nil
}

// netDial is the production dialler behind the collector check.
func netDial(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	return d.DialContext(ctx, network, addr)
}
