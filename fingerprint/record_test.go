package fingerprint

import (
	"errors"
	"net/netip"
	"testing"
	"unsafe"
)

// linuxSYN4 is a Linux 6.x SYN from 192.0.2.10:51234 to 198.51.100.7:25.
var linuxSYN4 = []byte{
	// IPv4
	0x45, 0x00, 0x00, 0x3c, // version 4, IHL 5, TOS 0, total length 60
	0xa3, 0x5e, 0x40, 0x00, // ID 0xa35e, DF
	0x40, 0x06, 0x00, 0x00, // TTL 64, TCP, checksum (unchecked)
	192, 0, 2, 10, // source
	198, 51, 100, 7, // destination
	// TCP
	0xc8, 0x22, 0x00, 0x19, // ports 51234 → 25
	0x5b, 0x1a, 0x2e, 0x01, // seq
	0x00, 0x00, 0x00, 0x00, // ack
	0xa0, 0x02, 0xfa, 0xf0, // data offset 10 (40 bytes), SYN, window 64240
	0x00, 0x00, 0x00, 0x00, // checksum, urgent pointer
	0x02, 0x04, 0x05, 0xb4, // MSS 1460
	0x04, 0x02, // SACK permitted
	0x08, 0x0a, 0x9c, 0x4f, 0x01, 0x2b, 0x00, 0x00, 0x00, 0x00, // timestamps
	0x01,             // NOP
	0x03, 0x03, 0x07, // window scale 7
}

// linuxSYN6 is the same stack over IPv6, with a flow label.
var linuxSYN6 = []byte{
	// IPv6
	0x60, 0x0b, 0xcd, 0xef, // version 6, traffic class 0, flow label 0xbcdef
	0x00, 0x28, 0x06, 0x39, // payload length 40, next header TCP, hop limit 57
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x0a, // 2001:db8::a
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x01, // 2001:db8::1
	// TCP
	0xc8, 0x23, 0x00, 0x19, // ports 51235 → 25
	0x01, 0x02, 0x03, 0x04, // seq
	0x00, 0x00, 0x00, 0x00, // ack
	0xa0, 0x02, 0xfd, 0x20, // data offset 10, SYN, window 64800
	0x00, 0x00, 0x00, 0x00, // checksum, urgent pointer
	0x02, 0x04, 0x05, 0xa0, // MSS 1440
	0x04, 0x02, // SACK permitted
	0x08, 0x0a, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, // timestamps
	0x01,             // NOP
	0x03, 0x03, 0x07, // window scale 7
}

func TestRecordLayout(t *testing.T) {
	// The XDP program fills the same layout: 104 bytes, no padding.
	if got := unsafe.Sizeof(Record{}); got != 104 {
		t.Errorf("Record is %d bytes, want 104", got)
	}
	if got := unsafe.Alignof(Record{}); got != 4 {
		t.Errorf("Record alignment is %d, want 4", got)
	}
	var r Record
	if off := unsafe.Offsetof(r.Seq); off != 72 {
		t.Errorf("Seq at %d, want 72", off)
	}
	if off := unsafe.Offsetof(r.OptLen); off != 103 {
		t.Errorf("OptLen at %d, want 103", off)
	}
}

func TestParseIP(t *testing.T) {
	var r Record
	if err := ParseIP(linuxSYN4, &r); err != nil {
		t.Fatal(err)
	}
	want := Record{
		Src:        netip.MustParseAddr("::ffff:192.0.2.10").As16(),
		Dst:        netip.MustParseAddr("::ffff:198.51.100.7").As16(),
		Seq:        0x5b1a2e01,
		SrcPort:    51234,
		DstPort:    25,
		IPID:       0xa35e,
		Window:     64240,
		IPVersion:  4,
		TTL:        64,
		IPFlags:    IPFlagDF,
		TCPFlags:   FlagSYN,
		OptLen:     20,
		PayloadLen: 0,
	}
	copy(want.Opts[:], linuxSYN4[40:])
	if r != want {
		t.Errorf("got  %+v\nwant %+v", r, want)
	}
	if got := r.SrcAddrPort().String(); got != "192.0.2.10:51234" {
		t.Errorf("SrcAddrPort = %s", got)
	}
	if got := r.DstAddrPort().String(); got != "198.51.100.7:25" {
		t.Errorf("DstAddrPort = %s", got)
	}
	if !r.IsSYN() {
		t.Error("IsSYN = false")
	}
	if got, want := r.Signature(), "4:64+0:0:1460:mss*44,7:mss,sok,ts,nop,ws:df,id+:0"; got != want {
		t.Errorf("Signature = %s, want %s", got, want)
	}

	if err := ParseIP(linuxSYN6, &r); err != nil {
		t.Fatal(err)
	}
	if r.IPVersion != 6 || r.TTL != 57 || r.FlowLabel != 0xbcdef || r.TOS != 0 ||
		r.SrcAddr() != netip.MustParseAddr("2001:db8::a") || r.DstPort != 25 || r.OptLen != 20 {
		t.Errorf("IPv6: got %+v", r)
	}
	if got, want := r.Signature(), "6:57+7:0:1440:mss*45,7:mss,sok,ts,nop,ws:flow:0"; got != want {
		t.Errorf("IPv6 Signature = %s, want %s", got, want)
	}
}

// modify returns a copy of pkt changed by f.
func modify(pkt []byte, f func(b []byte) []byte) []byte {
	return f(append([]byte(nil), pkt...))
}

