package collect

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the collector's Prometheus series. Labels are configured
// sensor ids, segment kinds and fixed reasons: never an address, never a
// value a client chose before it authenticated.
type metrics struct {
	bytes           *prometheus.CounterVec // sensor
	stored          *prometheus.CounterVec // sensor, kind
	duplicates      *prometheus.CounterVec // sensor
	uploadErrors    *prometheus.CounterVec // reason
	heartbeats      *prometheus.CounterVec // sensor
	heartbeatErrors *prometheus.CounterVec // reason
	lastHeartbeat   *prometheus.GaugeVec   // sensor
}

func newMetrics(reg prometheus.Registerer, sensors []SensorConf) (*metrics, error) {
	const ns, sub = "spampots", "collect"
	m := &metrics{
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "received_bytes_total", Help: "Segment bytes received and fsynced, by sensor."}, []string{"sensor"}),
		stored: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "segments_stored_total", Help: "Segments verified, archived and recorded, by sensor and kind."}, []string{"sensor", "kind"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "duplicates_total", Help: "Uploads of segments the archive already held, by sensor."}, []string{"sensor"}),
		uploadErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "upload_errors_total", Help: "Segment requests refused or cut, by reason."}, []string{"reason"}),
		heartbeats: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "heartbeats_total", Help: "Heartbeats received and stored, by sensor."}, []string{"sensor"}),
		heartbeatErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "heartbeat_errors_total", Help: "Heartbeats refused, by reason."}, []string{"reason"}),
		lastHeartbeat: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub,
			Name: "last_heartbeat_timestamp_seconds", Help: "When the collector last stored a heartbeat of the sensor, in Unix seconds."}, []string{"sensor"}),
	}
	// Every configured sensor shows up from the start, at zero.
	for _, s := range sensors {
		m.bytes.WithLabelValues(s.ID)
		m.duplicates.WithLabelValues(s.ID)
		m.heartbeats.WithLabelValues(s.ID)
		for _, k := range []string{kindMbox, kindEvents} {
			m.stored.WithLabelValues(s.ID, k)
		}
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.bytes, m.stored, m.duplicates, m.uploadErrors, m.heartbeats, m.heartbeatErrors, m.lastHeartbeat} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("collect: registering metrics: %w", err)
		}
	}
	return m, nil
}

// reason is the upload_errors_total label for an error status.
func reason(status int) string {
	switch status {
	case 400:
		return "bad_request"
	case 401:
		return "unauthenticated"
	case 403:
		return "forbidden"
	case 409:
		return "conflict"
	case 413:
		return "too_large"
	case 415:
		return "content_type"
	case 422:
		return "hash_mismatch"
	default:
		return "internal"
	}
}
