// Package special knows the special-purpose addresses and AS numbers: the
// ranges that IANA's special-purpose registries set aside (RFC 6890 and its
// updates) and that are never delegated to a network operator.
//
// Enrichment makes no lookup at all for them, neither in the IP databases
// nor in the DNS: their ASN, country, RIR, host name and block-list values
// are all "reserved". A sensor sees them from its own LAN, a test, or a
// spoofed SOCKS target; asking the public DNS about 10.1.2.3 would only leak
// that the sensor saw it.
//
// Invariants: every function is pure, allocates nothing and never fails.
// The tables are the IANA registries as of 2025-10 (cited per entry); ranges
// that the registries mark globally reachable (AS112, AMT, the anycast
// 192.0.0.9/32 and 192.0.0.10/32) are not reserved, with one exception:
// 2001::/32 (Teredo) and 64:ff9b::/96 (NAT64) embed an IPv4 address and are
// reserved because looking up the IPv6 form says nothing about the host.
package special
