// Package afpacket is the fallback SYN capture for hosts where the XDP
// program of bpf/synfp cannot attach: an AF_PACKET socket (TPACKET_V3
// memory-mapped ring, gopacket/afpacket, pure Go) with a classic BPF filter,
// feeding the same parser (fingerprint.ParseFrame) into a capture.Table.
//
// The filter passes ingress TCP only: whole frames for SYNs (without ACK,
// FIN or RST) to the watched ports, and the first 128 bytes of any other
// TCP segment, enough to count it against its destination port. Go then
// applies the exact rules (capture.TCPDstPort for counting, ParseFrame and
// Record.IsSYN for recording), so the filter only has to pass a superset;
// the records and counters are those of the XDP path.
//
// # Invariants
//
//   - It never imports cilium/ebpf and needs only CAP_NET_RAW.
//   - Every frame the XDP path would count or record passes the filter
//     with enough bytes to be counted or recorded (TestFilter).
//   - Records become visible asynchronously, within the ring's block
//     timeout (4 ms) of the SYN under light load; a Lookup made before may
//     miss and can be retried.
//   - Lookup does not allocate and is safe for concurrent use.
package afpacket
