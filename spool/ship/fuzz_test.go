package ship

import (
	"strings"
	"testing"
)

// FuzzParse feeds the shipper's configuration parsers (they read partner-
// edited config files): no panic, and what is accepted is well-formed.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"256kbit", "1Mbit", "64KiB", "1.5MB/s", "500000", "0", "-1", "1e300kbit", "kbit", "9223372036854775807GiB",
		"https://10.0.0.1:8443", "https://collector.example:443/", "http://x:1", "https://x", "https://u@x:1", "https://[::1]:8443",
		"sha256:" + strings.Repeat("ab", 32), "sha256:zz", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := ParseRate(s); err == nil && n < 0 {
			t.Fatalf("ParseRate(%q) = %d", s, n)
		}
		if u, err := parseCollector(s); err == nil && (u.Scheme != "https" || u.Port() == "" || u.RawQuery != "" || u.User != nil) {
			t.Fatalf("parseCollector(%q) accepted %v", s, u)
		}
		if pin, err := parsePin(s); err == nil && len(pin) != 32 {
			t.Fatalf("parsePin(%q) = %d bytes", s, len(pin))
		}
	})
}
