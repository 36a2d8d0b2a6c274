package web

import (
	"bytes"
	"iter"
	"net/netip"
	"strings"

	"github.com/spampots/spampots/sensor/proxy"
)

// Step says how far Parser.Feed got.
type Step uint8

const (
	// NeedMore: everything complete was consumed; what is left is part of
	// a line. Offer it again with more input.
	NeedMore Step = iota
	// HeadDone: the request line and header section are complete and
	// Request is filled in. The body, if any, has not been touched: the
	// caller may stop here (a CONNECT) or Feed on to read it.
	HeadDone
	// Done: the body is complete; the whole request has been consumed.
	// Call Next before feeding the following request.
	Done
	// Failed: the request is malformed or over a limit (Parser.Problem);
	// the connection must be answered and closed.
	Failed
)

// Problem is why a request failed to parse.
type Problem uint8

const (
	NoProblem       Problem = iota
	BadRequestLine          // 400: not "method SP target SP HTTP/1.x"
	BadVersion              // 505: HTTP/0.x or HTTP/2 and above (RFC 9110 §6.2)
	LineTooLong             // 414: request line over the limit
	BadHeader               // 400: malformed field line or obs-fold (RFC 9112 §5)
	HeadersTooLarge         // 400 from nginx, 431 from a proxy (RFC 6585 §5)
	BadURL                  // 400: absolute-form or authority-form with a bad authority
	BadHost                 // 400: Host field unusable (RFC 9112 §3.2)
	BadFraming              // 400: Content-Length or chunked framing broken (RFC 9112 §6.3)
	UnknownCoding           // 501: a transfer coding other than chunked (RFC 9112 §6.1)
)

// Status is the HTTP status an origin server answers the problem with.
func (p Problem) Status() int {
	switch p {
	case BadVersion:
		return 505
	case LineTooLong:
		return 414
	case UnknownCoding:
		return 501
	case NoProblem:
		return 200
	}
	return 400
}

// Form is the form of a request-target (RFC 9112 §3.2).
type Form uint8

const (
	OriginForm    Form = iota + 1 // "/path?query"
	AbsoluteForm                  // "http://host:port/path": proxy requests
	AuthorityForm                 // "host:port": CONNECT only
	AsteriskForm                  // "*": OPTIONS only
)

// Request is one parsed request. Its strings share one allocation per
// request; Headers and Body belong to the parser and are valid until Next
// (Body is handed over: Next does not reuse it).
type Request struct {
	Method string
	Target string // request-target as sent
	Proto  string // "HTTP/1.1" as sent
	Minor  int    // x of HTTP/1.x
	Form   Form
	// Scheme is the absolute-form URI's scheme as sent ("http"), else "".
	Scheme string
	// Authority is host[:port] of the absolute- or authority-form target
	// (userinfo dropped), else the first Host field's value.
	Authority string
	// Host is the host of Authority without brackets; "" when there is none.
	// Addr is set when Host is an IP literal.
	Host string
	Addr netip.Addr
	// Port is Authority's port, or the scheme's default (80; 443 for https).
	Port uint16
	// Path is the origin-form target: for an absolute URI its path and
	// query, "/" when it has none. "*" for the asterisk-form.
	Path string

	Headers       []proxy.Header // in order, names as sent
	HostFields    int            // number of Host fields
	UserAgent     string         // first User-Agent field
	ContentLength int64          // -1 when the request has none
	Chunked       bool           // Transfer-Encoding: chunked
	Continue      bool           // Expect: 100-continue
	ProxyAuth     string         // first Proxy-Authorization field

	Body    []byte // the first MaxBody bytes of the decoded body
	BodyLen int64  // decoded body length, all of it

	// Close is whether the answer ends the connection. The parser sets it
	// when the framing requires it (RFC 9112 §6.1: Transfer-Encoding with
	// Content-Length, or in HTTP/1.0); the caller adds its own reasons.
	Close bool

	conn connTokens
}

// connTokens are the connection options given (RFC 9112 §9.3).
type connTokens uint8

const (
	connClose connTokens = 1 << iota
	connKeepAlive
	proxyConnClose
	proxyConnKeepAlive
)

