package smtp

import (
	"bytes"
	"encoding/base64"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
)

type command struct {
	name string
	fn   func(m *Machine, arg []byte, now time.Time)
}

// verbs is the command table (RFC 5321 4.1.1, RFC 4954, RFC 1985). Its
// order indexes Summary.Commands; the last entry counts unknown verbs.
var verbs = [numVerbs]command{
	{"HELO", (*Machine).cmdHelo},
	{"EHLO", (*Machine).cmdEhlo},
	{"MAIL", (*Machine).cmdMail},
	{"RCPT", (*Machine).cmdRcpt},
	{"DATA", (*Machine).cmdData},
	{"RSET", (*Machine).cmdRset},
	{"NOOP", (*Machine).cmdNoop},
	{"QUIT", (*Machine).cmdQuit},
	{"VRFY", (*Machine).cmdVrfy},
	{"EXPN", (*Machine).cmdNotImpl},
	{"HELP", (*Machine).cmdHelp},
	{"AUTH", (*Machine).cmdAuth},
	{"ETRN", (*Machine).cmdEtrn},
	{"STARTTLS", (*Machine).cmdNotImpl}, // not advertised: gnet has no TLS
	{"BDAT", (*Machine).cmdNotImpl},     // CHUNKING is not advertised
	{"TURN", (*Machine).cmdNotImpl},
	{"XCLIENT", (*Machine).cmdNotImpl},
	// Non-SMTP commands: a web client or proxy checker talking to port 25.
	// Postfix's smtpd_forbidden_commands answer, then close.
	{"CONNECT", (*Machine).cmdForbidden},
	{"GET", (*Machine).cmdForbidden},
	{"POST", (*Machine).cmdForbidden},
	{"?", nil}, // unknown
}

const (
	numVerbs    = 21 // the array literal fails to compile if this is wrong
	verbUnknown = numVerbs - 1
)

// lookupVerb finds a verb, ignoring case, without allocating.
func lookupVerb(v []byte) (int, bool) {
	if len(v) > 8 || len(v) < 3 {
		return 0, false
	}
	var up [8]byte
	for i, c := range v {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		up[i] = c
	}
	w := up[:len(v)]
	for i := 0; i < verbUnknown; i++ {
		if verbs[i].name == string(w) {
			return i, true
		}
	}
	return 0, false
}

// hasPrefixFold reports whether b begins with the upper-case ASCII prefix p,
// ignoring case.
func hasPrefixFold(b []byte, p string) bool {
	if len(b) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := b[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != p[i] {
			return false
		}
	}
	return true
}

// RFC 5321 4.1.1.1: HELO resets the transaction; the argument is recorded
// as X-Ehlo whatever it is (bots send anything).
func (m *Machine) cmdHelo(arg []byte, _ time.Time) {
	if len(arg) == 0 {
		m.fail(rHeloSyntax)
		return
	}
	m.helo = append(m.helo[:0], arg...)
	m.ehlo = false
	m.resetTransaction()
	m.sc.out = appendReply(m.sc.out, reply{250, "", ""}, ' ', m.cfg.Hostname)
}

func (m *Machine) cmdEhlo(arg []byte, _ time.Time) {
	if len(arg) == 0 {
		m.fail(rEhloSyntax)
		return
	}
	m.helo = append(m.helo[:0], arg...)
	m.ehlo = true
	m.resetTransaction()
	// One multi-line reply, one write (RFC 5321 4.2.1).
	sep := byte('-')
	if len(m.cfg.Keywords) == 0 {
		sep = ' '
	}
	m.sc.out = appendReply(m.sc.out, reply{250, "", ""}, sep, m.cfg.Hostname)
	for i, k := range m.cfg.Keywords {
		if i == len(m.cfg.Keywords)-1 {
			sep = ' '
		}
		m.sc.out = appendReply(m.sc.out, reply{250, "", k}, sep)
		if k == "SIZE" { // RFC 1870 §4: the fixed limit follows the keyword
			m.sc.out = m.sc.out[:len(m.sc.out)-2]
			m.sc.out = append(m.sc.out, ' ')
			m.sc.out = strconv.AppendInt(m.sc.out, int64(m.cfg.MaxMessageSize), 10)
			m.sc.out = append(m.sc.out, '\r', '\n')
		}
	}
}

