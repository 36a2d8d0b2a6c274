package features

import (
	"bytes"
	"encoding/base64"
)

// Bounds of the body walk.
const (
	maxDepth    = 4       // multipart nesting followed
	maxParts    = 8       // parts listed per multipart; more become "+"
	maxScan     = 1 << 20 // body bytes looked at by Layout
	maxDecode   = 32 << 10
	maxLangText = 1 << 10 // text bytes given to the language identifier
)

// langText collects the text the language identifier reads: the first
// text/plain part, else the first text/html part with tags stripped.
type langText struct {
	charset []byte
	buf     [maxLangText]byte
	n       int
	plain   bool // buf holds text/plain
	html    bool // buf holds text/html
}

func (l *langText) text() []byte { return l.buf[:l.n] }

// set offers a text part; the first text/plain part wins over any
// text/html part.
func (l *langText) set(src, charset []byte, html bool) {
	if l.plain || html && l.html || len(src) == 0 {
		return
	}
	if len(src) > 8*maxLangText {
		src = src[:8*maxLangText]
	}
	if html {
		l.n = stripTags(l.buf[:], src)
		l.html = true
	} else {
		l.n = copy(l.buf[:], src)
		l.plain = true
	}
	l.charset = charset
}

// appendLayout appends the body's structure. A multipart becomes its
// subtype with its parts in parentheses, "alternative(plain[l=4-7],html[a=1,img=0])";
// a text/plain leaf "plain[l=<lines>]"; a text/html leaf
// "html[a=<links>,img=<images>]" plus ",form" and ",script" when present;
// any other leaf its media type. A leaf with a base64 or quoted-printable
// body gets ".b64" or ".qp". Counts are bucketed 0, 1, 2-3, 4-7, 8+; lines
// 0, 1-3, 4-15, 16-63, 64+.
func appendLayout(dst, ctype, cte, body []byte, lt *langText) []byte {
	if len(body) > maxScan {
		body = body[:maxScan]
	}
	var scratch []byte
	return appendPart(dst, ctype, cte, body, 0, lt, &scratch)
}

func appendPart(dst, ctype, cte, body []byte, depth int, lt *langText, scratch *[]byte) []byte {
	var mt [64]byte
	t, params := mediaType(mt[:0], ctype)
	if len(t) == 0 {
		t = append(t, "text/plain"...)
	}
	if len(t) > 10 && string(t[:10]) == "multipart/" {
		b := param(params, "boundary")
		if len(b) > 0 && depth < maxDepth {
			dst = append(dst, t[10:]...)
			dst = append(dst, '(')
			n := 0
			forEachPart(body, b, func(part []byte) {
				if n < maxParts {
					if n > 0 {
						dst = append(dst, ',')
					}
					var h header
					bs := h.scan(part)
					dst = appendPart(dst, h.get(hContentType), h.get(hCTE), part[bs:], depth+1, lt, scratch)
				} else if n == maxParts {
					dst = append(dst, ",+"...)
				}
				n++
			})
			return append(dst, ')')
		}
		// No boundary: the body is opaque.
		dst = append(dst, t...)
		return append(dst, "[nobound]"...)
	}
	enc := encOf(cte)
	switch string(t) {
	case "text/plain":
		text := body
		if enc == encB64 {
			text = decodeB64(scratch, body)
		}
		dst = append(dst, "plain"...)
		dst = appendEnc(dst, enc)
		dst = append(dst, "[l="...)
		dst = append(dst, lineBucket(countLines(text))...)
		dst = append(dst, ']')
		lt.set(text, param(params, "charset"), false)
	case "text/html":
		text := body
		if enc == encB64 {
			text = decodeB64(scratch, body)
		}
		dst = append(dst, "html"...)
		dst = appendEnc(dst, enc)
		links, imgs, form, script := htmlCounts(text)
		dst = append(dst, "[a="...)
		dst = append(dst, bucket(links)...)
		dst = append(dst, ",img="...)
		dst = append(dst, bucket(imgs)...)
		if form {
			dst = append(dst, ",form"...)
		}
		if script {
			dst = append(dst, ",script"...)
		}
		dst = append(dst, ']')
		lt.set(text, param(params, "charset"), true)
	default:
		dst = append(dst, t...)
		dst = appendEnc(dst, enc)
	}
	return dst
}

