package socks

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestGolden replays the C:/S: transcripts under testdata/golden through the
// machine, once with each client batch fed whole and once fed a byte at a
// time: the server's bytes must not depend on the split.
//
// A transcript is lines of bytes in the notation of parseBytes: hex pairs
// ("05 01 00"), Go-quoted strings ("example.com"), either followed by *N to
// repeat it, and # comments. Consecutive C: lines are one batch the client
// sends in one write (pipelined); the S: lines that follow must equal, byte
// for byte, everything the server wrote in answer. Directives:
//
//	!local 198.51.100.7:1080      the sensor's address (before the first C:)
//	!config <Go struct fields>    e.g. MaxUserID=16 PreferUserPass=true (before the first C:)
//	!advance 30s                  move the clock and call Timeout
//	!connect S5 example.com:25    the machine returned Connect, proto and target
//	!auth socks5-userpass "u" "p" the machine returned Auth with this credential
//	!unconsumed <bytes>           what the machine left to the tunnel
//	!outcome connect              Summary().Outcome
//	!closed                       the machine closed the connection
//	!open                         the machine neither closed nor connected
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden transcripts: %v", err)
	}
	for _, f := range files {
		for _, chunk := range []int{0, 1} {
			t.Run(fmt.Sprintf("%s/chunk=%d", strings.TrimSuffix(filepath.Base(f), ".txt"), chunk), func(t *testing.T) {
				replay(t, f, chunk)
			})
		}
	}
}

type replayer struct {
	t     *testing.T
	cfg   Config
	local netip.AddrPort
	chunk int
	c     *client
}

// machine starts the session at the first use, after !local and !config.
func (r *replayer) machine() *client {
	if r.c == nil {
		r.c = newClient(r.t, &r.cfg, r.local)
	}
	return r.c
}

func replay(t *testing.T, path string, chunk int) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := &replayer{t: t, local: local4, chunk: chunk}
	var batch, want []byte
	lineNo := 0
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s:%d: %s", path, lineNo, fmt.Sprintf(format, args...))
	}
	flush := func() {
		if batch != nil {
			r.machine().sendChunks(batch, chunk)
			batch = nil
		}
	}
	check := func() {
		flush()
		c := r.machine()
		if got := c.out.Bytes(); !bytes.Equal(got, want) {
			t.Errorf("%s:%d: server wrote\n  %s\nwant\n  %s", path, lineNo, formatBytes(got), formatBytes(want))
		}
		c.out.Reset()
		want = nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch verb {
		case "":
		case "C:":
			if want != nil {
				check()
			}
			b, err := parseBytes(arg)
			if err != nil {
				fail("%v", err)
			}
			batch = append(batch, b...)
		case "S:":
			flush()
			b, err := parseBytes(arg)
			if err != nil {
				fail("%v", err)
			}
			want = append(want, b...)
		case "!local":
			if r.c != nil {
				fail("!local after the session started")
			}
			r.local, err = netip.ParseAddrPort(arg)
			if err != nil {
				fail("%v", err)
			}
		case "!config":
			if r.c != nil {
				fail("!config after the session started")
			}
			if err := setConfig(&r.cfg, arg); err != nil {
				fail("%v", err)
			}
		case "!advance":
			check()
			d, err := time.ParseDuration(arg)
			if err != nil {
				fail("%v", err)
			}
			c := r.machine()
			c.now = c.now.Add(d)
			c.apply(c.m.Timeout(c.now))
		case "!connect":
			check()
			c := r.machine()
			if len(c.connects) != 1 {
				fail("connects %+v, want one", c.connects)
			}
			if got := string(c.connects[0].Proto) + " " + c.connects[0].Target.String(); got != arg {
				t.Errorf("%s:%d: connect %s, want %s", path, lineNo, got, arg)
			}
		case "!auth":
			check()
			c := r.machine()
			if len(c.creds) != 1 {
				fail("creds %+v, want one", c.creds)
			}
			cr := c.creds[0]
			if got := cr.Mech + " " + strconv.Quote(cr.User) + " " + strconv.Quote(cr.Password); got != arg {
				t.Errorf("%s:%d: auth %s, want %s", path, lineNo, got, arg)
			}
		case "!unconsumed":
			check()
			b, err := parseBytes(arg)
			if err != nil {
				fail("%v", err)
			}
			if got := r.machine().pending; !bytes.Equal(got, b) {
				t.Errorf("%s:%d: unconsumed %s, want %s", path, lineNo, formatBytes(got), formatBytes(b))
			}
		case "!outcome":
			check()
			if got := r.machine().m.Summary().Outcome; got != arg {
				t.Errorf("%s:%d: outcome %q, want %q", path, lineNo, got, arg)
			}
		case "!closed", "!open":
			check()
			c := r.machine()
			if closed := verb == "!closed"; c.closed != closed || c.m.Closed() != closed || (!closed && c.done()) {
				t.Errorf("%s:%d: closed %v (machine %v), connects %d; want %s", path, lineNo, c.closed, c.m.Closed(), len(c.connects), verb)
			}
		default:
			fail("bad transcript line %q", line)
		}
	}
	check()
}

// setConfig sets Config fields from "Name=value" words.
func setConfig(c *Config, s string) error {
	for _, f := range strings.Fields(s) {
		name, val, _ := strings.Cut(f, "=")
		var err error
		switch name {
		case "MaxUserID":
			c.MaxUserID, err = strconv.Atoi(val)
		case "MaxUsername":
			c.MaxUsername, err = strconv.Atoi(val)
		case "MaxPassword":
			c.MaxPassword, err = strconv.Atoi(val)
		case "MaxDomain":
			c.MaxDomain, err = strconv.Atoi(val)
		case "HandshakeTimeout":
			c.HandshakeTimeout, err = time.ParseDuration(val)
		case "PreferUserPass":
			c.PreferUserPass, err = strconv.ParseBool(val)
		default:
			err = fmt.Errorf("unknown field %q", name)
		}
		if err != nil {
			return fmt.Errorf("config %s: %w", f, err)
		}
	}
	return nil
}
