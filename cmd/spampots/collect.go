package main

// Command table entry for main.go:
//
//	"collect": {"run the collector: receive sensors' segments and heartbeats over HTTPS into the archive and the store", runCollect},

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/spampots/spampots/internal/durable"
	"github.com/spampots/spampots/miner/collect"
	"github.com/spampots/spampots/store"
)

// runCollect runs `spampots collect`: the collector, or with --init the
// set-up of one more sensor.
func runCollect(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return collectMain(ctx, args, stdout, stderr)
}

// collectOptions are the collect command's settings after parsing.
type collectOptions struct {
	listen, archive, sensors, db string
	tlsCert, tlsKey              string
	metricsListen                string
	maxUpload                    int64
	grace                        time.Duration
	init                         bool
	sensorID, partner, location  string
	log                          *slog.Logger
	sensorList                   []collect.SensorConf // loaded unless init
}

// collectMain is runCollect until ctx is done (SIGTERM/SIGINT in
// production, a cancel in tests).
func collectMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("collect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := collectOptions{maxUpload: collect.DefaultMaxUpload}
	common := addCommonFlags(fs)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8443", "host:port to serve HTTPS on (TLS 1.3 only)")
	fs.StringVar(&o.archive, "archive", "", "archive directory: segments, incoming/ uploads, tls/ (required)")
	fs.StringVar(&o.sensors, "sensors", "", "sensors file, [[sensor]] tables of id, token_sha256, partner, location (default ARCHIVE/sensors.toml)")
	fs.StringVar(&o.db, "db", "", "SQLite store shared with the miner and the portal (default ARCHIVE/spampots.db)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "certificate chain, PEM (default: a self-signed ECDSA certificate made once in ARCHIVE/tls/)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "private key of --tls-cert, PEM")
	fs.StringVar(&o.metricsListen, "metrics-listen", "", "host:port to serve Prometheus /metrics on, plain HTTP (default: none)")
	fs.Var(sizeFlag{&o.maxUpload}, "max-upload", "largest segment accepted (413 beyond)")
	fs.DurationVar(&o.grace, "grace", 10*time.Second, "on SIGTERM/SIGINT, let requests finish this long before cutting them (what arrived is kept)")
	fs.BoolVar(&o.init, "init", false, "add the sensor --sensor-id: create the archive, certificate and a token, print the sensor's command line, exit")
	fs.StringVar(&o.sensorID, "sensor-id", "", "with --init: the new sensor's id")
	fs.StringVar(&o.partner, "partner", "", "with --init: the partner running the sensor")
	fs.StringVar(&o.location, "location", "", "with --init: where the sensor runs")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: spampots collect --archive DIR [flags]\n       spampots collect --archive DIR --init --sensor-id ID [--partner P --location L]\n\n"+
			"Run the collector: receive closed spool segments and heartbeats from sensors over\n"+
			"HTTPS (spool/ship/PROTOCOL.md), keep the segments in the archive and record them in\n"+
			"the store. SIGTERM/SIGINT shut down.\n\nflags:")
		fs.PrintDefaults()
	}
	log, errs, exit := common.parse(fs, args, stderr)
	if exit >= 0 {
		return exit
	}
	o.log = log
	errs = append(errs, o.check()...)
	if len(errs) > 0 {
		fmt.Fprintf(stderr, "collect: configuration problems:\n%v\n", errors.Join(errs...))
		return 2
	}
	if o.init {
		return o.initSensor(stdout, stderr)
	}
	return o.run(ctx, stdout)
}

