package smtp

import (
	"bytes"
	"strconv"
	"time"
)

// Kind says what an Action asks the caller to do.
type Kind uint8

const (
	// Write sends Action.Data to the client. Data is valid until the next
	// call into the machine.
	Write Kind = iota + 1
	// Close closes the connection after the preceding writes are flushed.
	Close
	// Deliver hands out a complete message (Action.Msg). The machine then
	// consumes no input until Committed is called.
	Deliver
	// Auth records a credential the client offered (Action.Cred).
	Auth
)

// Action is one thing for the caller to do, in order.
type Action struct {
	Kind Kind
	Data []byte
	Msg  *Message
	Cred *Credential
}

// Message is a complete captured message with its envelope. The caller owns
// it once it is handed out.
type Message struct {
	QueueID      string    // as announced in the 250 reply
	Proto        string    // SMTP, ESMTP or ESMTPA when MAIL was given
	Helo         string    // HELO/EHLO argument, "" if none was given
	MailFrom     string    // reverse-path without angle brackets; "" is <>
	Rcpts        []string  // forward-paths without angle brackets, in order
	Body         string    // BODY= parameter: "", 7BIT or 8BITMIME
	SMTPUTF8     bool      // SMTPUTF8 parameter given (RFC 6531)
	DeclaredSize int       // SIZE= parameter, 0 if none (RFC 1870)
	Data         []byte    // content after dot-unstuffing, line endings as received
	BareLF       int       // lines of Data ended by LF alone
	Received     time.Time // when the final dot arrived
}

// Credential is one authentication attempt (RFC 4954). Every well-formed
// attempt succeeds.
type Credential struct {
	Mech      string // PLAIN, LOGIN, CRAM-MD5
	Authzid   string // PLAIN authorization identity
	User      string
	Password  string // PLAIN and LOGIN
	Challenge string // CRAM-MD5 challenge sent
	Response  string // CRAM-MD5 hex digest received
}

// Result is the outcome of making a delivered message durable.
type Result uint8

const (
	// Queued: the message is durable; the client gets 250.
	Queued Result = iota
	// TempFail: the message could not be stored (queue full, write error);
	// the client gets 451 and may retry.
	TempFail
	// NoSpace: the spool's disk is full; the client gets 452.
	NoSpace
)

// Outcome says why a session ended, for the event stream.
const (
	OutcomeQuit           = "quit"
	OutcomeIdleTimeout    = "idle-timeout"
	OutcomeSessionTimeout = "session-timeout"
	OutcomeTooManyErrors  = "too-many-errors"
	OutcomeTooManyCmds    = "too-many-commands"
	OutcomeForbidden      = "forbidden-command"
)

type state uint8

const (
	stCommand   state = iota // reading command lines
	stAuthPlain              // waiting for the PLAIN response
	stAuthUser               // waiting for the LOGIN user name
	stAuthPass               // waiting for the LOGIN password
	stAuthCRAM               // waiting for the CRAM-MD5 response
	stData                   // reading message content
	stCommit                 // message delivered, waiting for Committed
	stSkipLine               // discarding the rest of an over-long line
	stClosed                 // session over; nothing more is read
)

// data sub-states: where in a line the content reader is (RFC 5321 4.5.2).
const (
	dBOL   uint8 = iota // at the beginning of a line
	dDot                // a '.' began the line
	dDotCR              // ".\r" began the line
	dMid                // inside a line
)

// Machine is one SMTP session. It is not safe for concurrent use.
type Machine struct {
	cfg       *Config
	session   string
	start     time.Time
	lastInput time.Time
	st        state
	closing   bool

	// session
	helo     []byte
	ehlo     bool
	authed   bool
	msgSeq   int32
	commands int32
	errors   int32
	cnt      counters

	// transaction
	inMail   bool
	utf8     bool
	from     []byte
	rcpts    []byte // recipients, each followed by a 0 byte
	nrcpt    int32
	declSize int32
	body     string

	// content
	data     []byte
	dstate   uint8
	lastCR   bool
	oversize bool
	bareLF   int32

	// auth in progress
	authUser  string
	challenge string

	sc      *Scratch
	deliver *Message
	cred    *Credential
}

// counters are what the session did, kept small: a machine lives as long
// as its connection, and a sensor holds thousands.
type counters struct {
	messages, recipients, rejected, bareLF int32
	commands                               [numVerbs]uint32
	creds                                  []Credential
	outcome                                string
}

