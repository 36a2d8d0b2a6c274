package enrich

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/spampots/spampots/enrich/dnsq"
	"github.com/spampots/spampots/enrich/ipdb"
)

// The words that stand for what is not a value (see the package
// documentation).
const (
	Unknown     = "unknown"
	Reserved    = "reserved"
	None        = "none"
	Clean       = "clean"
	unconfirmed = " (unconfirmed)"
)

// Values are the header values of one source or destination.
type Values struct {
	IP       string // X-Dst-IP of a destination given by name; else the address
	Hostname string // X-Src-Hostname, X-Dst-Hostname
	ASN      string // X-Src-ASN, X-Dst-ASN
	RIR      string // X-Src-RIR, X-Dst-RIR
	CC       string // X-Src-CC, X-Dst-CC
	DNSBL    string // X-Src-Dnsbl; Unknown for a destination
}

// FormatASN formats the databases' answer as X-Src-ASN: "33776
// 41.155.0.0/17 STARCOMMS-AS", "unknown" or "reserved".
func FormatASN(in ipdb.Info) string {
	switch {
	case in.Reserved:
		return Reserved
	case in.ASN == 0:
		return Unknown
	}
	b := strconv.AppendUint(make([]byte, 0, 64), uint64(in.ASN), 10)
	if in.Prefix.IsValid() {
		b = append(b, ' ')
		b = in.Prefix.AppendTo(b)
	}
	if org := oneLine(in.Org); org != "" {
		b = append(b, ' ')
		b = append(b, org...)
	}
	return string(b)
}

// ParseASN reads an X-Src-ASN value back. ok is false for "unknown",
// "reserved" and anything malformed.
func ParseASN(v string) (asn uint32, prefix netip.Prefix, org string, ok bool) {
	num, rest, _ := strings.Cut(v, " ")
	n, err := strconv.ParseUint(num, 10, 32)
	if err != nil || n == 0 {
		return 0, netip.Prefix{}, "", false
	}
	if p, after, _ := strings.Cut(rest, " "); p != "" {
		if pp, err := netip.ParsePrefix(p); err == nil {
			prefix, rest = pp, after
		}
	}
	return uint32(n), prefix, rest, true
}

// FormatRIR formats X-Src-RIR.
func FormatRIR(in ipdb.Info) string {
	return word(in.Reserved, in.RIR)
}

// FormatCC formats X-Src-CC.
func FormatCC(in ipdb.Info) string {
	return word(in.Reserved, in.CC)
}

func word(reserved bool, v string) string {
	switch {
	case reserved:
		return Reserved
	case v == "":
		return Unknown
	}
	return v
}

// FormatHostname formats X-Src-Hostname: the PTR name, followed by
// " (unconfirmed)" when it is not forward-confirmed; "none", "unknown" or
// "reserved".
func FormatHostname(h dnsq.Hostname) string {
	switch h.Status {
	case dnsq.Found:
		if h.Name == "" {
			return None
		}
		if h.Confirmed {
			return oneLine(h.Name)
		}
		return oneLine(h.Name) + unconfirmed
	case dnsq.None:
		return None
	case dnsq.Reserved:
		return Reserved
	}
	return Unknown
}

// FormatDNSBL formats X-Src-Dnsbl from one Listing per configured zone.
func FormatDNSBL(ls []dnsq.Listing) string {
	if len(ls) == 0 {
		return Unknown
	}
	all := func(s dnsq.Status) bool {
		for _, l := range ls {
			if l.Status != s {
				return false
			}
		}
		return true
	}
	switch {
	case all(dnsq.Reserved):
		return Reserved
	case all(dnsq.None):
		return Clean
	case all(dnsq.Unknown):
		return Unknown
	}
	var b strings.Builder
	for i, l := range ls {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(l.Zone)
		b.WriteByte('=')
		switch l.Status {
		case dnsq.Found:
			b.WriteString(strings.Join(l.Codes, ","))
		case dnsq.None:
			b.WriteString(Clean)
		default:
			b.WriteString(Unknown)
		}
	}
	return b.String()
}

// ParseDNSBL reads an X-Src-Dnsbl value back: the codes per listing zone
// (only zones that list the address), and whether the verdict is known at
// all (false for "unknown", "reserved" and malformed values; true for
// "clean", with no zones). A multi-zone value with some zones unknown is
// known: its listings are what it says.
func ParseDNSBL(v string) (listed map[string][]string, known bool) {
	switch v {
	case Clean:
		return nil, true
	case Unknown, Reserved, "":
		return nil, false
	}
	for f := range strings.SplitSeq(v, " ") {
		zone, codes, ok := strings.Cut(f, "=")
		if !ok || zone == "" || codes == "" {
			return nil, false
		}
		known = true
		if codes == Clean || codes == Unknown {
			continue
		}
		if listed == nil {
			listed = map[string][]string{}
		}
		listed[zone] = strings.Split(codes, ",")
	}
	return listed, known
}

// oneLine replaces the bytes that cannot stand in a header value.
func oneLine(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}
