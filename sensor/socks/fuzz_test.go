package socks

import (
	"testing"
	"time"

	"github.com/spampots/spampots/sensor/internal/machinetest"
	"github.com/spampots/spampots/sensor/proxy"
)

// FuzzSOCKS feeds arbitrary client bytes to a machine three ways: whole,
// split at an arbitrary point, and a byte at a time; cfg picks small limits
// and the method preference. Seeds hold every request form after a prefix
// that puts the machine in each state (STYLE.md: mox's
// smtpserver/fuzz_test.go). Invariants: no panic; consumed <= len(input);
// bounded output per call; nothing consumed and no action after Connect or
// Close; at most a bounded handshake unit left waiting; the same replies,
// consumption and outcome however the input was split; a Connect target is
// a valid address or a domain name without control bytes.
func FuzzSOCKS(f *testing.F) {
	units := [][]byte{
		// SOCKS5 method selections.
		{0x05, 0x01, 0x00}, {0x05, 0x01, 0x02}, {0x05, 0x02, 0x00, 0x02}, {0x05, 0x01, 0x01},
		{0x05, 0x00}, {0x05, 0x03, 0x80, 0x01, 0xfe},
		// RFC 1929 subnegotiations.
		{0x01, 0x01, 'u', 0x01, 'p'}, {0x01, 0x00, 0x00}, {0x05, 0x01, 'u', 0x01, 'p'}, {0x01, 0xff},
		// SOCKS5 requests: every command and address type.
		{0x05, 0x01, 0x00, 0x01, 192, 0, 2, 1, 0x00, 0x19},
		cat([]byte{0x05, 0x01, 0x00, 0x04}, rep(0x20, 16), []byte{0x02, 0x4b}),
		cat([]byte{0x05, 0x01, 0x00, 0x03, 0x0b}, []byte("example.com"), []byte{0x00, 0x50}),
		{0x05, 0x01, 0x00, 0x03, 0x00, 0x00, 0x50},
		{0x05, 0x01, 0x00, 0x03, 0x03, 'a', 0x00, 'b', 0x00, 0x50},
		{0x05, 0x02, 0x00, 0x01, 0, 0, 0, 0, 0, 0},
		{0x05, 0x03, 0x00, 0x01, 0, 0, 0, 0, 0, 0},
		{0x05, 0x09, 0x00, 0x01, 192, 0, 2, 1, 0x00, 0x19},
		{0x05, 0x01, 0x00, 0x05},
		{0x05, 0x01, 0x01, 0x01, 192, 0, 2, 1, 0x00, 0x19},
		// SOCKS4 and SOCKS4A requests.
		cat([]byte{0x04, 0x01, 0x00, 0x19, 192, 0, 2, 1}, []byte("bob\x00")),
		{0x04, 0x01, 0x00, 0x19, 192, 0, 2, 1, 0x00},
		cat([]byte{0x04, 0x01, 0x00, 0x50, 0, 0, 0, 1, 0x00}, []byte("example.com\x00")),
		{0x04, 0x01, 0x00, 0x50, 0, 0, 0, 1, 0x00, 0x00},
		{0x04, 0x02, 0x00, 0x15, 192, 0, 2, 1, 0x00},
		cat([]byte{0x04, 0x01, 0x00, 0x19, 192, 0, 2, 1}, rep('a', 40)),
		// Tunnel bytes and other protocols.
		[]byte("EHLO x\r\n"), []byte("GET / HTTP/1.1\r\n\r\n"), {0x16, 0x03, 0x01}, {0x00}, {0xff},
	}
	prefixes := [][]byte{
		nil,                      // first byte
		{0x05, 0x01, 0x00},       // SOCKS5 request
		{0x05, 0x01, 0x02},       // RFC 1929 subnegotiation
		{0x05, 0x02, 0x00, 0x02}, // no-auth or, preferred, username/password
		{0x05, 0x01, 0x02, 0x01, 0x01, 'u', 0x01, 'p'},  // request after authentication
		{0x04, 0x01, 0x00, 0x19, 192, 0, 2, 1},          // SOCKS4 USERID
		{0x04, 0x01, 0x00, 0x19, 0, 0, 0, 1, 'u', 0x00}, // SOCKS4A domain name
	}
	for _, p := range prefixes {
		for _, u := range units {
			for cfg := range uint8(2) {
				f.Add(cat(p, u), uint16(len(p)), cfg)
			}
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, split uint16, cfgBits uint8) {
		cfg := Config{PreferUserPass: cfgBits&1 != 0}
		if cfgBits&2 != 0 {
			cfg.MaxUserID, cfg.MaxDomain, cfg.MaxUsername, cfg.MaxPassword = 16, 16, 8, 8
		}
		c := cfg.withDefaults()
		// The longest unit a machine may wait on: a SOCKS4A request, or an
		// RFC 1929 request.
		maxUnit := max(header4+c.MaxUserID+1+c.MaxDomain+1, 3+255+255)
		machinetest.Splits(t, in, split, 2048, func(pieces [][]byte) fuzzResult { return fuzzRun(t, &cfg, pieces, maxUnit) })
	})
}

// fuzzResult is what must not depend on how the input was split.
type fuzzResult struct {
	out      string
	consumed int
	outcome  string
	target   proxy.Target
	closed   bool
}

func fuzzRun(t *testing.T, cfg *Config, pieces [][]byte, maxUnit int) fuzzResult {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m, _ := New(cfg, local4, now)
	d := machinetest.NewDriver(t, m, now)
	var r fuzzResult
	d.Check = func(acts []proxy.Action) {
		if len(acts) > 3 {
			t.Fatalf("%d actions", len(acts))
		}
		for _, a := range acts {
			switch a.Kind {
			case proxy.Write:
				if len(a.Data) > 2+2+22 {
					t.Fatalf("wrote %d bytes in one call", len(a.Data))
				}
			case proxy.Connect:
				r.target = a.Target
				if a.Target.IP.IsValid() == (a.Target.Host != "") {
					t.Fatalf("target %+v: address or name", a.Target)
				}
				if a.Target.Host != "" && !m.validDomain([]byte(a.Target.Host)) {
					t.Fatalf("connect to bad name %q", a.Target.Host)
				}
			case proxy.Auth:
				if a.Cred == nil || len(a.Cred.User) > 1024 || len(a.Cred.Password) > 255 {
					t.Fatalf("credential %+v", a.Cred)
				}
			}
		}
	}
	for _, p := range pieces {
		d.Send(p)
		if !d.Done() && len(d.Pending) > maxUnit {
			t.Fatalf("waiting on %d unconsumed bytes", len(d.Pending))
		}
	}
	if d.Done() != (m.Closed() || m.Deadline().IsZero()) {
		t.Fatalf("ended %v, machine closed %v, deadline %v", d.Done(), m.Closed(), m.Deadline())
	}
	m.Timeout(now.Add(time.Hour))
	r.out = d.Out.String()
	r.consumed = d.Consumed
	r.closed = d.Closed
	r.outcome = m.Summary().Outcome
	return r
}
