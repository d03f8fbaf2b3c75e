package cometchat_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/internal/emulator"
)

// The service's per-user limits (30 sends and 5 mark-as-unread requests a minute,
// rules-and-limits.md §8) against the SDK, through the emulator. The exchanges run in memory inside a
// testing/synctest bubble: the emulator's clock and windows, the Retry-After waits of the transport
// and the test's own clock are all the bubble's fake clock, so a minute of service time passes at
// once and deterministically.

// memTransport serves requests with an http.Handler, in memory.
type memTransport struct{ h http.Handler }

func (t memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// inMemoryLogin starts an emulator with per-user limits and logs uid in over memTransport, without a
// realtime connection (the emulator's WebSocket needs a real network).
func inMemoryLogin(t *testing.T, policy cometchat.RetryPolicy, uids ...string) (*emulator.Server, []*cometchat.Client) {
	t.Helper()
	emu, err := emulator.New(emulator.Config{RateLimit: emulator.RateLimitConfig{PerUser: true}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, emu.Close()) })
	base := "http://emulator.invalid/v3.0"
	st := cometchat.AppSettings{AppID: emu.AppID(), Region: cometchat.Region(emu.Region()), AllowInsecure: true,
		DisableAutoConnect: true, HTTPClient: &http.Client{Transport: memTransport{emu.Handler()}},
		Endpoints: cometchat.Endpoints{ClientAPI: base, AdminAPI: base}}
	var out []*cometchat.Client
	for _, uid := range uids {
		require.NoError(t, emu.CreateUser(uid, uid))
		c, err := cometchat.Init(st, cometchat.WithRetryPolicy(policy))
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		_, err = c.Login(context.Background(), uid, emu.AuthKey())
		require.NoError(t, err)
		out = append(out, c)
	}
	return emu, out
}

// TestBurstOfSendsOverThePerUserLimitCompletes: 60 concurrent sends by one user, twice the per-minute
// limit. The 30 the service refuses are retried by the transport after Retry-After, land in the
// next window, and every message is stored exactly once.
func TestBurstOfSendsOverThePerUserLimitCompletes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		emu, cs := inMemoryLogin(t, cometchat.RetryPolicy{MaxAttempts: 3, MaxRetryAfter: 2 * time.Minute}, "alice", "bob")
		alice := cs[0]
		start := time.Now()
		// A deadline longer than the wait: without one the SDK's default 30 s timeout would refuse to
		// wait the minute out and return the RateLimitError instead.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		const burst = 2 * emulator.DefaultSendLimit
		var wg sync.WaitGroup
		ids := make([]cometchat.MessageID, burst)
		errs := make([]error, burst)
		for i := range burst {
			wg.Go(func() {
				m, err := alice.SendText(ctx, "bob", cometchat.ReceiverTypeUser, fmt.Sprintf("burst %02d", i))
				if err == nil {
					ids[i] = m.ID()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		took := time.Since(start)
		for i, err := range errs {
			require.NoError(t, err, "send %d", i)
		}
		seen := map[cometchat.MessageID]bool{}
		for _, id := range ids {
			seen[id] = true
		}
		assert.Len(t, seen, burst, "one message per send")
		stats := emu.RateLimitStats()
		assert.EqualValues(t, emulator.DefaultSendLimit, stats.Limited, "half of the burst met a 429 once")
		assert.EqualValues(t, burst, stats.Allowed)
		// The refused half waited for the next window: a minute after the start, and not much more.
		assert.GreaterOrEqual(t, took, time.Minute)
		assert.Less(t, took, time.Minute+2*time.Second)

		msgs, err := cometchat.NewMessagesRequestBuilder().SetUID("alice").SetLimit(100).Build(cs[1])
		require.NoError(t, err)
		var stored int
		for _, err := range msgs.All(context.Background(), cometchat.Previous) {
			require.NoError(t, err)
			stored++
		}
		assert.Equal(t, burst, stored, "nothing stored twice")
	})
}

// TestPerUserRateLimitErrorShape: when the wait is longer than the policy allows, the 429 reaches the
// caller as a *RateLimitError with the service's headers, for sends and for mark-as-unread alike.
func TestPerUserRateLimitErrorShape(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, cs := inMemoryLogin(t, cometchat.RetryPolicy{MaxAttempts: 3, MaxRetryAfter: time.Second}, "alice", "bob")
		alice, bob := cs[0], cs[1]
		ctx := context.Background()
		time.Sleep(15 * time.Second) // into the window: the reset is 45 s away
		windowEnd := time.Now().Truncate(time.Minute).Add(time.Minute)
		for range emulator.DefaultSendLimit {
			_, err := alice.SendText(ctx, "bob", cometchat.ReceiverTypeUser, "hi")
			require.NoError(t, err)
		}
		_, err := alice.SendText(ctx, "bob", cometchat.ReceiverTypeUser, "one too many")
		var rl *cometchat.RateLimitError
		require.ErrorAs(t, err, &rl)
		assert.ErrorIs(t, err, cometchat.ErrTooManyRequests)
		assert.Equal(t, 45*time.Second, rl.RetryAfter)
		assert.Equal(t, emulator.DefaultSendLimit, rl.Limit)
		assert.Equal(t, 0, rl.Remaining)
		assert.True(t, rl.Reset.Equal(windowEnd), "reset %s, want %s", rl.Reset, windowEnd)
		var ce *cometchat.Error
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, http.StatusTooManyRequests, ce.Status)
		assert.False(t, ce.Local)

		// bob has his own budget; his mark-as-unread budget is 5.
		m, err := bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, "for you")
		require.NoError(t, err)
		for range emulator.DefaultMarkUnreadLimit {
			_, err := alice.MarkMessageAsUnread(ctx, m)
			require.NoError(t, err)
		}
		_, err = alice.MarkMessageAsUnread(ctx, m)
		require.True(t, errors.As(err, &rl), "%v", err)
		assert.Equal(t, emulator.DefaultMarkUnreadLimit, rl.Limit)
		assert.Equal(t, 45*time.Second, rl.RetryAfter)

		time.Sleep(rl.RetryAfter)
		_, err = alice.SendText(ctx, "bob", cometchat.ReceiverTypeUser, "next window")
		require.NoError(t, err, "the next window accepts sends again")
	})
}
