package socks

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/spampots/spampots/sensor/internal/machinetest"
	"github.com/spampots/spampots/sensor/proxy"
)

// The sensor's addresses in replies: 198.51.100.7 and 2001:db8::7.
var (
	bnd4 = []byte{0x01, 198, 51, 100, 7}                                   // ATYP IPv4, BND.ADDR
	bnd6 = cat([]byte{0x04}, netip.MustParseAddr("2001:db8::7").AsSlice()) // ATYP IPv6, BND.ADDR
	pp   = []byte{0xee, 0xee}                                              // BND.PORT placeholder, checked by range
)

// Client messages used by several cases.
var (
	offerNoAuth   = []byte{0x05, 0x01, 0x00}             // VER 5, NMETHODS 1, NO AUTHENTICATION
	offerUserPass = []byte{0x05, 0x01, 0x02}             // VER 5, NMETHODS 1, USERNAME/PASSWORD
	offerBoth     = []byte{0x05, 0x02, 0x00, 0x02}       // VER 5, NMETHODS 2, NO AUTH, USER/PASS
	connect4      = []byte{0x05, 0x01, 0x00, 0x01}       // VER 5, CMD CONNECT, RSV, ATYP IPv4
	dst4          = []byte{192, 0, 2, 1, 0x00, 0x19}     // 192.0.2.1, port 25
	chooseNoAuth  = []byte{0x05, 0x00}                   // VER 5, METHOD NO AUTH
	chooseUP      = []byte{0x05, 0x02}                   // VER 5, METHOD USER/PASS
	granted5      = []byte{0x05, 0x00, 0x00}             // VER 5, REP succeeded, RSV
	failure5      = []byte{0x00, 0x01, 0, 0, 0, 0, 0, 0} // RSV, ATYP IPv4, 0.0.0.0, port 0
	rejected4     = []byte{0x00, 91, 0, 0, 0, 0, 0, 0}   // VN 0, CD 91, zeros
	target4       = proxy.Target{IP: netip.MustParseAddr("192.0.2.1"), Port: 25}
)

func fail5(rep byte) []byte { return cat([]byte{0x05, rep}, failure5) }

type machineCase struct {
	name     string
	cfg      *Config
	local    netip.AddrPort // zero: local4
	in       []byte         // everything the client sends
	out      []byte         // everything the server writes
	portAt   int            // offset of a BND.PORT/DSTPORT in out (0: none)
	consumed int            // bytes consumed in all (the rest is the tunnel's)
	target   *proxy.Target  // the Connect target; nil: no Connect
	proto    proxy.Proto    // Connect's proto
	cred     *proxy.Credential
	closed   bool
	outcome  string
}

