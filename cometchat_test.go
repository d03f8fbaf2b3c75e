package cometchat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testAuthKey = "authkey-0123456789abcdef0123456789abcdef"
	testToken   = "alice_1700000000abcdef0123456789abcdef"
)

func loginFake(t *testing.T, opts ...Option) (*fakeService, *Client) {
	t.Helper()
	f := newFakeService(t)
	f.reply("POST /v3.0/users/alice/auth_tokens", 200, `{"data":{"uid":"alice","authToken":"`+testToken+`","createdAt":1700000000}}`)
	f.reply("PUT /v3.0/me", 200, mePayloadJSON("alice", testToken))
	f.reply("DELETE /v3.0/me", 200, `{"data":{"success":true,"message":"logged out"}}`)
	c, err := Init(f.settings(), opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return f, c
}

func TestLoginWithAuthKeyMintsTokenThenPutsMe(t *testing.T) {
	f, c := loginFake(t)
	u, err := c.Login(context.Background(), "Alice", testAuthKey)
	require.NoError(t, err)
	assert.Equal(t, "alice", u.UID)
	assert.Equal(t, StatusOnline, u.Status, "the logged-in user is online locally")

	reqs := f.recorded()
	require.Len(t, reqs, 2)
	mint, put := reqs[0], reqs[1]
	assert.Equal(t, "POST", mint.Method)
	assert.Equal(t, "/v3.0/users/alice/auth_tokens", mint.Path, "uids are lower-cased in paths")
	assert.Equal(t, testAuthKey, mint.Header.Get("apiKey"))
	assert.Empty(t, mint.Header.Get("authToken"))
	assert.Equal(t, "PUT", put.Method)
	assert.Equal(t, testToken, put.Header.Get("authToken"))
	assert.Empty(t, put.Header.Get("apiKey"))

	for _, r := range reqs {
		assert.Equal(t, "app1", r.Header.Get("appId"))
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		assert.Equal(t, "go@"+Version, r.Header.Get("sdk"))
		assert.Equal(t, c.SessionID(), r.Header.Get("resource"))
		assert.True(t, strings.HasPrefix(r.Header.Get("resource"), "GO-0_1_0-"), r.Header.Get("resource"))
		var body map[string]any
		require.NoError(t, json.Unmarshal(r.Body, &body))
		assert.Equal(t, "GO", body["platform"])
		assert.True(t, strings.HasPrefix(body["deviceId"].(string), "app1_"))
		appInfo := body["appInfo"].(map[string]any)
		assert.Equal(t, "v3.0", appInfo["apiVersion"])
	}

	me, ok := c.Me()
	require.True(t, ok)
	assert.Equal(t, "alice", me.UID)
	assert.Equal(t, testToken, c.AuthToken())
	assert.Equal(t, "443", c.ServerSettings().String(SettingChatWSSPort))
}

func TestLoginAgainAsSameUserMakesNoRequest(t *testing.T) {
	f, c := loginFake(t)
	_, err := c.Login(context.Background(), "alice", testAuthKey)
	require.NoError(t, err)
	_, err = c.Login(context.Background(), "ALICE", testAuthKey)
	require.NoError(t, err)
	assert.Len(t, f.recorded(), 2)
}

func TestLoginWithAuthTokenOnlyPutsMe(t *testing.T) {
	f, c := loginFake(t)
	u, err := c.LoginWithAuthToken(context.Background(), testToken)
	require.NoError(t, err)
	assert.Equal(t, "alice", u.UID)
	reqs := f.recorded()
	require.Len(t, reqs, 1)
	assert.Equal(t, "PUT", reqs[0].Method)
	assert.Equal(t, "/v3.0/me", reqs[0].Path)
}

func TestLogoutDeletesMeAndForgetsSession(t *testing.T) {
	f, c := loginFake(t)
	_, err := c.LoginWithAuthToken(context.Background(), testToken)
	require.NoError(t, err)
	require.NoError(t, c.Logout(context.Background()))
	reqs := f.recorded()
	assert.Equal(t, "DELETE", reqs[len(reqs)-1].Method)
	assert.Equal(t, testToken, reqs[len(reqs)-1].Header.Get("authToken"))
	_, ok := c.Me()
	assert.False(t, ok)
	assert.Empty(t, c.AuthToken())
	assert.ErrorIs(t, c.Logout(context.Background()), ErrNotLoggedIn)
	_, err = c.GetUser(context.Background(), "bob")
	assert.ErrorIs(t, err, ErrNotLoggedIn)
}

func TestLogoutTreatsTokenNotFoundAsSuccess(t *testing.T) {
	f, c := loginFake(t)
	f.reply("DELETE /v3.0/me", 401, `{"error":{"code":"AUTH_ERR_AUTH_TOKEN_NOT_FOUND","message":"gone"}}`)
	_, err := c.LoginWithAuthToken(context.Background(), testToken)
	require.NoError(t, err)
	require.NoError(t, c.Logout(context.Background()))
}

func TestInvalidUIDRejectedLocally(t *testing.T) {
	f, c := loginFake(t)
	for _, uid := range []string{"", "has space", "semi;colon", "ünï", strings.Repeat("a", 101), "a/b"} {
		_, err := c.Login(context.Background(), uid, testAuthKey)
		assert.ErrorIs(t, err, ErrInvalidUID, "uid %q", uid)
		var e *Error
		require.ErrorAs(t, err, &e)
		assert.True(t, e.Local)
		_, err = c.GetUser(context.Background(), uid)
		assert.ErrorIs(t, err, ErrInvalidUID)
	}
	assert.Empty(t, f.recorded(), "nothing may be sent for invalid input")
	assert.NoError(t, ValidateUID(strings.Repeat("a", 100)))
	assert.NoError(t, ValidateUID("Cometchat-uid_1"))
	assert.ErrorIs(t, ValidateGUID("bad guid"), ErrInvalidGUID)
}

func TestLoginNeedsAuthKey(t *testing.T) {
	f, c := loginFake(t)
	_, err := c.Login(context.Background(), "alice", "")
	assert.ErrorIs(t, err, ErrAPIKeyNotSet)
	_, err = c.LoginWithAuthToken(context.Background(), " ")
	assert.ErrorIs(t, err, ErrMissingParameters)
	assert.Empty(t, f.recorded())
}

func TestServiceErrorsMatchSentinels(t *testing.T) {
	f, c := loginFake(t)
	f.reply("GET /v3.0/users/ghost", 404, `{"error":{"code":"ERR_UID_NOT_FOUND","message":"The UID ghost does not exist, please make sure you have created a user with UID ghost."}}`)
	_, err := c.LoginWithAuthToken(context.Background(), testToken)
	require.NoError(t, err)
	_, err = c.GetUser(context.Background(), "ghost")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUIDNotFound)
	assert.NotErrorIs(t, err, ErrGUIDNotFound)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 404, e.Status)
	assert.Equal(t, "GET", e.Method)
	assert.False(t, IsRetryable(err))
	wrapped := fmt.Errorf("sync: %w", err)
	assert.ErrorIs(t, wrapped, ErrUIDNotFound)
}

