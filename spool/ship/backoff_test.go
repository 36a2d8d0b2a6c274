package ship

import (
	"testing"
	"time"
)

func TestBackoffBounds(t *testing.T) {
	maxRand := func(n int64) int64 { return n - 1 }
	zeroRand := func(int64) int64 { return 0 }
	want := []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second,
		32 * time.Second, 64 * time.Second, 128 * time.Second, 256 * time.Second, 5 * time.Minute, 5 * time.Minute}
	for attempt, w := range want {
		if got := backoff(attempt, backoffBase, backoffCap, maxRand); got != w {
			t.Errorf("attempt %d: upper bound %v, want %v", attempt, got, w)
		}
		if got := backoff(attempt, backoffBase, backoffCap, zeroRand); got != 0 {
			t.Errorf("attempt %d: lower bound %v, want 0", attempt, got)
		}
	}
	for _, attempt := range []int{40, 63, 64, 1000, 1 << 30} {
		if got := backoff(attempt, backoffBase, backoffCap, maxRand); got != backoffCap {
			t.Errorf("attempt %d: %v, want the cap", attempt, got)
		}
	}
	// The random source sees the whole interval [0, d].
	var asked int64
	backoff(3, backoffBase, backoffCap, func(n int64) int64 { asked = n; return 0 })
	if asked != int64(8*time.Second)+1 {
		t.Errorf("rand asked for [0, %d), want [0, 8s]", asked)
	}
}