// Scratch holds the reply and action buffers that machines write into.
// One Scratch may serve every machine driven by one goroutine (an event
// loop's connections), so that idle sessions hold no buffers: what a call
// returns is then valid until the next call into any machine sharing it.
// New gives a machine its own when passed nil.
type Scratch struct {
	out  []byte
	acts []Action
}

// Summary is what the session did, for the event stream.
type Summary struct {
	Proto      string // SMTP, ESMTP or ESMTPA
	Helo       string
	Messages   int // messages acknowledged with 250
	Recipients int // recipients of those messages
	Rejected   int // messages refused (size, tempfail)
	Errors     int // error replies
	BareLF     int // content lines ended by a bare LF
	Commands   [numVerbs]uint32
	Creds      []Credential
	Outcome    string // set when the machine closed the session
}

// CommandCounts returns the verbs seen with their counts.
func (s *Summary) CommandCounts() map[string]int {
	m := make(map[string]int)
	for i, n := range s.Commands {
		if n > 0 {
			m[verbs[i].name] = int(n)
		}
	}
	return m
}

// New starts a session: the returned actions write the 220 banner.
// cfg must stay unchanged while machines use it; zero fields take defaults
// (call Prepare once to fill them).
// sc may be shared by machines driven one at a time (see Scratch), or nil.
func New(cfg *Config, sessionID string, now time.Time, sc *Scratch) (*Machine, []Action) {
	if sc == nil {
		sc = &Scratch{}
	}
	m := &Machine{cfg: cfg, session: sessionID, start: now, lastInput: now, sc: sc}
	m.reset()
	m.sc.out = append(m.sc.out, "220 "...)
	m.sc.out = append(m.sc.out, cfg.Hostname...)
	m.sc.out = append(m.sc.out, ' ')
	m.sc.out = append(m.sc.out, cfg.Greeting...)
	m.sc.out = append(m.sc.out, "\r\n"...)
	return m, m.finish()
}

// Prepare returns cfg with every zero field set to its default; machines
// must be given a prepared Config.
func Prepare(cfg Config) Config { return cfg.withDefaults() }

// Summary returns what the session did so far.
func (m *Machine) Summary() *Summary {
	return &Summary{
		Proto:      m.proto(),
		Helo:       string(m.helo),
		Messages:   int(m.cnt.messages),
		Recipients: int(m.cnt.recipients),
		Rejected:   int(m.cnt.rejected),
		Errors:     int(m.errors),
		BareLF:     int(m.cnt.bareLF),
		Commands:   m.cnt.commands,
		Creds:      m.cnt.creds,
		Outcome:    m.cnt.outcome,
	}
}

// reset empties the shared buffers at the start of a call.
func (m *Machine) reset() {
	m.sc.out = m.sc.out[:0]
	m.sc.acts = m.sc.acts[:0]
}

// Closed reports whether the machine ended the session.
func (m *Machine) Closed() bool { return m.st == stClosed }

// Hostname is the name the machine answers as.
func (m *Machine) Hostname() string { return m.cfg.Hostname }

// Waiting reports whether a delivered message awaits Committed.
func (m *Machine) Waiting() bool { return m.st == stCommit }

// Deadline is when Timeout must next be called.
func (m *Machine) Deadline() time.Time {
	idle := m.lastInput.Add(m.cfg.IdleTimeout)
	total := m.start.Add(m.cfg.SessionTimeout)
	if total.Before(idle) {
		return total
	}
	return idle
}

// Timeout ends the session with 421 if its idle or total time is over
// (RFC 5321 4.5.3.2). While a message awaits Committed nothing happens.
func (m *Machine) Timeout(now time.Time) []Action {
	m.reset()
	if m.st == stClosed || m.st == stCommit {
		return nil
	}
	switch {
	case !now.Before(m.start.Add(m.cfg.SessionTimeout)):
		m.shutdown(OutcomeSessionTimeout)
	case !now.Before(m.lastInput.Add(m.cfg.IdleTimeout)):
		m.shutdown(OutcomeIdleTimeout)
	default:
		return nil
	}
	return m.finish()
}

