package special

import (
	"net/netip"
	"testing"
)

func TestAddr(t *testing.T) {
	for _, tc := range []struct {
		ip       string
		reserved bool
	}{
		{"0.1.2.3", true},
		{"10.255.0.1", true},
		{"100.64.0.1", true},
		{"100.128.0.1", false}, // just past 100.64.0.0/10
		{"127.0.0.1", true},
		{"169.254.1.1", true},
		{"172.16.0.1", true},
		{"172.32.0.1", false},
		{"192.0.0.9", true}, // inside 192.0.0.0/24 (the anycast /32s are not worth a lookup)
		{"192.0.2.55", true},
		{"192.31.196.1", false}, // AS112-v4: globally reachable
		{"192.88.99.1", true},
		{"192.168.1.1", true},
		{"198.18.0.1", true},
		{"198.20.0.1", false},
		{"198.51.100.7", true},
		{"203.0.113.7", true},
		{"224.0.0.251", true},
		{"239.255.255.250", true},
		{"240.0.0.1", true},
		{"255.255.255.255", true},
		{"8.8.8.8", false},
		{"41.155.50.138", false},
		{"::ffff:10.0.0.1", true},  // mapped, judged as IPv4
		{"::ffff:8.8.8.8", false},  // mapped, judged as IPv4
		{"::", true},               // unspecified
		{"::1", true},              // loopback
		{"64:ff9b::808:808", true}, // NAT64
		{"100::1", true},           // discard-only
		{"fc00::1", true},          // ULA
		{"fd12:3456::1", true},     // ULA
		{"fe80::1", true},          // link-local
		{"fe80::1%eth0", true},     // link-local with a zone
		{"ff02::1", true},          // multicast
		{"5f00::1", true},          // SRv6 SIDs, outside 2000::/3
		{"4000::1", true},
		{"8000::1", true},
		{"2001::1", true},     // Teredo
		{"2001:2::1", true},   // benchmarking
		{"2001:db8::1", true}, // documentation
		{"3fff::1", true},     // documentation (RFC 9637)
		{"2001:4860:4860::8888", false},
		{"2002:c000:204::1", false}, // 6to4 is globally reachable
		{"2a00:1450:4001::1", false},
	} {
		t.Run(tc.ip, func(t *testing.T) {
			ip := netip.MustParseAddr(tc.ip)
			b, got := Addr(ip)
			if got != tc.reserved {
				t.Fatalf("Addr(%s) = %v, %v; want reserved=%v", ip, b, got, tc.reserved)
			}
			if got && b.Name == "" {
				t.Errorf("Addr(%s): block without a name", ip)
			}
			if Reserved(ip) != got {
				t.Errorf("Reserved(%s) != Addr's answer", ip)
			}
		})
	}
	if !Reserved(netip.Addr{}) {
		t.Error("the zero Addr must be reserved")
	}
}

func TestASN(t *testing.T) {
	for asn, want := range map[uint32]bool{
		0: true, 1: false, 15169: false, 23456: true, 64495: false, 64496: true,
		64512: true, 65534: true, 65535: true, 65536: true, 65551: true, 65552: false,
		396982: false, 4199999999: false, 4200000000: true, 4294967295: true,
	} {
		if _, got := ASN(asn); got != want {
			t.Errorf("ASN(%d) = %v, want %v", asn, got, want)
		}
	}
}

func TestBlocksCoverWhatAddrReports(t *testing.T) {
	bs := Blocks()
	for _, s := range []string{"10.0.0.1", "fe80::1", "4000::1", "ffff::1", "2001:db8::1", "::1"} {
		ip := netip.MustParseAddr(s)
		found := false
		for _, b := range bs {
			if b.Prefix.Contains(ip) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s is reserved but in no block of Blocks()", s)
		}
	}
	for _, b := range bs {
		if b.Prefix != b.Prefix.Masked() {
			t.Errorf("%s is not a canonical prefix", b.Prefix)
		}
		if !Reserved(b.Prefix.Addr()) {
			t.Errorf("first address of %s is not Reserved", b.Prefix)
		}
	}
}

func TestAddrAllocatesNothing(t *testing.T) {
	ips := []netip.Addr{netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("2a00:1450::1"), netip.MustParseAddr("fe80::1%eth0")}
	if n := testing.AllocsPerRun(100, func() {
		for _, ip := range ips {
			Reserved(ip)
		}
	}); n != 0 {
		t.Errorf("Reserved allocates %v times per run", n)
	}
}

func BenchmarkReserved(b *testing.B) {
	ip := netip.MustParseAddr("41.155.50.138")
	b.ReportAllocs()
	for b.Loop() {
		Reserved(ip)
	}
}
