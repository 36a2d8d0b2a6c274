// Package ipdbtest writes small IP databases for tests: an ASN database
// from @ip-location-db style CSV rows (first,last,asn,org), as make data
// builds it, and a country database in GeoLite2 or @ip-location-db form.
package ipdbtest

import (
	"bytes"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/spampots/spampots/enrich/asnmmdb"
)

// WriteASN writes an ASN database at path from CSV rows for IPv4 and IPv6.
func WriteASN(t testing.TB, path, v4, v6 string) {
	t.Helper()
	tr, err := asnmmdb.New(asnmmdb.Options{Description: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.ReadCSV(strings.NewReader(v4), "v4"); err != nil {
		t.Fatal(err)
	}
	if err := tr.ReadCSV(strings.NewReader(v6), "v6"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := tr.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	Replace(t, path, buf.Bytes())
}

// Replace writes a file whole and renames it into place, as build.sh does.
func Replace(t testing.TB, path string, b []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// WriteCountry writes a country database in GeoLite2 form (country.iso_code)
// or in @ip-location-db form (country_code), IPv4-only if v4only.
func WriteCountry(t testing.TB, path string, geolite, v4only bool, nets map[string]string) {
	t.Helper()
	ipv := 6
	if v4only {
		ipv = 4
	}
	tr, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "test-country", IPVersion: ipv, RecordSize: 24})
	if err != nil {
		t.Fatal(err)
	}
	for cidr, cc := range nets {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		var rec mmdbtype.Map
		if geolite {
			rec = mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String(cc), "names": mmdbtype.Map{"en": mmdbtype.String("x")}}}
			if cc == "" {
				rec = mmdbtype.Map{"registered_country": mmdbtype.Map{"iso_code": mmdbtype.String("EU")}}
			}
		} else {
			rec = mmdbtype.Map{"country_code": mmdbtype.String(cc)}
		}
		if err := tr.Insert(n, rec); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := tr.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	Replace(t, path, buf.Bytes())
}
