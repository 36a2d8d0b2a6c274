// Command mkipdb converts the ASN CSV files of the @ip-location-db/asn npm
// package into the MaxMind DB that enrich/ipdb reads (see enrich/asnmmdb),
// and installs a country database after checking that enrich/ipdb reads it.
// enrich/data/build.sh runs it; it is not needed at run time. Outputs are
// written to a temporary file and renamed, so a sensor reloading on SIGHUP
// never sees half a file.
//
//	go run ./enrich/cmd/mkipdb -o data/ipdb/asn.mmdb -desc '@ip-location-db/asn 2.3.2026061719' asn-ipv4.csv asn-ipv6.csv
//	go run ./enrich/cmd/mkipdb -country geo-whois-asn-country.mmdb -o data/ipdb/country.mmdb
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spampots/spampots/enrich/asnmmdb"
	"github.com/spampots/spampots/enrich/ipdb"
)

func main() {
	out := flag.String("o", "", "database to write (required); written to a temporary file, then renamed")
	desc := flag.String("desc", "", "description stored in the metadata, e.g. the source package and version")
	country := flag.String("country", "", "install this country database as -o instead of converting CSV")
	flag.Parse()
	if *out == "" || (flag.NArg() == 0) == (*country == "") {
		fmt.Fprintln(os.Stderr, "usage: mkipdb -o asn.mmdb [-desc text] asn-ipv4.csv [asn-ipv6.csv ...]")
		fmt.Fprintln(os.Stderr, "       mkipdb -o country.mmdb -country src.mmdb")
		os.Exit(2)
	}
	var err error
	if *country != "" {
		err = installCountry(*out, *country)
	} else {
		err = run(*out, *desc, flag.Args())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkipdb:", err)
		os.Exit(1)
	}
}

func run(out, desc string, csvs []string) error {
	start := time.Now()
	t, err := asnmmdb.New(asnmmdb.Options{Description: desc})
	if err != nil {
		return err
	}
	for _, name := range csvs {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		err = t.ReadCSV(bufio.NewReaderSize(f, 1<<16), filepath.Base(name))
		f.Close()
		if err != nil {
			return err
		}
	}
	n, err := install(out, func(w io.Writer) (int64, error) { return t.WriteTo(w) }, ipdb.Config{ASN: "-"})
	if err != nil {
		return err
	}
	st := t.Stats()
	fmt.Fprintf(os.Stderr, "mkipdb: %s: %d rows (%d skipped: aliased to IPv4), %d bytes, %s\n",
		out, st.Rows, st.Skipped, n, time.Since(start).Round(time.Millisecond))
	return nil
}

func installCountry(out, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := install(out, func(w io.Writer) (int64, error) { return io.Copy(w, f) }, ipdb.Config{Country: "-"})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "mkipdb: %s: %d bytes from %s\n", out, n, src)
	return nil
}

// install writes out through a temporary file in its directory, opens it as
// the sensor will (check names the kind: "-" is replaced by the file), and
// renames it into place.
func install(out string, write func(io.Writer) (int64, error), check ipdb.Config) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".mkipdb-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<20)
	n, err := write(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("write %s: %w", out, err)
	}
	if check.ASN != "" {
		check.ASN = tmp.Name()
	}
	if check.Country != "" {
		check.Country = tmp.Name()
	}
	db, err := ipdb.Open(check)
	if err != nil {
		return n, fmt.Errorf("%s would not open: %w", out, err)
	}
	a, c := db.Versions()
	fmt.Fprintf(os.Stderr, "mkipdb: %s: %d distinct records\n", out, a.Records+c.Records)
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return n, err
	}
	return n, os.Rename(tmp.Name(), out)
}
