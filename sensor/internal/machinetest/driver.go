package machinetest

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/spampots/spampots/sensor/proxy"
)

// T0 is the clock every machine test starts at: the Date in expected
// output.
var T0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// Machine is a protocol machine that answers with sensor/proxy actions
// (sensor/socks, sensor/httpproxy, sensor/web).
type Machine interface {
	Feed(in []byte, now time.Time) (int, []proxy.Action)
	Timeout(now time.Time) []proxy.Action
	Closed() bool
}

// Driver runs a machine as the sensor's adapter does: input comes in
// pieces, the rest the machine did not consume is kept and offered again
// with the next, and after a Connect it is the tunnel's. It records every
// action, and fails the test when a call breaks what every such machine
// promises: Feed consumes no more than it is given, answers at most one
// request per call, and neither consumes nor acts once the connection was
// closed or handed over.
type Driver[M Machine] struct {
	T   testing.TB
	M   M
	Now time.Time
	// Check, when set, vets each call's actions before they are recorded:
	// what one machine promises beyond the rest.
	Check func(acts []proxy.Action)

	Pending  []byte       // input not consumed: after a Connect, the tunnel's
	Consumed int          // bytes consumed in all
	Out      bytes.Buffer // everything written
	Kinds    []proxy.Kind // every action, in order
	Reqs     []*proxy.HTTPRequest
	Creds    []proxy.Credential
	Connects []proxy.Action
	Closed   bool // a Close action came

	reqs, creds int // how many of Reqs and Creds a transcript checked
}

// NewDriver drives m from now on.
func NewDriver[M Machine](t testing.TB, m M, now time.Time) *Driver[M] {
	return &Driver[M]{T: t, M: m, Now: now}
}

// Done reports whether the machine closed the connection or handed it over.
func (d *Driver[M]) Done() bool { return d.Closed || len(d.Connects) > 0 }

// Apply records the actions of one call.
func (d *Driver[M]) Apply(acts []proxy.Action) {
	d.T.Helper()
	if len(acts) > 0 && d.Done() {
		d.T.Fatalf("actions %v after the connection was closed or handed over", acts)
	}
	if d.Check != nil {
		d.Check(acts)
	}
	reqs := 0
	for _, a := range acts {
		d.Kinds = append(d.Kinds, a.Kind)
		switch a.Kind {
		case proxy.Write:
			d.Out.Write(a.Data)
		case proxy.Request:
			d.Reqs = append(d.Reqs, a.Req)
			reqs++
		case proxy.Auth:
			if a.Cred == nil {
				d.T.Fatalf("Auth without a credential in %v", acts)
			}
			d.Creds = append(d.Creds, *a.Cred)
		case proxy.Connect:
			d.Connects = append(d.Connects, a)
		case proxy.Close:
			d.Closed = true
		}
	}
	if reqs > 1 {
		d.T.Fatalf("%d requests answered in one call", reqs)
	}
}

// Send offers in, after what is pending, and calls Feed again for as long
// as it consumes something.
func (d *Driver[M]) Send(in []byte) {
	d.T.Helper()
	d.Pending = append(d.Pending, in...)
	for {
		done := d.Done()
		n, acts := d.M.Feed(d.Pending, d.Now)
		if n < 0 || n > len(d.Pending) {
			d.T.Fatalf("consumed %d of %d", n, len(d.Pending))
		}
		if done && (n != 0 || acts != nil) {
			d.T.Fatalf("after the connection was closed or handed over, Feed consumed %d and returned %v", n, acts)
		}
		d.Consumed += n
		d.Pending = d.Pending[n:]
		d.Apply(acts)
		if n == 0 || len(d.Pending) == 0 {
			return
		}
	}
}

// SendChunks sends in in pieces of the given size (0: all at once).
func (d *Driver[M]) SendChunks(in []byte, size int) {
	d.T.Helper()
	Chunks(in, size, d.Send)
}

// Advance moves the clock by dur and calls Timeout.
func (d *Driver[M]) Advance(dur time.Duration) {
	d.T.Helper()
	d.Now = d.Now.Add(dur)
	d.Apply(d.M.Timeout(d.Now))
}

// Written returns what the machine wrote since the last call, for Golden.
func (d *Driver[M]) Written() []byte {
	b := bytes.Clone(d.Out.Bytes())
	d.Out.Reset()
	return b
}

// Do carries out the directives of a transcript that every such machine
// knows (see Golden), for Golden.
func (d *Driver[M]) Do(verb, arg string) error {
	d.T.Helper()
	switch verb {
	case "!advance":
		dur, err := time.ParseDuration(arg)
		if err != nil {
			return err
		}
		d.Advance(dur)
	case "!closed":
		if !d.Closed || !d.M.Closed() {
			return fmt.Errorf("machine still open (Close action %v, machine closed %v)", d.Closed, d.M.Closed())
		}
	case "!request":
		if d.reqs >= len(d.Reqs) {
			return errors.New("no request recorded")
		}
		r := d.Reqs[d.reqs]
		d.reqs++
		if got := fmt.Sprint(r.Method, " ", r.URL, " ", r.Status, " ", r.BodyLen); got != arg {
			return fmt.Errorf("request %q, want %q", got, arg)
		}
	case "!auth":
		if d.creds >= len(d.Creds) {
			return errors.New("no credential recorded")
		}
		c := d.Creds[d.creds]
		d.creds++
		if got := c.Mech + " " + strconv.Quote(c.User) + " " + strconv.Quote(c.Password); got != arg {
			return fmt.Errorf("credential %s, want %s", got, arg)
		}
	case "!connect":
		if len(d.Connects) != 1 {
			return fmt.Errorf("connects %+v, want one", d.Connects)
		}
		c := d.Connects[0]
		if got := string(c.Proto) + " " + c.Target.String(); got != arg {
			return fmt.Errorf("connect %s, want %s", got, arg)
		}
		if m, ok := any(d.M).(interface{ Connected() bool }); ok && !m.Connected() {
			return errors.New("a Connect came, but the machine is not connected")
		}
	case "!unconsumed":
		want, err := ParseBytes(arg)
		if err != nil {
			return err
		}
		if !bytes.Equal(d.Pending, want) {
			return fmt.Errorf("unconsumed %s, want %s", FormatBytes(d.Pending), FormatBytes(want))
		}
	default:
		return ErrUnknown
	}
	return nil
}

// End checks, for Golden, that the transcript named every request and
// credential the machine recorded.
func (d *Driver[M]) End() error {
	if d.reqs != len(d.Reqs) || d.creds != len(d.Creds) {
		return fmt.Errorf("%d requests and %d credentials recorded, %d and %d in the transcript", len(d.Reqs), len(d.Creds), d.reqs, d.creds)
	}
	return nil
}
