package asnmmdb

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/oschwald/maxminddb-golang/v2"
)

func build(t *testing.T, csv string) (*maxminddb.Reader, Stats) {
	t.Helper()
	tr, err := New(Options{Description: "test data"})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.ReadCSV(strings.NewReader(csv), "test.csv"); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := tr.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	r, err := maxminddb.OpenBytes(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Verify(); err != nil {
		t.Fatalf("written database does not verify: %v", err)
	}
	return r, tr.Stats()
}

func TestConvert(t *testing.T) {
	r, st := build(t, `1.0.128.0,1.0.196.255,23969,TOT Public Company Limited
8.8.8.0,8.8.8.255,15169,Google LLC
9.0.0.0,9.0.0.255,64500,"LLC ""QUOTED"", with comma"
9.0.1.0,9.0.1.255,64501,"  control	and
newline  "
10.0.0.0,10.0.0.255,64502,
2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC
2002::,2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff,64503,6to4 aliased to IPv4
`)
	if st.Rows != 7 || st.Skipped != 1 {
		t.Errorf("stats %+v, want 7 rows, 1 skipped (2002::/16 is aliased to IPv4)", st)
	}
	if r.Metadata.DatabaseType != DatabaseType || r.Metadata.Description["en"] != "test data" || r.Metadata.IPVersion != 6 {
		t.Errorf("metadata %+v", r.Metadata)
	}
	type rec struct {
		N   uint32 `maxminddb:"autonomous_system_number"`
		Org string `maxminddb:"autonomous_system_organization"`
	}
	for _, tc := range []struct {
		ip     string
		want   rec
		prefix string
	}{
		// A range that is not one CIDR block: the block around the address.
		{"1.0.130.1", rec{23969, "TOT Public Company Limited"}, "1.0.128.0/18"},
		{"1.0.193.1", rec{23969, "TOT Public Company Limited"}, "1.0.192.0/22"},
		{"1.0.196.1", rec{23969, "TOT Public Company Limited"}, "1.0.196.0/24"},
		{"8.8.8.8", rec{15169, "Google LLC"}, "8.8.8.0/24"},
		{"9.0.0.1", rec{64500, `LLC "QUOTED", with comma`}, "9.0.0.0/24"},
		{"9.0.1.1", rec{64501, "control and newline"}, "9.0.1.0/24"},
		{"10.0.0.1", rec{64502, ""}, "10.0.0.0/24"},
		{"2001:4860:4860::8888", rec{15169, "Google LLC"}, "2001:4860::/32"},
	} {
		res := r.Lookup(netip.MustParseAddr(tc.ip))
		var got rec
		if err := res.Decode(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want || res.Prefix().String() != tc.prefix {
			t.Errorf("%s: %+v in %s, want %+v in %s", tc.ip, got, res.Prefix(), tc.want, tc.prefix)
		}
	}
	if res := r.Lookup(netip.MustParseAddr("1.0.197.1")); res.Found() {
		t.Error("1.0.197.1 is past the range")
	}
}

func TestReadCSVErrors(t *testing.T) {
	for name, csv := range map[string]string{
		"numeric form":   "16777216,16777471,13335,Cloudflare\n",
		"three fields":   "1.0.0.0,1.0.0.255,13335\n",
		"reversed":       "1.0.0.255,1.0.0.0,13335,x\n",
		"mixed families": "1.0.0.0,2001::1,13335,x\n",
		"asn too large":  "1.0.0.0,1.0.0.255,4294967296,x\n",
		"bad quoting":    "1.0.0.0,1.0.0.255,1,\"x\n",
	} {
		tr, err := New(Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.ReadCSV(strings.NewReader(csv), "bad.csv"); err == nil || !strings.Contains(err.Error(), "bad.csv") {
			t.Errorf("%s: got %v, want an error naming the file", name, err)
		}
	}
}

func TestCleanBoundsLength(t *testing.T) {
	long := strings.Repeat("é", 200) // 400 bytes
	got := clean(long)
	if len(got) > maxOrg || !strings.HasPrefix(long, got) || len(got) < maxOrg-1 {
		t.Errorf("clean cut %d bytes to %d", len(long), len(got))
	}
}
