package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/cometchat-go/cometchat/internal/apierr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// roundTripFunc serves requests in memory, so back-off tests can run under synctest's fake clock.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func respond(status int, body string, hdr ...string) *http.Response {
	h := http.Header{}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Set(hdr[i], hdr[i+1])
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body))}
}

// scripted answers each attempt with the next response and counts attempts.
func scripted(t *testing.T, resps ...*http.Response) (*Client, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		i := int(n.Add(1)) - 1
		if i >= len(resps) {
			t.Errorf("unexpected attempt %d", i+1)
			return respond(500, `{"error":{"code":"ERR_EXCEPTION","message":"too many attempts"}}`), nil
		}
		return resps[i], nil
	})
	return New(Config{HTTPClient: &http.Client{Transport: rt}, Retry: RetryPolicy{MaxAttempts: 4}}), &n
}

func TestDecodesSuccessEnvelope(t *testing.T) {
	c, _ := scripted(t, respond(200, `{"data":{"uid":"a"},"meta":{"pagination":{"total":1}}}`))
	resp, err := c.Do(context.Background(), &Request{Method: "GET", BaseURL: "https://x/v3.0", Path: "users/a"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"uid":"a"}`, string(resp.Data))
	assert.JSONEq(t, `{"pagination":{"total":1}}`, string(resp.Meta))
}

func TestBodyDecidesNotStatus(t *testing.T) {
	// The official SDK ignores HTTP status: an error body under 200 is an error, data under 4xx a success.
	c, _ := scripted(t, respond(200, `{"error":{"code":"ERR_UID_NOT_FOUND","message":"nope"}}`))
	_, err := c.Do(context.Background(), &Request{Method: "GET", BaseURL: "https://x/v3.0", Path: "users/a"})
	var e *apierr.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "ERR_UID_NOT_FOUND", e.Code)
	assert.Equal(t, 200, e.Status)
	assert.True(t, errors.Is(err, &apierr.Error{Code: "ERR_UID_NOT_FOUND"}))
	assert.False(t, errors.Is(err, &apierr.Error{Code: "ERR_GUID_NOT_FOUND"}))

	c, _ = scripted(t, respond(404, `{"data":{"ok":true}}`))
	_, err = c.Do(context.Background(), &Request{Method: "GET", BaseURL: "https://x/v3.0", Path: "users/a"})
	require.NoError(t, err)
}

func TestDecodesErrorDetailsAndNumericCode(t *testing.T) {
	c, _ := scripted(t,
		respond(400, `{"error":{"code":"ERR_BAD_REQUEST","message":"Failed to validate the data sent with the request.","devMessage":"d","source":"chat-api","details":{"uid":["The uid field is required."]}}}`),
		respond(401, `{"error":{"code":401,"message":"x","details":"free text"}}`),
		respond(502, `<html>bad gateway</html>`))
	_, err := c.Do(context.Background(), &Request{Method: "POST", BaseURL: "https://x/v3", Path: "users"})
	var e *apierr.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, map[string][]string{"uid": {"The uid field is required."}}, e.Details)
	assert.Equal(t, "chat-api", e.Source)
	assert.Equal(t, "d", e.DevMessage)

	_, err = c.Do(context.Background(), &Request{Method: "POST", BaseURL: "https://x/v3", Path: "users"})
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "401", e.Code)
	assert.JSONEq(t, `"free text"`, string(e.RawDetails))

	_, err = c.Do(context.Background(), &Request{Method: "POST", BaseURL: "https://x/v3", Path: "users"})
	require.ErrorAs(t, err, &e)
	assert.Equal(t, CodeUnparseableResponse, e.Code)
	assert.Equal(t, 502, e.Status)
}

func TestRetriesIdempotentOn5xx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, n := scripted(t,
			respond(500, `{"error":{"code":"ERR_MISSION_FAILED","message":"db"}}`),
			respond(502, `{"error":{"code":"ERR_EXCEPTION","message":"x"}}`),
			respond(200, `{"data":{"ok":true}}`))
		_, err := c.Do(context.Background(), &Request{Method: "GET", BaseURL: "https://x/v3.0", Path: "users"})
		require.NoError(t, err)
		assert.EqualValues(t, 3, n.Load())
	})
}

func TestNoRetryOfPostOn500(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, n := scripted(t, respond(500, `{"error":{"code":"ERR_MISSION_FAILED","message":"db"}}`))
		_, err := c.Do(context.Background(), &Request{Method: "POST", BaseURL: "https://x/v3.0", Path: "messages", Body: map[string]string{"a": "b"}})
		require.Error(t, err)
		assert.EqualValues(t, 1, n.Load(), "a POST without muid must not be retried after a 500")
	})
}

func TestRetrySafePostIsRetriedOn500(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, n := scripted(t, respond(500, `{"error":{"code":"ERR_MISSION_FAILED","message":"db"}}`), respond(200, `{"data":{"id":"1"}}`))
		_, err := c.Do(context.Background(), &Request{Method: "POST", BaseURL: "https://x/v3.0", Path: "messages", RetrySafe: true, Body: map[string]string{"muid": "m"}})
		require.NoError(t, err)
		assert.EqualValues(t, 2, n.Load())
	})
}

func TestHonoursRetryAfterOn429EvenForPost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, n := scripted(t,
			respond(429, `{"error":{"code":"ERR_TOO_MANY_REQUESTS","message":"slow down"}}`, "Retry-After", "7", "X-Rate-Limit", "700"),
			respond(200, `{"data":{"ok":true}}`))
		start := time.Now()
		_, err := c.Do(context.Background(), &Request{Method: "POST", BaseURL: "https://x/v3", Path: "users", Body: map[string]string{}})
		require.NoError(t, err)
		assert.EqualValues(t, 2, n.Load())
		assert.Equal(t, 7*time.Second, time.Since(start), "the wait must be exactly Retry-After")
	})
}

func TestRateLimitErrorWhenRetryAfterAboveCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, n := scripted(t, respond(429, `{"error":{"code":"ERR_TOO_MANY_REQUESTS","message":"slow down"}}`,
			"Retry-After", "120", "X-RateLimit-Limit", "500", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1700000000"))
		_, err := c.Do(context.Background(), &Request{Method: "GET", BaseURL: "https://x/v3", Path: "users"})
		var rl *apierr.RateLimitError
		require.ErrorAs(t, err, &rl)
		assert.Equal(t, 120*time.Second, rl.RetryAfter)
		assert.Equal(t, 500, rl.Limit)
		assert.Equal(t, 0, rl.Remaining)
		assert.Equal(t, time.Unix(1700000000, 0), rl.Reset)
		assert.True(t, errors.Is(err, &apierr.Error{Code: "ERR_TOO_MANY_REQUESTS"}))
		assert.EqualValues(t, 1, n.Load())
	})
}

func TestRateLimitErrorWhenDeadlineShorterThanRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, n := scripted(t, respond(429, `{"error":{"code":"ERR_TOO_MANY_REQUESTS","message":"x"}}`, "Retry-After", "20"))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := c.Do(ctx, &Request{Method: "GET", BaseURL: "https://x/v3", Path: "users"})
		var rl *apierr.RateLimitError
		require.ErrorAs(t, err, &rl)
		assert.EqualValues(t, 1, n.Load())
	})
}

func TestContextCancelledDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, n := scripted(t, respond(503, `{"error":{"code":"ERR_EXCEPTION","message":"x"}}`, "Retry-After", "10"))
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(3*time.Second, cancel)
		start := time.Now()
		_, err := c.Do(ctx, &Request{Method: "GET", BaseURL: "https://x/v3", Path: "users"})
		require.Error(t, err)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 3*time.Second, time.Since(start), "the back-off must end when the context does")
		assert.EqualValues(t, 1, n.Load())
	})
}

func TestNetworkErrorRetriedOnlyWhenIdempotent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n atomic.Int32
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			n.Add(1)
			return nil, errors.New("connection reset by peer")
		})
		c := New(Config{HTTPClient: &http.Client{Transport: rt}, Retry: RetryPolicy{MaxAttempts: 3}})
		_, err := c.Do(context.Background(), &Request{Method: "GET", BaseURL: "https://x/v3", Path: "users"})
		var e *apierr.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, CodeFailedToFetch, e.Code)
		assert.EqualValues(t, 3, n.Load())

		n.Store(0)
		_, err = c.Do(context.Background(), &Request{Method: "POST", BaseURL: "https://x/v3", Path: "messages", Body: map[string]any{}})
		require.Error(t, err)
		assert.EqualValues(t, 1, n.Load())
	})
}

func TestFullJitterStaysWithinCeiling(t *testing.T) {
	for attempt := 0; attempt < 40; attempt++ {
		for i := 0; i < 50; i++ {
			d := FullJitter(100*time.Millisecond, 2*time.Second, attempt)
			ceiling := min(2*time.Second, 100*time.Millisecond<<min(attempt, 20))
			require.GreaterOrEqual(t, d, time.Duration(0))
			require.LessOrEqual(t, d, ceiling)
		}
	}
}

func TestSendsHeadersAndJSONBody(t *testing.T) {
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		body, _ = io.ReadAll(r.Body)
		_, _ = w.Write([]byte(`{"data":{}}`))
	}))
	defer srv.Close()
	c := New(Config{})
	h := http.Header{}
	h.Set("appId", "app1")
	h.Set("authToken", "tok-secret-123")
	_, err := c.Do(context.Background(), &Request{Method: "POST", BaseURL: srv.URL + "/v3.0", Path: "messages",
		Query: map[string][]string{"searchKey": {"a b&c"}}, Header: h, Body: map[string]string{"text": "<@uid:bob> hi"}})
	require.NoError(t, err)
	assert.Equal(t, "/v3.0/messages", got.URL.Path)
	assert.Equal(t, "a b&c", got.URL.Query().Get("searchKey"), "query values must be URL-encoded")
	assert.Equal(t, "application/json", got.Header.Get("Accept"))
	assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
	assert.Equal(t, "app1", got.Header.Get("appId"))
	assert.Equal(t, `{"text":"<@uid:bob> hi"}`, string(body))
}

func TestSecretsRedactedFromErrorsAndLogs(t *testing.T) {
	const token = "alice_1717000000abcdef0123456789"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(401)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{
			"code": "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", "message": "The auth token " + r.Header.Get("authToken") + " does not exist."}})
	}))
	defer srv.Close()
	var logs bytes.Buffer
	c := New(Config{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	h := http.Header{}
	h.Set("authToken", token)
	_, err := c.Do(context.Background(), &Request{Method: "GET", BaseURL: srv.URL + "/v3.0", Path: "me", Header: h, Secrets: []string{token}})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), token)
	assert.Contains(t, err.Error(), "[REDACTED]")
	assert.NotContains(t, logs.String(), token)
	assert.NotEmpty(t, logs.String(), "the request should have been logged at debug level")
}

func TestParseRateLimitBothSpellings(t *testing.T) {
	h := http.Header{}
	h.Set("X-Rate-Limit", "700")
	h.Set("X-Rate-Limit-Remaining", "699")
	h.Set("X-Rate-Limit-Reset", "1625143246")
	h.Set("Retry-After", "15")
	rl := ParseRateLimit(h)
	assert.Equal(t, RateLimit{Limit: 700, Remaining: 699, Reset: time.Unix(1625143246, 0), RetryAfter: 15 * time.Second}, rl)
	assert.Equal(t, RateLimit{Limit: -1, Remaining: -1}, ParseRateLimit(http.Header{}))
}
