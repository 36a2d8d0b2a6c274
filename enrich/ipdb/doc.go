// Package ipdb answers, for an IP address, its AS number and organisation,
// the announced prefix that holds it, its country and its RIR, from MaxMind
// DB files on disk and the RIR tables of enrich/rir.
//
// The databases are any GeoLite2-compatible files: an ASN database with
// autonomous_system_number and autonomous_system_organization records
// (GeoLite2-ASN, or the one enrich/data/build.sh makes), and a country
// database with country.iso_code (GeoLite2-Country or -City) or
// country_code (the @ip-location-db country files) records. Either may be
// absent: its values are then unknown.
//
// Invariants:
//   - Lookup never blocks, never fails and allocates nothing. It reads an
//     immutable snapshot through an atomic pointer.
//   - A special-purpose address (enrich/special) is answered Reserved
//     without any lookup.
//   - Reload builds a complete new snapshot off to the side (files read into
//     memory, every record decoded once) and swaps the pointer; lookups in
//     flight finish on the old snapshot, which the garbage collector frees
//     when the last of them is done. A file that does not open or decode
//     leaves the current snapshot in place. Nothing is memory-mapped, so
//     replacing or truncating a file under a running sensor is harmless.
package ipdb
