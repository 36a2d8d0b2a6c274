package rir

import (
	"net/netip"
	"strings"
	"testing"
)

func embedded(t testing.TB) *Table {
	t.Helper()
	tb, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestEmbeddedAddr(t *testing.T) {
	tb := embedded(t)
	if tb.Date == "" || tb.Source == "" {
		t.Errorf("embedded IPv4 table without date or source: %q %q", tb.Date, tb.Source)
	}
	for _, tc := range []struct {
		ip   string
		want Registry
	}{
		{"8.8.8.8", ARIN},
		{"41.155.50.138", AFRINIC}, // the seed's case study
		{"195.4.92.9", RIPENCC},    // the seed's case study
		{"1.1.1.1", APNIC},
		{"200.160.2.3", LACNIC},
		{"25.1.2.3", RIPENCC},    // legacy /8 "Administered by RIPE NCC": from IANA's table
		{"145.1.2.3", RIPENCC},   // idem
		{"24.132.1.1", RIPENCC},  // legacy ARIN space moved to RIPE: from the whois list
		{"209.94.200.1", LACNIC}, // a /19 the whois list shadows under first-match reading
		{"133.1.2.3", APNIC},     // JPNIC, folded into APNIC
		{"211.32.1.1", APNIC},    // KRNIC, folded into APNIC
		{"::ffff:8.8.8.8", ARIN}, // mapped
		{"10.1.2.3", None},       // special-purpose
		{"192.0.2.1", None},      // special-purpose
		{"2001:4860:4860::8888", ARIN},
		{"2a00:1450:4001::1", RIPENCC},
		{"2c0f:f000::1", AFRINIC},
		{"2800:3f0::1", LACNIC},
		{"2400:cb00::1", APNIC},
		{"2001:db8::1", None},      // documentation
		{"2002:c000:204::1", None}, // 6to4: no registry
		{"3000::1", None},          // unallocated 2000::/3 space
	} {
		if got := tb.Addr(netip.MustParseAddr(tc.ip)); got != tc.want {
			t.Errorf("Addr(%s) = %q, want %q", tc.ip, got, tc.want)
		}
	}
}

func TestEmbeddedASN(t *testing.T) {
	tb := embedded(t)
	for asn, want := range map[uint32]Registry{
		15169:      ARIN,
		3320:       RIPENCC,
		28573:      LACNIC,
		37100:      AFRINIC,
		9808:       APNIC,
		131072:     APNIC,
		196608:     RIPENCC,
		262144:     LACNIC,
		327680:     AFRINIC,
		393216:     ARIN,
		0:          None, // special-purpose
		23456:      None,
		64512:      None,
		65535:      None,
		4200000000: None,
	} {
		if got := tb.ASN(asn); got != want {
			t.Errorf("ASN(%d) = %q, want %q", asn, got, want)
		}
	}
}

func TestEveryRegistryAppears(t *testing.T) {
	tb := embedded(t)
	for _, set := range [][]range4{tb.v4, tb.asn} {
		seen := map[Registry]bool{}
		for _, r := range set {
			seen[r.reg] = true
		}
		for r := AFRINIC; r <= RIPENCC; r++ {
			if !seen[r] {
				t.Errorf("registry %s never appears", r)
			}
		}
	}
}

func TestParseRejects(t *testing.T) {
	good4 := "1.0.0.0\t1.255.255.255\tapnic\n"
	good6 := "2400::\t241f:ffff:ffff:ffff:ffff:ffff:ffff:ffff\tapnic\n"
	goodASN := "1\t10\tarin\n"
	for name, tc := range map[string][3]string{
		"overlap":      {good4 + "1.128.0.0\t2.0.0.0\tripencc\n", good6, goodASN},
		"unsorted":     {"2.0.0.0\t2.0.0.1\tripencc\n" + good4, good6, goodASN},
		"registry":     {"1.0.0.0\t1.0.0.1\tripe\n", good6, goodASN},
		"fields":       {"1.0.0.0 1.0.0.1 apnic\n", good6, goodASN},
		"family":       {good6, good6, goodASN},
		"reversed":     {good4, good6, "10\t1\tarin\n"},
		"empty":        {"# date: x\n", good6, goodASN},
		"v6 overlap":   {good4, good6 + good6, goodASN},
		"asn too wide": {good4, good6, "1\t4294967296\tarin\n"},
	} {
		if _, err := Parse(strings.NewReader(tc[0]), strings.NewReader(tc[1]), strings.NewReader(tc[2])); err == nil {
			t.Errorf("%s: Parse accepted it", name)
		}
	}
	tb, err := Parse(strings.NewReader("# source: here\n# date: 2000-01-01\n"+good4), strings.NewReader(good6), strings.NewReader(goodASN))
	if err != nil {
		t.Fatal(err)
	}
	if tb.Source != "here" || tb.Date != "2000-01-01" {
		t.Errorf("header: %q %q", tb.Source, tb.Date)
	}
	if tb.Addr(netip.MustParseAddr("1.2.3.4")) != APNIC || tb.Addr(netip.MustParseAddr("2.2.3.4")) != None ||
		tb.Addr(netip.MustParseAddr("0.255.255.255")) != None || tb.ASN(11) != None || tb.ASN(1) != ARIN {
		t.Error("lookups on a hand-made table")
	}
}

func TestLookupAllocatesNothing(t *testing.T) {
	tb := embedded(t)
	v4, v6 := netip.MustParseAddr("41.155.50.138"), netip.MustParseAddr("2a00:1450:4001::1")
	if n := testing.AllocsPerRun(100, func() { tb.Addr(v4); tb.Addr(v6); tb.ASN(15169) }); n != 0 {
		t.Errorf("%v allocations per lookup", n)
	}
}

func BenchmarkAddr(b *testing.B) {
	tb := embedded(b)
	ip := netip.MustParseAddr("41.155.50.138")
	b.ReportAllocs()
	for b.Loop() {
		tb.Addr(ip)
	}
}
