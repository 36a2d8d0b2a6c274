package socks

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/spampots/spampots/sensor/internal/machinetest"
	"github.com/spampots/spampots/sensor/proxy"
)

var (
	t0     = machinetest.T0
	local4 = netip.MustParseAddrPort("198.51.100.7:1080")
	local6 = netip.MustParseAddrPort("[2001:db8::7]:1080")
)

// client plays the caller of a machine (machinetest.Driver): it keeps what
// the machine left unconsumed, offers it again with more input, and
// records the actions.
type client = machinetest.Driver[*Machine]

func newClient(t *testing.T, cfg *Config, local netip.AddrPort) *client {
	m, acts := New(cfg, local, t0)
	if len(acts) != 0 {
		t.Fatalf("New returned actions %v", acts)
	}
	c := machinetest.NewDriver(t, m, t0)
	c.Check = func(acts []proxy.Action) { checkOrder(t, acts) }
	return c
}

// checkOrder checks the actions of one call: Auth first, at most one
// Write, then Connect or Close.
func checkOrder(t *testing.T, acts []proxy.Action) {
	t.Helper()
	writes := 0
	for i, a := range acts {
		switch a.Kind {
		case proxy.Auth:
			if i != 0 || a.Cred == nil {
				t.Fatalf("Auth action %d of %v", i, acts)
			}
		case proxy.Write:
			writes++
			if writes > 1 || len(a.Data) == 0 {
				t.Fatalf("bad Write in %v", acts)
			}
		case proxy.Connect:
			if i != len(acts)-1 || i == 0 || acts[i-1].Kind != proxy.Write {
				t.Fatalf("Connect not last after a Write: %v", acts)
			}
		case proxy.Close:
			if i != len(acts)-1 {
				t.Fatalf("Close not last: %v", acts)
			}
		default:
			t.Fatalf("unexpected action %v", a)
		}
	}
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func rep(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }
