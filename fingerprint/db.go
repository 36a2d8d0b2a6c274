package fingerprint

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// defaultFP is Debian's /etc/p0f/p0f.fp from p0f 3.09b-3, unchanged
// (identical to upstream p0f 3.09b's; LGPL 2.1, header kept).
//
//go:embed p0f.fp
var defaultFP string

// Default parses the embedded copy of p0f 3.09b's p0f.fp.
func Default() (*DB, error) { return ParseDB(strings.NewReader(defaultFP)) }

// MaxDBSize bounds the signature file ParseDB reads (p0f's own is 36 KB).
const MaxDBSize = 8 << 20

// Traffic directions, indexing DB.sigs as p0f's to_srv does.
const (
	toClient = 0 // [tcp:response]: SYN+ACK signatures
	toServer = 1 // [tcp:request]: SYN signatures
)

// DB is a parsed p0f.fp. It is immutable after ParseDB and safe for
// concurrent use.
type DB struct {
	classes []string
	names   []string
	// sigs holds the TCP signatures per direction, grouped by option layout
	// in file order: p0f only compares signatures whose layout hash equals
	// the packet's, in file order (fp_tcp.c tcp_find_match).
	sigs [2]map[Layout][]sigRecord
	nsig [2]int
}

// Len returns the number of [tcp:request] signatures.
func (db *DB) Len() int { return db.nsig[toServer] }

// SyntaxError is a problem in a p0f.fp file that p0f would reject (its
// FATAL messages in readfp.c and fp_tcp.c tcp_register_sig).
type SyntaxError struct {
	Line int // 1-based
	Msg  string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("p0f.fp line %d: %s", e.Line, e.Msg)
}

// ErrTooLarge is returned by ParseDB for input over MaxDBSize.
var ErrTooLarge = errors.New("fingerprint: signature file too large")

// Parser states and modules (readfp.h CF_*).
const (
	needSect = iota
	needLabel
	needSys
	needSig
)

const (
	modTCP = iota
	modMTU
	modHTTP
)

// ParseDB reads a p0f v3 signature file with the rules and error checks of
// p0f 3.09b's readfp.c read_config and fp_tcp.c tcp_register_sig: the same
// files load and fail, including p0f's rejection of a signature already
// covered by an earlier one. [tcp:request] and [tcp:response] signatures are
// parsed and kept (only request ones are matched); in [mtu] and [http:*]
// sections labels, sys and the section structure are checked as p0f does and
// the signatures themselves skipped. As in p0f, reading stops at a NUL byte.
func ParseDB(rd io.Reader) (*DB, error) {
	data, err := io.ReadAll(io.LimitReader(rd, MaxDBSize+1))
	if err != nil {
		return nil, fmt.Errorf("fingerprint: reading signatures: %w", err)
	}
	if len(data) > MaxDBSize {
		return nil, ErrTooLarge
	}
	p := dbParser{db: &DB{}}
	for i := range p.db.sigs {
		p.db.sigs[i] = make(map[Layout][]sigRecord)
	}
	if err := p.parse(string(data)); err != nil {
		return nil, err
	}
	return p.db, nil
}

// dbParser holds readfp.c's parser state.
type dbParser struct {
	db      *DB
	line    int
	state   int
	mod     int
	toSrv   int
	generic bool
	class   int // -1: userland
	name    int
	flavor  string
}

func (p *dbParser) errorf(format string, a ...any) error {
	return &SyntaxError{Line: p.line, Msg: fmt.Sprintf(format, a...)}
}

// parse is read_config's line loop.
func (p *dbParser) parse(data string) error {
	if i := strings.IndexByte(data, 0); i >= 0 {
		data = data[:i] // "If you put NUL in your p0f.fp... Well, sucks to be you."
	}
	for {
		p.line++
		data = strings.TrimLeft(data, " \t")
		line, rest, more := strings.Cut(data, "\n")
		if line != "" && line[0] != ';' {
			if err := p.parseLine(line); err != nil {
				return err
			}
		}
		if !more {
			return nil
		}
		data = rest
	}
}

// parseLine is readfp.c config_parse_line.
func (p *dbParser) parseLine(line string) error {
	if line[0] == '[' {
		sect := line[1:]
		if sect == "mtu]" {
			p.mod, p.state = modMTU, needLabel
			return nil
		}
		mod, dir, ok := strings.Cut(sect, ":")
		if !ok {
			return p.errorf("malformed section identifier")
		}
		switch mod {
		case "tcp":
			p.mod = modTCP
		case "http":
			p.mod = modHTTP
		default:
			return p.errorf("unrecognized fingerprinting module '%s'", mod)
		}
		switch dir {
		case "request]":
			p.toSrv = toServer
		case "response]":
			p.toSrv = toClient
		default:
			return p.errorf("unrecognized traffic direction")
		}
		p.state = needLabel
		return nil
	}

	i := 0
	for isAlpha(at(line, i)) || at(line, i) == '_' {
		i++
	}
	key := line[:i]
	for isBlank(at(line, i)) {
		i++
	}
	if i == 0 || at(line, i) != '=' {
		return p.errorf("unexpected statement")
	}
	i++
	for isBlank(at(line, i)) {
		i++
	}
	val := line[i:]

	switch key {
	case "classes":
		if p.state != needSect {
			return p.errorf("misplaced 'classes'")
		}
		return p.parseClasses(val)
	case "ua_os":
		if p.state != needLabel || p.toSrv != toServer || p.mod != modHTTP {
			return p.errorf("misplaced 'ua_os'")
		}
		return nil // HTTP user-agent map: not used here
	case "label":
		if p.state != needLabel && p.state != needSig {
			return p.errorf("misplaced 'label'")
		}
		if err := p.parseLabel(val); err != nil {
			return err
		}
		if p.mod != modMTU && p.class < 0 {
			p.state = needSys
		} else {
			p.state = needSig
		}
		return nil
	case "sys":
		if p.state != needSys {
			return p.errorf("misplaced 'sys'")
		}
		if err := p.parseSys(val); err != nil {
			return err
		}
		p.state = needSig
		return nil
	case "sig":
		if p.state != needSig {
			return p.errorf("misplaced 'sig'")
		}
		if p.mod == modTCP {
			return p.registerTCP(val)
		}
		return nil // [mtu] and [http:*] signatures: not used here
	}
	return p.errorf("unrecognized field '%s'", key)
}

// parseClasses is readfp.c config_parse_classes.
func (p *dbParser) parseClasses(val string) error {
	i := 0
	for i < len(val) {
		for isBlank(at(val, i)) || at(val, i) == ',' {
			i++
		}
		j := i
		for isAlnum(at(val, j)) {
			j++
		}
		if j == i || at(val, j) != 0 && at(val, j) != ',' {
			return p.errorf("malformed class entry")
		}
		p.db.classes = append(p.db.classes, val[i:j])
		i = j
	}
	return nil
}

func (p *dbParser) lookupClass(name string) int {
	for i, c := range p.db.classes {
		if equalFoldASCII(c, name) {
			return i
		}
	}
	return -1
}

// lookupName is readfp.c lookup_name_id: names compare case-insensitively
// and keep the spelling they were first seen with (in a label or sys line).
func (p *dbParser) lookupName(name string) int {
	for i, n := range p.db.names {
		if equalFoldASCII(n, name) {
			return i
		}
	}
	p.db.names = append(p.db.names, name)
	return len(p.db.names) - 1
}

// parseLabel is readfp.c config_parse_label.
func (p *dbParser) parseLabel(val string) error {
	if p.mod == modMTU {
		if val == "" {
			return p.errorf("empty MTU label")
		}
		return nil
	}
	switch at(val, 0) {
	case 'g':
		p.generic = true
	case 's':
		p.generic = false
	default:
		return p.errorf("malformed class entry")
	}
	if at(val, 1) != ':' {
		return p.errorf("malformed class entry")
	}
	i := 2
	j := i
	for isAlnum(at(val, j)) || at(val, j) == '!' {
		j++
	}
	if j == i || at(val, j) != ':' {
		return p.errorf("malformed class entry")
	}
	if at(val, i) == '!' && at(val, i+1) == ':' {
		p.class = -1
	} else {
		c := p.lookupClass(val[i:j])
		if c < 0 {
			return p.errorf("unknown class '%s'", val[i:j])
		}
		p.class = c
	}
	j++
	i = j
	for isNameChar(at(val, j)) {
		j++
	}
	if j == i || at(val, j) != ':' {
		return p.errorf("malformed name")
	}
	p.name = p.lookupName(val[i:j])
	p.flavor = val[j+1:]
	return nil
}

// parseSys is readfp.c config_parse_sys. The tool's OS list only feeds p0f's
// NAT scoring, so it is checked and dropped; names it introduces still fix
// their spelling.
func (p *dbParser) parseSys(val string) error {
	i := 0
	for i < len(val) {
		for isBlank(at(val, i)) || at(val, i) == ',' {
			i++
		}
		isClass := false
		if at(val, i) == '@' {
			isClass = true
			i++
		}
		j := i
		for isNameChar(at(val, j)) {
			j++
		}
		if j == i || at(val, j) != 0 && at(val, j) != ',' {
			return p.errorf("malformed sys entry")
		}
		if isClass {
			if p.lookupClass(val[i:j]) < 0 {
				return p.errorf("unknown class '%s'", val[i:j])
			}
		} else {
			p.lookupName(val[i:j])
		}
		i = j
	}
	return nil
}

// registerTCP is fp_tcp.c tcp_register_sig.
func (p *dbParser) registerTCP(val string) error {
	ts, badTTL, msg := parseTCPSig(val)
	if msg != "" {
		return p.errorf("%s", msg)
	}
	table := p.db.sigs[p.toSrv]
	if m, _, _ := findMatch(table[ts.layout], &ts, true); m != nil {
		return p.errorf("signature is already covered by line %d", m.line)
	}
	rec := sigRecord{
		sig:     ts,
		generic: p.generic,
		badTTL:  badTTL,
		classID: p.class,
		line:    p.line,
		name:    p.db.names[p.name],
		flavor:  p.flavor,
		class:   "!",
	}
	if p.class >= 0 {
		rec.class = p.db.classes[p.class]
	}
	rec.label = rec.name
	if rec.flavor != "" {
		rec.label += " " + rec.flavor
	}
	table[ts.layout] = append(table[ts.layout], rec)
	p.db.nsig[p.toSrv]++
	return nil
}