func machineCases() []machineCase {
	domain255 := strings.Repeat("d", 255)
	return []machineCase{
		// SOCKS5, RFC 1928.
		{
			name:     "socks5 no-auth IPv4",
			in:       cat(offerNoAuth, connect4, dst4),
			out:      cat(chooseNoAuth, granted5, bnd4, pp),
			portAt:   2 + 3 + 5,
			consumed: 3 + 10,
			target:   &target4,
			proto:    proxy.SOCKS5,
			outcome:  OutcomeConnect,
		},
		{
			name:  "socks5 no-auth IPv6 over IPv6",
			local: local6,
			in: cat(offerNoAuth,
				[]byte{0x05, 0x01, 0x00, 0x04},                // CONNECT, ATYP IPv6
				netip.MustParseAddr("2001:db8::25").AsSlice(), // DST.ADDR
				[]byte{0x02, 0x4b}),                           // port 587
			out:      cat(chooseNoAuth, granted5, bnd6, pp),
			portAt:   2 + 3 + 17,
			consumed: 3 + 22,
			target:   &proxy.Target{IP: netip.MustParseAddr("2001:db8::25"), Port: 587},
			proto:    proxy.SOCKS5,
			outcome:  OutcomeConnect,
		},
		{
			name:   "socks5 IPv4 client over IPv4-mapped local address",
			local:  netip.MustParseAddrPort("[::ffff:198.51.100.7]:1080"),
			in:     cat(offerNoAuth, connect4, dst4),
			out:    cat(chooseNoAuth, granted5, bnd4, pp), // BND.ADDR unmapped to IPv4
			portAt: 2 + 3 + 5, consumed: 13, target: &target4, proto: proxy.SOCKS5, outcome: OutcomeConnect,
		},
		{
			name:   "socks5 domain, both methods offered: no-auth chosen",
			in:     cat(offerBoth, []byte{0x05, 0x01, 0x00, 0x03, 11}, []byte("example.com"), []byte{0x00, 0x50}),
			out:    cat(chooseNoAuth, granted5, bnd4, pp),
			portAt: 2 + 3 + 5, consumed: 4 + 7 + 11,
			target: &proxy.Target{Host: "example.com", Port: 80}, proto: proxy.SOCKS5, outcome: OutcomeConnect,
		},
		{
			name:   "socks5 domain of 255 octets",
			in:     cat(offerNoAuth, []byte{0x05, 0x01, 0x00, 0x03, 255}, []byte(domain255), []byte{0x00, 0x19}),
			out:    cat(chooseNoAuth, granted5, bnd4, pp),
			portAt: 10, consumed: 3 + 7 + 255,
			target: &proxy.Target{Host: domain255, Port: 25}, proto: proxy.SOCKS5, outcome: OutcomeConnect,
		},
		{
			name: "socks5 username/password, RFC 1929",
			in: cat(offerUserPass,
				[]byte{0x01, 4}, []byte("user"), []byte{6}, []byte("secret"), // VER 1, ULEN, UNAME, PLEN, PASSWD
				connect4, dst4),
			out:      cat(chooseUP, []byte{0x01, 0x00}, granted5, bnd4, pp), // VER 1 STATUS success
			portAt:   2 + 2 + 3 + 5,
			consumed: 3 + 13 + 10,
			target:   &target4, proto: proxy.SOCKS5,
			cred:    &proxy.Credential{Mech: "socks5-userpass", User: "user", Password: "secret"},
			outcome: OutcomeConnect,
		},
		{
			name:   "socks5 empty username and password accepted",
			in:     cat(offerUserPass, []byte{0x01, 0, 0}, connect4, dst4),
			out:    cat(chooseUP, []byte{0x01, 0x00}, granted5, bnd4, pp),
			portAt: 12, consumed: 3 + 3 + 10, target: &target4, proto: proxy.SOCKS5,
			cred:    &proxy.Credential{Mech: "socks5-userpass"},
			outcome: OutcomeConnect,
		},
		{
			name:   "socks5 PreferUserPass picks username/password from both",
			cfg:    &Config{PreferUserPass: true},
			in:     cat(offerBoth, []byte{0x01, 1, 'u', 1, 'p'}, connect4, dst4),
			out:    cat(chooseUP, []byte{0x01, 0x00}, granted5, bnd4, pp),
			portAt: 12, consumed: 4 + 5 + 10, target: &target4, proto: proxy.SOCKS5,
			cred:    &proxy.Credential{Mech: "socks5-userpass", User: "u", Password: "p"},
			outcome: OutcomeConnect,
		},
		{
			name:     "socks5 only GSSAPI offered: X'FF'",
			in:       []byte{0x05, 0x01, 0x01}, // NMETHODS 1, GSSAPI
			out:      []byte{0x05, 0xff},
			consumed: 3, closed: true, outcome: OutcomeNoMethod,
		},
		{
			name:     "socks5 no method offered: X'FF'",
			in:       []byte{0x05, 0x00, 0x05}, // NMETHODS 0, then a byte that is not read
			out:      []byte{0x05, 0xff},
			consumed: 2, closed: true, outcome: OutcomeNoMethod,
		},
		{
			name:     "socks5 BIND: X'07'",
			in:       cat(offerNoAuth, []byte{0x05, 0x02, 0x00, 0x01}, dst4),
			out:      cat(chooseNoAuth, fail5(0x07)),
			consumed: 13, closed: true, outcome: OutcomeUnsupportedCommand,
		},
		{
			name:     "socks5 UDP ASSOCIATE: X'07'",
			in:       cat(offerNoAuth, []byte{0x05, 0x03, 0x00, 0x01, 0, 0, 0, 0, 0, 0}), // 0.0.0.0:0
			out:      cat(chooseNoAuth, fail5(0x07)),
			consumed: 13, closed: true, outcome: OutcomeUnsupportedCommand,
		},
		{
			name:     "socks5 unknown command: X'07'",
			in:       cat(offerNoAuth, []byte{0x05, 0x09, 0x00, 0x01}, dst4),
			out:      cat(chooseNoAuth, fail5(0x07)),
			consumed: 13, closed: true, outcome: OutcomeUnsupportedCommand,
		},
		{
			name:     "socks5 bad ATYP: X'08' without waiting for an address",
			in:       cat(offerNoAuth, []byte{0x05, 0x01, 0x00, 0x05}, []byte{0xde, 0xad}),
			out:      cat(chooseNoAuth, fail5(0x08)),
			consumed: 3 + 4, closed: true, outcome: OutcomeUnsupportedAddress,
		},
		{
			name:     "socks5 RSV not zero: X'01'",
			in:       cat(offerNoAuth, []byte{0x05, 0x01, 0x01, 0x01}, dst4),
			out:      cat(chooseNoAuth, fail5(0x01)),
			consumed: 3 + 3, closed: true, outcome: OutcomeMalformed,
		},
		{
			name:     "socks5 request VER not 5: X'01'",
			in:       cat(offerNoAuth, []byte{0x04, 0x01, 0x00, 0x19}),
			out:      cat(chooseNoAuth, fail5(0x01)),
			consumed: 3 + 1, closed: true, outcome: OutcomeMalformed,
		},
		{
			name:     "socks5 subnegotiation sent though no-auth was chosen",
			in:       cat(offerBoth, []byte{0x01, 1, 'u', 1, 'p'}, connect4, dst4),
			out:      cat(chooseNoAuth, fail5(0x01)),
			consumed: 4 + 1, closed: true, outcome: OutcomeMalformed,
		},
		{
			name:     "socks5 subnegotiation VER not 1: failure status",
			in:       cat(offerUserPass, []byte{0x05, 1, 'u', 1, 'p'}),
			out:      cat(chooseUP, []byte{0x01, 0x01}),
			consumed: 3 + 1, closed: true, outcome: OutcomeMalformed,
		},
		{
			name:     "socks5 username over MaxUsername: failure status",
			cfg:      &Config{MaxUsername: 4},
			in:       cat(offerUserPass, []byte{0x01, 5}, []byte("12345"), []byte{1, 'p'}),
			out:      cat(chooseUP, []byte{0x01, 0x01}),
			consumed: 3 + 2, closed: true, outcome: OutcomeTooLong,
		},
		{
			name:     "socks5 password over MaxPassword: failure status",
			cfg:      &Config{MaxPassword: 4},
			in:       cat(offerUserPass, []byte{0x01, 1, 'u', 5}, []byte("12345")),
			out:      cat(chooseUP, []byte{0x01, 0x01}),
			consumed: 3 + 4, closed: true, outcome: OutcomeTooLong,
		},
		{
			name:     "socks5 empty domain: X'04'",
			in:       cat(offerNoAuth, []byte{0x05, 0x01, 0x00, 0x03, 0, 0x00, 0x19}),
			out:      cat(chooseNoAuth, fail5(0x04)),
			consumed: 3 + 7, closed: true, outcome: OutcomeBadDomain,
		},
		{
			name:     "socks5 domain with NUL: X'04'",
			in:       cat(offerNoAuth, []byte{0x05, 0x01, 0x00, 0x03, 7}, []byte("exa\x00mpl"), []byte{0x00, 0x19}),
			out:      cat(chooseNoAuth, fail5(0x04)),
			consumed: 3 + 14, closed: true, outcome: OutcomeBadDomain,
		},
		{
			name:     "socks5 domain with CRLF: X'04'",
			in:       cat(offerNoAuth, []byte{0x05, 0x01, 0x00, 0x03, 6}, []byte("a\r\nb.c"), []byte{0x00, 0x19}),
			out:      cat(chooseNoAuth, fail5(0x04)),
			consumed: 3 + 13, closed: true, outcome: OutcomeBadDomain,
		},
		{
			name:     "socks5 domain over MaxDomain: X'04'",
			cfg:      &Config{MaxDomain: 10},
			in:       cat(offerNoAuth, []byte{0x05, 0x01, 0x00, 0x03, 11}, []byte("example.com"), []byte{0x00, 0x19}),
			out:      cat(chooseNoAuth, fail5(0x04)),
			consumed: 3 + 18, closed: true, outcome: OutcomeBadDomain,
		},
		{
			name:     "socks5 truncated request: wait",
			in:       cat(offerNoAuth, connect4, []byte{192, 0}),
			out:      chooseNoAuth,
			consumed: 3,
		},
		{
			name: "socks5 truncated method selection: wait",
			in:   []byte{0x05, 0x03, 0x00, 0x01}, // 3 methods announced, 2 sent
		},
		{
			name:     "socks5 truncated subnegotiation: wait",
			in:       cat(offerUserPass, []byte{0x01, 4, 'u', 's', 'e', 'r', 6, 's'}),
			out:      chooseUP,
			consumed: 3,
		},
		{
			name:     "socks5 pipelined with tunnel bytes: not consumed",
			in:       cat(offerNoAuth, connect4, dst4, []byte("EHLO spammer\r\n")),
			out:      cat(chooseNoAuth, granted5, bnd4, pp),
			portAt:   10,
			consumed: 13, target: &target4, proto: proxy.SOCKS5, outcome: OutcomeConnect,
		},
		{
			name: "socks5 userpass pipelined with a second request and tunnel bytes",
			in: cat(offerUserPass, []byte{0x01, 1, 'a', 1, 'b'}, connect4, dst4,
				connect4, dst4, []byte{0x05, 0x01, 0x00}), // tunnel bytes that look like SOCKS
			out:      cat(chooseUP, []byte{0x01, 0x00}, granted5, bnd4, pp),
			portAt:   12,
			consumed: 3 + 5 + 10, target: &target4, proto: proxy.SOCKS5,
			cred:    &proxy.Credential{Mech: "socks5-userpass", User: "a", Password: "b"},
			outcome: OutcomeConnect,
		},

		// Not SOCKS.
		{
			name:    "HTTP request: close without reply",
			in:      []byte("GET http://example.com/ HTTP/1.1\r\n\r\n"),
			closed:  true,
			outcome: OutcomeBadVersion,
		},
		{
			name:    "zero byte: close without reply",
			in:      []byte{0x00, 0x05},
			closed:  true,
			outcome: OutcomeBadVersion,
		},

		// SOCKS4 and SOCKS4A.
		{
			name:     "socks4 CONNECT with USERID",
			in:       cat([]byte{0x04, 0x01, 0x00, 0x19, 192, 0, 2, 1}, []byte("bob\x00")), // VN CD DSTPORT DSTIP USERID NUL
			out:      cat([]byte{0x00, 90}, pp, []byte{198, 51, 100, 7}),                   // VN 0, CD 90, DSTPORT, DSTIP
			portAt:   2,
			consumed: 12, target: &target4, proto: proxy.SOCKS4,
			cred:    &proxy.Credential{Mech: "socks4-userid", User: "bob"},
			outcome: OutcomeConnect,
		},
		{
			name:     "socks4 CONNECT, empty USERID, tunnel bytes",
			in:       cat([]byte{0x04, 0x01, 0x00, 0x19, 192, 0, 2, 1, 0x00}, []byte("HELO x\r\n")),
			out:      cat([]byte{0x00, 90}, pp, []byte{198, 51, 100, 7}),
			portAt:   2,
			consumed: 9, target: &target4, proto: proxy.SOCKS4, outcome: OutcomeConnect,
		},
		{
			name:     "socks4 over IPv6: zero DSTPORT and DSTIP in the reply",
			local:    local6,
			in:       []byte{0x04, 0x01, 0x00, 0x19, 192, 0, 2, 1, 0x00},
			out:      []byte{0x00, 90, 0, 0, 0, 0, 0, 0},
			consumed: 9, target: &target4, proto: proxy.SOCKS4, outcome: OutcomeConnect,
		},
		{
			name:     "socks4 DSTIP 0.0.0.0 is plain SOCKS4",
			in:       []byte{0x04, 0x01, 0x00, 0x19, 0, 0, 0, 0, 0x00},
			out:      cat([]byte{0x00, 90}, pp, []byte{198, 51, 100, 7}),
			portAt:   2,
			consumed: 9, target: &proxy.Target{IP: netip.IPv4Unspecified(), Port: 25}, proto: proxy.SOCKS4, outcome: OutcomeConnect,
		},
		{
			name: "socks4a CONNECT to a domain",
			in: cat([]byte{0x04, 0x01, 0x00, 0x50, 0, 0, 0, 1}, // DSTIP 0.0.0.1: SOCKS4A
				[]byte("u\x00"), []byte("example.com\x00"), []byte("GET / HTTP/1.0\r\n")),
			out:      cat([]byte{0x00, 90}, pp, []byte{198, 51, 100, 7}),
			portAt:   2,
			consumed: 8 + 2 + 12, target: &proxy.Target{Host: "example.com", Port: 80}, proto: proxy.SOCKS4a,
			cred:    &proxy.Credential{Mech: "socks4-userid", User: "u"},
			outcome: OutcomeConnect,
		},
		{
			name:     "socks4a domain of 255 octets",
			in:       cat([]byte{0x04, 0x01, 0x00, 0x19, 0, 0, 0, 0xff, 0x00}, []byte(domain255), []byte{0}),
			out:      cat([]byte{0x00, 90}, pp, []byte{198, 51, 100, 7}),
			portAt:   2,
			consumed: 9 + 256, target: &proxy.Target{Host: domain255, Port: 25}, proto: proxy.SOCKS4a, outcome: OutcomeConnect,
		},
		{
			name:     "socks4 USERID of 255 octets",
			in:       cat([]byte{0x04, 0x01, 0x00, 0x19, 192, 0, 2, 1}, rep('a', 255), []byte{0}),
			out:      cat([]byte{0x00, 90}, pp, []byte{198, 51, 100, 7}),
			portAt:   2,
			consumed: 8 + 256, target: &target4, proto: proxy.SOCKS4,
			cred:    &proxy.Credential{Mech: "socks4-userid", User: strings.Repeat("a", 255)},
			outcome: OutcomeConnect,
		},
		{
			name:     "socks4 USERID over 255: 91 without waiting for the NUL",
			in:       cat([]byte{0x04, 0x01, 0x00, 0x19, 192, 0, 2, 1}, rep('a', 300)),
			out:      rejected4,
			consumed: 8 + 256, closed: true, outcome: OutcomeTooLong,
		},
		{
			name:     "socks4 USERID over MaxUserID",
			cfg:      &Config{MaxUserID: 3},
			in:       cat([]byte{0x04, 0x01, 0x00, 0x19, 192, 0, 2, 1}, []byte("abcd\x00")),
			out:      rejected4,
			consumed: 8 + 4, closed: true, outcome: OutcomeTooLong,
		},
		{
			name:     "socks4a domain over 255: 91",
			in:       cat([]byte{0x04, 0x01, 0x00, 0x19, 0, 0, 0, 1, 0x00}, rep('d', 256), []byte{0}),
			out:      rejected4,
			consumed: 9 + 256, closed: true, outcome: OutcomeTooLong,
		},
		{
			name:     "socks4a empty domain: 91",
			in:       []byte{0x04, 0x01, 0x00, 0x19, 0, 0, 0, 1, 0x00, 0x00},
			out:      rejected4,
			consumed: 10, closed: true, outcome: OutcomeBadDomain,
		},
		{
			name:     "socks4a domain with a control byte: 91",
			in:       cat([]byte{0x04, 0x01, 0x00, 0x19, 0, 0, 0, 1, 0x00}, []byte("a\x01b\x00")),
			out:      rejected4,
			consumed: 13, closed: true, outcome: OutcomeBadDomain,
		},
		{
			name:     "socks4 BIND: 91, USERID recorded",
			in:       cat([]byte{0x04, 0x02, 0x00, 0x19, 192, 0, 2, 1}, []byte("bob\x00")),
			out:      rejected4,
			consumed: 12, closed: true, outcome: OutcomeUnsupportedCommand,
			cred: &proxy.Credential{Mech: "socks4-userid", User: "bob"},
		},
		{
			name:     "socks4 unknown command: 91",
			in:       []byte{0x04, 0x03, 0x00, 0x19, 192, 0, 2, 1, 0x00},
			out:      rejected4,
			consumed: 9, closed: true, outcome: OutcomeUnsupportedCommand,
		},
		{
			name: "socks4 truncated USERID: wait",
			in:   []byte{0x04, 0x01, 0x00, 0x19, 192, 0, 2, 1, 'b', 'o'},
		},
		{
			name: "socks4a truncated domain: wait",
			in:   []byte{0x04, 0x01, 0x00, 0x19, 0, 0, 0, 1, 0x00, 'e', 'x'},
		},
	}
}

