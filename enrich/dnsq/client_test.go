package dnsq

import (
	"bytes"
	"log/slog"
	"net"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// clock is an injected time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClient(t *testing.T, server string, mod func(*Config)) (*Client, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	cfg := Config{
		Server:   server,
		Zones:    []Zone{Spamhaus("zen.test"), Generic("bl.test")},
		Timeout:  150 * time.Millisecond,
		Attempts: 1,
		Now:      clk.now,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, clk
}

// signal returns a done callback and a wait that fails the test if the
// callback does not come within the bound.
func signal(t *testing.T) (func(), func()) {
	ch := make(chan struct{}, 1)
	done := func() {
		select {
		case ch <- struct{}{}:
		default:
			t.Error("done called more than once")
		}
	}
	wait := func() {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatal("done was not called")
		}
	}
	return done, wait
}

// resolved starts a lookup and waits for it.
func resolved(t *testing.T, c *Client, ip string, want Want) (Hostname, []Listing) {
	t.Helper()
	done, wait := signal(t)
	p := c.Start(netip.MustParseAddr(ip), want, done)
	if !p.Ready() {
		wait()
	}
	if !p.Ready() {
		t.Fatal("not Ready after done")
	}
	return p.Result()
}

func TestPTR(t *testing.T) {
	s := newServer(t)
	s.add(t,
		"4.3.2.1.in-addr.arpa. 300 IN PTR Mail.Example.Test.",
		"mail.example.test. 300 IN A 9.9.9.9",
		"mail.example.test. 300 IN A 1.2.3.4",
		"5.3.2.1.in-addr.arpa. 300 IN PTR liar.example.test.",
		"liar.example.test. 300 IN A 9.9.9.9",
		"6.3.2.1.in-addr.arpa. 300 IN PTR gone.example.test.",
		"7.3.2.1.in-addr.arpa. 300 IN TXT \"no PTR here\"",
		"8.3.2.1.in-addr.arpa. 300 IN PTR v6only.example.test.",
		"v6only.example.test. 300 IN AAAA 2a00:1450::8",
		"8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.5.4.1.0.0.a.2.ip6.arpa. 300 IN PTR v6only.example.test.",
		"9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.5.4.1.0.0.a.2.ip6.arpa. 300 IN PTR v6only.example.test.",
	)
	s.setRcode("9.3.2.1.in-addr.arpa.", dns.RcodeServerFailure)
	s.setRcode("10.3.2.1.in-addr.arpa.", dns.RcodeRefused)
	c, _ := newClient(t, s.addr, nil)
	for _, tc := range []struct {
		name, ip string
		want     Hostname
	}{
		{"forward-confirmed", "1.2.3.4", Hostname{Status: Found, Name: "mail.example.test", Confirmed: true}},
		{"mapped", "::ffff:1.2.3.4", Hostname{Status: Found, Name: "mail.example.test", Confirmed: true}},
		{"not confirmed: other address", "1.2.3.5", Hostname{Status: Found, Name: "liar.example.test"}},
		{"not confirmed: name missing", "1.2.3.6", Hostname{Status: Found, Name: "gone.example.test"}},
		{"not confirmed: wrong family", "1.2.3.8", Hostname{Status: Found, Name: "v6only.example.test"}},
		{"IPv6 confirmed", "2a00:1450::8", Hostname{Status: Found, Name: "v6only.example.test", Confirmed: true}},
		{"IPv6 not confirmed", "2a00:1450::9", Hostname{Status: Found, Name: "v6only.example.test"}},
		{"NODATA", "1.2.3.7", Hostname{Status: None}},
		{"NXDOMAIN", "1.2.3.99", Hostname{Status: None}},
		{"SERVFAIL", "1.2.3.9", Hostname{Status: Unknown}},
		{"REFUSED", "1.2.3.10", Hostname{Status: Unknown}},
		{"reserved", "192.168.1.1", Hostname{Status: Reserved}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, ls := resolved(t, c, tc.ip, PTR)
			if h != tc.want {
				t.Errorf("%s: %+v, want %+v", tc.ip, h, tc.want)
			}
			if len(ls) != 0 {
				t.Errorf("DNSBL not asked, got %v", ls)
			}
		})
	}
	if n := s.count("1.168.192.in-addr.arpa.", dns.TypePTR); n != 0 {
		t.Error("a reserved address was asked")
	}
	if st := c.Stats(); st.Failures < 2 || st.Hits == 0 {
		t.Errorf("stats: %+v", st)
	}
}

