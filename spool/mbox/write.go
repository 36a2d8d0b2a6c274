package mbox

import (
	"bytes"
	"strconv"
	"time"
)

// MaxHeaderValue is the most bytes of a header value written, the line
// length limit of RFC 5322 §2.1.1; longer values are cut.
const MaxHeaderValue = 998

const (
	// timeLayout is X-Sensor-Time: RFC 3339 with microseconds, in UTC.
	timeLayout = "2006-01-02T15:04:05.000000Z"
	// fromTimeLayout is the asctime(3) date of the From_ line.
	fromTimeLayout = time.ANSIC
	// mailerDaemon is the From_ line sender for the null reverse-path <>.
	mailerDaemon = "MAILER-DAEMON"
)

// Header names, in the order they are written.
const (
	hSensorID      = "X-Sensor-Id"
	hSensorTime    = "X-Sensor-Time"
	hSessionID     = "X-Session-Id"
	hSensorDstport = "X-Sensor-Dstport"
	hSrcProto      = "X-Src-Proto"
	hSrcIP         = "X-Src-IP"
	hSrcPort       = "X-Src-Port"
	hSrcHostname   = "X-Src-Hostname"
	hSrcASN        = "X-Src-ASN"
	hSrcOS         = "X-Src-OS"
	hSrcRIR        = "X-Src-RIR"
	hSrcCC         = "X-Src-CC"
	hSrcDnsbl      = "X-Src-Dnsbl"
	hDstIP         = "X-Dst-IP"
	hDstHostname   = "X-Dst-Hostname"
	hDstASN        = "X-Dst-ASN"
	hDstDstport    = "X-Dst-Dstport"
	hDstRIR        = "X-Dst-RIR"
	hDstCC         = "X-Dst-CC"
	hSMTPProto     = "X-SMTP-Proto"
	hEhlo          = "X-Ehlo"
	hMailFrom      = "X-Mail-From"
	hRcptTo        = "X-Rcpt-To"
)

// AppendEntry appends the mboxrd entry for one message to dst and returns
// the extended buffer: the From_ line, the sensor headers of e, msg with
// mboxrd quoting, a "\n" if msg does not end in one (an empty msg gets none),
// and the blank separator line. It allocates only to grow dst.
func AppendEntry(dst []byte, e *Envelope, msg []byte) []byte {
	// From_ line. The sender is a single token: control bytes and spaces
	// become '?', so the date after it stays parseable.
	dst = append(dst, "From "...)
	if e.MailFrom == "" || e.MailFrom == NullSender {
		dst = append(dst, mailerDaemon...)
	} else {
		dst = appendSanitized(dst, e.MailFrom, true)
	}
	dst = append(dst, ' ')
	dst = e.SensorTime.UTC().AppendFormat(dst, fromTimeLayout)
	dst = append(dst, '\n')

	dst = appendHeader(dst, hSensorID, e.SensorID)
	dst = append(dst, hSensorTime...)
	dst = append(dst, ": "...)
	if e.SensorTime.IsZero() {
		dst = append(dst, Unknown...)
	} else {
		dst = e.SensorTime.UTC().AppendFormat(dst, timeLayout)
	}
	dst = append(dst, '\n')
	dst = appendHeader(dst, hSessionID, e.SessionID)
	dst = appendPort(dst, hSensorDstport, e.SensorDstport)
	dst = appendHeader(dst, hSrcProto, e.SrcProto)
	dst = appendHeader(dst, hSrcIP, e.SrcIP)
	dst = appendPort(dst, hSrcPort, e.SrcPort)
	dst = appendHeader(dst, hSrcHostname, e.SrcHostname)
	dst = appendHeader(dst, hSrcASN, e.SrcASN)
	dst = appendHeader(dst, hSrcOS, e.SrcOS)
	dst = appendHeader(dst, hSrcRIR, e.SrcRIR)
	dst = appendHeader(dst, hSrcCC, e.SrcCC)
	dst = appendHeader(dst, hSrcDnsbl, e.SrcDnsbl)
	dst = appendHeader(dst, hDstIP, e.DstIP)
	dst = appendHeader(dst, hDstHostname, e.DstHostname)
	dst = appendHeader(dst, hDstASN, e.DstASN)
	dst = appendPort(dst, hDstDstport, e.DstDstport)
	dst = appendHeader(dst, hDstRIR, e.DstRIR)
	dst = appendHeader(dst, hDstCC, e.DstCC)
	dst = appendHeader(dst, hSMTPProto, e.SMTPProto)
	dst = appendHeader(dst, hEhlo, e.Ehlo)
	dst = appendHeader(dst, hMailFrom, e.MailFrom)
	if len(e.RcptTo) == 0 {
		dst = appendHeader(dst, hRcptTo, "")
	}
	for _, rcpt := range e.RcptTo {
		dst = appendHeader(dst, hRcptTo, rcpt)
	}

	dst = appendQuoted(dst, msg)
	if len(msg) > 0 && msg[len(msg)-1] != '\n' {
		dst = append(dst, '\n')
	}
	return append(dst, '\n')
}

// appendHeader appends "name: value\n", value sanitised, or Unknown if empty.
func appendHeader(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	if value == "" {
		dst = append(dst, Unknown...)
	} else {
		dst = appendSanitized(dst, value, false)
	}
	return append(dst, '\n')
}

// appendPort appends "name: port\n", or Unknown for port 0.
func appendPort(dst []byte, name string, port int) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	if port == 0 {
		dst = append(dst, Unknown...)
	} else {
		dst = strconv.AppendInt(dst, int64(port), 10)
	}
	return append(dst, '\n')
}

// appendSanitized appends at most MaxHeaderValue bytes of s with every
// control byte except TAB replaced by '?' (and TAB and space too if token),
// so that an attacker-controlled value can never end its line.
func appendSanitized(dst []byte, s string, token bool) []byte {
	if len(s) > MaxHeaderValue {
		s = s[:MaxHeaderValue]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isControl(c) || token && (c == ' ' || c == '\t') {
			c = '?'
		}
		dst = append(dst, c)
	}
	return dst
}

// isControl reports whether c is an ASCII control byte other than TAB.
func isControl(c byte) bool {
	return c < 0x20 && c != '\t' || c == 0x7f
}

// appendQuoted appends msg with mboxrd quoting: a '>' before every line that
// matches ^>*From . Line endings are not touched.
func appendQuoted(dst, msg []byte) []byte {
	for len(msg) > 0 {
		n := bytes.IndexByte(msg, '\n') + 1
		if n == 0 {
			n = len(msg)
		}
		line := msg[:n]
		if isFromQuoted(line) {
			dst = append(dst, '>')
		}
		dst = append(dst, line...)
		msg = msg[n:]
	}
	return dst
}

// isFromQuoted reports whether line matches ^>*From (mboxrd).
func isFromQuoted(line []byte) bool {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	return hasFrom(line[i:])
}

// hasFrom reports whether b begins with "From ".
func hasFrom(b []byte) bool {
	return len(b) >= 5 && b[0] == 'F' && b[1] == 'r' && b[2] == 'o' && b[3] == 'm' && b[4] == ' '
}
