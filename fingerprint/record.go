package fingerprint

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

// Record holds the header fields of one TCP segment that p0f's SYN
// fingerprinting reads (process.c parse_packet, fp_tcp.c). It is a fixed-size,
// flat value with no pointers or slices so that the XDP program can fill the
// same layout in the kernel (see bpf/): 104 bytes, 4-byte aligned, no padding.
// Multi-byte fields hold host-order numbers, not wire bytes.
//
// A Record stores raw header values only; everything p0f derives from them
// (option layout, MSS, window scale, quirks) is computed by Features, so the
// kernel side stays small.
type Record struct {
	// Src and Dst are the IP addresses; IPv4 addresses are stored
	// IPv4-mapped (::ffff:a.b.c.d) as in netip.Addr.As16.
	Src, Dst [16]byte
	// Opts holds the raw TCP option bytes (the TCP header past its 20 fixed
	// bytes); only the first OptLen bytes are meaningful.
	Opts [MaxOptLen]byte

	Seq, Ack  uint32 // TCP sequence and acknowledgment numbers
	FlowLabel uint32 // IPv6 flow label (low 20 bits); 0 for IPv4

	SrcPort, DstPort uint16
	IPID             uint16 // IPv4 identification; 0 for IPv6
	Window           uint16 // TCP window, unscaled
	Urgent           uint16 // TCP urgent pointer
	PayloadLen       uint16 // TCP payload bytes (from the IP length fields)

	IPVersion uint8 // 4 or 6
	TTL       uint8 // IPv4 TTL or IPv6 hop limit
	TOS       uint8 // IPv4 TOS byte or IPv6 traffic class: DSCP<<2 | ECN
	IPFlags   uint8 // IPv4 flags (reserved<<2 | DF<<1 | MF); 0 for IPv6
	IPOptLen  uint8 // IPv4 option bytes (IHL*4 - 20); 0 for IPv6
	TCPFlags  uint8 // TCP flags byte: CWR ECE URG ACK PSH RST SYN FIN
	TCPRes    uint8 // low nibble of the TCP data-offset byte; bit 0 is NS (RFC 3540)
	OptLen    uint8 // TCP option bytes in Opts (data offset*4 - 20), 0..40
}

// MaxOptLen is the most TCP option bytes a header can carry (RFC 9293 §3.1:
// data offset ≤ 15 words).
const MaxOptLen = 40

// IPv4 flag bits in Record.IPFlags.
const (
	IPFlagMF       = 1 << 0 // more fragments
	IPFlagDF       = 1 << 1 // don't fragment
	IPFlagReserved = 1 << 2 // the "must be zero" bit (p0f's 0+ quirk)
)

// TCP flag bits in Record.TCPFlags (RFC 9293 §3.1, RFC 3168 §6.1).
const (
	FlagFIN = 0x01
	FlagSYN = 0x02
	FlagRST = 0x04
	FlagPSH = 0x08
	FlagACK = 0x10
	FlagURG = 0x20
	FlagECE = 0x40
	FlagCWR = 0x80
)

// Errors returned by ParseIP and ParseFrame. They are the cases in which p0f's
// parse_packet drops a packet without fingerprinting it.
var (
	ErrTruncated = errors.New("fingerprint: packet truncated")
	ErrMalformed = errors.New("fingerprint: malformed IP or TCP header")
	ErrNotIP     = errors.New("fingerprint: not an IPv4 or IPv6 packet")
	ErrNotTCP    = errors.New("fingerprint: not a TCP packet")
	ErrFragment  = errors.New("fingerprint: IPv4 fragment")
	ErrBadFlags  = errors.New("fingerprint: invalid TCP flag combination")
)

// Sizes p0f's parse_packet works with (tcp.h: MIN_TCP4, MIN_TCP6; config.h:
// SNAPLEN).
const (
	ipv4HdrLen = 20
	ipv6HdrLen = 40
	tcpHdrLen  = 20
	minTCP4    = ipv4HdrLen + tcpHdrLen
	minTCP6    = ipv6HdrLen + tcpHdrLen
	snapLen    = 65535
)

