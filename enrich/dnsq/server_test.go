package dnsq

import (
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// testServer is an authoritative-looking DNS server on 127.0.0.1 (random
// port, UDP and TCP) whose behaviour per name a test sets: records, a
// forced rcode, never answering, or answering only when released.
type testServer struct {
	addr string

	mu       sync.Mutex
	rrs      map[string][]dns.RR // by lower-case FQDN
	rcode    map[string]int
	drop     map[string]bool
	hold     map[string]chan struct{}
	truncate map[string]bool // over UDP
	queries  map[string]int  // by "fqdn TYPE"
	tcp      int             // queries over TCP
}

func newServer(t *testing.T) *testServer {
	t.Helper()
	s := &testServer{
		rrs: map[string][]dns.RR{}, rcode: map[string]int{}, drop: map[string]bool{},
		hold: map[string]chan struct{}{}, truncate: map[string]bool{}, queries: map[string]int{},
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = pc.LocalAddr().String()
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		pc.Close()
		t.Skipf("TCP port %s taken: %v", s.addr, err)
	}
	var started sync.WaitGroup
	started.Add(2)
	udp := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(s.serve), NotifyStartedFunc: started.Done}
	tcp := &dns.Server{Listener: ln, Handler: dns.HandlerFunc(s.serve), NotifyStartedFunc: started.Done}
	go udp.ActivateAndServe()
	go tcp.ActivateAndServe()
	started.Wait()
	t.Cleanup(func() {
		s.mu.Lock()
		for n, ch := range s.hold {
			close(ch)
			delete(s.hold, n)
		}
		s.mu.Unlock()
		udp.Shutdown()
		tcp.Shutdown()
	})
	return s
}

// add adds records in zone-file syntax, e.g. "4.3.2.1.in-addr.arpa. 300 IN PTR mail.test.".
func (s *testServer) add(t *testing.T, lines ...string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatal(err)
		}
		n := strings.ToLower(rr.Header().Name)
		s.rrs[n] = append(s.rrs[n], rr)
	}
}

func (s *testServer) setRcode(name string, rc int) { s.mu.Lock(); s.rcode[name] = rc; s.mu.Unlock() }
func (s *testServer) setDrop(name string)          { s.mu.Lock(); s.drop[name] = true; s.mu.Unlock() }
func (s *testServer) setTruncate(name string)      { s.mu.Lock(); s.truncate[name] = true; s.mu.Unlock() }

// setHold makes name wait for release before it is answered.
func (s *testServer) setHold(name string) (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.hold[name] = ch
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if s.hold[name] == ch {
				delete(s.hold, name)
				close(ch)
			}
			s.mu.Unlock()
		})
	}
}

func (s *testServer) count(name string, qtype uint16) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries[name+" "+dns.TypeToString[qtype]]
}

func (s *testServer) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.queries {
		n += c
	}
	return n
}

var soa = func() dns.RR {
	rr, _ := dns.NewRR("test. 600 IN SOA ns.test. admin.test. 1 3600 600 86400 300")
	return rr
}()

func (s *testServer) serve(w dns.ResponseWriter, req *dns.Msg) {
	if len(req.Question) != 1 {
		return
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	_, overTCP := w.RemoteAddr().(*net.TCPAddr)
	s.mu.Lock()
	s.queries[name+" "+dns.TypeToString[q.Qtype]]++
	if overTCP {
		s.tcp++
	}
	drop, hold, rc, trunc := s.drop[name], s.hold[name], s.rcode[name], s.truncate[name] && !overTCP
	var ans []dns.RR
	exists := false
	for _, rr := range s.rrs[name] {
		exists = true
		if rr.Header().Rrtype == q.Qtype {
			ans = append(ans, rr)
		}
	}
	s.mu.Unlock()
	if drop {
		return
	}
	if hold != nil {
		<-hold
	}
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	switch {
	case rc != 0:
		m.Rcode = rc
	case trunc:
		m.Truncated = true
	case len(ans) > 0:
		m.Answer = ans
	case exists:
		m.Ns = []dns.RR{soa} // NODATA
	default:
		m.Rcode = dns.RcodeNameError
		m.Ns = []dns.RR{soa}
	}
	w.WriteMsg(m)
}