// MAIL FROM:<reverse-path> [params] (RFC 5321 4.1.1.2, RFC 1870 SIZE,
// RFC 6152 8BITMIME, RFC 6531 SMTPUTF8, RFC 3461 DSN, RFC 4954 AUTH=).
func (m *Machine) cmdMail(arg []byte, _ time.Time) {
	if m.inMail {
		m.fail(rNestedMail)
		return
	}
	if !hasPrefixFold(arg, "FROM:") {
		m.fail(rMailSyntax)
		return
	}
	path, params, ok := parsePath(arg[len("FROM:"):])
	if !ok {
		m.fail(rBadSender)
		return
	}
	body, utf8, size := "", false, 0
	for len(params) > 0 {
		var p []byte
		p, params = nextParam(params)
		key, val, _ := bytes.Cut(p, []byte{'='})
		switch {
		case hasPrefixFold(key, "SIZE") && len(key) == 4:
			n, ok := atoi(val)
			if !ok {
				m.fail(rBadSize)
				return
			}
			if n > m.cfg.MaxMessageSize {
				m.fail(rSizeExceeded)
				return
			}
			size = n
		case hasPrefixFold(key, "BODY") && len(key) == 4:
			switch {
			case hasPrefixFold(val, "7BIT") && len(val) == 4:
				body = "7BIT"
			case hasPrefixFold(val, "8BITMIME") && len(val) == 8:
				body = "8BITMIME"
			default:
				m.fail(rBadBody)
				return
			}
		case hasPrefixFold(key, "SMTPUTF8") && len(key) == 8 && len(val) == 0:
			utf8 = true
		case hasPrefixFold(key, "RET") && len(key) == 3,
			hasPrefixFold(key, "ENVID") && len(key) == 5,
			hasPrefixFold(key, "AUTH") && len(key) == 4:
		default:
			m.fail(rUnsupportedPa, string(key))
			return
		}
	}
	m.inMail = true
	m.from = append(m.from[:0], path...)
	m.body, m.utf8, m.declSize = body, utf8, int32(size)
	m.reply(rMailOK)
}

// RCPT TO:<forward-path> [params] (RFC 5321 4.1.1.3). Every domain is
// accepted: the sensor is an open relay.
func (m *Machine) cmdRcpt(arg []byte, _ time.Time) {
	if !m.inMail {
		m.fail(rNeedMail)
		return
	}
	if !hasPrefixFold(arg, "TO:") {
		m.fail(rRcptSyntax)
		return
	}
	path, params, ok := parsePath(arg[len("TO:"):])
	if !ok || len(path) == 0 {
		m.fail(rBadRcpt)
		return
	}
	for len(params) > 0 {
		var p []byte
		p, params = nextParam(params)
		key, _, _ := bytes.Cut(p, []byte{'='})
		if !(hasPrefixFold(key, "NOTIFY") && len(key) == 6) && !(hasPrefixFold(key, "ORCPT") && len(key) == 5) {
			m.fail(rUnsupportedPa, string(key))
			return
		}
	}
	if int(m.nrcpt) >= m.cfg.MaxRecipients {
		m.fail(rTooManyRcpts)
		return
	}
	m.rcpts = append(m.rcpts, path...)
	m.rcpts = append(m.rcpts, 0)
	m.nrcpt++
	m.reply(rRcptOK)
}