// TestMachine runs every case fed whole and in chunks of 1, 2, 3 and 7
// bytes: the replies, the bytes consumed and the outcome must not depend on
// how the input was split.
func TestMachine(t *testing.T) {
	for _, tt := range machineCases() {
		machinetest.EachSize(t, tt.name, func(t *testing.T, chunk int) string {
			local := tt.local
			if !local.IsValid() {
				local = local4
			}
			c := newClient(t, tt.cfg, local)
			c.SendChunks(tt.in, chunk)
			// More input after the handshake ended is not read.
			if c.Done() {
				c.Send([]byte{0x05, 0x01, 0x00})
			}
			got := c.Out.Bytes()
			want := bytes.Clone(tt.out)
			if tt.portAt > 0 && len(got) >= tt.portAt+2 {
				p := binary.BigEndian.Uint16(got[tt.portAt:])
				if p < ephemeralLow || p > ephemeralHigh {
					t.Errorf("bound port %d outside %d-%d", p, ephemeralLow, ephemeralHigh)
				}
				copy(want[tt.portAt:], got[tt.portAt:tt.portAt+2])
			}
			if !bytes.Equal(got, want) {
				t.Errorf("server wrote\n  %s\nwant\n  %s", machinetest.FormatBytes(got), machinetest.FormatBytes(want))
			}
			if c.Consumed != tt.consumed {
				t.Errorf("consumed %d, want %d", c.Consumed, tt.consumed)
			}
			if tt.target == nil {
				if len(c.Connects) > 0 {
					t.Errorf("unexpected Connect %+v", c.Connects)
				}
			} else if len(c.Connects) != 1 || c.Connects[0].Target != *tt.target || c.Connects[0].Proto != tt.proto {
				t.Errorf("connects = %+v, want one to %v over %s", c.Connects, tt.target, tt.proto)
			}
			if tt.cred == nil && len(c.Creds) > 0 || tt.cred != nil && (len(c.Creds) != 1 || c.Creds[0] != *tt.cred) {
				t.Errorf("creds = %+v, want %+v", c.Creds, tt.cred)
			}
			if c.Closed != tt.closed || c.M.Closed() != tt.closed {
				t.Errorf("closed = %v (machine %v), want %v", c.Closed, c.M.Closed(), tt.closed)
			}
			s := c.M.Summary()
			if s.Outcome != tt.outcome {
				t.Errorf("outcome %q, want %q", s.Outcome, tt.outcome)
			}
			if tt.target != nil && (s.Target != *tt.target || s.Command != "CONNECT" || c.M.Proto() != tt.proto) {
				t.Errorf("summary %+v, proto %s", s, c.M.Proto())
			}
			if tt.cred != nil && (len(s.Creds) != 1 || s.Creds[0] != *tt.cred) {
				t.Errorf("summary creds %+v", s.Creds)
			}
			return string(got)
		})
	}
}