// KeepAlive reports whether the client asked for a persistent connection
// (RFC 9112 §9.3): HTTP/1.1 unless "close", HTTP/1.0 only with "keep-alive"
// (RFC 2068 §19.7.1). viaProxy also honours the non-standard
// Proxy-Connection field that clients send to proxies.
func (r *Request) KeepAlive(viaProxy bool) bool {
	closeT, keepT := connClose, connKeepAlive
	if viaProxy {
		closeT |= proxyConnClose
		keepT |= proxyConnKeepAlive
	}
	if r.conn&closeT != 0 {
		return false
	}
	return r.Minor >= 1 || r.conn&keepT != 0
}

// HasBody reports whether a body follows the header section.
func (r *Request) HasBody() bool { return r.Chunked || r.ContentLength > 0 }

type pstate uint8

const (
	psLine      pstate = iota // request line (empty lines before it are skipped)
	psHeader                  // header field lines
	psHeadDone                // head returned; the body is next
	psBody                    // Content-Length body
	psChunkSize               // chunk-size line (RFC 9112 §7.1)
	psChunkData               // chunk data
	psChunkEnd                // CRLF after chunk data
	psTrailer                 // trailer section
	psDone                    // request complete
	psFailed
)

// maxChunkLine bounds a chunk-size line with its extensions.
const maxChunkLine = 4096

// span locates one header field's name and value in Parser.buf.
type span struct{ n0, n1, v0, v1 int32 }

// Parser reads HTTP/1.x requests (RFC 9112) one at a time from a byte
// stream. It consumes only complete lines, so an unfinished line stays with
// the caller, bounded by the limits; body bytes are consumed as they come.
// Everything it keeps is bounded by its Config. The zero Parser reads with
// the default limits.
type Parser struct {
	cfg     *Config
	st      pstate
	problem Problem
	buf     []byte // request line, then field lines, without terminators
	reqLen  int    // request line length in buf
	fields  []span
	hdrs    []proxy.Header
	hbytes  int // header (and trailer) section bytes so far
	blank   int // bytes of empty lines before the request line
	remain  int64
	body    []byte
	req     Request
}

// NewParser returns a parser with cfg's limits (nil: defaults).
func NewParser(cfg *Config) *Parser {
	p := &Parser{}
	p.Init(cfg)
	return p
}

// Init readies p with cfg's limits; cfg must outlive p.
func (p *Parser) Init(cfg *Config) {
	*p = Parser{cfg: cfg}
}

// Request is the request being read: filled in from HeadDone on.
func (p *Parser) Request() *Request { return &p.req }

// Problem is why Feed failed.
func (p *Parser) Problem() Problem { return p.problem }

// Next starts the next request. Buffers that grew large are let go, so an
// idle connection holds little.
func (p *Parser) Next() {
	if cap(p.buf) > 8<<10 {
		p.buf = nil
	}
	if cap(p.fields) > 128 {
		p.fields, p.hdrs = nil, nil
	}
	p.buf, p.fields, p.hdrs = p.buf[:0], p.fields[:0], p.hdrs[:0]
	p.body = nil
	p.st, p.problem, p.reqLen, p.hbytes, p.blank, p.remain = psLine, NoProblem, 0, 0, 0, 0
	p.req = Request{}
}

func (p *Parser) fail(pr Problem) Step {
	p.st = psFailed
	p.problem = pr
	return Failed
}

// Feed consumes what it can of in and says how far the request got. It
// stops at HeadDone and at Done, so pipelined requests are read one per
// call; after Failed it consumes everything (the connection is closing).
func (p *Parser) Feed(in []byte) (int, Step) {
	n := 0
	for {
		rest := in[n:]
		switch p.st {
		case psFailed:
			return len(in), Failed
		case psDone:
			return n, Done
		case psHeadDone:
			switch {
			case p.req.Chunked:
				p.st = psChunkSize
			case p.req.ContentLength > 0:
				p.st = psBody
				p.remain = p.req.ContentLength
				p.body = make([]byte, 0, min(p.req.ContentLength, int64(p.cfg.maxBody())))
			default:
				p.st = psDone
			}
		case psBody, psChunkData:
			if len(rest) == 0 {
				return n, NeedMore
			}
			k := int(min(p.remain, int64(len(rest))))
			p.store(rest[:k])
			p.remain -= int64(k)
			n += k
			if p.remain == 0 {
				if p.st == psBody {
					p.st = psDone
				} else {
					p.st = psChunkEnd
				}
			}
		case psChunkEnd:
			// RFC 9112 §7.1: chunk-data is followed by CRLF (a bare LF is
			// accepted, as for every line here).
			switch {
			case len(rest) == 0 || (len(rest) == 1 && rest[0] == '\r'):
				return n, NeedMore
			case rest[0] == '\n':
				n++
			case rest[0] == '\r' && rest[1] == '\n':
				n += 2
			default:
				return len(in), p.fail(BadFraming)
			}
			p.st = psChunkSize
		default:
			line, k, ok := nextLine(rest)
			if !ok {
				if pr := p.partial(rest); pr != NoProblem {
					return len(in), p.fail(pr)
				}
				return n, NeedMore
			}
			n += k
			if step, stop := p.line(line, k); stop {
				if step == Failed {
					return len(in), step
				}
				return n, step
			}
		}
	}
}

