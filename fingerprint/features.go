package fingerprint

import (
	"encoding/binary"
	"strconv"
)

// Quirks is p0f's quirk bit set (process.h QUIRK_*), with p0f's bit values.
type Quirks uint32

// The quirks, named as in p0f.fp.
const (
	QuirkECN     Quirks = 0x00000001 // ecn: ECN supported (IP ECN bits, ECE/CWR or NS)
	QuirkDF      Quirks = 0x00000002 // df: IPv4 don't-fragment set
	QuirkNZID    Quirks = 0x00000004 // id+: DF set but IPv4 ID non-zero
	QuirkZeroID  Quirks = 0x00000008 // id-: DF not set but IPv4 ID zero
	QuirkNZMBZ   Quirks = 0x00000010 // 0+: IPv4 "must be zero" flag set
	QuirkFlow    Quirks = 0x00000020 // flow: IPv6 flow label non-zero
	QuirkZeroSeq Quirks = 0x00001000 // seq-: sequence number zero
	QuirkNZAck   Quirks = 0x00002000 // ack+: ACK number non-zero, ACK flag not set (see Features)
	QuirkZeroAck Quirks = 0x00004000 // ack-: ACK number zero, ACK flag set
	QuirkNZURG   Quirks = 0x00008000 // uptr+: urgent pointer non-zero, URG flag not set
	QuirkURG     Quirks = 0x00010000 // urgf+: URG flag set
	QuirkPush    Quirks = 0x00020000 // pushf+: PUSH flag set
	QuirkZeroTS1 Quirks = 0x01000000 // ts1-: own timestamp zero
	QuirkNZTS2   Quirks = 0x02000000 // ts2+: peer timestamp non-zero on a SYN
	QuirkOptEOL  Quirks = 0x04000000 // opt+: non-zero bytes past EOL
	QuirkExWS    Quirks = 0x08000000 // exws: window scale above 14
	QuirkOptBad  Quirks = 0x10000000 // bad: malformed TCP options
)

// quirkNames lists the quirks in the order p0f's dump_sig prints them.
var quirkNames = [...]struct {
	q    Quirks
	name string
}{
	{QuirkDF, "df"}, {QuirkNZID, "id+"}, {QuirkZeroID, "id-"}, {QuirkECN, "ecn"},
	{QuirkNZMBZ, "0+"}, {QuirkFlow, "flow"}, {QuirkZeroSeq, "seq-"},
	{QuirkNZAck, "ack+"}, {QuirkZeroAck, "ack-"}, {QuirkNZURG, "uptr+"},
	{QuirkURG, "urgf+"}, {QuirkPush, "pushf+"}, {QuirkZeroTS1, "ts1-"},
	{QuirkNZTS2, "ts2+"}, {QuirkOptEOL, "opt+"}, {QuirkExWS, "exws"},
	{QuirkOptBad, "bad"},
}

// String renders the quirks as in a p0f signature: comma-separated, in
// dump_sig's order, empty for none.
func (q Quirks) String() string { return string(q.appendTo(nil)) }

