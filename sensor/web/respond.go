package web

import (
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spampots/spampots/sensor/proxy"
)

// timeFormat is the IMF-fixdate of RFC 9110 §5.6.7 (net/http.TimeFormat).
const timeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// AppendDate appends now as an HTTP date.
func AppendDate(b []byte, now time.Time) []byte { return now.UTC().AppendFormat(b, timeFormat) }

// HeadFirst moves an answer's head in front of its body: msg is the body,
// body bytes long, followed by the head. An answer is written body first,
// so that its head can give the body's length.
func HeadFirst(msg []byte, body int) {
	slices.Reverse(msg)
	slices.Reverse(msg[:len(msg)-body])
	slices.Reverse(msg[len(msg)-body:])
}

// persona is the server software a response imitates.
type persona uint8

const (
	pNginx   persona = iota // the configured Server (nginx by default)
	pGWS                    // Google's front end, "Server: gws"
	pHTTPBin                // httpbin.org: gunicorn behind a load balancer
)

// head describes a response's status line and header section; Respond
// writes it once the body, and so its length, is known.
type head struct {
	status   int
	reason   string
	persona  persona
	ctype    string
	location string // Location: prefix, followed by locPath
	locPath  string
}

// Respond appends to dst the emulated origin server's whole answer to req:
// status line, header fields and, unless the method is HEAD, the body. It
// returns the extended dst and the status. client is the address the
// origin sees the request come from (for a proxied request: the proxy's,
// which is the sensor's own); Config.PublicAddr overrides it. now is the
// Date. The connection is kept or closed as req.Close says.
//
// The answer depends on the host the request is for (req.Host) and its
// path, as a shared hosting front end's would; see the package
// documentation for the pages served.
func (c *Config) Respond(dst []byte, req *Request, client netip.AddrPort, now time.Time) ([]byte, int) {
	start := len(dst)
	var h head
	dst, h = c.page(dst, req, client, now)
	body := len(dst) - start
	dst = c.appendHead(dst, &h, body, req, now)
	HeadFirst(dst[start:], body)
	if req.Method == "HEAD" {
		dst = dst[:len(dst)-body]
	}
	return dst, h.status
}

// errorPage appends nginx's complete answer, closing the connection, to a
// request that could not be parsed or served. title is the page's text
// when it differs from the reason phrase.
func (c *Config) errorPage(dst []byte, status int, title string, now time.Time) []byte {
	req := Request{Method: "GET", Close: true, Minor: 1}
	start := len(dst)
	if title == "" {
		title = reason(status)
	}
	dst = c.nginxError(dst, status, title)
	h := head{status: status, reason: reason(status), ctype: "text/html"}
	body := len(dst) - start
	dst = c.appendHead(dst, &h, body, &req, now)
	HeadFirst(dst[start:], body)
	return dst
}

func reason(status int) string {
	switch status {
	case 200:
		return "OK"
	case 204:
		return "No Content"
	case 301:
		return "Moved Permanently"
	case 400:
		return "Bad Request"
	case 404:
		return "Not Found"
	case 405:
		return "Not Allowed" // nginx's wording
	case 408:
		return "Request Time-out"
	case 414:
		return "Request-URI Too Large"
	case 431:
		return "Request Header Fields Too Large"
	case 501:
		return "Not Implemented"
	case 505:
		return "HTTP Version Not Supported"
	}
	return "Internal Server Error"
}

