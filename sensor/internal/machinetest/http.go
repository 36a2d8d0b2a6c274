package machinetest

import (
	"bytes"
	"regexp"
	"strings"
)

// Statuses returns the status codes of the HTTP answers in out, in order.
func Statuses(out string) []int {
	var s []int
	for _, line := range bytes.Split([]byte(out), []byte("\r\n")) {
		if bytes.HasPrefix(line, []byte("HTTP/1.")) && len(line) >= 12 {
			code := int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
			s = append(s, code)
		}
	}
	return s
}

// NmapCheck applies nselib/proxy.lua's check to a response: check_code
// (the head matches "^http/%d%.%d%s*200" or 30[12], lower-cased) and
// check_pattern (some line, lower-cased, matches pattern; no pattern: the
// code decides).
func NmapCheck(resp, pattern string) (code, pat bool) {
	head := resp
	if i := strings.Index(resp, "\r\n\r\n"); i >= 0 {
		head = resp[:i]
	}
	code = regexp.MustCompile(`^http/\d\.\d\s*(200|30[12])`).MatchString(strings.ToLower(head))
	if pattern == "" {
		return code, code
	}
	re := regexp.MustCompile(pattern)
	for _, line := range strings.Split(resp, "\n") {
		if re.MatchString(strings.ToLower(line)) {
			pat = true
		}
	}
	return code, pat
}
