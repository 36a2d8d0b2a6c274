package capture

import "encoding/binary"

// TCPDstPort returns the destination port of the TCP segment in an Ethernet
// frame, the rule by which both capture paths count a frame against a port:
// Ethernet II with up to two 802.1Q/802.1ad tags, then (as the IP version
// nibble says, like fingerprint.ParseIP) IPv4 whose protocol is TCP and
// which is not a non-first fragment, or IPv6 whose next header is TCP, and
// the port itself inside the frame. Lengths in the IP header are not
// checked: AF_PACKET passes only the frame's first bytes for segments that
// are not SYNs. The XDP program (bpf/synfp/synfp.c) applies the same rule.
func TCPDstPort(frame []byte) (port uint16, ok bool) {
	off := 12
	for tags := 0; ; tags++ {
		if len(frame) < off+2 {
			return 0, false
		}
		et := binary.BigEndian.Uint16(frame[off:])
		off += 2
		if et == 0x0800 || et == 0x86dd { // IPv4, IPv6
			break
		}
		if et != 0x8100 && et != 0x88a8 || tags == 2 { // 802.1Q, 802.1ad
			return 0, false
		}
		off += 2 // TCI
	}
	ip := frame[off:]
	var tcp int
	switch {
	case len(ip) < 1:
		return 0, false
	case ip[0]>>4 == 4:
		if len(ip) < 20 {
			return 0, false
		}
		tcp = int(ip[0]&0x0f) * 4
		if tcp < 20 || ip[9] != 6 || binary.BigEndian.Uint16(ip[6:])&0x1fff != 0 {
			return 0, false
		}
	case ip[0]>>4 == 6:
		if len(ip) < 40 || ip[6] != 6 {
			return 0, false
		}
		tcp = 40
	default:
		return 0, false
	}
	if len(ip) < tcp+4 {
		return 0, false
	}
	return binary.BigEndian.Uint16(ip[tcp+2:]), true
}
