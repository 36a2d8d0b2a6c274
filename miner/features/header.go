package features

import "bytes"

// Header fields Extract looks at.
const (
	hFrom = iota
	hOrganization
	hReceivedLast // the last Received field in header order: the oldest hop
	hCTE
	hContentType
	hDate
	hMimeVersion
	hTo
	hSubject
	hReplyTo
	hXMailer
	hXMailFrom
	hReturnPath
	numFields
)

// maxHeader bounds the bytes of the header block Extract scans; fields
// after it are ignored.
const maxHeader = 256 << 10

// header records where the fields Extract needs sit in the message, as
// offsets of the raw value (after the colon, continuation lines included,
// line ending excluded). The first occurrence of each field wins, except
// hReceivedLast.
type header struct {
	msg      []byte
	start    [numFields]int32
	end      [numFields]int32
	seen     [numFields]bool
	received int // number of Received fields
}

func (h *header) has(f int) bool { return h.seen[f] }

func (h *header) get(f int) []byte {
	if !h.seen[f] {
		return nil
	}
	return h.msg[h.start[f]:h.end[f]]
}

// scan indexes the header block of msg and returns the offset of the body:
// the byte after the empty line (bare LF or CRLF) that ends the header
// block, or len(msg) when there is none. A line that is neither a field,
// a continuation nor empty (e.g. a stray From_ line) is skipped.
func (h *header) scan(msg []byte) int {
	h.msg = msg
	limit := min(len(msg), maxHeader)
	cur := -1 // field being extended by continuation lines
	i := 0
	for i < len(msg) {
		// One line: msg[i:eol], next line at nl.
		eol := len(msg)
		if k := bytes.IndexByte(msg[i:], '\n'); k >= 0 {
			eol = i + k
		}
		nl := eol
		if nl < len(msg) {
			nl++
		}
		if eol > i && msg[eol-1] == '\r' {
			eol--
		}
		if eol == i { // empty line: end of the header block
			return nl
		}
		if i >= limit {
			cur = -1
			i = nl
			continue
		}
		if c := msg[i]; c == ' ' || c == '\t' {
			if cur >= 0 {
				h.end[cur] = int32(eol)
			}
			i = nl
			continue
		}
		cur = -1
		colon := i
		for colon < eol && msg[colon] != ':' {
			colon++
		}
		if colon < eol {
			name := msg[i:colon]
			for len(name) > 0 && (name[len(name)-1] == ' ' || name[len(name)-1] == '\t') {
				name = name[:len(name)-1]
			}
			f := fieldOf(name)
			if f == hReceivedLast {
				h.received++
			}
			if f >= 0 && (!h.seen[f] || f == hReceivedLast) {
				h.seen[f] = true
				h.start[f], h.end[f] = int32(colon+1), int32(eol)
				cur = f
			}
		}
		i = nl
	}
	return len(msg)
}

// fieldOf maps a field name, in any case, to its index, or -1.
func fieldOf(name []byte) int {
	if len(name) < 2 || len(name) > 25 {
		return -1
	}
	var low [25]byte
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	switch string(low[:len(name)]) {
	case "from":
		return hFrom
	case "organization", "organisation":
		return hOrganization
	case "received":
		return hReceivedLast
	case "content-transfer-encoding":
		return hCTE
	case "content-type":
		return hContentType
	case "date":
		return hDate
	case "mime-version":
		return hMimeVersion
	case "to":
		return hTo
	case "subject":
		return hSubject
	case "reply-to":
		return hReplyTo
	case "x-mailer":
		return hXMailer
	case "x-mail-from":
		return hXMailFrom
	case "return-path":
		return hReturnPath
	}
	return -1
}
