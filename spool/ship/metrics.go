package ship

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the Shipper's Prometheus metrics. Labels are small fixed
// sets (error kind, result, reason): never an address.
type metrics struct {
	sentBytes      prometheus.Counter
	shippedFiles   prometheus.Counter
	shippedBytes   prometheus.Counter
	uploadErrors   *prometheus.CounterVec // kind
	deletedFiles   *prometheus.CounterVec // reason: keep, quota
	heartbeats     *prometheus.CounterVec // result: ok, error
	backlogSegs    prometheus.Gauge
	backlogBytes   prometheus.Gauge
	spoolBytes     prometheus.Gauge
	lastSuccess    prometheus.Gauge
	quotaAlarm     prometheus.Gauge
	uploadDuration prometheus.Counter
}

// Upload error kinds, the values of the kind label.
const (
	kindNetwork  = "network"  // dial, TLS, cut connection, timeout
	kindServer   = "server"   // 5xx or an unexpected reply
	kindAuth     = "auth"     // 401, 403
	kindRejected = "rejected" // 400, 413, 415
	kindConflict = "conflict" // 409
	kindMismatch = "mismatch" // 422
	kindLocal    = "local"    // reading, moving or deleting the file
)

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	const ns, sub = "spampots", "ship"
	m := &metrics{
		sentBytes: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "sent_bytes_total",
			Help: "Upload body bytes handed to the connection (resent bytes included)."}),
		shippedFiles: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "segments_shipped_total",
			Help: "Segment files (mbox or events) the collector confirmed stored."}),
		shippedBytes: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "shipped_bytes_total",
			Help: "Bytes of the segment files the collector confirmed stored."}),
		uploadErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "upload_errors_total",
			Help: "Failed upload steps, by kind: network, server, auth, rejected, conflict, mismatch, local."}, []string{"kind"}),
		deletedFiles: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "deleted_files_total",
			Help: "Shipped files deleted from shipped/, by reason: keep (expired) or quota."}, []string{"reason"}),
		heartbeats: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "heartbeats_total",
			Help: "Heartbeats sent, by result: ok or error."}, []string{"result"}),
		backlogSegs: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "backlog_segments",
			Help: "Segments in closed/ not yet confirmed by the collector."}),
		backlogBytes: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "backlog_bytes",
			Help: "Bytes in closed/ not yet confirmed by the collector."}),
		spoolBytes: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "spool_bytes",
			Help: "Bytes of closed/ plus shipped/, the bytes the quota counts."}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "last_success_timestamp_seconds",
			Help: "Unix time the collector last confirmed a segment file."}),
		quotaAlarm: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "quota_alarm",
			Help: "1 while the spool is over quota with only unshipped segments left (none are deleted)."}),
		uploadDuration: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "upload_seconds_total",
			Help: "Time spent in PATCH requests."}),
	}
	if reg == nil {
		return m, nil
	}
	var errs []error
	for _, c := range []prometheus.Collector{m.sentBytes, m.shippedFiles, m.shippedBytes, m.uploadErrors, m.deletedFiles,
		m.heartbeats, m.backlogSegs, m.backlogBytes, m.spoolBytes, m.lastSuccess, m.quotaAlarm, m.uploadDuration} {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("ship: registering metrics: %w", err)
	}
	return m, nil
}
