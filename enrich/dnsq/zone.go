package dnsq

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Zone is one DNS block list (RFC 5782): an address is listed when
// <reversed address>.<Name> has A records, each a return code in
// 127.0.0.0/8.
type Zone struct {
	// Name is the zone queried, e.g. zen.spamhaus.org.
	Name string
	// Codes names the return codes; an answer not in Codes is written as
	// its address, e.g. "127.0.0.2". Nil for a zone with no known codes.
	Codes map[netip.Addr]string
	// Errors are return codes that mean the query was refused, not that
	// the address is listed: the result is unknown.
	Errors map[netip.Addr]string
}

// Spamhaus ZEN return codes
// (https://docs.spamhaus.com/datasets/docs/source/40-real-world-usage/PublicMirrors/MTAs/020-Postfix.html,
// "Return codes"): ZEN is SBL, CSS, XBL and PBL in one zone.
var (
	spamhausCodes = map[netip.Addr]string{
		netip.AddrFrom4([4]byte{127, 0, 0, 2}):  "SBL",
		netip.AddrFrom4([4]byte{127, 0, 0, 3}):  "CSS", // SBL's snowshoe listings
		netip.AddrFrom4([4]byte{127, 0, 0, 4}):  "XBL",
		netip.AddrFrom4([4]byte{127, 0, 0, 5}):  "XBL",
		netip.AddrFrom4([4]byte{127, 0, 0, 6}):  "XBL",
		netip.AddrFrom4([4]byte{127, 0, 0, 7}):  "XBL",
		netip.AddrFrom4([4]byte{127, 0, 0, 9}):  "SBL", // DROP/EDROP, part of the SBL
		netip.AddrFrom4([4]byte{127, 0, 0, 10}): "PBL", // maintained by the ISP
		netip.AddrFrom4([4]byte{127, 0, 0, 11}): "PBL", // maintained by Spamhaus
	}
	spamhausErrors = map[netip.Addr]string{
		netip.AddrFrom4([4]byte{127, 255, 255, 252}): "typing error in the DNSBL name",
		netip.AddrFrom4([4]byte{127, 255, 255, 254}): "query through a public or open resolver",
		netip.AddrFrom4([4]byte{127, 255, 255, 255}): "excessive number of queries",
	}
)

// Spamhaus returns the ZEN zone at name: zen.spamhaus.org for the public
// mirrors, or a Data Query Service zone such as KEY.zen.dq.spamhaus.net.
// The public mirrors refuse queries that come through public resolvers
// (Google, Cloudflare, Quad9...): the answer 127.255.255.254 is unknown,
// not listed, and logged once.
func Spamhaus(name string) Zone {
	return Zone{Name: name, Codes: spamhausCodes, Errors: spamhausErrors}
}

// Generic returns a zone whose return codes are written as addresses.
func Generic(name string) Zone { return Zone{Name: name} }

// DefaultZones is what a sensor queries unless configured otherwise:
// Spamhaus ZEN.
func DefaultZones() []Zone { return []Zone{Spamhaus("zen.spamhaus.org")} }

// ParseZones parses a comma-separated list of zone names. Spamhaus zones
// (zen.spamhaus.org and *.zen.dq.spamhaus.net) get ZEN's codes, others are
// generic. An empty list means no block lists.
func ParseZones(list string) ([]Zone, error) {
	var zs []Zone
	for f := range strings.SplitSeq(list, ",") {
		name := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(f), "."))
		if name == "" {
			continue
		}
		if err := checkZoneName(name); err != nil {
			return nil, err
		}
		if name == "zen.spamhaus.org" || strings.HasSuffix(name, ".zen.dq.spamhaus.net") {
			zs = append(zs, Spamhaus(name))
		} else {
			zs = append(zs, Generic(name))
		}
	}
	return zs, nil
}

func checkZoneName(name string) error {
	if len(name) > 253-len("255.255.255.255.") || strings.Count(name, ".") < 1 {
		return fmt.Errorf("dnsq: bad DNSBL zone %q: want a domain name such as zen.spamhaus.org", name)
	}
	for _, l := range strings.Split(name, ".") {
		if l == "" || len(l) > 63 {
			return fmt.Errorf("dnsq: bad DNSBL zone %q: empty or long label", name)
		}
		for _, c := range []byte(l) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c >= 'A' && c <= 'Z') {
				return fmt.Errorf("dnsq: bad DNSBL zone %q: character %q", name, c)
			}
		}
	}
	return nil
}

// decode turns the A records of a listing into codes, sorted and without
// duplicates. ok is false when the answer is not a listing: an error code,
// or an address outside 127.0.0.0/8 (RFC 5782 §2.1; a resolver that
// rewrites NXDOMAIN into an advertising page answers that way).
func (z *Zone) decode(as []netip.Addr) (codes []string, errCode string, ok bool) {
	for _, a := range as {
		if e, bad := z.Errors[a]; bad {
			return nil, e, false
		}
		if !a.Is4() || a.As4()[0] != 127 {
			return nil, "answer " + a.String() + " outside 127.0.0.0/8", false
		}
		c, known := z.Codes[a]
		if !known {
			c = a.String()
		}
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return slices.Compact(codes), "", len(codes) > 0
}
