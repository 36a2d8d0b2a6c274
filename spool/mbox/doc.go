// Package mbox owns the on-disk form of one captured message: an mboxrd entry
// made of a From_ line, the sensor's X- headers and the message exactly as
// received. It is a pure package: bytes in, bytes out, no I/O of its own
// beyond the io.Reader given to NewReader.
//
// An entry written by AppendEntry is
//
//	From <envelope sender or MAILER-DAEMON> <asctime, UTC>\n
//	X-Sensor-Id: BR-01\n
//	... the other sensor headers, in the order of the Envelope fields ...
//	X-Rcpt-To: a@example.org\n     (one per recipient, at least one)
//	<message, mboxrd-quoted, line endings untouched>\n
//	\n                              (the separator)
//
// Invariants:
//
//   - The message bytes are written exactly as received: CRLF stays CRLF,
//     nothing is re-encoded. The only change is mboxrd quoting: a line that
//     begins with zero or more '>' and then "From " gets one more '>'. Hence
//     no line of a message can ever be taken for a From_ line, and Reader
//     gives back the exact bytes (for a message that ends in "\n"; others
//     get a "\n" appended).
//   - Header values are attacker-controlled. Control bytes other than TAB
//     (CR and LF included) become '?', and each value is capped at
//     MaxHeaderValue bytes, so a value can never start another header or end
//     the header block. Empty values and zero ports are written as Unknown.
//   - Every header is always written, in a fixed order, so the miner's
//     columns are stable. Reader only takes the header block when it is the
//     complete sequence in that order; anything else is message.
//   - AppendEntry allocates nothing beyond growing dst.
//
// Limitation inherent to the format: a message that uses bare LF line
// endings and whose first lines are themselves "X-Rcpt-To: ..." headers
// cannot be told apart from extra recipients; Reader takes them as
// recipients. A message with CRLF line endings (the SMTP norm) is never
// ambiguous, because sensor headers never contain CR.
package mbox
