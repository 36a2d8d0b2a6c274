package mbox

import "time"

// Unknown is written for every sensor header whose value is not known, so
// that the miner's columns are stable (ARCHITECTURE.md, "The captured message").
const Unknown = "unknown"

// NullSender is X-Mail-From's value for the null reverse-path "MAIL
// FROM:<>" (bounces, and spammers' probes), which is known, not unknown.
const NullSender = "<>"

// Envelope is what the sensor knows about one captured message. It is written
// as the X- headers that follow the From_ line of the mbox entry, one per line,
// in the order of the fields below. Empty strings and zero ports are written as
// "unknown".
type Envelope struct {
	SensorID      string    // X-Sensor-Id: BR-01
	SensorTime    time.Time // X-Sensor-Time: RFC 3339, microseconds, UTC
	SessionID     string    // X-Session-Id
	SensorDstport int       // X-Sensor-Dstport: the sensor port the client connected to

	SrcProto    string // X-Src-Proto: SMTP, HTTP, S4, S4a, S5
	SrcIP       string // X-Src-IP
	SrcPort     int    // X-Src-Port
	SrcHostname string // X-Src-Hostname
	SrcASN      string // X-Src-ASN
	SrcOS       string // X-Src-OS
	SrcRIR      string // X-Src-RIR
	SrcCC       string // X-Src-CC
	SrcDnsbl    string // X-Src-Dnsbl

	DstIP       string // X-Dst-IP: the mail server the spammer meant to reach
	DstHostname string // X-Dst-Hostname
	DstASN      string // X-Dst-ASN
	DstDstport  int    // X-Dst-Dstport
	DstRIR      string // X-Dst-RIR
	DstCC       string // X-Dst-CC

	SMTPProto string   // X-SMTP-Proto: SMTP, ESMTP, ESMTPA
	Ehlo      string   // X-Ehlo: the HELO/EHLO argument
	MailFrom  string   // X-Mail-From: reverse-path without angle brackets; NullSender for <>
	RcptTo    []string // X-Rcpt-To: one header per recipient, in order
}