func TestParseIPErrors(t *testing.T) {
	tests := []struct {
		name string
		pkt  []byte
		err  error
	}{
		{"empty", nil, ErrTruncated},
		{"39 bytes", linuxSYN4[:39], ErrTruncated},
		{"cut options", linuxSYN4[:50], ErrTruncated},
		{"total length short", modify(linuxSYN4, func(b []byte) []byte { b[3] = 39; return b }), ErrTruncated},
		{"IHL 4", modify(linuxSYN4, func(b []byte) []byte { b[0] = 0x44; return b }), ErrMalformed},
		{"IHL past TCP", modify(linuxSYN4, func(b []byte) []byte { b[0] = 0x4f; return b }), ErrMalformed},
		{"UDP", modify(linuxSYN4, func(b []byte) []byte { b[9] = 17; return b }), ErrNotTCP},
		{"MF", modify(linuxSYN4, func(b []byte) []byte { b[6] = 0x20; return b }), ErrFragment},
		{"fragment offset", modify(linuxSYN4, func(b []byte) []byte { b[7] = 0x01; return b }), ErrFragment},
		{"version 5", modify(linuxSYN4, func(b []byte) []byte { b[0] = 0x55; return b }), ErrNotIP},
		{"data offset 4", modify(linuxSYN4, func(b []byte) []byte { b[32] = 0x40; return b }), ErrMalformed},
		{"data offset past end", modify(linuxSYN4, func(b []byte) []byte { b[32] = 0xb0; return b }), ErrMalformed},
		{"SYN+FIN", modify(linuxSYN4, func(b []byte) []byte { b[33] = 0x03; return b }), ErrBadFlags},
		{"SYN+RST", modify(linuxSYN4, func(b []byte) []byte { b[33] = 0x06; return b }), ErrBadFlags},
		{"FIN+RST", modify(linuxSYN4, func(b []byte) []byte { b[33] = 0x05; return b }), ErrBadFlags},
		{"no flags", modify(linuxSYN4, func(b []byte) []byte { b[33] = 0x00; return b }), ErrBadFlags},
		{"only PSH", modify(linuxSYN4, func(b []byte) []byte { b[33] = 0x08; return b }), ErrBadFlags},
		{"v6 truncated", linuxSYN6[:79], ErrTruncated},
		{"v6 payload length short", modify(linuxSYN6, func(b []byte) []byte { b[5] = 19; return b }), ErrTruncated},
		{"v6 hop-by-hop header", modify(linuxSYN6, func(b []byte) []byte { b[6] = 0; return b }), ErrNotTCP},
		// Accepted: what p0f also fingerprints.
		{"MBZ flag", modify(linuxSYN4, func(b []byte) []byte { b[6] = 0xc0; return b }), nil},
		{"Ethernet padding", append(append([]byte(nil), linuxSYN4...), 0, 0, 0, 0), nil},
		{"SYN+ACK", modify(linuxSYN4, func(b []byte) []byte { b[33] = 0x12; return b }), nil},
		{"RST", modify(linuxSYN4, func(b []byte) []byte { b[33] = 0x04; return b }), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Record
			if err := ParseIP(tt.pkt, &r); !errors.Is(err, tt.err) {
				t.Errorf("ParseIP = %v, want %v", err, tt.err)
			}
		})
	}
}

func TestParseIPPayload(t *testing.T) {
	pkt := modify(linuxSYN4, func(b []byte) []byte {
		b[3] = 60 + 5 // total length includes 5 payload bytes
		return append(b, 'H', 'E', 'L', 'O', ' ', 0xff, 0xff)
	})
	var r Record
	if err := ParseIP(pkt, &r); err != nil {
		t.Fatal(err)
	}
	if r.PayloadLen != 5 {
		t.Errorf("PayloadLen = %d, want 5 (padding past the IP length ignored)", r.PayloadLen)
	}
}

func TestParseFrame(t *testing.T) {
	eth := []byte{
		0x02, 0x00, 0x00, 0x00, 0x00, 0x02, // destination MAC
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // source MAC
	}
	frame := func(tags []byte, et uint16, pkt []byte) []byte {
		f := append(append([]byte(nil), eth...), tags...)
		f = append(f, byte(et>>8), byte(et))
		return append(f, pkt...)
	}
	vlan := []byte{0x81, 0x00, 0x00, 0x2a}  // 802.1Q, VLAN 42
	qinq := []byte{0x88, 0xa8, 0x00, 0x07}  // 802.1ad, VLAN 7
	vlan2 := []byte{0x81, 0x00, 0x00, 0x2b} // 802.1Q, VLAN 43
	tests := []struct {
		name  string
		frame []byte
		err   error
		ver   uint8
	}{
		{"ipv4", frame(nil, 0x0800, linuxSYN4), nil, 4},
		{"ipv6", frame(nil, 0x86dd, linuxSYN6), nil, 6},
		{"802.1Q", frame(vlan, 0x0800, linuxSYN4), nil, 4},
		{"802.1ad+802.1Q", frame(append(qinq, vlan...), 0x86dd, linuxSYN6), nil, 6},
		{"three tags", frame(append(append(qinq, vlan...), vlan2...), 0x0800, linuxSYN4), ErrNotIP, 0},
		{"ARP", frame(nil, 0x0806, linuxSYN4), ErrNotIP, 0},
		{"short", eth[:10], ErrTruncated, 0},
		{"tag cut", frame(nil, 0x8100, nil), ErrTruncated, 0},
		{"runt", frame(nil, 0x0800, linuxSYN4[:30]), ErrTruncated, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Record
			err := ParseFrame(tt.frame, &r)
			if !errors.Is(err, tt.err) {
				t.Fatalf("ParseFrame = %v, want %v", err, tt.err)
			}
			if err == nil && (r.IPVersion != tt.ver || r.DstPort != 25 || !r.IsSYN()) {
				t.Errorf("got %+v", r)
			}
		})
	}
}
