package fingerprint

import (
	"fmt"
	"net/netip"
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

// Option layouts of common stacks.
var (
	linuxOpts = func(mss uint16, ws uint8) []byte {
		return opts(oMSS(mss), oSOK(), oTS(0x00a1b2c3, 0), oNOP(), oWS(ws))
	}
	winOpts = func(mss uint16, ws uint8) []byte {
		return opts(oMSS(mss), oNOP(), oWS(ws), oNOP(), oNOP(), oSOK())
	}
	appleOpts = func(mss uint16, ws uint8) []byte {
		return opts(oMSS(mss), oNOP(), oWS(ws), oNOP(), oNOP(), oTS(0x4c3b2a19, 0), oSOK(), oEOL(0))
	}
)

func linux(mss, win uint16, ws uint8) syn {
	return syn{ttl: 64, df: true, id: 0x3b1c, win: win, seq: 0x1f2e3d4c, opts: linuxOpts(mss, ws)}
}

func windows(mss, win uint16, ws uint8) syn {
	return syn{ttl: 128, df: true, id: 0x6a21, win: win, seq: 0x9a8b7c6d, opts: winOpts(mss, ws)}
}

func apple(ws uint8) syn {
	return syn{ttl: 64, df: true, id: 0x0000 + 0x51, win: 65535, seq: 0x0badcafe, opts: appleOpts(1460, ws)}
}

func with(s syn, f func(*syn)) syn { f(&s); return s }

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

// caseSources gives each case its own client address and port so that p0f
// sees each SYN as a new flow from a new host.
func caseSource(i int, v6 bool) (src, dst netip.AddrPort) {
	port := uint16(40000 + i)
	if v6 {
		return netip.AddrPortFrom(netip.MustParseAddr(fmt.Sprintf("2001:db8::%x", 0x1000+i)), port),
			netip.AddrPortFrom(netip.MustParseAddr("2001:db8::1"), 25)
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), port),
		netip.AddrPortFrom(netip.MustParseAddr("192.0.2.1"), 25)
}

// casePacket builds case i's IP packet.
func casePacket(tb testing.TB, i int) []byte {
	tb.Helper()
	s := synCases[i].syn
	s.src, s.dst = caseSource(i, s.v6)
	return s.build(tb)
}
