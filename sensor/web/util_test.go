package web

import (
	"net/netip"
	"testing"

	"github.com/spampots/spampots/sensor/internal/machinetest"
	"github.com/spampots/spampots/sensor/proxy"
)

// t0 is the clock of every test: Dates in expected output are this.
var t0 = machinetest.T0

// driver runs a machine as the sensor's adapter does (machinetest.Driver):
// input comes in chunks, the unconsumed rest is kept and offered again with
// the next.
type driver = machinetest.Driver[*Machine]

func newDriver(t testing.TB, cfg *Config, host string) *driver {
	m, _ := New(cfg, host, t0)
	m.SetPeer(netip.MustParseAddrPort("198.51.100.9:3128"))
	d := machinetest.NewDriver(t, m, t0)
	d.Check = func(acts []proxy.Action) {
		for _, a := range acts {
			switch a.Kind {
			case proxy.Write, proxy.Request, proxy.Close:
			default:
				t.Fatalf("unexpected action %d", a.Kind)
			}
		}
	}
	return d
}

// run feeds script in chunks of the given size (0: all at once).
func run(t testing.TB, cfg *Config, host, script string, chunk int) *driver {
	d := newDriver(t, cfg, host)
	d.SendChunks([]byte(script), chunk)
	return d
}