func TestSniff(t *testing.T) {
	for b := range 256 {
		if got, want := Sniff(byte(b)), b == 4 || b == 5; got != want {
			t.Errorf("Sniff(%#x) = %v", b, got)
		}
	}
	for _, s := range []string{"GET ", "CONNECT ", "POST ", "EHLO", "\x16\x03\x01"} { // HTTP, SMTP, TLS
		if Sniff(s[0]) {
			t.Errorf("Sniff(%q) = true", s)
		}
	}
}

func TestTimeout(t *testing.T) {
	t.Run("handshake not finished", func(t *testing.T) {
		c := newClient(t, nil, local4)
		c.Send(offerNoAuth)
		if d := c.M.Deadline(); !d.Equal(t0.Add(30 * time.Second)) {
			t.Fatalf("deadline %v", d)
		}
		if acts := c.M.Timeout(t0.Add(30*time.Second - 1)); acts != nil {
			t.Fatalf("early timeout: %v", acts)
		}
		acts := c.M.Timeout(t0.Add(30 * time.Second))
		if len(acts) != 1 || acts[0].Kind != proxy.Close {
			t.Fatalf("timeout actions %v, want one Close", acts)
		}
		if !c.M.Closed() || c.M.Summary().Outcome != OutcomeTimeout || !c.M.Deadline().IsZero() {
			t.Errorf("after timeout: closed %v, summary %+v, deadline %v", c.M.Closed(), c.M.Summary(), c.M.Deadline())
		}
		if acts := c.M.Timeout(t0.Add(time.Hour)); acts != nil {
			t.Errorf("second timeout: %v", acts)
		}
		if n, acts := c.M.Feed(cat(connect4, dst4), t0.Add(time.Hour)); n != 0 || acts != nil {
			t.Errorf("feed after timeout: %d %v", n, acts)
		}
	})
	t.Run("nothing sent, configured timeout", func(t *testing.T) {
		m, _ := New(&Config{HandshakeTimeout: 5 * time.Second}, local4, t0)
		if acts := m.Timeout(t0.Add(5 * time.Second)); len(acts) != 1 || acts[0].Kind != proxy.Close {
			t.Fatalf("timeout actions %v", acts)
		}
		if s := m.Summary(); s.Outcome != OutcomeTimeout || s.Version != 0 || s.Proto != "" {
			t.Errorf("summary %+v", s)
		}
	})
	t.Run("socks4 USERID never ends", func(t *testing.T) {
		c := newClient(t, nil, local4)
		c.Send([]byte{0x04, 0x01, 0x00, 0x19, 192, 0, 2, 1, 'a', 'b'})
		c.Apply(c.M.Timeout(t0.Add(time.Minute)))
		if !c.Closed || c.Out.Len() != 0 || c.M.Summary().Outcome != OutcomeTimeout {
			t.Errorf("closed %v, wrote %q, summary %+v", c.Closed, c.Out.Bytes(), c.M.Summary())
		}
	})
	t.Run("input after the deadline is not read", func(t *testing.T) {
		c := newClient(t, nil, local4)
		c.Send(offerNoAuth)
		c.Now = t0.Add(31 * time.Second)
		c.Send(cat(connect4, dst4))
		if !c.Closed || len(c.Connects) != 0 || c.Consumed != 3 || c.M.Summary().Outcome != OutcomeTimeout {
			t.Errorf("closed %v, connects %v, consumed %d, summary %+v", c.Closed, c.Connects, c.Consumed, c.M.Summary())
		}
	})
	t.Run("no timeout after Connect", func(t *testing.T) {
		c := newClient(t, nil, local4)
		c.Send(cat(offerNoAuth, connect4, dst4))
		if len(c.Connects) != 1 || !c.M.Deadline().IsZero() {
			t.Fatalf("connects %v, deadline %v", c.Connects, c.M.Deadline())
		}
		if acts := c.M.Timeout(t0.Add(time.Hour)); acts != nil || c.M.Summary().Outcome != OutcomeConnect {
			t.Errorf("timeout after connect: %v, %+v", acts, c.M.Summary())
		}
	})
}

