package machinetest

import (
	"bytes"
	"testing"
)

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]string{
		`05 01 00`:                 "\x05\x01\x00",
		`c0000201 0019 # comment`:  "\xc0\x00\x02\x01\x00\x19",
		`0b "example.com" 00 19`:   "\x0bexample.com\x00\x19",
		`"a"*3 00*2 "\r\n"`:        "aaa\x00\x00\r\n",
		`"a b" 20`:                 "a b ",
		``:                         "",
		`   # only a comment "x" `: "",
	} {
		got, err := ParseBytes(in)
		if err != nil || string(got) != want {
			t.Errorf("ParseBytes(%q) = %q, %v; want %q", in, got, err, want)
		}
		if back, err := ParseBytes(FormatBytes(got)); err != nil || !bytes.Equal(back, got) {
			t.Errorf("FormatBytes(%q) = %q does not parse back: %q, %v", got, FormatBytes(got), back, err)
		}
	}
	for _, bad := range []string{`0`, `zz`, `"open`, `00*x`, `"a"00`} {
		if _, err := ParseBytes(bad); err == nil {
			t.Errorf("ParseBytes(%q): no error", bad)
		}
	}
}
