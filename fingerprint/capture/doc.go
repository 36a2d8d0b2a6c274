// Package capture is the contract between the sensor and whatever records
// the TCP SYNs of the connections it accepts: the XDP program in bpf/synfp
// or, where XDP cannot attach, the AF_PACKET socket in capture/afpacket.
//
// It owns, all pure Go with the standard library only:
//
//   - Capture, the interface the sensor holds: Lookup the SYN that opened an
//     accepted connection, per-port Counters, Close;
//   - Config, shared by both implementations, with its defaults and checks;
//   - Key, the connection key (source and destination address and port),
//     laid out as the XDP map key;
//   - Table, the bounded record store of the AF_PACKET path: at most N
//     records, the oldest overwritten first, records older than MaxAge
//     ignored;
//   - TCPDstPort, the rule both paths use to count a frame against a port.
//
// # Invariants
//
//   - A record is looked up by the connection as the accepting socket sees
//     it: Src is the remote client, Dst the local address. IPv4 addresses
//     are keyed IPv4-mapped, so 192.0.2.1 and ::ffff:192.0.2.1 are the same.
//   - Lookup never returns a record older than Config.MaxAge, so a reused
//     4-tuple whose SYN was missed does not inherit an old fingerprint.
//   - Table.Get and Table.Put allocate nothing in the steady state and are
//     safe for concurrent use (one writer and many readers is the use).
//   - Counters key 0 (OtherPorts) counts TCP segments to ports not watched.
package capture
