package mine

import (
	"net/mail"
	"strings"
	"time"
)

// parseDate is net/mail.ParseDate, with a fast path for the common form
// "[Www, ]D Mmm YYYY HH:MM[:SS] +hhmm", optionally followed by a comment
// ("(EDT)"): the same instant and the same verdict, without trying
// net/mail's layouts one by one (each failure allocates an error). Any
// other form goes to net/mail.
func parseDate(d string) (time.Time, error) {
	if t, ok := quickDate(d); ok {
		return t, nil
	}
	return mail.ParseDate(d)
}

var monthNames = [12]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// month returns the month of a three-letter name in any case, or 0.
func month(s string) time.Month {
	if len(s) != 3 {
		return 0
	}
	for i, m := range monthNames {
		if strings.EqualFold(s, m) {
			return time.Month(i + 1)
		}
	}
	return 0
}

func weekday(s string) bool {
	for _, d := range [...]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		if strings.EqualFold(s, d) {
			return true
		}
	}
	return false
}

// cut returns s up to the first sep and the rest after it, or s and "".
func cut(s string, sep byte) (string, string) {
	if i := strings.IndexByte(s, sep); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// num returns the value of s, decimal digits only, and whether it is one.
func num(s string) (int, bool) {
	if len(s) == 0 {
		return 0, false
	}
	v := 0
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v, true
}

// quickDate parses the fast path of parseDate; ok is false for anything
// else, valid or not, which parseDate leaves to net/mail.
func quickDate(d string) (time.Time, bool) {
	s := d
	if strings.ContainsAny(s, "\r\n") {
		return time.Time{}, false
	}
	if len(s) >= 5 && s[3] == ',' && s[4] == ' ' {
		if !weekday(s[:3]) {
			return time.Time{}, false
		}
		s = s[5:]
	}
	// D Mmm YYYY HH:MM[:SS] +hhmm, single spaces
	d0, s := cut(s, ' ')
	m0, s := cut(s, ' ')
	y0, s := cut(s, ' ')
	t0, s := cut(s, ' ')
	z, rest := cut(s, ' ')
	if len(d0) > 2 || len(y0) != 4 || len(z) != 5 || z[0] != '+' && z[0] != '-' {
		return time.Time{}, false
	}
	day, ok1 := num(d0)
	mon := month(m0)
	year, ok2 := num(y0)
	if !ok1 || !ok2 || mon == 0 {
		return time.Time{}, false
	}
	h0, t0 := cut(t0, ':')
	mi0, s0 := cut(t0, ':')
	if len(h0) > 2 || len(mi0) != 2 || strings.IndexByte(t0, ':') >= 0 && len(s0) != 2 {
		return time.Time{}, false
	}
	hour, ok1 := num(h0)
	min, ok2 := num(mi0)
	sec, ok3 := 0, true
	if strings.IndexByte(t0, ':') >= 0 {
		sec, ok3 = num(s0)
	}
	if !ok1 || !ok2 || !ok3 || hour >= 24 || min >= 60 || sec >= 60 {
		return time.Time{}, false
	}
	zh, ok1 := num(z[1:3])
	zm, ok2 := num(z[3:5])
	if !ok1 || !ok2 || zh > 24 || zm > 60 {
		return time.Time{}, false
	}
	{
		// net/mail ignores what follows the zone, unless it starts with a
		// comment, which must then be well formed: take only a simple one.
		for rest := strings.TrimLeft(rest, " \t"); strings.HasPrefix(rest, "("); rest = strings.TrimLeft(rest, " \t") {
			end := strings.IndexByte(rest, ')')
			if end < 0 || strings.ContainsAny(rest[1:end], "(\\") {
				return time.Time{}, false
			}
			rest = rest[end+1:]
		}
	}
	if day < 1 || day > daysIn(mon, year) {
		return time.Time{}, false
	}
	off := (zh*60 + zm) * 60
	if z[0] == '-' {
		off = -off
	}
	t := time.Date(year, mon, day, hour, min, sec, 0, time.UTC).Add(-time.Duration(off) * time.Second)
	return t, true
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// fromLineTime parses the asctime date ending a From_ line, "From
// sender Sun Apr  8 13:07:32 2007", read as UTC.
func fromLineTime(line string) (time.Time, bool) {
	const layout = "Mon Jan _2 15:04:05 2006"
	line = strings.TrimSpace(line)
	if len(line) < len(layout) {
		return time.Time{}, false
	}
	s := line[len(line)-len(layout):]
	// The fixed form, as the layout reads it: "Www Mmm DD HH:MM:SS YYYY"
	// with DD " 8", "08" or "18".
	if s[3] == ' ' && s[7] == ' ' && s[10] == ' ' && s[13] == ':' && s[16] == ':' && s[19] == ' ' && weekday(s[:3]) {
		mon := month(s[4:7])
		dd := s[8:10]
		if dd[0] == ' ' {
			dd = dd[1:]
		}
		day, ok1 := num(dd)
		hour, ok2 := num(s[11:13])
		min, ok3 := num(s[14:16])
		sec, ok4 := num(s[17:19])
		year, ok5 := num(s[20:24])
		if mon != 0 && ok1 && ok2 && ok3 && ok4 && ok5 && hour < 24 && min < 60 && sec < 60 && day >= 1 && day <= daysIn(mon, year) {
			return time.Date(year, mon, day, hour, min, sec, 0, time.UTC), true
		}
	}
	t, err := time.Parse(layout, s)
	return t, err == nil
}
