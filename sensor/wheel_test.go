package sensor

import (
	"slices"
	"testing"
	"time"
)

func TestWheel(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	w := newWheel[int](8, time.Second, t0)
	w.add(1, t0.Add(500*time.Millisecond)) // rounds up to the next slot
	w.add(2, t0.Add(3*time.Second))
	w.add(3, t0.Add(time.Hour)) // past the horizon: the last slot
	w.add(4, t0.Add(-time.Minute))
	tests := []struct {
		at   time.Duration
		want []int
	}{
		{999 * time.Millisecond, nil},
		{1 * time.Second, []int{1, 4}},
		{2 * time.Second, nil},
		{3 * time.Second, []int{2}},
		{6 * time.Second, nil},
		{7 * time.Second, []int{3}},
		{time.Hour, nil}, // a clock jump empties nothing twice
	}
	for _, tt := range tests {
		got := w.expire(t0.Add(tt.at), nil)
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("at %v: got %v, want %v", tt.at, got, tt.want)
		}
	}
	// A deadline reached only after a long jump still fires.
	w.add(5, t0.Add(time.Hour+2*time.Second))
	if got := w.expire(t0.Add(time.Hour+3*time.Second), nil); !slices.Equal(got, []int{5}) {
		t.Errorf("after jump: %v", got)
	}
}
