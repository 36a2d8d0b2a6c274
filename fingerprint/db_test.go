package fingerprint

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"testing/iotest"
)

func TestDefaultDB(t *testing.T) {
	db := defaultDB(t)
	// p0f says "Loaded 322 signatures": 322 minus [mtu] and [http:*] ones.
	var req, resp int
	section := ""
	for line := range strings.SplitSeq(defaultFP, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			section = line
		}
		if strings.HasPrefix(line, "sig") {
			switch section {
			case "[tcp:request]":
				req++
			case "[tcp:response]":
				resp++
			}
		}
	}
	if db.Len() != req || db.nsig[toClient] != resp {
		t.Errorf("loaded %d request and %d response signatures, file has %d and %d", db.Len(), db.nsig[toClient], req, resp)
	}
	if req < 80 {
		t.Errorf("only %d [tcp:request] signatures", req)
	}
	if !strings.Contains(defaultFP, "Distributed under the terms and conditions of GNU LGPL.") {
		t.Error("embedded p0f.fp lost its licence header")
	}
}

// TestDefaultDBIsDebians checks the embedded copy against the installed one.
func TestDefaultDBIsDebians(t *testing.T) {
	installed, err := os.ReadFile("/etc/p0f/p0f.fp")
	if err != nil {
		t.Skipf("no installed p0f.fp to compare with: %v", err)
	}
	if !bytes.Equal(installed, []byte(defaultFP)) {
		t.Error("embedded p0f.fp differs from /etc/p0f/p0f.fp")
	}
}

// dbCases are signature files with whether p0f 3.09b loads them and, if
// not, the line it complains about. TestP0fDBAcceptance re-checks them
// against p0f.
var dbCases = []struct {
	name string
	text string
	ok   bool
	line int    // line of the error
	msg  string // part of our message
}{
	{"empty", "", true, 0, ""},
	{"comments and blanks", "; x\n\n   \n\t; y\n", true, 0, ""},
	{"minimal", "classes = unix\n[tcp:request]\nlabel = s:unix:A:b\nsig = *:64:0:*:*,*:mss::0\n", true, 0, ""},
	{"no final newline", "classes = unix\n[tcp:request]\nlabel = s:unix:A:b\nsig = *:64:0:*:*,*:mss::0", true, 0, ""},
	{"leading blanks, no spaces", "classes=unix\n  [tcp:request]\n\tlabel=s:unix:A:b\n sig\t=\t*:64:0:*:*,*:mss::0\n", true, 0, ""},
	{"other sections skipped", "classes = unix\n[mtu]\nlabel = DSL\nsig = 1492\n[http:request]\nua_os = Linux\nlabel = s:!:curl:\nsys = Linux\nsig = *:Host,User-Agent:Accept:curl\n[http:response]\nlabel = g:unix:Apache:\nsig = 1:Date,Server,Connection=[Keep-Alive],Keep-Alive=[timeout]:Content-Type,Accept-Ranges:Apache\n", true, 0, ""},
	{"NUL ends the file", "classes = unix\n\x00garbage\n", true, 0, ""},
	{"signed ttl", "classes = unix\n[tcp:request]\nlabel = s:unix:A:b\nsig = *:+5:0:*:*,*:mss::0\n", true, 0, ""},
	{"empty numbers", "classes = unix\n[tcp:request]\nlabel = s:unix:A:b\nsig = *:64:::,:mss::0\n", true, 0, ""},
	{"specific after same generic", "classes = unix\n[tcp:request]\nlabel = g:unix:A:b\nsig = *:64:0:*:*,*:mss::0\nlabel = s:unix:A:c\nsig = *:64:0:*:*,*:mss::0\n", true, 0, ""},
	{"fuzzy duplicate allowed", "classes = unix\n[tcp:request]\nlabel = s:unix:A:b\nsig = 4:64:0:*:*,*:mss:df:0\nsig = 4:64:0:*:*,*:mss::0\n", true, 0, ""},
	{"same sig both directions", "classes = unix\n[tcp:request]\nlabel = s:unix:A:b\nsig = *:64:0:*:*,*:mss::0\n[tcp:response]\nlabel = s:unix:A:b\nsig = *:64:0:*:*,*:mss::0\n", true, 0, ""},

	{"trailing comma in classes", "classes = win,\n", false, 1, "malformed class entry"},
	{"late classes", "[tcp:request]\nclasses = win\n", false, 2, "misplaced 'classes'"},
	{"bad module", "[foo:request]\n", false, 1, "unrecognized fingerprinting module"},
	{"bad direction", "[tcp:sideways]\n", false, 1, "unrecognized traffic direction"},
	{"bad section", "[tcp]\n", false, 1, "malformed section"},
	{"label before section", "classes = unix\nlabel = s:unix:A:b\n", false, 2, "misplaced 'label'"},
	{"unknown class", "classes = unix\n[tcp:request]\nlabel = s:win:Windows:7\n", false, 3, "unknown class"},
	{"bad label kind", "classes = unix\n[tcp:request]\nlabel = x:unix:A:b\n", false, 3, "malformed class entry"},
	{"label without name", "classes = unix\n[tcp:request]\nlabel = s:unix::b\n", false, 3, "malformed name"},
	{"label name chars", "classes = unix\n[tcp:request]\nlabel = s:unix:A+B:b\n", false, 3, "malformed name"},
	{"empty mtu label", "[mtu]\nlabel =\n", false, 2, "empty MTU label"},
	{"sig before label", "classes = unix\n[tcp:request]\nsig = *:64:0:*:*,*:mss::0\n", false, 3, "misplaced 'sig'"},
	{"tool without sys", "classes = unix\n[tcp:request]\nlabel = s:!:Tool:\nsig = *:64:0:*:*,*:mss::0\n", false, 4, "misplaced 'sig'"},
	{"sys without tool", "classes = unix\n[tcp:request]\nlabel = s:unix:A:b\nsys = @unix\n", false, 4, "misplaced 'sys'"},
	{"sys unknown class", "classes = unix\n[tcp:request]\nlabel = s:!:Tool:\nsys = @win\n", false, 4, "unknown class"},
	{"sys trailing comma", "classes = unix\n[tcp:request]\nlabel = s:!:Tool:\nsys = @unix,\n", false, 4, "malformed sys entry"},
	{"ua_os outside http", "classes = unix\n[tcp:request]\nua_os = Linux\n", false, 3, "misplaced 'ua_os'"},
	{"unknown field", "foo = bar\n", false, 1, "unrecognized field"},
	{"no key", "= bar\n", false, 1, "unexpected statement"},
	{"no equals", "classes unix\n", false, 1, "unexpected statement"},
	{"duplicate", "classes = unix\n[tcp:request]\nlabel = s:unix:A:b\nsig = *:64:0:*:*,*:mss::0\nsig = *:64:0:*:*,*:mss::0\n", false, 5, "already covered by line 4"},
	{"covered by wildcard", "classes = unix\n[tcp:request]\nlabel = s:unix:A:b\nsig = *:64:0:*:*,*:mss::0\nsig = 4:60:0:1460:100,2:mss::0\n", false, 5, "already covered by line 4"},
	{"any-version duplicate ignores df", "classes = unix\n[tcp:request]\nlabel = s:unix:A:b\nsig = *:64:0:*:*,*:mss:df:0\nsig = *:64:0:*:*,*:mss::0\n", false, 5, "already covered by line 4"},
	{"generic after same specific", "classes = unix\n[tcp:request]\nlabel = s:unix:A:b\nsig = *:64:0:*:*,*:mss::0\nlabel = g:unix:A:c\nsig = *:64:0:*:*,*:mss::0\n", false, 6, "already covered by line 4"},
	{"CRLF", "classes = unix\r\n[tcp:request]\r\n", false, 1, "malformed class entry"},
	{"trailing blank after sig", "classes = unix\n[tcp:request]\nlabel = s:unix:A:b\nsig = *:64:0:*:*,*:mss::0 \n", false, 4, "malformed payload class"},
}