func TestDNSBL(t *testing.T) {
	s := newServer(t)
	s.add(t,
		"2.0.0.127.zen.test. 60 IN A 127.0.0.2",
		"4.3.2.1.zen.test. 60 IN A 127.0.0.4",
		"4.3.2.1.zen.test. 60 IN A 127.0.0.11",
		"4.3.2.1.zen.test. 60 IN A 127.0.0.10",
		"4.3.2.1.bl.test. 60 IN A 127.0.0.2",
		"5.3.2.1.zen.test. 60 IN A 127.255.255.254", // via an open resolver
		"6.3.2.1.zen.test. 60 IN A 198.51.100.1",    // NXDOMAIN rewritten by a resolver
		"7.3.2.1.zen.test. 60 IN A 127.0.0.200",     // a code ZEN does not name
		"8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.5.4.1.0.0.a.2.zen.test. 60 IN A 127.0.0.3",
	)
	s.setRcode("8.3.2.1.bl.test.", dns.RcodeServerFailure)
	var logs bytes.Buffer
	c, _ := newClient(t, s.addr, func(cfg *Config) {
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	})
	zen := func(st Status, codes ...string) Listing { return Listing{Zone: "zen.test", Status: st, Codes: codes} }
	bl := func(st Status, codes ...string) Listing { return Listing{Zone: "bl.test", Status: st, Codes: codes} }
	for _, tc := range []struct {
		name, ip string
		want     []Listing
	}{
		{"listed in both", "1.2.3.4", []Listing{zen(Found, "PBL", "XBL"), bl(Found, "127.0.0.2")}},
		{"clean", "1.2.3.99", []Listing{zen(None), bl(None)}},
		{"refused by the list", "1.2.3.5", []Listing{zen(Unknown), bl(None)}},
		{"not 127/8", "1.2.3.6", []Listing{zen(Unknown), bl(None)}},
		{"unnamed code", "1.2.3.7", []Listing{zen(Found, "127.0.0.200"), bl(None)}},
		{"SERVFAIL", "1.2.3.8", []Listing{zen(None), bl(Unknown)}},
		{"IPv6 nibbles", "2a00:1450::8", []Listing{zen(Found, "CSS"), bl(None)}},
		{"reserved", "10.0.0.1", []Listing{zen(Reserved), bl(Reserved)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, ls := resolved(t, c, tc.ip, DNSBL)
			if !reflect.DeepEqual(ls, tc.want) {
				t.Errorf("%s: %+v, want %+v", tc.ip, ls, tc.want)
			}
			if h.Status != Unknown && h.Status != Reserved {
				t.Errorf("PTR not asked, got %+v", h)
			}
		})
	}
	// The refusal is logged once at warn level, however often it comes.
	resolved(t, c, "1.2.3.5", DNSBL)
	if n := strings.Count(logs.String(), "DNSBL refuses"); n != 1 {
		t.Errorf("refusal logged %d times: %s", n, logs.String())
	}
}

func TestListingName(t *testing.T) {
	for ip, want := range map[string]string{
		"1.2.3.4":                   "4.3.2.1.zen.test.",
		"41.155.50.138":             "138.50.155.41.zen.test.",
		"2001:db8:1:2:3:4:567:89ab": "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.zen.test.", // RFC 5782 §2.4
	} {
		if got := listingName(netip.MustParseAddr(ip), "zen.test"); got != want {
			t.Errorf("listingName(%s) = %s, want %s", ip, got, want)
		}
	}
}

