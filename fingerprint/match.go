package fingerprint

import "strconv"

// Window-size forms of a signature (fp_tcp.h WIN_TYPE_*).
const (
	winNormal = iota // literal value
	winAny           // "*"
	winMod           // "%N": a multiple of N
	winMSS           // "mss*N"
	winMTU           // "mtu*N"
)

// p0f-sendsyn probes (config.h SPECIAL_MSS, SPECIAL_WIN).
const (
	sendSynMSS = 1331
	sendSynWin = 1337
)

// tcpSig is fp_tcp.h struct tcp_sig: one side of a comparison, either a
// packet (winType winNormal, ipVer 4 or 6) or a p0f.fp signature.
type tcpSig struct {
	layout   Layout
	quirks   Quirks
	ts1      uint32
	mss      int32 // -1: any
	win      uint16
	totHdr   uint16
	wscale   int16 // -1: any
	eolPad   uint8
	ipOptLen uint8
	ttl      uint8
	winType  uint8
	ipVer    int8 // -1: any
	payClass int8 // -1: any, 0: no payload, 1: payload
}

// sigRecord is fp_tcp.h struct tcp_sig_record: a signature with its label.
type sigRecord struct {
	sig     tcpSig
	generic bool
	badTTL  bool // "ttl-": the TTL is random, distance is an upper bound
	classID int  // index into DB.classes; -1 for a userland tool ("!")
	line    int  // line in p0f.fp
	class   string
	name    string
	flavor  string
	label   string // name, then " " and flavor if any
}

// packetSig is fp_tcp.c packet_to_sig.
func packetSig(r *Record, f *Features) tcpSig {
	ts := tcpSig{
		layout:   f.Layout,
		quirks:   f.Quirks,
		eolPad:   f.EOLPad,
		ipOptLen: r.IPOptLen,
		ipVer:    int8(r.IPVersion),
		ttl:      r.TTL,
		mss:      int32(f.MSS),
		win:      r.Window,
		winType:  winNormal,
		wscale:   int16(f.WScale),
		totHdr:   f.TotalHdr,
		ts1:      f.TS1,
	}
	if r.PayloadLen != 0 {
		ts.payClass = 1
	}
	return ts
}

// detectWinMulti is fp_tcp.c detect_win_multi for a SYN (no peer MSS): it
// reports whether the window is a multiple of the MSS (or of what a stack
// might have used for it) or of the MTU, trying divisors in p0f's order, and
// returns -1 when it is none.
func detectWinMulti(ts *tcpSig) (multi int, useMTU bool) {
	win := int(ts.win)
	mss := int(ts.mss)
	if win == 0 || mss < 100 || ts.winType != winNormal {
		return -1, false
	}
	divides := func(div int) bool { return div != 0 && win%div == 0 }
	switch {
	case divides(mss):
		return win / mss, false
	case ts.ts1 != 0 && divides(mss-12): // timestamps eat 12 bytes
		return win / (mss - 12), false
	case divides(1500 - minTCP4): // MSS of the wrong interface
		return win / (1500 - minTCP4), false
	case divides(1500 - minTCP4 - 12):
		return win / (1500 - minTCP4 - 12), false
	case ts.ipVer == 6 && divides(1500-minTCP6):
		return win / (1500 - minTCP6), false
	case ts.ipVer == 6 && divides(1500-minTCP6-12):
		return win / (1500 - minTCP6 - 12), false
	case divides(mss + minTCP4): // MTU instead of MSS
		return win / (mss + minTCP4), true
	case divides(mss + int(ts.totHdr)):
		return win / (mss + int(ts.totHdr)), true
	case ts.ipVer == 6 && divides(mss+minTCP6):
		return win / (mss + minTCP6), true
	case divides(1500):
		return win / 1500, true
	}
	return -1, false
}

// findMatch is fp_tcp.c tcp_find_match for a SYN. sigs are the signatures
// with the same option layout as ts, in file order. The first exact
// non-generic match wins; failing that the first exact generic one; failing
// that the first fuzzy one (quirks differ only by df or id+ disappearing or
// id- or ecn appearing, or the TTL is above the signature's or more than
// maxDist below it), except that a fuzzy userland-tool match reports nothing.
// With dupeDet (loading p0f.fp) only an exact non-generic match is reported.
func findMatch(sigs []sigRecord, ts *tcpSig, dupeDet bool) (m *sigRecord, fuzzy bool, dist uint8) {
	var fmatch, gmatch *sigRecord
	winMulti, useMTU := detectWinMulti(ts)

	for i := range sigs {
		ref := &sigs[i]
		refs := &ref.sig
		fz := false
		refQuirks := refs.quirks

		// A signature for any IP version does not carry the other
		// version's quirks.
		if refs.ipVer == -1 {
			if ts.ipVer == 4 {
				refQuirks &^= QuirkFlow
			} else {
				refQuirks &^= QuirkDF | QuirkNZID | QuirkZeroID
			}
		}

		if refQuirks != ts.quirks {
			deleted := (refQuirks ^ ts.quirks) & refQuirks
			added := (refQuirks ^ ts.quirks) & ts.quirks
			if fmatch != nil || deleted&^(QuirkDF|QuirkNZID) != 0 ||
				added&^(QuirkZeroID|QuirkECN) != 0 {
				continue
			}
			fz = true
		}

		if refs.eolPad != ts.eolPad || refs.ipOptLen != ts.ipOptLen {
			continue
		}

		if ref.badTTL {
			if refs.ttl < ts.ttl {
				continue
			}
		} else if refs.ttl < ts.ttl || int(refs.ttl)-int(ts.ttl) > maxDist {
			fz = true
		}

		if refs.mss != -1 && refs.mss != ts.mss ||
			refs.wscale != -1 && refs.wscale != ts.wscale ||
			refs.payClass != -1 && refs.payClass != ts.payClass {
			continue
		}

		if ts.winType != winNormal {
			// Comparing two p0f.fp signatures.
			if refs.winType != ts.winType || refs.win != ts.win {
				continue
			}
		} else {
			switch refs.winType {
			case winNormal:
				if refs.win != ts.win {
					continue
				}
			case winMod:
				if ts.win%refs.win != 0 {
					continue
				}
			case winMSS:
				if useMTU || int(refs.win) != winMulti {
					continue
				}
			case winMTU:
				if !useMTU || int(refs.win) != winMulti {
					continue
				}
			}
		}

		if !fz {
			if !ref.generic {
				return ref, false, refs.ttl - ts.ttl
			}
			if gmatch == nil {
				gmatch = ref
			}
		} else if fmatch == nil {
			fmatch = ref
		}
	}

	if dupeDet {
		return nil, false, 0
	}
	if gmatch != nil {
		return gmatch, false, gmatch.sig.ttl - ts.ttl
	}
	// No fuzzy matching for userland tools; p0f then reports distance 0.
	if fmatch != nil && fmatch.classID == -1 {
		return nil, false, 0
	}
	if fmatch == nil || fmatch.sig.ttl < ts.ttl ||
		!fmatch.badTTL && int(fmatch.sig.ttl)-int(ts.ttl) > maxDist {
		dist = guessDist(ts.ttl)
	} else {
		dist = fmatch.sig.ttl - ts.ttl
	}
	return fmatch, fmatch != nil, dist
}

