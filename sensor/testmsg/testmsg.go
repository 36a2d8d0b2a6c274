package testmsg

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"mime"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config tunes the classifier. Zero fields take the defaults in the package
// documentation.
type Config struct {
	// Addrs are the sensor's public addresses (behind NAT the address a
	// client reached is not the one checkers know). The address of each
	// connection is added per message.
	Addrs []netip.Addr
	// Names are host names the sensor answers as (its SMTP persona).
	Names []string
	// MaxSize bounds a test message's size in bytes.
	MaxSize int
	// MaxRcpts bounds a test message's recipients.
	MaxRcpts int
	// FirstSize bounds the body of a first-small test.
	FirstSize int
	// Memory is how long a source is remembered for first-small.
	Memory time.Duration
	// MaxSources bounds the sources remembered; the oldest are forgotten.
	MaxSources int
}

func (c *Config) withDefaults() {
	if c.MaxSize == 0 {
		c.MaxSize = 16 << 10
	}
	if c.MaxRcpts == 0 {
		c.MaxRcpts = 2
	}
	if c.FirstSize == 0 {
		c.FirstSize = 2 << 10
	}
	if c.Memory == 0 {
		c.Memory = 24 * time.Hour
	}
	if c.MaxSources == 0 {
		c.MaxSources = 1 << 16
	}
}

// Message is what the classifier looks at.
type Message struct {
	Src   netip.Addr // the client that sent it
	Local netip.Addr // the sensor address the client reached
	Port  uint16     // the sensor port the client reached
	Rcpts int
	Data  []byte // the message as received: header, blank line, body
}

// Reasons a message is a test, in the order they are reported.
const (
	ReasonSensorIP   = "sensor-ip"
	ReasonSensorName = "sensor-name"
	ReasonChecker    = "checker"
	ReasonFirstSmall = "first-small"
)

// Classifier classifies messages; it is safe for concurrent use.
type Classifier struct {
	cfg   Config
	names [][]byte // lower case

	mu      sync.Mutex
	seen    map[netip.Addr]time.Time // last message of each source
	order   []netip.Addr             // ring of sources, oldest first from head
	head    int
	needles map[netip.Addr][][]byte // address forms, per address
}

// New makes a classifier.
func New(cfg Config) *Classifier {
	cfg.withDefaults()
	c := &Classifier{cfg: cfg, seen: map[netip.Addr]time.Time{}, needles: map[netip.Addr][][]byte{}}
	for _, n := range cfg.Names {
		if n = strings.TrimSpace(strings.ToLower(n)); n != "" {
			c.names = append(c.names, []byte(n))
		}
	}
	return c
}

// Classify says whether m is a test message and why (reasons joined by
// ','), and remembers that m's source sent a message at now.
func (c *Classifier) Classify(m *Message, now time.Time) (bool, string) {
	c.mu.Lock()
	last, known := c.seen[m.Src]
	first := !known || now.Sub(last) > c.cfg.Memory
	c.remember(m.Src, now)
	c.mu.Unlock()

	if len(m.Data) > c.cfg.MaxSize || m.Rcpts > c.cfg.MaxRcpts || m.Rcpts < 1 {
		return false, ""
	}
	subject, body := split(m.Data)
	text := bytes.ToLower(append(append([]byte(subject), '\n'), body...))

	var reasons []string
	if c.namesAddr(text, m.Local) {
		reasons = append(reasons, ReasonSensorIP)
	}
	for _, n := range c.names {
		if containsWord(text, n) {
			reasons = append(reasons, ReasonSensorName)
			break
		}
	}
	if checkerRE.MatchString(subject) {
		reasons = append(reasons, ReasonChecker)
	}
	if first && m.Rcpts == 1 && len(body) < c.cfg.FirstSize && bytes.Count(text, []byte("http")) <= 1 {
		reasons = append(reasons, ReasonFirstSmall)
	}
	return len(reasons) > 0, strings.Join(reasons, ",")
}

// remember records src's message at now; c.mu is held.
func (c *Classifier) remember(src netip.Addr, now time.Time) {
	if _, ok := c.seen[src]; !ok {
		if len(c.order) < c.cfg.MaxSources {
			c.order = append(c.order, src)
		} else {
			delete(c.seen, c.order[c.head])
			c.order[c.head] = src
			c.head = (c.head + 1) % len(c.order)
		}
	}
	c.seen[src] = now
}