// nextLine returns the first line of in without its LF or CRLF, and the
// number of bytes it takes. RFC 9112 §2.2 lets a recipient accept a bare LF
// as a line terminator; nginx, squid and Go's net/http all do.
func nextLine(in []byte) (line []byte, n int, ok bool) {
	i := bytes.IndexByte(in, '\n')
	if i < 0 {
		return nil, 0, false
	}
	line = in[:i]
	if i > 0 && line[i-1] == '\r' {
		line = line[:i-1]
	}
	return line, i + 1, true
}

// partial checks an unfinished line, so that junk and over-long lines are
// refused as soon as they are seen rather than held until a timeout. Every
// check here is one the complete line gets too, in the same order, so the
// outcome never depends on how the input was split.
func (p *Parser) partial(rest []byte) Problem {
	switch p.st {
	case psLine:
		limit := p.cfg.maxRequestLine()
		if !methodPrefixOK(rest[:min(len(rest), limit)]) {
			return BadRequestLine
		}
		if len(rest) >= limit {
			return LineTooLong
		}
	case psHeader, psTrailer:
		if p.hbytes+len(rest) >= p.cfg.maxHeaderBytes() {
			return HeadersTooLarge
		}
	case psChunkSize:
		if !chunkPrefixOK(rest[:min(len(rest), maxChunkLine)]) {
			return BadFraming
		}
		if len(rest) >= maxChunkLine {
			return BadFraming
		}
	}
	return NoProblem
}

// line handles one complete line of k bytes; stop says Feed must return step.
func (p *Parser) line(line []byte, k int) (Step, bool) {
	switch p.st {
	case psLine:
		if len(line) == 0 {
			// RFC 9112 §2.2: empty lines before the request line are
			// ignored, within the request line's budget.
			p.blank += k
			if p.blank > p.cfg.maxRequestLine() {
				return p.fail(BadRequestLine), true
			}
			return 0, false
		}
		limit := p.cfg.maxRequestLine()
		if !methodPrefixOK(line[:min(len(line), limit)]) {
			return p.fail(BadRequestLine), true
		}
		if k > limit {
			return p.fail(LineTooLong), true
		}
		if pr := p.requestLine(line); pr != NoProblem {
			return p.fail(pr), true
		}
		p.st = psHeader
	case psHeader, psTrailer:
		p.hbytes += k
		if p.hbytes > p.cfg.maxHeaderBytes() {
			return p.fail(HeadersTooLarge), true
		}
		if len(line) == 0 {
			if p.st == psTrailer {
				p.st = psDone
				return Done, true
			}
			if pr := p.finishHead(); pr != NoProblem {
				return p.fail(pr), true
			}
			p.st = psHeadDone
			return HeadDone, true
		}
		if len(p.fields) >= p.cfg.maxHeaders() {
			return p.fail(HeadersTooLarge), true
		}
		name, value, ok := splitField(line)
		if !ok {
			return p.fail(BadHeader), true
		}
		if p.st == psTrailer {
			// Trailer fields are checked and counted, then dropped: none of
			// them may change how the request is handled (RFC 9110 §6.5.1).
			p.fields = append(p.fields, span{})
			return 0, false
		}
		s := span{n0: int32(len(p.buf)) + 1}
		p.buf = append(p.buf, '\n')
		p.buf = append(p.buf, name...)
		s.n1 = int32(len(p.buf))
		p.buf = append(p.buf, ':')
		s.v0 = int32(len(p.buf))
		p.buf = append(p.buf, value...)
		s.v1 = int32(len(p.buf))
		p.fields = append(p.fields, s)
	case psChunkSize:
		if !chunkPrefixOK(line[:min(len(line), maxChunkLine)]) || k > maxChunkLine {
			return p.fail(BadFraming), true
		}
		size, ok := chunkSize(line)
		if !ok {
			return p.fail(BadFraming), true
		}
		if size == 0 {
			p.st = psTrailer
			return 0, false
		}
		if p.body == nil {
			p.body = make([]byte, 0, min(size, int64(p.cfg.maxBody())))
		}
		p.remain = size
		p.st = psChunkData
	}
	return 0, false
}

