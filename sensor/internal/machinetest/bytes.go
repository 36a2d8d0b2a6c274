package machinetest

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// ParseBytes reads the byte notation of the transcripts: tokens separated
// by blanks, each a run of hex digit pairs ("05 01 00", "c0000201") or a
// Go-quoted string ("example.com", "\r\n"), optionally followed by *N to
// repeat it N times; "#" starts a comment to the end of the line.
func ParseBytes(s string) ([]byte, error) {
	out := []byte{}
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" || s[0] == '#' {
			return out, nil
		}
		var tok []byte
		if s[0] == '"' {
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return nil, fmt.Errorf("bad string at %q: %w", s, err)
			}
			u, _ := strconv.Unquote(q)
			tok, s = []byte(u), s[len(q):]
		} else {
			end := strings.IndexAny(s, " \t*")
			if end < 0 {
				end = len(s)
			}
			b, err := hex.DecodeString(s[:end])
			if err != nil {
				return nil, fmt.Errorf("bad hex %q: %w", s[:end], err)
			}
			tok, s = b, s[end:]
		}
		times := 1
		if strings.HasPrefix(s, "*") {
			end := strings.IndexAny(s, " \t")
			if end < 0 {
				end = len(s)
			}
			n, err := strconv.Atoi(s[1:end])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("bad repeat %q", s[:end])
			}
			times, s = n, s[end:]
		}
		if s != "" && s[0] != ' ' && s[0] != '\t' {
			return nil, fmt.Errorf("no blank before %q", s)
		}
		out = append(out, bytes.Repeat(tok, times)...)
	}
}

// FormatBytes writes b in the notation ParseBytes reads: printable runs of
// 3 or more as quoted strings, the rest as hex pairs.
func FormatBytes(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); {
		j := i
		for j < len(b) && b[j] >= 0x20 && b[j] < 0x7f {
			j++
		}
		if j-i >= 3 {
			if sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(strconv.Quote(string(b[i:j])))
			i = j
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%02x", b[i])
		i++
	}
	return sb.String()
}

// QuoteLines shows text a machine wrote, a line of it per line, with ⏎
// where each CRLF was.
func QuoteLines(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\r\n"), "\r\n", "⏎\n  ") + "⏎"
}
