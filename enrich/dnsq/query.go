package dnsq

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// reply is the useful part of one DNS response.
type reply struct {
	status Status // Found: records of the type; None: NXDOMAIN or NODATA
	rrs    []dns.RR
	ttl    time.Duration // of the answer, or negative TTL from the SOA
	nx     bool          // NXDOMAIN: the name does not exist
}

// lookup runs the queries one key needs. It is called on a resolver
// goroutine, holding one in-flight slot.
func (c *Client) lookup(k key) *answer {
	switch k.kind {
	case kindHost:
		return c.lookupHost(k.addr)
	case kindListing:
		return c.lookupListing(k.addr, &c.cfg.Zones[k.zone], int(k.zone))
	case kindAddr:
		return c.lookupAddr(k.name)
	case kindMail:
		return c.lookupMail(k.name)
	}
	return &answer{status: Unknown}
}

func (c *Client) lookupHost(ip netip.Addr) *answer {
	arpa, err := dns.ReverseAddr(ip.String())
	if err != nil {
		return &answer{status: Unknown}
	}
	r := c.query(arpa, dns.TypePTR)
	if r.status != Found {
		return &answer{status: r.status, ttl: r.ttl}
	}
	name := ""
	for _, rr := range r.rrs {
		if p, ok := rr.(*dns.PTR); ok {
			name = p.Ptr
			break
		}
	}
	a := &answer{status: Found, ttl: r.ttl, host: Hostname{Name: strings.ToLower(strings.TrimSuffix(name, "."))}}
	if a.host.Name == "" {
		a.status = None
		return a
	}
	// Forward confirmation (FCrDNS): the name's addresses of the same
	// family include ip.
	qt := dns.TypeA
	if ip.Is6() {
		qt = dns.TypeAAAA
	}
	f := c.query(dns.Fqdn(name), qt)
	for _, got := range addrs(f.rrs) {
		if got == ip {
			a.host.Confirmed = true
		}
	}
	if f.status == Unknown {
		// Not known whether it is confirmed: ask again soon.
		a.ttl = min(a.ttl, c.cfg.FailureTTL)
	} else {
		a.ttl = min(a.ttl, f.ttl)
	}
	return a
}

func (c *Client) lookupListing(ip netip.Addr, z *Zone, i int) *answer {
	r := c.query(listingName(ip, z.Name), dns.TypeA)
	if r.status != Found {
		return &answer{status: r.status, ttl: r.ttl}
	}
	codes, errCode, ok := z.decode(addrs(r.rrs))
	if !ok {
		c.failures.Add(1)
		if errCode != "" && !c.warned[i].Swap(true) {
			c.cfg.Logger.Warn("DNSBL refuses to answer: its verdicts stay unknown", "zone", z.Name, "reason", errCode, "resolver", c.cfg.Server)
		} else {
			c.cfg.Logger.Debug("DNSBL answer is not a listing", "zone", z.Name, "reason", errCode)
		}
		return &answer{status: Unknown}
	}
	return &answer{status: Found, codes: codes, ttl: r.ttl}
}

// listingName is the DNSBL query name of ip in zone (RFC 5782 §2.1 for
// IPv4, §2.4 for IPv6: nibbles).
func listingName(ip netip.Addr, zone string) string {
	var b []byte
	if ip.Is4() {
		a := ip.As4()
		b = make([]byte, 0, 16+len(zone)+1)
		for i := 3; i >= 0; i-- {
			b = strconv.AppendUint(b, uint64(a[i]), 10)
			b = append(b, '.')
		}
	} else {
		a := ip.As16()
		b = make([]byte, 0, 64+len(zone)+1)
		const hex = "0123456789abcdef"
		for i := 15; i >= 0; i-- {
			b = append(b, hex[a[i]&15], '.', hex[a[i]>>4], '.')
		}
	}
	b = append(b, zone...)
	return string(append(b, '.'))
}

// lookupAddr resolves name to its first A record, else its first AAAA.
func (c *Client) lookupAddr(name string) *answer {
	a := &answer{target: Target{Host: name}}
	var ttl time.Duration = -1
	unknown := false
	for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
		r := c.query(dns.Fqdn(name), qt)
		if ttl < 0 || r.ttl < ttl {
			ttl = r.ttl
		}
		switch r.status {
		case Found:
			if as := addrs(r.rrs); len(as) > 0 {
				a.status, a.target.Addr, a.ttl = Found, as[0], r.ttl
				return a
			}
		case Unknown:
			unknown = true
		}
	}
	a.status, a.ttl = None, ttl
	if unknown {
		a.status = Unknown
	}
	return a
}