// store keeps body bytes up to MaxBody and counts all of them.
func (p *Parser) store(b []byte) {
	p.req.BodyLen += int64(len(b))
	if room := p.cfg.maxBody() - len(p.body); room > 0 {
		p.body = append(p.body, b[:min(room, len(b))]...)
	}
	p.req.Body = p.body
}

// tchar is RFC 9110 §5.6.2's token character set.
var tchar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// methodPrefixOK reports whether b can begin a request line: a token up to
// the first space (or CR, whose meaning the complete line decides).
func methodPrefixOK(b []byte) bool {
	for _, c := range b {
		if c == ' ' || c == '\r' {
			return true
		}
		if !tchar[c] {
			return false
		}
	}
	return true
}

// chunkPrefixOK reports whether b can begin a chunk-size line: hex digits,
// then anything after BWS or ';' (the extensions are ignored).
func chunkPrefixOK(b []byte) bool {
	for _, c := range b {
		if unhex(c) < 0 {
			return c == ';' || c == ' ' || c == '\t' || c == '\r'
		}
	}
	return true
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// chunkSize parses "1*HEXDIG [BWS ; ext...]" (RFC 9112 §7.1.1).
func chunkSize(line []byte) (int64, bool) {
	var size int64
	i := 0
	for ; i < len(line) && unhex(line[i]) >= 0; i++ {
		if i == 15 { // more than 2^60: no real body, and no overflow
			return 0, false
		}
		size = size<<4 | int64(unhex(line[i]))
	}
	if i == 0 {
		return 0, false
	}
	for ; i < len(line) && (line[i] == ' ' || line[i] == '\t'); i++ {
	}
	if i < len(line) && line[i] != ';' {
		return 0, false
	}
	if bytes.IndexByte(line[i:], '\r') >= 0 || bytes.IndexByte(line[i:], 0) >= 0 {
		return 0, false
	}
	return size, true
}

// splitField splits "name: value" (RFC 9112 §5.1): the name is a token with
// no whitespace before the colon, the value loses its leading and trailing
// whitespace. A line starting with whitespace is obs-fold, which a server
// may reject (RFC 9112 §5.2); nginx does. CR and NUL in a value are refused.
func splitField(line []byte) (name, value []byte, ok bool) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return nil, nil, false
	}
	name = line[:colon]
	for _, c := range name {
		if !tchar[c] {
			return nil, nil, false
		}
	}
	value = bytes.Trim(line[colon+1:], " \t")
	for _, c := range value {
		if c == '\r' || c == 0 {
			return nil, nil, false
		}
	}
	return name, value, true
}

// requestLine parses "method SP request-target SP HTTP-version" (RFC 9112
// §3). Runs of spaces separate the parts, as RFC 9112 §3 lets a recipient
// accept and nginx does.
func (p *Parser) requestLine(line []byte) Problem {
	if bytes.IndexByte(line, '\r') >= 0 {
		return BadRequestLine
	}
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return BadRequestLine
	}
	rest := bytes.TrimLeft(line[sp:], " ")
	tsp := bytes.IndexByte(rest, ' ')
	if tsp < 0 {
		// HTTP/0.9's "GET /path": nginx still answers it (body only);
		// no client has sent one in decades, scanners aside.
		return BadRequestLine
	}
	target := rest[:tsp]
	version := bytes.TrimLeft(rest[tsp:], " ")
	for _, c := range target {
		if c <= ' ' || c == 0x7f {
			return BadRequestLine
		}
	}
	if len(version) != 8 || string(version[:5]) != "HTTP/" || version[6] != '.' ||
		version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9' {
		return BadRequestLine
	}
	if version[5] != '1' {
		return BadVersion
	}
	p.buf = append(p.buf[:0], line[:sp]...)
	p.buf = append(p.buf, ' ')
	p.buf = append(p.buf, target...)
	p.buf = append(p.buf, ' ')
	p.buf = append(p.buf, version...)
	p.reqLen = len(p.buf)
	p.req.Minor = int(version[7] - '0')
	return NoProblem
}

