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
// Subject and the Received fields, newest (top) first. A Received value
// is a slice of the message, or a copy when it was folded.
type headerFacts struct {
	subject  string
	received [][]byte
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
		if line[0] == ' ' || line[0] == '\t' {
			continue
		}
		var isSubject, isReceived bool
		switch line[0] | 0x20 {
		case 's':
			isSubject = !haveSubject && hasField(line, "subject")
		case 'r':
			isReceived = len(h.received) < maxReceived && hasField(line, "received")
		}
		if !isSubject && !isReceived {
			continue
		}
		_, v, _ := bytes.Cut(line, []byte(":"))
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
			h.received = append(h.received, val)
		}
	}
	return h
}

// hasField reports whether line is a field named name (lower case): the
// name in any case, optional blanks, then ':'.
func hasField(line []byte, name string) bool {
	if len(line) <= len(name) || !bytes.EqualFold(line[:len(name)], []byte(name)) {
		return false
	}
	rest := bytes.TrimLeft(line[len(name):], " \t")
	return len(rest) > 0 && rest[0] == ':'
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
func sourceIP(env *mbox.Envelope, received [][]byte) string {
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
func untrustedHop(received [][]byte) (netip.Addr, bool) {
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
// never used, being the client's own claim. Names are matched in any case
// and returned in lower case.
func parseReceived(v []byte) hop {
	var h hop
	from := v
	if i := indexFold(v, " by "); i >= 0 {
		from = v[:i]
		h.by = firstWord(v[i+4:])
	} else if hasPrefixFold(v, "by ") {
		from = nil
		h.by = firstWord(v[3:])
	}
	if !hasPrefixFold(from, "from ") {
		return h
	}
	for rest := from; ; {
		i := bytes.IndexByte(rest, '[')
		if i < 0 {
			break
		}
		j := bytes.IndexByte(rest[i:], ']')
		if j < 0 {
			break
		}
		lit := rest[i+1 : i+j]
		if hasPrefixFold(lit, "ipv6:") {
			lit = lit[5:]
		}
		if a, err := netip.ParseAddr(string(lit)); err == nil {
			h.ip = a.Unmap()
			// The rDNS name: the word before '[' inside the same group.
			if open := bytes.LastIndexByte(rest[:i], '('); open >= 0 {
				if w := bytes.Fields(rest[open+1 : i]); len(w) > 0 {
					if name := w[len(w)-1]; bytes.IndexByte(name, '.') >= 0 && !bytes.EqualFold(name, []byte("unknown")) {
						h.rdns = strings.ToLower(string(bytes.TrimSuffix(name, []byte("."))))
					}
				}
			}
			return h
		}
		rest = rest[i+j+1:]
	}
	for rest := from; ; {
		i := bytes.IndexByte(rest, '(')
		if i < 0 {
			break
		}
		j := bytes.IndexByte(rest[i:], ')')
		if j < 0 {
			break
		}
		if a, err := netip.ParseAddr(string(bytes.TrimSpace(rest[i+1 : i+j]))); err == nil {
			h.ip = a.Unmap()
			return h
		}
		rest = rest[i+j+1:]
	}
	return h
}

// firstWord is the first blank-separated word of v, its "()" and ";"
// trimmed, in lower case.
func firstWord(v []byte) string {
	v = bytes.TrimLeft(v, " \t\r\n")
	end := bytes.IndexAny(v, " \t\r\n")
	if end < 0 {
		end = len(v)
	}
	return strings.ToLower(string(bytes.Trim(v[:end], "();")))
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], []byte(prefix))
}

// indexFold is the index of the first s in b, ASCII case ignored, or -1.
func indexFold(b []byte, s string) int {
	c0, c1 := s[0], s[0]
	if 'a' <= c0|0x20 && c0|0x20 <= 'z' {
		c0, c1 = c0|0x20, c0&^0x20
	}
	for i := 0; i+len(s) <= len(b); i++ {
		k := bytes.IndexByte(b[i:], c0)
		if c1 != c0 {
			if u := bytes.IndexByte(b[i:], c1); u >= 0 && (k < 0 || u < k) {
				k = u
			}
		}
		if k < 0 {
			return -1
		}
		i += k
		if i+len(s) <= len(b) && bytes.EqualFold(b[i:i+len(s)], []byte(s)) {
			return i
		}
	}
	return -1
}
