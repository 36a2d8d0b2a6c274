package enrich

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"

	"github.com/spampots/spampots/enrich/dnsq"
	"github.com/spampots/spampots/enrich/ipdb"
)

// Config configures an Enricher. The zero Config works: no databases, no
// DNS, every value unknown (or reserved).
type Config struct {
	// IPDB names the ASN and country databases (--asn-db, --country-db);
	// a path left empty means that database is not used.
	IPDB ipdb.Config
	// DNS configures the resolver (--resolver) and block lists (--dnsbl,
	// dnsq.ParseZones; dnsq.DefaultZones() is Spamhaus ZEN). With no
	// DNS.Server, no DNS is asked: host names and block lists are unknown.
	DNS dnsq.Config
	// Logger gets reloads and resolver trouble. Default: discard.
	Logger *slog.Logger
}

// Enricher looks up sources and destinations. It is safe for concurrent
// use, and its lookups never block.
type Enricher struct {
	db  *ipdb.DB
	dns *dnsq.Client // nil without a resolver
	log *slog.Logger
}

// New opens the databases and prepares the resolver; it reports every
// problem of cfg at once.
func New(cfg Config) (*Enricher, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Enricher{log: cfg.Logger}
	var errs []error
	db, err := ipdb.Open(cfg.IPDB)
	if err != nil {
		errs = append(errs, err)
	}
	e.db = db
	if cfg.DNS.Server != "" {
		if cfg.DNS.Logger == nil {
			cfg.DNS.Logger = cfg.Logger
		}
		c, err := dnsq.New(cfg.DNS)
		if err != nil {
			errs = append(errs, err)
		}
		e.dns = c
	} else if len(cfg.DNS.Zones) > 0 {
		errs = append(errs, errors.New("enrich: DNSBL zones configured without a resolver"))
	}
	if len(errs) > 0 {
		if e.dns != nil {
			e.dns.Close()
		}
		return nil, errors.Join(errs...)
	}
	a, c := db.Versions()
	cfg.Logger.Info("enrichment ready", "asn_db", a.Path, "asn_db_built", a.Built, "country_db", c.Path,
		"country_db_built", c.Built, "resolver", cfg.DNS.Server, "dnsbl_zones", len(cfg.DNS.Zones))
	return e, nil
}

// Reload re-reads the databases (on SIGHUP); on error the old ones stay in
// use. Sessions are not disturbed either way.
func (e *Enricher) Reload() error {
	if err := e.db.Reload(); err != nil {
		e.log.Error("enrichment databases not reloaded, the old ones stay in use", "err", err)
		return fmt.Errorf("enrich: reload: %w", err)
	}
	a, c := e.db.Versions()
	e.log.Info("enrichment databases reloaded", "asn_db_built", a.Built, "asn_records", a.Records,
		"country_db_built", c.Built, "took", a.LoadDelay+c.LoadDelay)
	return nil
}

// Close stops the resolver goroutines; lookups under way end Unknown and
// their callbacks are called.
func (e *Enricher) Close() {
	if e.dns != nil {
		e.dns.Close()
	}
}

// DB returns the databases.
func (e *Enricher) DB() *ipdb.DB { return e.db }

// DNS returns the resolver client, nil without a resolver; its Stats are
// the enrichment's metrics.
func (e *Enricher) DNS() *dnsq.Client { return e.dns }

// Lookup is the enrichment of one source or destination, filled in as
// answers arrive. Its methods never block.
type Lookup struct {
	e       *Enricher
	info    ipdb.Info
	ip      netip.Addr
	pending *dnsq.Pending    // reverse DNS and block lists, nil without DNS
	res     *dnsq.Resolution // a destination name, nil otherwise
	name    string           // the destination name as asked, for X-Dst-Hostname
	dnsbl   bool             // block lists were asked
}

// Source starts the enrichment of a connecting client's address: the
// databases now, its reverse DNS and block lists in the background. done
// is called as dnsq.Client.Start says: at most once, from a resolver
// goroutine, always if Ready is false on return.
func (e *Enricher) Source(ip netip.Addr, done func()) *Lookup {
	return e.start(ip, dnsq.PTR|dnsq.DNSBL, done)
}

// Destination starts the enrichment of an address a proxy client asked to
// reach: the databases now, its reverse DNS in the background.
func (e *Enricher) Destination(ip netip.Addr, done func()) *Lookup {
	return e.start(ip, dnsq.PTR, done)
}

func (e *Enricher) start(ip netip.Addr, want dnsq.Want, done func()) *Lookup {
	ip = ip.Unmap()
	l := &Lookup{e: e, ip: ip, info: e.db.Lookup(ip), dnsbl: want&dnsq.DNSBL != 0}
	if e.dns != nil {
		l.pending = e.dns.Start(ip, want, done)
	}
	return l
}

// DestinationName starts the enrichment of a host name a proxy client
// asked to reach on port: resolved in the background (MX for port 25, see
// dnsq.Client.Resolve), never connected to; the databases answer for the
// address once it is known.
func (e *Enricher) DestinationName(name string, port int, done func()) *Lookup {
	n := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), "."))
	if len(n) > maxName {
		n = n[:maxName]
	}
	l := &Lookup{e: e, name: oneLine(n)}
	if e.dns != nil {
		l.res = e.dns.Resolve(name, port, done)
	}
	return l
}

// maxName bounds a destination name written as X-Dst-Hostname: the longest
// domain name (RFC 1035 §2.3.4) and then some for what a spammer sends.
const maxName = 255

// Ready reports whether every value is final.
func (l *Lookup) Ready() bool {
	return (l.pending == nil || l.pending.Ready()) && (l.res == nil || l.res.Ready())
}

// Info returns the databases' answer; for a destination name, once the
// name is resolved.
func (l *Lookup) Info() ipdb.Info {
	if l.res != nil {
		if t := l.res.Result(); t.Status == dnsq.Found {
			return l.e.db.Lookup(t.Addr)
		}
		return ipdb.Info{}
	}
	return l.info
}

// Values returns the header values known now; what is not known yet is
// "unknown".
func (l *Lookup) Values() Values {
	v := Values{Hostname: Unknown, IP: Unknown, DNSBL: Unknown}
	info := l.info
	if l.name != "" {
		v.Hostname = l.name
	}
	switch {
	case l.res != nil:
		t := l.res.Result()
		if t.Host != "" {
			v.Hostname = oneLine(t.Host)
		}
		if t.Status == dnsq.Found {
			v.IP = t.Addr.String()
			info = l.e.db.Lookup(t.Addr)
		}
	case l.ip.IsValid():
		v.IP = l.ip.String()
	}
	v.ASN, v.RIR, v.CC = FormatASN(info), FormatRIR(info), FormatCC(info)
	if l.pending != nil {
		h, ls := l.pending.Result()
		v.Hostname = FormatHostname(h)
		if l.dnsbl {
			v.DNSBL = FormatDNSBL(ls)
		}
	}
	if info.Reserved && l.res == nil && l.name == "" {
		// Special-purpose: nothing was asked, with or without DNS.
		v.Hostname = Reserved
		if l.dnsbl {
			v.DNSBL = Reserved
		}
	}
	return v
}