// finishHead fills in Request from the request line and fields.
func (p *Parser) finishHead() Problem {
	s := string(p.buf) // the request's one allocation: all strings share it
	r := &p.req
	line := s[:p.reqLen]
	sp := strings.IndexByte(line, ' ')
	r.Method = line[:sp]
	r.Target = line[sp+1 : len(line)-9]
	r.Proto = line[len(line)-8:]
	r.ContentLength = -1
	for _, f := range p.fields {
		p.hdrs = append(p.hdrs, proxy.Header{Name: s[f.n0:f.n1], Value: s[f.v0:f.v1]})
	}
	r.Headers = p.hdrs

	var host string
	var te []string
	for _, h := range r.Headers {
		switch {
		case equalFold(h.Name, "Host"):
			if r.HostFields == 0 {
				host = h.Value
			}
			r.HostFields++
		case equalFold(h.Name, "Content-Length"):
			// RFC 9110 §8.6: a list of one repeated value may be taken as
			// that value; anything else is unrecoverable framing.
			seen := false
			for v := range splitList(h.Value) {
				n, ok := parseLength(v)
				if !ok || (r.ContentLength >= 0 && n != r.ContentLength) {
					return BadFraming
				}
				r.ContentLength, seen = n, true
			}
			if !seen {
				return BadFraming
			}
		case equalFold(h.Name, "Transfer-Encoding"):
			for v := range splitList(h.Value) {
				te = append(te, v)
			}
			if len(te) == 0 {
				return BadFraming
			}
		case equalFold(h.Name, "Connection"):
			r.conn |= connOptions(h.Value, connClose, connKeepAlive)
		case equalFold(h.Name, "Proxy-Connection"):
			r.conn |= connOptions(h.Value, proxyConnClose, proxyConnKeepAlive)
		case equalFold(h.Name, "Expect"):
			r.Continue = r.Continue || equalFold(h.Value, "100-continue")
		case equalFold(h.Name, "User-Agent"):
			if r.UserAgent == "" {
				r.UserAgent = h.Value
			}
		case equalFold(h.Name, "Proxy-Authorization"):
			if r.ProxyAuth == "" {
				r.ProxyAuth = h.Value
			}
		}
	}
	if te != nil {
		// RFC 9112 §6.3 (4): chunked must be the final coding, once; any
		// other coding is not understood (§6.1: 501). Transfer-Encoding
		// overrides Content-Length, and both, or either in HTTP/1.0, mean
		// the connection closes after the answer (§6.1, §6.3 (3)).
		if !equalFold(te[len(te)-1], "chunked") {
			return BadFraming
		}
		for _, c := range te[:len(te)-1] {
			if equalFold(c, "chunked") {
				return BadFraming
			}
		}
		if len(te) > 1 {
			return UnknownCoding
		}
		r.Chunked = true
		r.Close = r.ContentLength >= 0 || r.Minor == 0
		r.ContentLength = -1
	}
	return p.target(host)
}

// target classifies the request-target (RFC 9112 §3.2) and finds the host
// the request is for: the target's authority, else the Host field.
func (p *Parser) target(host string) Problem {
	r := &p.req
	t := r.Target
	switch {
	case r.Method == "CONNECT":
		// RFC 9112 §3.2.3: authority-form, the port is required.
		r.Form = AuthorityForm
		a, ok := ParseAuthority(t, 0)
		if !ok || a.Port == 0 {
			return BadURL
		}
		r.Authority, r.Path = t, ""
		r.setHost(a)
		return NoProblem
	case t[0] == '/':
		r.Form, r.Path = OriginForm, t
	case t == "*":
		r.Form, r.Path = AsteriskForm, t
	default:
		scheme, auth, path, ok := splitURI(t)
		if !ok {
			return BadRequestLine
		}
		def := uint16(80)
		if equalFold(scheme, "https") {
			def = 443
		}
		a, ok := ParseAuthority(auth, def)
		if !ok {
			return BadURL
		}
		r.Form, r.Scheme, r.Authority, r.Path = AbsoluteForm, scheme, auth, path
		r.setHost(a)
		return NoProblem
	}
	r.Authority = host
	if host == "" {
		r.Port = 80
		return NoProblem
	}
	a, ok := ParseAuthority(host, 80)
	if !ok {
		return BadHost
	}
	r.setHost(a)
	return NoProblem
}

