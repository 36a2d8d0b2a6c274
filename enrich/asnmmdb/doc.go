// Package asnmmdb converts the ASN tables of the @ip-location-db npm
// packages (RouteViews, the five RIRs and DB-IP, CC BY 4.0) into a MaxMind
// DB that any GeoLite2-ASN reader understands: each record is a map with
// autonomous_system_number (uint32) and autonomous_system_organization
// (string), the GeoLite2-ASN field names.
//
// The network of a record is its place in the search tree, as in GeoLite2:
// a reader gets it with the address's record (maxminddb's Result.Prefix).
// Each CSV row is an inclusive address range holding one AS; the tree stores
// it as the fewest CIDR blocks that cover it exactly, so the network of an
// address is the largest CIDR block around it within its row's range: the
// announced prefix when the row is one announcement, a block of it when the
// package merged neighbouring announcements of the same AS. The records
// do not repeat the network: equal records are stored once, which keeps the
// file at about a third of its size.
//
// The converter is for the data build (cmd/mkipdb) and tests; the sensor
// only reads the result (enrich/ipdb).
package asnmmdb
