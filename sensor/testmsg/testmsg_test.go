package testmsg

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func msg(subject, body string) []byte {
	return []byte("From: a@b.example\r\nTo: x@y.example\r\nSubject: " + subject + "\r\n\r\n" + body)
}

func TestClassify(t *testing.T) {
	local := netip.MustParseAddr("203.0.113.5")
	big := strings.Repeat("Buy cheap meds now at http://pharma.example/ ", 500)
	spam := "Dear friend, our store has the best prices. Visit http://a.example/ and http://b.example/ today."
	for _, tc := range []struct {
		name    string
		subject string
		body    string
		rcpts   int
		seen    bool // the source already sent a message
		test    bool
		reasons string
	}{
		{"dotted address in subject", "203.0.113.5:1080", "ok", 1, true, true, "sensor-ip"},
		{"address in body", "hello", "proxy at 203.0.113.5 port 1080 works\r\n", 1, true, true, "sensor-ip"}, // the checker words count in the Subject only
		{"zero padded", "hi", "203.000.113.005:3128", 1, true, true, "sensor-ip"},
		{"decimal", "hi", "host 3405803781 ok", 1, true, true, "sensor-ip"},
		{"hex 0x", "hi", "id=0xCB007105", 1, true, true, "sensor-ip"},
		{"bare hex", "cb007105", "", 1, true, true, "sensor-ip"},
		{"longer address is not ours", "203.0.113.55", "", 1, true, false, ""},
		{"prefix of a longer address", "hi", "1203.0.113.5", 1, true, false, ""},
		{"host name", "hi", "via MX.Sensor.Example ok", 1, true, true, "sensor-name"},
		{"checker subject", "Proxy test", "", 1, true, true, "checker"},
		{"checker word in encoded subject", "=?utf-8?B?U09DS1M1IGNoZWNr?=", "", 1, true, true, "checker"},
		{"testimony is not a test", "testimony of a happy customer", spam, 1, true, false, ""},
		{"first small", "hello", "hi there", 1, false, true, "first-small"},
		{"first but two links", "hello", spam, 1, false, false, ""},
		{"first but two recipients", "hello", "hi", 2, false, false, ""},
		{"many recipients never", "203.0.113.5", "", 3, false, false, ""},
		{"no recipients", "203.0.113.5", "", 0, false, false, ""},
		{"big never", "203.0.113.5", big, 1, false, false, ""},
		{"all reasons", "relay check 203.0.113.5", "mx.sensor.example", 1, false, true, "sensor-ip,sensor-name,checker,first-small"},
		{"plain spam", "Cheap meds", spam, 1, true, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Config{Names: []string{"mx.sensor.example"}})
			src := netip.MustParseAddr("198.51.100.7")
			if tc.seen {
				c.Classify(&Message{Src: src, Local: local, Rcpts: 5, Data: msg("x", "y")}, t0)
			}
			test, why := c.Classify(&Message{Src: src, Local: local, Port: 1080, Rcpts: tc.rcpts, Data: msg(tc.subject, tc.body)}, t0.Add(time.Minute))
			if test != tc.test || why != tc.reasons {
				t.Errorf("got %v %q, want %v %q", test, why, tc.test, tc.reasons)
			}
		})
	}
}

func TestConfiguredAddressAndIPv6(t *testing.T) {
	pub := netip.MustParseAddr("192.0.2.44")
	c := New(Config{Addrs: []netip.Addr{pub, netip.MustParseAddr("2001:db8::25")}})
	src := netip.MustParseAddr("198.51.100.7")
	for _, body := range []string{"seen via 192.0.2.44", "seen via 2001:db8::25 ok", "[2001:0db8:0000:0000:0000:0000:0000:0025]"} {
		// Local is a private address behind NAT: only the configured ones match.
		m := &Message{Src: src, Local: netip.MustParseAddr("10.0.0.2"), Rcpts: 2, Data: msg("hi", body)}
		if test, why := c.Classify(m, t0); !test || why != ReasonSensorIP {
			t.Errorf("%q: got %v %q", body, test, why)
		}
	}
}

func TestMemory(t *testing.T) {
	c := New(Config{Memory: time.Hour, MaxSources: 2})
	a, b, d := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("192.0.2.3")
	first := func(src netip.Addr, at time.Time) bool {
		_, why := c.Classify(&Message{Src: src, Rcpts: 1, Data: msg("hello", "hi")}, at)
		return why == ReasonFirstSmall
	}
	if !first(a, t0) || first(a, t0.Add(time.Minute)) {
		t.Fatal("a second message within the memory is not first")
	}
	if !first(a, t0.Add(2*time.Hour)) {
		t.Error("after the memory a source is new again")
	}
	first(b, t0)
	first(d, t0) // evicts a, the oldest
	if len(c.seen) != 2 {
		t.Fatalf("remembers %d sources, bound 2", len(c.seen))
	}
	if !first(a, t0.Add(3*time.Hour-time.Minute)) {
		t.Error("an evicted source is new again")
	}
}

func FuzzClassify(f *testing.F) {
	f.Add([]byte("Subject: test 203.0.113.5\r\n\r\nbody"), 1)
	f.Add([]byte("Subject: =?utf-8?q?a?=\n continued\n\nx"), 1)
	f.Add([]byte("\r\n\r\n"), 2)
	c := New(Config{Names: []string{"mx.sensor.example"}, Addrs: []netip.Addr{netip.MustParseAddr("2001:db8::1")}})
	f.Fuzz(func(t *testing.T, data []byte, rcpts int) {
		test, why := c.Classify(&Message{Src: netip.MustParseAddr("192.0.2.9"), Local: netip.MustParseAddr("203.0.113.5"), Rcpts: rcpts, Data: data}, t0)
		if test != (why != "") {
			t.Fatalf("test %v with reasons %q", test, why)
		}
	})
}
