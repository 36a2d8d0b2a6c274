package web

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/spampots/spampots/sensor/proxy"
)

// t0 is the clock of every test: Dates in expected output are this.
var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// driver runs a machine as the sensor's adapter does: input comes in
// chunks, the unconsumed rest is kept and offered again with the next.
type driver struct {
	t       testing.TB
	m       *Machine
	now     time.Time
	pending []byte
	out     bytes.Buffer
	reqs    []*proxy.HTTPRequest
	closed  bool
}

func newDriver(t testing.TB, cfg *Config, host string) *driver {
	d := &driver{t: t, now: t0}
	d.m, _ = New(cfg, host, d.now)
	d.m.SetPeer(netip.MustParseAddrPort("198.51.100.9:3128"))
	return d
}

func (d *driver) apply(acts []proxy.Action) {
	reqs := 0
	for _, a := range acts {
		switch a.Kind {
		case proxy.Write:
			d.out.Write(a.Data)
		case proxy.Request:
			d.reqs = append(d.reqs, a.Req)
			reqs++
		case proxy.Close:
			d.closed = true
		default:
			d.t.Fatalf("unexpected action %d", a.Kind)
		}
	}
	if reqs > 1 {
		d.t.Fatalf("%d requests answered in one call", reqs)
	}
}

// send feeds input, then calls Feed for as long as it consumes something.
func (d *driver) send(in []byte) {
	d.pending = append(d.pending, in...)
	for {
		n, acts := d.m.Feed(d.pending, d.now)
		if n < 0 || n > len(d.pending) {
			d.t.Fatalf("consumed %d of %d", n, len(d.pending))
		}
		d.pending = d.pending[n:]
		d.apply(acts)
		if n == 0 || len(d.pending) == 0 {
			return
		}
	}
}

// run feeds script in chunks of the given size (0: all at once).
func run(t testing.TB, cfg *Config, host, script string, chunk int) *driver {
	d := newDriver(t, cfg, host)
	in := []byte(script)
	if chunk <= 0 {
		chunk = len(in)
	}
	for len(in) > 0 {
		k := min(chunk, len(in))
		d.send(in[:k])
		in = in[k:]
	}
	return d
}

// chunks are the input split sizes every table test runs with.
var chunks = []int{1, 2, 3, 7, 0}

// statuses returns the status codes of the answers in out, in order.
func statuses(out string) []int {
	var s []int
	for _, line := range bytes.Split([]byte(out), []byte("\r\n")) {
		if bytes.HasPrefix(line, []byte("HTTP/1.")) && len(line) >= 12 {
			code := int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
			s = append(s, code)
		}
	}
	return s
}
