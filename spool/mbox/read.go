package mbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// DefaultMaxEntry is the Reader's bound on one entry when MaxEntry is 0.
const DefaultMaxEntry = 64 << 20

// ErrTooLarge is wrapped by the error Reader.Next returns for an entry
// larger than Reader.MaxEntry. The entry has been skipped; the next call to
// Next reads the entry after it.
var ErrTooLarge = errors.New("mbox: entry too large")

// Entry is one message read back from an mbox.
type Entry struct {
	// FromLine is the From_ line, without its line ending "\n".
	FromLine string
	// Envelope is parsed back from the sensor headers. It is the zero
	// Envelope for a plain mbox entry without them. Unknown reads back as
	// "", 0 or the zero time.
	Envelope Envelope
	// Message is the message as given to AppendEntry: mboxrd quoting
	// removed, the separator line removed, line endings untouched.
	Message []byte
}

// Reader reads the entries of an mboxrd stream one at a time, in bounded
// memory. An entry begins at a line that starts with "From " and either
// begins the input or follows an empty line. Anything before the first
// such line is skipped.
type Reader struct {
	// MaxEntry bounds the bytes of one entry, From_ line included, that
	// are held in memory; 0 means DefaultMaxEntry. Set it before the first
	// call to Next.
	MaxEntry int

	br      *bufio.Reader
	buf     []byte // the raw entry being read, reused across entries
	from    []byte // the next entry's From_ line, read ahead
	fromEnd bool   // from holds the whole line, "\n" included
	pending bool   // from is the start of an entry not yet returned
	started bool   // some input has been read
	err     error  // sticky: io.EOF or a read error
}

// NewReader returns a Reader of the mbox in r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64<<10)}
}

// Next returns the next entry, or io.EOF after the last one. An error
// wrapping ErrTooLarge means an entry was skipped; Next may be called
// again. Any other error is sticky.
func (r *Reader) Next() (*Entry, error) {
	limit := r.MaxEntry
	if limit <= 0 {
		limit = DefaultMaxEntry
	}
	if !r.pending {
		if r.err != nil {
			return nil, r.err
		}
		// Only at the start of the input: skip to the first From_ line.
		r.buf = r.buf[:0]
		if _, err := r.scan(false, 0, 0); err != nil {
			r.err = err
			return nil, err
		}
		if !r.pending {
			r.err = io.EOF
			return nil, io.EOF
		}
	}
	r.pending = false

	// The rest of the From_ line, if it did not fit one buffer.
	size := len(r.from)
	for !r.fromEnd && r.err == nil {
		frag, err := r.br.ReadSlice('\n')
		size += len(frag)
		if size <= limit {
			r.from = append(r.from, frag...)
		}
		r.fromEnd = len(frag) > 0 && frag[len(frag)-1] == '\n'
		if err != nil && err != bufio.ErrBufferFull {
			r.err = err
		}
	}
	if r.err != nil && r.err != io.EOF {
		return nil, fmt.Errorf("mbox: reading: %w", r.err)
	}
	fromLine := string(bytes.TrimSuffix(r.from, []byte("\n")))

	r.buf = r.buf[:0]
	if r.err == nil {
		var err error
		size, err = r.scan(size <= limit, size, limit)
		if err != nil {
			r.err = err
			if err != io.EOF {
				return nil, fmt.Errorf("mbox: reading: %w", err)
			}
		}
	}
	if size > limit {
		return nil, fmt.Errorf("mbox: entry of more than %d bytes: %w", limit, ErrTooLarge)
	}

	e := &Entry{FromLine: fromLine}
	body := r.buf
	env, n, ok := parseEnvelope(body)
	if ok {
		e.Envelope = env
		body = body[n:]
	}
	// The separator: a last line that is empty.
	if len(body) == 1 && body[0] == '\n' || bytes.HasSuffix(body, []byte("\n\n")) {
		body = body[:len(body)-1]
	}
	e.Message = bytes.Clone(unquote(body))
	return e, nil
}

// scan reads lines until the start of the next entry, which it leaves in
// r.from with r.pending set, or until the end of the input. If store, it
// appends what it reads to r.buf while the total stays within limit. It
// returns size plus the bytes read.
func (r *Reader) scan(store bool, size, limit int) (int, error) {
	lineStart, prevEmpty := true, false
	for {
		frag, err := r.br.ReadSlice('\n')
		if len(frag) > 0 {
			if lineStart && (prevEmpty || !r.started) && hasFrom(frag) {
				r.from = append(r.from[:0], frag...)
				r.fromEnd = frag[len(frag)-1] == '\n'
				r.pending, r.started = true, true
				return size, nil
			}
			r.started = true
			size += len(frag)
			if store && size <= limit {
				r.buf = append(r.buf, frag...)
			}
			end := frag[len(frag)-1] == '\n'
			prevEmpty = lineStart && end && len(frag) == 1
			lineStart = end
		}
		if err != nil && err != bufio.ErrBufferFull {
			return size, err
		}
	}
}

