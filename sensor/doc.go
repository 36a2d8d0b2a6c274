// Package sensor is the network side of a spampots sensor: the gnet adapter
// that serves every listener from one event-loop engine and runs one pure
// protocol machine (sensor/smtp, …) per connection.
//
// It owns: accepting connections (IPv4 and IPv6), feeding each machine what
// its client sent and applying the actions it returns, handing complete
// messages to the spool and sending the 250 only once the spool reports them
// durable, one event per connection for the statistics, timeouts through a
// timer wheel driven by OnTick, and the graceful shutdown.
//
// Invariants:
//   - This is the only package that imports gnet. A machine lives in its
//     connection's context, never on the server.
//   - Nothing blocks an event loop: the spool is reached through a bounded
//     queue (full: the session gets 451), delays come from the wheel.
//   - Every per-session buffer is bounded: input left unconsumed while a
//     message commits and replies the client does not read are both capped
//     by Config.MaxPending; past it the session is closed.
//   - The sensor never dials out. Containment is the first law: the SMTP
//     machine accepts relaying and delivers nothing.
package sensor
