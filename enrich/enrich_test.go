package enrich

import (
	"bytes"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/spampots/spampots/enrich/asnmmdb"
	"github.com/spampots/spampots/enrich/dnsq"
	"github.com/spampots/spampots/enrich/ipdb"
)

// server is a DNS server on 127.0.0.1 answering from records; names in
// held are answered only once release is called.
type server struct {
	addr    string
	rrs     map[string][]dns.RR
	mu      sync.Mutex
	held    map[string]bool
	release chan struct{}
	once    sync.Once
}

// open answers the held names.
func (s *server) open() { s.once.Do(func() { close(s.release) }) }

func newServer(t *testing.T, held []string, records ...string) *server {
	t.Helper()
	s := &server{rrs: map[string][]dns.RR{}, held: map[string]bool{}, release: make(chan struct{})}
	for _, h := range held {
		s.held[h] = true
	}
	for _, l := range records {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatal(err)
		}
		s.rrs[rr.Header().Name] = append(s.rrs[rr.Header().Name], rr)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = pc.LocalAddr().String()
	var started sync.WaitGroup
	started.Add(1)
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: started.Done, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		q := req.Question[0]
		s.mu.Lock()
		held := s.held[q.Name]
		s.mu.Unlock()
		if held {
			<-s.release
		}
		m := new(dns.Msg)
		m.SetReply(req)
		for _, rr := range s.rrs[q.Name] {
			if rr.Header().Rrtype == q.Qtype {
				m.Answer = append(m.Answer, rr)
			}
		}
		if len(s.rrs[q.Name]) == 0 {
			m.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	started.Wait()
	t.Cleanup(func() { s.open(); srv.Shutdown() })
	return s
}

func databases(t *testing.T) ipdb.Config {
	t.Helper()
	tr, err := asnmmdb.New(asnmmdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	csv := "41.155.0.0,41.155.127.255,33776,STARCOMMS-AS\n195.4.92.0,195.4.92.255,5430,freenet Datenkommunikations GmbH\n"
	if err := tr.ReadCSV(strings.NewReader(csv), "test"); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := tr.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "asn.mmdb")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return ipdb.Config{ASN: path}
}

func waitDone(t *testing.T) (func(), func()) {
	ch := make(chan struct{}, 1)
	return func() { ch <- struct{}{} }, func() {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatal("done not called")
		}
	}
}