// parseTCPSig parses the value of a TCP "sig =" line, following
// tcp_register_sig character by character, quirks included: after a "ttl-"
// initial TTL p0f skips one more character than it should, so a single-digit
// olen reads as 0; fields may be empty (read as 0); numbers go through C's
// atol and a 32-bit truncation. It returns p0f's message on failure.
func parseTCPSig(val string) (ts tcpSig, badTTL bool, msg string) {
	var i, j int
	digitsFrom := func(k int) int {
		for isDigit(at(val, k)) {
			k++
		}
		return k
	}

	switch at(val, 0) {
	case '4':
		ts.ipVer = 4
	case '6':
		ts.ipVer = 6
	case '*':
		ts.ipVer = -1
	default:
		return ts, false, "unrecognized IP version"
	}
	if at(val, 1) != ':' {
		return ts, false, "malformed signature"
	}
	i = 2

	// Initial TTL, possibly ttl+dist or ttl-.
	j = digitsFrom(i)
	if c := at(val, j); c != ':' && c != '+' && c != '-' {
		return ts, false, "malformed signature"
	}
	ittl := int64(atol32(val, i))
	if ittl < 1 || ittl > 255 {
		return ts, false, "bogus initial TTL"
	}
	i = j + 1
	if at(val, j) == '-' && at(val, j+1) == ':' {
		badTTL = true
		i += 2
	} else if at(val, j) == '+' {
		j = digitsFrom(j + 1)
		if at(val, j) != ':' {
			return ts, false, "malformed signature"
		}
		add := int64(atol32(val, i))
		if add < 0 || ittl+add > 255 {
			return ts, false, "bogus initial TTL"
		}
		ittl += add
		i = j + 1
	}
	ts.ttl = uint8(ittl)

	// Length of IP options.
	j = digitsFrom(i)
	if at(val, j) != ':' {
		return ts, badTTL, "malformed signature"
	}
	olen := atol32(val, i)
	if olen < 0 || olen > 255 {
		return ts, badTTL, "bogus IP option length"
	}
	ts.ipOptLen = uint8(olen)
	i = j + 1

	// MSS.
	if at(val, i) == '*' && at(val, i+1) == ':' {
		ts.mss = -1
		i += 2
	} else {
		j = digitsFrom(i)
		if at(val, j) != ':' {
			return ts, badTTL, "malformed signature"
		}
		mss := atol32(val, i)
		if mss < 0 || mss > 65535 {
			return ts, badTTL, "bogus MSS"
		}
		ts.mss = mss
		i = j + 1
	}

	// Window size, followed by a comma.
	switch {
	case at(val, i) == '*' && at(val, i+1) == ',':
		ts.winType = winAny
		i += 2
	case at(val, i) == '%':
		ts.winType = winMod
		i++
		j = digitsFrom(i)
		if at(val, j) != ',' {
			return ts, badTTL, "malformed signature"
		}
		w := atol32(val, i)
		if w < 2 || w > 65535 {
			return ts, badTTL, "bogus '%' value"
		}
		ts.win = uint16(w)
		i = j + 1
	case strings.HasPrefix(from(val, i), "mss*") || strings.HasPrefix(from(val, i), "mtu*"):
		ts.winType = winMTU
		if at(val, i+1) == 's' {
			ts.winType = winMSS
		}
		i += 4
		j = digitsFrom(i)
		if at(val, j) != ',' {
			return ts, badTTL, "malformed signature"
		}
		w := atol32(val, i)
		if w < 1 || w > 1000 {
			return ts, badTTL, "bogus MSS/MTU multiplier"
		}
		ts.win = uint16(w)
		i = j + 1
	default:
		ts.winType = winNormal
		j = digitsFrom(i)
		if at(val, j) != ',' {
			return ts, badTTL, "malformed signature"
		}
		w := atol32(val, i)
		if w < 0 || w > 65535 {
			return ts, badTTL, "bogus window size"
		}
		ts.win = uint16(w)
		i = j + 1
	}

	// Window scale.
	if at(val, i) == '*' && at(val, i+1) == ':' {
		ts.wscale = -1
		i += 2
	} else {
		j = digitsFrom(i)
		if at(val, j) != ':' {
			return ts, badTTL, "malformed signature"
		}
		s := atol32(val, i)
		if s < 0 || s > 255 {
			return ts, badTTL, "bogus window scale"
		}
		ts.wscale = int16(s)
		i = j + 1
	}

	// Option layout.
	n := 0
	for at(val, i) != ':' {
		if n >= MaxOpts {
			return ts, badTTL, "too many TCP options"
		}
		rest := from(val, i)
		switch {
		case strings.HasPrefix(rest, "eol"):
			ts.layout.Kinds[n] = optEOL
			n++
			i += 3
			if at(val, i) != '+' {
				return ts, badTTL, "malformed EOL option"
			}
			i++
			j = digitsFrom(i)
			if at(val, j) == 0 {
				return ts, badTTL, "truncated options"
			}
			if at(val, j) != ':' {
				return ts, badTTL, "EOL must be the last option"
			}
			pad := atol32(val, i)
			if pad < 0 || pad > 255 {
				return ts, badTTL, "bogus EOL padding"
			}
			ts.eolPad = uint8(pad)
			i = j
		case strings.HasPrefix(rest, "nop"):
			ts.layout.Kinds[n] = optNOP
			n++
			i += 3
		case strings.HasPrefix(rest, "mss"):
			ts.layout.Kinds[n] = optMSS
			n++
			i += 3
		case strings.HasPrefix(rest, "ws"):
			ts.layout.Kinds[n] = optWS
			n++
			i += 2
		case strings.HasPrefix(rest, "sok"):
			ts.layout.Kinds[n] = optSACKOK
			n++
			i += 3
		case strings.HasPrefix(rest, "sack"):
			ts.layout.Kinds[n] = optSACK
			n++
			i += 4
		case strings.HasPrefix(rest, "ts"):
			ts.layout.Kinds[n] = optTS
			n++
			i += 2
		case at(val, i) == '?':
			i++
			j = digitsFrom(i)
			if at(val, j) != ':' && at(val, j) != ',' {
				return ts, badTTL, "malformed '?' option"
			}
			kind := atol32(val, i)
			if kind < 0 || kind > 255 {
				return ts, badTTL, "bogus '?' option"
			}
			ts.layout.Kinds[n] = byte(kind)
			n++
			i = j
		default:
			return ts, badTTL, "unrecognized TCP option"
		}
		if at(val, i) == ':' {
			break
		}
		if at(val, i) != ',' {
			return ts, badTTL, "malformed TCP options"
		}
		i++
	}
	ts.layout.N = uint8(n)
	i++

	// Quirks.
	for at(val, i) != ':' {
		rest := from(val, i)
		q, name, v4only, v6only := Quirks(0), "", false, false
		for _, c := range sigQuirks {
			if strings.HasPrefix(rest, c.name) {
				q, name, v4only, v6only = c.q, c.name, c.v4only, c.v6only
				break
			}
		}
		switch {
		case q == 0:
			return ts, badTTL, "unrecognized quirk"
		case v4only && ts.ipVer == 6:
			return ts, badTTL, "'" + name + "' is not valid for IPv6"
		case v6only && ts.ipVer == 4:
			return ts, badTTL, "'" + name + "' is not valid for IPv4"
		}
		ts.quirks |= q
		i += len(name)
		if at(val, i) == ':' {
			break
		}
		if at(val, i) != ',' {
			return ts, badTTL, "malformed quirks"
		}
		i++
	}
	i++

	// Payload class.
	switch from(val, i) {
	case "*":
		ts.payClass = -1
	case "0":
		ts.payClass = 0
	case "+":
		ts.payClass = 1
	default:
		return ts, badTTL, "malformed payload class"
	}
	return ts, badTTL, ""
}