// forEachPart calls fn with each body part of a multipart body: the bytes
// between delimiter lines "--boundary" (RFC 2046 §5.1.1). The preamble and
// epilogue are skipped; a missing close delimiter ends the last part at
// the end of the body.
func forEachPart(body, boundary []byte, fn func([]byte)) {
	if bytes.IndexByte(boundary, '\n') >= 0 {
		return // a delimiter is one line
	}
	var stack [80]byte
	delim := append(append(stack[:0], '-', '-'), boundary...)
	start := -1 // the current part's first byte
	for pos := 0; pos < len(body); {
		k := bytes.Index(body[pos:], delim)
		if k < 0 {
			break
		}
		i := pos + k
		if i > 0 && body[i-1] != '\n' { // not at a line start
			pos = i + 1
			continue
		}
		eol := len(body)
		if e := bytes.IndexByte(body[i:], '\n'); e >= 0 {
			eol = i + e
		}
		if start >= 0 {
			fn(body[start:i])
		}
		if rest := body[i+len(delim) : eol]; len(rest) >= 2 && rest[0] == '-' && rest[1] == '-' {
			return
		}
		start = min(eol+1, len(body))
		pos = start
	}
	if start >= 0 {
		fn(body[start:])
	}
}

const (
	encNone = iota
	encB64
	encQP
)

func encOf(cte []byte) int {
	cte = trimSpace(cte)
	switch {
	case equalFold(cte, "base64"):
		return encB64
	case equalFold(cte, "quoted-printable"):
		return encQP
	}
	return encNone
}

func appendEnc(dst []byte, enc int) []byte {
	switch enc {
	case encB64:
		return append(dst, ".b64"...)
	case encQP:
		return append(dst, ".qp"...)
	}
	return dst
}

// decodeB64 decodes up to maxDecode bytes of a base64 body, skipping
// whitespace and stopping at the first bad byte, into *scratch.
func decodeB64(scratch *[]byte, body []byte) []byte {
	if *scratch == nil {
		*scratch = make([]byte, 0, maxDecode/3*4+8)
	}
	clean := (*scratch)[:0]
	for _, c := range body {
		if len(clean) >= maxDecode/3*4 {
			break
		}
		if isAlnum(c) || c == '+' || c == '/' {
			clean = append(clean, c)
		} else if !isSpace(c) {
			break
		}
	}
	clean = clean[:len(clean)&^3]
	// Decode in place: output is never ahead of input.
	n, _ := base64.StdEncoding.Decode(clean, clean)
	*scratch = clean
	return clean[:n]
}

func countLines(b []byte) int {
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		n++
	}
	return n
}

func lineBucket(n int) string {
	switch {
	case n <= 0:
		return "0"
	case n <= 3:
		return "1-3"
	case n <= 15:
		return "4-15"
	case n <= 63:
		return "16-63"
	}
	return "64+"
}

// htmlCounts counts <a …> and <img …> tags and notes <form and <script,
// ignoring case.
func htmlCounts(b []byte) (links, imgs int, form, script bool) {
	for i := 0; i+2 < len(b); i++ {
		if b[i] != '<' {
			k := bytes.IndexByte(b[i:], '<')
			if k < 0 {
				break
			}
			if i += k; i+2 >= len(b) {
				break
			}
		}
		r := b[i+1:]
		switch r[0] | 0x20 {
		case 'a':
			if isSpace(r[1]) {
				links++
			}
		case 'i':
			if len(r) > 3 && r[1]|0x20 == 'm' && r[2]|0x20 == 'g' && (isSpace(r[3]) || r[3] == '/') {
				imgs++
			}
		case 'f':
			if len(r) > 4 && equalFold(r[:4], "form") {
				form = true
			}
		case 's':
			if len(r) > 6 && equalFold(r[:6], "script") {
				script = true
			}
		}
	}
	return
}

// stripTags copies the text of HTML src into dst: tags, <style> and
// <script> contents and entities dropped, each replaced by a space.
func stripTags(dst, src []byte) int {
	n := 0
	for i := 0; i < len(src) && n < len(dst); i++ {
		c := src[i]
		switch c {
		case '<':
			skipTo := "" // close tag whose content is skipped
			r := src[i+1:]
			if len(r) > 5 && equalFold(r[:5], "style") {
				skipTo = "</style"
			} else if len(r) > 6 && equalFold(r[:6], "script") {
				skipTo = "</script"
			}
			for i < len(src) && src[i] != '>' {
				i++
			}
			if skipTo != "" {
				for i < len(src) && !(src[i] == '<' && len(src)-i >= len(skipTo) && equalFold(src[i:i+len(skipTo)], skipTo)) {
					i++
				}
				for i < len(src) && src[i] != '>' {
					i++
				}
			}
			c = ' '
		case '&':
			j := i + 1
			for j < len(src) && j-i < 10 && src[j] != ';' && !isSpace(src[j]) {
				j++
			}
			if j < len(src) && src[j] == ';' {
				i = j
			}
			c = ' '
		}
		dst[n] = c
		n++
	}
	return n
}
