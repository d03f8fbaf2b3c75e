package rest

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat/internal/apierr"
)

// A secret in the path (the admin API's apikeys/{apiKey}) reaches the server as is but never
// appears in errors or logs, for service errors and transport errors alike.
func TestSecretInPathIsRedacted(t *testing.T) {
	const key = "0123456789abcdef0123456789abcdef01234567"
	var seen []string
	var logs bytes.Buffer
	fail := true
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen = append(seen, r.URL.Path)
		if fail {
			return respond(404, `{"error":{"code":"ERR_APIKEY_NOT_FOUND","message":"no such key"}}`), nil
		}
		return nil, errors.New("dial tcp: connection refused")
	})
	c := New(Config{HTTPClient: &http.Client{Transport: rt}, Retry: RetryPolicy{MaxAttempts: 1},
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	req := &Request{Method: "GET", BaseURL: "https://app.api-eu.cometchat.io/v3", Path: "apikeys/" + key, Secrets: []string{"rest-key-xyz", key}}
	_, err := c.Do(context.Background(), req)
	var e *apierr.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "apikeys/[REDACTED]", e.Path)
	assert.NotContains(t, err.Error(), key)

	fail = false
	_, err = c.Do(context.Background(), req)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), key)
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "apikeys/[REDACTED]", e.Path)

	assert.Equal(t, []string{"/v3/apikeys/" + key, "/v3/apikeys/" + key}, seen, "the request itself carries the key")
	assert.Equal(t, "apikeys/"+key, req.Path, "the caller's Request is not modified")
	assert.NotContains(t, logs.String(), key)
	assert.Contains(t, logs.String(), "apikeys/[REDACTED]")
}
