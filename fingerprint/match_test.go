package fingerprint

import (
	"strings"
	"testing"

	"github.com/spampots/spampots/fingerprint/syntest"
)

func defaultDB(tb testing.TB) *DB {
	tb.Helper()
	db, err := Default()
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

// TestMatchTable checks every crafted SYN against the labels, distances,
// params and raw signatures p0f 3.09b gave for them (no p0f needed).
func TestMatchTable(t *testing.T) {
	db := defaultDB(t)
	for i, c := range synCases {
		t.Run(c.name, func(t *testing.T) {
			var r Record
			if err := ParseIP(casePacket(t, i), &r); err != nil {
				t.Fatalf("ParseIP: %v", err)
			}
			m := db.Match(&r)
			if got := m.String(); got != c.os {
				t.Errorf("Match = %q, p0f says %q", got, c.os)
			}
			if got := m.Params(&r); got != c.params {
				t.Errorf("Params = %q, p0f says %q", got, c.params)
			}
			if got := r.Signature(); got != c.raw {
				t.Errorf("Signature = %q, p0f says %q", got, c.raw)
			}
		})
	}
}

func TestMatchFields(t *testing.T) {
	db := defaultDB(t)
	match := func(s syn) Match {
		t.Helper()
		s.src, s.dst = syntest.Source(1, s.v6)
		var r Record
		if err := ParseIP(s.build(t), &r); err != nil {
			t.Fatal(err)
		}
		return db.Match(&r)
	}

	m := match(fromShared(syntest.Linux(1460, 29200, 7)))
	want := Match{Label: "Linux 3.11 and newer", Class: "unix", Name: "Linux", Flavor: "3.11 and newer", Line: 97}
	if m != want {
		t.Errorf("Linux: got %#v, want %#v", m, want)
	}
	if !m.Known() {
		t.Error("Known() = false for a match")
	}

	m = match(fromShared(syntest.Apple(6)))
	want = Match{Label: "Mac OS X", Class: "unix", Name: "Mac OS X", Generic: true, Line: 228}
	if m != want {
		t.Errorf("generic macOS: got %#v, want %#v", m, want)
	}

	m = match(syn{ttl: 47, id: 0x3f00, win: 1024, seq: 1, opts: oMSS(1460)})
	if !m.App || !m.RandomTTL || m.Class != "!" || m.Dist != 17 || m.String() != "app=NMap SYN scan|dist=<= 17" {
		t.Errorf("nmap: got %+v (%s)", m, m)
	}

	m = match(syn{ttl: 64, id: 1, win: 512, seq: 1})
	if m.Known() || m.String() != "os=???|dist=0" || m.Params(&Record{}) != "none" {
		t.Errorf("unknown: got %+v (%s)", m, m)
	}
}

// mustDB parses a signature file or fails the test.
func mustDB(tb testing.TB, text string) *DB {
	tb.Helper()
	db, err := ParseDB(strings.NewReader(text))
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

// edgeFP exercises the signature forms the stock p0f.fp does not use
// (window %N, ?N options, sack, ttl+dist, ttl- with an olen, payload
// classes, IPv6-only quirks) and p0f's match order (generic after specific,
// first fuzzy, no fuzzy userland tools). The same file drives
// TestP0fDifferentialEdgeDB.
const edgeFP = `classes = win,unix,other

[tcp:request]

label = s:unix:Modwin:even
sig   = 4:64:0:*:%1000,0:mss,nop,nop,sack::0

label = s:unix:Unknownopt:
sig   = *:64:0:1460:*,*:mss,?30,?254,nop:df,id+:*

label = s:other:Plusttl:ttl 60+4
sig   = 4:60+4:0:*:*,*:mss,nop,ws:df:0

label = s:other:Badttl:olen skip
sig   = *:200-:4:*:*,*:mss,nop,nop,nop,nop:ecn:+

label = g:other:Generic:first
sig   = *:128:0:*:*,*:mss,ws,nop:df,id+:0

label = s:other:Specific:after generic
sig   = *:128:0:1460:16384,2:mss,ws,nop:df,id+:0

label = s:other:Fuzzy:first
sig   = *:64:0:*:*,*:ts,nop,nop:df,id+:0
label = s:other:Fuzzy:second
sig   = *:64:0:*:*,*:ts,nop,nop:df:0

label = s:other:V6only:flow
sig   = 6:64:0:*:*,*:sok,nop,nop:flow:0

label = s:other:Anyver:df
sig   = *:64:0:*:*,*:sok,nop,nop:df,id+:0

label = s:!:Tool:fuzzy-excluded
sys   = @unix
sig   = *:64:0:*:*,*:nop,mss,nop,nop,nop:df,id+:0
label = s:unix:AfterTool:fuzzy
sig   = *:64:0:*:*,*:nop,mss,nop,nop,nop:df,id+,ecn:0

label = s:unix:Mtu:x4
sig   = 4:64:0:*:mtu*4,*:mss,sok,nop,nop:df,id+:0
label = s:unix:Mss:x4
sig   = 4:64:0:*:mss*4,*:mss,sok,nop,nop:df,id+:0
`

var (
	sack        = []byte{5, 10, 0, 0, 0, 1, 0, 0, 0, 2}
	unknownOpts = opts(oMSS(1460), []byte{30, 2}, []byte{254, 5, 1, 2, 3}, oNOP())
	toolOpts    = opts(oNOP(), oMSS(1460), oNOP(), oNOP(), oNOP())
)

// edgeCases are SYNs aimed at edgeFP's signatures, with what p0f 3.09b
// says for them.
var edgeCases = []struct {
	name string
	syn  syn
	os   string
}{
	{"window %1000", syn{ttl: 64, id: 9, win: 5000, seq: 1, opts: opts(oMSS(1460), oNOP(), oNOP(), sack)},
		"os=Modwin even|dist=0"},
	{"window not %1000", syn{ttl: 64, id: 9, win: 5001, seq: 1, opts: opts(oMSS(1460), oNOP(), oNOP(), sack)},
		"os=???|dist=0"},
	{"?N options", syn{ttl: 60, df: true, id: 9, win: 100, seq: 1, opts: unknownOpts},
		"os=Unknownopt|dist=4"},
	{"?N options any payload", syn{ttl: 60, df: true, id: 9, win: 100, seq: 1, payload: []byte("x"), opts: unknownOpts},
		"os=Unknownopt|dist=4"},
	{"?N options no df fuzzy", syn{ttl: 60, id: 9, win: 100, seq: 1, opts: unknownOpts},
		"os=Unknownopt|dist=4"},
	{"ttl 60+4", syn{ttl: 60, df: true, win: 100, seq: 1, opts: opts(oMSS(1460), oNOP(), oWS(2))},
		"os=Plusttl ttl 60+4|dist=4"},
	{"ttl 60+4 at 40", syn{ttl: 40, df: true, win: 100, seq: 1, opts: opts(oMSS(1460), oNOP(), oWS(2))},
		"os=Plusttl ttl 60+4|dist=24"},
	{"random ttl olen skipped", syn{ttl: 90, id: 3, tos: 1, win: 100, seq: 1, payload: []byte("y"),
		opts: opts(oMSS(1460), oNOP(), oNOP(), oNOP(), oNOP())},
		"os=Badttl olen skip|dist=<= 110"},
	{"random ttl above", syn{ttl: 201, id: 3, tos: 1, win: 100, seq: 1, payload: []byte("y"),
		opts: opts(oMSS(1460), oNOP(), oNOP(), oNOP(), oNOP())},
		"os=???|dist=54"},
	{"specific after generic", syn{ttl: 128, df: true, id: 7, win: 16384, seq: 1, opts: opts(oMSS(1460), oWS(2), oNOP())},
		"os=Specific after generic|dist=0"},
	{"generic only", syn{ttl: 120, df: true, id: 7, win: 16385, seq: 1, opts: opts(oMSS(1460), oWS(2), oNOP())},
		"os=Generic first|dist=8"},
	{"exact beats earlier fuzzy", syn{ttl: 64, df: true, win: 1, seq: 5, opts: opts(oTS(1, 0), oNOP(), oNOP())},
		"os=Fuzzy second|dist=0"},
	{"first fuzzy wins", syn{ttl: 64, id: 5, win: 1, seq: 5, tos: 2, opts: opts(oTS(1, 0), oNOP(), oNOP())},
		"os=Fuzzy first|dist=0"},
	{"first fuzzy keeps ttl fuzzy out", syn{ttl: 100, df: true, win: 1, seq: 5, opts: opts(oTS(1, 0), oNOP(), oNOP())},
		"os=Fuzzy first|dist=28"},
	{"v6 flow", syn{v6: true, ttl: 64, flow: 1, win: 1, seq: 5, opts: opts(oSOK(), oNOP(), oNOP())},
		"os=V6only flow|dist=0"},
	{"any version on v6", syn{v6: true, ttl: 63, win: 1, seq: 5, opts: opts(oSOK(), oNOP(), oNOP())},
		"os=Anyver df|dist=1"},
	{"any version on v4", syn{ttl: 63, df: true, id: 1, win: 1, seq: 5, opts: opts(oSOK(), oNOP(), oNOP())},
		"os=Anyver df|dist=1"},
	{"tool exact", syn{ttl: 64, df: true, id: 1, win: 1, seq: 5, opts: toolOpts},
		"app=Tool fuzzy-excluded|dist=0"},
	{"exact after fuzzy tool", syn{ttl: 64, df: true, id: 1, tos: 3, win: 1, seq: 5, opts: toolOpts},
		"os=AfterTool fuzzy|dist=0"},
	{"fuzzy tool hides all", syn{ttl: 60, id: 1, tos: 3, win: 1, seq: 5, opts: toolOpts},
		"os=???|dist=0"},
	{"mtu*4", syn{ttl: 64, df: true, id: 1, win: 6000, seq: 5, opts: opts(oMSS(1460), oSOK(), oNOP(), oNOP())},
		"os=Mtu x4|dist=0"},
	{"mss*4", syn{ttl: 64, df: true, id: 1, win: 5840, seq: 5, opts: opts(oMSS(1460), oSOK(), oNOP(), oNOP())},
		"os=Mss x4|dist=0"},
}

func TestMatchEdgeDB(t *testing.T) {
	db := mustDB(t, edgeFP)
	for i, c := range edgeCases {
		t.Run(c.name, func(t *testing.T) {
			s := c.syn
			s.src, s.dst = syntest.Source(i, s.v6)
			var r Record
			if err := ParseIP(s.build(t), &r); err != nil {
				t.Fatal(err)
			}
			if got := db.Match(&r).String(); got != c.os {
				t.Errorf("Match = %q, want %q (raw_sig %s)", got, c.os, r.Signature())
			}
		})
	}
}

func TestDetectWinMulti(t *testing.T) {
	tests := []struct {
		name   string
		ts     tcpSig
		multi  int
		useMTU bool
	}{
		{"mss", tcpSig{win: 29200, mss: 1460, ipVer: 4}, 20, false},
		{"zero window", tcpSig{win: 0, mss: 1460, ipVer: 4}, -1, false},
		{"small mss", tcpSig{win: 990, mss: 99, ipVer: 4}, -1, false},
		{"mss-12 needs ts", tcpSig{win: 28960, mss: 1460, ipVer: 4}, 20, false}, // 1448 = 1500-40-12
		{"mss-12 with ts", tcpSig{win: 14400, mss: 1212, ts1: 1, ipVer: 4}, 12, false},
		{"mss-12 without ts", tcpSig{win: 14400, mss: 1212, ipVer: 4}, -1, false},
		{"wrong interface", tcpSig{win: 14600, mss: 1400, ipVer: 4}, 10, false},
		{"ipv6 1440", tcpSig{win: 2880, mss: 1000, ipVer: 6}, 2, false},
		{"ipv6 1440 on ipv4", tcpSig{win: 2880, mss: 1000, ipVer: 4}, -1, false},
		{"mtu ipv4", tcpSig{win: 3000, mss: 1460, ipVer: 4}, 2, true},
		{"mtu actual", tcpSig{win: 3040, mss: 1460, totHdr: 60, ipVer: 4}, 2, true},
		{"mtu ipv6", tcpSig{win: 2040, mss: 960, ipVer: 6}, 2, true},
		{"mtu 1500", tcpSig{win: 4500, mss: 1000, ipVer: 4}, 3, true},
		{"signature", tcpSig{win: 20, mss: 1460, winType: winMSS}, -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			multi, useMTU := detectWinMulti(&tt.ts)
			if multi != tt.multi || useMTU != tt.useMTU {
				t.Errorf("got %d, %v; want %d, %v", multi, useMTU, tt.multi, tt.useMTU)
			}
		})
	}
}

func TestGuessDist(t *testing.T) {
	for ttl, want := range map[uint8]uint8{0: 32, 1: 31, 32: 0, 33: 31, 64: 0, 65: 63, 128: 0, 129: 126, 255: 0} {
		if got := guessDist(ttl); got != want {
			t.Errorf("guessDist(%d) = %d, want %d", ttl, got, want)
		}
	}
}

func TestMatchConcurrent(t *testing.T) {
	db := defaultDB(t)
	t.Parallel()
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range synCases {
				var r Record
				if err := ParseIP(casePacket(t, (i+g)%len(synCases)), &r); err != nil {
					t.Error(err)
					return
				}
				db.Match(&r)
			}
		}()
	}
	for range 4 {
		<-done
	}
}
