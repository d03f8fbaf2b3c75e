package emulator

import (
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rlClock is a settable clock for Config.Now.
type rlClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *rlClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *rlClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func rlRequest(t *testing.T, e *env, method, path string, hdr h) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, nil)
	require.NoError(t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := e.ts.Client().Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp
}

func TestRateLimitHeadersAnd429(t *testing.T) {
	// The window is aligned on minutes; start 20.5 s into one.
	start := time.Unix(1717000040, 500_000_000) // 1717000020 is a multiple of 60
	clock := &rlClock{t: start}
	e := newEnv(t, Config{Now: clock.now, RateLimit: RateLimitConfig{Limit: 3}})
	require.NoError(t, e.s.CreateUser("ada", "Ada"))
	windowEnd := start.Truncate(time.Minute).Add(time.Minute).Unix()

	for i, want := range []string{"2", "1", "0"} {
		resp := rlRequest(t, e, "GET", "/v3/users/ada", e.admin())
		require.Equal(t, 200, resp.StatusCode, i)
		for _, k := range []string{"X-RateLimit-Remaining", "X-Rate-Limit-Remaining"} {
			assert.Equal(t, want, resp.Header.Get(k), k)
		}
		for _, k := range []string{"X-RateLimit-Limit", "X-Rate-Limit"} {
			assert.Equal(t, "3", resp.Header.Get(k), k)
		}
		for _, k := range []string{"X-RateLimit-Reset", "X-Rate-Limit-Reset"} {
			assert.Equal(t, strconv.FormatInt(windowEnd, 10), resp.Header.Get(k), k)
		}
		assert.Empty(t, resp.Header.Get("Retry-After"))
	}
	// Client API calls count too (the limit is per app).
	r := e.do("GET", "/v3/users/ada", e.admin(), nil)
	assert.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Equal(t, "ERR_TOO_MANY_REQUESTS", r.code())
	assert.Equal(t, "Too many requests. You have exceeded the rate limit. Please retry after the specified time.",
		r.errObj()["message"])
	resp := rlRequest(t, e, "GET", "/v3.0/settings", nil)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "40", resp.Header.Get("Retry-After"), "39.5 s rounded up")
	assert.Equal(t, "0", resp.Header.Get("X-Rate-Limit-Remaining"))
	assert.Equal(t, RateLimitStats{Allowed: 3, Limited: 2}, e.s.RateLimitStats())

	// The next window starts afresh.
	clock.set(time.Unix(windowEnd, 0))
	resp = rlRequest(t, e, "GET", "/v3/users/ada", e.admin())
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "2", resp.Header.Get("X-RateLimit-Remaining"))
	assert.Equal(t, strconv.FormatInt(windowEnd+60, 10), resp.Header.Get("X-RateLimit-Reset"))

	// Paths outside the API are not limited.
	resp = rlRequest(t, e, "GET", "/not-an-api", nil)
	assert.Empty(t, resp.Header.Get("X-RateLimit-Limit"))
}

func TestRateLimitClasses(t *testing.T) {
	clock := &rlClock{t: time.Unix(1717000020, 0)}
	e := newEnv(t, Config{Now: clock.now, RateLimit: RateLimitConfig{CoreLimit: 1, StandardLimit: 2, Window: 10 * time.Second}})
	create := func(uid string) int {
		return e.do("POST", "/v3/users", e.admin(), map[string]any{"uid": uid, "name": uid}).status
	}
	assert.Equal(t, 200, create("a"))
	assert.Equal(t, http.StatusTooManyRequests, create("b"), "core: 1 per window")
	resp := rlRequest(t, e, "GET", "/v3/users/a", e.admin())
	assert.Equal(t, 200, resp.StatusCode, "standard operations have their own budget")
	assert.Equal(t, "1", resp.Header.Get("X-RateLimit-Remaining"))
	assert.Equal(t, "2", resp.Header.Get("X-RateLimit-Limit"))
	assert.Equal(t, 200, rlRequest(t, e, "GET", "/v3/users/a", e.admin()).StatusCode)
	assert.Equal(t, http.StatusTooManyRequests, rlRequest(t, e, "GET", "/v3/users/a", e.admin()).StatusCode)
	clock.set(time.Unix(1717000030, 0))
	assert.Equal(t, 200, create("b"))

	for _, tc := range []struct{ method, path, class string }{
		{"POST", "users", rlCore}, {"DELETE", "users/x", rlCore}, {"POST", "groups", rlCore},
		{"POST", "groups/g/members", rlCore}, {"DELETE", "groups/g/members", rlCore},
		{"POST", "users/x/auth_tokens", rlCore}, {"PUT", "me", rlCore},
		{"GET", "users", rlStandard}, {"PUT", "users/x", rlStandard}, {"POST", "messages", rlStandard},
	} {
		assert.Equal(t, tc.class, rateClass(tc.method, tc.path), tc.method+" "+tc.path)
	}
}

func TestRateLimitConfig(t *testing.T) {
	_, err := New(Config{RateLimit: RateLimitConfig{Limit: 1, Window: 1500 * time.Millisecond}})
	assert.Error(t, err)
	_, err = New(Config{RateLimit: RateLimitConfig{Limit: -1}})
	assert.Error(t, err)
	s, err := New(Config{})
	require.NoError(t, err)
	assert.Equal(t, RateLimitStats{}, s.RateLimitStats(), "off by default")
	require.NoError(t, s.Close())
}
