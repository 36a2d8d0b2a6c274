package machinetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/spampots/spampots/sensor/proxy"
)

// Validator is a machine's Config.
type Validator interface{ Validate() error }

// CheckValidate checks a Config's Validate: every one of good passes, and
// bad's error reports every problem of want (all of them at once).
func CheckValidate(t *testing.T, good []Validator, bad Validator, want ...string) {
	t.Helper()
	for _, c := range good {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
	err := bad.Validate()
	for _, s := range want {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("error %v lacks %q", err, s)
		}
	}
}

// SteadyAllocs checks that a machine in steady state allocates at most max
// times per input: feed, which returns how much of in the machine
// consumed, gets in once to grow the buffers, then again and again, and
// must consume it all every time.
func SteadyAllocs(t *testing.T, in []byte, max float64, feed func(in []byte) int) {
	t.Helper()
	feed(in)
	allocs := testing.AllocsPerRun(100, func() {
		if n := feed(in); n != len(in) {
			t.Fatalf("consumed %d of %d", n, len(in))
		}
	})
	if allocs > max {
		t.Errorf("%.0f allocations per input, want at most %.0f", allocs, max)
	}
}

// Seed gives a fuzz test whose arguments are (in []byte, split uint16)
// every unit after every prefix, split where the prefix ends: every
// command in every state (STYLE.md: mox's smtpserver/fuzz_test.go).
func Seed(f *testing.F, prefixes, units []string) {
	for _, p := range prefixes {
		for _, u := range units {
			f.Add([]byte(p+u), uint16(len(p)))
		}
	}
}

// CheckHTTP checks what an HTTP machine (sensor/httpproxy, sensor/web)
// wrote in a table test, and returns it: the status codes of its answers
// in order (fatal when they differ), whether it closed (the Close action
// and the machine agreeing), and that the output has every one of
// contains.
func (d *Driver[M]) CheckHTTP(statuses []int, closed bool, contains []string) string {
	d.T.Helper()
	out := d.Out.String()
	if got := Statuses(out); !slices.Equal(got, statuses) {
		d.T.Fatalf("statuses %v, want %v; output:\n%s", got, statuses, out)
	}
	if d.Closed != closed || d.M.Closed() != closed {
		d.T.Errorf("closed = %v (machine %v), want %v", d.Closed, d.M.Closed(), closed)
	}
	for _, s := range contains {
		if !strings.Contains(out, s) {
			d.T.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	return out
}

// FuzzLog returns a Driver.Check for the fuzz test of an HTTP machine
// (sensor/httpproxy, sensor/web): it fails when a call writes more than
// maxWrite bytes, a request keeps more than maxBody bytes of its body (or
// more than it had), or a Connect lacks a host or a port, and writes every
// action but the writes to log, for comparing runs.
func FuzzLog(t testing.TB, log *strings.Builder, maxWrite, maxBody int) func([]proxy.Action) {
	return func(acts []proxy.Action) {
		for _, a := range acts {
			switch a.Kind {
			case proxy.Write:
				if len(a.Data) > maxWrite {
					t.Fatalf("%d bytes written in one call", len(a.Data))
				}
			case proxy.Request:
				if len(a.Req.Body) > maxBody || int64(len(a.Req.Body)) > a.Req.BodyLen {
					t.Fatalf("body of %d bytes kept of %d", len(a.Req.Body), a.Req.BodyLen)
				}
				fmt.Fprintf(log, "[request %s %q %s %d %d %d]\n", a.Req.Method, a.Req.URL, a.Req.Target, a.Req.Status, a.Req.BodyLen, len(a.Req.Headers))
			case proxy.Auth:
				fmt.Fprintf(log, "[auth %q %q %q]\n", a.Cred.Mech, a.Cred.User, a.Cred.Password)
			case proxy.Connect:
				if a.Target.Port == 0 || a.Target.Name() == "" {
					t.Fatalf("Connect to %v", a.Target)
				}
				fmt.Fprintf(log, "[connect %s %s]\n", a.Proto, a.Target)
			case proxy.Close:
				log.WriteString("[close]\n")
			}
		}
	}
}
