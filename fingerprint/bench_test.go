package fingerprint

import (
	"strings"
	"testing"
)

// TestNoAllocs pins the hot path at zero allocations per SYN.
func TestNoAllocs(t *testing.T) {
	db := defaultDB(t)
	frame := ethernet(linuxSYN4)
	var r Record
	for name, f := range map[string]func(){
		"ParseIP":    func() { _ = ParseIP(linuxSYN6, &r) },
		"ParseFrame": func() { _ = ParseFrame(frame, &r) },
		"Match":      func() { _ = db.Match(&r) },
		"Features":   func() { _ = r.Features() },
	} {
		if err := ParseIP(linuxSYN4, &r); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(200, f); n != 0 {
			t.Errorf("%s allocates %v times per call", name, n)
		}
	}
}

func BenchmarkParseIP(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(linuxSYN4)))
	var r Record
	for b.Loop() {
		if err := ParseIP(linuxSYN4, &r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	db := defaultDB(b)
	var r Record
	if err := ParseIP(linuxSYN4, &r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if m := db.Match(&r); m.Label == "" {
			b.Fatal("no match")
		}
	}
}

// BenchmarkParseAndMatch is the per-SYN cost over the whole crafted set
// (exact, generic, fuzzy and unmatched SYNs).
func BenchmarkParseAndMatch(b *testing.B) {
	db := defaultDB(b)
	pkts := make([][]byte, len(synCases))
	for i := range synCases {
		pkts[i] = casePacket(b, i)
	}
	var r Record
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := ParseIP(pkts[i], &r); err != nil {
			b.Fatal(err)
		}
		_ = db.Match(&r)
		i++
		if i == len(pkts) {
			i = 0
		}
	}
}

func BenchmarkAppendSignature(b *testing.B) {
	var r Record
	if err := ParseIP(linuxSYN4, &r); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		buf = r.AppendSignature(buf[:0])
	}
}

func BenchmarkParseDB(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDB(strings.NewReader(defaultFP)); err != nil {
			b.Fatal(err)
		}
	}
}
