package features

import "encoding/base64"

// Placeholders that replace per-message tokens.
const (
	phNumber = '#' // a run of digits
	phRandom = '*' // a random-looking run of letters and digits
)

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlpha(c byte) bool { return 'A' <= c&^0x20 && c&^0x20 <= 'Z' }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isVowel(c byte) bool {
	switch c | 0x20 {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

// classify reports the placeholder for an ASCII alphanumeric run, or 0
// when the run is kept (lower-cased). With hex, any run of 4 or more hex
// digits is random too (a MIME boundary's "DFAF" is as random as its
// "01C7").
func classify(w []byte, hex bool) byte {
	digits, letters, hexLetters := 0, 0, 0
	for _, c := range w {
		switch {
		case isDigit(c):
			digits++
		case 'a' <= c|0x20 && c|0x20 <= 'f':
			hexLetters++
			letters++
		default:
			letters++
		}
	}
	switch {
	case letters == 0:
		return phNumber
	case digits > 0:
		return phRandom
	case len(w) >= 25:
		return phRandom
	case hex && hexLetters == len(w) && len(w) >= 4:
		return phRandom
	}
	// Letters only: random when it has a long consonant run, or its case
	// flips often (xKqLmP), or it is a long hex string.
	run, flips, hex := 0, 0, true
	for i, c := range w {
		if isVowel(c) {
			run = 0
		} else if run++; run >= 6 {
			return phRandom
		}
		if i > 1 && (c < 'a') != (w[i-1] < 'a') {
			flips++
		}
		if l := c | 0x20; l > 'f' {
			hex = false
		}
	}
	if flips >= 3 || hex && len(w) >= 8 {
		return phRandom
	}
	return 0
}

// appendMasked appends src with whitespace collapsed to single spaces,
// ASCII lower-cased, and per-message tokens replaced: each ASCII
// alphanumeric run that classify flags becomes '#' or '*', and
// placeholders joined only by punctuation ("12.99", "a8f-k2x") merge into
// one. Other bytes, 8-bit ones included, are kept as they are.
func appendMasked(dst, src []byte) []byte { return mask(dst, src, false) }

// mask is appendMasked; hex is classify's.
func mask(dst, src []byte, hex bool) []byte {
	start := len(dst)
	lastPH := -1 // offset of the last placeholder while only punctuation follows it
	space := false
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case isSpace(c):
			space = true
			lastPH = -1
			i++
		case isAlnum(c):
			j := i
			for j < len(src) && isAlnum(src[j]) {
				j++
			}
			if space && len(dst) > start {
				dst = append(dst, ' ')
			}
			space = false
			if ph := classify(src[i:j], hex); ph != 0 {
				if lastPH >= 0 {
					if dst[lastPH] == phRandom {
						ph = phRandom
					}
					dst = dst[:lastPH]
				}
				lastPH = len(dst)
				dst = append(dst, ph)
			} else {
				lastPH = -1
				for _, c := range src[i:j] {
					dst = append(dst, lower(c))
				}
			}
			i = j
		default:
			if space && len(dst) > start {
				dst = append(dst, ' ')
			}
			space = false
			if c >= 0x80 || c < ' ' {
				lastPH = -1
			}
			if c >= ' ' && c != 0x7f {
				dst = append(dst, c)
			}
			i++
		}
		if len(dst)-start > 2*MaxValue {
			break
		}
	}
	return dst
}

// appendText appends a free-text field (Subject, Organization, X-Mailer):
// RFC 2047 encoded-words decoded when decode is set, then masked.
func appendText(dst, v []byte, decode bool) []byte {
	if v == nil {
		return dst
	}
	if decode && hasEncodedWord(v) {
		var tmp [512]byte
		v = decodeWords(tmp[:0], v)
	}
	return appendMasked(dst, v)
}

// appendToken appends the first word of v lower-cased (Content-Transfer-
// Encoding: "7Bit" and "7bit" are the same encoding, RFC 2045 §6.1).
func appendToken(dst, v []byte) []byte {
	v = trimSpace(v)
	for i := 0; i < len(v) && i < 40 && !isSpace(v[i]) && v[i] != ';' && v[i] != '('; i++ {
		dst = append(dst, lower(v[i]))
	}
	if v != nil && len(dst) == 0 {
		dst = append(dst, Empty...)
	}
	return dst
}

