// Package zframe owns the framing of spool segment files: a segment file is
// a concatenation of independent zstd frames (RFC 8878), one per group
// commit, each holding whole records and a content checksum. Scan finds
// where complete frames end, so that a torn tail left by a crash can be cut
// at a frame boundary.
//
// Scan only walks headers (frame header, block headers, checksum field); it
// does not decompress and does not verify checksums, which is the job of a
// decoder run on each frame it delimits.
//
// Invariants: Scan is pure, never panics, never reads outside its input,
// runs in time linear in the number of blocks, and is at least as lenient
// about structure as a conforming decoder: whatever a decoder accepts in
// full, Scan delimits in full without error.
package zframe
