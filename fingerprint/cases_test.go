package fingerprint

import (
	"testing"

	"github.com/spampots/spampots/fingerprint/syntest"
)

// synCase is a crafted SYN with what p0f 3.09b (Debian 3.09b-3, its own
// p0f.fp) logs for it. The expected values were taken from p0f's log and
// are re-checked against the installed p0f by TestP0fDifferential.
type synCase struct {
	name   string
	syn    syn
	os     string // Match.String(): p0f's os=/app= and dist= fields
	params string // p0f's params= field
	raw    string // p0f's raw_sig= field
}

// synCases are fingerprint/syntest's crafted SYNs, shared with the XDP and
// AF_PACKET tests: the stacks of the p0f.fp [tcp:request] section, TTL
// distances, fuzzy variations, every quirk and the unmatched cases, with
// what p0f logs for each.
var synCases = func() []synCase {
	var cs []synCase
	for _, c := range syntest.Cases() {
		cs = append(cs, synCase{name: c.Name, os: c.OS, params: c.Params, raw: c.Raw, syn: fromShared(c.SYN)})
	}
	return cs
}()

// casePacket builds case i's IP packet.
func casePacket(tb testing.TB, i int) []byte {
	tb.Helper()
	return synCases[i].syn.build(tb) // its own client (syntest.Source)
}