// appendVerbatim appends v with whitespace collapsed and nothing masked:
// Mime-Version is "1.0" or a mailer's own constant comment.
func appendVerbatim(dst, v []byte) []byte {
	space := false
	start := len(dst)
	for _, c := range v {
		if isSpace(c) {
			space = true
			continue
		}
		if space && len(dst) > start {
			dst = append(dst, ' ')
		}
		space = false
		dst = append(dst, c)
	}
	return dst
}

func trimSpace(v []byte) []byte {
	for len(v) > 0 && isSpace(v[0]) {
		v = v[1:]
	}
	for len(v) > 0 && isSpace(v[len(v)-1]) {
		v = v[:len(v)-1]
	}
	return v
}

// mediaType returns the lower-cased type/subtype of a Content-Type value
// (at most 64 bytes) and the rest after the first ';'.
func mediaType(dst, v []byte) ([]byte, []byte) {
	v = trimSpace(v)
	i, start := 0, len(dst)
	for i < len(v) && v[i] != ';' {
		if c := lower(v[i]); !isSpace(c) && len(dst)-start < 64 {
			dst = append(dst, c)
		}
		i++
	}
	if i < len(v) {
		return dst, v[i+1:]
	}
	return dst, nil
}

// param returns the value of the named parameter (lower-case name) in a
// Content-Type parameter list, unquoted, or nil.
func param(params []byte, name string) []byte {
	for i := 0; i < len(params); {
		for i < len(params) && (isSpace(params[i]) || params[i] == ';') {
			i++
		}
		k := i
		for i < len(params) && params[i] != '=' && params[i] != ';' {
			i++
		}
		key := trimSpace(params[k:i])
		if i >= len(params) || params[i] == ';' {
			continue
		}
		i++ // '='
		for i < len(params) && isSpace(params[i]) {
			i++
		}
		var val []byte
		if i < len(params) && params[i] == '"' {
			i++
			s := i
			for i < len(params) && params[i] != '"' {
				i++
			}
			val = params[s:i]
			if i < len(params) {
				i++
			}
		} else {
			s := i
			for i < len(params) && params[i] != ';' && !isSpace(params[i]) {
				i++
			}
			val = params[s:i]
		}
		if equalFold(key, name) {
			return val
		}
	}
	return nil
}

func equalFold(b []byte, lowerName string) bool {
	if len(b) != len(lowerName) {
		return false
	}
	for i := range b {
		if lower(b[i]) != lowerName[i] {
			return false
		}
	}
	return true
}

// appendContentType appends "type/subtype", then ";charset=<cs>" and
// ";boundary=<masked boundary>" when present. Other parameters (name=,
// format=, …) are dropped.
func appendContentType(dst, v []byte) []byte {
	if v == nil {
		return dst
	}
	dst, params := mediaType(dst, v)
	if cs := param(params, "charset"); cs != nil {
		dst = append(dst, ";charset="...)
		for i := 0; i < len(cs) && i < 32; i++ {
			dst = append(dst, lower(cs[i]))
		}
	}
	if b := param(params, "boundary"); b != nil {
		dst = append(dst, ";boundary="...)
		dst = mask(dst, b, true)
	}
	return dst
}

