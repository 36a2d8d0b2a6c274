package web

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
// machine, one connection per file, as sensor/smtp's do. Consecutive C:
// lines (each sent with CRLF) are one batch, fed at once; the S: lines that
// follow must equal, byte for byte, everything the machine wrote in
// answer. "S: x" is x with CRLF, "S| x" is x with LF alone. Directives:
//
//	!host www.example.com:80     the host the proxy was asked for (before any input)
//	!raw <Go-quoted string>      send bytes as they are
//	!sraw <Go-quoted string>     expect bytes as they are
//	!request GET /path 200 0     the next recorded request: method, URL, status, body length
//	!advance 75s                 move the clock and call Timeout
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
	var d *driver
	host := "www.example.com"
	start := func() {
		if d == nil {
			d = newDriver(t, nil, host)
		}
	}
	var batch []byte
	var want bytes.Buffer
	reqs := 0
	lineNo := 0
	flush := func() {
		start()
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
		if want.Len() == 0 && d.out.Len() == 0 {
			return
		}
		if got := d.out.String(); got != want.String() {
			t.Errorf("%s:%d (split %d): server wrote\n%s\nwant\n%s", path, lineNo, chunk, quoteLines(got), quoteLines(want.String()))
		}
		d.out.Reset()
		want.Reset()
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "!host "):
			host = line[6:]
		case line == "C:" || strings.HasPrefix(line, "C: "):
			if want.Len() > 0 {
				start()
				check()
			}
			batch = append(batch, strings.TrimPrefix(line[2:], " ")+"\r\n"...)
		case strings.HasPrefix(line, "!raw "):
			s, err := strconv.Unquote(line[5:])
			if err != nil {
				t.Fatalf("%s:%d: %v", path, lineNo, err)
			}
			batch = append(batch, s...)
		case line == "S:" || strings.HasPrefix(line, "S: "):
			flush()
			want.WriteString(strings.TrimPrefix(line[2:], " ") + "\r\n")
		case line == "S|" || strings.HasPrefix(line, "S| "):
			flush()
			want.WriteString(strings.TrimPrefix(line[2:], " ") + "\n")
		case strings.HasPrefix(line, "!sraw "):
			flush()
			s, err := strconv.Unquote(line[6:])
			if err != nil {
				t.Fatalf("%s:%d: %v", path, lineNo, err)
			}
			want.WriteString(s)
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
	if reqs != len(d.reqs) {
		t.Errorf("%s: %d requests recorded, %d in the transcript", path, len(d.reqs), reqs)
	}
}

func quoteLines(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\r\n"), "\r\n", "⏎\n  ") + "⏎"
}
