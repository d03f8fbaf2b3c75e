package emulator

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Rate limiting (server-api.md §5, rules-and-limits.md §8). Off unless
// Config.RateLimit sets a limit. When on, every REST response carries the
// limit headers in both documented spellings (X-RateLimit-Limit /
// -Remaining / -Reset and X-Rate-Limit / -Remaining / -Reset), and a request
// over the limit is answered 429 ERR_TOO_MANY_REQUESTS with Retry-After.
//
// Windows are fixed and aligned on multiples of Window since the zero time
// (for the default one-minute window: wall-clock minutes), so
// X-RateLimit-Reset is exact. Requests answered 429 do not count.

// RateLimitConfig configures rate limiting. The zero value is off.
type RateLimitConfig struct {
	// Limit is the number of requests per Window for all REST calls of the
	// app together (the free plan's shared limit). 0: no shared limit.
	Limit int
	// CoreLimit is the limit per Window of core operations: create user,
	// delete user, create group, join and leave group, login (auth-token
	// creation and PUT me). 0: none.
	CoreLimit int
	// StandardLimit is the limit per Window of every other operation. 0: none.
	StandardLimit int
	// Window is the length of a window, a whole number of seconds (the
	// headers speak in seconds). Default one minute. Tests use a short
	// window, or the default one under testing/synctest's fake clock.
	Window time.Duration

	// PerUser turns on the service's per-user limits (ratelimit_user.go):
	// SendLimit message sends and MarkUnreadLimit mark-as-unread requests per
	// user per Window, by default 30 and 5 (rules-and-limits.md §8).
	PerUser bool
	// SendLimit is the per-user limit of message sends per Window (0: 30
	// with PerUser, else none). MarkUnreadLimit is the same for
	// mark-as-unread requests (0: 5 with PerUser, else none).
	SendLimit, MarkUnreadLimit int
}

func (c RateLimitConfig) enabled() bool {
	return c.Limit > 0 || c.CoreLimit > 0 || c.StandardLimit > 0 || c.perUserEnabled()
}

func (c RateLimitConfig) validate() error {
	switch {
	case c.Limit < 0 || c.CoreLimit < 0 || c.StandardLimit < 0 || c.SendLimit < 0 || c.MarkUnreadLimit < 0:
		return errors.New("emulator: negative RateLimit limit")
	case c.Window < 0 || c.Window%time.Second != 0:
		return errors.New("emulator: RateLimit.Window must be a whole number of seconds")
	}
	return nil
}

// RateLimitStats counts the requests the rate limiter saw.
type RateLimitStats struct {
	// Allowed requests were counted against a window; Limited were
	// answered 429.
	Allowed, Limited int64
}

// rateLimiter is the state of the fixed windows.
type rateLimiter struct {
	cfg     RateLimitConfig
	mu      sync.Mutex
	start   time.Time // current window
	counts  map[string]int
	allowed atomic.Int64
	limited atomic.Int64
	// users holds the per-user windows (ratelimit_user.go).
	users userWindows
}

// Rate-limit classes.
const (
	rlShared   = "shared"
	rlCore     = "core"
	rlStandard = "standard"
)

func newRateLimiter(cfg RateLimitConfig) *rateLimiter {
	if cfg.Window == 0 {
		cfg.Window = time.Minute
	}
	return &rateLimiter{cfg: cfg, counts: map[string]int{}}
}

// RateLimitStats returns how many requests the rate limiter allowed and how
// many it answered 429 (both 0 when rate limiting is off).
func (s *Server) RateLimitStats() RateLimitStats {
	if s.limiter == nil {
		return RateLimitStats{}
	}
	return RateLimitStats{Allowed: s.limiter.allowed.Load(), Limited: s.limiter.limited.Load()}
}