func TestSummary(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want Summary
	}{
		{
			name: "nothing sent",
			want: Summary{NMethods: -1, Method: -1},
		},
		{
			name: "socks5 methods in order, BIND",
			in:   cat([]byte{0x05, 0x03, 0x02, 0x01, 0x00}, []byte{0x05, 0x02, 0x00, 0x01}, dst4),
			want: Summary{Version: 5, Proto: proxy.SOCKS5, Methods: []byte{2, 1, 0}, NMethods: 3, Method: 0,
				Command: "BIND", Target: target4, Outcome: OutcomeUnsupportedCommand},
		},
		{
			name: "socks5 many methods: the first 16 kept",
			in:   cat([]byte{0x05, 20}, bytes.Repeat([]byte{0x80}, 19), []byte{0x02}),
			want: Summary{Version: 5, Proto: proxy.SOCKS5, Methods: bytes.Repeat([]byte{0x80}, 16), NMethods: 20, Method: 2},
		},
		{
			name: "socks5 unknown command code",
			in:   cat(offerNoAuth, []byte{0x05, 0x2a, 0x00, 0x01}, dst4),
			want: Summary{Version: 5, Proto: proxy.SOCKS5, Methods: []byte{0}, NMethods: 1, Method: 0,
				Command: "0x2a", Target: target4, Outcome: OutcomeUnsupportedCommand},
		},
		{
			name: "socks5 UDP ASSOCIATE",
			in:   cat(offerNoAuth, []byte{0x05, 0x03, 0x00, 0x01}, dst4),
			want: Summary{Version: 5, Proto: proxy.SOCKS5, Methods: []byte{0}, NMethods: 1, Method: 0,
				Command: "UDP-ASSOCIATE", Target: target4, Outcome: OutcomeUnsupportedCommand},
		},
		{
			name: "socks5 refused domain kept as sent",
			in:   cat(offerNoAuth, []byte{0x05, 0x01, 0x00, 0x03, 3, 'a', '\n', 'b', 0, 25}),
			want: Summary{Version: 5, Proto: proxy.SOCKS5, Methods: []byte{0}, NMethods: 1, Method: 0,
				Command: "CONNECT", Target: proxy.Target{Host: "a\nb", Port: 25}, Outcome: OutcomeBadDomain},
		},
		{
			name: "socks4 command 3 is not UDP ASSOCIATE",
			in:   []byte{0x04, 0x03, 0x00, 0x19, 192, 0, 2, 1, 0x00},
			want: Summary{Version: 4, Proto: proxy.SOCKS4, NMethods: -1, Method: -1,
				Command: "0x03", Target: target4, Outcome: OutcomeUnsupportedCommand},
		},
		{
			name: "socks4a BIND",
			in:   cat([]byte{0x04, 0x02, 0x00, 0x19, 0, 0, 0, 9}, []byte("me\x00mx.example\x00")),
			want: Summary{Version: 4, Proto: proxy.SOCKS4a, NMethods: -1, Method: -1,
				Command: "BIND", Target: proxy.Target{Host: "mx.example", Port: 25},
				Creds: []proxy.Credential{{Mech: "socks4-userid", User: "me"}}, Outcome: OutcomeUnsupportedCommand},
		},
		{
			name: "not socks",
			in:   []byte("HEAD / HTTP/1.0\r\n\r\n"),
			want: Summary{NMethods: -1, Method: -1, Outcome: OutcomeBadVersion},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, nil, local4)
			c.Send(tt.in)
			got := *c.M.Summary()
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tt.want) {
				t.Errorf("summary\n  %+v\nwant\n  %+v", got, tt.want)
			}
		})
	}
}