// parsePath parses "<path> params" or a bare "path params" as Postfix
// accepts (strict_rfc821_envelopes=no). A source route "<@a,@b:u@d>" is
// dropped (RFC 5321 4.1.2, C.). It returns the path without brackets.
func parsePath(s []byte) (path, params []byte, ok bool) {
	s = bytes.TrimLeft(s, " ")
	if len(s) > 0 && s[0] == '<' {
		end := bytes.IndexByte(s, '>')
		if end < 0 {
			return nil, nil, false
		}
		path, params = s[1:end], bytes.TrimLeft(s[end+1:], " ")
	} else {
		n := bytes.IndexByte(s, ' ')
		if n < 0 {
			n = len(s)
		}
		path, params = s[:n], bytes.TrimLeft(s[n:], " ")
		if len(path) == 0 {
			return nil, nil, false
		}
	}
	if len(path) > 0 && path[0] == '@' {
		c := bytes.IndexByte(path, ':')
		if c < 0 {
			return nil, nil, false
		}
		path = path[c+1:]
	}
	for _, c := range path {
		if c < ' ' || c == 0x7f || c == '<' || c == '>' || c == ' ' {
			return nil, nil, false
		}
	}
	return path, params, true
}

// atoi parses a non-negative decimal number of at most 18 digits.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func nextParam(s []byte) (p, rest []byte) {
	n := bytes.IndexByte(s, ' ')
	if n < 0 {
		return s, nil
	}
	return s[:n], bytes.TrimLeft(s[n+1:], " ")
}

// DATA (RFC 5321 4.1.1.4).
func (m *Machine) cmdData(arg []byte, _ time.Time) {
	switch {
	case len(arg) > 0:
		m.fail(rDataSyntax)
	case !m.inMail:
		m.fail(rNeedRcpt)
	case m.nrcpt == 0:
		m.fail(rNoRcpts)
	default:
		m.reply(rData)
		m.st = stData
		m.dstate = dBOL
		m.lastCR = false
		size := int(m.declSize)
		if size <= 0 || size > 1<<20 {
			size = 4096
		}
		m.data = make([]byte, 0, size)
	}
}

func (m *Machine) cmdRset(_ []byte, _ time.Time) {
	m.resetTransaction()
	m.reply(rOK)
}

func (m *Machine) cmdNoop(_ []byte, _ time.Time) { m.reply(rOK) }

func (m *Machine) cmdQuit(_ []byte, _ time.Time) {
	m.reply(rBye)
	m.close(OutcomeQuit)
}

// VRFY answers 252 like a Postfix with VRFY enabled (RFC 5321 3.5.3).
func (m *Machine) cmdVrfy(arg []byte, _ time.Time) {
	if len(arg) == 0 {
		m.fail(rVrfySyntax)
		return
	}
	m.sc.out = append(m.sc.out, "252 2.0.0 "...)
	for _, c := range arg {
		if c < ' ' || c == 0x7f {
			c = '?'
		}
		m.sc.out = append(m.sc.out, c)
	}
	m.sc.out = append(m.sc.out, '\r', '\n')
}

func (m *Machine) cmdHelp(_ []byte, _ time.Time) { m.reply(rHelp) }

func (m *Machine) cmdNotImpl(_ []byte, _ time.Time) { m.fail(rNotImpl) }

func (m *Machine) cmdEtrn(arg []byte, _ time.Time) {
	if len(arg) == 0 {
		m.fail(rETRNSyntax)
		return
	}
	m.fail(rETRN)
}

func (m *Machine) cmdForbidden(_ []byte, _ time.Time) {
	m.reply(rForbidden)
	m.close(OutcomeForbidden)
}

