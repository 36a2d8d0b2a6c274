// Package machinetest is what the tests of the sensor's protocol machines
// (sensor/smtp, sensor/socks, sensor/httpproxy, sensor/web) share. It is
// imported only by _test.go files.
//
// It provides:
//   - Driver: a machine that answers with sensor/proxy actions, run as the
//     sensor's adapter runs it (input in pieces, the unconsumed rest kept
//     and offered again), every action recorded, and what every such
//     machine promises checked on every call. CheckHTTP reads an HTTP
//     machine's answers for a table test.
//   - Golden: the replayer of the C:/S: transcripts under testdata/golden,
//     in the text notation (sensor/smtp, sensor/httpproxy, sensor/web) or
//     the byte notation of ParseBytes (sensor/socks), with the directives
//     it documents; a package plugs in its machine (Transcript, Session).
//   - Sizes, Chunks and EachSize: the same input fed in pieces of 1, 2, 3
//     and 7 bytes and whole, failing when the answer depends on the split.
//   - Seed, Splits and FuzzLog: a fuzz test's seeds (every unit after every
//     prefix), its whole / split / byte-at-a-time comparison, and the
//     bounds and log of an HTTP machine's actions.
//   - Serve, Server.Dial and HTTPClient: a loopback TCP server that feeds a
//     machine what real clients (net/http, raw connections, nmap) send.
//   - Statuses, NmapCheck, SteadyAllocs and CheckValidate: reading HTTP
//     answers as a test and as nmap's proxy scripts do, the allocation
//     budget of steady-state Feed, and Config.Validate's report.
//
// Nothing in it sleeps or keeps state between tests; the clock starts at
// T0.
package machinetest