// sigQuirks lists the quirks in the order tcp_register_sig tries them.
var sigQuirks = [...]struct {
	name           string
	q              Quirks
	v4only, v6only bool
}{
	{"df", QuirkDF, true, false},
	{"id+", QuirkNZID, true, false},
	{"id-", QuirkZeroID, true, false},
	{"ecn", QuirkECN, false, false},
	{"0+", QuirkNZMBZ, true, false},
	{"flow", QuirkFlow, false, true},
	{"seq-", QuirkZeroSeq, false, false},
	{"ack+", QuirkNZAck, false, false},
	{"ack-", QuirkZeroAck, false, false},
	{"uptr+", QuirkNZURG, false, false},
	{"urgf+", QuirkURG, false, false},
	{"pushf+", QuirkPush, false, false},
	{"ts1-", QuirkZeroTS1, false, false},
	{"ts2+", QuirkNZTS2, false, false},
	{"opt+", QuirkOptEOL, false, false},
	{"exws", QuirkExWS, false, false},
	{"bad", QuirkOptBad, false, false},
}

// at returns s[i], or 0 past the end: the C string's NUL terminator.
func at(s string, i int) byte {
	if i < 0 || i >= len(s) {
		return 0
	}
	return s[i]
}

// from returns s[i:], or "" past the end.
func from(s string, i int) string {
	if i >= len(s) {
		return ""
	}
	return s[i:]
}

// atol32 is C's atol(s+i) assigned to an s32, as p0f does: leading white
// space, an optional sign, digits, saturating at the 64-bit limits, then
// truncated to 32 bits.
func atol32(s string, i int) int32 {
	for isSpace(at(s, i)) {
		i++
	}
	neg := false
	if c := at(s, i); c == '+' || c == '-' {
		neg = c == '-'
		i++
	}
	var v uint64
	over := false
	for ; isDigit(at(s, i)); i++ {
		d := uint64(at(s, i) - '0')
		if v > (math.MaxInt64-d)/10 {
			over = true
		}
		v = v*10 + d
	}
	var r int64
	switch {
	case over && neg:
		r = math.MinInt64
	case over:
		r = math.MaxInt64
	case neg:
		r = -int64(v)
	default:
		r = int64(v)
	}
	return int32(r)
}

// Character classes of the C locale, which p0f runs in.
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }
func isBlank(c byte) bool { return c == ' ' || c == '\t' }
func isSpace(c byte) bool { return c == ' ' || '\t' <= c && c <= '\r' }

// isNameChar accepts the characters of OS names and sys entries
// (config.h NAME_CHARS).
func isNameChar(c byte) bool { return isAlnum(c) || c != 0 && strings.IndexByte(" ./-_!?()", c) >= 0 }

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
