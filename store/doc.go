// Package store owns the central SQLite database shared by the collector
// (which records sensors, stored segments and heartbeats), the miner (which
// marks segments mined) and the portal (which reads everything). It is an
// adapter over database/sql with the pure Go driver modernc.org/sqlite, so
// the binary still builds with CGO_ENABLED=0.
//
// Tables, named so the portal may query them directly:
//
//	sensors(id, token_sha256, partner, location, updated_at)
//	segments(sha256, sensor_id, name, kind, size, path, received_at, mined_at)
//	heartbeats(id, sensor_id, received_at, body)
//
// Invariants:
//
//   - The schema version is PRAGMA user_version; Open applies the missing
//     migrations in order, each in one transaction with its version bump, so
//     opening an up-to-date database changes nothing and a crash mid-way
//     leaves the previous version intact.
//   - Every connection runs in WAL mode with synchronous=FULL, a busy
//     timeout and foreign keys on: a write that returned nil survives a
//     crash of the process or the machine.
//   - Times are stored as RFC 3339 UTC text with exactly nine fractional
//     digits (2026-11-23T12:00:00.123456789Z), so text order is time order.
//   - A segment row is written once, keyed by the SHA-256 of its bytes; a
//     second AddSegment of the same hash changes nothing. segments.path is
//     relative to the collector's archive directory.
//   - segments.sensor_id and heartbeats.sensor_id reference sensors.id: a
//     sensor is upserted before anything is recorded for it.
package store
