package fingerprint

import (
	"encoding/binary"
	"io"
	"net/netip"
	"testing"
)

// syn describes a crafted TCP segment; build turns it into IP packet bytes.
// Checksums are left zero: neither p0f nor this package checks them.
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

func (s syn) build(tb testing.TB) []byte {
	tb.Helper()
	if len(s.opts)%4 != 0 || len(s.opts) > MaxOptLen {
		tb.Fatalf("TCP options of %d bytes: must be a multiple of 4, at most 40", len(s.opts))
	}
	if len(s.ipOpts)%4 != 0 || len(s.ipOpts) > 40 {
		tb.Fatalf("IP options of %d bytes: must be a multiple of 4, at most 40", len(s.ipOpts))
	}
	flags := s.flags
	if flags == 0 {
		flags = FlagSYN
	}
	tcp := make([]byte, 20, 20+len(s.opts)+len(s.payload))
	binary.BigEndian.PutUint16(tcp[0:], s.src.Port())
	binary.BigEndian.PutUint16(tcp[2:], s.dst.Port())
	binary.BigEndian.PutUint32(tcp[4:], s.seq)
	binary.BigEndian.PutUint32(tcp[8:], s.ack)
	tcp[12] = byte((20+len(s.opts))/4) << 4
	if s.ns {
		tcp[12] |= 1
	}
	tcp[13] = flags
	binary.BigEndian.PutUint16(tcp[14:], s.win)
	binary.BigEndian.PutUint16(tcp[18:], s.urg)
	tcp = append(tcp, s.opts...)
	tcp = append(tcp, s.payload...)

	if s.v6 {
		ip := make([]byte, 40, 40+len(tcp))
		binary.BigEndian.PutUint32(ip[0:], 6<<28|uint32(s.tos)<<20|s.flow&0xfffff)
		binary.BigEndian.PutUint16(ip[4:], uint16(len(tcp)))
		ip[6] = 6
		ip[7] = s.ttl
		src, dst := s.src.Addr().As16(), s.dst.Addr().As16()
		copy(ip[8:], src[:])
		copy(ip[24:], dst[:])
		return append(ip, tcp...)
	}
	hl := 20 + len(s.ipOpts)
	ip := make([]byte, hl, hl+len(tcp))
	ip[0] = 4<<4 | byte(hl/4)
	ip[1] = s.tos
	binary.BigEndian.PutUint16(ip[2:], uint16(hl+len(tcp)))
	binary.BigEndian.PutUint16(ip[4:], s.id)
	var fl uint16
	if s.df {
		fl |= 0x4000
	}
	if s.mbz {
		fl |= 0x8000
	}
	binary.BigEndian.PutUint16(ip[6:], fl)
	ip[8] = s.ttl
	ip[9] = 6
	src, dst := s.src.Addr().As4(), s.dst.Addr().As4()
	copy(ip[12:], src[:])
	copy(ip[16:], dst[:])
	copy(ip[20:], s.ipOpts)
	return append(ip, tcp...)
}

// TCP option builders.
func oMSS(v uint16) []byte { return []byte{2, 4, byte(v >> 8), byte(v)} }
func oWS(v uint8) []byte   { return []byte{3, 3, v} }
func oSOK() []byte         { return []byte{4, 2} }
func oNOP() []byte         { return []byte{1} }
func oTS(a, b uint32) []byte {
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32([]byte{8, 10}, a), b)
}
func oEOL(pad ...byte) []byte { return append([]byte{0}, pad...) }

func opts(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// ethernet wraps an IP packet in an Ethernet II header.
func ethernet(pkt []byte) []byte {
	f := make([]byte, 14, 14+len(pkt))
	copy(f[0:6], []byte{0x02, 0, 0, 0, 0, 0x02})
	copy(f[6:12], []byte{0x02, 0, 0, 0, 0, 0x01})
	et := uint16(etherTypeIPv4)
	if len(pkt) > 0 && pkt[0]>>4 == 6 {
		et = etherTypeIPv6
	}
	binary.BigEndian.PutUint16(f[12:], et)
	return append(f, pkt...)
}

// writePcap writes Ethernet frames as a classic pcap file (LINKTYPE_ETHERNET,
// microsecond timestamps), one millisecond apart.
func writePcap(w io.Writer, frames [][]byte) error {
	var hdr [24]byte
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4) // magic
	binary.LittleEndian.PutUint16(hdr[4:], 2)          // version 2.4
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535) // snaplen
	binary.LittleEndian.PutUint32(hdr[20:], 1)     // LINKTYPE_ETHERNET
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	for i, f := range frames {
		var rh [16]byte
		binary.LittleEndian.PutUint32(rh[0:], 1_700_000_000+uint32(i/1000))
		binary.LittleEndian.PutUint32(rh[4:], uint32(i%1000)*1000)
		binary.LittleEndian.PutUint32(rh[8:], uint32(len(f)))
		binary.LittleEndian.PutUint32(rh[12:], uint32(len(f)))
		if _, err := w.Write(rh[:]); err != nil {
			return err
		}
		if _, err := w.Write(f); err != nil {
			return err
		}
	}
	return nil
}