// page appends the body and says what head goes with it.
func (c *Config) page(dst []byte, req *Request, client netip.AddrPort, now time.Time) ([]byte, head) {
	host, path := req.Host, req.Path
	switch {
	case hostIs(host, "google.com") || hasSuffixFold(host, ".google.com") || hostIs(host, "connectivitycheck.gstatic.com"):
		return c.google(dst, req, host, path)
	case hostIs(host, "httpbin.org") || hostIs(host, "www.httpbin.org"):
		return c.httpbin(dst, req, client, now)
	case isJudge(host, path):
		return c.judge(dst, req, client, now), head{status: 200, reason: "OK", ctype: "text/html; charset=UTF-8"}
	}
	if ip, nl, ok := ipEcho(host, path); ok {
		addr, _ := c.remote(client, now)
		dst = addr.AppendTo(dst)
		if nl {
			dst = append(dst, '\n')
		}
		return dst, head{status: 200, reason: "OK", ctype: ip}
	}
	switch req.Method {
	case "GET", "HEAD", "POST":
	default:
		return c.nginxError(dst, 405, reason(405)), head{status: 405, reason: reason(405), ctype: "text/html"}
	}
	if staticPath(path) {
		return c.nginxError(dst, 404, reason(404)), head{status: 404, reason: reason(404), ctype: "text/html"}
	}
	title := host
	if title == "" {
		title = "Welcome"
	}
	dst = append(dst, "<!DOCTYPE html>\r\n<html>\r\n<head>\r\n<meta charset=\"utf-8\">\r\n<title>"...)
	dst = append(dst, title...)
	dst = append(dst, "</title>\r\n</head>\r\n<body>\r\n<h1>"...)
	dst = append(dst, title...)
	dst = append(dst, "</h1>\r\n<p>This site is under construction. Please come back soon.</p>\r\n</body>\r\n</html>\r\n"...)
	return dst, head{status: 200, reason: "OK", ctype: "text/html"}
}

// appendHead writes the status line and header fields for a body of n bytes.
func (c *Config) appendHead(dst []byte, h *head, n int, req *Request, now time.Time) []byte {
	proto := "HTTP/1.1 "
	if h.persona == pGWS && req.Minor == 0 {
		proto = "HTTP/1.0 " // Google answers in the request's version
	}
	dst = append(dst, proto...)
	dst = strconv.AppendInt(dst, int64(h.status), 10)
	dst = append(dst, ' ')
	dst = append(dst, h.reason...)
	dst = append(dst, "\r\n"...)
	switch h.persona {
	case pGWS:
		// The field order of www.google.com's answers.
		if h.location != "" {
			dst = append(dst, "Location: "...)
			dst = append(dst, h.location...)
			dst = append(dst, h.locPath...)
			dst = append(dst, "\r\n"...)
		}
		dst = append(dst, "Date: "...)
		dst = AppendDate(dst, now)
		if h.status == 200 {
			dst = append(dst, "\r\nExpires: -1\r\nCache-Control: private, max-age=0"...)
		}
		if h.ctype != "" {
			dst = append(dst, "\r\nContent-Type: "...)
			dst = append(dst, h.ctype...)
		}
		dst = append(dst, "\r\nServer: gws\r\nX-XSS-Protection: 0\r\nX-Frame-Options: SAMEORIGIN\r\nContent-Length: "...)
		dst = strconv.AppendInt(dst, int64(n), 10)
		dst = append(dst, "\r\n"...)
		if req.Close {
			dst = append(dst, "Connection: close\r\n"...)
		}
	case pHTTPBin:
		dst = append(dst, "Date: "...)
		dst = AppendDate(dst, now)
		dst = append(dst, "\r\nContent-Type: "...)
		dst = append(dst, h.ctype...)
		dst = append(dst, "\r\nContent-Length: "...)
		dst = strconv.AppendInt(dst, int64(n), 10)
		dst = appendConnection(dst, req)
		dst = append(dst, "Server: gunicorn/19.9.0\r\nAccess-Control-Allow-Origin: *\r\nAccess-Control-Allow-Credentials: true\r\n"...)
	default:
		// nginx's field order.
		dst = append(dst, "Server: "...)
		dst = append(dst, c.server()...)
		dst = append(dst, "\r\nDate: "...)
		dst = AppendDate(dst, now)
		if h.ctype != "" {
			dst = append(dst, "\r\nContent-Type: "...)
			dst = append(dst, h.ctype...)
		}
		dst = append(dst, "\r\nContent-Length: "...)
		dst = strconv.AppendInt(dst, int64(n), 10)
		dst = appendConnection(dst, req)
	}
	return append(dst, "\r\n"...)
}

func appendConnection(dst []byte, req *Request) []byte {
	if req.Close {
		return append(dst, "\r\nConnection: close\r\n"...)
	}
	return append(dst, "\r\nConnection: keep-alive\r\n"...)
}