// check fills defaults and returns every problem of the settings,
// including those of the sensors file and of the TLS files.
func (o *collectOptions) check() []error {
	var errs []error
	if o.archive == "" {
		errs = append(errs, errors.New("archive: directory required (--archive)"))
	} else {
		if o.sensors == "" {
			o.sensors = filepath.Join(o.archive, "sensors.toml")
		}
		if o.db == "" {
			o.db = filepath.Join(o.archive, "spampots.db")
		}
	}
	if _, _, err := net.SplitHostPort(o.listen); err != nil {
		errs = append(errs, fmt.Errorf("listen: %w", err))
	}
	if o.metricsListen != "" {
		if _, _, err := net.SplitHostPort(o.metricsListen); err != nil {
			errs = append(errs, fmt.Errorf("metrics-listen: %w", err))
		}
	}
	if o.maxUpload < 1<<10 {
		errs = append(errs, errors.New("max-upload must be at least 1KiB"))
	}
	if o.grace < 0 {
		errs = append(errs, errors.New("grace must not be negative"))
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		errs = append(errs, errors.New("tls-cert and tls-key go together: give both or neither"))
	} else if o.tlsCert != "" {
		if _, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey); err != nil {
			errs = append(errs, fmt.Errorf("tls-cert/tls-key: %w", err))
		}
	}
	if o.init {
		if !collect.ValidID(o.sensorID) {
			errs = append(errs, fmt.Errorf("sensor-id %q: want 1-32 letters, digits, '.', '_' or '-', starting with a letter or digit", o.sensorID))
		}
		return errs
	}
	if o.sensorID != "" || o.partner != "" || o.location != "" {
		errs = append(errs, errors.New("sensor-id, partner and location go with --init"))
	}
	if o.sensors != "" {
		list, err := collect.LoadSensors(o.sensors)
		switch {
		case errors.Is(err, os.ErrNotExist):
			errs = append(errs, fmt.Errorf("sensors file %s does not exist: add a sensor with --init --sensor-id ID", o.sensors))
		case err != nil:
			errs = append(errs, err)
		case len(list) == 0:
			errs = append(errs, fmt.Errorf("sensors file %s lists no sensor: add one with --init --sensor-id ID", o.sensors))
		}
		o.sensorList = list
	}
	return errs
}

// certificate returns the serving certificate: --tls-cert/--tls-key, or the
// archive's own, made on first use.
func (o *collectOptions) certificate() (tls.Certificate, error) {
	if o.tlsCert != "" {
		return tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
	}
	host, _, _ := net.SplitHostPort(o.listen)
	return archiveCert(filepath.Join(o.archive, "tls"), host, time.Now())
}

// shipAddr is the listen address as a sensor dials it: an unspecified
// host becomes this machine's name.
func (o *collectOptions) shipAddr() string {
	host, port, _ := net.SplitHostPort(o.listen)
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		if h, err := os.Hostname(); err == nil {
			host = h
		}
	}
	return net.JoinHostPort(host, port)
}

