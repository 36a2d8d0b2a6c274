package main

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/spampots/spampots/enrich/dnsq"
	"github.com/spampots/spampots/fingerprint/capture"
	"github.com/spampots/spampots/sensor"
	"github.com/spampots/spampots/spool"
)

// newRegistry is a Prometheus registry with the Go and process collectors.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// serveMetrics serves reg at /metrics on addr (plain HTTP; bind it to a
// management address) until the returned stop is called.
func serveMetrics(addr string, reg *prometheus.Registry, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics", "err", err)
		}
	}()
	log.Info("metrics", "listen", ln.Addr().String())
	return func() { srv.Close() }, nil
}

// registerSensor exposes the sensor's and its spool's counters, read at
// scrape time (spampots_sensor_*, spampots_spool_*; never an IP as a label).
func registerSensor(reg prometheus.Registerer, srv *sensor.Server, w *spool.Writer, cfg *sensor.Config) {
	st := srv.Stats()
	counter := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f)
	}
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	}
	load := func(v interface{ Load() int64 }) func() float64 { return func() float64 { return float64(v.Load()) } }
	reg.MustRegister(
		gauge("spampots_sensor_sessions", "Sessions open now.", load(&st.Sessions)),
		counter("spampots_sensor_connections_total", "Connections accepted.", load(&st.Accepted)),
		counter("spampots_sensor_messages_total", "Messages acknowledged with 250 (durable).", load(&st.Messages)),
		counter("spampots_sensor_tempfails_total", "Messages answered 451/452.", load(&st.TempFails)),
		counter("spampots_sensor_received_bytes_total", "Bytes received from clients.", load(&st.BytesIn)),
		counter("spampots_sensor_sent_bytes_total", "Bytes sent to clients.", load(&st.BytesOut)),
		counter("spampots_sensor_overflows_total", "Sessions closed for buffering too much.", load(&st.Overflows)),
		counter("spampots_sensor_events_lost_total", "Connection events the spool refused.", load(&st.EventsLost)),
		counter("spampots_spool_fsyncs_total", "fdatasync calls on segment files.", func() float64 { return float64(w.Stats().Fsyncs) }),
		counter("spampots_spool_written_bytes_total", "Compressed bytes made durable.", func() float64 { return float64(w.Stats().Bytes) }),
		counter("spampots_spool_disk_full_total", "Writes that met a full disk.", func() float64 { return float64(w.Stats().DiskFull) }),
		counter("spampots_spool_segments_closed_total", "Segments moved into closed/.", func() float64 { return float64(w.Stats().SegmentsClosed) }),
		gauge("spampots_spool_queue_depth", "Records waiting for the spool writer.", func() float64 { return float64(w.Stats().QueueDepth) }),
		counter("spampots_sensor_test_messages_total", "Messages classified as spammers' test messages.", load(&st.TestMessages)),
	)
	if r := cfg.Relay; r != nil {
		rs := r.Stats()
		reg.MustRegister(
			counter("spampots_relay_offered_total", "Test messages offered to the relay.", load(&rs.Offered)),
			counter("spampots_relay_refused_total", "Test messages the relay refused (rate limits, queue).", load(&rs.Refused)),
			counter("spampots_relay_delivered_total", "Test messages delivered to the smarthost.", load(&rs.Delivered)),
			counter("spampots_relay_failed_total", "Test message deliveries that failed.", load(&rs.Failed)),
		)
	}
	if d := cfg.Enrich.DNS(); d != nil {
		dns := func(f func(s dnsq.Stats) uint64) func() float64 {
			return func() float64 { return float64(f(d.Stats())) }
		}
		reg.MustRegister(
			counter("spampots_dns_queries_total", "DNS queries sent to the resolver.", dns(func(s dnsq.Stats) uint64 { return s.Queries })),
			counter("spampots_dns_timeouts_total", "DNS query attempts that timed out.", dns(func(s dnsq.Stats) uint64 { return s.Timeouts })),
			counter("spampots_dns_failures_total", "DNS lookups that failed otherwise (SERVFAIL, REFUSED, network).", dns(func(s dnsq.Stats) uint64 { return s.Failures })),
			counter("spampots_dns_refused_total", "DNS lookups not made: too many in flight.", dns(func(s dnsq.Stats) uint64 { return s.Refused })),
			counter("spampots_dns_cache_hits_total", "DNS answers from the cache.", dns(func(s dnsq.Stats) uint64 { return s.Hits })),
			gauge("spampots_dns_in_flight", "DNS lookups under way.", func() float64 { return float64(d.Stats().InFlight) }),
			gauge("spampots_dns_up", "1 while the resolver answers, 0 once it let a query time out with no answer since.", func() float64 {
				if d.Answering() {
					return 1
				}
				return 0
			}),
		)
	}
	if c := cfg.Capture; c != nil {
		reg.MustRegister(trafficCollector{c, [3]*prometheus.Desc{
			prometheus.NewDesc("spampots_port_packets_total", "TCP segments to the port, counted in the kernel (XDP) or by the AF_PACKET capture; port 0: the ports not served.", []string{"port"}, nil),
			prometheus.NewDesc("spampots_port_bytes_total", "Bytes of those segments, link header included.", []string{"port"}, nil),
			prometheus.NewDesc("spampots_port_syns_total", "SYNs to the port recorded for fingerprinting.", []string{"port"}, nil),
		}})
	}
	ports := prometheus.NewDesc("spampots_sensor_port_connections_total", "Connections by listening port.", []string{"port", "proto"}, nil)
	reg.MustRegister(portCollector{st, ports})
}

// portCollector reports the per-port connection counters.
type portCollector struct {
	st   *sensor.Stats
	desc *prometheus.Desc
}

func (c portCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c portCollector) Collect(ch chan<- prometheus.Metric) {
	for port, ps := range c.st.Ports {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(ps.Connections.Load()), strconv.Itoa(port), ps.Proto)
	}
}

// trafficCollector reports the SYN capture's per-port counters.
type trafficCollector struct {
	c     capture.Capture
	descs [3]*prometheus.Desc
}

func (t trafficCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range t.descs {
		ch <- d
	}
}

func (t trafficCollector) Collect(ch chan<- prometheus.Metric) {
	for port, pc := range t.c.Counters() {
		p := strconv.Itoa(int(port))
		ch <- prometheus.MustNewConstMetric(t.descs[0], prometheus.CounterValue, float64(pc.Packets), p)
		ch <- prometheus.MustNewConstMetric(t.descs[1], prometheus.CounterValue, float64(pc.Bytes), p)
		ch <- prometheus.MustNewConstMetric(t.descs[2], prometheus.CounterValue, float64(pc.SYNs), p)
	}
}
