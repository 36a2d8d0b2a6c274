package dnsq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"github.com/spampots/spampots/enrich/special"
)

// Status says how much is known about one part of a lookup.
type Status uint8

const (
	// Unknown: no answer yet, or none in time (timeout, SERVFAIL, REFUSED,
	// a network error, the in-flight bound, a closed client).
	Unknown Status = iota
	// Found: the records exist (a host name; a listing; an address).
	Found
	// None: the resolver says there is nothing (NXDOMAIN, or no records
	// of the type): no PTR, not listed, no such host.
	None
	// Reserved: a special-purpose address (enrich/special); not asked.
	Reserved
)

var statusNames = [...]string{Unknown: "unknown", Found: "found", None: "none", Reserved: "reserved"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "unknown"
}

// Hostname is the reverse DNS of an address.
type Hostname struct {
	Status Status
	// Name is the first PTR target, lower case, without the final dot, in
	// DNS presentation form (unusual bytes escaped as \DDD); "" unless
	// Status is Found.
	Name string
	// Confirmed is set when Name's A records (AAAA for an IPv6 address)
	// include the address: forward-confirmed reverse DNS.
	Confirmed bool
}

// Listing is the verdict of one DNS block list on an address.
type Listing struct {
	Zone string
	// Status is Found when listed, None when not listed.
	Status Status
	// Codes are the zone's names for its answers, sorted, e.g. [PBL XBL];
	// shared between callers: do not modify.
	Codes []string
}

// Target is where a destination name leads.
type Target struct {
	Status Status
	// Host is the name whose address was taken: the MX host with the
	// lowest preference for port 25, else the name itself.
	Host string
	// Addr is the host's first A record, else its first AAAA record.
	Addr netip.Addr
}

// Want selects the lookups Start makes.
type Want uint8

const (
	// PTR asks the reverse DNS, forward-confirmed.
	PTR Want = 1 << iota
	// DNSBL asks every configured block list.
	DNSBL
)

// MaxZones bounds the DNSBL zones of one Client.
const MaxZones = 8

// Config configures a Client. The zero value of a field means its default.
type Config struct {
	// Server is the resolver, host:port (or host, port 53). It is the only
	// address the Client ever sends to. Required.
	Server string
	// Zones are the DNS block lists asked for DNSBL; at most MaxZones.
	// None by default: pass DefaultZones() for Spamhaus ZEN.
	Zones []Zone
	// Timeout bounds one attempt of one query. Default 2s.
	Timeout time.Duration
	// Attempts is how many times a query that timed out is sent. Default 2.
	Attempts int
	// MaxInFlight bounds the lookups under way at once, each one goroutine
	// with one socket. A lookup over the bound is not made: its result is
	// Unknown at once. Default 256.
	MaxInFlight int
	// CacheSize bounds the answers kept, least recently used evicted
	// first. Default 16384 (about 400 bytes each: 6 MiB).
	CacheSize int
	// MinTTL and MaxTTL clamp the time an answer is kept. Defaults 1m and
	// 1h. A negative answer (NXDOMAIN, no records) is kept for its SOA's
	// negative TTL (RFC 2308 §5), clamped the same way.
	MinTTL, MaxTTL time.Duration
	// FailureTTL is how long an Unknown answer (timeout, SERVFAIL) is kept,
	// so that a dead resolver is not asked about the same thing at every
	// connection. Default 30s.
	FailureTTL time.Duration
	// Now is the clock of the cache. Default time.Now.
	Now func() time.Time
	// Logger gets resolver trouble at debug level, and once at warn level
	// a block list refusing the resolver. Default: discard.
	Logger *slog.Logger
}

