// Package syntest provides crafted TCP SYNs of the stacks p0f 3.09b knows,
// with the label p0f gives each, and helpers to compare with p0f, for the
// tests of fingerprint and of the SYN capture paths (bpf/synfp,
// fingerprint/capture/afpacket). It is a test helper in the manner of
// net/http/httptest: standard library only, not imported by production
// code.
//
// Cases is the same table as fingerprint's own TestMatchTable (a test there
// keeps the two byte-identical).
package syntest

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// TCP flag bits (RFC 9293 §3.1, RFC 3168 §6.1), as in fingerprint.
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

// SYN describes a crafted TCP segment; Packet turns it into IP packet bytes.
// Checksums are left zero: neither p0f nor fingerprint checks them.
type SYN struct {
	V6      bool
	Src     netip.AddrPort // set by Cases
	Dst     netip.AddrPort
	TTL     uint8
	TOS     uint8 // IPv4 TOS or IPv6 traffic class
	DF      bool
	MBZ     bool // IPv4 reserved flag
	ID      uint16
	Flow    uint32
	IPOpts  []byte // IPv4 options, a multiple of 4 bytes
	Win     uint16
	Seq     uint32
	Ack     uint32
	Flags   uint8 // 0 means FlagSYN
	NS      bool
	Urg     uint16
	Opts    []byte // TCP options, a multiple of 4 bytes
	Payload []byte
}

// Packet returns the IP packet. It panics if the options are not a multiple
// of 4 bytes or longer than 40.
func (s SYN) Packet() []byte {
	if len(s.Opts)%4 != 0 || len(s.Opts) > 40 {
		panic(fmt.Sprintf("syntest: TCP options of %d bytes: must be a multiple of 4, at most 40", len(s.Opts)))
	}
	if len(s.IPOpts)%4 != 0 || len(s.IPOpts) > 40 {
		panic(fmt.Sprintf("syntest: IP options of %d bytes: must be a multiple of 4, at most 40", len(s.IPOpts)))
	}
	flags := s.Flags
	if flags == 0 {
		flags = FlagSYN
	}
	tcp := make([]byte, 20, 20+len(s.Opts)+len(s.Payload))
	binary.BigEndian.PutUint16(tcp[0:], s.Src.Port())
	binary.BigEndian.PutUint16(tcp[2:], s.Dst.Port())
	binary.BigEndian.PutUint32(tcp[4:], s.Seq)
	binary.BigEndian.PutUint32(tcp[8:], s.Ack)
	tcp[12] = byte((20+len(s.Opts))/4) << 4
	if s.NS {
		tcp[12] |= 1
	}
	tcp[13] = flags
	binary.BigEndian.PutUint16(tcp[14:], s.Win)
	binary.BigEndian.PutUint16(tcp[18:], s.Urg)
	tcp = append(tcp, s.Opts...)
	tcp = append(tcp, s.Payload...)

	if s.V6 {
		ip := make([]byte, 40, 40+len(tcp))
		binary.BigEndian.PutUint32(ip[0:], 6<<28|uint32(s.TOS)<<20|s.Flow&0xfffff)
		binary.BigEndian.PutUint16(ip[4:], uint16(len(tcp)))
		ip[6] = 6
		ip[7] = s.TTL
		src, dst := s.Src.Addr().As16(), s.Dst.Addr().As16()
		copy(ip[8:], src[:])
		copy(ip[24:], dst[:])
		return append(ip, tcp...)
	}
	hl := 20 + len(s.IPOpts)
	ip := make([]byte, hl, hl+len(tcp))
	ip[0] = 4<<4 | byte(hl/4)
	ip[1] = s.TOS
	binary.BigEndian.PutUint16(ip[2:], uint16(hl+len(tcp)))
	binary.BigEndian.PutUint16(ip[4:], s.ID)
	var fl uint16
	if s.DF {
		fl |= 0x4000
	}
	if s.MBZ {
		fl |= 0x8000
	}
	binary.BigEndian.PutUint16(ip[6:], fl)
	ip[8] = s.TTL
	ip[9] = 6
	src, dst := s.Src.Addr().As4(), s.Dst.Addr().As4()
	copy(ip[12:], src[:])
	copy(ip[16:], dst[:])
	copy(ip[20:], s.IPOpts)
	return append(ip, tcp...)
}

// TCP option builders.
func OptMSS(v uint16) []byte { return []byte{2, 4, byte(v >> 8), byte(v)} }
func OptWS(v uint8) []byte   { return []byte{3, 3, v} }
func OptSOK() []byte         { return []byte{4, 2} }
func OptNOP() []byte         { return []byte{1} }
func OptTS(a, b uint32) []byte {
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32([]byte{8, 10}, a), b)
}
func OptEOL(pad ...byte) []byte { return append([]byte{0}, pad...) }

