package smtp

import "strconv"

// reply is one SMTP reply: code, enhanced status code (RFC 3463) and text.
// The texts are Postfix's, so that the sensor answers like the server its
// banner claims to be.
type reply struct {
	code int
	enh  string
	text string
}

// Replies used in more than one place. RFC 5321 4.2.2 for the basic codes.
var (
	rOK            = reply{250, "2.0.0", "Ok"}
	rMailOK        = reply{250, "2.1.0", "Ok"}
	rRcptOK        = reply{250, "2.1.5", "Ok"}
	rData          = reply{354, "", "End data with <CR><LF>.<CR><LF>"}
	rBye           = reply{221, "2.0.0", "Bye"}
	rAuthOK        = reply{235, "2.7.0", "Authentication successful"}
	rUnrecognized  = reply{502, "5.5.2", "Error: command not recognized"}
	rNotImpl       = reply{502, "5.5.1", "Error: command not implemented"}
	rLineTooLong   = reply{500, "5.5.2", "Error: line too long"}
	rNestedMail    = reply{503, "5.5.1", "Error: nested MAIL command"}
	rNeedMail      = reply{503, "5.5.1", "Error: need MAIL command"}
	rNeedRcpt      = reply{503, "5.5.1", "Error: need RCPT command"}
	rNoRcpts       = reply{554, "5.5.1", "Error: no valid recipients"}
	rTooManyRcpts  = reply{452, "4.5.3", "Error: too many recipients"}
	rBadSender     = reply{501, "5.1.7", "Bad sender address syntax"}
	rBadRcpt       = reply{501, "5.1.3", "Bad recipient address syntax"}
	rMailSyntax    = reply{501, "5.5.4", "Syntax: MAIL FROM:<address>"}
	rRcptSyntax    = reply{501, "5.5.4", "Syntax: RCPT TO:<address>"}
	rDataSyntax    = reply{501, "5.5.4", "Syntax: DATA"}
	rHeloSyntax    = reply{501, "", "Syntax: HELO hostname"}
	rEhloSyntax    = reply{501, "", "Syntax: EHLO hostname"}
	rVrfySyntax    = reply{501, "5.5.4", "Syntax: VRFY address"}
	rBadBody       = reply{501, "5.5.4", "Error: Bad BODY parameter"}
	rBadSize       = reply{501, "5.5.4", "Error: Bad SIZE parameter"}
	rSizeExceeded  = reply{552, "5.3.4", "Message size exceeds fixed limit"}
	rTooBig        = reply{552, "5.3.4", "Error: message file too big"}
	rQueueError    = reply{451, "4.3.0", "Error: queue file write error"}
	rNoSpace       = reply{452, "4.3.1", "Insufficient system storage"}
	rAuthSyntax    = reply{501, "5.5.4", "Syntax: AUTH mechanism"}
	rAuthMech      = reply{504, "5.5.4", "Unrecognized authentication type"}
	rAuthDecode    = reply{501, "5.5.2", "Cannot decode response"}
	rAuthForm      = reply{501, "5.5.2", "Invalid authentication exchange"}
	rAuthAborted   = reply{501, "5.7.0", "Authentication aborted"}
	rAuthAgain     = reply{503, "5.5.1", "Error: already authenticated"}
	rAuthInTrans   = reply{503, "5.5.1", "Error: MAIL transaction in progress"}
	rAuthNeedEhlo  = reply{503, "5.5.1", "Error: send EHLO first"}
	rETRN          = reply{458, "4.7.1", "Unable to queue messages"}
	rETRNSyntax    = reply{500, "5.5.4", "Syntax: ETRN domain"}
	rForbidden     = reply{221, "2.7.0", "Error: I can break rules, too. Goodbye."}
	rHelp          = reply{214, "2.0.0", "Commands: HELO EHLO MAIL RCPT DATA RSET NOOP VRFY ETRN AUTH HELP QUIT"}
	rLogin334User  = reply{334, "", "VXNlcm5hbWU6"} // base64("Username:")
	rLogin334Pass  = reply{334, "", "UGFzc3dvcmQ6"} // base64("Password:")
	rEmpty334      = reply{334, "", ""}
	rUnsupportedPa = reply{555, "5.5.4", "Unsupported option: "}
)

// appendReply appends one reply line. A reply with an empty enhanced code
// (banner, 354, 334, HELO syntax) is written without one, as Postfix does.
func appendReply(b []byte, r reply, sep byte, extra ...string) []byte {
	b = strconv.AppendInt(b, int64(r.code), 10)
	b = append(b, sep)
	if r.enh != "" {
		b = append(b, r.enh...)
		b = append(b, ' ')
	}
	b = append(b, r.text...)
	for _, s := range extra {
		b = append(b, s...)
	}
	return append(b, '\r', '\n')
}
