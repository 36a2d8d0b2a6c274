// Package dnsq asks one configured resolver, in the background, what the
// sensor wants to know from the DNS: the reverse DNS of an address
// (forward-confirmed), its verdict in DNS block lists (RFC 5782; Spamhaus
// ZEN's return codes decoded), and where a destination name leads (A/AAAA,
// or MX then A/AAAA for port 25).
//
// It is made for an event-loop caller that must never wait: Start and
// Resolve return at once with a Pending or Resolution whose Ready and Result
// never block; a done callback, called from a resolver goroutine, tells the
// caller (a gnet connection's Wake) that the answers are in.
//
// Invariants:
//   - The configured resolver is the only peer; every query goes to it, on
//     a fresh UDP socket (TCP when the answer is truncated). A response
//     must repeat the question to count.
//   - At most MaxInFlight lookups run at once, one goroutine each; a
//     lookup past the bound is not queued but answered Unknown at once.
//     Identical lookups under way are joined, not repeated.
//   - Every query attempt ends within Timeout; a lookup makes at most
//     Attempts attempts of at most two queries (PTR then A/AAAA; MX then
//     A then AAAA: three), so every callback comes within a known bound,
//     even from a resolver that never answers.
//   - Answers are cached for their TTL clamped to [MinTTL, MaxTTL],
//     negative answers for their SOA's negative TTL (RFC 2308 §5), failures
//     for FailureTTL; the cache holds at most CacheSize answers (LRU). A
//     cache hit allocates only the Pending.
//   - Special-purpose addresses are never asked (Reserved).
//   - Names from the network (PTR targets, block list answers) are data:
//     logged only quoted and truncated, at debug level.
package dnsq
