// Package testmsg tells a spammer's test message from the spam that follows
// it (the slides' spamtstd).
//
// Spammers who find an open proxy or relay first send one message to a
// mailbox of their own through it, and only use the proxies whose test
// arrived. A sensor that swallows the test loses the spammer; a sensor that
// delivers spam joins the problem. So each captured message is classified,
// and only messages classified as tests may leave (sensor/relay), and only
// when the partner asked for it.
//
// The classifier is pure (no clock, no I/O): the caller passes the message,
// its envelope and the time. It keeps a bounded per-source memory (how many
// messages each source sent lately) and nothing else.
//
// # Rules
//
// A message is a test when it is small (Config.MaxSize, default 16 KiB),
// has few recipients (Config.MaxRcpts, default 2) and at least one of:
//
//   - sensor-ip: the Subject or body names one of the sensor's addresses
//     (the one the client reached, or a configured public one) in any
//     form checkers use: dotted quad, with or without ":port", zero-padded
//     quads, a 32-bit decimal integer, 0x-prefixed or bare hexadecimal
//     (8 digits), or an IPv6 address. Checkers put the proxy's address in
//     the test so the mailbox tells them which proxy delivered.
//   - sensor-name: the Subject or body names the sensor's host name (the
//     SMTP persona or a configured name).
//   - checker: the Subject matches a known checker pattern (a word
//     "test", "check", "proxy", "relay" or "socks" next to "ok", "works",
//     "good", "alive", "test", a number, an address or the word itself).
//   - first-small: it is the first message this source sent within
//     Config.Memory (default 24 h), it has exactly one recipient, and its
//     body is under Config.FirstSize (default 2 KiB) with no more than one
//     link: the shape of a hand-rolled "did it arrive" probe.
//
// The reasons found are returned in this order, joined with ',', for the
// event stream. A message that is not small or has many recipients is
// never a test, whatever it contains: that is spam, and spam never leaves.
package testmsg
