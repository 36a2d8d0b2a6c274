package ipdb

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/spampots/spampots/enrich/rir"
	"github.com/spampots/spampots/enrich/special"
)

// Config names the databases.
type Config struct {
	// ASN is the path of an ASN database; empty for none.
	ASN string
	// Country is the path of a country database; empty for none.
	Country string
	// RIR is the table of registries; nil for the one embedded in
	// enrich/rir.
	RIR *rir.Table
}

// Info is what the databases know about one address. The zero Info means
// nothing is known.
type Info struct {
	ASN    uint32       // 0: unknown
	Org    string       // the AS's organisation; "" if unknown
	Prefix netip.Prefix // the announced prefix holding the address; invalid if unknown
	CC     string       // ISO 3166-1 alpha-2 country code, upper case; "" if unknown
	RIR    string       // afrinic, apnic, arin, lacnic or ripencc; "" if unknown
	// Reserved is set for special-purpose addresses, for which nothing
	// else is looked up.
	Reserved bool
}

// Known reports whether the ASN database answered for the address.
func (i Info) Known() bool { return i.ASN != 0 }

// Version describes one loaded database.
type Version struct {
	Path      string
	Type      string    // the database_type of its metadata
	Built     time.Time // the build_epoch of its metadata
	Records   int       // distinct records decoded
	Bytes     int       // file size, all held in memory
	LoadedAt  time.Time
	LoadDelay time.Duration // time to read and decode it
}

// asnRec is one decoded ASN record.
type asnRec struct {
	num uint32
	org string
}

// snapshot is one immutable generation of the databases.
type snapshot struct {
	asn     *maxminddb.Reader
	asnRecs map[uintptr]asnRec
	asn4    bool // IPv4-only tree: IPv6 lookups are not made
	cc      *maxminddb.Reader
	ccRecs  map[uintptr]string
	cc4     bool
	rir     *rir.Table
	asnV    Version
	ccV     Version
}

// DB holds the current snapshot. It is safe for concurrent use.
type DB struct {
	cfg    Config
	cur    atomic.Pointer[snapshot]
	reload sync.Mutex // one Reload at a time
}

// Open loads the databases named by cfg.
func Open(cfg Config) (*DB, error) {
	if cfg.RIR == nil {
		t, err := rir.Embedded()
		if err != nil {
			return nil, fmt.Errorf("ipdb: %w", err)
		}
		cfg.RIR = t
	}
	db := &DB{cfg: cfg}
	s, err := load(cfg)
	if err != nil {
		return nil, err
	}
	db.cur.Store(s)
	return db, nil
}

// Reload reads the files again and swaps them in atomically. On error the
// current databases stay in use. Lookups go on during a reload, on the old
// databases until the swap.
func (db *DB) Reload() error {
	db.reload.Lock()
	defer db.reload.Unlock()
	s, err := load(db.cfg)
	if err != nil {
		return err
	}
	db.cur.Store(s)
	return nil
}

// Versions describes the databases in use; a zero Version for one not
// configured.
func (db *DB) Versions() (asn, country Version) {
	s := db.cur.Load()
	return s.asnV, s.ccV
}

// Lookup returns what the databases know about ip. An IPv4-mapped IPv6
// address is looked up as IPv4. It allocates nothing.
func (db *DB) Lookup(ip netip.Addr) Info {
	ip = ip.Unmap()
	if special.Reserved(ip) {
		return Info{Reserved: true}
	}
	s := db.cur.Load()
	var in Info
	if s.asn != nil && (ip.Is4() || !s.asn4) {
		r := s.asn.Lookup(ip)
		if r.Found() {
			if rec, ok := s.asnRecs[r.Offset()]; ok {
				in.ASN, in.Org, in.Prefix = rec.num, rec.org, r.Prefix()
			}
		}
	}
	if s.cc != nil && (ip.Is4() || !s.cc4) {
		r := s.cc.Lookup(ip)
		if r.Found() {
			in.CC = s.ccRecs[r.Offset()]
		}
	}
	reg := s.rir.Addr(ip)
	if reg == rir.None && in.ASN != 0 {
		// Outside the address tables (new IPv6 space): the registry that
		// assigned the AS is the next best answer.
		reg = s.rir.ASN(in.ASN)
	}
	in.RIR = reg.String()
	return in
}