// Opts concatenates options.
func Opts(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// Case is a crafted SYN with what p0f 3.09b (Debian 3.09b-3, its own p0f.fp)
// logs for it.
type Case struct {
	Name   string
	SYN    SYN
	OS     string // p0f's os=/app= and dist= fields, as fingerprint.Match.String renders them
	Params string // p0f's params= field
	Raw    string // p0f's raw_sig= field
}

// Cases returns the crafted SYNs, each from its own client address and
// port (Source) so that p0f sees each as a new flow from a new host.
func Cases() []Case {
	cs := slices.Clone(cases)
	for i := range cs {
		s := &cs[i].SYN
		s.Src, s.Dst = Source(i, s.V6)
		s.Opts = slices.Clone(s.Opts)
	}
	return cs
}

// Source returns case i's client and server: 10.1.x.y:40000+i to
// 192.0.2.1:25, or 2001:db8::(0x1000+i) port 40000+i to [2001:db8::1]:25.
func Source(i int, v6 bool) (src, dst netip.AddrPort) {
	port := uint16(40000 + i)
	if v6 {
		return netip.AddrPortFrom(netip.MustParseAddr(fmt.Sprintf("2001:db8::%x", 0x1000+i)), port),
			netip.AddrPortFrom(netip.MustParseAddr("2001:db8::1"), 25)
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), port),
		netip.AddrPortFrom(netip.MustParseAddr("192.0.2.1"), 25)
}

// Default MAC addresses of Ethernet.
var (
	ClientMAC = [6]byte{0x02, 0, 0, 0, 0, 0x01}
	ServerMAC = [6]byte{0x02, 0, 0, 0, 0, 0x02}
)

// Ethernet wraps an IP packet in an Ethernet II header from ClientMAC to
// ServerMAC.
func Ethernet(pkt []byte) []byte { return EthernetTo(pkt, ServerMAC, ClientMAC) }

// EthernetTo wraps an IP packet in an Ethernet II header from src to dst.
func EthernetTo(pkt []byte, dst, src [6]byte) []byte {
	f := make([]byte, 14, 14+len(pkt))
	copy(f[0:6], dst[:])
	copy(f[6:12], src[:])
	et := uint16(0x0800)
	if len(pkt) > 0 && pkt[0]>>4 == 6 {
		et = 0x86dd
	}
	binary.BigEndian.PutUint16(f[12:], et)
	return append(f, pkt...)
}

// Tag inserts an 802.1Q (tpid 0x8100) or 802.1ad (0x88a8) tag with VLAN id
// vid after the MAC addresses of frame, outside any tag already there.
func Tag(frame []byte, tpid, vid uint16) []byte {
	out := make([]byte, 0, len(frame)+4)
	out = append(out, frame[:12]...)
	out = binary.BigEndian.AppendUint16(out, tpid)
	out = binary.BigEndian.AppendUint16(out, vid&0x0fff)
	return append(out, frame[12:]...)
}

// WritePcap writes Ethernet frames as a classic pcap file (LINKTYPE_ETHERNET,
// microsecond timestamps), one millisecond apart.
func WritePcap(w io.Writer, frames [][]byte) error {
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

// Observation is what p0f logs about one SYN (a mod=syn or mod=sendsyn
// probe line of its -o log).
type Observation struct {
	Mod    string
	OS     string // "os=…|dist=…" or "app=…|dist=…", as fingerprint.Match.String renders it
	Params string
	Raw    string
}

// ParseP0fLine parses one line of p0f's -o log
//
//	[2023/11/14 22:13:20] mod=syn|cli=10.1.0.1/40000|srv=…|subj=cli|os=…|dist=…|params=…|raw_sig=…
//
// and returns its client (the cli= field) and observation; ok is false for
// lines that are not a SYN's.
func ParseP0fLine(line string) (cli string, o Observation, ok bool) {
	_, line, found := strings.Cut(line, "] ")
	if !found {
		return "", o, false
	}
	f := map[string]string{}
	for kv := range strings.SplitSeq(line, "|") {
		k, v, _ := strings.Cut(kv, "=")
		f[k] = v
	}
	if f["mod"] != "syn" && f["mod"] != "sendsyn probe" {
		return "", o, false
	}
	label := "os"
	if _, ok := f["app"]; ok {
		label = "app"
	}
	return f["cli"], Observation{
		Mod:    f["mod"],
		OS:     label + "=" + f[label] + "|dist=" + f["dist"],
		Params: f["params"],
		Raw:    f["raw_sig"],
	}, true
}

// P0fClient renders a client address the way p0f's addr_to_str does, for
// matching ParseP0fLine's cli: IPv6 as eight unabbreviated %x groups.
func P0fClient(src netip.AddrPort) string {
	var b []byte
	a := src.Addr().Unmap()
	if a.Is4() {
		b = a.AppendTo(b)
	} else {
		s := a.As16()
		for i := 0; i < 16; i += 2 {
			if i > 0 {
				b = append(b, ':')
			}
			b = strconv.AppendUint(b, uint64(s[i])<<8|uint64(s[i+1]), 16)
		}
	}
	b = append(b, '/')
	return string(strconv.AppendUint(b, uint64(src.Port()), 10))
}
