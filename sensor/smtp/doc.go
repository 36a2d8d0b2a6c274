// Package smtp is the sensor's SMTP server side as a pure protocol machine:
// bytes in, actions out. It holds no connection, clock, logger or goroutine;
// the caller feeds it what the client sent and the current time, and applies
// the actions it returns (write these bytes, close, deliver this message,
// record this credential).
//
// The machine plays an open relay that a spammer takes for a real Postfix
// server: every recipient domain is accepted, every well-formed AUTH succeeds
// (the session becomes ESMTPA), malformed input gets the reply a real server
// gives. It never delivers anything: a complete message is handed out as a
// Deliver action, and the machine waits, consuming no further input, until the
// caller reports with Committed whether the message is durable. Only then does
// the client get its 250 (or a 451/452 tempfail).
//
// Invariants:
//   - Feed never consumes more than it is given, never panics, and every
//     buffer it keeps is bounded by Config (line length, message size,
//     recipients, commands, errors, idle and total session time).
//   - Replies to pipelined commands (RFC 2920) are gathered into one Write
//     action per Feed call.
//   - In steady state a command line allocates nothing: replies, the
//     envelope and the action list reuse buffers owned by the machine. Byte
//     slices in actions are valid only until the next call into the machine.
package smtp
