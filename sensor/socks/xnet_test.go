package socks

import (
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	xproxy "golang.org/x/net/proxy"

	"github.com/spampots/spampots/sensor/proxy"
)

// pipeDialer hands the SOCKS5 client one end of a net.Pipe as its
// connection to the proxy.
type pipeDialer struct{ c net.Conn }

func (d pipeDialer) Dial(_, _ string) (net.Conn, error) { return d.c, nil }

// served is what the server loop saw.
type served struct {
	connect *proxy.Action
	creds   []proxy.Credential
	closed  bool
	err     error // reading
	wErr    error // writing: the client may hang up before reading a refusal
}

// serve plays the sensor's adapter on conn: read, Feed, apply, until the
// machine connects or closes.
func serve(conn net.Conn, m *Machine, now time.Time) served {
	var s served
	buf := make([]byte, 512)
	var pending []byte
	for {
		k, err := conn.Read(buf)
		if err != nil {
			s.err = err
			return s
		}
		pending = append(pending, buf[:k]...)
		for {
			n, acts := m.Feed(pending, now)
			pending = pending[n:]
			for _, a := range acts {
				switch a.Kind {
				case proxy.Write:
					if _, err := conn.Write(a.Data); err != nil && s.wErr == nil {
						s.wErr = err
					}
				case proxy.Auth:
					s.creds = append(s.creds, *a.Cred)
				case proxy.Connect:
					s.connect = &a
					return s
				case proxy.Close:
					s.closed = true
					conn.Close()
					return s
				}
			}
			if n == 0 || len(pending) == 0 {
				break
			}
		}
	}
}

// TestXNetProxyClient runs golang.org/x/net/proxy's SOCKS5 client against the
// machine: the handshake must succeed, the client must read back the
// sensor's address as BND.ADDR, and the machine's Connect target must be
// what the client dialled.
func TestXNetProxyClient(t *testing.T) {
	targets := []struct{ addr, want string }{
		{"192.0.2.10:25", "192.0.2.10:25"},
		{"[2001:db8::25]:587", "[2001:db8::25]:587"},
		{"mx.example.org:25", "mx.example.org:25"},
	}
	auths := []struct {
		name   string
		auth   *xproxy.Auth
		cfg    *Config
		method byte // the method the server must choose
	}{
		{"no auth", nil, nil, methodNoAuth},
		// x/net offers both methods when given credentials; an open proxy
		// picks no authentication.
		{"auth offered, no-auth chosen", &xproxy.Auth{User: "spam", Password: "mer"}, nil, methodNoAuth},
		{"auth offered, userpass preferred", &xproxy.Auth{User: "spam", Password: "mer"}, &Config{PreferUserPass: true}, methodUserPass},
	}
	for _, a := range auths {
		for _, tg := range targets {
			for _, local := range []netip.AddrPort{local4, local6} {
				t.Run(a.name+"/"+tg.addr+"/via "+local.Addr().String(), func(t *testing.T) {
					cli, srv := net.Pipe()
					defer cli.Close()
					defer srv.Close()
					deadline := time.Now().Add(10 * time.Second) // a failure must not hang the test
					cli.SetDeadline(deadline)
					srv.SetDeadline(deadline)

					m, _ := New(a.cfg, local, t0)
					done := make(chan served, 1)
					go func() { done <- serve(srv, m, t0) }()

					d, err := xproxy.SOCKS5("tcp", "sensor.test:1080", a.auth, pipeDialer{cli})
					if err != nil {
						t.Fatal(err)
					}
					conn, err := d.(xproxy.ContextDialer).DialContext(t.Context(), "tcp", tg.addr)
					if err != nil {
						t.Fatalf("dial through the machine: %v", err)
					}
					s := <-done
					if s.err != nil || s.wErr != nil || s.closed || s.connect == nil {
						t.Fatalf("server: %+v", s)
					}
					if got := s.connect.Target.String(); got != tg.want || s.connect.Proto != proxy.SOCKS5 {
						t.Errorf("Connect %s over %s, want %s over S5", got, s.connect.Proto, tg.want)
					}
					bound, ok := conn.(interface{ BoundAddr() net.Addr })
					if !ok {
						t.Fatalf("%T has no BoundAddr", conn)
					}
					ba, err := netip.ParseAddrPort(bound.BoundAddr().String())
					if err != nil || ba.Addr() != local.Addr() || ba.Port() < ephemeralLow || ba.Port() > ephemeralHigh {
						t.Errorf("client read BND %v (%v), want %v and an ephemeral port", bound.BoundAddr(), err, local.Addr())
					}
					var wantCreds []proxy.Credential
					if a.method == methodUserPass {
						wantCreds = []proxy.Credential{{Mech: "socks5-userpass", User: a.auth.User, Password: a.auth.Password}}
					}
					if len(s.creds) != len(wantCreds) || len(wantCreds) > 0 && s.creds[0] != wantCreds[0] {
						t.Errorf("creds %+v, want %+v", s.creds, wantCreds)
					}
					if sum := m.Summary(); sum.Method != int(a.method) || sum.Outcome != OutcomeConnect {
						t.Errorf("summary %+v", sum)
					}
					// The tunnel is the caller's now: bytes the client
					// writes are left for the emulated destination.
					go conn.Write([]byte("EHLO x\r\n"))
					buf := make([]byte, 16)
					n, err := io.ReadAtLeast(srv, buf, 8)
					if err != nil || string(buf[:n]) != "EHLO x\r\n" {
						t.Errorf("tunnel read %q, %v", buf[:n], err)
					}
				})
			}
		}
	}
}

// TestXNetProxyClientRefused checks that the client sees a refusal as one.
func TestXNetProxyClientRefused(t *testing.T) {
	cli, srv := net.Pipe()
	defer cli.Close()
	deadline := time.Now().Add(10 * time.Second)
	cli.SetDeadline(deadline)
	srv.SetDeadline(deadline)
	m, _ := New(&Config{MaxDomain: 8}, local4, t0)
	done := make(chan served, 1)
	go func() { done <- serve(srv, m, t0) }()
	d, _ := xproxy.SOCKS5("tcp", "sensor.test:1080", nil, pipeDialer{cli})
	_, err := d.Dial("tcp", "long.example.org:25")
	if err == nil {
		t.Fatal("dial succeeded")
	}
	s := <-done
	if s.err != nil || !s.closed || s.connect != nil || m.Summary().Outcome != OutcomeBadDomain {
		t.Errorf("server %+v, summary %+v", s, m.Summary())
	}
	t.Logf("client error: %v", err)
}