// Stats counts a Client's work since New.
type Stats struct {
	Queries   uint64 // DNS queries sent (each attempt counts)
	Timeouts  uint64 // attempts that timed out
	Failures  uint64 // lookups that ended Unknown for another reason (SERVFAIL, REFUSED, network, bad answer)
	Refused   uint64 // lookups not made: MaxInFlight reached, or the client closed
	Hits      uint64 // answers from the cache
	Misses    uint64 // answers not in the cache
	Joined    uint64 // lookups that joined an identical one under way
	Evictions uint64 // answers evicted by the size bound
	InFlight  int    // lookups under way now
	Cached    int    // answers in the cache now
}

// Client resolves through one resolver, asynchronously, with a bounded
// number of lookups in flight and a bounded cache. It is safe for concurrent
// use; no method blocks on the network.
type Client struct {
	cfg   Config
	udp   *dns.Client
	tcp   *dns.Client
	cache *cache
	sem   chan struct{}

	mu      sync.Mutex
	flights map[key]*flight

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed atomic.Bool

	warned [MaxZones]atomic.Bool

	queries, timeouts, failures, refused, hits, misses, joined, evictions atomic.Uint64
	// Sequence numbers of the last answer and of the last timeout, from
	// seq: which came last says whether the resolver is answering.
	seq, lastAnswer, lastTimeout atomic.Uint64
}

// flight is one lookup under way, with everything waiting for it.
type flight struct {
	waiters []waiter
}

// waiter is a Pending or Resolution slot waiting for an answer.
type waiter struct {
	w interface {
		deliver(slot int, a *answer, async bool)
	}
	slot int
}

// New checks cfg, fills in defaults and returns a Client. It sends nothing.
func New(cfg Config) (*Client, error) {
	var errs []error
	if cfg.Server == "" {
		errs = append(errs, errors.New("dnsq: no resolver (Server) configured"))
	} else if _, _, err := net.SplitHostPort(cfg.Server); err != nil {
		cfg.Server = net.JoinHostPort(strings.Trim(cfg.Server, "[]"), "53")
	}
	if _, _, err := net.SplitHostPort(cfg.Server); cfg.Server != "" && err != nil {
		errs = append(errs, fmt.Errorf("dnsq: resolver %q: %w", cfg.Server, err))
	}
	if len(cfg.Zones) > MaxZones {
		errs = append(errs, fmt.Errorf("dnsq: %d DNSBL zones, at most %d", len(cfg.Zones), MaxZones))
	}
	for _, z := range cfg.Zones {
		if err := checkZoneName(strings.TrimSuffix(z.Name, ".")); err != nil {
			errs = append(errs, err)
		}
	}
	for _, d := range []struct {
		name string
		v    int64
	}{
		{"Timeout", int64(cfg.Timeout)}, {"Attempts", int64(cfg.Attempts)}, {"MaxInFlight", int64(cfg.MaxInFlight)},
		{"CacheSize", int64(cfg.CacheSize)}, {"MinTTL", int64(cfg.MinTTL)}, {"MaxTTL", int64(cfg.MaxTTL)},
		{"FailureTTL", int64(cfg.FailureTTL)},
	} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("dnsq: negative %s", d.name))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&cfg.Timeout, 2*time.Second)
	def(&cfg.MinTTL, time.Minute)
	def(&cfg.MaxTTL, time.Hour)
	def(&cfg.FailureTTL, 30*time.Second)
	if cfg.MaxTTL < cfg.MinTTL {
		cfg.MaxTTL = cfg.MinTTL
	}
	if cfg.Attempts == 0 {
		cfg.Attempts = 2
	}
	if cfg.MaxInFlight == 0 {
		cfg.MaxInFlight = 256
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = 16384
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	zs := make([]Zone, len(cfg.Zones))
	for i, z := range cfg.Zones {
		z.Name = strings.ToLower(strings.TrimSuffix(z.Name, "."))
		zs[i] = z
	}
	cfg.Zones = zs
	ctx, cancel := context.WithCancel(context.Background())
	return &Client{
		cfg:     cfg,
		udp:     &dns.Client{Net: "udp", Timeout: cfg.Timeout, UDPSize: 1232},
		tcp:     &dns.Client{Net: "tcp", Timeout: cfg.Timeout},
		cache:   newCache(cfg.CacheSize),
		sem:     make(chan struct{}, cfg.MaxInFlight),
		flights: map[key]*flight{},
		ctx:     ctx,
		cancel:  cancel,
	}, nil
}