// load builds a snapshot from the files.
func load(cfg Config) (*snapshot, error) {
	s := &snapshot{rir: cfg.RIR}
	var errs []error
	if cfg.ASN != "" {
		r, v, err := openDB(cfg.ASN)
		if err == nil {
			s.asnRecs, err = decodeASN(r)
			v.Records, v.LoadDelay = len(s.asnRecs), time.Since(v.LoadedAt)
			s.asn, s.asn4, s.asnV = r, r.Metadata.IPVersion == 4, v
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("ipdb: ASN database %s: %w", cfg.ASN, err))
		}
	}
	if cfg.Country != "" {
		r, v, err := openDB(cfg.Country)
		if err == nil {
			s.ccRecs, err = decodeCountry(r)
			v.Records, v.LoadDelay = len(s.ccRecs), time.Since(v.LoadedAt)
			s.cc, s.cc4, s.ccV = r, r.Metadata.IPVersion == 4, v
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("ipdb: country database %s: %w", cfg.Country, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// openDB reads a whole database into memory.
func openDB(path string) (*maxminddb.Reader, Version, error) {
	start := time.Now()
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, Version{}, err
	}
	r, err := maxminddb.OpenBytes(b)
	if err != nil {
		return nil, Version{}, err
	}
	return r, Version{
		Path:     path,
		Type:     r.Metadata.DatabaseType,
		Built:    r.Metadata.BuildTime(),
		Bytes:    len(b),
		LoadedAt: start,
	}, nil
}

// decodeASN decodes every distinct record of an ASN database once, by the
// offset Lookup reports, so that lookups decode nothing.
func decodeASN(r *maxminddb.Reader) (map[uintptr]asnRec, error) {
	recs := map[uintptr]asnRec{}
	var tmp struct {
		Number uint32 `maxminddb:"autonomous_system_number"`
		Org    string `maxminddb:"autonomous_system_organization"`
	}
	withNumber := 0
	for res := range r.Networks() {
		off := res.Offset()
		if _, ok := recs[off]; ok {
			continue
		}
		if err := res.Err(); err != nil {
			return nil, err
		}
		tmp.Number, tmp.Org = 0, ""
		if err := res.Decode(&tmp); err != nil {
			return nil, err
		}
		if tmp.Number != 0 {
			withNumber++
		}
		recs[off] = asnRec{num: tmp.Number, org: tmp.Org}
	}
	if withNumber == 0 {
		return nil, errors.New("no record has an autonomous_system_number: not an ASN database")
	}
	return recs, nil
}

// decodeCountry decodes the country code of every distinct record once.
// GeoLite2 keeps it in country.iso_code (registered_country.iso_code when an
// address has no located country), @ip-location-db in country_code.
func decodeCountry(r *maxminddb.Reader) (map[uintptr]string, error) {
	recs := map[uintptr]string{}
	type iso struct {
		ISO string `maxminddb:"iso_code"`
	}
	var tmp struct {
		Country    iso    `maxminddb:"country"`
		Registered iso    `maxminddb:"registered_country"`
		Code       string `maxminddb:"country_code"`
	}
	intern := map[string]string{}
	withCode := 0
	for res := range r.Networks() {
		off := res.Offset()
		if _, ok := recs[off]; ok {
			continue
		}
		if err := res.Err(); err != nil {
			return nil, err
		}
		tmp.Country.ISO, tmp.Registered.ISO, tmp.Code = "", "", ""
		if err := res.Decode(&tmp); err != nil {
			return nil, err
		}
		cc := cmp.Or(tmp.Country.ISO, tmp.Code, tmp.Registered.ISO)
		if len(cc) != 2 {
			cc = ""
		} else {
			cc = strings.ToUpper(cc)
			if c, ok := intern[cc]; ok {
				cc = c
			} else {
				intern[cc] = cc
			}
			withCode++
		}
		recs[off] = cc
	}
	if withCode == 0 {
		return nil, errors.New("no record has a country.iso_code or country_code: not a country database")
	}
	return recs, nil
}