// appendDate appends the shape of a Date value: day and month names
// become "Www" and "Mmm", runs of one or two digits "9", longer runs
// "9999", a numeric zone ("+0300", "-0500") "+9999" and any other word
// (a zone name, "EDT", "GMT") "Zzz". The zone is the sending host's, and
// the bots of one campaign sit in many zones.
func appendDate(dst, v []byte) []byte {
	v = trimSpace(v)
	space := false
	start := len(dst)
	for i := 0; i < len(v); {
		c := v[i]
		if isSpace(c) {
			space = true
			i++
			continue
		}
		if space && len(dst) > start {
			dst = append(dst, ' ')
		}
		space = false
		switch {
		case (c == '+' || c == '-') && i+4 < len(v) && isDigit(v[i+1]) && isDigit(v[i+2]) && isDigit(v[i+3]) && isDigit(v[i+4]) && (i+5 == len(v) || !isDigit(v[i+5])):
			dst = append(dst, "+9999"...)
			i += 5
		case isDigit(c):
			j := i
			for j < len(v) && isDigit(v[j]) {
				j++
			}
			if j-i <= 2 {
				dst = append(dst, '9')
			} else {
				dst = append(dst, "9999"...)
			}
			i = j
		case isAlpha(c):
			j := i
			for j < len(v) && isAlpha(v[j]) {
				j++
			}
			switch w := v[i:j]; {
			case isName(w, "monday tuesday wednesday thursday friday saturday sunday"):
				dst = append(dst, "Www"...)
			case isName(w, "january february march april may june july august september october november december"):
				dst = append(dst, "Mmm"...)
			default:
				dst = append(dst, "Zzz"...)
			}
			i = j
		default:
			if c >= ' ' && c < 0x7f {
				dst = append(dst, c)
			}
			i++
		}
		if len(dst)-start > 64 {
			break
		}
	}
	return dst
}

// isName reports whether w is a name in names or its three-letter
// abbreviation, in any case.
func isName(w []byte, names string) bool {
	if len(w) < 3 {
		return false
	}
	for i := 0; i < len(names); {
		j := i
		for j < len(names) && names[j] != ' ' {
			j++
		}
		n := names[i:j]
		if (len(w) == 3 || len(w) == len(n)) && len(w) <= len(n) && equalFold(w, n[:len(w)]) {
			return true
		}
		i = j + 1
	}
	return false
}

// Forms of an address.
const (
	addrFull = iota // display name, local-part shape, registrable domain
	addrPath        // local-part shape, registrable domain (envelope)
)

// appendAddress appends the normal form of the first address in v:
// "<masked display name>|<local-part shape>@<domain>". Without an '@' the
// whole value is masked, prefixed by '!'.
func appendAddress(dst, v []byte, form int) []byte {
	if v == nil {
		return dst
	}
	v = trimSpace(v)
	var name, addr []byte
	if lt := indexByte(v, '<'); lt >= 0 {
		name = v[:lt]
		addr = v[lt+1:]
		if gt := indexByte(addr, '>'); gt >= 0 {
			addr = addr[:gt]
		}
	} else {
		// addr-spec, possibly followed by a "(Display Name)" comment.
		addr = v
		if p := indexByte(v, '('); p >= 0 {
			addr = v[:p]
			name = v[p+1:]
			if q := indexByte(name, ')'); q >= 0 {
				name = name[:q]
			}
		}
		if c := indexByte(addr, ','); c >= 0 {
			addr = addr[:c]
		}
	}
	addr = trimSpace(addr)
	at := lastIndexByte(addr, '@')
	if at < 0 {
		if len(addr) == 0 && len(name) == 0 {
			return append(dst, Empty...)
		}
		dst = append(dst, '!')
		return appendMasked(dst, v)
	}
	if form != addrPath {
		name = trimSpace(name)
		if len(name) >= 2 && name[0] == '"' && name[len(name)-1] == '"' {
			name = name[1 : len(name)-1]
		}
		if hasEncodedWord(name) {
			var tmp [256]byte
			name = decodeWords(tmp[:0], name)
		}
		dst = appendMasked(dst, name)
		dst = append(dst, '|')
	}
	dst = appendLocalShape(dst, addr[:at])
	dst = append(dst, '@')
	return appendDomain(dst, addr[at+1:])
}

// appendLocalShape appends the shape of a local part: each ASCII
// alphanumeric run becomes 'a' (letters), '0' (digits) or 'x' (both);
// other bytes stay ("john.smith" → "a.a", "7stocknews" → "x").
func appendLocalShape(dst, l []byte) []byte {
	start := len(dst)
	for i := 0; i < len(l) && len(dst)-start < 32; {
		c := l[i]
		if !isAlnum(c) {
			if c > ' ' && c != '"' {
				dst = append(dst, c)
			}
			i++
			continue
		}
		d, a := false, false
		for i < len(l) && isAlnum(l[i]) {
			if isDigit(l[i]) {
				d = true
			} else {
				a = true
			}
			i++
		}
		switch {
		case d && a:
			dst = append(dst, 'x')
		case d:
			dst = append(dst, '0')
		default:
			dst = append(dst, 'a')
		}
	}
	return dst
}