// ParseIP parses a raw IPv4 or IPv6 packet carrying TCP into r, applying the
// sanity checks of p0f's parse_packet (process.c) in the same order: a packet
// p0f would drop yields an error, and r is then only partly written. Bytes
// past the IP total length (Ethernet padding) are ignored. IPv6 extension
// headers are not followed, as in p0f. Any TCP segment with a sensible flag
// combination is accepted; p0f fingerprints those for which IsSYN is true.
// ParseIP does not allocate.
func ParseIP(pkt []byte, r *Record) error {
	n := len(pkt)
	if n > snapLen {
		n = snapLen
	}
	if n < minTCP4 {
		return ErrTruncated
	}
	var tcp []byte
	switch pkt[0] >> 4 {
	case 4:
		hdrLen := int(pkt[0]&0x0f) * 4
		totLen := int(binary.BigEndian.Uint16(pkt[2:]))
		flagsOff := binary.BigEndian.Uint16(pkt[6:])
		if n > totLen {
			n = totLen // honour the IP length over link padding (etherleak)
		}
		switch {
		case n < minTCP4:
			return ErrTruncated
		case hdrLen < ipv4HdrLen:
			return ErrMalformed
		case totLen > n:
			return ErrTruncated
		case hdrLen+tcpHdrLen > n:
			return ErrMalformed
		case pkt[9] != 6:
			return ErrNotTCP
		case flagsOff&0x3fff != 0: // MF or a fragment offset
			return ErrFragment
		}
		*r = Record{
			IPVersion: 4,
			TOS:       pkt[1],
			IPID:      binary.BigEndian.Uint16(pkt[4:]),
			IPFlags:   uint8(flagsOff >> 13),
			TTL:       pkt[8],
			IPOptLen:  uint8(hdrLen - ipv4HdrLen),
		}
		src := netip.AddrFrom4([4]byte(pkt[12:16])).As16()
		dst := netip.AddrFrom4([4]byte(pkt[16:20])).As16()
		r.Src, r.Dst = src, dst
		tcp = pkt[hdrLen:n]
	case 6:
		verTC := binary.BigEndian.Uint32(pkt[0:])
		totLen := int(binary.BigEndian.Uint16(pkt[4:])) + ipv6HdrLen
		if n > totLen {
			n = totLen
		}
		switch {
		case n < minTCP6:
			return ErrTruncated
		case totLen > n:
			return ErrTruncated
		case pkt[6] != 6:
			return ErrNotTCP
		}
		*r = Record{
			IPVersion: 6,
			TOS:       uint8(verTC >> 20),
			FlowLabel: verTC & 0xfffff,
			TTL:       pkt[7],
			Src:       [16]byte(pkt[8:24]),
			Dst:       [16]byte(pkt[24:40]),
		}
		tcp = pkt[ipv6HdrLen:n]
	default:
		return ErrNotIP
	}

	doff := int(tcp[12]>>4) * 4
	if doff < tcpHdrLen || doff > len(tcp) {
		return ErrMalformed
	}
	flags := tcp[13]
	typ := flags & (FlagSYN | FlagACK | FlagFIN | FlagRST)
	// NUL, SYN+FIN, SYN+RST, FIN+RST go to /dev/null (parse_packet).
	if flags&FlagSYN != 0 && flags&(FlagFIN|FlagRST) != 0 ||
		flags&FlagFIN != 0 && flags&FlagRST != 0 || typ == 0 {
		return ErrBadFlags
	}
	r.SrcPort = binary.BigEndian.Uint16(tcp[0:])
	r.DstPort = binary.BigEndian.Uint16(tcp[2:])
	r.Seq = binary.BigEndian.Uint32(tcp[4:])
	r.Ack = binary.BigEndian.Uint32(tcp[8:])
	r.TCPRes = tcp[12] & 0x0f
	r.TCPFlags = flags
	r.Window = binary.BigEndian.Uint16(tcp[14:])
	r.Urgent = binary.BigEndian.Uint16(tcp[18:])
	r.OptLen = uint8(copy(r.Opts[:], tcp[tcpHdrLen:doff]))
	r.PayloadLen = uint16(len(tcp) - doff)
	return nil
}

// EtherTypes ParseFrame understands.
const (
	etherTypeIPv4 = 0x0800
	etherTypeIPv6 = 0x86dd
	etherTypeVLAN = 0x8100 // IEEE 802.1Q
	etherTypeQinQ = 0x88a8 // IEEE 802.1ad
)

// maxVLANTags bounds how many stacked 802.1Q/802.1ad tags ParseFrame skips.
const maxVLANTags = 2

// ParseFrame parses an Ethernet II frame (without FCS), optionally carrying up
// to two 802.1Q/802.1ad VLAN tags, into r via ParseIP. This is the layout an
// AF_PACKET SOCK_RAW socket delivers, loopback included. Unlike p0f, which
// assumes a fixed 14-byte link header for DLT_EN10MB captures, tagged frames
// are followed to their IP header. ParseFrame does not allocate.
func ParseFrame(frame []byte, r *Record) error {
	if len(frame) > snapLen {
		frame = frame[:snapLen]
	}
	off := 12
	for tags := 0; ; tags++ {
		if len(frame) < off+2 {
			return ErrTruncated
		}
		et := binary.BigEndian.Uint16(frame[off:])
		off += 2
		switch et {
		case etherTypeIPv4, etherTypeIPv6:
			return ParseIP(frame[off:], r)
		case etherTypeVLAN, etherTypeQinQ:
			if tags == maxVLANTags {
				return ErrNotIP
			}
			off += 2 // TCI
		default:
			return ErrNotIP
		}
	}
}

// IsSYN reports whether the segment is a SYN without ACK, FIN or RST: the
// packets p0f fingerprints against its [tcp:request] signatures.
func (r *Record) IsSYN() bool {
	return r.TCPFlags&(FlagSYN|FlagACK|FlagFIN|FlagRST) == FlagSYN
}

// SrcAddr returns the source address (unmapped for IPv4).
func (r *Record) SrcAddr() netip.Addr { return r.addr(r.Src) }

// DstAddr returns the destination address (unmapped for IPv4).
func (r *Record) DstAddr() netip.Addr { return r.addr(r.Dst) }

func (r *Record) addr(a [16]byte) netip.Addr {
	ip := netip.AddrFrom16(a)
	if r.IPVersion == 4 {
		return ip.Unmap()
	}
	return ip
}

// SrcAddrPort returns the source address and port.
func (r *Record) SrcAddrPort() netip.AddrPort { return netip.AddrPortFrom(r.SrcAddr(), r.SrcPort) }

// DstAddrPort returns the destination address and port.
func (r *Record) DstAddrPort() netip.AddrPort { return netip.AddrPortFrom(r.DstAddr(), r.DstPort) }
