// Package spool owns the sensor's disk: the segment writer that makes every
// captured message durable before the sensor answers 250, and the recovery
// that closes what a crash left open. It is the adapter around the pure
// cores spool/mbox (the mboxrd entry) and spool/zframe (the frame scanner).
//
// Layout under Config.Dir:
//
//	seq                                   last segment sequence number used
//	open/<stem>.mbox.zst                  the segment being written
//	open/<stem>.events.jsonl.zst
//	closed/<stem>.mbox.zst                finished segments, for the shipper
//	closed/<stem>.events.jsonl.zst
//
// where <stem> is <sensor>-<UTC start, 20261123T120000Z>-<seq, 6+ digits>.
// Each file is a concatenation of independent zstd frames with content
// checksums, one frame per group commit, so zstdcat reads it whole and a
// torn tail can be cut at a frame boundary. A file exists only once it has
// a frame: a segment with no messages has no mbox file, one with no events
// no events file.
//
// Invariants:
//
//   - Message's done is called exactly once, from the writer goroutine, and
//     with nil only after the frame holding the message is written and
//     fdatasynced (and the new file's directory entry fsynced).
//   - A failed write or sync (disk full included) truncates the file back to
//     its last complete frame; the error goes to every done of the batch and
//     the writer goes on. Acknowledged frames are never rewritten.
//   - Sequence numbers only grow, across restarts and even if the shipper
//     deletes closed segments: the last one is kept in Dir/seq.
//   - A segment is only renamed into closed/ whole and synced; nothing in
//     closed/ is ever modified by this package.
//   - Memory is bounded: the submission queue by Config.QueueLen records, a
//     batch by Config.MaxBatch records and a byte budget.
//   - Attacker bytes are never logged; logs carry file names and counts.
package spool