// sigErrors are bad "sig =" values, each placed on line 4 of a file.
var sigErrors = []struct {
	sig, msg string
}{
	{"5:64:0:*:*,*:mss::0", "unrecognized IP version"},
	{"4;64:0:*:*,*:mss::0", "malformed signature"},
	{"4:0:0:*:*,*:mss::0", "bogus initial TTL"},
	{"4:256:0:*:*,*:mss::0", "bogus initial TTL"},
	{"4:4294967360:0:*:*,*:mss::0", ""}, // atol then s32: wraps to 64, accepted
	{"4:64+192:0:*:*,*:mss::0", "bogus initial TTL"},
	{"4:64+x:0:*:*,*:mss::0", "malformed signature"},
	{"4:64x:0:*:*,*:mss::0", "malformed signature"},
	{"4:64:256:*:*,*:mss::0", "bogus IP option length"},
	{"4:64:0:65536:*,*:mss::0", "bogus MSS"},
	{"4:64:0:x:*,*:mss::0", "malformed signature"},
	{"4:64:0:*:%1,*:mss::0", "bogus '%' value"},
	{"4:64:0:*:mss*0,*:mss::0", "bogus MSS/MTU multiplier"},
	{"4:64:0:*:mtu*1001,*:mss::0", "bogus MSS/MTU multiplier"},
	{"4:64:0:*:65536,*:mss::0", "bogus window size"},
	{"4:64:0:*:*:*:mss::0", "malformed signature"},
	{"4:64:0:*:*,256:mss::0", "bogus window scale"},
	{"4:64:0:*:*,*:eol+1,nop::0", "EOL must be the last option"},
	{"4:64:0:*:*,*:eol::0", "malformed EOL option"},
	{"4:64:0:*:*,*:eol+1", "truncated options"},
	{"4:64:0:*:*,*:eol+256::0", "bogus EOL padding"},
	{"4:64:0:*:*,*:?256::0", "bogus '?' option"},
	{"4:64:0:*:*,*:?x::0", "malformed '?' option"},
	{"4:64:0:*:*,*:foo::0", "unrecognized TCP option"},
	{"4:64:0:*:*,*:mss;nop::0", "malformed TCP options"},
	{"4:64:0:*:*,*:" + strings.Repeat("nop,", 24) + "nop::0", "too many TCP options"},
	{"6:64:0:*:*,*:mss:df:0", "'df' is not valid for IPv6"},
	{"6:64:0:*:*,*:mss:id-:0", "'id-' is not valid for IPv6"},
	{"4:64:0:*:*,*:mss:flow:0", "'flow' is not valid for IPv4"},
	{"4:64:0:*:*,*:mss:odd:0", "unrecognized quirk"},
	{"4:64:0:*:*,*:mss:df;id+:0", "malformed quirks"},
	{"4:64:0:*:*,*:mss::1", "malformed payload class"},
	{"4:64:0:*:*,*:mss::", "malformed payload class"},
	{"4:64:0:*:*,*:mss", "malformed TCP options"},
	{"4:64:0:*:mtu*4,*:mss::0", ""},
	{"4:64-:0", "malformed signature"},
}