// TestCaseStudy replays the seed's case study: a SOCKS 5 client at
// 41.155.50.138 sending to the MX of freenet.de.
func TestCaseStudy(t *testing.T) {
	s := newServer(t, nil,
		"138.50.155.41.in-addr.arpa. 300 IN PTR dial-pool50.lg.starcomms.net.",
		"dial-pool50.lg.starcomms.net. 300 IN A 41.155.50.138",
		"138.50.155.41.zen.spamhaus.org. 300 IN A 127.0.0.10",
		"freenet.de. 300 IN MX 10 virtual0.mx.freenet.de.",
		"virtual0.mx.freenet.de. 300 IN A 195.4.92.9",
		"9.92.4.195.in-addr.arpa. 300 IN PTR virtual0.mx.freenet.de.",
	)
	e, err := New(Config{IPDB: databases(t), DNS: dnsq.Config{Server: s.addr, Zones: dnsq.DefaultZones()}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()

	done, wait := waitDone(t)
	src := e.Source(netip.MustParseAddr("41.155.50.138"), done)
	if !src.Ready() {
		wait()
	}
	want := Values{IP: "41.155.50.138", Hostname: "dial-pool50.lg.starcomms.net", ASN: "33776 41.155.0.0/17 STARCOMMS-AS",
		RIR: "afrinic", CC: Unknown, DNSBL: "zen.spamhaus.org=PBL"}
	if got := src.Values(); got != want {
		t.Errorf("source:\n got %+v\nwant %+v", got, want)
	}

	done, wait = waitDone(t)
	dst := e.DestinationName("freenet.de", 25, done)
	if !dst.Ready() {
		wait()
	}
	want = Values{IP: "195.4.92.9", Hostname: "virtual0.mx.freenet.de", ASN: "5430 195.4.92.0/24 freenet Datenkommunikations GmbH",
		RIR: "ripencc", CC: Unknown, DNSBL: Unknown}
	if got := dst.Values(); got != want {
		t.Errorf("destination name:\n got %+v\nwant %+v", got, want)
	}
	if dst.Info().ASN != 5430 {
		t.Errorf("Info: %+v", dst.Info())
	}

	done, wait = waitDone(t)
	dip := e.Destination(netip.MustParseAddr("195.4.92.9"), done)
	if !dip.Ready() {
		wait()
	}
	want.IP = "195.4.92.9"
	if got := dip.Values(); got != want {
		t.Errorf("destination address:\n got %+v\nwant %+v", got, want)
	}
}

// TestSlowResolverNeverStalls: the databases answer at once; the DNS part
// is unknown when the message is written and arrives later through done.
func TestSlowResolverNeverStalls(t *testing.T) {
	s := newServer(t, []string{"138.50.155.41.in-addr.arpa.", "138.50.155.41.zen.spamhaus.org."},
		"138.50.155.41.in-addr.arpa. 300 IN PTR dial-pool50.lg.starcomms.net.",
		"dial-pool50.lg.starcomms.net. 300 IN A 41.155.50.138",
	)
	e, err := New(Config{IPDB: databases(t), DNS: dnsq.Config{Server: s.addr, Zones: dnsq.DefaultZones(), Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	done, wait := waitDone(t)
	l := e.Source(netip.MustParseAddr("41.155.50.138"), done)
	at := l.Values() // DATA ended: the message is written now
	if l.Ready() || at.Hostname != Unknown || at.DNSBL != Unknown || at.ASN != "33776 41.155.0.0/17 STARCOMMS-AS" || at.RIR != "afrinic" {
		t.Fatalf("at DATA end: ready %v, %+v", l.Ready(), at)
	}
	s.open()
	wait()
	if late := l.Values(); late.Hostname != "dial-pool50.lg.starcomms.net" || late.DNSBL != Clean {
		t.Errorf("late answer for the event stream: %+v", late)
	}
}

func TestReservedAndNoDNS(t *testing.T) {
	e, err := New(Config{IPDB: databases(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	r := e.Source(netip.MustParseAddr("::ffff:192.168.0.7"), nil)
	want := Values{IP: "192.168.0.7", Hostname: Reserved, ASN: Reserved, RIR: Reserved, CC: Reserved, DNSBL: Reserved}
	if got := r.Values(); !r.Ready() || got != want {
		t.Errorf("reserved: %+v", got)
	}
	l := e.Source(netip.MustParseAddr("41.155.50.138"), nil)
	want = Values{IP: "41.155.50.138", Hostname: Unknown, ASN: "33776 41.155.0.0/17 STARCOMMS-AS", RIR: "afrinic", CC: Unknown, DNSBL: Unknown}
	if got := l.Values(); !l.Ready() || got != want {
		t.Errorf("without DNS: %+v", got)
	}
	d := e.DestinationName("Example.COM.", 80, nil)
	want = Values{IP: Unknown, Hostname: "example.com", ASN: Unknown, RIR: Unknown, CC: Unknown, DNSBL: Unknown}
	if got := d.Values(); !d.Ready() || got != want {
		t.Errorf("name without DNS: %+v", got)
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	_, err := New(Config{
		IPDB: ipdb.Config{ASN: "/nonexistent/asn.mmdb", Country: "/nonexistent/country.mmdb"},
		DNS:  dnsq.Config{Server: "127.0.0.1:53", Timeout: -1},
	})
	if err == nil {
		t.Fatal("New accepted it")
	}
	for _, w := range []string{"asn.mmdb", "country.mmdb", "Timeout"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q missing from %v", w, err)
		}
	}
	if _, err := New(Config{DNS: dnsq.Config{Zones: dnsq.DefaultZones()}}); err == nil {
		t.Error("zones without a resolver accepted")
	}
}

func TestFormat(t *testing.T) {
	p := netip.MustParsePrefix("41.155.0.0/17")
	for _, tc := range []struct {
		in   ipdb.Info
		asn  string
		rir  string
		cc   string
		back bool
	}{
		{ipdb.Info{ASN: 33776, Org: "STARCOMMS-AS", Prefix: p, RIR: "afrinic", CC: "NG"}, "33776 41.155.0.0/17 STARCOMMS-AS", "afrinic", "NG", true},
		{ipdb.Info{ASN: 15169, Prefix: netip.MustParsePrefix("2001:4860::/32")}, "15169 2001:4860::/32", Unknown, Unknown, true},
		{ipdb.Info{ASN: 7, Org: "Bad\r\nOrg"}, "7 Bad??Org", Unknown, Unknown, true},
		{ipdb.Info{RIR: "arin"}, Unknown, "arin", Unknown, false},
		{ipdb.Info{Reserved: true}, Reserved, Reserved, Reserved, false},
	} {
		if got := FormatASN(tc.in); got != tc.asn {
			t.Errorf("FormatASN(%+v) = %q, want %q", tc.in, got, tc.asn)
		}
		if got := FormatRIR(tc.in); got != tc.rir {
			t.Errorf("FormatRIR(%+v) = %q", tc.in, got)
		}
		if got := FormatCC(tc.in); got != tc.cc {
			t.Errorf("FormatCC(%+v) = %q", tc.in, got)
		}
		asn, prefix, org, ok := ParseASN(tc.asn)
		if ok != tc.back || ok && (asn != tc.in.ASN || prefix != tc.in.Prefix || org != oneLine(tc.in.Org)) {
			t.Errorf("ParseASN(%q) = %d %s %q %v", tc.asn, asn, prefix, org, ok)
		}
	}
	if asn, _, _, ok := ParseASN("33776"); !ok || asn != 33776 {
		t.Error("the seed's plain number must parse")
	}
	if asn, p, org, ok := ParseASN("64500 Some Org"); !ok || asn != 64500 || p.IsValid() || org != "Some Org" {
		t.Error("a value without prefix")
	}

	for _, tc := range []struct {
		h    dnsq.Hostname
		want string
	}{
		{dnsq.Hostname{Status: dnsq.Found, Name: "mx.example.net", Confirmed: true}, "mx.example.net"},
		{dnsq.Hostname{Status: dnsq.Found, Name: "liar.example.net"}, "liar.example.net (unconfirmed)"},
		{dnsq.Hostname{Status: dnsq.None}, None},
		{dnsq.Hostname{Status: dnsq.Unknown}, Unknown},
		{dnsq.Hostname{Status: dnsq.Reserved}, Reserved},
	} {
		if got := FormatHostname(tc.h); got != tc.want {
			t.Errorf("FormatHostname(%+v) = %q, want %q", tc.h, got, tc.want)
		}
	}

	zen := func(s dnsq.Status, codes ...string) dnsq.Listing {
		return dnsq.Listing{Zone: "zen.spamhaus.org", Status: s, Codes: codes}
	}
	cop := func(s dnsq.Status, codes ...string) dnsq.Listing {
		return dnsq.Listing{Zone: "bl.spamcop.net", Status: s, Codes: codes}
	}
	for _, tc := range []struct {
		ls     []dnsq.Listing
		want   string
		listed map[string][]string
		known  bool
	}{
		{[]dnsq.Listing{zen(dnsq.Found, "PBL")}, "zen.spamhaus.org=PBL", map[string][]string{"zen.spamhaus.org": {"PBL"}}, true},
		{[]dnsq.Listing{zen(dnsq.Found, "PBL", "XBL")}, "zen.spamhaus.org=PBL,XBL", map[string][]string{"zen.spamhaus.org": {"PBL", "XBL"}}, true},
		{[]dnsq.Listing{zen(dnsq.None), cop(dnsq.None)}, Clean, nil, true},
		{[]dnsq.Listing{zen(dnsq.Unknown), cop(dnsq.Unknown)}, Unknown, nil, false},
		{[]dnsq.Listing{zen(dnsq.Reserved)}, Reserved, nil, false},
		{nil, Unknown, nil, false},
		{[]dnsq.Listing{zen(dnsq.Found, "SBL"), cop(dnsq.Unknown)}, "zen.spamhaus.org=SBL bl.spamcop.net=unknown", map[string][]string{"zen.spamhaus.org": {"SBL"}}, true},
		{[]dnsq.Listing{zen(dnsq.None), cop(dnsq.Found, "127.0.0.2")}, "zen.spamhaus.org=clean bl.spamcop.net=127.0.0.2", map[string][]string{"bl.spamcop.net": {"127.0.0.2"}}, true},
	} {
		got := FormatDNSBL(tc.ls)
		if got != tc.want {
			t.Errorf("FormatDNSBL(%+v) = %q, want %q", tc.ls, got, tc.want)
		}
		listed, known := ParseDNSBL(got)
		if known != tc.known || !reflect.DeepEqual(listed, tc.listed) {
			t.Errorf("ParseDNSBL(%q) = %v %v, want %v %v", got, listed, known, tc.listed, tc.known)
		}
	}
}

func FuzzParseASN(f *testing.F) {
	for _, s := range []string{"33776", "33776 41.155.0.0/17 STARCOMMS-AS", "15169 2001:4860::/32", "unknown", "reserved", "0", "1 x", "4294967296 a/b c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		asn, p, org, ok := ParseASN(v)
		if !ok {
			return
		}
		again := FormatASN(ipdb.Info{ASN: asn, Prefix: p, Org: org})
		a2, p2, o2, ok2 := ParseASN(again)
		if !ok2 || a2 != asn || p2 != p || o2 != oneLine(strings.TrimSpace(org)) && o2 != oneLine(org) {
			t.Errorf("%q → %d %s %q → %q → %d %s %q", v, asn, p, org, again, a2, p2, o2)
		}
	})
}

func FuzzParseDNSBL(f *testing.F) {
	for _, s := range []string{"clean", "unknown", "reserved", "zen.spamhaus.org=PBL,XBL", "a=clean b=unknown", "=x", "a=", "a=b=c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		listed, known := ParseDNSBL(v)
		if !known && listed != nil {
			t.Errorf("%q: listings without a known verdict", v)
		}
		for z, codes := range listed {
			if z == "" || len(codes) == 0 {
				t.Errorf("%q: empty zone or codes", v)
			}
		}
	})
}