// unquote removes one '>' from every line of b that matches ^>+From
// (mboxrd), in place, and returns the shortened b.
func unquote(b []byte) []byte {
	w := 0
	for r := 0; r < len(b); {
		n := bytes.IndexByte(b[r:], '\n') + 1
		if n == 0 {
			n = len(b) - r
		}
		line := b[r : r+n]
		if line[0] == '>' && isFromQuoted(line) {
			line = line[1:]
		}
		w += copy(b[w:], line)
		r += n
	}
	return b[:w]
}

// headerParser reads the sensor header block, one expected header at a time.
type headerParser struct {
	b   []byte
	off int
	ok  bool
}

// value returns the value of the header line at p.off if it is name, and
// moves past it. A line is only a sensor header if it has exactly the form
// AppendEntry writes: "name: value\n", value without control bytes other
// than TAB and at most MaxHeaderValue bytes.
func (p *headerParser) value(name string) (string, bool) {
	if !p.ok {
		return "", false
	}
	rest := p.b[p.off:]
	n := bytes.IndexByte(rest, '\n')
	if n < 0 {
		return "", false
	}
	line := rest[:n]
	if len(line) < len(name)+2 || string(line[:len(name)]) != name || line[len(name)] != ':' || line[len(name)+1] != ' ' {
		return "", false
	}
	v := line[len(name)+2:]
	if len(v) > MaxHeaderValue {
		return "", false
	}
	for _, c := range v {
		if isControl(c) {
			return "", false
		}
	}
	p.off += n + 1
	if string(v) == Unknown {
		return "", true
	}
	return string(v), true
}

// str reads the header name; a mismatch ends the block as not sensor headers.
func (p *headerParser) str(name string) string {
	v, ok := p.value(name)
	p.ok = p.ok && ok
	return v
}

// port reads the header name as a port; Unknown or unparseable is 0.
func (p *headerParser) port(name string) int {
	n, _ := strconv.Atoi(p.str(name))
	return n
}

// time reads the header name as an RFC 3339 time in UTC; Unknown or
// unparseable is the zero time.
func (p *headerParser) time(name string) time.Time {
	v := p.str(name)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// parseEnvelope parses the sensor header block at the start of b. It
// returns the envelope and the length of the block, or ok false if b does
// not start with the complete block in the order AppendEntry writes it.
func parseEnvelope(b []byte) (e Envelope, n int, ok bool) {
	p := headerParser{b: b, ok: true}
	e.SensorID = p.str(hSensorID)
	e.SensorTime = p.time(hSensorTime)
	e.SessionID = p.str(hSessionID)
	e.SensorDstport = p.port(hSensorDstport)
	e.SrcProto = p.str(hSrcProto)
	e.SrcIP = p.str(hSrcIP)
	e.SrcPort = p.port(hSrcPort)
	e.SrcHostname = p.str(hSrcHostname)
	e.SrcASN = p.str(hSrcASN)
	e.SrcOS = p.str(hSrcOS)
	e.SrcRIR = p.str(hSrcRIR)
	e.SrcCC = p.str(hSrcCC)
	e.SrcDnsbl = p.str(hSrcDnsbl)
	e.DstIP = p.str(hDstIP)
	e.DstHostname = p.str(hDstHostname)
	e.DstASN = p.str(hDstASN)
	e.DstDstport = p.port(hDstDstport)
	e.DstRIR = p.str(hDstRIR)
	e.DstCC = p.str(hDstCC)
	e.SMTPProto = p.str(hSMTPProto)
	e.Ehlo = p.str(hEhlo)
	e.MailFrom = p.str(hMailFrom)
	first := p.str(hRcptTo)
	if !p.ok {
		return Envelope{}, 0, false
	}
	e.RcptTo = []string{first}
	for {
		v, ok := p.value(hRcptTo)
		if !ok {
			break
		}
		e.RcptTo = append(e.RcptTo, v)
	}
	if len(e.RcptTo) == 1 && first == "" {
		e.RcptTo = nil // the single "X-Rcpt-To: unknown" of no recipients
	}
	return e, p.off, true
}
