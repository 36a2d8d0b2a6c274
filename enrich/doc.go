// Package enrich tells, for the source of every connection and the
// destination every proxied request names, its host name, AS, announced
// prefix, country, RIR and block-list status, as the values of the
// X-Src-* and X-Dst-* headers of a captured message (ARCHITECTURE.md, "The
// captured message") and of its session event, without ever stalling a
// session.
//
// # Parts
//
//	enrich/special   special-purpose addresses and AS numbers (RFC 6890 ...)
//	enrich/rir       address and AS number → RIR, small tables embedded
//	enrich/ipdb      address → AS, organisation, prefix, country (MaxMind DB)
//	enrich/dnsq      reverse DNS, DNSBL, destination names (one resolver)
//	enrich/asnmmdb   @ip-location-db ASN CSV → MaxMind DB (data build only)
//	enrich/cmd/mkipdb, enrich/data/build.sh   the data build (make data)
//	enrich/cmd/mkrir the RIR tables' generator
//
// # Invariants
//
//   - Nothing here blocks the caller. Source, Destination and
//     DestinationName return at once: the databases answer in well under a
//     microsecond without allocating, the DNS is asked on resolver
//     goroutines, a bounded number at a time (past the bound a value is
//     unknown at once), and Values returns whatever is known when it is
//     called.
//   - A special-purpose address (private, loopback, documentation,
//     multicast, ...) is never looked up, neither in the databases nor in
//     the DNS: its values are "reserved".
//   - The only network peer is the configured resolver. A destination name
//     is resolved, never connected to. Resolving it tells the name's DNS
//     operator that someone resolved it, as the spammer's own MTA would.
//   - Answers arriving after the message was written still reach the done
//     callback, so the session event can carry them.
//   - Databases reload (Reload, on SIGHUP) without stopping lookups.
//
// # Header values
//
// Every value is one line of printable text. Four words stand for what is
// not a value: "unknown" (not known in time: no answer yet, a timeout, a
// resolver error, no database, the in-flight bound), "reserved" (a
// special-purpose address: not looked up), "none" (the DNS says there is
// nothing: no PTR record) and "clean" (no block list lists the address).
//
//	X-Src-Hostname, X-Dst-Hostname
//	    dial-pool50.lg.starcomms.net             PTR name, forward-confirmed
//	    liar.example.net (unconfirmed)           PTR name whose A/AAAA records
//	                                             do not include the address
//	    none | unknown | reserved
//	  For a destination given by name, the name the address was taken from:
//	  the MX host for port 25, else the name itself; the name as asked
//	  while it is not resolved.
//
//	X-Src-ASN, X-Dst-ASN
//	    33776 41.155.0.0/17 STARCOMMS-AS         AS number, announced prefix,
//	                                             organisation (may hold spaces)
//	    15169 8.8.8.0/24                         when the organisation is unknown
//	    unknown | reserved
//	  The first word is the AS number alone, as in the seed's case study
//	  ("X-Src-ASN: 33776"); the prefix is the CIDR block of the ASN
//	  database's record (asnmmdb explains how close that is to the BGP
//	  announcement). ParseASN reads it back.
//
//	X-Src-RIR, X-Dst-RIR
//	    afrinic | apnic | arin | lacnic | ripencc | unknown | reserved
//
//	X-Src-CC, X-Dst-CC
//	    NG                                       ISO 3166-1 alpha-2, upper case
//	    unknown | reserved
//
//	X-Src-Dnsbl
//	    zen.spamhaus.org=PBL                     listed: the zone's codes, sorted,
//	    zen.spamhaus.org=PBL,XBL                 comma-separated
//	    clean                                    every zone answered: not listed
//	    unknown                                  no zone answered (or none configured)
//	    reserved
//	    zen.spamhaus.org=SBL bl.spamcop.net=unknown
//	                                             several zones, not all alike:
//	                                             zone=codes|clean|unknown, one per
//	                                             zone in configured order
//	  Spamhaus ZEN's codes are SBL (127.0.0.2, and 127.0.0.9 for DROP), CSS
//	  (127.0.0.3), XBL (127.0.0.4-7) and PBL (127.0.0.10-11); another zone's
//	  codes are its answers, e.g. bl.spamcop.net=127.0.0.2. ParseDNSBL reads
//	  it back.
//
//	X-Dst-IP (for a destination given by name)
//	    195.4.92.9                               the address it resolved to
//	    unknown                                  not resolved (yet)
package enrich
