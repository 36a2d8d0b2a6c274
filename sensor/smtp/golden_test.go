package smtp

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/spampots/spampots/sensor/internal/machinetest"
)

// TestGolden replays the C:/S: transcripts under testdata/golden through the
// machine (machinetest.Golden, in its text notation; !raw, !advance and
// !closed as it documents them), and one directive of its own:
//
//	!result queued|tempfail|nospace   how later delivered messages commit
func TestGolden(t *testing.T) {
	machinetest.Golden(t, func(t *testing.T) machinetest.Transcript {
		return machinetest.Transcript{
			Start: func() machinetest.Session { return newReplayer(t, Config{Hostname: "mx.sensor.test"}) },
		}
	})
}

// replayer plays the caller of a machine: it keeps what the machine left
// unconsumed, commits delivered messages as r.result says, and records the
// actions.
type replayer struct {
	t       *testing.T
	m       *Machine
	cfg     Config
	now     time.Time
	result  Result
	out     bytes.Buffer
	pending []byte
	msgs    []*Message
	closed  bool
}

func newReplayer(t *testing.T, cfg Config) *replayer {
	r := &replayer{t: t, cfg: Prepare(cfg), now: machinetest.T0}
	var acts []Action
	r.m, acts = New(&r.cfg, "T1", r.now, nil)
	r.apply(acts)
	return r
}

func (r *replayer) apply(acts []Action) {
	for _, a := range acts {
		switch a.Kind {
		case Write:
			r.out.Write(a.Data)
		case Close:
			r.closed = true
		case Deliver:
			r.msgs = append(r.msgs, a.Msg)
		}
	}
}

// Send feeds input, committing delivered messages as they come, until the
// machine consumes nothing more.
func (r *replayer) Send(in []byte) {
	r.pending = append(r.pending, in...)
	for {
		n, acts := r.m.Feed(r.pending, r.now)
		if n > len(r.pending) {
			r.t.Fatalf("consumed %d > %d", n, len(r.pending))
		}
		r.pending = r.pending[n:]
		r.apply(acts)
		if r.m.Waiting() {
			r.apply(r.m.Committed(r.result, r.now))
			continue
		}
		if n == 0 || len(r.pending) == 0 {
			return
		}
	}
}

// Written returns what the machine wrote since the last call.
func (r *replayer) Written() []byte {
	b := bytes.Clone(r.out.Bytes())
	r.out.Reset()
	return b
}

// Do carries out a transcript's directive.
func (r *replayer) Do(verb, arg string) error {
	switch verb {
	case "!result":
		res, ok := map[string]Result{"queued": Queued, "tempfail": TempFail, "nospace": NoSpace}[arg]
		if !ok {
			return fmt.Errorf("no result %q", arg)
		}
		r.result = res
	case "!advance":
		d, err := time.ParseDuration(arg)
		if err != nil {
			return err
		}
		r.now = r.now.Add(d)
		r.apply(r.m.Timeout(r.now))
	case "!closed":
		if !r.closed || !r.m.Closed() {
			return fmt.Errorf("machine still open (Close action %v, machine closed %v)", r.closed, r.m.Closed())
		}
	default:
		return machinetest.ErrUnknown
	}
	return nil
}

// End has nothing to check: messages are checked by the replies to them.
func (r *replayer) End() error { return nil }
