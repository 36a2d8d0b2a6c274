package mine

import (
	"fmt"
	"math/rand/v2"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// TestParseDate: parseDate agrees with net/mail.ParseDate, instant and
// verdict, on dates of many shapes, good and bad, fast path or not.
func TestParseDate(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	dates := []string{
		"Sun, 08 Apr 2007 21:00:48 +0300", "8 Apr 2007 21:00 -0000", "Sun, 8 Apr 2007 21:00:48 +0300 (MSK)",
		"Sun, 8 Apr 2007 21:00:48 -0400 (EDT) (x", "Sun, 8 Apr 2007 21:00:48 -0400 junk", "Sun, 31 Apr 2007 21:00:48 +0300",
		"Sun, 29 Feb 2008 01:02:03 +2400", "Sun, 29 Feb 2007 01:02:03 +0000", "Sun, 8 Apr 2007 24:00:00 +0000",
		"Sun, 8 Apr 2007 21:00:48 +2460", "Sun, 8 Apr 2007 21:00:48 +2561", "Sun, 8 Apr 2007 21:00:48 EDT",
		"Sun, 8 Apr 07 21:00:48 +0300", "Sun, 8 Apr 2007 21:00:48.5 +0300", "Sun, 8 Apr 2007 9:00:48 +0300",
		"SUN, 8 APR 2007 21:00:48 +0300", "Xyz, 8 Apr 2007 21:00:48 +0300", "Sun,8 Apr 2007 21:00:48 +0300",
		"Sun, 8 Apr 2007 21:00:48 +0300\r", "", "garbage", "Sun, 8 Apr 2007 21:00:48 +0300 (a (b) c)",
		"Sun, 8 Apr 2007 21:00:48 +0300 (a\\) c)", "Sun, 8 Apr 2007 21:00:48 +03", "Sun, 8 Apr 2007 21:0:48 +0300",
		"Sun, 123 Apr 2007 21:00:48 +0300", "Sun, 8 Apr 20077 21:00:48 +0300", "Sun, 8 April 2007 21:00:48 +0300",
		"Sun, 8 Apr 2007 21:00:48 +0300\t(EDT)", "Sun, 8 Apr 2007  21:00:48 +0300", "Sun, 0 Apr 2007 21:00:48 +0300",
	}
	for range 3000 {
		var b strings.Builder
		if r.IntN(3) > 0 {
			b.WriteString(pick("Mon, ", "Tue, ", "sat, ", "Foo, ", "Mon,", ""))
		}
		fmt.Fprintf(&b, "%s %s %s %s:%s%s %s%s", pick("1", "08", "31", "30", "29", "0", "32", "7"),
			pick("Jan", "feb", "MAR", "Apr", "Jun", "Sep", "Foo"), pick("2007", "1969", "2100", "07", "0001"),
			pick("0", "00", "9", "23", "24", "7"), pick("00", "59", "60", "5"), pick(":00", ":59", ":60", "", ":5"),
			pick("+0000", "-0700", "+2400", "-2461", "+0260", "EST", "+07", "-0000"),
			pick("", " (EDT)", " (EDT", " junk", " (a) (b)", "(EDT)", "  (x)"))
		dates = append(dates, b.String())
	}
	fast := 0
	for _, d := range dates {
		want, werr := mail.ParseDate(d)
		got, gerr := parseDate(d)
		if _, ok := quickDate(d); ok {
			fast++
		}
		if (werr == nil) != (gerr == nil) || werr == nil && !got.Equal(want) {
			t.Errorf("%q: parseDate %v, %v; net/mail %v, %v", d, got, gerr, want, werr)
		}
	}
	t.Logf("%d dates, %d on the fast path", len(dates), fast)
	if fast < 50 {
		t.Errorf("only %d dates on the fast path", fast)
	}
}

func TestFromLineTime(t *testing.T) {
	for _, l := range []string{
		"From a Sun Apr  8 13:07:32 2007", "From a Sun Apr 18 13:07:32 2007", "From a Sun Apr 08 13:07:32 2007",
		"From a Sun Apr 31 13:07:32 2007", "From a Sun Apr  8 24:07:32 2007", "From a Xyz Apr  8 13:07:32 2007",
		"From a Sun Apr  8 3:07:32 2007", "From a Sun Apr  8 13:07:32 2007 ", "From a", "From a sun APR  8 13:07:32 2007",
		"From a Sun Apr  0 13:07:32 2007", "From a Sun Apr 8  13:07:32 2007",
	} {
		want, werr := time.Parse("Mon Jan _2 15:04:05 2006", strings.TrimSpace(l)[max(0, len(strings.TrimSpace(l))-24):])
		got, ok := fromLineTime(l)
		if ok != (werr == nil) || ok && !got.Equal(want) {
			t.Errorf("%q: %v %v; time.Parse %v %v", l, got, ok, want, werr)
		}
	}
}
