package special

import "net/netip"

// Block is one special-purpose address block.
type Block struct {
	Prefix netip.Prefix
	Name   string // the registry's name, with its RFC
}

// ASNBlock is one special-purpose range of AS numbers, First and Last
// included.
type ASNBlock struct {
	First, Last uint32
	Name        string
}

// ipv4 is the IANA IPv4 Special-Purpose Address Registry
// (https://www.iana.org/assignments/iana-ipv4-special-registry) less the
// globally reachable entries, plus multicast (RFC 5771) and the former
// class E space (RFC 1112 §4), which holds the limited broadcast address.
var ipv4 = [...]Block{
	{netip.MustParsePrefix("0.0.0.0/8"), `"This network" (RFC 791 §3.2)`},
	{netip.MustParsePrefix("10.0.0.0/8"), "Private-Use (RFC 1918)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "Shared Address Space (RFC 6598)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "Loopback (RFC 1122 §3.2.1.3)"},
	{netip.MustParsePrefix("169.254.0.0/16"), "Link Local (RFC 3927)"},
	{netip.MustParsePrefix("172.16.0.0/12"), "Private-Use (RFC 1918)"},
	{netip.MustParsePrefix("192.0.0.0/29"), "IPv4 Service Continuity Prefix (RFC 7335)"},
	{netip.MustParsePrefix("192.0.0.8/32"), "IPv4 dummy address (RFC 7600)"},
	{netip.MustParsePrefix("192.0.0.170/31"), "NAT64/DNS64 Discovery (RFC 8880)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF Protocol Assignments (RFC 6890 §2.1)"},
	{netip.MustParsePrefix("192.0.2.0/24"), "Documentation (TEST-NET-1, RFC 5737)"},
	{netip.MustParsePrefix("192.88.99.0/24"), "Deprecated 6to4 Relay Anycast (RFC 7526)"},
	{netip.MustParsePrefix("192.168.0.0/16"), "Private-Use (RFC 1918)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "Benchmarking (RFC 2544)"},
	{netip.MustParsePrefix("198.51.100.0/24"), "Documentation (TEST-NET-2, RFC 5737)"},
	{netip.MustParsePrefix("203.0.113.0/24"), "Documentation (TEST-NET-3, RFC 5737)"},
	{netip.MustParsePrefix("224.0.0.0/4"), "Multicast (RFC 5771)"},
	{netip.MustParsePrefix("240.0.0.0/4"), "Reserved, and Limited Broadcast (RFC 1112 §4, RFC 919 §7)"},
}

// v4first has bit o set when some block of ipv4 holds addresses whose first
// octet is o: most addresses need one test, not len(ipv4).
var v4first = func() (m [4]uint64) {
	for _, b := range ipv4 {
		lo := b.Prefix.Masked().Addr().As4()[0]
		n := 1
		if b.Prefix.Bits() < 8 {
			n = 1 << (8 - b.Prefix.Bits())
		}
		for o := int(lo); o < int(lo)+n; o++ {
			m[o>>6] |= 1 << (o & 63)
		}
	}
	return m
}()

// ipv6 is the IANA IPv6 Special-Purpose Address Registry
// (https://www.iana.org/assignments/iana-ipv6-special-registry) less the
// globally reachable entries. Everything outside 2000::/3, the only space
// IANA allocates to RIRs (RFC 4291 §2.4, RFC 3587), is reserved too; that
// check comes first and covers ::/128, ::1/128, 64:ff9b::/96, 100::/64,
// 5f00::/16, fc00::/7, fe80::/10 and ff00::/8.
var ipv6 = [...]Block{
	{netip.MustParsePrefix("2001::/32"), "TEREDO (RFC 4380)"},
	{netip.MustParsePrefix("2001:2::/48"), "Benchmarking (RFC 5180)"},
	{netip.MustParsePrefix("2001:10::/28"), "Deprecated ORCHID (RFC 4843)"},
	{netip.MustParsePrefix("2001:db8::/32"), "Documentation (RFC 3849)"},
	{netip.MustParsePrefix("3fff::/20"), "Documentation (RFC 9637)"},
}

// outside2000 is the complement of 2000::/3.
var outside2000 = [...]Block{
	{netip.MustParsePrefix("::/3"), outsideName},
	{netip.MustParsePrefix("4000::/2"), outsideName},
	{netip.MustParsePrefix("8000::/1"), outsideName},
}

const outsideName = "Outside Global Unicast 2000::/3 (RFC 4291 §2.4)"

// asns is the IANA Special-Purpose AS Numbers registry
// (https://www.iana.org/assignments/iana-as-numbers-special-registry).
var asns = [...]ASNBlock{
	{0, 0, "Reserved AS 0 (RFC 7607)"},
	{23456, 23456, "AS_TRANS (RFC 6793)"},
	{64496, 64511, "Documentation (RFC 5398)"},
	{64512, 65534, "Private Use (RFC 6996)"},
	{65535, 65535, "Last 16-bit AS Number (RFC 7300)"},
	{65536, 65551, "Documentation (RFC 5398)"},
	{4200000000, 4294967294, "Private Use (RFC 6996)"},
	{4294967295, 4294967295, "Last 32-bit AS Number (RFC 7300)"},
}

// Addr reports whether ip is a special-purpose address, and which block
// holds it. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is judged as the
// IPv4 address it maps; the invalid zero Addr is special.
func Addr(ip netip.Addr) (Block, bool) {
	ip = ip.Unmap()
	switch {
	case ip.Is4():
		if o := ip.As4()[0]; v4first[o>>6]&(1<<(o&63)) == 0 {
			return Block{}, false
		}
		for _, b := range &ipv4 {
			if b.Prefix.Contains(ip) {
				return b, true
			}
		}
	case ip.Is6():
		if b0 := ip.As16()[0]; b0&0xe0 != 0x20 {
			return outside2000[min(b0>>6, 2)], true
		}
		for _, b := range &ipv6 {
			if b.Prefix.Contains(ip.WithZone("")) {
				return b, true
			}
		}
	default:
		return Block{Name: "invalid address"}, true
	}
	return Block{}, false
}

// Reserved reports whether ip is a special-purpose address: no lookup of
// any kind is made for it.
func Reserved(ip netip.Addr) bool {
	_, ok := Addr(ip)
	return ok
}

// ASN reports whether asn is a special-purpose AS number, and which range
// holds it.
func ASN(asn uint32) (ASNBlock, bool) {
	for _, b := range &asns {
		if asn >= b.First && asn <= b.Last {
			return b, true
		}
	}
	return ASNBlock{}, false
}

// Blocks returns a copy of the special-purpose address blocks, IPv4 first,
// then IPv6 with the complement of 2000::/3 as three blocks.
func Blocks() []Block {
	out := make([]Block, 0, len(ipv4)+len(ipv6)+len(outside2000))
	out = append(out, ipv4[:]...)
	out = append(out, ipv6[:]...)
	return append(out, outside2000[:]...)
}

// ASNBlocks returns a copy of the special-purpose AS number ranges.
func ASNBlocks() []ASNBlock {
	return append([]ASNBlock(nil), asns[:]...)
}