// nginxError appends nginx's built-in error page.
func (c *Config) nginxError(dst []byte, status int, title string) []byte {
	dst = append(dst, "<html>\r\n<head><title>"...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	dst = append(dst, title...)
	dst = append(dst, "</title></head>\r\n<body>\r\n<center><h1>"...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	dst = append(dst, title...)
	dst = append(dst, "</h1></center>\r\n<hr><center>"...)
	dst = append(dst, c.server()...)
	return append(dst, "</center>\r\n</body>\r\n</html>\r\n"...)
}

// google answers as www.google.com does: the home page (the pattern
// nmap's http-open-proxy and socks-open-proxy look for is the "Server: gws"
// field), its 204 connectivity check, a 301 from the bare domain.
func (c *Config) google(dst []byte, req *Request, host, path string) ([]byte, head) {
	h := head{status: 200, reason: "OK", persona: pGWS, ctype: "text/html; charset=ISO-8859-1"}
	if req.Method != "GET" && req.Method != "HEAD" {
		h.status, h.reason, h.ctype = 405, "Method Not Allowed", "text/html; charset=UTF-8"
		return googleError(dst, 405, "Method Not Allowed", req.Method, path), h
	}
	switch {
	case hasPrefixPath(path, "/generate_204"):
		h.status, h.reason, h.ctype = 204, "No Content", ""
		return dst, h
	case hostIs(host, "google.com"):
		h.status, h.reason, h.ctype = 301, "Moved Permanently", "text/html; charset=UTF-8"
		h.location, h.locPath = "http://www.google.com", path
		dst = append(dst, "<HTML><HEAD><meta http-equiv=\"content-type\" content=\"text/html;charset=utf-8\">\n<TITLE>301 Moved</TITLE></HEAD><BODY>\n<H1>301 Moved</H1>\nThe document has moved\n<A HREF=\"http://www.google.com"...)
		dst = append(dst, path...)
		dst = append(dst, "\">here</A>.\r\n</BODY></HTML>\r\n"...)
		return dst, h
	case path == "/" || hasPrefixPath(path, "/search") || hasPrefixPath(path, "/webhp") || strings.HasPrefix(path, "/?"):
		dst = append(dst, googleHome...)
		return dst, h
	}
	h.status, h.reason, h.ctype = 404, "Not Found", "text/html; charset=UTF-8"
	return googleError(dst, 404, "Not Found", "", path), h
}

const googleHome = `<!doctype html><html itemscope="" itemtype="http://schema.org/WebPage" lang="en"><head>` +
	`<meta content="text/html; charset=UTF-8" http-equiv="Content-Type"><meta content="noodp" name="robots">` +
	`<title>Google</title></head><body bgcolor="#fff"><center><br clear="all" id="lgpd">` +
	`<div id="lga"><img alt="Google" height="92" src="/images/branding/googlelogo/1x/googlelogo_white_background_color_272x92dp.png" width="272" id="hplogo"></div>` +
	`<form action="/search" name="f"><input name="hl" type="hidden" value="en"><input name="source" type="hidden" value="hp">` +
	`<input autocomplete="off" maxlength="2048" name="q" size="57" title="Google Search" value="">` +
	`<br><input name="btnG" type="submit" value="Google Search"><input name="btnI" type="submit" value="I'm Feeling Lucky"></form>` +
	`<p><a href="/intl/en/ads/">Advertising</a> - <a href="/services/">Business Solutions</a> - <a href="/intl/en/about.html">About Google</a></p>` +
	`</center></body></html>`

// googleError writes Google's error page; method is set for a 405.
func googleError(dst []byte, status int, title, method, path string) []byte {
	dst = append(dst, "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, " ("...)
	dst = append(dst, title...)
	dst = append(dst, ")!!1</title>\n  <p><b>"...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ".</b> <ins>That’s an error.</ins>\n  <p>"...)
	if method != "" {
		dst = append(dst, "The request method <code>"...)
		dst = AppendHTML(dst, method, "&#34;")
		dst = append(dst, "</code> is inappropriate for the URL <code>"...)
		dst = AppendHTML(dst, path, "&#34;")
		dst = append(dst, "</code>."...)
	} else {
		dst = append(dst, "The requested URL <code>"...)
		dst = AppendHTML(dst, path, "&#34;")
		dst = append(dst, "</code> was not found on this server."...)
	}
	return append(dst, "  <ins>That’s all we know.</ins>\n"...)
}

// isJudge recognises proxy judges: azenv.php and its kin, which checkers
// fetch through a proxy to see what the origin receives.
func isJudge(host, path string) bool {
	if containsFold(host, "judge") || containsFold(host, "azenv") {
		return true
	}
	p := path
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return containsFold(p, "azenv") || containsFold(p, "judge") || p == "/env" || strings.HasPrefix(p, "/env/")
}

// judge writes AZ Environment variables 1.04 (azenv.php) as PHP-FPM behind
// nginx runs it: every $_SERVER entry whose name holds REMOTE, HTTP or
// REQUEST, as "NAME = value", request fields first.
func (c *Config) judge(dst []byte, req *Request, client netip.AddrPort, now time.Time) []byte {
	dst = append(dst, "<html>\n<head>\n<title>AZ Environment variables 1.04</title>\n</head>\n<body>\n<pre>\n"...)
	hs := req.Headers
	for i, h := range hs {
		if !cgiName(h.Name) || seenBefore(hs, i) {
			continue
		}
		dst = append(dst, "HTTP_"...)
		for j := 0; j < len(h.Name); j++ {
			ch := h.Name[j]
			if ch == '-' {
				ch = '_'
			} else if 'a' <= ch && ch <= 'z' {
				ch -= 'a' - 'A'
			}
			dst = append(dst, ch)
		}
		dst = append(dst, " = "...)
		// nginx joins repeated fields with ", " before passing them on.
		dst = append(dst, h.Value...)
		for _, d := range hs[i+1:] {
			if equalFold(d.Name, h.Name) {
				dst = append(dst, ", "...)
				dst = append(dst, d.Value...)
			}
		}
		dst = append(dst, '\n')
	}
	addr, port := c.remote(client, now)
	dst = append(dst, "REMOTE_PORT = "...)
	dst = strconv.AppendUint(dst, uint64(port), 10)
	dst = append(dst, "\nREMOTE_ADDR = "...)
	dst = addr.AppendTo(dst)
	dst = append(dst, "\nREQUEST_SCHEME = http\nREQUEST_URI = "...)
	dst = append(dst, req.Path...)
	dst = append(dst, "\nREQUEST_METHOD = "...)
	dst = append(dst, req.Method...)
	dst = append(dst, "\nREQUEST_TIME_FLOAT = "...)
	dst = appendPHPTime(dst, now)
	dst = append(dst, "\nREQUEST_TIME = "...)
	dst = strconv.AppendInt(dst, now.Unix(), 10)
	return append(dst, "\n</pre>\n</body>\n</html>\n"...)
}

// cgiName reports whether nginx passes a field on to FastCGI: names with
// anything but letters, digits and '-' are dropped (ignore_invalid_headers,
// underscores_in_headers off).
func cgiName(n string) bool {
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !('a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return n != ""
}

func seenBefore(hs []proxy.Header, i int) bool {
	for _, h := range hs[:i] {
		if equalFold(h.Name, hs[i].Name) {
			return true
		}
	}
	return false
}

// appendPHPTime writes a time as PHP prints REQUEST_TIME_FLOAT (precision
// 14: four decimals for today's times, trailing zeros dropped).
func appendPHPTime(dst []byte, now time.Time) []byte {
	dst = strconv.AppendInt(dst, now.Unix(), 10)
	frac := now.Nanosecond() / 100000
	if frac == 0 {
		return dst
	}
	var d [5]byte
	d[0] = '.'
	for i := 4; i >= 1; i-- {
		d[i] = byte('0' + frac%10)
		frac /= 10
	}
	k := 5
	for d[k-1] == '0' {
		k--
	}
	return append(dst, d[:k]...)
}

// remote is the address and port the origin sees the request come from.
// With no address known, the origin sits behind a local reverse proxy.
func (c *Config) remote(client netip.AddrPort, now time.Time) (netip.Addr, uint16) {
	addr, port := client.Addr(), client.Port()
	if c != nil && c.PublicAddr.IsValid() {
		addr = c.PublicAddr
	}
	if !addr.IsValid() {
		addr = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	if port == 0 {
		// An ephemeral port, in Linux's default range.
		port = uint16(32768 + now.Nanosecond()/1000%28232)
	}
	return addr.Unmap(), port
}

// ipEcho recognises what-is-my-IP services that checkers ask, through a
// proxy, for the address they appear from. ctype is their Content-Type,
// nl whether the address is followed by a newline.
func ipEcho(host, path string) (ctype string, nl bool, ok bool) {
	switch {
	case hostIs(host, "api.ipify.org") || hostIs(host, "api4.ipify.org") || hostIs(host, "api64.ipify.org"):
		return "text/plain", false, true
	case hostIs(host, "icanhazip.com") || hostIs(host, "ipv4.icanhazip.com") ||
		hostIs(host, "checkip.amazonaws.com") || hostIs(host, "ident.me") || hostIs(host, "v4.ident.me"):
		return "text/plain", true, true
	case (hostIs(host, "ifconfig.me") || hostIs(host, "ipinfo.io")) && hasPrefixPath(path, "/ip"):
		return "text/plain; charset=utf-8", true, true
	}
	return "", false, false
}

// httpbin answers /ip, /get, /headers and /user-agent as httpbin.org does,
// a judge of choice for proxy checkers.
func (c *Config) httpbin(dst []byte, req *Request, client netip.AddrPort, now time.Time) ([]byte, head) {
	h := head{status: 200, reason: "OK", persona: pHTTPBin, ctype: "application/json"}
	path, query := req.Path, ""
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query = path[:i], path[i+1:]
	}
	addr, _ := c.remote(client, now)
	switch path {
	case "/ip":
		dst = append(dst, "{\n  \"origin\": \""...)
		dst = addr.AppendTo(dst)
		return append(dst, "\"\n}\n"...), h
	case "/user-agent":
		dst = append(dst, "{\n  \"user-agent\": "...)
		dst = appendJSON(dst, req.UserAgent)
		return append(dst, "\n}\n"...), h
	case "/headers":
		dst = append(dst, "{\n  \"headers\": "...)
		dst = appendJSONHeaders(dst, req, now, "  ")
		return append(dst, "\n}\n"...), h
	case "/get", "/anything":
		if path == "/get" && req.Method != "GET" && req.Method != "HEAD" {
			break
		}
		dst = append(dst, "{\n  \"args\": {"...)
		args := queryArgs(query)
		for i, kv := range args {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(dst, "\n    "...)
			dst = appendJSON(dst, kv[0])
			dst = append(dst, ": "...)
			dst = appendJSON(dst, kv[1])
		}
		if len(args) > 0 {
			dst = append(dst, "\n  "...)
		}
		dst = append(dst, "}, \n  \"headers\": "...)
		dst = appendJSONHeaders(dst, req, now, "  ")
		dst = append(dst, ", \n  \"origin\": \""...)
		dst = addr.AppendTo(dst)
		dst = append(dst, "\", \n  \"url\": "...)
		dst = appendJSON(dst, "http://"+req.Authority+req.Path)
		return append(dst, "\n}\n"...), h
	}
	h.status, h.reason, h.ctype = 404, "NOT FOUND", "text/html"
	if path == "/get" {
		h.status, h.reason = 405, "METHOD NOT ALLOWED"
		return append(dst, "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n"...), h
	}
	return append(dst, "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server.  If you entered the URL manually please check your spelling and try again.</p>\n"...), h
}

// appendJSONHeaders writes the request's fields as httpbin shows them:
// canonical names, sorted, repeated fields joined by ",", and the trace
// field its load balancer adds.
func appendJSONHeaders(dst []byte, req *Request, now time.Time, indent string) []byte {
	type kv struct{ k, v string }
	var fields []kv
	for i, h := range req.Headers {
		if seenBefore(req.Headers, i) || !cgiName(h.Name) {
			continue
		}
		v := h.Value
		for _, d := range req.Headers[i+1:] {
			if equalFold(d.Name, h.Name) {
				v += "," + d.Value
			}
		}
		fields = append(fields, kv{canonical(h.Name), v})
	}
	var trace []byte
	trace = append(trace, "Root=1-"...)
	trace = strconv.AppendUint(trace, uint64(now.Unix())&0xffffffff, 16)
	trace = append(trace, '-')
	x := uint64(now.UnixNano())*0x9e3779b97f4a7c15 ^ uint64(len(req.Headers))
	for range 24 {
		trace = append(trace, "0123456789abcdef"[x>>60])
		x = x<<4 | x>>60 ^ 0x5bd1e995
	}
	fields = append(fields, kv{"X-Amzn-Trace-Id", string(trace)})
	slices.SortFunc(fields, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	dst = append(dst, '{')
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, '\n')
		dst = append(dst, indent...)
		dst = append(dst, "  "...)
		dst = appendJSON(dst, f.k)
		dst = append(dst, ": "...)
		dst = appendJSON(dst, f.v)
	}
	dst = append(dst, '\n')
	dst = append(dst, indent...)
	return append(dst, '}')
}

// queryArgs decodes a query string's first value of each key, sorted.
func queryArgs(q string) [][2]string {
	var args [][2]string
	for q != "" {
		var p string
		p, q, _ = strings.Cut(q, "&")
		k, v, _ := strings.Cut(p, "=")
		if k == "" {
			continue
		}
		if d, err := url.QueryUnescape(k); err == nil {
			k = d
		}
		if d, err := url.QueryUnescape(v); err == nil {
			v = d
		}
		if !slices.ContainsFunc(args, func(a [2]string) bool { return a[0] == k }) {
			args = append(args, [2]string{k, v})
		}
	}
	slices.SortFunc(args, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return args
}

// canonical is the Title-Case form of a field name ("user-agent" →
// "User-Agent").
func canonical(n string) string {
	b := []byte(n)
	up := true
	for i, c := range b {
		switch {
		case up && 'a' <= c && c <= 'z':
			b[i] = c - ('a' - 'A')
		case !up && 'A' <= c && c <= 'Z':
			b[i] = c + ('a' - 'A')
		}
		up = c == '-'
	}
	return string(b)
}

// appendJSON writes s as a JSON string; bytes that are not UTF-8 become
// U+FFFD, as Python's decoder with errors=replace makes them.
func appendJSON(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r == '\n':
			dst = append(dst, `\n`...)
		case r == '\t':
			dst = append(dst, `\t`...)
		case r < 0x20 || r == 0x7f:
			dst = append(dst, `\u00`...)
			dst = append(dst, "0123456789abcdef"[r>>4], "0123456789abcdef"[r&15])
		default:
			dst = append(dst, string(r)...)
		}
	}
	return append(dst, '"')
}

// AppendHTML appends s with HTML's special characters escaped. quot is
// how it writes '"': "&#34;" on the emulated sites (as Go's html package
// does), "&quot;" on sensor/httpproxy's squid pages.
func AppendHTML(dst []byte, s, quot string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '&':
			dst = append(dst, "&amp;"...)
		case '"':
			dst = append(dst, quot...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// staticPath reports whether the path names a file of a kind this site
// does not have (an image, a stylesheet, robots.txt...): those get nginx's
// 404, while pages and scripts get the site's page.
func staticPath(path string) bool {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	last := path[strings.LastIndexByte(path, '/')+1:]
	dot := strings.LastIndexByte(last, '.')
	if dot < 0 {
		return false
	}
	switch strings.ToLower(last[dot+1:]) {
	case "html", "htm", "shtml", "php", "asp", "aspx", "jsp", "cgi", "pl":
		return false
	}
	return true
}

// hostIs compares host names ignoring case and a final dot.
func hostIs(host, name string) bool {
	host = strings.TrimSuffix(host, ".")
	return equalFold(host, name)
}

func hasSuffixFold(s, suffix string) bool {
	s = strings.TrimSuffix(s, ".")
	return len(s) >= len(suffix) && equalFold(s[len(s)-len(suffix):], suffix)
}

func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if equalFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// hasPrefixPath reports whether path is p or continues it with '/', '?'
// or '#'.
func hasPrefixPath(path, p string) bool {
	if !strings.HasPrefix(path, p) {
		return false
	}
	rest := path[len(p):]
	return rest == "" || rest[0] == '/' || rest[0] == '?' || rest[0] == '#'
}