func (q Quirks) appendTo(b []byte) []byte {
	first := true
	for _, n := range quirkNames {
		if q&n.q == 0 {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		b = append(b, n.name...)
		first = false
	}
	return b
}

// TCP option kinds with names in p0f.fp (tcp.h TCPOPT_*).
const (
	optEOL    = 0
	optNOP    = 1
	optMSS    = 2
	optWS     = 3
	optSACKOK = 4
	optSACK   = 5
	optTS     = 8
)

// MaxOpts is how many TCP options p0f records in a layout (config.h
// MAX_TCP_OPT); parsing stops there and flags the rest as "bad".
const MaxOpts = 24

// Layout is the ordered list of TCP option kinds of a SYN, as p0f records it:
// fixed size so it can be compared and used as a map key without allocating.
type Layout struct {
	N     uint8
	Kinds [MaxOpts]byte // Kinds[N:] are zero
}

// Features are the values p0f derives from a packet for signature matching
// (process.h struct packet_data): the option layout and the values read from
// options, and the quirks.
type Features struct {
	Layout   Layout
	EOLPad   uint8  // bytes after an EOL option
	MSS      uint16 // 0 without an MSS option
	WScale   uint8  // 0 without a window-scale option
	TS1      uint32 // own timestamp, 0 without a timestamp option
	Quirks   Quirks
	TotalHdr uint16 // IP plus TCP header bytes
}

// Features computes what p0f's parse_packet (process.c) derives from the
// headers: the IP and TCP quirks, then the TCP options walked exactly as p0f
// walks them, including its quirks:
//
//   - ack+ is set when the ACK flag is clear, RST is clear and the
//     least-significant bit of the first ACK-number byte on the wire is set.
//     p0f 3.09b tests RD32(tcp->ack) & !(flags & TCP_RST) — a bitwise AND
//     with 0 or 1 of the raw (network-order) word — which on the
//     little-endian machines p0f runs on is that one bit, not "ACK ≠ 0".
//   - after EOL, opt+ is set only when a non-zero byte is followed by more
//     padding; a non-zero last byte goes unnoticed
//     (while (data < opt_end && !*data++)).
//   - at most MaxOpts options are recorded; anything left over is "bad".
func (r *Record) Features() Features {
	var f Features
	if r.IPVersion == 6 {
		f.TotalHdr = ipv6HdrLen
		if r.FlowLabel&0xfffff != 0 {
			f.Quirks |= QuirkFlow
		}
	} else {
		f.TotalHdr = ipv4HdrLen + uint16(r.IPOptLen)
		if r.IPFlags&IPFlagReserved != 0 {
			f.Quirks |= QuirkNZMBZ
		}
		if r.IPFlags&IPFlagDF != 0 {
			f.Quirks |= QuirkDF
			if r.IPID != 0 {
				f.Quirks |= QuirkNZID
			}
		} else if r.IPID == 0 {
			f.Quirks |= QuirkZeroID
		}
	}
	if r.TOS&0x03 != 0 {
		f.Quirks |= QuirkECN
	}

	optLen := int(min(r.OptLen, MaxOptLen))
	f.TotalHdr += tcpHdrLen + uint16(optLen)
	if r.TCPFlags&(FlagECE|FlagCWR) != 0 || r.TCPRes&0x01 != 0 {
		f.Quirks |= QuirkECN
	}
	if r.Seq == 0 {
		f.Quirks |= QuirkZeroSeq
	}
	if r.TCPFlags&FlagACK != 0 {
		if r.Ack == 0 {
			f.Quirks |= QuirkZeroAck
		}
	} else if r.TCPFlags&FlagRST == 0 && r.Ack>>24&1 != 0 {
		f.Quirks |= QuirkNZAck // p0f's RD32(ack) & 1 on little-endian, see above
	}
	if r.TCPFlags&FlagURG != 0 {
		f.Quirks |= QuirkURG
	} else if r.Urgent != 0 {
		f.Quirks |= QuirkNZURG
	}
	if r.TCPFlags&FlagPSH != 0 {
		f.Quirks |= QuirkPush
	}

	opts := r.Opts[:optLen]
	end := len(opts)
	i := 0
	n := 0
	bad := false
walk:
	for i < end && n < MaxOpts {
		kind := opts[i]
		f.Layout.Kinds[n] = kind
		n++
		i++
		switch kind {
		case optEOL:
			f.EOLPad = uint8(end - i)
			for i < end {
				b := opts[i]
				i++
				if b != 0 {
					break
				}
			}
			if i != end {
				f.Quirks |= QuirkOptEOL
				i = end
			}
		case optNOP:
		case optMSS:
			if i+3 > end {
				bad = true
				break walk
			}
			if opts[i] != 4 {
				f.Quirks |= QuirkOptBad
			}
			f.MSS = binary.BigEndian.Uint16(opts[i+1:])
			i += 3
		case optWS:
			if i+2 > end {
				bad = true
				break walk
			}
			if opts[i] != 3 {
				f.Quirks |= QuirkOptBad
			}
			f.WScale = opts[i+1]
			if f.WScale > 14 {
				f.Quirks |= QuirkExWS
			}
			i += 2
		case optSACKOK:
			if i+1 > end {
				bad = true
				break walk
			}
			if opts[i] != 2 {
				f.Quirks |= QuirkOptBad
			}
			i++
		case optSACK:
			// Variable length, 10 to 34 bytes; bail out if it looks wonky.
			if i == end {
				bad = true
				break walk
			}
			l := int(opts[i])
			if l < 10 || l > 34 || i-1+l > end {
				bad = true
				break walk
			}
			i += l - 1
		case optTS:
			if i+9 > end {
				bad = true
				break walk
			}
			if opts[i] != 10 {
				f.Quirks |= QuirkOptBad
			}
			f.TS1 = binary.BigEndian.Uint32(opts[i+1:])
			if f.TS1 == 0 {
				f.Quirks |= QuirkZeroTS1
			}
			if r.TCPFlags&(FlagSYN|FlagACK|FlagFIN|FlagRST) == FlagSYN &&
				binary.BigEndian.Uint32(opts[i+5:]) != 0 {
				f.Quirks |= QuirkNZTS2
			}
			i += 9
		default:
			// Unknown option, presumably with a length byte.
			if i == end {
				bad = true
				break walk
			}
			l := int(opts[i])
			if l < 2 || l > 40 || i-1+l > end {
				bad = true
				break walk
			}
			i += l - 1
		}
	}
	if bad || i != end {
		f.Quirks |= QuirkOptBad
	}
	f.Layout.N = uint8(n)
	return f
}

// appendTo renders the layout as in a p0f signature, e.g. "mss,sok,ts,nop,ws";
// eolPad is the padding printed after "eol+".
func (l *Layout) appendTo(b []byte, eolPad uint8) []byte {
	for i, k := range l.Kinds[:l.N] {
		if i > 0 {
			b = append(b, ',')
		}
		switch k {
		case optEOL:
			b = append(b, "eol+"...)
			b = strconv.AppendUint(b, uint64(eolPad), 10)
		case optNOP:
			b = append(b, "nop"...)
		case optMSS:
			b = append(b, "mss"...)
		case optWS:
			b = append(b, "ws"...)
		case optSACKOK:
			b = append(b, "sok"...)
		case optSACK:
			b = append(b, "sack"...)
		case optTS:
			b = append(b, "ts"...)
		default:
			b = append(b, '?')
			b = strconv.AppendUint(b, uint64(k), 10)
		}
	}
	return b
}

// maxDist is the largest TTL distance p0f accepts as a plain match
// (config.h MAX_DIST).
const maxDist = 35

// guessDist is fp_tcp.c guess_dist: the hop count from the nearest common
// initial TTL at or above ttl.
func guessDist(ttl uint8) uint8 {
	switch {
	case ttl <= 32:
		return 32 - ttl
	case ttl <= 64:
		return 64 - ttl
	case ttl <= 128:
		return 128 - ttl
	}
	return 255 - ttl
}

// Signature returns p0f's raw_sig for the packet, as fp_tcp.c dump_sig
// prints it for a SYN, e.g. "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+:0".
func (r *Record) Signature() string { return string(r.AppendSignature(nil)) }

// AppendSignature appends Signature to b; it does not allocate when b has room.
func (r *Record) AppendSignature(b []byte) []byte {
	f := r.Features()
	ts := packetSig(r, &f)
	dist := guessDist(r.TTL)

	b = strconv.AppendUint(b, uint64(r.IPVersion), 10)
	b = append(b, ':')
	b = strconv.AppendUint(b, uint64(r.TTL), 10)
	b = append(b, '+')
	if dist > maxDist {
		b = append(b, '?')
	} else {
		b = strconv.AppendUint(b, uint64(dist), 10)
	}
	b = append(b, ':')
	b = strconv.AppendUint(b, uint64(r.IPOptLen), 10)
	b = append(b, ':')
	// dump_sig prints "*" for an echoed p0f-sendsyn MSS on a SYN+ACK.
	if f.MSS == sendSynMSS && r.TCPFlags&(FlagSYN|FlagACK|FlagFIN|FlagRST) == FlagSYN|FlagACK {
		b = append(b, '*')
	} else {
		b = strconv.AppendUint(b, uint64(f.MSS), 10)
	}
	b = append(b, ':')
	if multi, useMTU := detectWinMulti(&ts); multi > 0 {
		if useMTU {
			b = append(b, "mtu*"...)
		} else {
			b = append(b, "mss*"...)
		}
		b = strconv.AppendInt(b, int64(multi), 10)
	} else {
		b = strconv.AppendUint(b, uint64(r.Window), 10)
	}
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(f.WScale), 10)
	b = append(b, ':')
	b = f.Layout.appendTo(b, f.EOLPad)
	b = append(b, ':')
	b = f.Quirks.appendTo(b)
	if r.PayloadLen != 0 {
		b = append(b, ":+"...)
	} else {
		b = append(b, ":0"...)
	}
	return b
}
