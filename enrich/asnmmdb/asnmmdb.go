package asnmmdb

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Field names of a record, as in GeoLite2-ASN.
const (
	FieldNumber       = "autonomous_system_number"
	FieldOrganization = "autonomous_system_organization"
)

// DatabaseType is the metadata database_type of the files written here.
const DatabaseType = "spampots-ASN"

// maxOrg bounds an organisation name, in bytes.
const maxOrg = 255

// Options describe the database written.
type Options struct {
	// BuildTime is stored as the build epoch; zero means now.
	BuildTime time.Time
	// Description is stored as the English description, e.g. the source
	// package and version.
	Description string
}

// Stats counts what a conversion did.
type Stats struct {
	Rows    int // CSV rows read
	Skipped int // rows not stored: in a network aliased to IPv4 (::ffff:0:0/96, 2001::/32, 2002::/16)
}

// Tree collects rows and writes the database.
type Tree struct {
	t     *mmdbwriter.Tree
	stats Stats
}

// New returns an empty IPv6 tree (it holds IPv4 too).
func New(o Options) (*Tree, error) {
	if o.BuildTime.IsZero() {
		o.BuildTime = time.Now()
	}
	desc := map[string]string{}
	if o.Description != "" {
		desc["en"] = o.Description
	}
	t, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType: DatabaseType,
		Description:  desc,
		BuildEpoch:   o.BuildTime.Unix(),
		IPVersion:    6,
		RecordSize:   28,
		// The source data is what the registries and RouteViews publish;
		// the reader, not the writer, decides what it does not look up.
		IncludeReservedNetworks: true,
	})
	if err != nil {
		return nil, fmt.Errorf("asnmmdb: %w", err)
	}
	return &Tree{t: t}, nil
}

// Insert stores one range holding one AS. Later inserts replace earlier
// ones where they overlap.
func (t *Tree) Insert(first, last netip.Addr, asn uint32, org string) error {
	if !first.IsValid() || !last.IsValid() || first.Is4() != last.Is4() || last.Less(first) {
		return fmt.Errorf("asnmmdb: bad range %s-%s", first, last)
	}
	rec := mmdbtype.Map{FieldNumber: mmdbtype.Uint32(asn)}
	if org = clean(org); org != "" {
		rec[FieldOrganization] = mmdbtype.String(org)
	}
	err := t.t.InsertRange(net.IP(first.AsSlice()), net.IP(last.AsSlice()), rec)
	var alias *mmdbwriter.AliasedNetworkError
	if errors.As(err, &alias) {
		t.stats.Skipped++
		return nil
	}
	if err != nil {
		return fmt.Errorf("asnmmdb: insert %s-%s: %w", first, last, err)
	}
	return nil
}

// ReadCSV inserts every row of an @ip-location-db ASN CSV file
// (asn-ipv4.csv, asn-ipv6.csv): "first,last,asn,organisation", addresses in
// text form, no header.
func (t *Tree) ReadCSV(r io.Reader, name string) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 4
	cr.ReuseRecord = true
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("asnmmdb: %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		first, err1 := netip.ParseAddr(row[0])
		last, err2 := netip.ParseAddr(row[1])
		asn, err3 := strconv.ParseUint(row[2], 10, 32)
		if err1 != nil || err2 != nil || err3 != nil {
			return fmt.Errorf("asnmmdb: %s line %d: want first,last,asn,org with addresses in text form, got %q", name, line, row)
		}
		if err := t.Insert(first, last, uint32(asn), row[3]); err != nil {
			return fmt.Errorf("%w (%s line %d)", err, name, line)
		}
		t.stats.Rows++
	}
}

// WriteTo writes the database.
func (t *Tree) WriteTo(w io.Writer) (int64, error) {
	n, err := t.t.WriteTo(w)
	if err != nil {
		return n, fmt.Errorf("asnmmdb: write: %w", err)
	}
	return n, nil
}

// Stats reports the rows read and skipped so far.
func (t *Tree) Stats() Stats { return t.stats }

// clean trims the organisation name, drops control characters and bounds
// its length at a rune boundary.
func clean(s string) string {
	s = strings.TrimSpace(s)
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		s = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return ' '
			}
			return r
		}, s)
	}
	if len(s) > maxOrg {
		s = strings.ToValidUTF8(s[:maxOrg], "")
	}
	return s
}
