package fingerprint

import (
	"bytes"
	"testing"

	"github.com/spampots/spampots/fingerprint/syntest"
)

// TestSyntestCases: synCases are syntest's cases; this package's own packet
// builder (synth_test.go, used by the other tests here) and syntest's must
// give the same bytes for every one of them.
func TestSyntestCases(t *testing.T) {
	shared := syntest.Cases()
	if len(shared) != len(synCases) {
		t.Fatalf("syntest has %d cases, synCases %d", len(shared), len(synCases))
	}
	for i, c := range synCases {
		s := shared[i]
		if s.Name != c.name || s.OS != c.os || s.Params != c.params || s.Raw != c.raw {
			t.Errorf("case %d: syntest %q %q %q %q, synCases %q %q %q %q", i,
				s.Name, s.OS, s.Params, s.Raw, c.name, c.os, c.params, c.raw)
		}
		if got, want := s.SYN.Packet(), casePacket(t, i); !bytes.Equal(got, want) {
			t.Errorf("case %d %s: syntest packet\n%x\nsynCases packet\n%x", i, c.name, got, want)
		}
		if got, want := syntest.Ethernet(s.SYN.Packet()), ethernet(casePacket(t, i)); !bytes.Equal(got, want) {
			t.Errorf("case %d %s: Ethernet frames differ", i, c.name)
		}
	}
}
