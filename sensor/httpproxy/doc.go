// Package httpproxy is the sensor's open HTTP proxy as a pure protocol
// machine: bytes in, actions out (sensor/proxy's Action). It holds no
// connection, clock, logger or goroutine, and never dials anything: a
// CONNECT ends in a Connect action and the caller plays the destination; an
// absolute-URI request is answered by sensor/web's emulated origin.
//
// It plays a squid that someone left open, configured "elite" (via off,
// forwarded_for delete): every client, method and credential is welcome.
//
// Requests (RFC 9112, read by sensor/web's Parser with its limits):
//   - CONNECT host:port (a name, an IPv4 address or a bracketed IPv6
//     address; the port is required, 1-65535, else 400): the reply is
//     squid's, byte for byte, "HTTP/1.1 200 Connection established" and an
//     empty line (no Proxy-agent), as a Write, then Connect{Target,
//     Proto: proxy.HTTP}. Feed consumes exactly up to the end of the
//     CONNECT's header section: the bytes after it, whether sent with it or
//     later, are the tunnel's. From then on the machine consumes nothing.
//   - Absolute-URI requests (GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH;
//     http and https URIs): the body is read (bounded, counted past the
//     bound) and the request is answered by web.Config.Respond for the
//     URI's host, as the origin would answer the proxy: from the proxy's
//     own address (Config.Web.PublicAddr, else the local address the client
//     connected to), with Host from the URI (RFC 9112 §3.2.2) and no
//     Proxy-* fields, no Via, no X-Forwarded-For. A Request action records
//     the request as received (all its fields) with the status. Connections
//     persist per RFC 9112 §9.3, counting the non-standard
//     Proxy-Connection as clients mean it (HTTP/1.0 with "keep-alive" in
//     either field persists; "close" in either closes). Feed answers one
//     request per call; pipelined requests wait for the next call.
//   - An absolute-URI request to a raw port (Config.RawPorts: 25 and 587),
//     the classic "POST http://mx.example.com:25/" whose body is an SMTP
//     session: treated as a CONNECT that writes nothing. A proxy that
//     relays such a request opens the connection and passes the body on,
//     and the SMTP server's banner and replies come back raw, with no HTTP
//     status line; so the Connect comes with no Write, Feed consumes the
//     request line and header section only, and the body (Content-Length
//     or chunked, as sent) is left for the caller's SMTP machine to read.
//     The HTTP head itself is not passed on: a real Postfix would drop the
//     session at "POST" (smtpd_forbidden_commands), and the sensor wants
//     the spam.
//   - Origin-form requests ("GET / HTTP/1.1" to the proxy port): squid,
//     not being an accelerator, answers 400 with its ERR_INVALID_URL page;
//     so does this machine, then closes. "OPTIONS *" likewise.
//   - Other methods (TRACE, WebDAV, unknown tokens): 405 with
//     ERR_UNSUP_REQ; other URI schemes (ftp:): 400 ERR_UNSUP_REQ.
//   - Malformed requests get squid's pages and a close: 400
//     (ERR_INVALID_REQ, ERR_INVALID_URL), 414 for a request line over the
//     limit and 431 (RFC 6585 §5) for a header section over it
//     (ERR_TOO_BIG), 501 for an unknown transfer coding, 505 for HTTP/2 and
//     HTTP/0.x (ERR_UNSUP_HTTPVERSION). Junk that cannot start a request
//     (a TLS ClientHello, a SOCKS greeting) is refused at its first byte.
//   - Proxy-Authorization (RFC 9110 §11.7.2) is never required and always
//     accepted. Basic (RFC 7617) is decoded into an Auth{Mech "basic"}
//     action; a token that is not base64 is recorded raw as the user name;
//     other schemes are recorded with the scheme, lower-cased, as Mech and
//     their parameters, raw, as the password. A credential repeated on
//     every request of a keep-alive connection is recorded once.
//
// Actions of one call come in this order: Auth, Request, Write, then
// Connect or Close. The connection is closed silently after
// Config.IdleTimeout (2 minutes, squid's client_idle_pconn_timeout), and
// after Config.MaxRequests answers.
//
// Invariants:
//   - Feed never consumes more than it is given, never panics, never
//     consumes a byte after the head that led to Connect, and every buffer
//     it keeps is bounded by Config.
//   - Byte slices in actions are valid until the next call into the
//     machine; the HTTPRequest and Credential in actions belong to the
//     caller.
package httpproxy
