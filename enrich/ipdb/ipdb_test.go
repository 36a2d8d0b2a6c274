package ipdb

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/spampots/spampots/enrich/asnmmdb"
	"github.com/spampots/spampots/enrich/ipdb/ipdbtest"
)

// asnCSV is a small @ip-location-db style ASN table (first,last,asn,org).
const asnCSV = `1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."
8.8.4.0,8.8.4.255,15169,Google LLC
8.8.8.0,8.8.8.255,15169,Google LLC
41.155.0.0,41.155.127.255,33776,STARCOMMS-AS
67.215.224.0,67.215.255.255,29761,OC3-NETWORKS-AS-NUMBER
195.4.92.0,195.4.92.255,5430,freenet Datenkommunikations GmbH
`

const asnCSV6 = `2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC
2a00:1450::,2a00:1450:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC
3000::,3000::ffff,328000,AS outside the RIR tables
`

var countries = map[string]string{
	"1.0.0.0/24":      "au",
	"8.8.0.0/16":      "US",
	"41.155.0.0/17":   "NG",
	"195.4.92.0/23":   "DE",
	"2001:4860::/32":  "US",
	"2a00:1450::/32":  "IE",
	"67.215.224.0/19": "",
}

func open(t testing.TB, geolite, v4only bool) (*DB, string) {
	t.Helper()
	dir := t.TempDir()
	asn, cc := filepath.Join(dir, "asn.mmdb"), filepath.Join(dir, "country.mmdb")
	ipdbtest.WriteASN(t, asn, asnCSV, asnCSV6)
	ipdbtest.WriteCountry(t, cc, geolite, v4only, countries)
	db, err := Open(Config{ASN: asn, Country: cc})
	if err != nil {
		t.Fatal(err)
	}
	return db, dir
}

func TestLookup(t *testing.T) {
	for _, geolite := range []bool{true, false} {
		db, _ := open(t, geolite, false)
		for _, tc := range []struct {
			ip   string
			want Info
		}{
			{"8.8.8.8", Info{ASN: 15169, Org: "Google LLC", Prefix: netip.MustParsePrefix("8.8.8.0/24"), CC: "US", RIR: "arin"}},
			{"::ffff:8.8.8.8", Info{ASN: 15169, Org: "Google LLC", Prefix: netip.MustParsePrefix("8.8.8.0/24"), CC: "US", RIR: "arin"}},
			{"1.0.0.1", Info{ASN: 13335, Org: "Cloudflare, Inc.", Prefix: netip.MustParsePrefix("1.0.0.0/24"), CC: "AU", RIR: "apnic"}},
			{"41.155.50.138", Info{ASN: 33776, Org: "STARCOMMS-AS", Prefix: netip.MustParsePrefix("41.155.0.0/17"), CC: "NG", RIR: "afrinic"}},
			{"195.4.92.9", Info{ASN: 5430, Org: "freenet Datenkommunikations GmbH", Prefix: netip.MustParsePrefix("195.4.92.0/24"), CC: "DE", RIR: "ripencc"}},
			{"67.215.231.114", Info{ASN: 29761, Org: "OC3-NETWORKS-AS-NUMBER", Prefix: netip.MustParsePrefix("67.215.224.0/19"), RIR: "arin"}},
			{"2001:4860:4860::8888", Info{ASN: 15169, Org: "Google LLC", Prefix: netip.MustParsePrefix("2001:4860::/32"), CC: "US", RIR: "arin"}},
			{"2a00:1450:4001::1", Info{ASN: 15169, Org: "Google LLC", Prefix: netip.MustParsePrefix("2a00:1450::/32"), CC: "IE", RIR: "ripencc"}},
			// Not in the databases: only the RIR is known.
			{"9.9.9.9", Info{RIR: "arin"}},
			{"2c0f:f000::1", Info{RIR: "afrinic"}},
			// Outside the RIR address tables: the AS's registry is used.
			{"3000::1", Info{ASN: 328000, Org: "AS outside the RIR tables", Prefix: netip.MustParsePrefix("3000::/112"), RIR: "afrinic"}},
			// Special-purpose: nothing looked up.
			{"10.0.0.1", Info{Reserved: true}},
			{"::ffff:192.168.1.1", Info{Reserved: true}},
			{"127.0.0.1", Info{Reserved: true}},
			{"fe80::1", Info{Reserved: true}},
			{"2001:db8::1", Info{Reserved: true}},
		} {
			got := db.Lookup(netip.MustParseAddr(tc.ip))
			if geolite && tc.ip == "67.215.231.114" {
				tc.want.CC = "EU" // GeoLite2's registered_country when no country
			}
			if got != tc.want {
				t.Errorf("geolite=%v Lookup(%s) = %+v, want %+v", geolite, tc.ip, got, tc.want)
			}
		}
		if db.Lookup(netip.Addr{}) != (Info{Reserved: true}) {
			t.Error("the zero Addr must be reserved")
		}
	}
}