// TestNeverAnswers: a resolver that swallows every query. Start returns at
// once, the values stay Unknown, and done still comes, within the bound.
func TestNeverAnswers(t *testing.T) {
	s := newServer(t)
	s.setDrop("4.3.2.1.in-addr.arpa.")
	s.setDrop("4.3.2.1.zen.test.")
	s.setDrop("4.3.2.1.bl.test.")
	c, _ := newClient(t, s.addr, func(cfg *Config) { cfg.Attempts = 2 })
	done, wait := signal(t)
	if !c.Answering() {
		t.Error("a resolver not yet asked counts as answering")
	}
	p := c.Start(netip.MustParseAddr("1.2.3.4"), PTR|DNSBL, done)
	if p.Ready() {
		t.Fatal("Ready with a silent resolver")
	}
	h, ls := p.Result()
	if h.Status != Unknown || ls[0].Status != Unknown || ls[1].Status != Unknown {
		t.Errorf("before the bound: %+v %+v", h, ls)
	}
	wait()
	if c.Answering() {
		t.Error("a resolver whose queries all timed out counts as answering")
	}
	h, ls = p.Result()
	if h.Status != Unknown || ls[0].Status != Unknown || ls[1].Status != Unknown {
		t.Errorf("after the bound: %+v %+v", h, ls)
	}
	if st := c.Stats(); st.Timeouts != 6 || st.Queries != 6 {
		t.Errorf("want 3 queries × 2 attempts, all timed out: %+v", st)
	}
	// The failure is kept for FailureTTL: the next session is not slowed,
	// and the resolver is not asked again.
	p = c.Start(netip.MustParseAddr("1.2.3.4"), PTR|DNSBL, nil)
	if !p.Ready() || s.total() != 6 {
		t.Errorf("failure not cached: ready %v, %d queries", p.Ready(), s.total())
	}
	// One answer, and the resolver is up again.
	s.add(t, "5.3.2.1.in-addr.arpa. 300 IN PTR back.example.test.", "back.example.test. 300 IN A 1.2.3.5")
	resolved(t, c, "1.2.3.5", PTR)
	if !c.Answering() {
		t.Error("a resolver that answered again still counts as down")
	}
}

// TestDeadResolver: nothing listens at the resolver's address; answers are
// Unknown, quickly (ICMP port unreachable) or at the timeout.
func TestDeadResolver(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	c, _ := newClient(t, addr, nil)
	h, ls := resolved(t, c, "1.2.3.4", PTR|DNSBL)
	if h.Status != Unknown || ls[0].Status != Unknown || ls[1].Status != Unknown {
		t.Errorf("%+v %+v", h, ls)
	}
}

// TestLateAnswer: the session stops waiting before the answer; the answer
// still reaches done and the cache.
func TestLateAnswer(t *testing.T) {
	s := newServer(t)
	s.add(t, "4.3.2.1.in-addr.arpa. 300 IN PTR late.example.test.", "late.example.test. 300 IN A 1.2.3.4")
	release := s.setHold("4.3.2.1.in-addr.arpa.")
	c, _ := newClient(t, s.addr, func(cfg *Config) { cfg.Timeout = 5 * time.Second })
	done, wait := signal(t)
	p := c.Start(netip.MustParseAddr("1.2.3.4"), PTR, done)
	// The session's bound is over (DATA ended): it writes what it has.
	if h := p.Hostname(); p.Ready() || h.Status != Unknown {
		t.Fatalf("before the answer: ready %v, %+v", p.Ready(), h)
	}
	release()
	wait()
	if h := p.Hostname(); h != (Hostname{Status: Found, Name: "late.example.test", Confirmed: true}) {
		t.Errorf("late answer: %+v", h)
	}
	if p2 := c.Start(netip.MustParseAddr("1.2.3.4"), PTR, nil); !p2.Ready() || p2.Hostname().Name != "late.example.test" {
		t.Error("late answer not cached")
	}
}

