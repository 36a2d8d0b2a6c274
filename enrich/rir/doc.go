// Package rir tells which Regional Internet Registry delegated an IP address
// or an AS number: afrinic, apnic, arin, lacnic or ripencc, the names the RIRs
// use in their delegation statistics files and the SpamPots headers use in
// X-Src-RIR and X-Dst-RIR (the seed's case study: "X-Src-RIR: afrinic").
//
// The tables are small text files embedded in the package (data/*.tsv, 20
// KB), each with its source and date in its header; enrich/cmd/mkrir
// regenerates them from the IANA number registries as the whois client's
// delegation lists (Debian's whois package) carry them, with IANA's IPv4
// /8 table on top. The IANA registries themselves cannot be fetched from the
// build machines. National registries (JPNIC, KRNIC, TWNIC, ...) are
// folded into their RIR; special-purpose space (enrich/special) is in no
// range.
//
// Each line is "first<TAB>last<TAB>registry", the ranges sorted and
// disjoint, so a lookup is one binary search and allocates nothing.
//
// The address tables are precise to the blocks the lists name, including
// legacy space moved between RIRs. The AS number table is IANA's blocks:
// an AS number moved to another RIR (the early-registration transfers: AS
// 4134, CHINANET, sits in an ARIN block but is APNIC's) gets its block's
// registry, which is why enrich/ipdb asks it only when the address tables
// have no answer.
//
// A Table is immutable once built and safe for concurrent use.
package rir