// rateClass tells core operations from standard ones by method and path
// (without the version prefix).
func rateClass(method, path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case method == http.MethodPost && len(segs) == 1 && (segs[0] == "users" || segs[0] == "groups"):
		return rlCore // create user / group
	case method == http.MethodDelete && len(segs) == 2 && segs[0] == "users":
		return rlCore // delete user
	case len(segs) == 3 && segs[0] == "groups" && segs[2] == "members" &&
		(method == http.MethodPost || method == http.MethodDelete):
		return rlCore // join / leave group
	case method == http.MethodPost && len(segs) == 3 && segs[0] == "users" && segs[2] == "auth_tokens",
		method == http.MethodPut && len(segs) == 1 && segs[0] == "me":
		return rlCore // login
	}
	return rlStandard
}

// take counts one request of class at now. It returns the headers' values
// for the most constrained applicable limit and whether the request may
// proceed.
func (l *rateLimiter) take(now time.Time, class string) (limit, remaining int, reset time.Time, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := now.Truncate(l.cfg.Window)
	if !start.Equal(l.start) {
		l.start = start
		clear(l.counts)
	}
	reset = start.Add(l.cfg.Window)
	type bucket struct {
		key   string
		limit int
	}
	var buckets []bucket
	if l.cfg.Limit > 0 {
		buckets = append(buckets, bucket{rlShared, l.cfg.Limit})
	}
	if class == rlCore && l.cfg.CoreLimit > 0 {
		buckets = append(buckets, bucket{rlCore, l.cfg.CoreLimit})
	}
	if class == rlStandard && l.cfg.StandardLimit > 0 {
		buckets = append(buckets, bucket{rlStandard, l.cfg.StandardLimit})
	}
	if len(buckets) == 0 {
		return -1, -1, reset, true
	}
	ok = true
	for _, b := range buckets {
		if l.counts[b.key] >= b.limit {
			ok = false
		}
	}
	if ok {
		for _, b := range buckets {
			l.counts[b.key]++
		}
	}
	remaining = -1
	for _, b := range buckets {
		if left := b.limit - l.counts[b.key]; remaining < 0 || left < remaining {
			limit, remaining = b.limit, left
		}
	}
	return limit, max(remaining, 0), reset, ok
}

// rateLimit is the middleware. It sits inside observe, so the request feed
// shows 429s.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	if s.limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, api := r.URL.Path, false
		for _, prefix := range []string{adminPrefix, clientPrefix} {
			if strings.HasPrefix(path, prefix) {
				path, api = strings.TrimPrefix(path, prefix), true
				break
			}
		}
		if !api || r.Header.Get("Upgrade") != "" {
			next.ServeHTTP(w, r)
			return
		}
		now := s.now()
		limit, remaining, reset, ok := s.limiter.takeRequest(s, r, now, path) // ratelimit_user.go
		if limit < 0 {
			next.ServeHTTP(w, r)
			return
		}
		resetSecs := reset.Unix()
		if reset.After(time.Unix(resetSecs, 0)) {
			resetSecs++ // never announce a reset earlier than the real one
		}
		hdr := w.Header()
		for _, names := range [][2]string{
			{"X-RateLimit-Limit", "X-Rate-Limit"},
			{"X-RateLimit-Remaining", "X-Rate-Limit-Remaining"},
			{"X-RateLimit-Reset", "X-Rate-Limit-Reset"},
		} {
			var v string
			switch names[0] {
			case "X-RateLimit-Limit":
				v = strconv.Itoa(limit)
			case "X-RateLimit-Remaining":
				v = strconv.Itoa(remaining)
			default:
				v = strconv.FormatInt(resetSecs, 10)
			}
			hdr.Set(names[0], v)
			hdr.Set(names[1], v)
		}
		if ok {
			s.limiter.allowed.Add(1)
			next.ServeHTTP(w, r)
			return
		}
		s.limiter.limited.Add(1)
		// now.Unix() truncates, so this is the wait rounded up to a second.
		wait := max(resetSecs-now.Unix(), 1)
		hdr.Set("Retry-After", strconv.FormatInt(wait, 10))
		s.writeError(w, r, newError("ERR_TOO_MANY_REQUESTS",
			"Too many requests. You have exceeded the rate limit. Please retry after the specified time."))
	})
}
