package emulator

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUnknownRouteIsAPINotFound(t *testing.T) {
	e := newEnv(t, Config{})
	hdr := e.user("alice", "Alice")
	for _, c := range []struct{ method, path string }{
		{"GET", "/v3.0/nope"},
		{"GET", "/"},
		{"GET", "/v2.0/me"},
		{"PATCH", "/v3.0/me"},             // known path, wrong method
		{"PATCH", "/v3.0/users/alice"},    // known path, wrong method
		{"GET", "/v3/me"},                 // client endpoint is not on /v3
		{"POST", "/v3.0/users/alice/nah"}, // unknown sub-resource
	} {
		r := e.do(c.method, c.path, hdr, nil)
		assert.Equal(t, http.StatusNotFound, r.status, "%s %s", c.method, c.path)
		assert.Equal(t, "ERR_API_NOT_FOUND", r.code(), "%s %s", c.method, c.path)
		assert.Equal(t, "chat-api", r.errObj()["source"])
	}
}

func TestAdminServedUnderBothVersions(t *testing.T) {
	e := newEnv(t, Config{})
	for i, prefix := range []string{"/v3", "/v3.0"} {
		uid := []string{"u1", "u2"}[i]
		r := e.do("POST", prefix+"/users", e.admin(), map[string]any{"uid": uid, "name": "U"})
		require.Equal(t, http.StatusOK, r.status, string(r.raw))
		r = e.do("GET", prefix+"/users/"+uid, e.admin(), nil)
		require.Equal(t, http.StatusOK, r.status, string(r.raw))
		assert.Equal(t, uid, r.data()["uid"])
	}
}

// The same path serves both APIs; the headers decide (client-protocol.md §1.3).
func TestDispatchByHeaders(t *testing.T) {
	e := newEnv(t, Config{})
	hdr := e.user("alice", "Alice")

	client := e.do("GET", "/v3.0/users/alice", hdr, nil)
	require.Equal(t, 200, client.status)
	assert.NotContains(t, client.data(), "conversationId", "no conversation with oneself")

	admin := e.do("GET", "/v3.0/users/alice", e.admin(), nil)
	require.Equal(t, 200, admin.status)

	// Neither header on a shared path: the client handler reports the token.
	assert.Equal(t, "AUTH_ERR_EMPTY_AUTH_TOKEN", e.do("GET", "/v3.0/users/alice", nil, nil).code())
	// Admin-only path: the key is reported missing, even with a token.
	assert.Equal(t, "AUTH_ERR_EMPTY_APIKEY", e.do("POST", "/v3.0/users", hdr, map[string]any{}).code())
	// Client-only path with a key: the token is reported missing.
	assert.Equal(t, "AUTH_ERR_EMPTY_AUTH_TOKEN", e.do("GET", "/v3.0/me", e.admin(), nil).code())
	// Both headers on a shared path: authToken wins.
	both := h{"authToken": hdr["authToken"], "apikey": e.s.RESTAPIKey()}
	r := e.do("GET", "/v3.0/users/alice", both, nil)
	require.Equal(t, 200, r.status)
}

func TestRoutePatternValidation(t *testing.T) {
	assert.Panics(t, func() { splitPattern("GET /users") })
	assert.Panics(t, func() { splitPattern("users") })
	assert.Panics(t, func() { splitPattern("get users") })
	s, err := New(Config{})
	require.NoError(t, err)
	assert.Panics(t, func() { s.clientRoute("GET me", nil) }, "duplicate")
	assert.Panics(t, func() { s.adminRoute("POST users", fullAccessOnly, nil) }, "duplicate")
}

func TestPanicBecomesMissionFailed(t *testing.T) {
	s, err := New(Config{})
	require.NoError(t, err)
	s.adminRoute("GET boom", fullAccessOnly, func(*http.Request, *adminCaller) (any, error) { panic("boom") })
	rec := serveOnce(t, s, "GET", "/v3/boom", h{"apikey": s.RESTAPIKey()})
	assert.Equal(t, 500, rec.status)
	assert.Equal(t, "ERR_MISSION_FAILED", rec.code())
}
