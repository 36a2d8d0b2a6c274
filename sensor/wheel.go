package sensor

import (
	"sync"
	"time"
)

// wheel is a hashed timing wheel with one-second slots: the sensor's only
// source of delays. Event loops add a session at its deadline; OnTick calls
// expire, which hands back every session whose slot has come, and the loop
// that owns each one then checks the real deadline (it may have moved) and
// adds it again if needed. A session is in the wheel at most once, so the
// cost is O(1) per session per idle period, whatever the number of sessions.
type wheel[T comparable] struct {
	mu    sync.Mutex
	slots [][]T
	tick  time.Duration
	pos   int       // slot of cur
	cur   time.Time // start of the slot at pos
}

func newWheel[T comparable](n int, tick time.Duration, now time.Time) *wheel[T] {
	return &wheel[T]{slots: make([][]T, n), tick: tick, cur: now.Truncate(tick)}
}

// add schedules v at deadline (rounded up to the next slot). A deadline past
// the wheel's horizon goes into the last slot and is re-added when it fires.
func (w *wheel[T]) add(v T, deadline time.Time) {
	w.mu.Lock()
	d := int((deadline.Sub(w.cur) + w.tick - 1) / w.tick)
	d = max(d, 1)
	d = min(d, len(w.slots)-1)
	i := (w.pos + d) % len(w.slots)
	w.slots[i] = append(w.slots[i], v)
	w.mu.Unlock()
}

// expire advances the wheel to now and appends to dst every value whose slot
// has passed.
func (w *wheel[T]) expire(now time.Time, dst []T) []T {
	w.mu.Lock()
	defer w.mu.Unlock()
	for steps := 0; !w.cur.Add(w.tick).After(now) && steps < len(w.slots); steps++ {
		w.cur = w.cur.Add(w.tick)
		w.pos = (w.pos + 1) % len(w.slots)
		dst = append(dst, w.slots[w.pos]...)
		clear(w.slots[w.pos])
		w.slots[w.pos] = w.slots[w.pos][:0]
	}
	if w.cur.Add(w.tick).Before(now) { // the clock jumped a whole turn
		w.cur = now.Truncate(w.tick)
	}
	return dst
}
