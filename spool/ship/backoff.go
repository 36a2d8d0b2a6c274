package ship

import "time"

// Retry waits.
const (
	backoffBase = time.Second
	backoffCap  = 5 * time.Minute
	// humanBackoff is the wait after a refusal only a human can fix (401,
	// 403 for every file; 400, 413, 415 for one file).
	humanBackoff = 15 * time.Minute
)

// backoff returns the wait before retry number attempt (0 for the first
// retry): "full jitter", uniform in [0, min(cap, base·2^attempt)]. rnd
// returns a uniform int64 in [0, n).
func backoff(attempt int, base, limit time.Duration, rnd func(n int64) int64) time.Duration {
	d := base
	for i := 0; i < attempt && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return time.Duration(rnd(int64(d) + 1))
}