func TestCacheTTL(t *testing.T) {
	s := newServer(t)
	s.add(t,
		"4.3.2.1.in-addr.arpa. 120 IN PTR a.example.test.",
		"a.example.test. 600 IN A 1.2.3.4",
		"5.3.2.1.in-addr.arpa. 5 IN PTR b.example.test.", // below MinTTL
		"b.example.test. 5 IN A 1.2.3.5",
	)
	c, clk := newClient(t, s.addr, func(cfg *Config) { cfg.MinTTL = 60 * time.Second })
	const ptr4, ptr5, nx = "4.3.2.1.in-addr.arpa.", "5.3.2.1.in-addr.arpa.", "6.3.2.1.in-addr.arpa."
	resolved(t, c, "1.2.3.4", PTR)
	resolved(t, c, "1.2.3.5", PTR)
	resolved(t, c, "1.2.3.6", PTR) // NXDOMAIN, SOA TTL 600, MINIMUM 300
	steps := []struct {
		advance     time.Duration
		q4, q5, qnx int
	}{
		{0, 1, 1, 1},
		{59 * time.Second, 1, 1, 1},
		{2 * time.Second, 1, 2, 1},   // 61s: the 5s TTL was clamped to MinTTL 60s
		{60 * time.Second, 2, 3, 1},  // 121s: the 120s PTR TTL is over, and the re-asked 60s one
		{180 * time.Second, 3, 4, 2}, // 301s: the negative TTL (RFC 2308: min(600, 300)) is over
	}
	for i, st := range steps {
		clk.add(st.advance)
		resolved(t, c, "1.2.3.4", PTR)
		resolved(t, c, "1.2.3.5", PTR)
		resolved(t, c, "1.2.3.6", PTR)
		if g4, g5, gnx := s.count(ptr4, dns.TypePTR), s.count(ptr5, dns.TypePTR), s.count(nx, dns.TypePTR); g4 != st.q4 || g5 != st.q5 || gnx != st.qnx {
			t.Errorf("step %d: queries %d %d %d, want %d %d %d", i, g4, g5, gnx, st.q4, st.q5, st.qnx)
		}
	}
}

func TestCacheSizeBound(t *testing.T) {
	s := newServer(t)
	c, _ := newClient(t, s.addr, func(cfg *Config) { cfg.CacheSize = 2 })
	for _, ip := range []string{"1.2.3.4", "1.2.3.5", "1.2.3.6", "1.2.3.4"} {
		resolved(t, c, ip, PTR)
	}
	st := c.Stats()
	if st.Cached != 2 || st.Evictions != 2 || s.count("4.3.2.1.in-addr.arpa.", dns.TypePTR) != 2 {
		t.Errorf("LRU of 2: %+v, %d queries for the first address", st, s.count("4.3.2.1.in-addr.arpa.", dns.TypePTR))
	}
}

func TestInFlightBound(t *testing.T) {
	s := newServer(t)
	s.add(t, "4.3.2.1.in-addr.arpa. 300 IN PTR a.example.test.")
	release := s.setHold("4.3.2.1.in-addr.arpa.")
	c, _ := newClient(t, s.addr, func(cfg *Config) { cfg.MaxInFlight = 1; cfg.Timeout = 5 * time.Second })
	done1, wait1 := signal(t)
	p1 := c.Start(netip.MustParseAddr("1.2.3.4"), PTR, done1)
	// Same address: joins the lookup under way, no new query, no new slot.
	done2, wait2 := signal(t)
	p2 := c.Start(netip.MustParseAddr("1.2.3.4"), PTR, done2)
	// Another address: over the bound, Unknown at once.
	p3 := c.Start(netip.MustParseAddr("1.2.3.5"), PTR, func() { t.Error("done called for a refused lookup") })
	if p1.Ready() || p2.Ready() || !p3.Ready() || p3.Hostname().Status != Unknown {
		t.Fatalf("ready: %v %v %v, %+v", p1.Ready(), p2.Ready(), p3.Ready(), p3.Hostname())
	}
	if st := c.Stats(); st.Refused != 1 || st.Joined != 1 || st.InFlight != 1 {
		t.Errorf("stats: %+v", st)
	}
	release()
	wait1()
	wait2()
	if p1.Hostname().Name != "a.example.test" || p2.Hostname().Name != "a.example.test" {
		t.Errorf("%+v %+v", p1.Hostname(), p2.Hostname())
	}
	if n := s.count("4.3.2.1.in-addr.arpa.", dns.TypePTR); n != 1 {
		t.Errorf("%d PTR queries, want 1", n)
	}
	// The refusal is not cached: with a free slot the lookup is made.
	if h, _ := resolved(t, c, "1.2.3.5", PTR); h.Status != None {
		t.Errorf("after the bound: %+v", h)
	}
}

