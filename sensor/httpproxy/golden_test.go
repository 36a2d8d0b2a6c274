package httpproxy

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestGolden replays the C:/S: transcripts under testdata/golden through a
// machine, one client connection per file, as sensor/smtp's do.
// Consecutive C: lines (each sent with CRLF) are one batch; the S: lines
// that follow must equal, byte for byte, everything the machine wrote in
// answer. "S: x" is x with CRLF, "S| x" is x with LF alone. Directives:
//
//	!raw <Go-quoted string>      send bytes as they are
//	!sraw <Go-quoted string>     expect bytes as they are
//	!request GET http://a/ 200 0 the next recorded request: method, URL, status, body length
//	!auth basic user pass        the next recorded credential (mech, user, password)
//	!connect host:port           the machine handed the connection to this target
//	!tunnel <Go-quoted string>   the bytes left for the destination after the Connect
//	!advance 2m                  move the clock and call Timeout
//	!closed                      the machine must have closed
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden transcripts: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			for _, chunk := range []int{0, 1} {
				replay(t, f, chunk)
			}
		})
	}
}

// replay runs one transcript, feeding batches in chunks of the given size.
func replay(t *testing.T, path string, chunk int) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := newDriver(t, nil)
	var batch []byte
	var want bytes.Buffer
	reqs, creds := 0, 0
	lineNo := 0
	flush := func() {
		for len(batch) > 0 {
			k := len(batch)
			if chunk > 0 {
				k = min(chunk, k)
			}
			d.send(batch[:k])
			batch = batch[k:]
		}
		batch = nil
	}
	check := func() {
		if got := d.out.String(); got != want.String() {
			t.Errorf("%s:%d (split %d): proxy wrote\n%s\nwant\n%s", path, lineNo, chunk, quoteLines(got), quoteLines(want.String()))
		}
		d.out.Reset()
		want.Reset()
	}
	quoted := func(s string) string {
		u, err := strconv.Unquote(s)
		if err != nil {
			t.Fatalf("%s:%d: %v", path, lineNo, err)
		}
		return u
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
			batch = append(batch, quoted(line[5:])...)
		case line == "S:" || strings.HasPrefix(line, "S: "):
			flush()
			want.WriteString(strings.TrimPrefix(line[2:], " ") + "\r\n")
		case line == "S|" || strings.HasPrefix(line, "S| "):
			flush()
			want.WriteString(strings.TrimPrefix(line[2:], " ") + "\n")
		case strings.HasPrefix(line, "!sraw "):
			flush()
			want.WriteString(quoted(line[6:]))
		case strings.HasPrefix(line, "!request "):
			flush()
			if reqs >= len(d.reqs) {
				t.Fatalf("%s:%d: no request recorded", path, lineNo)
			}
			r := d.reqs[reqs]
			reqs++
			if got := fmt.Sprint(r.Method, " ", r.URL, " ", r.Status, " ", r.BodyLen); got != line[9:] {
				t.Errorf("%s:%d: request %q, want %q", path, lineNo, got, line[9:])
			}
		case strings.HasPrefix(line, "!auth "):
			flush()
			if creds >= len(d.creds) {
				t.Fatalf("%s:%d: no credential recorded", path, lineNo)
			}
			c := d.creds[creds]
			creds++
			if got := c.Mech + " " + c.User + " " + c.Password; got != line[6:] {
				t.Errorf("%s:%d: credential %q, want %q", path, lineNo, got, line[6:])
			}
		case strings.HasPrefix(line, "!connect "):
			flush()
			check()
			if len(d.connects) != 1 || d.connects[0].String() != line[9:] || !d.m.Connected() {
				t.Errorf("%s:%d: connects %v, want %s", path, lineNo, d.connects, line[9:])
			}
		case strings.HasPrefix(line, "!tunnel "):
			flush()
			if got, want := string(d.pending), quoted(line[8:]); got != want {
				t.Errorf("%s:%d: tunnel bytes %q, want %q", path, lineNo, got, want)
			}
		case strings.HasPrefix(line, "!advance "):
			flush()
			check()
			dur, err := time.ParseDuration(line[9:])
			if err != nil {
				t.Fatal(err)
			}
			d.now = d.now.Add(dur)
			d.apply(d.m.Timeout(d.now))
		case line == "!closed":
			flush()
			check()
			if !d.closed || !d.m.Closed() {
				t.Errorf("%s:%d: machine still open", path, lineNo)
			}
		default:
			t.Fatalf("%s:%d: bad transcript line %q", path, lineNo, line)
		}
	}
	flush()
	check()
	if reqs != len(d.reqs) || creds != len(d.creds) {
		t.Errorf("%s: %d requests and %d credentials recorded, %d and %d in the transcript", path, len(d.reqs), len(d.creds), reqs, creds)
	}
}

func quoteLines(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\r\n"), "\r\n", "⏎\n  ") + "⏎"
}