// TestBoundPort checks that BND.PORT depends on the session and the target,
// and is the same for the same inputs.
func TestBoundPort(t *testing.T) {
	port := func(start time.Time, local netip.AddrPort, req []byte) uint16 {
		m, _ := New(nil, local, start)
		_, acts := m.Feed(cat(offerNoAuth, req), start)
		for _, a := range acts {
			if a.Kind == proxy.Write {
				return binary.BigEndian.Uint16(a.Data[len(a.Data)-2:])
			}
		}
		t.Fatalf("no reply: %v", acts)
		return 0
	}
	req := cat(connect4, dst4)
	other := cat(connect4, []byte{192, 0, 2, 1, 0x00, 0x1a})
	base := port(t0, local4, req)
	if port(t0, local4, req) != base {
		t.Error("bound port not deterministic")
	}
	seen := map[uint16]bool{base: true}
	for _, p := range []uint16{
		port(t0.Add(time.Nanosecond), local4, req),
		port(t0, local4, other),
		port(t0, netip.MustParseAddrPort("198.51.100.8:1080"), req),
	} {
		seen[p] = true
	}
	if len(seen) < 3 {
		t.Errorf("bound ports hardly vary: %v", seen)
	}
}

func TestConfig(t *testing.T) {
	machinetest.CheckValidate(t, []machinetest.Validator{Config{}, Defaults()},
		Config{MaxUserID: 2000, MaxUsername: 256, MaxPassword: -1, MaxDomain: 300, HandshakeTimeout: -time.Second},
		"userid", "username", "password", "domain", "timeout")
	// A machine given out-of-range limits anyway stays within the wire's.
	c := (&Config{MaxUserID: 1 << 20, MaxDomain: 1 << 20}).withDefaults()
	if c.MaxUserID != maxUserIDCap || c.MaxDomain != maxWireLen || c.MaxUsername != 255 || c.HandshakeTimeout != 30*time.Second {
		t.Errorf("withDefaults = %+v", c)
	}
}

