package fingerprint

import (
	"net/netip"
	"testing"

	"github.com/spampots/spampots/fingerprint/syntest"
)

// syn describes a crafted TCP segment, with the fields of syntest.SYN in
// short literals; build turns it into IP packet bytes.
type syn struct {
	v6      bool
	src     netip.AddrPort // set by the case table when zero
	dst     netip.AddrPort
	ttl     uint8
	tos     uint8 // IPv4 TOS or IPv6 traffic class
	df      bool
	mbz     bool // IPv4 reserved flag
	id      uint16
	flow    uint32
	ipOpts  []byte // IPv4 options, a multiple of 4 bytes
	win     uint16
	seq     uint32
	ack     uint32
	flags   uint8 // 0 means FlagSYN
	ns      bool
	urg     uint16
	opts    []byte // TCP options, a multiple of 4 bytes
	payload []byte
}

// shared is s as fingerprint/syntest's SYN: one packet builder for this
// package's tests and the capture paths'.
func (s syn) shared() syntest.SYN {
	return syntest.SYN{V6: s.v6, Src: s.src, Dst: s.dst, TTL: s.ttl, TOS: s.tos, DF: s.df, MBZ: s.mbz, ID: s.id,
		Flow: s.flow, IPOpts: s.ipOpts, Win: s.win, Seq: s.seq, Ack: s.ack, Flags: s.flags, NS: s.ns, Urg: s.urg,
		Opts: s.opts, Payload: s.payload}
}

// fromShared is the other way round.
func fromShared(s syntest.SYN) syn {
	return syn{v6: s.V6, src: s.Src, dst: s.Dst, ttl: s.TTL, tos: s.TOS, df: s.DF, mbz: s.MBZ, id: s.ID,
		flow: s.Flow, ipOpts: s.IPOpts, win: s.Win, seq: s.Seq, ack: s.Ack, flags: s.Flags, ns: s.NS, urg: s.Urg,
		opts: s.Opts, payload: s.Payload}
}

// build returns s's IP packet (syntest.SYN.Packet), failing the test on
// options of a length the header cannot say.
func (s syn) build(tb testing.TB) []byte {
	tb.Helper()
	if len(s.opts)%4 != 0 || len(s.opts) > MaxOptLen || len(s.ipOpts)%4 != 0 || len(s.ipOpts) > 40 {
		tb.Fatalf("options of %d (TCP) and %d (IP) bytes: each must be a multiple of 4, at most 40", len(s.opts), len(s.ipOpts))
	}
	return s.shared().Packet()
}

// Option builders, ethernet framing and pcap writing: syntest's.
var (
	oMSS      = syntest.OptMSS
	oWS       = syntest.OptWS
	oSOK      = syntest.OptSOK
	oNOP      = syntest.OptNOP
	oTS       = syntest.OptTS
	opts      = syntest.Opts
	ethernet  = syntest.Ethernet
	writePcap = syntest.WritePcap
)
