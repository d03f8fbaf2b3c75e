package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// received is one webhook POST as the receiver saw it.
type received struct {
	user, pass string
	authOK     bool
	ctype      string
	body       map[string]any
}

// hookReceiver is a webhook endpoint that answers with the statuses of answer (then 200) and hands
// every request to a channel.
func hookReceiver(t *testing.T, answer ...int) (*httptest.Server, <-chan received) {
	t.Helper()
	ch := make(chan received, 64)
	var n atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var rec received
		rec.user, rec.pass, rec.authOK = r.BasicAuth()
		rec.ctype = r.Header.Get("Content-Type")
		raw, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(raw, &rec.body)
		i := int(n.Add(1)) - 1
		status := http.StatusOK
		if i < len(answer) {
			status = answer[i]
		}
		w.WriteHeader(status)
		ch <- rec
	}))
	t.Cleanup(ts.Close)
	return ts, ch
}

func next(t *testing.T, ch <-chan received) received {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("no webhook delivery")
		return received{}
	}
}

func TestWebhookDelivery(t *testing.T) {
	ts, ch := hookReceiver(t)
	other, otherCh := hookReceiver(t)
	e := newEnv(t, Config{Region: "us", Webhooks: []WebhookConfig{
		{ID: "wh-1", URL: ts.URL, Username: "cometchat", Password: "pw", Triggers: []string{"user_blocked"}},
		{URL: other.URL},
	}})
	require.NoError(t, e.s.CreateUser("a", "A"))
	require.NoError(t, e.s.CreateUser("b", "B"))
	require.Equal(t, 200, e.do("POST", "/v3/users/a/blockedusers", e.admin(), map[string]any{"blockedUids": []string{"b"}}).status)
	require.Equal(t, 200, e.do("DELETE", "/v3/users/a/blockedusers", e.admin(), map[string]any{"blockedUids": []string{"b"}}).status)

	got := next(t, ch)
	assert.True(t, got.authOK)
	assert.Equal(t, "cometchat", got.user)
	assert.Equal(t, "pw", got.pass)
	assert.Equal(t, "application/json", got.ctype)
	assert.Equal(t, "user_blocked", got.body["trigger"])
	assert.Equal(t, "app1", got.body["appId"])
	assert.Equal(t, "us", got.body["region"])
	assert.Equal(t, "wh-1", got.body["webhook"])
	data := got.body["data"].(map[string]any)
	assert.Equal(t, "B", data["users"].(map[string]any)["b"].(map[string]any)["name"])
	assert.Equal(t, "a", data["by"].(map[string]any)["uid"])

	// The second webhook takes every trigger, in order, without credentials.
	first, second := next(t, otherCh), next(t, otherCh)
	assert.False(t, first.authOK)
	assert.Equal(t, "user_blocked", first.body["trigger"])
	assert.Equal(t, "user_unblocked", second.body["trigger"])
	assert.Equal(t, "webhook-2", second.body["webhook"])
	select {
	case extra := <-ch:
		t.Fatalf("wh-1 got an unsubscribed trigger: %v", extra.body["trigger"])
	default:
	}
}

func TestWebhookRetries(t *testing.T) {
	ts, ch := hookReceiver(t, http.StatusInternalServerError, http.StatusBadGateway)
	e := newEnv(t, Config{Webhooks: []WebhookConfig{{URL: ts.URL, RetryOnFailure: true}},
		WebhookRetryDelays: []time.Duration{time.Millisecond, 2 * time.Millisecond}})
	require.NoError(t, e.s.CreateUser("a", "A"))
	require.NoError(t, e.s.CreateUser("b", "B"))
	require.Equal(t, 200, e.do("POST", "/v3/users/a/blockedusers", e.admin(), map[string]any{"blockedUids": []string{"b"}}).status)
	for range 3 {
		assert.Equal(t, "user_blocked", next(t, ch).body["trigger"], "the same event, three attempts")
	}
	require.Eventually(t, func() bool { return e.s.WebhookStats().Delivered == 1 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, WebhookStats{Delivered: 1, Failed: 2}, e.s.WebhookStats())
}

func TestWebhookNoRetryAndClose(t *testing.T) {
	ts, ch := hookReceiver(t, http.StatusInternalServerError, http.StatusInternalServerError)
	s, err := New(Config{Webhooks: []WebhookConfig{
		{ID: "once", URL: ts.URL},
		{ID: "later", URL: ts.URL, RetryOnFailure: true},
	}, WebhookRetryDelays: []time.Duration{time.Hour}})
	require.NoError(t, err)
	require.NoError(t, s.CreateUser("a", "A"))
	require.NoError(t, s.CreateUser("b", "B"))
	s.mu.Lock()
	s.changeBlocksLocked("a", []string{"b"}, true, "")
	s.mu.Unlock()
	next(t, ch)
	next(t, ch)
	require.Eventually(t, func() bool { return s.WebhookStats().Failed == 2 }, 5*time.Second, time.Millisecond)
	// Close does not wait an hour for the retry: it stops it (goleak checks nothing is left).
	done := make(chan error, 1)
	go func() { done <- s.Close() }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited for the retry delay")
	}
	assert.Equal(t, WebhookStats{Failed: 2, GaveUp: 2}, s.WebhookStats())
}

func TestWebhookConfig(t *testing.T) {
	for _, cfg := range []Config{
		{Webhooks: []WebhookConfig{{URL: "ftp://x"}}},
		{Webhooks: []WebhookConfig{{URL: "/relative"}}},
		{Webhooks: []WebhookConfig{{ID: "a", URL: "http://x"}, {ID: "a", URL: "http://y"}}},
		{Webhooks: []WebhookConfig{{URL: "http://x"}}, WebhookRetryDelays: []time.Duration{-1}},
	} {
		_, err := New(cfg)
		assert.Error(t, err)
	}
	s, err := New(Config{})
	require.NoError(t, err)
	assert.Equal(t, WebhookStats{}, s.WebhookStats())
	require.NoError(t, s.Close())
}
