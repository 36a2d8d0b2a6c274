package syntest

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
)

// Frame is a named Ethernet frame.
type Frame struct {
	Name string
	Data []byte
}

// Variants returns Ethernet frames on which a SYN parser must agree with
// fingerprint.ParseFrame: every case as is, behind 802.1Q, 802.1ad+802.1Q
// and (not followed) three tags, with Ethernet padding, with every TCP flag
// combination that matters, fragmented, truncated at several lengths, with
// each header length field out of range, to another port (26) and with
// EtherType and IP version disagreeing; then n frames with random bytes of
// their headers changed, drawn from seed.
func Variants(n int, seed uint64) []Frame {
	var out []Frame
	add := func(name string, f []byte) { out = append(out, Frame{name, f}) }
	cs := Cases()
	for i, c := range cs {
		pkt := c.SYN.Packet()
		f := Ethernet(pkt)
		add(c.Name, f)
		if i%4 != 0 { // the rest on a quarter of the cases
			continue
		}
		add(c.Name+"/802.1Q", Tag(f, 0x8100, 42))
		add(c.Name+"/QinQ", Tag(Tag(f, 0x8100, 42), 0x88a8, 7))
		add(c.Name+"/3 tags", Tag(Tag(Tag(f, 0x8100, 42), 0x8100, 43), 0x88a8, 7))
		add(c.Name+"/padded", append(slices.Clone(f), make([]byte, 64)...))
		add(c.Name+"/padded junk", append(slices.Clone(f), 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0))
		tcpOff := 14 + 40
		if !c.SYN.V6 {
			tcpOff = 14 + int(pkt[0]&0x0f)*4
		}
		for _, fl := range []uint8{
			FlagSYN | FlagACK, FlagACK, FlagRST, FlagFIN, FlagSYN | FlagFIN, FlagSYN | FlagRST,
			FlagFIN | FlagRST, 0, 0xff, FlagPSH | FlagURG | FlagFIN, FlagSYN | FlagPSH | FlagURG | FlagECE | FlagCWR,
		} {
			add(fmt.Sprintf("%s/flags %#02x", c.Name, fl), with8(f, tcpOff+13, fl))
		}
		s := c.SYN
		s.Dst = netip.AddrPortFrom(s.Dst.Addr(), 26)
		add(c.Name+"/port 26", Ethernet(s.Packet()))
		for _, cut := range []int{13, 14, 15, 20, 33, 34, 40, 53, 54, 60, 73, 74, len(f) - 1} {
			if cut < len(f) {
				add(fmt.Sprintf("%s/cut %d", c.Name, cut), f[:cut:cut])
			}
		}
		l3 := f[14:]
		if c.SYN.V6 {
			add(c.Name+"/ethertype IPv4", withEtherType(f, 0x0800))
			add(c.Name+"/payload length +1", with16(f, 14+4, int(binary.BigEndian.Uint16(l3[4:]))+1))
			add(c.Name+"/payload length -1", with16(f, 14+4, int(binary.BigEndian.Uint16(l3[4:]))-1))
			add(c.Name+"/payload length 0", with16(f, 14+4, 0))
			add(c.Name+"/next header UDP", with8(f, 14+6, 17))
			add(c.Name+"/next header hop-by-hop", with8(f, 14+6, 0))
		} else {
			add(c.Name+"/ethertype IPv6", withEtherType(f, 0x86dd))
			add(c.Name+"/ihl 4", with8(f, 14, 0x44))
			add(c.Name+"/ihl 15", with8(f, 14, 0x4f))
			add(c.Name+"/total length +1", with16(f, 14+2, int(binary.BigEndian.Uint16(l3[2:]))+1))
			add(c.Name+"/total length -1", with16(f, 14+2, int(binary.BigEndian.Uint16(l3[2:]))-1))
			add(c.Name+"/total length 39", with16(f, 14+2, 39))
			add(c.Name+"/MF", with16(f, 14+6, 0x2000))
			add(c.Name+"/DF MF", with16(f, 14+6, 0x6000))
			add(c.Name+"/fragment offset", with16(f, 14+6, 0x0001))
			add(c.Name+"/reserved DF", with16(f, 14+6, 0xc000))
			add(c.Name+"/protocol UDP", with8(f, 14+9, 17))
			add(c.Name+"/version 5", with8(f, 14, 0x55))
			add(c.Name+"/data offset 4", with8(f, tcpOff+12, 0x40))
			add(c.Name+"/data offset 15", with8(f, tcpOff+12, 0xf0))
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x5a5a))
	for i := range n {
		c := cs[rng.IntN(len(cs))]
		f := Ethernet(c.SYN.Packet())
		if rng.IntN(4) == 0 {
			f = Tag(f, 0x8100, uint16(rng.IntN(4096)))
		}
		hdr := min(len(f), 14+4+60+60)
		for range 1 + rng.IntN(3) {
			f[rng.IntN(hdr)] = byte(rng.Uint32())
		}
		if rng.IntN(8) == 0 {
			f = f[:rng.IntN(len(f)+1)]
		}
		add(fmt.Sprintf("%s/random %d", c.Name, i), f)
	}
	return out
}

func withEtherType(f []byte, et uint16) []byte { return with16(f, 12, int(et)) }

func with8(f []byte, off int, v byte) []byte {
	g := slices.Clone(f)
	g[off] = v
	return g
}

func with16(f []byte, off, v int) []byte {
	g := slices.Clone(f)
	binary.BigEndian.PutUint16(g[off:], uint16(v))
	return g
}