func TestTruncatedFallsBackToTCP(t *testing.T) {
	s := newServer(t)
	s.add(t, "4.3.2.1.in-addr.arpa. 300 IN PTR big.example.test.")
	s.setTruncate("4.3.2.1.in-addr.arpa.")
	c, _ := newClient(t, s.addr, nil)
	if h, _ := resolved(t, c, "1.2.3.4", PTR); h.Name != "big.example.test" {
		t.Errorf("%+v", h)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tcp == 0 {
		t.Error("no query over TCP")
	}
}

func TestResolve(t *testing.T) {
	s := newServer(t)
	s.add(t,
		"www.example.test. 300 IN A 93.184.216.34",
		"www.example.test. 300 IN A 93.184.216.35",
		"v6.example.test. 300 IN AAAA 2606:2800:220:1::1",
		"example.test. 300 IN MX 20 mx2.example.test.",
		"example.test. 300 IN MX 10 mx1.example.test.",
		"mx1.example.test. 300 IN A 195.4.92.9",
		"mx2.example.test. 300 IN A 195.4.92.10",
		"nomail.test. 300 IN MX 0 .",
		"implicit.test. 300 IN A 198.18.0.1", // no MX: the domain is its own mail host
		"lame.test. 300 IN MX 10 nowhere.lame.test.",
	)
	s.setRcode("broken.test.", dns.RcodeServerFailure)
	c, _ := newClient(t, s.addr, nil)
	for _, tc := range []struct {
		name string
		port int
		want Target
	}{
		{"www.example.test", 80, Target{Found, "www.example.test", netip.MustParseAddr("93.184.216.34")}},
		{"WWW.Example.Test.", 443, Target{Found, "www.example.test", netip.MustParseAddr("93.184.216.34")}},
		{"v6.example.test", 80, Target{Found, "v6.example.test", netip.MustParseAddr("2606:2800:220:1::1")}},
		{"example.test", 25, Target{Found, "mx1.example.test", netip.MustParseAddr("195.4.92.9")}},
		{"example.test", 587, Target{Status: None, Host: "example.test"}}, // not port 25: A/AAAA only
		{"nomail.test", 25, Target{Status: None, Host: "nomail.test"}},
		{"implicit.test", 25, Target{Found, "implicit.test", netip.MustParseAddr("198.18.0.1")}},
		{"lame.test", 25, Target{Status: None, Host: "nowhere.lame.test"}},
		{"missing.test", 25, Target{Status: None, Host: "missing.test"}},
		{"missing.test", 80, Target{Status: None, Host: "missing.test"}},
		{"broken.test", 25, Target{Status: Unknown, Host: "broken.test"}},
		{"broken.test", 80, Target{Status: Unknown, Host: "broken.test"}},
		{"195.4.92.9", 25, Target{Found, "195.4.92.9", netip.MustParseAddr("195.4.92.9")}},
		{"[2a00:1450::1]", 80, Target{Found, "2a00:1450::1", netip.MustParseAddr("2a00:1450::1")}},
		{"bad name!", 25, Target{Status: None}},
		{"localhost", 80, Target{Status: None}},
		{strings.Repeat("a", 64) + ".test", 80, Target{Status: None}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done, wait := signal(t)
			r := c.Resolve(tc.name, tc.port, done)
			if !r.Ready() {
				wait()
			}
			if got := r.Result(); got != tc.want {
				t.Errorf("Resolve(%q, %d) = %+v, want %+v", tc.name, tc.port, got, tc.want)
			}
		})
	}
}