// Match is the outcome of matching a SYN, with what p0f 3.09b logs for it.
// The zero Match (with a Dist) is "no match": p0f's os=???.
type Match struct {
	// Label is the OS or tool as p0f prints it: the name, then a space and
	// the flavor if the signature has one ("Linux 3.11 and newer",
	// "Mac OS X"). Empty when nothing matched.
	Label  string
	Class  string // "unix", "win", "other" (p0f.fp classes), "!" for userland tools
	Name   string // "Linux"
	Flavor string // "3.11 and newer"; may be empty

	Generic bool // matched a g: (generic) signature
	Fuzzy   bool // approximate match (p0f's "fuzzy" flag)
	// App is set when p0f logs the label as app= rather than os=: the
	// signature is a userland tool's (class "!") or the SYN is a
	// p0f-sendsyn probe.
	App bool
	// RandomTTL is set for signatures whose TTL is random ("ttl-"); Dist is
	// then an upper bound, logged by p0f as "dist=<= N".
	RandomTTL bool
	// Dist is the hop distance: the signature's initial TTL minus the SYN's,
	// or guessed from the next common initial TTL (32, 64, 128, 255) when
	// nothing or only a fuzzy signature with an unfitting TTL matched.
	Dist int
	// Line is the matched signature's line in p0f.fp, 0 when unmatched.
	Line int
}

// Known reports whether a signature matched.
func (m Match) Known() bool { return m.Label != "" }

// String renders the match as the os= (or app=) and dist= fields of p0f's
// log line: "os=Linux 3.11 and newer|dist=0", "os=???|dist=12",
// "app=NMap SYN scan|dist=<= 6".
func (m Match) String() string {
	b := make([]byte, 0, 64)
	if m.App {
		b = append(b, "app="...)
	} else {
		b = append(b, "os="...)
	}
	if m.Label == "" {
		b = append(b, "???"...)
	} else {
		b = append(b, m.Label...)
	}
	b = append(b, "|dist="...)
	if m.RandomTTL {
		b = append(b, "<= "...)
	}
	b = strconv.AppendInt(b, int64(m.Dist), 10)
	return string(b)
}

// Params renders p0f's params= field for this match of r (fp_tcp.c
// dump_flags): "generic", "fuzzy", "random_ttl", "excess_dist" (Dist above
// 35) and "tos:0xNN" (the DSCP), space-separated, or "none".
func (m Match) Params(r *Record) string {
	var b []byte
	add := func(s string) {
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = append(b, s...)
	}
	if m.Generic {
		add("generic")
	}
	if m.Fuzzy {
		add("fuzzy")
	}
	if m.RandomTTL {
		add("random_ttl")
	}
	if m.Dist > maxDist {
		add("excess_dist")
	}
	if dscp := r.TOS >> 2; dscp != 0 {
		add("tos:0x")
		if dscp < 0x10 {
			b = append(b, '0')
		}
		b = strconv.AppendUint(b, uint64(dscp), 16)
	}
	if len(b) == 0 {
		return "none"
	}
	return string(b)
}

// Match matches a SYN against the [tcp:request] signatures exactly as p0f
// 3.09b does (fp_tcp.c fingerprint_tcp, tcp_find_match). It does not allocate
// and is safe for concurrent use.
func (db *DB) Match(r *Record) Match {
	f := r.Features()
	ts := packetSig(r, &f)
	ref, fuzzy, dist := findMatch(db.sigs[toServer][ts.layout], &ts, false)
	m := Match{Dist: int(dist)}
	if ref == nil {
		return m
	}
	m.Label, m.Class, m.Name, m.Flavor = ref.label, ref.class, ref.name, ref.flavor
	m.Generic, m.Fuzzy, m.RandomTTL, m.Line = ref.generic, fuzzy, ref.badTTL, ref.line
	sendSyn := r.IsSYN() && r.Window == sendSynWin && f.MSS == sendSynMSS
	m.App = ref.classID == -1 || sendSyn
	return m
}
