package rir

import (
	"bufio"
	"embed"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Registry is one of the five RIRs, or None.
type Registry uint8

// The registries, in alphabetical order.
const (
	None Registry = iota
	AFRINIC
	APNIC
	ARIN
	LACNIC
	RIPENCC
)

var names = [...]string{None: "", AFRINIC: "afrinic", APNIC: "apnic", ARIN: "arin", LACNIC: "lacnic", RIPENCC: "ripencc"}

// String returns the registry's lower-case name, "" for None.
func (r Registry) String() string {
	if int(r) < len(names) {
		return names[r]
	}
	return ""
}

// ParseRegistry parses a lower-case registry name as String writes it.
func ParseRegistry(s string) (Registry, bool) {
	for i, n := range names {
		if i > 0 && n == s {
			return Registry(i), true
		}
	}
	return None, false
}

// Files of the embedded tables.
const (
	IPv4File = "data/ipv4.tsv"
	IPv6File = "data/ipv6.tsv"
	ASNFile  = "data/asn.tsv"
)

//go:embed data/*.tsv
var data embed.FS

type range4 struct {
	first, last uint32
	reg         Registry
}

type range6 struct {
	first, last u128
	reg         Registry
}

type u128 struct{ hi, lo uint64 }

func (a u128) less(b u128) bool { return a.hi < b.hi || a.hi == b.hi && a.lo < b.lo }

func be32(ip netip.Addr) uint32 {
	b := ip.As4()
	return binary.BigEndian.Uint32(b[:])
}

func to128(ip netip.Addr) u128 {
	b := ip.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// Table maps addresses and AS numbers to registries.
type Table struct {
	v4  []range4
	v6  []range6
	asn []range4

	// Source and Date are the "# source:" and "# date:" header lines of the
	// IPv4 file: where the data comes from and how old it is.
	Source, Date string
}

// Embedded parses the tables shipped in the package. Each call parses them
// anew (about a millisecond); keep the Table.
func Embedded() (*Table, error) {
	open := func(name string) io.Reader {
		f, err := data.Open(name)
		if err != nil {
			// The embed pattern guarantees the files; a missing one is a
			// broken build, reported as an empty, unparseable table.
			return strings.NewReader("")
		}
		return f
	}
	return Parse(open(IPv4File), open(IPv6File), open(ASNFile))
}

// Parse reads the three tables in the format of data/*.tsv.
func Parse(v4, v6, asn io.Reader) (*Table, error) {
	t := &Table{}
	var err error
	hdr := map[string]string{}
	if t.v4, err = parse(v4, "ipv4", hdr, parse4); err != nil {
		return nil, err
	}
	t.Source, t.Date = hdr["source"], hdr["date"]
	if t.v6, err = parse(v6, "ipv6", map[string]string{}, parse6); err != nil {
		return nil, err
	}
	if t.asn, err = parse(asn, "asn", map[string]string{}, parseASN); err != nil {
		return nil, err
	}
	return t, nil
}

func parse4(first, last string) (range4, error) {
	a, err1 := netip.ParseAddr(first)
	b, err2 := netip.ParseAddr(last)
	if err1 != nil || err2 != nil || !a.Is4() || !b.Is4() || b.Less(a) {
		return range4{}, fmt.Errorf("bad IPv4 range %s-%s", first, last)
	}
	return range4{first: be32(a), last: be32(b)}, nil
}

func parse6(first, last string) (range6, error) {
	a, err1 := netip.ParseAddr(first)
	b, err2 := netip.ParseAddr(last)
	if err1 != nil || err2 != nil || !a.Is6() || !b.Is6() || b.Less(a) {
		return range6{}, fmt.Errorf("bad IPv6 range %s-%s", first, last)
	}
	return range6{first: to128(a), last: to128(b)}, nil
}

func parseASN(first, last string) (range4, error) {
	a, err1 := strconv.ParseUint(first, 10, 32)
	b, err2 := strconv.ParseUint(last, 10, 32)
	if err1 != nil || err2 != nil || b < a {
		return range4{}, fmt.Errorf("bad AS number range %s-%s", first, last)
	}
	return range4{first: uint32(a), last: uint32(b)}, nil
}

type ranged interface{ range4 | range6 }

// parse reads "first<TAB>last<TAB>registry" lines, skipping blank lines and
// collecting "# key: value" header comments into hdr, and checks that the
// ranges are sorted and disjoint.
func parse[R ranged](r io.Reader, what string, hdr map[string]string, parseRange func(first, last string) (R, error)) ([]R, error) {
	var out []R
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if c, ok := strings.CutPrefix(line, "#"); ok {
			if k, v, ok := strings.Cut(c, ":"); ok {
				if k = strings.TrimSpace(k); hdr[k] == "" {
					hdr[k] = strings.TrimSpace(v)
				}
			}
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("rir %s table line %d: want 3 tab-separated fields, got %d", what, n, len(f))
		}
		rg, err := parseRange(f[0], f[1])
		if err != nil {
			return nil, fmt.Errorf("rir %s table line %d: %w", what, n, err)
		}
		reg, ok := ParseRegistry(f[2])
		if !ok {
			return nil, fmt.Errorf("rir %s table line %d: unknown registry %q", what, n, f[2])
		}
		switch p := any(&rg).(type) {
		case *range4:
			p.reg = reg
			if len(out) > 0 && any(out[len(out)-1]).(range4).last >= p.first {
				return nil, fmt.Errorf("rir %s table line %d: range not after the previous one", what, n)
			}
		case *range6:
			p.reg = reg
			if len(out) > 0 && !any(out[len(out)-1]).(range6).last.less(p.first) {
				return nil, fmt.Errorf("rir %s table line %d: range not after the previous one", what, n)
			}
		}
		out = append(out, rg)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("rir %s table: %w", what, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("rir %s table: no ranges", what)
	}
	return out, nil
}

// Addr returns the registry that delegated ip, or None when the tables do
// not cover it (special-purpose and unallocated space). An IPv4-mapped IPv6
// address is looked up as IPv4.
func (t *Table) Addr(ip netip.Addr) Registry {
	ip = ip.Unmap()
	switch {
	case ip.Is4():
		return find4(t.v4, be32(ip))
	case ip.Is6():
		k := to128(ip)
		i, _ := slices.BinarySearchFunc(t.v6, k, func(r range6, k u128) int {
			if r.last.less(k) {
				return -1
			}
			if k.less(r.first) {
				return 1
			}
			return 0
		})
		if i < len(t.v6) && !k.less(t.v6[i].first) && !t.v6[i].last.less(k) {
			return t.v6[i].reg
		}
	}
	return None
}

// ASN returns the registry that assigned the AS number, or None.
func (t *Table) ASN(asn uint32) Registry { return find4(t.asn, asn) }

func find4(rs []range4, k uint32) Registry {
	i, _ := slices.BinarySearchFunc(rs, k, func(r range4, k uint32) int {
		if r.last < k {
			return -1
		}
		if k < r.first {
			return 1
		}
		return 0
	})
	if i < len(rs) && rs[i].first <= k && k <= rs[i].last {
		return rs[i].reg
	}
	return None
}
