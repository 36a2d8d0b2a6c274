// Package web is the sensor's emulated origin web server, as a pure
// protocol machine: bytes in, actions out (sensor/proxy's Action). It holds
// no connection, clock, logger or goroutine and never dials anything.
//
// It plays every web site a spammer reaches through the sensor's proxies:
// after an HTTP CONNECT or a SOCKS request to port 80 or 8080 (Machine),
// and, through Config.Respond, for the absolute-URI requests that
// sensor/httpproxy answers itself. Spammers and scanners decide that a
// proxy is open by fetching a page through it, so the answers are the ones
// their checkers look for, from a server that looks like nginx.
//
// It owns: the HTTP/1.x request parser both machines use (Parser: RFC 9112
// framing, bounded), the emulated sites (Respond), and the connection
// handling of an origin server (Machine: keep-alive, 100-continue,
// timeouts, error pages).
//
// Parsing (RFC 9112):
//   - Only complete lines are consumed; an unfinished line stays with the
//     caller, bounded: request line 8 KiB (414 past it), header section
//     64 KiB and 100 fields (nginx answers 400 "Request Header Or Cookie
//     Too Large"; sensor/httpproxy answers 431). Junk that cannot begin a
//     request line (a TLS ClientHello, a SOCKS greeting) is refused at its
//     first byte, not held until a timeout.
//   - Bare LF ends a line (§2.2); empty lines before the request line are
//     skipped; obs-fold, whitespace before a colon, CR or NUL in a value
//     get 400 (§5); HTTP/1.x with x > 1 is HTTP/1.1, HTTP/0.9 lines get
//     400, other majors 505 (RFC 9110 §6.2).
//   - Bodies: Content-Length (a list of one repeated value is that value,
//     anything else 400) and chunked (§7.1; extensions ignored, trailers
//     checked, counted and dropped). A coding other than chunked gets 501,
//     chunked not last 400 (§6.3). Transfer-Encoding with Content-Length,
//     or in HTTP/1.0, closes the connection after the answer (§6.1). The
//     body is kept up to Config.MaxBody (1 MiB, nginx's
//     client_max_body_size) and read, counted and discarded past it; the
//     request is still answered normally, so the spammer carries on.
//   - Every check on an unfinished line is made, in the same order, on the
//     finished one: the outcome never depends on how the input was split.
//
// Connections: HTTP/1.1 is persistent unless "Connection: close"; HTTP/1.0
// only with "Connection: keep-alive" (RFC 9112 §9.3). Feed answers at most
// one request per call (pipelined requests stay unconsumed for the next
// call). An HTTP/1.1 request without exactly one Host gets 400 (§3.2); an
// absolute-form target is accepted and its authority wins (§3.2.2). A
// request with "Expect: 100-continue" and a body gets "100 Continue" first,
// even when the body is already there, so the output never depends on the
// input's split. The connection closes after Config.MaxRequests (1000,
// nginx's keepalive_requests), after any error page, and silently after
// Config.IdleTimeout (75 s, nginx's keepalive_timeout; nginx's header and
// body timeouts close without an answer too).
//
// The sites (Respond), chosen by the request's host and path as a shared
// front end would. A site must look real to a checker; it is never the
// real one, and nothing is fetched:
//   - Proxy judges: a host containing "judge" or "azenv", or a path
//     containing them, or /env: AZ Environment variables 1.04 (azenv.php)
//     as PHP-FPM behind nginx prints it: "NAME = value" for each $_SERVER
//     entry whose name holds HTTP, REMOTE or REQUEST, header fields first
//     (HTTP_ plus the name upper-cased with '-' as '_', repeated fields
//     joined with ", ", names nginx would drop left out), then REMOTE_PORT,
//     REMOTE_ADDR, REQUEST_SCHEME, REQUEST_URI, REQUEST_METHOD,
//     REQUEST_TIME_FLOAT, REQUEST_TIME. REMOTE_ADDR is Config.PublicAddr,
//     else the peer the caller gives (the proxy's address: the sensor's
//     own), else 127.0.0.1; the fields are echoed as received, so through
//     sensor/httpproxy the proxy rates "elite" (no Via, no
//     X-Forwarded-For, no Proxy-Connection).
//   - nmap: http-open-proxy.nse sends "GET http://www.google.com
//     HTTP/1.0" and "HEAD ..." (no path) through the proxy and
//     socks-open-proxy.nse "GET / HTTP/1.0" with "Host: www.google.com"
//     through the tunnel; nselib/proxy.lua wants a status line matching
//     "^http/%d%.%d%s*200" (or 301, 302) and a line matching "^server: gws"
//     (lower-cased). www.google.com and every *.google.com are therefore
//     Google's front end: "Server: gws", Google's field order, the status
//     line in the request's version, a small home page for /, /search,
//     /webhp, 204 for /generate_204 (also on connectivitycheck.gstatic.com),
//     Google's 404 and 405 pages otherwise, and google.com itself answers
//     301 to www.google.com, as Google does. Nothing here is specific to
//     nmap: it is what www.google.com looks like.
//   - What-is-my-IP services (api.ipify.org, icanhazip.com,
//     checkip.amazonaws.com, ident.me, ifconfig.me/ip, ipinfo.io/ip) answer
//     the address judges show; httpbin.org answers /ip, /get, /anything,
//     /headers and /user-agent in its JSON.
//   - Any other host: nginx with a small "under construction" page titled
//     with the host for GET, HEAD and POST on any page or script path (POST
//     is accepted: comment and form spam is what comes), nginx's 404 for
//     static files (images, .txt, .css...), 405 for other methods.
//
// Invariants:
//   - Feed never consumes more than it is given, never panics, and every
//     buffer it keeps is bounded by Config; a buffer a large answer grew is
//     let go at the next call.
//   - Byte slices in actions are valid until the next call into the
//     machine; the HTTPRequest in a Request action belongs to the caller.
//   - A request costs a few allocations (one string shared by its line and
//     fields, the recorded field list, the record itself); answers are
//     written into a buffer the machine reuses.
package web
