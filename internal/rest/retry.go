package rest

import (
	"context"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// DefaultRetryAfter is the wait assumed when a 429 carries no Retry-After header (docs: rate-limits).
const DefaultRetryAfter = 60 * time.Second

// RetryPolicy says when and how long to wait before trying a request again. Zero fields take the
// defaults named on each field.
type RetryPolicy struct {
	// MaxAttempts is the total number of attempts, the first included. Default 4; 1 disables retries.
	MaxAttempts int
	// BaseDelay is the first back-off ceiling; each retry doubles it (full jitter). Default 250 ms.
	BaseDelay time.Duration
	// MaxDelay caps a back-off. Default 10 s.
	MaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After the transport waits out by itself; a longer one is
	// returned to the caller as a *RateLimitError. Default 30 s.
	MaxRetryAfter time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 4
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 250 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 10 * time.Second
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = 30 * time.Second
	}
	return p
}

type stateKey struct{}

// callState travels in the request context so the retry hooks know about the request.
type callState struct {
	idempotent bool
	attempts   int
}

func stateFrom(ctx context.Context) *callState {
	st, _ := ctx.Value(stateKey{}).(*callState)
	return st
}

// checkRetry decides whether to try again:
//   - 429, and 503 with a Retry-After: the server did not process the request, so any method is
//     retried, unless the wait is above MaxRetryAfter or past the caller's deadline;
//   - network errors and other 5xx (but 501): only idempotent requests and sends that carry a muid;
//   - everything else: never.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	st := stateFrom(ctx)
	idempotent := st != nil && st.idempotent
	if err != nil {
		if !idempotent || permanentTransportError(err) {
			return false, err
		}
		return true, err
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests,
		resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "":
		wait := ParseRateLimit(resp.Header).RetryAfter
		if wait <= 0 {
			wait = DefaultRetryAfter
		}
		if wait > c.policy.MaxRetryAfter {
			return false, nil
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return false, nil
		}
		return true, nil
	case resp.StatusCode == http.StatusServiceUnavailable:
		return true, nil
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return idempotent, nil
	}
	return false, nil
}

// permanentTransportError reports errors that a retry cannot fix: bad URLs and certificate problems.
func permanentTransportError(err error) bool {
	var ue *url.Error
	if errors.As(err, &ue) && (ue.Op == "parse") {
		return true
	}
	var unknownAuth x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var hostname x509.HostnameError
	return errors.As(err, &unknownAuth) || errors.As(err, &invalid) || errors.As(err, &hostname)
}

// backoff waits out Retry-After when the server sent one, else a full-jitter exponential delay:
// a uniformly random wait in [0, min(max, min·2^attempt)].
func (c *Client) backoff(minDelay, maxDelay time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if wait := ParseRateLimit(resp.Header).RetryAfter; wait > 0 {
			return wait
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			return DefaultRetryAfter
		}
	}
	return FullJitter(minDelay, maxDelay, attempt)
}

// FullJitter returns a random duration in [0, min(maxDelay, base·2^attempt)].
func FullJitter(base, maxDelay time.Duration, attempt int) time.Duration {
	ceiling := maxDelay
	if attempt < 32 {
		if d := base << uint(attempt); d > 0 && d < maxDelay {
			ceiling = d
		}
	}
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling + 1)
}

// RateLimit is what the rate-limit headers said. Limit and Remaining are -1 when absent.
type RateLimit struct {
	Limit, Remaining int
	Reset            time.Time
	RetryAfter       time.Duration
}

// ParseRateLimit reads both documented header spellings (X-RateLimit-* and X-Rate-Limit*) and
// Retry-After in seconds or as an HTTP date.
func ParseRateLimit(h http.Header) RateLimit {
	rl := RateLimit{Limit: -1, Remaining: -1}
	if v, ok := firstInt(h, "X-RateLimit-Limit", "X-Rate-Limit"); ok {
		rl.Limit = v
	}
	if v, ok := firstInt(h, "X-RateLimit-Remaining", "X-Rate-Limit-Remaining"); ok {
		rl.Remaining = v
	}
	if v, ok := firstInt(h, "X-RateLimit-Reset", "X-Rate-Limit-Reset"); ok && v > 0 {
		rl.Reset = time.Unix(int64(v), 0)
	}
	if ra := h.Get("Retry-After"); ra != "" {
		if secs, err := strconv.Atoi(ra); err == nil && secs >= 0 {
			rl.RetryAfter = time.Duration(secs) * time.Second
		} else if t, err := http.ParseTime(ra); err == nil {
			rl.RetryAfter = max(time.Until(t), 0)
		}
	}
	return rl
}

func firstInt(h http.Header, names ...string) (int, bool) {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			if i, err := strconv.Atoi(v); err == nil {
				return i, true
			}
		}
	}
	return 0, false
}