func TestSessionExpiredCallbackAndTypedError(t *testing.T) {
	var expired atomic.Value
	f, c := loginFake(t, WithSessionExpired(func(err error) { expired.Store(err) }))
	f.reply("GET /v3.0/users/bob", 401, `{"error":{"code":"AUTH_ERR_AUTH_TOKEN_NOT_FOUND","message":"The auth token `+testToken+` does not exist."}}`)
	_, err := c.LoginWithAuthToken(context.Background(), testToken)
	require.NoError(t, err)
	_, err = c.GetUser(context.Background(), "bob")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrSessionExpired)
	assert.ErrorIs(t, err, ErrAuthTokenNotFound)
	assert.NotContains(t, err.Error(), testToken)
	got, _ := expired.Load().(error)
	require.NotNil(t, got, "the callback must run")
	assert.ErrorIs(t, got, ErrAuthTokenNotFound)
	_, ok := c.Me()
	assert.False(t, ok, "the session ends")
}

func TestTokenSourceRefreshesAndRetriesOnce(t *testing.T) {
	const fresh = "alice_1800000000fresh0123456789abcdef"
	var calls atomic.Int32
	f, c := loginFake(t, WithTokenSource(func(ctx context.Context, uid string) (string, error) {
		calls.Add(1)
		assert.Equal(t, "alice", uid)
		return fresh, nil
	}))
	f.handle("PUT /v3.0/me", func(w http.ResponseWriter, r *http.Request, _ []byte) {
		_, _ = w.Write([]byte(mePayloadJSON("alice", r.Header.Get("authToken"))))
	})
	f.handle("GET /v3.0/users/bob", func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.Header.Get("authToken") != fresh {
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"error":{"code":"AUTH_ERR_AUTH_TOKEN_NOT_FOUND","message":"stale"}}`))
			return
		}
		_, _ = w.Write([]byte(`{"data":{"uid":"bob","name":"Bob","status":"offline"}}`))
	})
	_, err := c.LoginWithAuthToken(context.Background(), testToken)
	require.NoError(t, err)
	u, err := c.GetUser(context.Background(), "bob")
	require.NoError(t, err)
	assert.Equal(t, "bob", u.UID)
	assert.Equal(t, StatusOffline, u.Status)
	assert.EqualValues(t, 1, calls.Load())
	assert.Equal(t, fresh, c.AuthToken())
}

func TestSessionExpiryEndsOnlyTheRejectedSession(t *testing.T) {
	const second = "alice_1900000000second0123456789abcd"
	f, c := loginFake(t)
	f.handle("PUT /v3.0/me", func(w http.ResponseWriter, r *http.Request, _ []byte) {
		_, _ = w.Write([]byte(mePayloadJSON("alice", r.Header.Get("authToken"))))
	})
	f.handle("GET /v3.0/users/bob", func(w http.ResponseWriter, r *http.Request, _ []byte) {
		// While this call is in flight with the old token, the application logs in again.
		_, err := c.LoginWithAuthToken(r.Context(), second)
		assert.NoError(t, err)
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"error":{"code":"AUTH_ERR_AUTH_TOKEN_NOT_FOUND","message":"stale"}}`))
	})
	_, err := c.LoginWithAuthToken(context.Background(), testToken)
	require.NoError(t, err)
	_, err = c.GetUser(context.Background(), "bob")
	assert.ErrorIs(t, err, ErrSessionExpired)
	assert.Equal(t, second, c.AuthToken(), "the session installed meanwhile survives")
}