// initSensor is --init: archive, certificate, token, sensors file entry,
// and the sensor's command line.
func (o *collectOptions) initSensor(stdout, stderr io.Writer) int {
	if err := os.MkdirAll(o.archive, 0o750); err != nil {
		fmt.Fprintf(stderr, "collect: %v\n", err)
		return 1
	}
	cert, err := o.certificate()
	if err != nil {
		fmt.Fprintf(stderr, "collect: certificate: %v\n", err)
		return 1
	}
	token, hash := collect.NewToken()
	sc := collect.SensorConf{ID: o.sensorID, TokenSHA256: hash, Partner: o.partner, Location: o.location}
	if err := collect.AddSensor(o.sensors, sc); err != nil {
		fmt.Fprintf(stderr, "collect: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "spampots collector: sensor %s added to %s (restart the collector to load it)\n", o.sensorID, o.sensors)
	fmt.Fprintf(stdout, "token (shown only now; the collector keeps its SHA-256): %s\n", token)
	fmt.Fprintf(stdout, "spampots sensor --id %s --ship-to https://%s --ship-token %s --collector-pin %s\n",
		o.sensorID, o.shipAddr(), token, collect.CertPin(cert.Certificate[0]))
	return 0
}

// run serves until ctx is done, then shuts down: Shutdown with the grace
// time, then cut what is left (its bytes are fsynced by the handlers),
// wait for the handlers, close the store.
func (o *collectOptions) run(ctx context.Context, stdout io.Writer) int {
	log := o.log
	if err := os.MkdirAll(o.archive, 0o750); err != nil {
		log.Error("archive", "err", err)
		return 1
	}
	cert, err := o.certificate()
	if err != nil {
		log.Error("certificate", "err", err)
		return 1
	}
	st, err := store.Open(ctx, o.db)
	if err != nil {
		log.Error("store", "err", err)
		return 1
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("store", "err", err)
		}
	}()
	var reg *prometheus.Registry
	cfg := collect.Config{Archive: o.archive, Sensors: o.sensorList, MaxUpload: o.maxUpload, Store: st, Logger: log}
	if o.metricsListen != "" {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		cfg.Registerer = reg
	}
	col, err := collect.New(cfg)
	if err != nil {
		log.Error("collector", "err", err)
		return 1
	}

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		log.Error("listen", "err", err)
		return 1
	}
	var held collectInflight
	srv := &http.Server{
		Handler:           held.wrap(col.Handler()),
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}},
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug), // TLS noise from scanners
	}
	serveErr := make(chan error, 2)
	go func() { serveErr <- srv.ServeTLS(ln, "", "") }()

	var msrv *http.Server
	if reg != nil {
		mln, err := net.Listen("tcp", o.metricsListen)
		if err != nil {
			srv.Close()
			log.Error("metrics-listen", "err", err)
			return 1
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		msrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { serveErr <- msrv.Serve(mln) }()
	}
	fmt.Fprintf(stdout, "spampots collector: listening on https://%s; archive %s; certificate pin %s\n",
		ln.Addr(), o.archive, collect.CertPin(cert.Certificate[0]))
	log.Info("collector started", "sensors", len(o.sensorList), "db", o.db, "metrics", o.metricsListen)

	code := 0
	select {
	case err := <-serveErr:
		log.Error("serve", "err", err)
		code = 1
	case <-ctx.Done():
		log.Info("shutting down", "grace", o.grace)
	}
	sctx, cancel := context.WithTimeout(context.Background(), o.grace)
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("grace time over: cutting the remaining requests", "err", err)
		srv.Close()
	}
	cancel()
	if msrv != nil {
		msrv.Close()
	}
	held.wait()
	log.Info("collector stopped")
	return code
}

// collectInflight counts running handlers, so that the store is closed
// only after the last one (http.Server.Close does not wait for them).
type collectInflight struct {
	mu      sync.Mutex
	n       int
	closing bool
	idle    chan struct{}
}

func (f *collectInflight) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		if f.closing {
			f.mu.Unlock()
			http.Error(w, "collector shutting down", http.StatusServiceUnavailable)
			return
		}
		f.n++
		f.mu.Unlock()
		defer func() {
			f.mu.Lock()
			if f.n--; f.n == 0 && f.idle != nil {
				close(f.idle)
				f.idle = nil
			}
			f.mu.Unlock()
		}()
		h.ServeHTTP(w, r)
	})
}

// wait refuses new requests and waits for the running ones.
func (f *collectInflight) wait() {
	f.mu.Lock()
	f.closing = true
	if f.n == 0 {
		f.mu.Unlock()
		return
	}
	idle := make(chan struct{})
	f.idle = idle
	f.mu.Unlock()
	<-idle
}

// archiveCert loads dir/cert.pem and dir/key.pem, or, if either is
// missing, makes a self-signed ECDSA P-256 certificate for host,
// localhost, 127.0.0.1 and ::1 (key first, mode 0600; then the
// certificate), which later starts reuse: its pin is what sensors hold.
func archiveCert(dir, host string, now time.Time) (tls.Certificate, error) {
	certPath, keyPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	_, cerr := os.Stat(certPath)
	_, kerr := os.Stat(keyPath)
	if cerr == nil && kerr == nil {
		return tls.LoadX509KeyPair(certPath, keyPath)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("generating a key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("generating a serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "spampots collector"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(20, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() && !ip.IsLoopback() {
		tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
	} else if host == "" || ip != nil && ip.IsUnspecified() {
		if h, err := os.Hostname(); err == nil && h != "localhost" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	} else if ip == nil && host != "localhost" {
		tmpl.DNSNames = append(tmpl.DNSNames, host)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("making a certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("encoding the key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tls.Certificate{}, err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := durable.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		return tls.Certificate{}, fmt.Errorf("writing the key: %w", err)
	}
	if err := durable.WriteFile(certPath, certPEM, 0o644); err != nil {
		return tls.Certificate{}, fmt.Errorf("writing the certificate: %w", err)
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}