// shutdown sends 421 and closes (RFC 5321 3.8).
func (m *Machine) shutdown(outcome string) {
	text := "Error: timeout exceeded"
	enh := "4.4.2"
	switch outcome {
	case OutcomeTooManyErrors:
		text, enh = "Error: too many errors", "4.7.0"
	case OutcomeTooManyCmds:
		text, enh = "Error: too many commands", "4.7.0"
	}
	m.sc.out = appendReply(m.sc.out, reply{421, enh, ""}, ' ', m.cfg.Hostname, " ", text)
	m.close(outcome)
}

func (m *Machine) close(outcome string) {
	m.st = stClosed
	m.closing = true
	if m.cnt.outcome == "" {
		m.cnt.outcome = outcome
	}
}

// Committed reports whether the delivered message is durable, and returns
// the reply to the final dot. Input left over from before can then be fed.
func (m *Machine) Committed(r Result, now time.Time) []Action {
	m.reset()
	if m.st != stCommit {
		return nil
	}
	m.lastInput = now
	m.st = stCommand
	switch r {
	case Queued:
		m.cnt.messages++
		m.cnt.recipients += m.nrcpt
		m.sc.out = appendReply(m.sc.out, rOK, ' ', ": queued as ", m.queueID())
	case NoSpace:
		m.cnt.rejected++
		m.fail(rNoSpace)
	default:
		m.cnt.rejected++
		m.fail(rQueueError)
	}
	m.resetTransaction()
	return m.finish()
}

// Feed processes what the client sent and returns how much of it was
// consumed; the caller keeps the rest and offers it again with more input.
func (m *Machine) Feed(in []byte, now time.Time) (int, []Action) {
	m.reset()
	if m.st == stClosed || m.st == stCommit {
		return 0, nil
	}
	if len(in) > 0 {
		m.lastInput = now
	}
	i := 0
loop:
	for i < len(in) {
		switch m.st {
		case stClosed, stCommit:
			break loop
		case stData:
			i += m.feedData(in[i:], now)
		case stSkipLine:
			n := bytes.IndexByte(in[i:], '\n')
			if n < 0 {
				i = len(in)
				break loop
			}
			i += n + 1
			m.st = stCommand
		default:
			rest := in[i:]
			limit := m.cfg.MaxCommandLine
			if m.st != stCommand || hasPrefixFold(rest, "AUTH ") {
				limit = m.cfg.MaxAuthLine
			}
			n := bytes.IndexByte(rest, '\n')
			if n < 0 {
				if len(rest) > limit {
					m.lineTooLong()
					m.st = stSkipLine
					i = len(in)
				}
				break loop
			}
			i += n + 1
			if n+1 > limit {
				m.lineTooLong()
				continue
			}
			line := rest[:n]
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
			}
			m.line(line, now)
		}
	}
	return i, m.finish()
}

// finish turns the gathered replies and events into the action list.
func (m *Machine) finish() []Action {
	if m.cred != nil {
		m.cnt.creds = append(m.cnt.creds, *m.cred)
		m.sc.acts = append(m.sc.acts, Action{Kind: Auth, Cred: m.cred})
		m.cred = nil
	}
	if len(m.sc.out) > 0 {
		m.sc.acts = append(m.sc.acts, Action{Kind: Write, Data: m.sc.out})
	}
	if m.deliver != nil {
		m.sc.acts = append(m.sc.acts, Action{Kind: Deliver, Msg: m.deliver})
		m.deliver = nil
	}
	if m.closing {
		m.sc.acts = append(m.sc.acts, Action{Kind: Close})
		m.closing = false
	}
	return m.sc.acts
}

func (m *Machine) lineTooLong() {
	m.fail(rLineTooLong)
	if m.st != stCommand && m.st != stSkipLine {
		m.st = stCommand // an over-long AUTH response ends the exchange
	}
}

// reply appends a success or intermediate reply.
func (m *Machine) reply(r reply) { m.sc.out = appendReply(m.sc.out, r, ' ') }

// fail appends an error reply and counts it; past MaxErrors the session ends.
func (m *Machine) fail(r reply, extra ...string) {
	m.sc.out = appendReply(m.sc.out, r, ' ', extra...)
	m.errors++
	if int(m.errors) >= m.cfg.MaxErrors && m.st != stClosed {
		m.shutdown(OutcomeTooManyErrors)
	}
}

