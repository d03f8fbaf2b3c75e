package admin_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/admin"
	"github.com/cometchat-go/cometchat/internal/emulator"
)

// handlerTransport serves requests in memory with an http.Handler, so a whole client-emulator
// exchange runs inside a synctest bubble (fake clock, no sockets).
type handlerTransport struct {
	h http.Handler
	// strip removes the X-RateLimit-* and X-Rate-Limit* headers, as a service that does not send them.
	strip bool
}

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = r
	if t.strip {
		for k := range resp.Header {
			if strings.HasPrefix(k, "X-Rate") {
				resp.Header.Del(k)
			}
		}
	}
	return resp, nil
}

// inMemory returns an emulator and an admin client talking to it in memory.
func inMemory(t *testing.T, cfg emulator.Config, strip bool) (*emulator.Server, *admin.Client) {
	t.Helper()
	cfg.AppID, cfg.RESTAPIKey, cfg.AuthKey = testAppID, testRESTKey, testAuthKey
	s, err := emulator.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	c, err := admin.New(testAppID, "eu", testRESTKey, admin.WithBaseURL("http://emulator.invalid/v3"),
		admin.WithAllowInsecure(), admin.WithHTTPClient(&http.Client{Transport: handlerTransport{h: s.Handler(), strip: strip}}))
	require.NoError(t, err)
	return s, c
}

func generated(n int) iter.Seq2[admin.UserInput, error] {
	return func(yield func(admin.UserInput, error) bool) {
		for i := range n {
			if !yield(admin.UserInput{UID: fmt.Sprintf("user-%05d", i), Name: fmt.Sprintf("User %d", i)}, nil) {
				return
			}
		}
	}
}

// TestSync10000UsersAt2000PerMinute syncs 10,000 new users against the emulator limited to 2,000
// requests per one-minute window, exactly the configuration of the issue. It runs under
// testing/synctest: the emulator's clock, the rate-limit windows, the Retry-After waits and the
// pacer's sleeps all use the bubble's fake clock, so five minutes of service time pass in about a
// second of wall time. It measures: every user created, zero failures, the number of 429 responses
// (counted both by the client and by the emulator), and the simulated duration, which must be close
// to the theoretical minimum of 4 minutes (10,000 requests in windows of 2,000 starting on a minute
// boundary).
func TestSync10000UsersAt2000PerMinute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := inMemory(t, emulator.Config{RateLimit: emulator.RateLimitConfig{Limit: 2000, Window: time.Minute}}, false)
		wallStart := time.Now()
		var calls int
		sum, err := c.SyncUsers(context.Background(), generated(10000), admin.SyncOptions{
			Progress: func(p admin.SyncProgress) { calls++ },
		})
		require.NoError(t, err)
		simulated := time.Since(wallStart)
		assert.Equal(t, 10000, sum.Created)
		assert.Empty(t, sum.Failed)
		assert.Equal(t, 10000, calls, "one progress call per user")
		stats := s.RateLimitStats()
		assert.EqualValues(t, sum.RateLimited, stats.Limited, "client and emulator agree on the 429 count")
		assert.LessOrEqual(t, sum.RateLimited, 3, "a handful of 429s at most")
		assert.Equal(t, 10000+sum.RateLimited, sum.Requests)
		assert.GreaterOrEqual(t, simulated, 4*time.Minute)
		assert.Less(t, simulated, 4*time.Minute+5*time.Second, "the sync uses every window fully")
		t.Logf("simulated %s: %s; emulator allowed %d, limited %d", simulated, sum, stats.Allowed, stats.Limited)
		time.Sleep(time.Minute) // fake time: move past the spent window before checking the result
		all, err := admin.Collect(c.ListUsers(context.Background(), admin.ListUsersOptions{PerPage: 1000}))
		require.NoError(t, err)
		assert.Len(t, all, 10000)
	})
}

// TestSyncWithoutRateLimitHeaders shows the fallback when the service sends no rate-limit headers
// at all: the sync meets 429s, waits Retry-After and loses nobody.
func TestSyncWithoutRateLimitHeaders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, c := inMemory(t, emulator.Config{RateLimit: emulator.RateLimitConfig{Limit: 50, Window: time.Minute}}, true)
		sum, err := c.SyncUsers(context.Background(), generated(200), admin.SyncOptions{Concurrency: 4})
		require.NoError(t, err)
		assert.Equal(t, 200, sum.Created)
		assert.Empty(t, sum.Failed)
		assert.Positive(t, sum.RateLimited)
		assert.EqualValues(t, s.RateLimitStats().Limited, sum.RateLimited)
	})
}

// TestSyncConfiguredRate checks the client-side cap alone: 120 requests a minute, no server limit.
func TestSyncConfiguredRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, c := inMemory(t, emulator.Config{}, false)
		start := time.Now()
		sum, err := c.SyncUsers(context.Background(), generated(240), admin.SyncOptions{RequestsPerMinute: 120})
		require.NoError(t, err)
		assert.Equal(t, 240, sum.Created)
		d := time.Since(start)
		assert.GreaterOrEqual(t, d, 119*time.Second, "240 requests spaced 0.5 s apart")
		assert.Less(t, d, 121*time.Second)
	})
}

// TestSyncRealClock runs a short rate-limited sync over loopback HTTP with the real clock (a
// one-second window of 100 requests, the 2,000-a-minute ratio scaled up 3x), to check the header
// arithmetic in whole seconds against real time.
func TestSyncRealClock(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 3 s of wall time")
	}
	e := newEmu(t, emulator.Config{RateLimit: emulator.RateLimitConfig{Limit: 100, Window: time.Second}})
	sum, err := e.c.SyncUsers(context.Background(), generated(300), admin.SyncOptions{})
	require.NoError(t, err)
	assert.Equal(t, 300, sum.Created)
	assert.Empty(t, sum.Failed)
	assert.LessOrEqual(t, sum.RateLimited, 3)
	t.Logf("%s", sum)
}

