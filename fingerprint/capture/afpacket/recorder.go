package afpacket

import (
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/spampots/spampots/fingerprint"
	"github.com/spampots/spampots/fingerprint/capture"
)

// recorder turns captured frames into records and counters: the part of the
// capture that does not touch the socket. One goroutine calls handle; any
// may call lookup and counters.
type recorder struct {
	table    *capture.Table
	ports    []uint16       // counter slot i+1 counts ports[i]
	slot     [1 << 16]uint8 // destination port -> counter slot
	counts   []slotCounts   // len(ports)+1; slot 0 is capture.OtherPorts
	watchAll bool           // record SYNs to every port
}

type slotCounts struct {
	packets, bytes, syns atomic.Uint64
}

func newRecorder(cfg capture.Config) *recorder {
	r := &recorder{
		table:    capture.NewTable(cfg.Entries, cfg.MaxAge),
		ports:    cfg.Ports,
		counts:   make([]slotCounts, len(cfg.Ports)+1),
		watchAll: len(cfg.Ports) == 0,
	}
	for i, p := range cfg.Ports {
		r.slot[p] = uint8(i + 1)
	}
	return r
}

// handle counts one frame of wireLen bytes on the wire (frame may hold only
// its start) and records it if it is a SYN to a watched port.
func (r *recorder) handle(frame []byte, wireLen int, now time.Time) {
	port, ok := capture.TCPDstPort(frame)
	if !ok {
		return
	}
	slot := r.slot[port]
	c := &r.counts[slot]
	c.packets.Add(1)
	c.bytes.Add(uint64(wireLen))
	if slot == 0 && !r.watchAll {
		return
	}
	var rec fingerprint.Record
	if fingerprint.ParseFrame(frame, &rec) != nil || !rec.IsSYN() {
		return
	}
	r.table.Put(&rec, now)
	c.syns.Add(1)
}

func (r *recorder) lookup(src, dst netip.AddrPort, rec *fingerprint.Record, now time.Time) bool {
	return r.table.Get(capture.KeyOf(src, dst), rec, now)
}

func (r *recorder) counters() map[uint16]capture.PortCounters {
	out := make(map[uint16]capture.PortCounters, len(r.counts))
	for i := range r.counts {
		c := &r.counts[i]
		port := uint16(capture.OtherPorts)
		if i > 0 {
			port = r.ports[i-1]
		}
		out[port] = capture.PortCounters{Packets: c.packets.Load(), Bytes: c.bytes.Load(), SYNs: c.syns.Load()}
	}
	return out
}
