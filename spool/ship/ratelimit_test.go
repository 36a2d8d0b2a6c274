package ship

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock that only moves when told to.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestBucketAverageRate: on a simulated clock (a sleep advances it), a
// transfer through the bucket averages within 10% of the cap, and no
// one-second window carries more than a second of rate plus the burst.
func TestBucketAverageRate(t *testing.T) {
	for _, rate := range []int64{1000, 32000, 125000, 1 << 20} {
		clock := newFakeClock()
		var sleeps []time.Duration
		b := newBucket(rate, clock.Now, func(_ context.Context, d time.Duration) error {
			sleeps = append(sleeps, d)
			clock.Advance(d)
			return nil
		})
		if b.burst < minBurst || b.burst > maxBurst || int64(b.burst) > max(rate/8, minBurst) {
			t.Errorf("rate %d: burst %d", rate, b.burst)
		}
		total := 20 * rate // 20 s worth
		start := clock.Now()
		// Reads of uneven sizes, as a TLS writer makes them.
		r := b.reader(context.Background(), io.LimitReader(zeroReader{}, total))
		buf := make([]byte, 37<<10)
		var n int64
		type mark struct {
			at time.Time
			n  int64
		}
		var marks []mark
		for i := 0; ; i++ {
			k, err := r.Read(buf[:1+(i*7919)%len(buf)])
			n += int64(k)
			marks = append(marks, mark{clock.Now(), n})
			if err == io.EOF {
				break
			}
		}
		if n != total {
			t.Fatalf("rate %d: read %d of %d", rate, n, total)
		}
		elapsed := clock.Now().Sub(start).Seconds()
		avg := float64(total) / elapsed
		if avg > 1.1*float64(rate) || avg < 0.9*float64(rate) {
			t.Errorf("rate %d: average %.0f B/s over %.2fs, not within 10%%", rate, avg, elapsed)
		}
		for i := range marks {
			for j := i; j < len(marks) && marks[j].at.Sub(marks[i].at) <= time.Second; j++ {
				if got := marks[j].n - marks[i].n; got > rate+int64(b.burst) {
					t.Fatalf("rate %d: %d bytes within one second", rate, got)
				}
			}
		}
		t.Logf("rate %d B/s: %.0f B/s average over %.2f simulated s, burst %d, %d sleeps", rate, avg, elapsed, b.burst, len(sleeps))
	}
}

// TestBucketSleepCancelled: a cancelled context ends the wait with its
// error.
func TestBucketSleepCancelled(t *testing.T) {
	clock := newFakeClock()
	never := func(time.Duration) <-chan time.Time { return nil }
	b := newBucket(1000, clock.Now, sleepCtx(never))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := b.reader(ctx, zeroReader{})
	buf := make([]byte, 4096)
	var err error
	for i := 0; i < 10 && err == nil; i++ {
		_, err = r.Read(buf)
	}
	if err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestBucketRealTransfer measures a real upload over loopback TLS through
// the bucket on the real clock: about 2 s at 64 KiB/s. The bound is wide
// (a loaded machine is slower, never faster than the cap allows).
func TestBucketRealTransfer(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time measurement")
	}
	var got int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	cfg := Config{Collector: srv.URL, Pin: CertPin(srv.Certificate().Raw)}
	client, err := newClient(&cfg, netDial)
	if err != nil {
		t.Fatal(err)
	}
	const rate = 64 << 10
	const size = 2*rate + 8<<10 // two seconds after the burst
	b := newBucket(rate, time.Now, sleepCtx(time.After))
	body := b.reader(context.Background(), bytes.NewReader(make([]byte, size)))
	req, _ := http.NewRequest(http.MethodPatch, srv.URL+"/v1/segments/x", body)
	req.ContentLength = size
	start := time.Now()
	resp, err := client.Do(req)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got != size {
		t.Fatalf("server got %d bytes, sent %d", got, size)
	}
	measured := float64(size) / elapsed.Seconds()
	t.Logf("%d bytes in %v: %.0f B/s, cap %d B/s", size, elapsed, measured, rate)
	if measured > 1.2*rate || measured < 0.25*rate {
		t.Errorf("measured %.0f B/s with a cap of %d B/s", measured, rate)
	}
}
