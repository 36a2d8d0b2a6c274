package ship

import (
	"context"
	"io"
	"sync"
	"time"
)

// Bucket bounds.
const (
	maxBurst = 16 << 10 // at most 16 KiB sent at line speed after a pause
	minBurst = 1500     // at least one Ethernet frame of payload
)

// bucket is a token bucket of bytes: it holds at most burst tokens, gains
// rate tokens a second, and a taker that overdraws it sleeps until the debt
// is repaid. One bucket is shared by every upload of a Shipper.
type bucket struct {
	rate  float64 // bytes per second
	burst int     // also the largest single read
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu     sync.Mutex
	tokens float64 // may be negative: debt being slept off
	last   time.Time
}

func newBucket(rate int64, now func() time.Time, sleep func(context.Context, time.Duration) error) *bucket {
	burst := int(min(maxBurst, rate/8))
	burst = max(burst, minBurst)
	return &bucket{rate: float64(rate), burst: burst, now: now, sleep: sleep, tokens: float64(burst), last: now()}
}

// take removes n tokens and sleeps off any debt. An error means ctx ended
// during the sleep.
func (b *bucket) take(ctx context.Context, n int) error {
	b.mu.Lock()
	now := b.now()
	if el := now.Sub(b.last); el > 0 {
		b.tokens = min(float64(b.burst), b.tokens+el.Seconds()*b.rate)
	}
	b.last = now
	b.tokens -= float64(n)
	var wait time.Duration
	if b.tokens < 0 {
		wait = time.Duration(-b.tokens / b.rate * float64(time.Second))
	}
	b.mu.Unlock()
	if wait > 0 {
		return b.sleep(ctx, wait)
	}
	return nil
}

// reader returns r throttled by b: each Read is at most burst bytes and
// returns only once the bucket paid for them.
func (b *bucket) reader(ctx context.Context, r io.Reader) io.Reader {
	return &limitedReader{ctx: ctx, r: r, b: b}
}

type limitedReader struct {
	ctx context.Context
	r   io.Reader
	b   *bucket
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if len(p) > l.b.burst {
		p = p[:l.b.burst]
	}
	n, err := l.r.Read(p)
	if n > 0 {
		if werr := l.b.take(l.ctx, n); werr != nil {
			return 0, werr
		}
	}
	return n, err
}

// sleepCtx sleeps d on the after clock, or until ctx ends.
func sleepCtx(after func(time.Duration) <-chan time.Time) func(context.Context, time.Duration) error {
	return func(ctx context.Context, d time.Duration) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-after(d):
			return nil
		}
	}
}
