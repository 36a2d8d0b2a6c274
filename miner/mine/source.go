package mine

import (
	"bytes"
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/spampots/spampots/spool/mbox"
)

// MaxSubject bounds the bytes of a Subject value kept per message (cut on
// a UTF-8 boundary when the value is valid UTF-8).
const MaxSubject = 200

// maxReceived bounds the Received fields looked at per message.
const maxReceived = 32

// headerFacts are the header values Run keeps for the analyses: the raw
// Subject and the Received fields, newest (top) first.
type headerFacts struct {
	subject  string
	received []string
}

// scanHeader reads the first Subject field and the first maxReceived
// Received fields of msg's header block (its first 256 KiB), unfolded:
// continuation lines joined with one space, surrounding space trimmed.
func scanHeader(msg []byte) headerFacts {
	var h headerFacts
	msg = msg[:min(len(msg), 256<<10)]
	haveSubject := false
	for len(msg) > 0 {
		line, rest, _ := bytes.Cut(msg, []byte("\n"))
		msg = rest
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break // end of the header block
		}
		name, v, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(name) == 0 || name[0] == ' ' || name[0] == '\t' {
			continue
		}
		name = bytes.TrimRight(name, " \t")
		isSubject := !haveSubject && bytes.EqualFold(name, []byte("subject"))
		isReceived := len(h.received) < maxReceived && bytes.EqualFold(name, []byte("received"))
		if !isSubject && !isReceived {
			continue
		}
		val := bytes.TrimSpace(v)
		for len(msg) > 0 && (msg[0] == ' ' || msg[0] == '\t') {
			l, r, _ := bytes.Cut(msg, []byte("\n"))
			msg = r
			if l = bytes.TrimSpace(l); len(l) > 0 {
				val = append(append(bytes.Clone(val), ' '), l...)
			}
		}
		if isSubject {
			haveSubject = true
			h.subject = truncateUTF8(string(val), MaxSubject)
		} else {
			h.received = append(h.received, string(val))
		}
	}
	return h
}

// truncateUTF8 cuts s to at most n bytes, backing off to a rune boundary
// when s is valid UTF-8.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if !utf8.ValidString(s) {
		return s[:n]
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// fromSensor reports whether env was read from a spampots sensor's header
// block (mbox.Reader leaves it zero for a plain mbox entry).
func fromSensor(env *mbox.Envelope) bool {
	return env.SensorID != "" || env.SessionID != "" || !env.SensorTime.IsZero() || env.SrcIP != "" || env.SrcProto != ""
}

// sourceIP is the message's source IP as the analyses use it (paper §3.3,
// "IPs de origem"):
//
//   - a message captured by a sensor: its X-Src-IP, the address that
//     connected to the sensor ("" when unknown). Its Received fields are
//     ignored: they were all written by the spammer.
//   - any other message (e.g. a mailbox or a corpus like TREC): the client
//     IP of the first untrusted hop of its Received chain, see
//     untrustedHop.
func sourceIP(env *mbox.Envelope, received []string) string {
	if fromSensor(env) {
		return env.SrcIP
	}
	if a, ok := untrustedHop(received); ok {
		return a.String()
	}
	return ""
}

// hop is what untrustedHop reads of one Received field.
type hop struct {
	ip   netip.Addr // the client's address, from the "from" clause
	rdns string     // the receiving side's name for it, lower case, or ""
	by   string     // the receiving host, lower case, or ""
}

// untrustedHop walks the Received fields from the newest (the top one,
// written by the receiving site) down and returns the client IP of the
// first hop not made inside the receiving site: the address that handed
// the message to it. A hop is inside the site, hence trusted, when its
// client IP is not globally routable (loopback, private, link-local,
// unspecified) or when the receiving site's own name for the client (the
// reverse DNS name before the bracketed IP) lies in the site's domain: the
// top field's "by" host without its first label ("speedy.uwaterloo.ca"
// gives "uwaterloo.ca"; a two-label host is its own domain). Fields below
// the first untrusted hop were written by the sender and may be forged, so
// they are never read. Hops without a readable client IP are skipped.
func untrustedHop(received []string) (netip.Addr, bool) {
	site := ""
	for _, r := range received {
		h := parseReceived(r)
		if site == "" && h.by != "" {
			site = siteDomain(h.by)
		}
		if !h.ip.IsValid() {
			continue
		}
		if !h.ip.IsGlobalUnicast() || h.ip.IsPrivate() {
			continue
		}
		if site != "" && h.rdns != "" && (h.rdns == site || strings.HasSuffix(h.rdns, "."+site)) {
			continue
		}
		return h.ip, true
	}
	return netip.Addr{}, false
}

// siteDomain is host without its first label when it has three or more.
func siteDomain(host string) string {
	host = strings.TrimSuffix(host, ".")
	if strings.Count(host, ".") < 2 {
		return host
	}
	_, d, _ := strings.Cut(host, ".")
	return d
}

// parseReceived reads a Received field loosely (RFC 5321 §4.4 gives the
// shape, "from HELO (rDNS [IP]) by HOST ..."; real fields vary). The
// client IP is the first bracketed address literal of the "from" clause
// ("[1.2.3.4]", "[IPv6:...]"), or else the first parenthesised group that
// is only an address ("(1.2.3.4)", as qmail writes it); the HELO name is
// never used, being the client's own claim.
func parseReceived(v string) hop {
	var h hop
	low := strings.ToLower(v)
	from := low
	if i := strings.Index(low, " by "); i >= 0 {
		from = low[:i]
		by := strings.Fields(low[i+4:])
		if len(by) > 0 {
			h.by = strings.Trim(by[0], "();")
		}
	} else if strings.HasPrefix(low, "by ") {
		from = ""
		if by := strings.Fields(low[3:]); len(by) > 0 {
			h.by = strings.Trim(by[0], "();")
		}
	}
	if !strings.HasPrefix(from, "from ") {
		return h
	}
	for rest := from; ; {
		i := strings.IndexByte(rest, '[')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], ']')
		if j < 0 {
			break
		}
		lit := rest[i+1 : i+j]
		lit = strings.TrimPrefix(lit, "ipv6:")
		if a, err := netip.ParseAddr(lit); err == nil {
			h.ip = a.Unmap()
			// The rDNS name: the word before '[' inside the same group.
			if open := strings.LastIndexByte(rest[:i], '('); open >= 0 {
				if w := strings.Fields(rest[open+1 : i]); len(w) > 0 {
					if name := w[len(w)-1]; strings.Contains(name, ".") && name != "unknown" {
						h.rdns = strings.TrimSuffix(name, ".")
					}
				}
			}
			return h
		}
		rest = rest[i+j+1:]
	}
	for rest := from; ; {
		i := strings.IndexByte(rest, '(')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], ')')
		if j < 0 {
			break
		}
		if a, err := netip.ParseAddr(strings.TrimSpace(rest[i+1 : i+j])); err == nil {
			h.ip = a.Unmap()
			return h
		}
		rest = rest[i+j+1:]
	}
	return h
}