func TestSyncOutcomes(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx := context.Background()
	_, err := e.c.CreateUser(ctx, admin.UserInput{UID: "changed", Name: "Old name", Tags: []string{"x"}})
	require.NoError(t, err)
	_, err = e.c.CreateUser(ctx, admin.UserInput{UID: "same", Name: "Same", Metadata: map[string]any{"n": 1},
		Tags: []string{"a", "b"}})
	require.NoError(t, err)
	_, err = e.c.CreateUser(ctx, admin.UserInput{UID: "gone", Name: "Gone"})
	require.NoError(t, err)
	_, err = e.c.DeactivateUsers(ctx, "gone")
	require.NoError(t, err)

	sourceErr := errors.New("line 7: broken")
	src := func(yield func(admin.UserInput, error) bool) {
		for _, it := range []struct {
			in  admin.UserInput
			err error
		}{
			{admin.UserInput{UID: "new-1", Name: "New"}, nil},
			{admin.UserInput{UID: "Changed", Name: "New name", Tags: []string{"x"}}, nil},
			{admin.UserInput{UID: "same", Name: "Same", Metadata: map[string]any{"n": 1.0}, Tags: []string{"b", "a"}}, nil},
			{admin.UserInput{UID: "bad uid", Name: "Bad"}, nil},
			{admin.UserInput{}, sourceErr},
			{admin.UserInput{UID: "gone", Name: "Gone"}, nil},
			{admin.UserInput{UID: "no-name"}, nil},
		} {
			if !yield(it.in, it.err) {
				return
			}
		}
	}
	var last admin.SyncProgress
	sum, err := e.c.SyncUsers(ctx, src, admin.SyncOptions{Concurrency: 3, Progress: func(p admin.SyncProgress) {
		assert.Equal(t, last.Processed+1, p.Processed)
		last = p
	}})
	require.NoError(t, err)
	assert.Equal(t, 1, sum.Created)
	assert.Equal(t, 1, sum.Updated)
	assert.Equal(t, 1, sum.Unchanged)
	require.Len(t, sum.Failed, 4)
	assert.Equal(t, 7, sum.Processed(), "every item is counted once")
	assert.Equal(t, 7, last.Processed)

	assert.Equal(t, 3, sum.Failed[0].Index)
	assert.ErrorIs(t, sum.Failed[0].Err, cometchat.ErrInvalidUID)
	assert.Equal(t, 4, sum.Failed[1].Index)
	assert.ErrorIs(t, sum.Failed[1], sourceErr)
	assert.Equal(t, "gone", sum.Failed[2].UID)
	assert.ErrorIs(t, sum.Failed[2].Err, cometchat.ErrUIDNotFound)
	assert.Contains(t, sum.Failed[2].Error(), "deactivated or deleted")
	assert.ErrorIs(t, sum.Failed[3].Err, cometchat.ErrMissingParameters)

	u, err := e.c.GetUser(ctx, "changed")
	require.NoError(t, err)
	assert.Equal(t, "New name", u.Name)
	assert.Contains(t, sum.String(), "7 users: 1 created, 1 updated, 1 unchanged, 4 failed")
}

func TestSyncCancel(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pulled := 0
	src := func(yield func(admin.UserInput, error) bool) {
		for i := 0; ; i++ {
			pulled++
			if !yield(admin.UserInput{UID: fmt.Sprintf("c-%d", i), Name: "C"}, nil) {
				return
			}
		}
	}
	sum, err := e.c.SyncUsers(ctx, src, admin.SyncOptions{Concurrency: 2, Progress: func(p admin.SyncProgress) {
		if p.Processed == 5 {
			cancel()
		}
	}})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, pulled, sum.Processed(), "every item pulled from the source is accounted for")
	assert.GreaterOrEqual(t, sum.Created, 5)
	for _, f := range sum.Failed {
		assert.ErrorIs(t, f.Err, context.Canceled)
	}
}

func TestSyncOptionsValidated(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	_, err := e.c.SyncUsers(context.Background(), nil, admin.SyncOptions{})
	require.ErrorIs(t, err, cometchat.ErrMissingParameters)
	_, err = e.c.SyncUsers(context.Background(), generated(1), admin.SyncOptions{Concurrency: -1})
	require.ErrorIs(t, err, cometchat.ErrInvalidValue)
}

// BenchmarkSyncUsers measures users per second over loopback HTTP without a rate limit.
func BenchmarkSyncUsers(b *testing.B) {
	s, err := emulator.New(emulator.Config{AppID: testAppID, RESTAPIKey: testRESTKey, AuthKey: testAuthKey})
	require.NoError(b, err)
	ts := httptest.NewServer(s.Handler())
	defer func() { ts.Close(); _ = s.Close() }()
	c, err := admin.New(testAppID, "eu", testRESTKey, admin.WithBaseURL(ts.URL+"/v3"), admin.WithAllowInsecure())
	require.NoError(b, err)
	b.ResetTimer()
	start := time.Now()
	n := 0
	for i := 0; b.Loop(); i++ {
		src := func(yield func(admin.UserInput, error) bool) {
			for j := range 1000 {
				if !yield(admin.UserInput{UID: fmt.Sprintf("b%d-%d", i, j), Name: "Bench"}, nil) {
					return
				}
			}
		}
		sum, err := c.SyncUsers(context.Background(), src, admin.SyncOptions{Concurrency: 16})
		if err != nil || len(sum.Failed) > 0 {
			b.Fatalf("sync: %v %v", err, sum.Failed)
		}
		n += sum.Created
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "users/s")
}