// AUTH mechanism [initial-response] (RFC 4954 §4). PLAIN (RFC 4616), LOGIN
// (draft-murchison-sasl-login) and CRAM-MD5 (RFC 2195).
func (m *Machine) cmdAuth(arg []byte, now time.Time) {
	switch {
	case !m.ehlo:
		m.fail(rAuthNeedEhlo)
		return
	case m.authed:
		m.fail(rAuthAgain)
		return
	case m.inMail:
		m.fail(rAuthInTrans)
		return
	case len(arg) == 0:
		m.fail(rAuthSyntax)
		return
	}
	mech, initial := splitVerb(arg)
	switch {
	case hasPrefixFold(mech, "PLAIN") && len(mech) == 5:
		if len(initial) == 0 {
			m.st = stAuthPlain
			m.reply(rEmpty334)
			return
		}
		m.st = stAuthPlain
		m.authResponse(initial)
	case hasPrefixFold(mech, "LOGIN") && len(mech) == 5:
		m.st = stAuthUser
		if len(initial) == 0 {
			m.reply(rLogin334User)
			return
		}
		m.authResponse(initial)
	case hasPrefixFold(mech, "CRAM-MD5") && len(mech) == 8 && len(initial) == 0:
		m.st = stAuthCRAM
		m.challenge = m.cramChallenge(now)
		m.sc.out = appendReply(m.sc.out, rEmpty334, ' ', base64.StdEncoding.EncodeToString([]byte(m.challenge)))
	default:
		m.fail(rAuthMech)
	}
}

// cramChallenge builds an RFC 2195 challenge "<digits.time@host>". The
// machine has no randomness of its own; the session ID (random, chosen by
// the caller) and the time make it unique.
func (m *Machine) cramChallenge(now time.Time) string {
	h := fnv.New64a()
	h.Write([]byte(m.session))
	h.Write([]byte(strconv.Itoa(int(m.commands))))
	return "<" + strconv.FormatUint(h.Sum64()%1e10, 10) + "." + strconv.FormatInt(now.Unix(), 10) + "@" + m.cfg.Hostname + ">"
}

// authResponse handles one client response line of an AUTH exchange.
func (m *Machine) authResponse(line []byte) {
	st := m.st
	m.st = stCommand
	if len(line) == 1 && line[0] == '*' { // RFC 4954 §4: the client cancels
		m.fail(rAuthAborted)
		return
	}
	dec := make([]byte, base64.StdEncoding.DecodedLen(len(line)))
	n, err := base64.StdEncoding.Decode(dec, line)
	if err != nil {
		m.fail(rAuthDecode)
		return
	}
	dec = dec[:n]
	switch st {
	case stAuthPlain:
		// message = [authzid] NUL authcid NUL passwd (RFC 4616 §2)
		parts := bytes.Split(dec, []byte{0})
		if len(parts) != 3 || len(parts[1]) == 0 {
			m.fail(rAuthForm)
			return
		}
		m.authDone(Credential{Mech: "PLAIN", Authzid: string(parts[0]), User: string(parts[1]), Password: string(parts[2])})
	case stAuthUser:
		if len(dec) == 0 {
			m.fail(rAuthForm)
			return
		}
		m.authUser = string(dec)
		m.st = stAuthPass
		m.reply(rLogin334Pass)
	case stAuthPass:
		m.authDone(Credential{Mech: "LOGIN", User: m.authUser, Password: string(dec)})
	case stAuthCRAM:
		// response = user SP digest, digest 32 lower-case hex (RFC 2195 §2)
		sp := bytes.LastIndexByte(dec, ' ')
		if sp <= 0 || !isHexDigest(dec[sp+1:]) {
			m.fail(rAuthForm)
			return
		}
		m.authDone(Credential{Mech: "CRAM-MD5", User: string(dec[:sp]), Challenge: m.challenge, Response: string(dec[sp+1:])})
	}
}

func isHexDigest(b []byte) bool {
	if len(b) != 32 {
		return false
	}
	return strings.IndexFunc(string(b), func(r rune) bool {
		return !('0' <= r && r <= '9' || 'a' <= r && r <= 'f')
	}) < 0
}

func (m *Machine) authDone(c Credential) {
	m.authed = true
	m.authUser, m.challenge = "", ""
	m.cred = &c
	m.reply(rAuthOK)
}
