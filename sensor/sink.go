package sensor

import (
	"time"

	"github.com/spampots/spampots/sensor/proxy"
)

// sink is the emulated destination of a tunnel to a port the sensor plays
// no server for: it takes every byte, answers nothing, and keeps the first
// ones for the event stream, the way a service that waits for the client
// to speak first looks from the outside.
type sink struct {
	sample   []byte
	total    int64
	deadline time.Time
	idle     time.Duration
	closed   bool
}

const (
	sinkSample = 512     // bytes kept for the event
	sinkMax    = 1 << 20 // bytes taken before the tunnel is closed
	sinkIdle   = time.Minute
)

func newSink(now time.Time) *sink {
	return &sink{deadline: now.Add(sinkIdle), idle: sinkIdle}
}

func (k *sink) Feed(in []byte, now time.Time) (int, []proxy.Action) {
	if k.closed {
		return 0, nil
	}
	if n := min(len(in), sinkSample-len(k.sample)); n > 0 {
		k.sample = append(k.sample, in[:n]...)
	}
	k.total += int64(len(in))
	k.deadline = now.Add(k.idle)
	if k.total >= sinkMax {
		k.closed = true
		return len(in), []proxy.Action{{Kind: proxy.Close}}
	}
	return len(in), nil
}

func (k *sink) Timeout(now time.Time) []proxy.Action {
	if k.closed || now.Before(k.deadline) {
		return nil
	}
	k.closed = true
	return []proxy.Action{{Kind: proxy.Close}}
}

func (k *sink) Deadline() time.Time { return k.deadline }
func (k *sink) Closed() bool        { return k.closed }