// TestFeedAllocs checks that a handshake allocates only the machine and the
// strings it hands out.
func TestFeedAllocs(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		max  float64
	}{
		{"socks5 IPv4", cat(offerNoAuth, connect4, dst4), 1},
		{"socks5 domain", cat(offerNoAuth, []byte{0x05, 0x01, 0x00, 0x03, 11}, []byte("example.com"), []byte{0x00, 0x50}), 2},
		{"socks5 userpass IPv4", cat(offerUserPass, []byte{0x01, 1, 'u', 1, 'p'}, connect4, dst4), 3},
		{"socks4", []byte{0x04, 0x01, 0x00, 0x19, 192, 0, 2, 1, 0x00}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := new(Scratch) // the sensor's event loop shares one
			n := testing.AllocsPerRun(100, func() {
				m, _ := NewShared(nil, local4, t0, sc)
				m.Feed(tt.in, t0)
			})
			if n > tt.max {
				t.Errorf("%v allocations, want at most %v", n, tt.max)
			}
		})
	}
}

// BenchmarkHandshake runs a whole SOCKS5 handshake, as curl --socks5-hostname
// sends it: method selection, then a CONNECT to a domain name.
func BenchmarkHandshake(b *testing.B) {
	benchmarks := []struct {
		name string
		in   [][]byte // one Feed per element
	}{
		{"socks5-domain", [][]byte{offerNoAuth, cat([]byte{0x05, 0x01, 0x00, 0x03, 11}, []byte("example.com"), []byte{0x00, 0x50})}},
		{"socks5-ipv4", [][]byte{offerNoAuth, cat(connect4, dst4)}},
		{"socks5-userpass-pipelined", [][]byte{cat(offerUserPass, []byte{0x01, 4}, []byte("user"), []byte{6}, []byte("secret"), connect4, dst4)}},
		{"socks4a", [][]byte{cat([]byte{0x04, 0x01, 0x00, 0x50, 0, 0, 0, 1}, []byte("u\x00example.com\x00"))}},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m, _ := New(nil, local4, t0)
				for _, in := range bm.in {
					if n, _ := m.Feed(in, t0); n != len(in) {
						b.Fatalf("consumed %d of %d", n, len(in))
					}
				}
			}
		})
	}
}
