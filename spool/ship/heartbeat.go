package ship

import "time"

// Heartbeat is the body of POST /v1/heartbeat (PROTOCOL.md "Heartbeat").
// The live counters are omitted when zero: a standalone shipper cannot know
// them, and Config.Stats fills them in the sensor.
type Heartbeat struct {
	SensorID string    `json:"sensor"`
	Version  string    `json:"version"`
	Time     time.Time `json:"time"` // UTC, whole seconds
	UptimeS  int64     `json:"uptime_s"`

	Listeners    []string             `json:"listeners,omitempty"` // "smtp=:25"
	SessionsOpen int64                `json:"sessions_open,omitempty"`
	Connections  int64                `json:"connections,omitempty"`
	Messages     int64                `json:"messages,omitempty"`
	BytesIn      int64                `json:"bytes_in,omitempty"`
	BytesOut     int64                `json:"bytes_out,omitempty"`
	Ports        map[string]PortStats `json:"ports,omitempty"` // by port number, "25"

	BacklogSegments int   `json:"backlog_segments"`
	BacklogBytes    int64 `json:"backlog_bytes"`
	SpoolBytes      int64 `json:"spool_bytes"` // closed/ plus shipped/
	DiskFreeBytes   int64 `json:"disk_free_bytes"`
	QuotaAlarm      bool  `json:"quota_alarm"`
}

// PortStats are one listening port's counters in a Heartbeat.
type PortStats struct {
	Connections int64 `json:"connections"`
	Messages    int64 `json:"messages"`
	BytesIn     int64 `json:"bytes_in"`
	BytesOut    int64 `json:"bytes_out,omitempty"`
}
