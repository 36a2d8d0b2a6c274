// Package synfp records the TCP SYN of every connection to the sensor's
// ports in the kernel, with an XDP program, for passive OS fingerprinting
// (X-Src-OS), and counts the TCP traffic per destination port. It is the
// only importer of cilium/ebpf.
//
// synfp.c parses Ethernet (up to two VLAN tags), IPv4 or IPv6 and TCP, and
// for each SYN without ACK to a watched port stores a fingerprint.Record
// (the same 104 bytes fingerprint.ParseFrame fills, with the same checks),
// with the time it was seen, in a cache keyed by the connection
// (capture.Key): an array map of 2-way buckets chosen by a seeded hash,
// where a new connection replaces the older record of its bucket. The
// sensor reads the record back with Lookup once it accepts the connection
// and matches it with fingerprint.DB.Match. Per-CPU counters per
// destination port (packets, bytes, SYNs) are summed by Counters.
//
// The cache, not an LRU hash map: under a SYN flood every update of an LRU
// map evicts, which took the program to about 850 ns per SYN here against
// 370-430 ns for the cache (BenchmarkSYNFlood, bpf_stats). With Config.Entries records in 2-way buckets, a
// record survives until two newer connections land in its bucket: at the
// default 65536 entries, 99.9% of records outlive the next 1000 SYNs and
// 96% the next 10000 (an LRU map of that size would keep all of them), and
// all of them the next few, which is what a lookup at accept needs
// (TestCacheRetention).
//
// AttachXDP loads the program in native (driver) mode where the driver
// supports it and in generic (skb) mode otherwise, through a BPF link that
// Close (or the process's exit) detaches. Open does the same and, when XDP
// cannot attach (kernel before 5.12, no privileges, the interface refuses
// or already has a program), falls back to the AF_PACKET capture of
// fingerprint/capture/afpacket, which gives the same records and counters.
//
// # Invariants
//
//   - The program only reads the packet and always returns XDP_PASS.
//   - A SYN is recorded exactly when fingerprint.ParseFrame accepts the
//     frame and Record.IsSYN holds, with byte-identical fields; a segment is
//     counted exactly when capture.TCPDstPort accepts the frame. The tests
//     run both on the same frames (BPF_PROG_TEST_RUN).
//   - struct syn_record in synfp.c is fingerprint.Record byte for byte, and
//     the map values are the Go types Lookup and Counters read them into
//     (TestLayout).
//   - Lookup does not allocate and is safe for concurrent use; it returns a
//     record only if two copies of its bucket agree and no write was under
//     way (a sequence count per record, odd while written).
//   - Needs Linux 5.12 (BPF_XCHG) and a BPF link for XDP (5.9); on older
//     kernels AttachXDP fails with capture.ErrNotSupported.
package synfp
