package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spampots/spampots/spool/ship"
)

// shipOptions are the shipping flags, shared by `spampots ship` and
// `spampots sensor --ship-to`.
type shipOptions struct {
	to, token, tokenFile, pin, ca string
	rate, keep                    string // parsed in config, so all problems are reported together
	quota                         int64
}

// shipFlags registers the shipping flags on fs (not --id, --spool or
// --log-level, which the caller has).
func shipFlags(fs *flag.FlagSet) *shipOptions {
	o := &shipOptions{}
	fs.StringVar(&o.to, "ship-to", "", "ship closed segments to this collector, https://host:port (the only address ever dialled)")
	fs.StringVar(&o.token, "ship-token", "", "the sensor's bearer token for the collector")
	fs.StringVar(&o.tokenFile, "ship-token-file", "", "read the bearer token from this file (instead of --ship-token)")
	fs.StringVar(&o.pin, "collector-pin", "", "pin the collector's certificate: sha256:HEX of its DER (chain and name not checked)")
	fs.StringVar(&o.ca, "collector-ca", "", "verify the collector against this PEM CA bundle only (instead of --collector-pin)")
	fs.StringVar(&o.rate, "ship-rate", "256kbit", "cap on upload bandwidth: 256kbit, 1Mbit, 64KiB (per second), 500000 (bytes/s); 0: none")
	fs.StringVar(&o.keep, "keep", "7d", "keep shipped segments in SPOOL/shipped/ this long (7d, 36h; 0: delete once the collector has them)")
	fs.Var(sizeFlag{&o.quota}, "spool-quota", "bytes of closed/ plus shipped/ allowed (0: none); over it shipped/ is pruned oldest first, unshipped segments are never deleted")
	return o
}

// config returns the shipper's configuration; enabled is false when
// --ship-to is not given. Every problem is reported at once.
func (o *shipOptions) config(id, spool string, log *slog.Logger) (ship.Config, bool, error) {
	if o.to == "" {
		var errs []error
		for _, f := range []struct{ name, val string }{
			{"ship-token", o.token}, {"ship-token-file", o.tokenFile}, {"collector-pin", o.pin}, {"collector-ca", o.ca},
		} {
			if f.val != "" {
				errs = append(errs, fmt.Errorf("--%s given without --ship-to", f.name))
			}
		}
		return ship.Config{}, false, errors.Join(errs...)
	}
	var errs []error
	cfg := ship.Config{
		Spool:     spool,
		Collector: o.to,
		SensorID:  id,
		Token:     o.token,
		Pin:       o.pin,
		CAFile:    o.ca,
		Quota:     o.quota,
		Version:   buildVersion(),
		Logger:    log,
	}
	switch {
	case o.token != "" && o.tokenFile != "":
		errs = append(errs, errors.New("--ship-token and --ship-token-file exclude each other"))
	case o.tokenFile != "":
		b, err := os.ReadFile(o.tokenFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("--ship-token-file: %w", err))
		} else if cfg.Token = strings.TrimSpace(string(b)); cfg.Token == "" {
			errs = append(errs, fmt.Errorf("--ship-token-file %s is empty", o.tokenFile))
		}
	case o.token == "":
		errs = append(errs, errors.New("--ship-token or --ship-token-file is required with --ship-to"))
	}
	var err error
	if cfg.Rate, err = ship.ParseRate(o.rate); err != nil {
		errs = append(errs, fmt.Errorf("--ship-rate: %w", err))
	}
	if cfg.Keep, err = parseDays(o.keep); err != nil {
		errs = append(errs, fmt.Errorf("--keep: %w", err))
	}
	v := cfg
	if v.Token == "" {
		v.Token = "reported-above" // token problems are reported above, not twice
	}
	if err := v.Validate(); err != nil {
		errs = append(errs, err)
	}
	return cfg, true, errors.Join(errs...)
}

// parseDays parses a duration that may start with whole days: 7d, 1d12h,
// 36h, 0.
func parseDays(s string) (time.Duration, error) {
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.ParseUint(s[:i], 10, 16)
		if err != nil {
			return 0, fmt.Errorf("bad duration %q: want e.g. 7d, 36h, 1d12h", s)
		}
		days, s = time.Duration(n)*24*time.Hour, s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration %q: want e.g. 7d, 36h, 1d12h", s)
	}
	return days + d, nil
}

// buildVersion is the module version the binary was built from.
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// runShip runs `spampots ship`.
// Summary for the command table: "ship closed spool segments to the collector over HTTPS, resumable, rate-limited".
func runShip(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ship", flag.ContinueOnError)
	fs.SetOutput(stderr)
	common := addCommonFlags(fs)
	var (
		id            = fs.String("id", "XX-01", "sensor id: the id of the segments' names and Spampots-Sensor")
		spoolDir      = fs.String("spool", "/var/lib/spampots/spool", "spool directory (ships closed/, never touches open/)")
		metricsListen = fs.String("metrics-listen", "", "serve Prometheus metrics on this host:port at /metrics (empty: off)")
		once          = fs.Bool("once", false, "ship the backlog once and exit (for cron, or to measure)")
		opts          = shipFlags(fs)
	)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: spampots ship --ship-to https://host:port [flags]\n\nShip the closed segments of a spool to the collector: resumable HTTPS uploads\nnamed by SHA-256, oldest first, rate-limited, plus a heartbeat every minute.\nNothing but the collector is ever dialled. SIGTERM/SIGINT stop; an upload\ncut short resumes where it stopped.\n\nflags:")
		fs.PrintDefaults()
	}
	log, errs, exit := common.parse(fs, args, stderr)
	if exit >= 0 {
		return exit
	}
	cfg, enabled, err := opts.config(*id, *spoolDir, log)
	if err != nil {
		errs = append(errs, err)
	}
	if !enabled {
		errs = append(errs, errors.New("--ship-to is required"))
	}
	if *metricsListen != "" {
		if _, _, err := net.SplitHostPort(*metricsListen); err != nil {
			errs = append(errs, fmt.Errorf("--metrics-listen: %w", err))
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(stderr, "ship: configuration problems:\n%v\n", errors.Join(errs...))
		return 2
	}

	reg := newRegistry()
	cfg.Registerer = reg
	s, err := ship.New(cfg)
	if err != nil {
		log.Error("ship", "err", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if *metricsListen != "" {
		stopMetrics, err := serveMetrics(*metricsListen, reg, log)
		if err != nil {
			log.Error("metrics", "err", err)
			return 1
		}
		defer stopMetrics()
	}
	if *once {
		err := s.Pass(ctx)
		st := s.Status()
		log.Info("ship: pass done", "shipped", st.Shipped, "shipped_bytes", st.ShippedBytes, "backlog_segments", st.BacklogSegments)
		if err != nil {
			log.Error("ship", "err", err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stdout, "spampots ship %s: shipping %s to %s\n", cfg.SensorID, cfg.Spool, cfg.Collector)
	if err := s.Run(ctx); err != nil {
		log.Error("ship stopped", "err", err)
		return 1
	}
	st := s.Status()
	log.Info("ship stopped", "shipped", st.Shipped, "shipped_bytes", st.ShippedBytes, "backlog_segments", st.BacklogSegments)
	return 0
}
