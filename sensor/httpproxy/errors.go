package httpproxy

import (
	"strconv"
	"time"

	"github.com/spampots/spampots/sensor/web"
)

// squidError is one of squid's error pages (errors/templates/ERR_*).
type squidError struct {
	name, title, text string
}

var (
	errInvalidURL = squidError{"ERR_INVALID_URL", "Invalid URL",
		"Some aspect of the requested URL is incorrect."}
	errInvalidReq = squidError{"ERR_INVALID_REQ", "Invalid Request",
		"Some aspect of the HTTP Request is invalid."}
	errTooBig = squidError{"ERR_TOO_BIG", "The request or reply is too large.",
		"The request line or header sent is larger than this proxy accepts."}
	errUnsupReq = squidError{"ERR_UNSUP_REQ", "Unsupported Request Method and Protocol",
		"Squid does not support all request methods for all access protocols."}
	errUnsupVersion = squidError{"ERR_UNSUP_HTTPVERSION", "Unsupported HTTP version",
		"This Squid does not accept the HTTP version you are attempting to use."}
)

func reason(status int) string {
	switch status {
	case 400:
		return "Bad Request"
	case 405:
		return "Method Not Allowed"
	case 414:
		return "URI Too Long"
	case 431:
		return "Request Header Fields Too Large"
	case 501:
		return "Not Implemented"
	case 505:
		return "HTTP Version Not Supported"
	}
	return "Internal Server Error"
}

// errorPage appends the proxy's own error answer, closing the connection,
// with squid's header fields and the structure of its pages. url is the
// request-target, "" when the request line could not be read.
func (c *Config) errorPage(dst []byte, status int, e squidError, url string, now time.Time) []byte {
	start := len(dst)
	dst = append(dst, `<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">`+"\n"+
		`<html><head>`+"\n"+
		`<meta http-equiv="Content-Type" content="text/html; charset=utf-8">`+"\n"+
		`<title>ERROR: The requested URL could not be retrieved</title>`+"\n"+
		`</head><body id="`...)
	dst = append(dst, e.name...)
	dst = append(dst, "\">\n<div id=\"titles\">\n<h1>ERROR</h1>\n<h2>The requested URL could not be retrieved</h2>\n</div>\n<hr>\n\n<div id=\"content\">\n"...)
	if url != "" {
		dst = append(dst, "<p>The following error was encountered while trying to retrieve the URL: <a href=\""...)
		dst = web.AppendHTML(dst, url, "&quot;")
		dst = append(dst, "\">"...)
		dst = web.AppendHTML(dst, url, "&quot;")
		dst = append(dst, "</a></p>\n"...)
	} else {
		dst = append(dst, "<p>The following error was encountered while trying to retrieve the URL: [no URL]</p>\n"...)
	}
	dst = append(dst, "\n<blockquote id=\"error\">\n<p><b>"...)
	dst = append(dst, e.title...)
	dst = append(dst, "</b></p>\n</blockquote>\n\n<p>"...)
	dst = append(dst, e.text...)
	dst = append(dst, "</p>\n\n<p>Your cache administrator is <a href=\"mailto:webmaster\">webmaster</a>.</p>\n<br>\n</div>\n\n<hr>\n<div id=\"footer\">\n<p>Generated "...)
	dst = web.AppendDate(dst, now)
	dst = append(dst, " by "...)
	dst = append(dst, c.hostname()...)
	dst = append(dst, " ("...)
	dst = append(dst, c.server()...)
	dst = append(dst, ")</p>\n<!-- "...)
	dst = append(dst, e.name...)
	dst = append(dst, " -->\n</div>\n</body></html>\n"...)
	body := len(dst) - start

	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	dst = append(dst, reason(status)...)
	dst = append(dst, "\r\nServer: "...)
	dst = append(dst, c.server()...)
	dst = append(dst, "\r\nMime-Version: 1.0\r\nDate: "...)
	dst = web.AppendDate(dst, now)
	dst = append(dst, "\r\nContent-Type: text/html;charset=utf-8\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(body), 10)
	dst = append(dst, "\r\nX-Squid-Error: "...)
	dst = append(dst, e.name...)
	dst = append(dst, " 0\r\nVary: Accept-Language\r\nContent-Language: en\r\nConnection: close\r\n\r\n"...)
	web.HeadFirst(dst[start:], body)
	return dst
}