func TestSecretsNeverInStringOrLogs(t *testing.T) {
	var logs bytes.Buffer
	f := newFakeService(t)
	f.reply("POST /v3.0/users/alice/auth_tokens", 200, `{"data":{"uid":"alice","authToken":"`+testToken+`"}}`)
	f.reply("PUT /v3.0/me", 200, mePayloadJSON("alice", testToken))
	f.reply("GET /v3.0/users/bob", 500, `{"error":{"code":"ERR_MISSION_FAILED","message":"token `+testToken+` key `+testAuthKey+`"}}`)
	s := f.settings()
	s.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := Init(s, WithRetryPolicy(RetryPolicy{MaxAttempts: 1}))
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Login(context.Background(), "alice", testAuthKey)
	require.NoError(t, err)
	_, err = c.GetUser(context.Background(), "bob")
	require.Error(t, err)
	for _, text := range []string{err.Error(), fmt.Sprintf("%v %+v %s", c, c, c.String()), logs.String()} {
		assert.NotContains(t, text, testToken)
		assert.NotContains(t, text, testAuthKey)
		assert.NotContains(t, text, "jwt-"+testToken)
	}
	assert.Contains(t, logs.String(), "logged in")
}

func TestCloseRejectsFurtherCalls(t *testing.T) {
	f, c := loginFake(t)
	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "Close is idempotent")
	_, err := c.Login(context.Background(), "alice", testAuthKey)
	assert.ErrorIs(t, err, ErrClosed)
	assert.Empty(t, f.recorded())
}

func TestIsRetryable(t *testing.T) {
	assert.True(t, IsRetryable(&RateLimitError{Err: &Error{Code: "ERR_TOO_MANY_REQUESTS"}}))
	assert.True(t, IsRetryable(&Error{Code: "ERR_MISSION_FAILED", Status: 500}))
	assert.True(t, IsRetryable(&Error{Code: "X", Status: 503}))
	assert.False(t, IsRetryable(&Error{Code: "X", Status: 501}))
	assert.False(t, IsRetryable(&Error{Code: "ERR_UID_NOT_FOUND", Status: 404}))
	assert.False(t, IsRetryable(ValidateUID("")))
	assert.False(t, IsRetryable(context.Canceled))
	assert.False(t, IsRetryable(&Error{Code: "FAILED_TO_FETCH", Err: context.DeadlineExceeded}))
	assert.False(t, IsRetryable(nil))
	assert.False(t, IsRetryable(errors.New("plain")))
}