func TestClose(t *testing.T) {
	s := newServer(t)
	s.setHold("4.3.2.1.in-addr.arpa.")
	// A query that would wait an hour: only Close can end it before wait
	// gives up.
	c, _ := newClient(t, s.addr, func(cfg *Config) { cfg.Timeout = time.Hour })
	done, wait := signal(t)
	p := c.Start(netip.MustParseAddr("1.2.3.4"), PTR, done)
	c.Close()
	wait()
	if !p.Ready() || p.Hostname().Status != Unknown {
		t.Errorf("after Close: %v %+v", p.Ready(), p.Hostname())
	}
	if p := c.Start(netip.MustParseAddr("1.2.3.9"), PTR, nil); !p.Ready() {
		t.Error("Start after Close is not Ready at once")
	}
}

func TestConfig(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("no server accepted")
	}
	c, err := New(Config{Server: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg.Server != "127.0.0.1:53" || c.cfg.Timeout != 2*time.Second || c.cfg.MaxInFlight != 256 {
		t.Errorf("defaults: %+v", c.cfg)
	}
	if c, err := New(Config{Server: "[::1]"}); err != nil || c.cfg.Server != "[::1]:53" {
		t.Errorf("bracketed IPv6 without port: %v", err)
	}
	zs := make([]Zone, MaxZones+1)
	for i := range zs {
		zs[i] = Generic("z.test")
	}
	_, err = New(Config{Server: "127.0.0.1:53", Zones: append(zs, Generic("bad zone")), Timeout: -1})
	if err == nil || !strings.Contains(err.Error(), "at most") || !strings.Contains(err.Error(), "bad zone") || !strings.Contains(err.Error(), "Timeout") {
		t.Errorf("want every problem reported at once, got %v", err)
	}
}

func TestParseZones(t *testing.T) {
	zs, err := ParseZones("zen.spamhaus.org, bl.spamcop.net., KEY.zen.dq.spamhaus.net,")
	if err != nil {
		t.Fatal(err)
	}
	if len(zs) != 3 || zs[0].Codes == nil || zs[1].Codes != nil || zs[2].Codes == nil || zs[1].Name != "bl.spamcop.net" || zs[2].Name != "key.zen.dq.spamhaus.net" {
		t.Errorf("%+v", zs)
	}
	if zs, err := ParseZones(""); err != nil || len(zs) != 0 {
		t.Errorf("empty: %v %v", zs, err)
	}
	for _, bad := range []string{"nodot", "a..b", "sp ace.test", strings.Repeat("a", 64) + ".test"} {
		if _, err := ParseZones(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// BenchmarkStartCached is the cache hit path: an address whose PTR and two
// DNSBL verdicts are cached. The one allocation is the Pending.
func BenchmarkStartCached(b *testing.B) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer pc.Close()
	c, err := New(Config{Server: pc.LocalAddr().String(), Zones: []Zone{Spamhaus("zen.test"), Generic("bl.test")}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ip := netip.MustParseAddr("41.155.50.138")
	exp := time.Now().Add(time.Hour)
	c.cache.put(key{kind: kindHost, addr: ip}, &answer{status: Found, host: Hostname{Name: "dial-pool50.lg.starcomms.net", Confirmed: true}}, exp)
	c.cache.put(key{kind: kindListing, zone: 0, addr: ip}, &answer{status: Found, codes: []string{"PBL"}}, exp)
	c.cache.put(key{kind: kindListing, zone: 1, addr: ip}, &answer{status: None}, exp)
	b.ReportAllocs()
	for b.Loop() {
		if p := c.Start(ip, PTR|DNSBL, nil); !p.Ready() {
			b.Fatal("not cached")
		}
	}
}

// BenchmarkCacheGet is the cache lookup alone: no allocation.
func BenchmarkCacheGet(b *testing.B) {
	c := newCache(1 << 16)
	now := time.Now()
	var ks []key
	for i := range 1 << 16 {
		k := key{kind: kindHost, addr: netip.AddrFrom4([4]byte{1, byte(i >> 16), byte(i >> 8), byte(i)})}
		c.put(k, &answer{status: None}, now.Add(time.Hour))
		ks = append(ks, k)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := c.get(ks[i&(1<<16-1)], now); !ok {
			b.Fatal("miss")
		}
		i++
	}
}
