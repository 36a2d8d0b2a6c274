// Package socks is the sensor's SOCKS 4, 4A and 5 server side as a pure
// protocol machine: bytes in, actions out (sensor/proxy's Action). It holds
// no connection, clock, logger or goroutine, and never dials anything: a
// granted CONNECT is a Connect action, and the caller hands the connection
// to the emulated destination it picks by port.
//
// It owns the handshake, from the first byte to the reply of the request:
//   - Version from the first byte (Sniff): 4 or 5; anything else is closed
//     without a reply.
//   - SOCKS5 (RFC 1928): method selection (§3), preferring no
//     authentication, else username/password (RFC 1929), which accepts any
//     credential; with neither offered, X'FF' and close. CONNECT to an IPv4
//     address, an IPv6 address or a domain name (§5) is granted (§6: REP
//     X'00'); BIND and UDP ASSOCIATE get X'07', an unknown ATYP X'08', a
//     wrong VER or a non-zero RSV X'01'; after a failure the server closes
//     (§6).
//   - SOCKS4 ("SOCKS: A protocol for TCP proxy across firewalls", Ying-Da
//     Lee, https://www.openssh.com/txt/socks4.protocol) and SOCKS4A ("SOCKS
//     4A: A Simple Extension to SOCKS 4 Protocol", Ying-Da Lee,
//     https://www.openssh.com/txt/socks4a.protocol; DSTIP 0.0.0.x, x not
//     zero, then a NUL-terminated name): CONNECT gets CD 90, BIND and
//     anything else 91 and close. A non-empty USERID is recorded.
//   - Domain names: 1 to Config.MaxDomain octets without control bytes; an
//     invalid one is answered as a real proxy whose resolver failed would
//     (SOCKS5 X'04' host unreachable, SOCKS4A 91). Control bytes (NUL, CR,
//     LF...) thus never reach a Connect action's Target, which ends up in
//     message headers; Summary keeps a refused name as sent.
//   - The reply to a granted CONNECT names as BND.ADDR the sensor's own
//     address as the client saw it (New's local, unmapped from IPv4-mapped
//     IPv6), and as BND.PORT a port of Linux's ephemeral range hashed from
//     the endpoints and the session start (RFC 6056 §3.3.3): what a real
//     proxy on a host with one address reports (RFC 1928 §6 allows another
//     address, for multi-homed servers).
//   - One handshake timeout (Config.HandshakeTimeout) from the connection's
//     start; it closes without a reply.
//
// Invariants:
//   - Feed never consumes more than it is given, never panics, and consumes
//     a unit of the handshake only once it is whole; it never consumes a
//     byte past the request that led to Connect, and after Connect or Close
//     it consumes nothing and returns no action. Whatever the client
//     pipelined after the request belongs to the tunnel.
//   - Everything is bounded: a handshake unit is at most 8+MaxUserID+1+
//     MaxDomain+1 bytes (SOCKS4A) or 3+255+255 (SOCKS5, RFC 1929 §2), so a
//     caller never holds more than that unconsumed; the machine stores a fixed-size
//     record of what the client did (Summary).
//   - A call allocates only the strings it hands out (a domain name, a
//     credential): replies and the action list live in the machine, and
//     byte slices in actions are valid only until the next call into it.
package socks