func init() {
	for _, s := range sigErrors {
		dbCases = append(dbCases, struct {
			name string
			text string
			ok   bool
			line int
			msg  string
		}{"sig " + s.sig, "classes = unix\n[tcp:request]\nlabel = s:unix:A:b\nsig = " + s.sig + "\n", s.msg == "", 4, s.msg})
	}
}

func TestParseDB(t *testing.T) {
	for _, tt := range dbCases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDB(strings.NewReader(tt.text))
			if tt.ok {
				if err != nil {
					t.Fatalf("ParseDB: %v", err)
				}
				return
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("ParseDB = %v, want a *SyntaxError", err)
			}
			if se.Line != tt.line || !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("got %q, want line %d and %q", err, tt.line, tt.msg)
			}
		})
	}
}

func TestParseDBQuirks(t *testing.T) {
	// p0f's "ttl-" parsing skips the first character of the olen field.
	ts, bad, msg := parseTCPSig("*:64-:12:*:*,*:mss::0")
	if msg != "" || !bad || ts.ipOptLen != 2 || ts.ttl != 64 {
		t.Errorf("ttl-: got olen %d ttl %d bad %v %q; p0f reads olen 2", ts.ipOptLen, ts.ttl, bad, msg)
	}
	ts, _, msg = parseTCPSig("*:+5:0:*:*,*:mss::0")
	if msg != "" || ts.ttl != 10 {
		t.Errorf("+5: got ttl %d %q; p0f reads atol(\"+5\") + 5 = 10", ts.ttl, msg)
	}
	ts, _, msg = parseTCPSig("4:4294967360:0:*:*,*:mss::0")
	if msg != "" || ts.ttl != 64 {
		t.Errorf("huge ttl: got %d %q; p0f's s32 truncation gives 64", ts.ttl, msg)
	}

	// Names keep their first spelling, from a label or a sys line.
	db := mustDB(t, `classes = unix,win
[tcp:request]
label = s:!:Tool:
sys   = FooOS,@win
sig   = *:64:0:*:*,*:nop::0
label = s:unix:fooos:1
sig   = *:64:0:*:*,*:mss::0
label = s:unix:LINUX:a
sig   = *:64:0:*:*,*:ws::0
label = s:UNIX:linux:b
sig   = *:64:0:*:*,*:ts::0
`)
	for _, c := range []struct {
		opts  []byte
		label string
		class string
	}{
		{[]byte{2, 4, 5, 0xb4}, "FooOS 1", "unix"},
		{[]byte{3, 3, 0}, "LINUX a", "unix"},
		{[]byte{8, 10, 0, 0, 0, 1, 0, 0, 0, 0}, "LINUX b", "unix"},
		{[]byte{3, 3, 0, 1}, "", ""}, // ws,nop: no such layout
	} {
		r := synWithOpts(c.opts)
		r.IPFlags, r.IPID = 0, 1
		if m := db.Match(&r); m.Label != c.label || m.Class != c.class {
			t.Errorf("%v: got %q (%q), want %q (%q)", c.opts, m.Label, m.Class, c.label, c.class)
		}
	}
	var names []string
	names = append(names, db.names...)
	if want := []string{"Tool", "FooOS", "LINUX"}; strings.Join(names, "|") != strings.Join(want, "|") {
		t.Errorf("names %q, want %q", names, want)
	}
}

func TestParseDBReader(t *testing.T) {
	if _, err := ParseDB(iotest.ErrReader(errors.New("disk on fire"))); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("read error: got %v", err)
	}
	big := strings.NewReader(strings.Repeat(";\n", MaxDBSize/2+1))
	if _, err := ParseDB(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversize: got %v", err)
	}
}