// namesAddr reports whether text holds one of the sensor's addresses.
func (c *Classifier) namesAddr(text []byte, local netip.Addr) bool {
	if local.IsValid() && c.hasAddr(text, local.Unmap()) {
		return true
	}
	for _, a := range c.cfg.Addrs {
		if c.hasAddr(text, a.Unmap()) {
			return true
		}
	}
	return false
}

func (c *Classifier) hasAddr(text []byte, a netip.Addr) bool {
	c.mu.Lock()
	ns, ok := c.needles[a]
	if !ok {
		ns = addrForms(a)
		if len(c.needles) >= 1024 { // the sensor's own addresses: few
			clear(c.needles)
		}
		c.needles[a] = ns
	}
	c.mu.Unlock()
	for _, n := range ns {
		if containsWord(text, n) {
			return true
		}
	}
	return false
}

// addrForms are the lower-case spellings of a checkers use.
func addrForms(a netip.Addr) [][]byte {
	if a.Is6() {
		return [][]byte{[]byte(a.StringExpanded()), []byte(a.String())}
	}
	b := a.As4()
	u := binary.BigEndian.Uint32(b[:])
	return [][]byte{
		[]byte(a.String()),
		fmt.Appendf(nil, "%03d.%03d.%03d.%03d", b[0], b[1], b[2], b[3]),
		strconv.AppendUint(nil, uint64(u), 10),
		fmt.Appendf(nil, "0x%08x", u),
		fmt.Appendf(nil, "%08x", u),
	}
}

// containsWord reports whether w occurs in text not glued to a letter,
// digit or a '.' followed by a digit (so 10.0.0.1 is not found in
// 10.0.0.12 or 110.0.0.1, and a host name not inside a longer one).
func containsWord(text, w []byte) bool {
	for i := 0; ; {
		j := bytes.Index(text[i:], w)
		if j < 0 {
			return false
		}
		s, e := i+j, i+j+len(w)
		if !glued(text, s-1, -1) && !glued(text, e, 1) {
			return true
		}
		i = s + 1
	}
}

func glued(text []byte, i, dir int) bool {
	if i < 0 || i >= len(text) {
		return false
	}
	ch := text[i]
	if isAlnum(ch) || ch == '_' || ch == '-' && dir > 0 {
		return true
	}
	if ch == '.' {
		n := i + dir
		return n >= 0 && n < len(text) && isAlnum(text[n])
	}
	return false
}

func isAlnum(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// checkerRE matches the subjects proxy and relay checkers send.
var checkerRE = regexp.MustCompile(`(?i)\b(test(ing|ed)?|check(er|ing)?|proxy|socks[45]?|relay)\b`)

var decoder = mime.WordDecoder{CharsetReader: func(_ string, r io.Reader) (io.Reader, error) {
	return r, nil // unknown charsets: keep the bytes, the words checked are ASCII
}}

// split returns the decoded Subject and the body of a message.
func split(data []byte) (subject string, body []byte) {
	hdr := data
	if i := bytes.Index(data, []byte("\n\n")); i >= 0 {
		hdr, body = data[:i+1], data[i+2:]
	}
	if i := bytes.Index(data, []byte("\r\n\r\n")); i >= 0 && i < len(hdr) {
		hdr, body = data[:i+2], data[i+4:]
	}
	lines := bytes.Split(hdr, []byte("\n"))
	for i := 0; i < len(lines); i++ {
		l := bytes.TrimRight(lines[i], "\r")
		if len(l) < 8 || !bytes.EqualFold(l[:8], []byte("subject:")) {
			continue
		}
		v := string(bytes.TrimSpace(l[8:]))
		for i+1 < len(lines) && len(lines[i+1]) > 0 && (lines[i+1][0] == ' ' || lines[i+1][0] == '\t') {
			i++
			v += " " + string(bytes.TrimSpace(bytes.TrimRight(lines[i], "\r")))
		}
		if d, err := decoder.DecodeHeader(v); err == nil {
			v = d
		}
		return v, body
	}
	return "", body
}
