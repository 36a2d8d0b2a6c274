// Package collect is the collector: the central end of segment shipping
// (spool/ship/PROTOCOL.md). It authenticates sensors by bearer token,
// receives their closed spool segments as resumable, content-addressed
// uploads, keeps them in the archive and records them and the sensors'
// heartbeats in the store.
//
// Layout under Config.Archive:
//
//	<ab>/<cd>/<sha256>.mbox.zst           a stored segment (ab, cd: the hash's
//	<ab>/<cd>/<sha256>.events.jsonl.zst   first two byte pairs)
//	incoming/<sensor>/<sha256>.part       a partial upload: its first N bytes
//	incoming/<sensor>/<sha256>.json       its name and length
//
// Invariants:
//
//   - A reply acknowledges only durable bytes: a PATCH's bytes are fsynced
//     before 204, and even when the body is cut mid-way what arrived is
//     fsynced and kept, so the next HEAD reports it and the sensor resumes.
//   - 201 means the whole file hashed to its name, was fsynced, renamed into
//     the archive, its directory fsynced, and the segment row committed.
//   - An archive file is never modified once renamed into place; a second
//     copy of the same hash is never written (duplicates are 200 and their
//     bodies are not read).
//   - At most one PATCH per sensor and hash runs at a time; another gets 409.
//   - Memory per upload is bounded: bodies stream through a fixed buffer.
//   - Sensor-provided bytes (header values, bodies) never reach the logs
//     raw: only validated ids, names and hashes, or quoted and truncated
//     values at debug level. Metrics are labelled by configured sensor id
//     and error reason, never by address.
//   - Tokens are never stored: sensors.toml and the store hold the
//     SHA-256 of each, compared in constant time.
package collect
