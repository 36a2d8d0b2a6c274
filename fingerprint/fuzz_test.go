package fingerprint

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/spampots/spampots/fingerprint/syntest"
)

// rawSigRE is the grammar of p0f's raw_sig for a packet (dump_sig).
var rawSigRE = regexp.MustCompile(`^[46]:\d{1,3}\+(\d{1,2}|\?):\d{1,2}:(\d{1,5}|\*):` +
	`((mss|mtu)\*\d{1,3}|\d{1,5}),\d{1,3}:` +
	`((eol\+\d{1,2}|nop|mss|ws|sok|sack|ts|\?\d{1,3})(,(eol\+\d{1,2}|nop|mss|ws|sok|sack|ts|\?\d{1,3})){0,23})?:` +
	`((df|id\+|id-|ecn|0\+|flow|seq-|ack\+|ack-|uptr\+|urgf\+|pushf\+|ts1-|ts2\+|opt\+|exws|bad)` +
	`(,(df|id\+|id-|ecn|0\+|flow|seq-|ack\+|ack-|uptr\+|urgf\+|pushf\+|ts1-|ts2\+|opt\+|exws|bad))*)?:[0+]$`)

// FuzzParseIP feeds arbitrary bytes to the packet parser (as an IP packet
// and as an Ethernet frame) and the matcher. Invariants: nothing panics; a
// parsed packet's raw signature is well-formed; and, read back as a p0f.fp
// signature, it loads and matches the packet exactly at the guessed
// distance, which ties the parser, Signature, ParseDB and Match together.
func FuzzParseIP(f *testing.F) {
	f.Add(linuxSYN4)
	f.Add(linuxSYN6)
	for i := range synCases {
		f.Add(casePacket(f, i))
	}
	for i, c := range edgeCases {
		s := c.syn
		s.src, s.dst = syntest.Source(i, s.v6)
		f.Add(s.build(f))
	}
	f.Add(linuxSYN4[:40])
	f.Add(ethernet(linuxSYN4))

	db := defaultDB(f)
	f.Fuzz(func(t *testing.T, pkt []byte) {
		var r Record
		if err := ParseFrame(pkt, &r); err == nil {
			_ = db.Match(&r).String()
		}
		if err := ParseIP(pkt, &r); err != nil {
			return
		}
		if r.OptLen > MaxOptLen || (r.IPVersion != 4 && r.IPVersion != 6) {
			t.Fatalf("bad record %+v", r)
		}
		m := db.Match(&r)
		_ = m.Params(&r)
		sig := r.Signature()
		if string(r.AppendSignature(nil)) != sig {
			t.Fatal("AppendSignature differs from Signature")
		}
		if !rawSigRE.MatchString(sig) {
			t.Fatalf("malformed raw_sig %q", sig)
		}
		dist := guessDist(r.TTL)
		if !r.IsSYN() || r.TTL == 0 || dist > maxDist {
			return
		}
		one, err := ParseDB(strings.NewReader("classes = x\n[tcp:request]\nlabel = s:x:Fuzz:sig\nsig = " + sig + "\n"))
		if err != nil {
			t.Fatalf("raw_sig %q does not load as a signature: %v", sig, err)
		}
		got := one.Match(&r)
		if got.Label != "Fuzz sig" || got.Fuzzy || got.Generic || got.Dist != int(dist) {
			t.Fatalf("raw_sig %q read back matches as %+v", sig, got)
		}
	})
}

// FuzzParseDB feeds arbitrary signature files to ParseDB. Invariants: no
// panic; failures are *SyntaxErrors naming a line of the input; a loaded
// DB matches packets without panicking.
func FuzzParseDB(f *testing.F) {
	f.Add(defaultFP)
	f.Add(edgeFP)
	for _, c := range dbCases {
		f.Add(c.text)
	}
	var pkts [][]byte
	for i := range synCases {
		pkts = append(pkts, casePacket(f, i))
	}
	f.Fuzz(func(t *testing.T, text string) {
		db, err := ParseDB(strings.NewReader(text))
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
			if se.Line < 1 || se.Line > strings.Count(text, "\n")+1 {
				t.Fatalf("error on line %d of a %d-line input", se.Line, strings.Count(text, "\n")+1)
			}
			return
		}
		if db.Len() > strings.Count(text, "sig") {
			t.Fatalf("%d signatures from %d 'sig' lines", db.Len(), strings.Count(text, "sig"))
		}
		for _, p := range pkts {
			var r Record
			if ParseIP(p, &r) == nil {
				_ = db.Match(&r).String()
			}
		}
	})
}