// line handles one complete line without its line ending.
func (m *Machine) line(line []byte, now time.Time) {
	switch m.st {
	case stAuthPlain, stAuthUser, stAuthPass, stAuthCRAM:
		m.authResponse(line)
		return
	}
	m.commands++
	if int(m.commands) > m.cfg.MaxCommands {
		m.shutdown(OutcomeTooManyCmds)
		return
	}
	verb, arg := splitVerb(line)
	idx, ok := lookupVerb(verb)
	if !ok {
		m.cnt.commands[verbUnknown]++
		m.fail(rUnrecognized)
		return
	}
	m.cnt.commands[idx]++
	verbs[idx].fn(m, arg, now)
}

// splitVerb splits "VERB arg" at the first space; arg has no leading spaces.
func splitVerb(line []byte) (verb, arg []byte) {
	n := bytes.IndexByte(line, ' ')
	if n < 0 {
		return line, nil
	}
	return line[:n], bytes.TrimLeft(line[n+1:], " ")
}

func (m *Machine) proto() string {
	switch {
	case m.authed:
		return "ESMTPA"
	case m.ehlo:
		return "ESMTP"
	}
	return "SMTP"
}

func (m *Machine) resetTransaction() {
	m.inMail = false
	m.from = m.from[:0]
	m.rcpts = m.rcpts[:0]
	m.nrcpt = 0
	m.body = ""
	m.utf8 = false
	m.declSize = 0
	m.data = nil
	m.bareLF = 0
	m.oversize = false
}

func (m *Machine) queueID() string {
	return m.session + strconv.FormatInt(int64(m.msgSeq), 16)
}

// feedData reads message content (RFC 5321 4.5.2: dot-unstuffing; the
// content ends at a line holding only "."). It consumes partial lines, so a
// long line never sits in the caller's buffer. Lines ended by a bare LF are
// accepted, as Postfix does, and counted.
func (m *Machine) feedData(in []byte, now time.Time) int {
	i := 0
	for i < len(in) {
		switch m.dstate {
		case dBOL:
			if in[i] == '.' {
				m.dstate = dDot
				i++
				continue
			}
			m.dstate = dMid
		case dDot:
			switch in[i] {
			case '\r':
				m.dstate = dDotCR
				i++
			case '\n':
				m.countBareLF()
				return i + 1 + m.endData(now)
			default:
				m.dstate = dMid // the leading dot was stuffing
			}
		case dDotCR:
			if in[i] == '\n' {
				return i + 1 + m.endData(now)
			}
			m.store([]byte{'\r'})
			m.lastCR = true
			m.dstate = dMid
		case dMid:
			rest := in[i:]
			n := bytes.IndexByte(rest, '\n')
			if n < 0 {
				m.store(rest)
				m.lastCR = rest[len(rest)-1] == '\r'
				return len(in)
			}
			if (n == 0 && !m.lastCR) || (n > 0 && rest[n-1] != '\r') {
				m.countBareLF()
			}
			m.store(rest[:n+1])
			m.lastCR = false
			m.dstate = dBOL
			i += n + 1
		}
	}
	return i
}

func (m *Machine) countBareLF() {
	m.bareLF++
	m.cnt.bareLF++
}

// store appends content, or only counts it once the message is too big.
func (m *Machine) store(b []byte) {
	if m.oversize {
		return
	}
	if len(m.data)+len(b) > m.cfg.MaxMessageSize {
		m.oversize = true
		m.data = nil
		return
	}
	m.data = append(m.data, b...)
}

// endData is called after the final dot; it returns 0 (nothing more is
// consumed now: the machine waits for Committed or goes on with commands).
func (m *Machine) endData(now time.Time) int {
	m.dstate = dBOL
	if m.oversize {
		m.st = stCommand
		m.cnt.rejected++
		m.fail(rTooBig)
		m.resetTransaction()
		return 0
	}
	m.msgSeq++
	msg := &Message{
		QueueID:      m.queueID(),
		Proto:        m.proto(),
		Helo:         string(m.helo),
		MailFrom:     string(m.from),
		Rcpts:        make([]string, 0, m.nrcpt),
		Body:         m.body,
		SMTPUTF8:     m.utf8,
		DeclaredSize: int(m.declSize),
		Data:         m.data,
		BareLF:       int(m.bareLF),
		Received:     now,
	}
	for r := m.rcpts; len(r) > 0; {
		n := bytes.IndexByte(r, 0)
		msg.Rcpts = append(msg.Rcpts, string(r[:n]))
		r = r[n+1:]
	}
	m.data = nil
	m.deliver = msg
	m.st = stCommit
	return 0
}
