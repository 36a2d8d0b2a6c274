package main

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spampots/spampots/enrich/rir"
)

// Fixtures in the formats of the whois lists and IANA's CSV.
const (
	ipList = `# comment
0.0.0.0/8	UNKNOWN
14.64.0.0/11	whois.nic.or.kr
14.0.0.0/8	apnic
0.0.0.0/1	arin	# catch-all
128.0.0.0/2	arin
208.0.0.0/7	arin
209.94.192.0/19	lacnic		# after its cover: shadowed if read first-match
`
	ip6List = `2001:0200::/23	apnic
2002:0000::/16	6to4
2400:0000::/20	whois.nic.or.kr
2400:0000::/11	apnic
`
	asList = `248	251	ripe
306	371	whois.nic.mil
1	64296	arin
2.0	2.65535	apnic
4200000000	4294967294	ripe
`
	ianaCSV = `Prefix,Designation,Date,WHOIS,RDAP,Status [1],Note
000/8,IANA - Local Identification,1981-09,,,RESERVED,[2]
` + "014/8,APNIC,2010-04,whois.apnic.net,https://rdap.apnic.net/,ALLOCATED,\n" +
		"025/8,Administered by RIPE NCC,1995-01,whois.ripe.net,\"https://rdap.db.ripe.net/\nsecond line\",LEGACY,\n"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"ip_del_list": ipList, "ip6_del_list": ip6List, "as_del_list": asList} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// IANA's file has 256 rows; pad the fixture with reserved ones.
	var iana strings.Builder
	iana.WriteString(ianaCSV)
	for range 256 - 3 {
		iana.WriteString("255/8,Future use,1981-09,,,RESERVED,\n")
	}
	csv := filepath.Join(dir, "ipv4-address-space.csv")
	if err := os.WriteFile(csv, []byte(iana.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := run(dir, csv, "2023-06-29", out, "fixture", "2025-10-13"); err != nil {
		t.Fatal(err)
	}
	open := func(n string) *os.File {
		f, err := os.Open(filepath.Join(out, n))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	tb, err := rir.Parse(open("ipv4.tsv"), open("ipv6.tsv"), open("asn.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	if tb.Date != "2025-10-13" || !strings.Contains(tb.Source, "fixture") {
		t.Errorf("header: %q %q", tb.Source, tb.Date)
	}
	for ip, want := range map[string]rir.Registry{
		"14.64.0.1":    rir.APNIC, // KRNIC folded into APNIC
		"14.1.0.1":     rir.APNIC,
		"25.1.2.3":     rir.RIPENCC, // IANA's /8 beats the whois catch-all
		"8.8.8.8":      rir.ARIN,    // the catch-all
		"10.1.1.1":     rir.None,    // special-purpose, whatever the catch-all says
		"209.94.200.1": rir.LACNIC,  // longest prefix wins
		"208.1.1.1":    rir.ARIN,
		"192.0.2.1":    rir.None, // special-purpose
		"2001:200::1":  rir.APNIC,
		"2002::1":      rir.None, // 6to4
		"2400::1":      rir.APNIC,
		"2410::1":      rir.APNIC,
		"2001:db8::1":  rir.None,
	} {
		if got := tb.Addr(netip.MustParseAddr(ip)); got != want {
			t.Errorf("%s: %q, want %q", ip, got, want)
		}
	}
	for asn, want := range map[uint32]rir.Registry{
		1: rir.ARIN, 248: rir.RIPENCC, 300: rir.ARIN, 306: rir.ARIN, 23456: rir.None, 64296: rir.ARIN,
		64512: rir.None, 131072: rir.APNIC, 196607: rir.APNIC, 196608: rir.None, 4200000000: rir.None,
	} {
		if got := tb.ASN(asn); got != want {
			t.Errorf("AS%d: %q, want %q", asn, got, want)
		}
	}
}

func TestRunRejectsUnknownServers(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"ip_del_list": "1.0.0.0/8\twhois.new-nir.example\n", "ip6_del_list": ip6List, "as_del_list": asList} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	csv := filepath.Join(dir, "iana.csv")
	if err := os.WriteFile(csv, []byte("Prefix,Designation,Date,WHOIS\n"+strings.Repeat("001/8,x,y,\n", 256)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(dir, csv, "d", t.TempDir(), "s", "d"); err == nil || !strings.Contains(err.Error(), "new-nir") {
		t.Errorf("got %v, want an error naming the unknown server", err)
	}
}

func TestASNumber(t *testing.T) {
	for s, want := range map[string]uint32{"0": 0, "65536": 65536, "1.0": 65536, "2.65535": 196607, "4294967295": 4294967295} {
		if got, err := asNumber(s); err != nil || got != want {
			t.Errorf("asNumber(%q) = %d, %v", s, got, err)
		}
	}
	for _, bad := range []string{"", "x", "1.", "65536.0", "4294967296", "-1"} {
		if _, err := asNumber(bad); err == nil {
			t.Errorf("asNumber(%q) accepted", bad)
		}
	}
}
