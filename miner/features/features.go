package features

import "github.com/spampots/spampots/spool/mbox"

// Type names one of the paper's 14 features. The order is stable: it is
// the order of the paper's list (§2.2) and of Extract's output.
type Type uint8

// The features, in the paper's order.
const (
	From Type = iota
	Organization
	Received
	ContentTransferEncoding
	ContentType
	Date
	MimeVersion
	To
	Subject
	ReplyTo
	XMailer
	XMailFrom
	Layout
	Language

	// NumTypes is the number of feature types; Extract appends exactly
	// NumTypes features per message.
	NumTypes = int(Language) + 1
)

var typeNames = [NumTypes]string{
	"From", "Organization", "Received", "Content-Transfer-Encoding",
	"Content-Type", "Date", "Mime-Version", "To", "Subject", "Reply-To",
	"X-Mailer", "X-Mail-From", "Layout", "Language",
}

// String returns the feature's name as the paper writes it, e.g. "Reply-To".
func (t Type) String() string {
	if int(t) < NumTypes {
		return typeNames[t]
	}
	return "Type(" + itoa(int(t)) + ")"
}

// Closed reports whether the feature's normal form has a small closed set
// of values that all kinds of spam share: Content-Transfer-Encoding (a
// token), Mime-Version ("1.0"), Date (a format shape), To (a form) and
// Language (a code). Such a value describes a format, never one campaign;
// the miner's specificity rule does not count them (miner/fptree).
func (t Type) Closed() bool {
	switch t {
	case ContentTransferEncoding, MimeVersion, Date, To, Language:
		return true
	}
	return false
}

// Feature is one <Type, Value> pair, a node label of the FP-tree.
type Feature struct {
	Type  Type
	Value string
}

// Missing is the Value of a header feature whose header the message lacks.
const Missing = "(none)"

// Empty is the Value of a header feature whose header is present but holds
// nothing the feature reads (e.g. "Reply-To: " or "Content-Transfer-Encoding: ;").
const Empty = "(empty)"

// MaxValue bounds the bytes of one Value.
const MaxValue = 160

// Extract appends the message's 14 features to dst, in Type order, and
// returns the extended slice. msg is the message as stored (header block,
// empty line, body), env its sensor envelope or nil. Extract never fails:
// whatever the input, it appends exactly NumTypes features, each Value at
// most MaxValue bytes.
func Extract(msg []byte, env *mbox.Envelope, dst []Feature) []Feature {
	var h header
	bodyStart := h.scan(msg)

	var stack [2048]byte
	buf := stack[:0]
	var ends [NumTypes]int

	add := func(t Type, start int) {
		if len(buf) == start {
			buf = append(buf, Missing...)
		}
		buf = truncate(buf, start)
		ends[t] = len(buf)
	}
	s := len(buf)
	buf = appendAddress(buf, h.get(hFrom), addrFull)
	add(From, s)
	s = len(buf)
	buf = appendText(buf, h.get(hOrganization), false)
	add(Organization, s)
	s = len(buf)
	buf = appendReceived(buf, h.received, h.get(hReceivedLast))
	add(Received, s)
	s = len(buf)
	buf = appendToken(buf, h.get(hCTE))
	add(ContentTransferEncoding, s)
	s = len(buf)
	buf = appendContentType(buf, h.get(hContentType))
	add(ContentType, s)
	s = len(buf)
	buf = appendDate(buf, h.get(hDate))
	add(Date, s)
	s = len(buf)
	buf = appendVerbatim(buf, h.get(hMimeVersion))
	add(MimeVersion, s)
	s = len(buf)
	buf = appendAddressList(buf, h.get(hTo))
	add(To, s)
	s = len(buf)
	buf = appendText(buf, h.get(hSubject), true)
	add(Subject, s)
	s = len(buf)
	buf = appendAddress(buf, h.get(hReplyTo), addrFull)
	add(ReplyTo, s)
	s = len(buf)
	buf = appendText(buf, h.get(hXMailer), false)
	add(XMailer, s)
	s = len(buf)
	switch {
	case env != nil && env.MailFrom != "":
		buf = appendMailFrom(buf, []byte(env.MailFrom))
	case h.has(hXMailFrom):
		buf = appendMailFrom(buf, h.get(hXMailFrom))
	case h.has(hReturnPath):
		buf = appendMailFrom(buf, h.get(hReturnPath))
	}
	add(XMailFrom, s)

	var lt langText
	s = len(buf)
	buf = appendLayout(buf, h.get(hContentType), h.get(hCTE), msg[bodyStart:], &lt)
	add(Layout, s)
	s = len(buf)
	buf = append(buf, identify(lt.text(), lt.charset)...)
	add(Language, s)

	all := string(buf)
	start := 0
	for t := range NumTypes {
		dst = append(dst, Feature{Type: Type(t), Value: all[start:ends[t]]})
		start = ends[t]
	}
	return dst
}

// truncate cuts buf[start:] to MaxValue bytes, not inside a UTF-8
// sequence, and drops a trailing space.
func truncate(buf []byte, start int) []byte {
	if len(buf)-start > MaxValue {
		end := start + MaxValue
		for i := 0; i < 3 && end > start && buf[end]&0xC0 == 0x80; i++ {
			end--
		}
		buf = buf[:end]
	}
	for len(buf) > start && buf[len(buf)-1] == ' ' {
		buf = buf[:len(buf)-1]
	}
	return buf
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
