package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spampots/spampots/bpf/synfp"
	"github.com/spampots/spampots/enrich"
	"github.com/spampots/spampots/enrich/dnsq"
	"github.com/spampots/spampots/enrich/ipdb"
	"github.com/spampots/spampots/fingerprint"
	"github.com/spampots/spampots/fingerprint/capture"
	"github.com/spampots/spampots/fingerprint/capture/afpacket"
	"github.com/spampots/spampots/sensor"
	"github.com/spampots/spampots/sensor/relay"
	"github.com/spampots/spampots/sensor/smtp"
	"github.com/spampots/spampots/spool"
	"github.com/spampots/spampots/spool/ship"
)

// defaultListen are the embedded defaults: unprivileged loopback ports, so
// that `make run` works without root. Production configs list :25 and :587.
var defaultListen = []string{"smtp=127.0.0.1:2525", "smtp=127.0.0.1:5870", "http=127.0.0.1:3128", "http=127.0.0.1:8080", "socks=127.0.0.1:1080"}

func runSensor(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sensor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	d := smtp.Defaults()
	common := addCommonFlags(fs)
	var (
		id         = fs.String("id", "XX-01", "sensor id written into every record (X-Sensor-Id)")
		spoolDir   = fs.String("spool", "/var/lib/spampots/spool", "spool directory (segments in open/ then closed/)")
		listen     = append([]string(nil), defaultListen...)
		segAge     = fs.Duration("segment-age", 15*time.Minute, "close a spool segment this long after it opened")
		segSize    = int64(64 << 20)
		queue      = fs.Int("spool-queue", 4096, "bound of the queue between sessions and the spool writer (full: 451)")
		hostname   = fs.String("hostname", d.Hostname, "persona: server name in the banner and replies")
		greeting   = fs.String("greeting", d.Greeting, "persona: banner text after the hostname")
		keywords   = fs.String("ehlo-keywords", strings.Join(d.Keywords, ","), "persona: EHLO keywords, comma-separated")
		maxMsg     = int64(d.MaxMessageSize)
		maxRcpt    = fs.Int("max-recipients", d.MaxRecipients, "recipients per message (452 beyond)")
		maxCmds    = fs.Int("max-commands", d.MaxCommands, "commands per session (421 and close beyond)")
		maxErrs    = fs.Int("max-errors", d.MaxErrors, "error replies per session (421 and close beyond)")
		maxLine    = fs.Int("max-line", d.MaxCommandLine, "command line length in octets, RFC 5321 4.5.3.1.4 (500 beyond)")
		idle       = fs.Duration("idle-timeout", d.IdleTimeout, "close a session idle this long (421)")
		sessionTO  = fs.Duration("session-timeout", d.SessionTimeout, "close a session this long after it opened (421)")
		grace      = fs.Duration("grace", 10*time.Second, "on SIGTERM/SIGINT, let sessions finish this long before cutting them")
		maxPending = int64(256 << 10)
		loops      = fs.Int("loops", 1, "event loops (0: one per CPU); one serves thousands of sessions on a low-end sensor")
		procs      = fs.Int("procs", 1, "threads running Go code at once (GOMAXPROCS; 0: one per CPU): one keeps the loop, the spool writer and the runtime from waking each other across cores")
		metricsAt  = fs.String("metrics-listen", "", "serve Prometheus metrics on this host:port at /metrics, plain HTTP (empty: off)")
		cpuProfile = fs.String("cpuprofile", "", "write a CPU profile to this file until shutdown (for benchmarks)")
		testPolicy = fs.String("test-messages", "capture", "spammers' test messages: capture (nothing leaves the sensor) or relay (deliver them through --smarthost, rate-limited)")
		smarthost  = fs.String("smarthost", "", "ip:port of the one SMTP server test messages are relayed to (policy relay); an IP literal: the sensor resolves nothing")
		relayPer   = fs.Int("relay-per-source", 3, "test messages relayed per source IP per hour")
		relayAll   = fs.Int("relay-global", 45, "test messages relayed per hour in all")
		socksAuth  = fs.Bool("socks-prefer-auth", true, "SOCKS5: when a client offers both no authentication and username/password, ask for the password (and record it)")
		asnDB      = fs.String("asn-db", "", "ASN database (MaxMind DB: `make data`'s data/ipdb/asn.mmdb or GeoLite2-ASN) for X-Src-ASN/X-Dst-ASN (empty: none)")
		countryDB  = fs.String("country-db", "", "country database (MaxMind DB: data/ipdb/country.mmdb or GeoLite2-Country) for X-Src-CC/X-Dst-CC (empty: none)")
		resolver   = fs.String("resolver", "", "the one DNS resolver (ip:port) asked for reverse DNS, block lists and proxy destinations' names (empty: no DNS at all)")
		dnsbl      = fs.String("dnsbl", "zen.spamhaus.org", "DNS block lists asked about each client, comma-separated (with --resolver)")
		enrichWait = fs.Duration("enrich-wait", time.Second, "how long a complete message may wait for DNS answers still under way before it is written with what is known (and the client gets its 250)")
		fpMode     = fs.String("fingerprint", "off", "passive OS fingerprinting of each client's SYN for X-Src-OS: xdp (falls back to afpacket where XDP cannot attach), afpacket, or off; needs root or CAP_NET_ADMIN+CAP_NET_RAW+CAP_BPF")
		iface      = fs.String("iface", "", "the interface clients arrive on, for --fingerprint")
		p0fDB      = fs.String("p0f-db", "", "a p0f v3 signature file (p0f.fp) instead of the embedded copy of p0f 3.09b's")
		publicIPs  []string
	)
	fs.Var(&listFlag{vals: &publicIPs}, "public-ip", "the sensor's public address, repeatable, when clients reach it through NAT: test messages name it, judge pages show it")
	shipOpts := shipFlags(fs)
	fs.Var(&listFlag{vals: &listen}, "listen", "proto=host:port to serve, repeatable (proto: smtp, http (an HTTP proxy that also speaks SOCKS), socks) (default "+strings.Join(defaultListen, " ")+")")
	fs.Var(sizeFlag{&segSize}, "segment-size", "close a spool segment past this size on disk")
	fs.Var(sizeFlag{&maxMsg}, "max-message-size", "message size limit (552 beyond), advertised in EHLO SIZE")
	fs.Var(sizeFlag{&maxPending}, "max-pending", "bytes a session may buffer unconsumed or unsent before it is closed")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: spampots sensor [flags]\n\nRun a honeypot sensor: it plays an open SMTP relay and open HTTP and\nSOCKS 4/4a/5 proxies whose every destination it emulates, accepts every\nmessage, delivers none (but test messages with --test-messages relay),\nand writes each one with its X- headers to zstd mbox spool segments.\nSIGHUP closes the current segment; SIGTERM/SIGINT shut down.\n\nflags:")
		fs.PrintDefaults()
	}
	log, errs, exit := common.parse(fs, args, stderr)
	if exit >= 0 {
		return exit
	}

	cfg := sensor.Config{
		ID:         *id,
		Grace:      *grace,
		MaxPending: int(maxPending),
		Loops:      *loops,
		SMTP: smtp.Config{
			Hostname:       *hostname,
			Greeting:       *greeting,
			Keywords:       splitList(*keywords),
			MaxCommandLine: *maxLine,
			MaxMessageSize: int(maxMsg),
			MaxRecipients:  *maxRcpt,
			MaxCommands:    *maxCmds,
			MaxErrors:      *maxErrs,
			IdleTimeout:    *idle,
			SessionTimeout: *sessionTO,
		},
	}
	cfg.EnrichWait = *enrichWait
	cfg.SOCKS.PreferUserPass = *socksAuth
	for _, ip := range publicIPs {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			errs = append(errs, fmt.Errorf("public-ip: %w", err))
			continue
		}
		cfg.TestMsg.Addrs = append(cfg.TestMsg.Addrs, a)
		if !cfg.Web.PublicAddr.IsValid() {
			cfg.Web.PublicAddr = a
		}
	}
	var relayCfg *relay.Config
	switch {
	case *testPolicy != "capture" && *testPolicy != "relay":
		errs = append(errs, fmt.Errorf("test messages %q: want capture or relay", *testPolicy))
	case *testPolicy == "relay":
		rc := relay.Config{Helo: *hostname, PerSource: *relayPer, Global: *relayAll}
		if ap, err := netip.ParseAddrPort(*smarthost); err != nil {
			errs = append(errs, fmt.Errorf("smarthost %q: want ip:port: %w", *smarthost, err))
		} else {
			rc.Smarthost = ap
		}
		if err := rc.Validate(); err != nil {
			errs = append(errs, err)
		}
		relayCfg = &rc
	case *smarthost != "":
		errs = append(errs, errors.New("smarthost: given, but --test-messages is not relay"))
	}
	for _, l := range listen {
		ln, err := sensor.ParseListener(l)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cfg.Listen = append(cfg.Listen, ln)
	}
	enrichCfg := enrich.Config{IPDB: ipdb.Config{ASN: *asnDB, Country: *countryDB}, Logger: log}
	if *resolver != "" {
		enrichCfg.DNS.Server = *resolver
		zones, err := dnsq.ParseZones(*dnsbl)
		if err != nil {
			errs = append(errs, fmt.Errorf("dnsbl: %w", err))
		}
		enrichCfg.DNS.Zones = zones
	}
	switch *fpMode {
	case "off", "xdp", "afpacket":
		if *fpMode != "off" && *iface == "" {
			errs = append(errs, fmt.Errorf("fingerprint %s: --iface required", *fpMode))
		}
	default:
		errs = append(errs, fmt.Errorf("fingerprint %q: want xdp, afpacket or off", *fpMode))
	}
	if *p0fDB != "" {
		f, err := os.Open(*p0fDB)
		if err == nil {
			cfg.Signatures, err = fingerprint.ParseDB(f)
			f.Close()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("p0f-db: %w", err))
		}
	}
	if err := cfg.Validate(); err != nil {
		errs = append(errs, err)
	}
	if *spoolDir == "" {
		errs = append(errs, errors.New("spool: directory required"))
	}
	shipCfg, shipping, err := shipOpts.config(cfg.ID, *spoolDir, log)
	if err != nil {
		errs = append(errs, err)
	}
	if *segAge < time.Second || segSize < 1<<16 {
		errs = append(errs, fmt.Errorf("segment-age must be at least 1s and segment-size at least 64KiB"))
	}
	if len(errs) > 0 {
		fmt.Fprintf(stderr, "sensor: configuration problems:\n%v\n", errors.Join(errs...))
		return 2
	}

	if *procs > 0 {
		runtime.GOMAXPROCS(*procs)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			log.Error("cpuprofile", "err", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	// The shipper is made first so that the spool can cue it when a
	// segment closes; it starts once the sensor listens.
	reg := newRegistry()
	var shipper *ship.Shipper
	var srv *sensor.Server // set before the shipper runs
	cue := func() {}
	if shipping {
		shipCfg.Registerer = reg
		shipCfg.Stats = func(h *ship.Heartbeat) { heartbeatStats(h, srv, listen) }
		if shipper, err = ship.New(shipCfg); err != nil {
			log.Error("ship", "err", err)
			return 1
		}
		cue = shipper.Notify
	}
	if relayCfg != nil {
		if cfg.Relay, err = relay.New(*relayCfg, log); err != nil {
			log.Error("relay", "err", err)
			return 1
		}
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = cfg.Relay.Close(ctx)
		}()
		log.Info("test messages are relayed", "smarthost", relayCfg.Smarthost, "per_source_hour", relayCfg.PerSource, "global_hour", relayCfg.Global)
	}
	if *fpMode != "off" {
		capCfg := capture.Config{Interface: *iface, Logger: log}
		for _, l := range cfg.Listen {
			if p := uint16(l.Port()); !slices.Contains(capCfg.Ports, p) {
				capCfg.Ports = append(capCfg.Ports, p)
			}
		}
		if *fpMode == "xdp" {
			cfg.Capture, err = synfp.Open(capCfg)
		} else {
			cfg.Capture, err = afpacket.Open(capCfg)
		}
		if err != nil {
			log.Error("fingerprint: cannot capture SYNs", "iface", *iface, "err", err)
			return 1
		}
		defer cfg.Capture.Close()
		log.Info("fingerprinting SYNs", "iface", *iface, "mode", cfg.Capture.Mode(), "ports", capCfg.Ports)
	}
	if cfg.Enrich, err = enrich.New(enrichCfg); err != nil {
		log.Error("enrich", "err", err)
		return 1
	}
	defer cfg.Enrich.Close()
	w, err := spool.Open(spool.Config{Dir: *spoolDir, SensorID: cfg.ID, MaxAge: *segAge, MaxSize: segSize, QueueLen: *queue, Logger: log, Closed: cue})
	if err != nil {
		log.Error("spool", "err", err)
		return 1
	}
	if srv, err = sensor.New(cfg, w, log); err != nil {
		log.Error("sensor", "err", err)
		return 1
	}
	registerSensor(reg, srv, w, &cfg)
	if *metricsAt != "" {
		stopMetrics, err := serveMetrics(*metricsAt, reg, log)
		if err != nil {
			log.Error("metrics", "err", err)
			return 1
		}
		defer stopMetrics()
	}
	shipCtx, stopShipping := context.WithCancel(context.Background())
	defer stopShipping()
	shipDone := make(chan struct{})
	if shipper != nil {
		go func() {
			defer close(shipDone)
			if err := shipper.Run(shipCtx); err != nil {
				log.Error("ship", "err", err)
			}
		}()
	} else {
		close(shipDone)
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	runErr := make(chan error, 1)
	go func() { runErr <- srv.Run() }()

	ready := srv.Ready()
	for {
		select {
		case err := <-runErr:
			cerr := w.Close()
			stopShipping() // an interrupted upload resumes at the next start
			<-shipDone
			st, ss := w.Stats(), srv.Stats()
			log.Info("sensor stopped", "connections", ss.Accepted.Load(), "messages", st.Messages, "events", st.Events,
				"batches", st.Batches, "fsyncs", st.Fsyncs, "segments", st.SegmentsClosed, "tempfails", ss.TempFails.Load())
			if err == nil {
				err = cerr
			}
			if err != nil {
				log.Error("sensor stopped", "err", err)
				return 1
			}
			return 0
		case <-ready:
			ready = nil
			fmt.Fprintf(stdout, "spampots sensor %s: listening on %s; spooling to %s\n", cfg.ID, strings.Join(listen, " "), *spoolDir)
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				log.Info("SIGHUP: closing the current segment, reloading the IP databases")
				w.Rotate()
				_ = cfg.Enrich.Reload() // it logs what it did
				continue
			}
			log.Info("shutting down", "signal", sig.String(), "grace", cfg.Grace)
			ctx, cancel := context.WithTimeout(context.Background(), cfg.Grace+10*time.Second)
			if err := srv.Shutdown(ctx); err != nil {
				log.Error("shutdown", "err", err)
			}
			cancel()
		}
	}
}

// heartbeatStats adds the sensor's live counters to a heartbeat.
func heartbeatStats(h *ship.Heartbeat, srv *sensor.Server, listen []string) {
	st := srv.Stats()
	h.Listeners = listen
	h.SessionsOpen = st.Sessions.Load()
	h.Connections = st.Accepted.Load()
	h.Messages = st.Messages.Load()
	h.BytesIn = st.BytesIn.Load()
	h.BytesOut = st.BytesOut.Load()
	h.Ports = make(map[string]ship.PortStats, len(st.Ports))
	for port, ps := range st.Ports {
		h.Ports[strconv.Itoa(port)] = ship.PortStats{Connections: ps.Connections.Load(), Messages: ps.Messages.Load(), BytesIn: ps.BytesIn.Load()}
	}
}

func splitList(s string) []string {
	var out []string
	for _, k := range strings.Split(s, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}
