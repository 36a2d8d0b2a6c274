package machinetest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Format is how a transcript writes the bytes of its C: and S: lines.
type Format uint8

const (
	// Text: "C: x" and "S: x" are the line x and CRLF; "S| x" is x and a
	// bare LF (sensor/smtp, sensor/httpproxy, sensor/web).
	Text Format = iota
	// Bytes: "C: x" and "S: x" are the bytes x in the notation of
	// ParseBytes (sensor/socks).
	Bytes
)

// ErrUnknown is what Session.Do returns for a directive it does not know.
var ErrUnknown = errors.New("unknown directive")

// Session is one connection a transcript drives. Driver is one for the
// machines that answer with sensor/proxy actions.
type Session interface {
	// Send gives the machine a piece of the client's input.
	Send(in []byte)
	// Written returns what the machine wrote since the last call.
	Written() []byte
	// Do carries out a directive, after the input before it was sent and
	// the output checked; ErrUnknown when it is not one.
	Do(verb, arg string) error
	// End checks, after the last line, what the transcript had to name.
	End() error
}

// Transcript is how one package plays its transcripts.
type Transcript struct {
	Format Format
	// Setup, when set, handles a directive that comes before the session
	// starts (!host, !local, !config); it reports whether it knew it.
	Setup func(verb, arg string) (bool, error)
	// Start begins the session, at the first line that needs the machine.
	Start func() Session
}

// Golden replays every transcript testdata/golden/*.txt through a fresh
// session from play, as the subtests NAME/chunk=0, every batch of client
// input fed whole, and NAME/chunk=1, fed a byte at a time: the machine's
// answers must not depend on the split.
//
// Lines: blank and # lines are comments. Consecutive C: lines (and !raw)
// are one batch the client sends in one write (pipelined); the S: lines
// (and S|, !sraw) that follow must equal, byte for byte, everything the
// machine wrote in answer. Every other line is a directive, carried out
// after the batch before it was sent and the answer checked. Directives:
//
//	!raw <bytes>                  send bytes as they are (ParseBytes: "\r\n", 05 01 00)
//	!sraw <bytes>                 expect bytes as they are
//	!advance 2m                   move the clock and call Timeout
//	!closed                       the machine closed the connection
//
// and, through Driver, for the machines that answer with sensor/proxy
// actions:
//
//	!request GET http://a/ 200 0  the next recorded request: method, URL, status, body length
//	!auth basic "user" "pass"     the next recorded credential: mechanism, user, password
//	!connect HTTP host:port       the one Connect: protocol and target
//	!unconsumed <bytes>           what the machine left unconsumed: after a Connect, the tunnel's
//
// At the end every request and credential recorded must have been named.
// A package adds its own (Transcript.Setup, Session.Do).
func Golden(t *testing.T, play func(t *testing.T) Transcript) {
	files, err := filepath.Glob("testdata/golden/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden transcripts: %v", err)
	}
	for _, f := range files {
		for _, chunk := range []int{0, 1} {
			t.Run(fmt.Sprintf("%s/chunk=%d", strings.TrimSuffix(filepath.Base(f), ".txt"), chunk), func(t *testing.T) {
				replay(t, f, chunk, play(t))
			})
		}
	}
}

// replay runs one transcript, feeding batches in pieces of chunk bytes.
func replay(t *testing.T, path string, chunk int, tr Transcript) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lineNo := 0
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s:%d: %s", path, lineNo, fmt.Sprintf(format, args...))
	}
	show := func(b []byte) string {
		if tr.Format == Bytes {
			return "  " + FormatBytes(b)
		}
		return QuoteLines(string(b))
	}
	parse := func(arg string) []byte {
		t.Helper()
		b, err := ParseBytes(arg)
		if err != nil {
			fail("%v", err)
		}
		return b
	}
	var s Session
	var batch, want []byte
	expecting := false // S: lines since the last check
	flush := func() {
		if s == nil {
			s = tr.Start()
		}
		Chunks(batch, chunk, s.Send)
		batch = nil
	}
	check := func() {
		flush()
		if got := s.Written(); !bytes.Equal(got, want) {
			t.Errorf("%s:%d (chunk %d): machine wrote\n%s\nwant\n%s", path, lineNo, chunk, show(got), show(want))
		}
		want, expecting = nil, false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch {
		case verb == "C:":
			if expecting {
				check()
			}
			if tr.Format == Bytes {
				batch = append(batch, parse(arg)...)
			} else {
				batch = append(batch, arg+"\r\n"...)
			}
		case verb == "!raw":
			batch = append(batch, parse(arg)...)
		case verb == "S:" || verb == "S|" && tr.Format == Text || verb == "!sraw":
			flush()
			switch {
			case verb == "!sraw" || tr.Format == Bytes:
				want = append(want, parse(arg)...)
			case verb == "S:":
				want = append(want, arg+"\r\n"...)
			default:
				want = append(want, arg+"\n"...)
			}
			expecting = true
		case strings.HasPrefix(verb, "!"):
			if s == nil && tr.Setup != nil {
				ok, err := tr.Setup(verb, arg)
				if err != nil {
					fail("%v", err)
				}
				if ok {
					continue
				}
			}
			check()
			if err := s.Do(verb, arg); errors.Is(err, ErrUnknown) {
				fail("bad transcript line %q", line)
			} else if err != nil {
				t.Errorf("%s:%d: %v", path, lineNo, err)
			}
		default:
			fail("bad transcript line %q", line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	check()
	if err := s.End(); err != nil {
		t.Errorf("%s: %v", path, err)
	}
}