func (r *Request) setHost(t proxy.Target) {
	r.Host, r.Addr, r.Port = t.Host, t.IP, t.Port
	if r.Host == "" && t.IP.IsValid() {
		r.Host = t.IP.String()
	}
}

// splitURI splits an absolute URI "scheme://authority/path?query"
// (RFC 3986 §3) into its scheme, its authority without userinfo, and its
// path and query ("/" when empty; a fragment is kept, as sent).
func splitURI(t string) (scheme, auth, path string, ok bool) {
	i := strings.IndexByte(t, ':')
	if i <= 0 || len(t) < i+3 || t[i+1:i+3] != "//" {
		return "", "", "", false
	}
	scheme = t[:i]
	for j := 0; j < len(scheme); j++ {
		c := scheme[j]
		alpha := 'a' <= c|0x20 && c|0x20 <= 'z'
		if !alpha && (j == 0 || !('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return "", "", "", false
		}
	}
	rest := t[i+3:]
	end := len(rest)
	for j := 0; j < len(rest); j++ {
		if c := rest[j]; c == '/' || c == '?' || c == '#' {
			end = j
			break
		}
	}
	auth, path = rest[:end], rest[end:]
	if at := strings.LastIndexByte(auth, '@'); at >= 0 {
		auth = auth[at+1:] // RFC 9110 §4.2.4: userinfo is deprecated; dropped
	}
	if path == "" || path[0] != '/' {
		if path == "" {
			path = "/"
		} else {
			path = "/" + path
		}
	}
	return scheme, auth, path, true
}

// ParseAuthority parses "host[:port]" (RFC 3986 §3.2.2): a domain name, a
// dotted IPv4 address or a bracketed IPv6 address (no zone), and an
// optional port of 1-65535. Without a port, Port is def; with an empty one
// ("host:") too. Names keep the case they were sent with.
func ParseAuthority(s string, def uint16) (proxy.Target, bool) {
	var t proxy.Target
	host, port := s, ""
	if len(s) > 0 && s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return t, false
		}
		host, port = s[1:end], s[end+1:]
		if port != "" && port[0] != ':' {
			return t, false
		}
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return t, false
		}
		t.IP = a
	} else {
		if i := strings.IndexByte(s, ':'); i >= 0 {
			host, port = s[:i], s[i:]
		}
		if !validHost(host) {
			return t, false
		}
		t.Host = host
		if dotted(host) { // ParseAddr allocates its error: only try likely ones
			if a, err := netip.ParseAddr(host); err == nil && a.Is4() {
				t.IP, t.Host = a, ""
			}
		}
	}
	t.Port = def
	if len(port) > 1 {
		n := 0
		for i := 1; i < len(port); i++ {
			c := port[i]
			if c < '0' || c > '9' || i > 5 {
				return t, false
			}
			n = n*10 + int(c-'0')
		}
		if n < 1 || n > 65535 {
			return t, false
		}
		t.Port = uint16(n)
	}
	return t, true
}

// dotted reports whether h has only digits and dots.
func dotted(h string) bool {
	for i := 0; i < len(h); i++ {
		if (h[i] < '0' || h[i] > '9') && h[i] != '.' {
			return false
		}
	}
	return true
}

// validHost accepts the characters real names use: letters, digits, '-',
// '.', and '_' (which DNS allows and browsers send).
func validHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// parseLength parses a Content-Length: 1 to 18 digits.
func parseLength(v string) (int64, bool) {
	if v == "" || len(v) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(v[i]-'0')
	}
	return n, true
}

// connOptions finds "close" and "keep-alive" in a Connection-like field.
func connOptions(v string, closeT, keepT connTokens) connTokens {
	var c connTokens
	for o := range splitList(v) {
		switch {
		case equalFold(o, "close"):
			c |= closeT
		case equalFold(o, "keep-alive"):
			c |= keepT
		}
	}
	return c
}

// splitList yields the non-empty elements of a comma-separated field
// value, trimmed (RFC 9110 §5.6.1).
func splitList(v string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for v != "" {
			var e string
			if i := strings.IndexByte(v, ','); i >= 0 {
				e, v = v[:i], v[i+1:]
			} else {
				e, v = v, ""
			}
			e = trimOWS(e)
			if e != "" && !yield(e) {
				return
			}
		}
	}
}

func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// equalFold compares ASCII strings ignoring case, without allocating.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
