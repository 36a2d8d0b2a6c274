package httpproxy

import (
	"net/netip"
	"testing"

	"github.com/spampots/spampots/sensor/internal/machinetest"
	"github.com/spampots/spampots/sensor/proxy"
)

// t0 is the clock of every test: Dates in expected output are this.
var t0 = machinetest.T0

var (
	local  = netip.MustParseAddrPort("198.51.100.1:3128")
	client = netip.MustParseAddrPort("203.0.113.50:51000")
)

// driver runs a machine as the sensor's adapter does (machinetest.Driver):
// input comes in chunks, the unconsumed rest is kept and offered again with
// the next; after a Connect the rest is the tunnel's.
type driver = machinetest.Driver[*Machine]

func newDriver(t testing.TB, cfg *Config) *driver {
	if cfg == nil {
		cfg = &Config{}
	}
	m, _ := New(cfg, local, client, t0)
	d := machinetest.NewDriver(t, m, t0)
	d.Check = func(acts []proxy.Action) {
		for _, a := range acts {
			if a.Kind == proxy.Connect && a.Proto != proxy.HTTP {
				t.Fatalf("Connect with proto %q", a.Proto)
			}
		}
	}
	return d
}

// run feeds script in chunks of the given size (0: all at once).
func run(t testing.TB, cfg *Config, script string, chunk int) *driver {
	d := newDriver(t, cfg)
	d.SendChunks([]byte(script), chunk)
	return d
}

func want[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}