// appendDomain appends the registrable part of a domain, lower-cased: its
// last two labels, or three under a two-letter country code whose second
// level is short ("co.uk", "com.br"). An address literal becomes "[ip]".
func appendDomain(dst, d []byte) []byte {
	d = trimSpace(d)
	for len(d) > 0 && (d[len(d)-1] == '.' || d[len(d)-1] == '>') {
		d = d[:len(d)-1]
	}
	if len(d) > 0 && d[0] == '[' {
		return append(dst, "[ip]"...)
	}
	// Label starts, from the right.
	l1 := lastIndexByte(d, '.')
	if l1 < 0 {
		return appendLower(dst, d, 64)
	}
	l2 := lastIndexByte(d[:l1], '.')
	from := l2 + 1
	if len(d)-l1-1 == 2 && l1-from <= 3 && l2 >= 0 {
		from = lastIndexByte(d[:l2], '.') + 1
	}
	if isDigit(d[len(d)-1]) { // a bare IP address
		return append(dst, "[ip]"...)
	}
	return appendLower(dst, d[from:], 64)
}

func appendLower(dst, s []byte, max int) []byte {
	for i := 0; i < len(s) && i < max; i++ {
		if c := s[i]; c > ' ' {
			dst = append(dst, lower(c))
		}
	}
	return dst
}

// appendAddressList appends To's form: the number of addresses, bucketed
// (1, 2-3, 4-7, 8+), ';', then how the first one is written, never what it
// says (the recipient is the victim, not the campaign): "addr" for a bare
// addr-spec, "<addr>" in angle brackets, "name <addr>" or `"name" <addr>`
// with a display name, "addr (name)" with a trailing comment; a value
// without '@' is "!" and the masked value ("!undisclosed-recipients:;").
func appendAddressList(dst, v []byte) []byte {
	if v == nil {
		return dst
	}
	n, depth, quoted := 0, 0, false
	for _, c := range v {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '<' || c == '(':
			depth++
		case c == '>' || c == ')':
			depth--
		case c == '@' && depth <= 1:
			n++
		}
	}
	v = trimSpace(v)
	if n == 0 {
		if len(v) == 0 {
			return append(dst, Empty...)
		}
		dst = append(dst, "0;!"...)
		return appendMasked(dst, v)
	}
	dst = append(dst, bucket(n)...)
	dst = append(dst, ';')
	first := v
	if lt := indexByte(v, '<'); lt >= 0 {
		// The first address ends at its '>'; a display name comes before '<'.
		if c := indexByte(v[:lt], ','); c >= 0 && indexByte(v[:c], '@') >= 0 {
			first = v[:c] // a bare addr-spec before a later <addr>
		}
	} else if c := indexByte(v, ','); c >= 0 {
		first = v[:c]
	}
	first = trimSpace(first)
	lt := indexByte(first, '<')
	switch {
	case lt < 0 && indexByte(first, '(') >= 0:
		return append(dst, "addr (name)"...)
	case lt < 0:
		return append(dst, "addr"...)
	}
	name := trimSpace(first[:lt])
	switch {
	case len(name) == 0:
		return append(dst, "<addr>"...)
	case name[0] == '"':
		return append(dst, "\"name\" <addr>"...)
	}
	return append(dst, "name <addr>"...)
}

// appendMailFrom appends the envelope sender's form: the null sender
// stays "<>", else local-part shape and registrable domain.
func appendMailFrom(dst, v []byte) []byte {
	v = trimSpace(v)
	if len(v) == 0 || string(v) == "<>" {
		return append(dst, "<>"...)
	}
	return appendAddress(dst, v, addrPath)
}