func TestIPv4OnlyCountryDatabase(t *testing.T) {
	db, _ := open(t, false, true)
	if got := db.Lookup(netip.MustParseAddr("8.8.8.8")); got.CC != "US" {
		t.Errorf("IPv4 in an IPv4 database: %+v", got)
	}
	got := db.Lookup(netip.MustParseAddr("2001:4860:4860::8888"))
	if got.CC != "" || got.ASN != 15169 {
		t.Errorf("IPv6 in an IPv4 database: %+v", got)
	}
}

func TestNoDatabases(t *testing.T) {
	db, err := Open(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := db.Lookup(netip.MustParseAddr("8.8.8.8")); got != (Info{RIR: "arin"}) {
		t.Errorf("no databases: %+v", got)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	cc := filepath.Join(dir, "country.mmdb")
	ipdbtest.WriteCountry(t, cc, true, false, countries)
	junk := filepath.Join(dir, "junk.mmdb")
	if err := os.WriteFile(junk, []byte("not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]Config{
		"missing":            {ASN: filepath.Join(dir, "nope.mmdb")},
		"junk":               {Country: junk},
		"country as ASN":     {ASN: cc},
		"both wrong at once": {ASN: junk, Country: junk},
	} {
		if _, err := Open(cfg); err == nil {
			t.Errorf("%s: Open succeeded", name)
		} else if name == "both wrong at once" && strings.Count(err.Error(), "junk.mmdb") != 2 {
			t.Errorf("both problems should be reported: %v", err)
		}
	}
}

func TestReloadFailureKeepsTheOldData(t *testing.T) {
	db, dir := open(t, true, false)
	ipdbtest.Replace(t, filepath.Join(dir, "asn.mmdb"), []byte("garbage"))
	if err := db.Reload(); err == nil {
		t.Fatal("Reload of a broken file succeeded")
	}
	if got := db.Lookup(netip.MustParseAddr("8.8.8.8")); got.ASN != 15169 {
		t.Errorf("after a failed reload: %+v", got)
	}
}

// TestReloadUnderLoad swaps the ASN database between two versions while
// lookups run; every answer must be whole: from the old or the new file,
// never a mix, never a crash.
func TestReloadUnderLoad(t *testing.T) {
	db, dir := open(t, false, false)
	path := filepath.Join(dir, "asn.mmdb")
	oldV, _ := db.Versions()
	v2 := strings.ReplaceAll(strings.ReplaceAll(asnCSV, "15169,Google LLC", "396982,GOOGLE-CLOUD-PLATFORM"), "8.8.8.0,8.8.8.255", "8.8.8.0,8.8.8.127")
	var asn2 bytes.Buffer
	{
		tr, _ := asnmmdb.New(asnmmdb.Options{})
		if err := tr.ReadCSV(strings.NewReader(v2), "v2"); err != nil {
			t.Fatal(err)
		}
		if _, err := tr.WriteTo(&asn2); err != nil {
			t.Fatal(err)
		}
	}
	asn1, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ip := netip.MustParseAddr("8.8.8.8")
	old := Info{ASN: 15169, Org: "Google LLC", Prefix: netip.MustParsePrefix("8.8.8.0/24"), CC: "US", RIR: "arin"}
	upd := Info{ASN: 396982, Org: "GOOGLE-CLOUD-PLATFORM", Prefix: netip.MustParsePrefix("8.8.8.0/25"), CC: "US", RIR: "arin"}

	var stop atomic.Bool
	var seenOld, seenNew atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for range 4 {
		wg.Go(func() {
			for !stop.Load() {
				switch got := db.Lookup(ip); got {
				case old:
					seenOld.Add(1)
				case upd:
					seenNew.Add(1)
				default:
					select {
					case errs <- fmt.Sprintf("torn or wrong answer during reload: %+v", got):
					default:
					}
					return
				}
			}
		})
	}
	const reloads = 20
	for i := range reloads {
		b := asn1
		if i%2 == 0 {
			b = asn2.Bytes()
		}
		ipdbtest.Replace(t, path, b)
		if err := db.Reload(); err != nil {
			t.Error(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if seenOld.Load() == 0 || seenNew.Load() == 0 {
		t.Errorf("lookups saw old %d times and new %d times; want both", seenOld.Load(), seenNew.Load())
	}
	if newV, _ := db.Versions(); !newV.LoadedAt.After(oldV.LoadedAt) || newV.Records == 0 || newV.Bytes == 0 {
		t.Errorf("versions: old %+v, new %+v", oldV, newV)
	}
}

func TestLookupAllocatesNothing(t *testing.T) {
	db, _ := open(t, true, false)
	ips := []netip.Addr{
		netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("2001:4860:4860::8888"),
		netip.MustParseAddr("9.9.9.9"), netip.MustParseAddr("10.1.1.1"), netip.MustParseAddr("::ffff:1.0.0.1"),
	}
	if n := testing.AllocsPerRun(200, func() {
		for _, ip := range ips {
			db.Lookup(ip)
		}
	}); n != 0 {
		t.Errorf("Lookup allocates %v times per run", n)
	}
}

// realDir is where build.sh writes the databases: $SPAMPOTS_IPDB_DIR, or
// data/ipdb at the top of the repository.
func realDir(t testing.TB) string {
	if d := os.Getenv("SPAMPOTS_IPDB_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "data", "ipdb")
}

func openReal(t testing.TB) *DB {
	t.Helper()
	dir := realDir(t)
	asn, cc := filepath.Join(dir, "asn.mmdb"), filepath.Join(dir, "country.mmdb")
	for _, p := range []string{asn, cc} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("real databases not built (%v): run `make data` or set SPAMPOTS_IPDB_DIR", err)
		}
	}
	db, err := Open(Config{ASN: asn, Country: cc})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestRealDatabases(t *testing.T) {
	db := openReal(t)
	a, c := db.Versions()
	t.Logf("ASN: %s, %s, built %s, %d records, %d bytes, loaded in %s", a.Path, a.Type, a.Built, a.Records, a.Bytes, a.LoadDelay)
	t.Logf("country: %s, %s, built %s, %d records, %d bytes, loaded in %s", c.Path, c.Type, c.Built, c.Records, c.Bytes, c.LoadDelay)
	for _, tc := range []struct {
		ip      string
		asn     uint32
		cc, rir string
	}{
		{"8.8.8.8", 15169, "US", "arin"},
		{"1.1.1.1", 13335, "", "apnic"}, // Cloudflare's country varies between sources
		{"2001:4860:4860::8888", 15169, "US", "arin"},
		{"2a00:1450:4001:800::200e", 15169, "", "ripencc"},
	} {
		got := db.Lookup(netip.MustParseAddr(tc.ip))
		if got.ASN != tc.asn || got.RIR != tc.rir || tc.cc != "" && got.CC != tc.cc || !got.Prefix.IsValid() ||
			!got.Prefix.Contains(netip.MustParseAddr(tc.ip)) || got.Org == "" || got.CC == "" {
			t.Errorf("Lookup(%s) = %+v; want AS%d %s %s with a prefix, an organisation and a country", tc.ip, got, tc.asn, tc.cc, tc.rir)
		}
		t.Logf("%s: %+v", tc.ip, got)
	}
}

// benchIPs are public addresses spread over the space, reserved ones left
// out so that every lookup walks the trees.
func benchIPs(n int) []netip.Addr {
	r := rand.New(rand.NewPCG(1, 2))
	var out []netip.Addr
	for len(out) < n {
		var ip netip.Addr
		if len(out)%4 == 3 {
			var b [16]byte
			b[0], b[1] = 0x2a, 0x00
			for i := 2; i < 16; i++ {
				b[i] = byte(r.Uint32())
			}
			ip = netip.AddrFrom16(b)
		} else {
			ip = netip.AddrFrom4([4]byte{byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())})
		}
		if ip.IsGlobalUnicast() && !ip.IsPrivate() {
			out = append(out, ip)
		}
	}
	return out
}

// synthetic writes an ASN database of n /24s (and n/4 IPv6 /48s), each
// its own AS, about the depth and width of the real one.
func synthetic(b *testing.B, n int) *DB {
	dir := b.TempDir()
	var v4, v6 strings.Builder
	for i := range n {
		a := uint32(i) * 256 * 7
		fmt.Fprintf(&v4, "%d.%d.%d.0,%d.%d.%d.255,%d,Org %d\n", a>>24|1, a>>16&255, a>>8&255, a>>24|1, a>>16&255, a>>8&255, 1000+i%50000, i%50000)
		if i%4 == 0 {
			fmt.Fprintf(&v6, "2a00:%x::,2a00:%x:0:ffff:ffff:ffff:ffff:ffff,%d,Org6\n", i/4, i/4, 1000+i%50000)
		}
	}
	path := filepath.Join(dir, "asn.mmdb")
	ipdbtest.WriteASN(b, path, v4.String(), v6.String())
	db, err := Open(Config{ASN: path})
	if err != nil {
		b.Fatal(err)
	}
	return db
}

func benchLookup(b *testing.B, db *DB) {
	ips := benchIPs(4096)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		db.Lookup(ips[i&4095])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

func BenchmarkLookupSynthetic(b *testing.B) { benchLookup(b, synthetic(b, 200000)) }

func BenchmarkLookupReal(b *testing.B) { benchLookup(b, openReal(b)) }

func BenchmarkLookupRealParallel(b *testing.B) {
	db := openReal(b)
	ips := benchIPs(4096)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			db.Lookup(ips[i&4095])
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}
