// Package ship owns the sensor side of segment shipping: it uploads the
// closed spool segments in SPOOL/closed/ to the collector with the
// resumable, content-addressed protocol of PROTOCOL.md, then deletes them or
// moves them to SPOOL/shipped/, enforces the spool quota, and sends a
// heartbeat every minute.
//
// Layout under Config.Spool (the spool package owns open/ and closed/):
//
//	open/      the segment being written: never read, listed or touched here
//	closed/    finished segments: read, then removed or renamed by this package
//	shipped/   confirmed segments kept for Config.Keep (mtime = time shipped)
//
// Invariants:
//
//   - Containment: the only address ever dialled is the configured collector
//     host:port. The HTTP client has its own transport: no proxy (the
//     *_PROXY variables are ignored), a dialler that refuses every other
//     address without dialling, no redirects, TLS 1.3 only, and the collector
//     checked by certificate pin or by the configured CA bundle only.
//   - A segment file leaves closed/ only after the collector confirmed it
//     stored the whole file (201, or 200 with Spampots-Stored: true), and the
//     directory entries are fsynced after the rename or removal.
//   - Unshipped segments are never deleted, whatever the quota: over quota,
//     shipped/ is emptied oldest first and then an alarm is raised.
//   - An interrupted upload resumes at the offset the collector reports, never
//     at 0 while the collector holds bytes of it (422, a hash mismatch, is the
//     one restart at 0).
//   - Upload bodies go through one token bucket capped at Config.Rate.
//   - Segments are shipped oldest first, by sequence number.
//   - Nothing here logs segment contents: logs carry file names, sizes,
//     status codes and the collector's one-line replies.
package ship