// bucket returns n's bucket: "0", "1", "2-3", "4-7" or "8+".
func bucket(n int) string {
	switch {
	case n <= 0:
		return "0"
	case n == 1:
		return "1"
	case n <= 3:
		return "2-3"
	case n <= 7:
		return "4-7"
	}
	return "8+"
}

// appendReceived appends the shape of the oldest Received field (the last
// in header order), n being the number of Received fields (0: none). Words
// before the ';' that starts its date are kept when they are keywords
// (from, by, via, with, id, for) or the protocol after "with"; any other
// word becomes its class: "ip" for an IPv4 or IPv6 address, "host" for a
// dotted name, "addr" for one with '@', "w" otherwise; brackets and
// parentheses stay. The client's HELO name after "from" becomes "helo": a
// bot names itself (its own host name, a bare word, an address literal),
// not its campaign. The comment after the HELO name, which
// is the receiving host's view of the client (its reverse DNS name, "may
// be forged"), becomes "([ip])" when it holds an address literal, else
// "()". The number of hops is not kept: in a corpus it counts the
// receiving site's relays, and in both it varies inside a campaign.
func appendReceived(dst []byte, n int, v []byte) []byte {
	if n == 0 {
		return dst
	}
	start := len(dst)
	afterWith := false
	inFrom, helo := false, false // in the from clause; its HELO word seen
	depth, commentIP := 0, false // parentheses open in a from-clause comment
	for i := 0; i < len(v) && v[i] != ';' && len(dst)-start < MaxValue; {
		if isSpace(v[i]) {
			i++
			continue
		}
		j := i
		for j < len(v) && !isSpace(v[j]) && v[j] != ';' {
			j++
		}
		w := v[i:j]
		i = j
		if inFrom && helo && (depth > 0 || w[0] == '(') {
			// Inside the comment after the HELO name: only note an address literal.
			for _, c := range w {
				switch c {
				case '(':
					depth++
				case ')':
					depth--
				}
			}
			if lb := indexByte(w, '['); lb >= 0 {
				core := w[lb+1:]
				if rb := indexByte(core, ']'); rb >= 0 {
					core = core[:rb]
				}
				if len(core) > 5 && equalFold(core[:5], "ipv6:") {
					core = core[5:]
				}
				commentIP = commentIP || wordClass(core) == "ip"
			}
			if depth <= 0 {
				depth = 0
				if len(dst) > start {
					dst = append(dst, ' ')
				}
				if commentIP {
					dst = append(dst, "([ip])"...)
				} else {
					dst = append(dst, "()"...)
				}
				commentIP = false
				inFrom = false
			}
			continue
		}
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		if inFrom && !helo && !isKeyword(w) && w[0] != '(' {
			dst = append(dst, "helo"...) // "[1.2.3.4]" included
			helo = true
			continue
		}
		k := 0
		for k < len(w) && (w[k] == '(' || w[k] == '[' || w[k] == '<') {
			k++
		}
		e := len(w)
		for e > k && (w[e-1] == ')' || w[e-1] == ']' || w[e-1] == '>' || w[e-1] == ',') {
			e--
		}
		dst = append(dst, w[:k]...)
		core := w[k:e]
		switch {
		case isKeyword(core):
			dst = appendLower(dst, core, 8)
			afterWith = equalFold(core, "with")
			inFrom = k == 0 && equalFold(core, "from")
			helo = false
		case afterWith:
			dst = appendMasked(dst, core)
			afterWith = false
		default:
			dst = append(dst, wordClass(core)...)
		}
		dst = append(dst, w[e:]...)
	}
	if len(dst) == start {
		dst = append(dst, Empty...)
	}
	return dst
}

func isKeyword(w []byte) bool {
	switch len(w) {
	case 2:
		return equalFold(w, "by") || equalFold(w, "id")
	case 3:
		return equalFold(w, "for") || equalFold(w, "via")
	case 4:
		return equalFold(w, "from") || equalFold(w, "with")
	}
	return false
}