// Zones returns the configured zones.
func (c *Client) Zones() []Zone { return c.cfg.Zones }

// Close stops the Client: lookups under way are abandoned (their results
// Unknown, their callbacks called) and later ones are refused. It waits for
// the resolver goroutines, which end at once.
func (c *Client) Close() {
	c.mu.Lock() // ask checks closed and adds to wg under mu
	c.closed.Store(true)
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
}

// Answering reports whether the resolver answered since its last timeout:
// false once a query timed out with no answer since, so that callers can
// stop waiting for a resolver that is down (lookups go on, and the first
// answer makes it true again).
func (c *Client) Answering() bool {
	return c.lastTimeout.Load() <= c.lastAnswer.Load()
}

// Stats returns the counters.
func (c *Client) Stats() Stats {
	return Stats{
		Queries: c.queries.Load(), Timeouts: c.timeouts.Load(), Failures: c.failures.Load(),
		Refused: c.refused.Load(), Hits: c.hits.Load(), Misses: c.misses.Load(),
		Joined: c.joined.Load(), Evictions: c.evictions.Load(),
		InFlight: len(c.sem), Cached: c.cache.len(),
	}
}

// Pending is the reverse DNS and block-list verdicts of one address, filled
// in as the answers arrive. Its methods never block.
type Pending struct {
	left atomic.Int32 // parts not answered yet
	done func()

	mu    sync.Mutex
	host  Hostname
	lists [MaxZones]Listing
	nz    int
}

// Ready reports whether every part has its final value.
func (p *Pending) Ready() bool { return p.left.Load() == 0 }

// Result returns what is known now: a part without an answer yet is
// Unknown. The Listings are one per configured zone, in order, if DNSBL
// was asked.
func (p *Pending) Result() (Hostname, []Listing) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.host, append([]Listing(nil), p.lists[:p.nz]...)
}

// Hostname returns the reverse DNS known now.
func (p *Pending) Hostname() Hostname {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.host
}

const hostSlot = -1

func (p *Pending) deliver(slot int, a *answer, async bool) {
	p.mu.Lock()
	if slot == hostSlot {
		p.host = a.host
		p.host.Status = a.status
	} else {
		p.lists[slot].Status, p.lists[slot].Codes = a.status, a.codes
	}
	p.mu.Unlock()
	if p.left.Add(-1) == 0 && async && p.done != nil {
		p.done()
	}
}

// Start begins the lookups want asks for ip and returns at once. Answers in
// the cache are used at once; the rest are asked, joined to an identical
// lookup under way, or, past MaxInFlight, left Unknown.
//
// done, if not nil, is called at most once, from a resolver goroutine, when
// the last outstanding answer arrives. It is always called when Start
// returns a Pending that is not Ready, and never from within Start; it may
// also come when the Pending was Ready on return (treat it as a wake-up).
// It must not block.
//
// An IPv4-mapped address is asked as IPv4. A special-purpose address
// (enrich/special) is never asked: every part is Reserved.
func (c *Client) Start(ip netip.Addr, want Want, done func()) *Pending {
	ip = ip.Unmap()
	p := &Pending{done: done}
	if want&DNSBL != 0 {
		p.nz = len(c.cfg.Zones)
		for i, z := range c.cfg.Zones {
			p.lists[i].Zone = z.Name
		}
	}
	n := p.nz
	if want&PTR != 0 {
		n++
	}
	if special.Reserved(ip) {
		p.host.Status = Reserved
		for i := range p.nz {
			p.lists[i].Status = Reserved
		}
		return p
	}
	p.left.Store(int32(n))
	if want&PTR != 0 {
		c.ask(key{kind: kindHost, addr: ip}, waiter{p, hostSlot})
	}
	for i := range p.nz {
		c.ask(key{kind: kindListing, zone: uint8(i), addr: ip}, waiter{p, i})
	}
	return p
}

