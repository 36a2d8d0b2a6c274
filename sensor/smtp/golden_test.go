package smtp

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGolden replays the C:/S: transcripts under testdata/golden through the
// machine. Consecutive C: lines are sent as one batch (pipelined); the S:
// lines that follow must equal, byte for byte, everything the machine wrote
// in answer. Directives:
//
//	!result queued|tempfail|nospace   how later delivered messages commit
//	!advance 5m                       move the clock and call Timeout
//	!closed                           the machine must have closed
//	!raw <Go-quoted string>           send bytes as they are (no CRLF added)
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden transcripts: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			replay(t, f)
		})
	}
}

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

// send feeds input, committing delivered messages as they come, until the
// machine consumes nothing more.
func (r *replayer) send(in []byte) {
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

func newReplayer(t *testing.T, cfg Config) *replayer {
	r := &replayer{t: t, cfg: Prepare(cfg), now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	var acts []Action
	r.m, acts = New(&r.cfg, "T1", r.now, nil)
	r.apply(acts)
	return r
}

func replay(t *testing.T, path string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := newReplayer(t, Config{Hostname: "mx.sensor.test"})
	var batch []byte
	var want strings.Builder
	lineNo := 0
	flush := func() {
		if batch != nil {
			r.send(batch)
			batch = nil
		}
	}
	check := func() {
		if want.Len() == 0 && r.out.Len() == 0 {
			return
		}
		if got := r.out.String(); got != want.String() {
			t.Errorf("%s:%d: server wrote\n%s\nwant\n%s", path, lineNo, quoteLines(got), quoteLines(want.String()))
		}
		r.out.Reset()
		want.Reset()
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case line == "C:" || strings.HasPrefix(line, "C: "):
			if want.Len() > 0 {
				check()
			}
			batch = append(batch, strings.TrimPrefix(line[2:], " ")+"\r\n"...)
		case strings.HasPrefix(line, "!raw "):
			s, err := unquote(line[5:])
			if err != nil {
				t.Fatalf("%s:%d: %v", path, lineNo, err)
			}
			batch = append(batch, s...)
		case strings.HasPrefix(line, "S: "):
			flush()
			want.WriteString(line[3:] + "\r\n")
		case strings.HasPrefix(line, "!result "):
			flush()
			check()
			r.result = map[string]Result{"queued": Queued, "tempfail": TempFail, "nospace": NoSpace}[line[8:]]
		case strings.HasPrefix(line, "!advance "):
			flush()
			check()
			d, err := time.ParseDuration(line[9:])
			if err != nil {
				t.Fatal(err)
			}
			r.now = r.now.Add(d)
			r.apply(r.m.Timeout(r.now))
		case line == "!closed":
			flush()
			check()
			if !r.closed || !r.m.Closed() {
				t.Errorf("%s:%d: machine still open", path, lineNo)
			}
		default:
			t.Fatalf("%s:%d: bad transcript line %q", path, lineNo, line)
		}
	}
	flush()
	check()
}

func quoteLines(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\r\n"), "\r\n", "⏎\n  ") + "⏎"
}