// lookupMail resolves name as a mail domain: its best MX, then that host's
// address.
func (c *Client) lookupMail(name string) *answer {
	r := c.query(dns.Fqdn(name), dns.TypeMX)
	switch r.status {
	case Unknown:
		return &answer{status: Unknown, target: Target{Host: name}}
	case None:
		if !r.nx {
			// No MX: the domain is its own mail host (RFC 5321 §5.1).
			return c.lookupAddr(name)
		}
		return &answer{status: None, ttl: r.ttl, target: Target{Host: name}}
	}
	var mxs []*dns.MX
	for _, rr := range r.rrs {
		if mx, ok := rr.(*dns.MX); ok {
			mxs = append(mxs, mx)
		}
	}
	slices.SortFunc(mxs, func(a, b *dns.MX) int {
		if a.Preference != b.Preference {
			return int(a.Preference) - int(b.Preference)
		}
		return strings.Compare(a.Mx, b.Mx)
	})
	if len(mxs) == 0 || mxs[0].Mx == "." {
		// A null MX: the domain accepts no mail (RFC 7505).
		return &answer{status: None, ttl: r.ttl, target: Target{Host: name}}
	}
	host := strings.ToLower(strings.TrimSuffix(mxs[0].Mx, "."))
	if !validHost(host) {
		return &answer{status: None, ttl: r.ttl, target: Target{Host: name}}
	}
	a := c.lookupAddr(host)
	a.ttl = min(a.ttl, r.ttl)
	return a
}

// addrs returns the A and AAAA addresses of rrs, in order.
func addrs(rrs []dns.RR) []netip.Addr {
	var out []netip.Addr
	for _, rr := range rrs {
		switch v := rr.(type) {
		case *dns.A:
			if a, ok := netip.AddrFromSlice(v.A.To4()); ok {
				out = append(out, a)
			}
		case *dns.AAAA:
			if a, ok := netip.AddrFromSlice(v.AAAA.To16()); ok {
				out = append(out, a.Unmap())
			}
		}
	}
	return out
}

// query sends one question to the resolver, Attempts times at most on
// timeouts, over TCP when the UDP answer is truncated, and classifies the
// response.
func (c *Client) query(name string, qtype uint16) reply {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = true
	m.SetEdns0(1232, false)
	var resp *dns.Msg
	var err error
	for range c.cfg.Attempts {
		resp, err = c.exchange(c.udp, m)
		if err == nil && resp.Truncated {
			resp, err = c.exchange(c.tcp, m)
		}
		var ne net.Error
		if err == nil || c.ctx.Err() != nil || !(errors.As(err, &ne) && ne.Timeout()) {
			break
		}
		c.timeouts.Add(1)
		c.lastTimeout.Store(c.seq.Add(1))
	}
	if err != nil {
		if c.ctx.Err() == nil {
			c.failures.Add(1)
			c.cfg.Logger.Debug("DNS query failed", "qname", quote(name), "qtype", dns.TypeToString[qtype], "err", err)
		}
		return reply{status: Unknown}
	}
	if len(resp.Question) != 1 || !strings.EqualFold(resp.Question[0].Name, name) || resp.Question[0].Qtype != qtype {
		c.failures.Add(1)
		return reply{status: Unknown}
	}
	switch resp.Rcode {
	case dns.RcodeSuccess:
		var rrs []dns.RR
		var ttl uint32
		for _, rr := range resp.Answer {
			if rr.Header().Rrtype == qtype {
				if len(rrs) == 0 || rr.Header().Ttl < ttl {
					ttl = rr.Header().Ttl
				}
				rrs = append(rrs, rr)
			}
		}
		if len(rrs) > 0 {
			return reply{status: Found, rrs: rrs, ttl: c.clamp(time.Duration(ttl) * time.Second)}
		}
		// NODATA (RFC 2308 §2.2).
		return reply{status: None, ttl: c.negTTL(resp)}
	case dns.RcodeNameError:
		return reply{status: None, ttl: c.negTTL(resp), nx: true}
	default:
		c.failures.Add(1)
		c.cfg.Logger.Debug("DNS query failed", "qname", quote(name), "qtype", dns.TypeToString[qtype], "rcode", dns.RcodeToString[resp.Rcode])
		return reply{status: Unknown}
	}
}

// exchange sends m over a new socket to the resolver and reads the answer;
// Close interrupts it.
func (c *Client) exchange(dc *dns.Client, m *dns.Msg) (*dns.Msg, error) {
	c.queries.Add(1)
	conn, err := dc.DialContext(c.ctx, c.cfg.Server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(c.ctx, func() { conn.Close() })
	defer stop()
	r, _, err := dc.ExchangeWithConnContext(c.ctx, m, conn)
	if err == nil {
		c.lastAnswer.Store(c.seq.Add(1))
	}
	return r, err
}

// negTTL is the negative-caching time of a response: the SOA record's TTL,
// capped by its MINIMUM field (RFC 2308 §5), clamped; MinTTL without a SOA.
func (c *Client) negTTL(m *dns.Msg) time.Duration {
	for _, rr := range m.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			return c.clamp(time.Duration(min(soa.Hdr.Ttl, soa.Minttl)) * time.Second)
		}
	}
	return c.cfg.MinTTL
}

func (c *Client) clamp(d time.Duration) time.Duration {
	return min(max(d, c.cfg.MinTTL), c.cfg.MaxTTL)
}

// quote makes an attacker-influenced name safe for a log line.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strconv.Quote(s)
}