// Resolution is where a destination name leads, filled in when the answer
// arrives. Its methods never block.
type Resolution struct {
	left atomic.Int32
	done func()

	mu     sync.Mutex
	target Target
}

// Ready reports whether the answer is final.
func (r *Resolution) Ready() bool { return r.left.Load() == 0 }

// Result returns the target known now; Unknown until the answer arrives.
func (r *Resolution) Result() Target {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.target
}

func (r *Resolution) deliver(_ int, a *answer, async bool) {
	r.mu.Lock()
	r.target = a.target
	r.target.Status = a.status
	r.mu.Unlock()
	if r.left.Add(-1) == 0 && async && r.done != nil {
		r.done()
	}
}

// Resolve begins resolving a destination name the way a mail or web
// client would, without connecting anywhere: for port 25 the MX with the
// lowest preference (the name itself when it has no MX, RFC 5321 §5.1;
// None for a null MX, RFC 7505), then that host's A record, else its AAAA
// record. done is called as for Start.
//
// A name that is an IP address literal resolves to itself at once; a name
// that is not a valid host name is None at once.
func (c *Client) Resolve(name string, port int, done func()) *Resolution {
	r := &Resolution{done: done}
	name = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), "."))
	if a, err := netip.ParseAddr(strings.Trim(name, "[]")); err == nil {
		r.target = Target{Status: Found, Host: a.String(), Addr: a.Unmap()}
		return r
	}
	if !validHost(name) {
		r.target.Status = None
		return r
	}
	k := key{kind: kindAddr, name: name}
	if port == 25 {
		k.kind = kindMail
	}
	r.left.Store(1)
	c.ask(k, waiter{r, 0})
	return r
}

// validHost accepts a host name of letters, digits, '-' and '_' labels,
// at least two of them, as a sender may write it in a CONNECT or a SOCKS
// request.
func validHost(name string) bool {
	if len(name) == 0 || len(name) > 253 || !strings.Contains(name, ".") {
		return false
	}
	for l := range strings.SplitSeq(name, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
		for _, c := range []byte(l) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// ask answers one part: from the cache, from a lookup under way, from a new
// lookup, or Unknown when the bound is reached.
func (c *Client) ask(k key, w waiter) {
	if a, ok := c.cache.get(k, c.cfg.Now()); ok {
		c.hits.Add(1)
		w.w.deliver(w.slot, a, false)
		return
	}
	c.misses.Add(1)
	c.mu.Lock()
	if f := c.flights[k]; f != nil {
		f.waiters = append(f.waiters, w)
		c.mu.Unlock()
		c.joined.Add(1)
		return
	}
	if c.closed.Load() {
		c.mu.Unlock()
		c.refused.Add(1)
		w.w.deliver(w.slot, &answer{status: Unknown}, false)
		return
	}
	select {
	case c.sem <- struct{}{}:
	default:
		c.mu.Unlock()
		c.refused.Add(1)
		w.w.deliver(w.slot, &answer{status: Unknown}, false)
		return
	}
	f := &flight{waiters: []waiter{w}}
	c.flights[k] = f
	c.wg.Add(1)
	c.mu.Unlock()
	go c.fly(k, f)
}

// fly runs one lookup, caches its answer and hands it to every waiter.
func (c *Client) fly(k key, f *flight) {
	defer c.wg.Done()
	a := c.lookup(k)
	<-c.sem
	ttl := a.ttl
	if a.status == Unknown {
		ttl = c.cfg.FailureTTL
	}
	if !c.closed.Load() {
		c.evictions.Add(uint64(c.cache.put(k, a, c.cfg.Now().Add(ttl))))
	}
	c.mu.Lock()
	ws := f.waiters
	delete(c.flights, k)
	c.mu.Unlock()
	for _, w := range ws {
		w.w.deliver(w.slot, a, true)
	}
}
