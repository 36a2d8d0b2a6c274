// Package fingerprint is spampots' passive OS fingerprinting core: it turns
// the TCP SYN of a connecting spam sender into the operating-system label
// p0f 3.09b would give it (X-Src-OS).
//
// It owns three things, all pure Go with no I/O, clock or globals:
//
//   - Record, a fixed-size flat copy of the IP and TCP header fields p0f
//     reads, filled by ParseIP / ParseFrame here and, with the same layout,
//     by the XDP program in bpf/ in the kernel;
//   - DB, a parsed p0f v3 signature file (p0f.fp), with Debian's p0f 3.09b
//     file embedded as the default (Default);
//   - DB.Match, which matches a Record's SYN against the [tcp:request]
//     signatures and returns p0f's label, distance and match quality.
//
// # Following p0f exactly
//
// The aim is the same os= (or app=), dist=, params= and raw_sig= fields as
// p0f 3.09b's log line for every SYN; a differential test feeds the same
// SYNs to the installed p0f binary and compares. Each step mirrors a p0f
// function, quirks and bugs included:
//
//   - ParseIP: process.c parse_packet's header checks (which packets p0f
//     drops), IP-level quirks (df, id+, id-, ecn, 0+, flow) and the payload
//     length, honouring the IP length over link padding.
//   - Record.Features: parse_packet's TCP quirks (ecn, seq-, ack+, ack-,
//     uptr+, urgf+, pushf+) and its option walk (eol+N, nop, mss, ws, sok,
//     sack, ts, ?N; ts1-, ts2+, opt+, exws, bad; at most 24 options). The
//     ack+ quirk reproduces p0f's "RD32(ack) & !RST" test as it behaves on
//     little-endian hosts, and opt+ its EOL padding scan.
//   - Record.Signature: fp_tcp.c dump_sig (raw_sig), with guess_dist for
//     the distance and detect_win_multi for the mss*N / mtu*N window forms.
//   - ParseDB: readfp.c read_config / config_parse_line / config_parse_label /
//     config_parse_sys / config_parse_classes and fp_tcp.c tcp_register_sig,
//     including its duplicate-signature rejection and its parsing slips
//     (a "ttl-" TTL swallows the next character).
//   - DB.Match: fp_tcp.c tcp_find_match (exact, then generic, then fuzzy;
//     the TTL window MAX_DIST = 35; no fuzzy userland-tool matches) and
//     fingerprint_tcp's output (app= for userland tools and p0f-sendsyn
//     probes, "dist=<= N" for random-TTL signatures); Match.Params is
//     dump_flags.
//
// Only SYNs are matched ([tcp:request]); [tcp:response] signatures are parsed
// and checked but SYN+ACK matching, MTU, HTTP, uptime and NAT detection are
// not implemented.
//
// # Invariants
//
//   - Record is 104 bytes with no padding; its layout is the contract with
//     bpf/ and changes only together with it.
//   - ParseIP, ParseFrame and DB.Match do not allocate and never panic on
//     any input; ParseDB never panics either.
//   - A DB is immutable after ParseDB and safe for concurrent use.
//   - A file p0f 3.09b loads, ParseDB loads; a file p0f rejects with FATAL,
//     ParseDB rejects with a *SyntaxError carrying the line number (except
//     inside [mtu] and [http:*] signatures, which are skipped unchecked).
package fingerprint