// wordClass classifies a word of a Received field.
func wordClass(w []byte) string {
	if len(w) == 0 {
		return ""
	}
	dots, colons, digits, hex, at := 0, 0, 0, 0, false
	for _, c := range w {
		switch {
		case c == '.':
			dots++
		case c == ':':
			colons++
		case c == '@':
			at = true
		case isDigit(c):
			digits++
		case 'a' <= c|0x20 && c|0x20 <= 'f':
			hex++
		}
	}
	switch {
	case at:
		return "addr"
	case dots == 3 && digits+dots == len(w):
		return "ip"
	case colons >= 2 && digits+hex+colons+dots == len(w):
		return "ip"
	case dots > 0:
		return "host"
	}
	return "w"
}

func indexByte(b []byte, c byte) int {
	for i := range b {
		if b[i] == c {
			return i
		}
	}
	return -1
}

func lastIndexByte(b []byte, c byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == c {
			return i
		}
	}
	return -1
}

// hasEncodedWord reports whether v may hold an RFC 2047 encoded-word.
func hasEncodedWord(v []byte) bool {
	for i := 0; i+1 < len(v); i++ {
		if v[i] == '=' && v[i+1] == '?' {
			return true
		}
	}
	return false
}

// decodeWords appends v with its RFC 2047 encoded-words decoded (B and Q;
// the charset is not converted: the decoded bytes are kept as they are).
// Whitespace between two adjacent encoded-words is dropped (RFC 2047 §6.2).
// A malformed encoded-word is kept as text.
func decodeWords(dst, v []byte) []byte {
	lastWasWord := false
	pendingSpace := -1
	for i := 0; i < len(v); {
		if v[i] == '=' && i+1 < len(v) && v[i+1] == '?' {
			if n, ok := encodedWord(v[i:]); ok {
				if pendingSpace >= 0 && lastWasWord {
					dst = dst[:pendingSpace]
				}
				dst = decodeWord(dst, v[i:i+n])
				i += n
				lastWasWord, pendingSpace = true, -1
				continue
			}
		}
		if isSpace(v[i]) {
			if pendingSpace < 0 {
				pendingSpace = len(dst)
			}
		} else {
			lastWasWord, pendingSpace = false, -1
		}
		dst = append(dst, v[i])
		i++
	}
	return dst
}

// encodedWord returns the length of the encoded-word "=?cs?e?text?=" at the
// start of v.
func encodedWord(v []byte) (int, bool) {
	q := 0
	for i := 2; i < len(v) && i < 200; i++ {
		switch c := v[i]; {
		case c == '?':
			q++
			if q == 3 {
				if i+1 < len(v) && v[i+1] == '=' {
					return i + 2, true
				}
				return 0, false
			}
		case isSpace(c):
			return 0, false
		}
	}
	return 0, false
}

func decodeWord(dst, w []byte) []byte {
	w = w[2 : len(w)-2] // cs?e?text
	q1 := indexByte(w, '?')
	if q1 < 0 || q1+2 >= len(w) || w[q1+2] != '?' {
		return dst
	}
	enc := lower(w[q1+1])
	text := w[q1+3:]
	switch enc {
	case 'b':
		for len(text) > 0 && text[len(text)-1] == '=' {
			text = text[:len(text)-1]
		}
		n := base64.RawStdEncoding.DecodedLen(len(text))
		if cap(dst)-len(dst) < n {
			grown := make([]byte, len(dst), len(dst)+n+64)
			copy(grown, dst)
			dst = grown
		}
		m, _ := base64.RawStdEncoding.Decode(dst[len(dst):len(dst)+n], text)
		return dst[:len(dst)+m]
	case 'q':
		for i := 0; i < len(text); i++ {
			c := text[i]
			switch {
			case c == '_':
				dst = append(dst, ' ')
			case c == '=' && i+2 < len(text) && unhex(text[i+1]) >= 0 && unhex(text[i+2]) >= 0:
				dst = append(dst, byte(unhex(text[i+1])<<4|unhex(text[i+2])))
				i += 2
			default:
				dst = append(dst, c)
			}
		}
	}
	return dst
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c|0x20 && c|0x20 <= 'f':
		return int(c|0x20-'a') + 10
	}
	return -1
}
