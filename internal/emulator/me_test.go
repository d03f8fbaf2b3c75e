package emulator

import (
	"net"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPutMeLogin(t *testing.T) {
	e := newEnv(t, Config{Region: "us"})
	hdr := e.user("alice", "Alice")
	device := map[string]any{"platform": "WEB", "deviceId": "dev-1",
		"appInfo": map[string]any{"version": "v4.2.0", "apiVersion": "v3.0", "userAgent": "UA"}}

	r := e.do("PUT", "/v3.0/me", hdr, device)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	d := r.data()
	assert.Equal(t, "alice", d["uid"])
	assert.Equal(t, "Alice", d["name"])
	assert.Equal(t, "default", d["role"])
	assert.Equal(t, "offline", d["status"])
	assert.Equal(t, hdr["authToken"], d["authToken"], "authToken equals the one sent")
	jwt1, _ := d["jwt"].(string)
	require.NotEmpty(t, jwt1)
	uid, ok := e.s.userForJWT(jwt1)
	assert.True(t, ok)
	assert.Equal(t, "alice", uid)
	_, ok = e.s.userForJWT("nope")
	assert.False(t, ok)

	// Settings point at this server.
	u, err := url.Parse(e.ts.URL)
	require.NoError(t, err)
	host, port, _ := net.SplitHostPort(u.Host)
	st := d["settings"].(map[string]any)
	assert.Equal(t, u.Host, st["CLIENT_API_HOST"])
	assert.Equal(t, u.Host, st["ADMIN_API_HOST"])
	assert.Equal(t, host, st["CHAT_HOST"])
	assert.Equal(t, port, st["CHAT_WSS_PORT"])
	assert.Equal(t, "v3.0", st["CHAT_API_VERSION"])
	assert.Equal(t, "us", st["REGION"])
	assert.Equal(t, "DEFAULT", st["MODE"])
	assert.Equal(t, true, st["ANALYTICS_PING_DISABLED"])

	e.s.mu.Lock()
	assert.Equal(t, "dev-1", e.s.st.AuthTokens["alice"][0].DeviceID)
	sess := e.s.st.Sessions[hdr["resource"]]
	require.NotNil(t, sess, "the resource header opens a session")
	assert.Equal(t, "alice", sess.UID)
	e.s.mu.Unlock()

	// GET me: same payload, a new jwt each time.
	r = e.do("GET", "/v3.0/me", hdr, nil)
	require.Equal(t, http.StatusOK, r.status)
	jwt2 := r.data()["jwt"].(string)
	assert.NotEqual(t, jwt1, jwt2)
	assert.Equal(t, hdr["authToken"], r.data()["authToken"])
	assert.Contains(t, r.data(), "settings")
	_, ok = e.s.userForJWT(jwt1)
	assert.True(t, ok, "older jwts stay valid")
}

func TestPutMeProfileUpdate(t *testing.T) {
	e := newEnv(t, Config{})
	hdr := e.user("alice", "Alice")
	var kinds []EventKind
	remove := e.s.OnEvent(func(ev Event) { kinds = append(kinds, ev.Kind) })
	defer remove()

	r := e.do("PUT", "/v3.0/me", hdr, map[string]any{"uid": "alice", "name": "Alice L",
		"statusMessage": "busy", "metadata": map[string]any{"k": "v"}, "tags": []string{"x"}})
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	assert.Equal(t, "Alice L", r.data()["name"])
	assert.Equal(t, "busy", r.data()["statusMessage"])
	assert.Equal(t, []any{"x"}, r.data()["tags"])
	assert.Equal(t, hdr["authToken"], r.data()["authToken"])
	assert.Equal(t, []EventKind{EventUserUpdated}, kinds)

	r = e.do("PUT", "/v3.0/me", hdr, `{"avatar":null}`)
	assert.Equal(t, "ERR_BAD_REQUEST", r.code())
}

func TestDeleteMe(t *testing.T) {
	e := newEnv(t, Config{})
	hdr := e.user("alice", "Alice")
	require.Equal(t, 200, e.do("PUT", "/v3.0/me", hdr, nil).status)
	var ended []Event
	remove := e.s.OnEvent(func(ev Event) {
		if ev.Kind == EventSessionEnded {
			ended = append(ended, ev)
		}
	})
	defer remove()

	r := e.do("DELETE", "/v3.0/me", hdr, nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, true, r.data()["success"])
	assert.NotEmpty(t, r.data()["message"])
	require.Len(t, ended, 1)
	assert.Equal(t, hdr["resource"], ended[0].Session)
	assert.Equal(t, "alice", ended[0].UID)

	e.s.mu.Lock()
	assert.NotZero(t, e.s.st.Sessions[hdr["resource"]].EndedAt)
	e.s.mu.Unlock()

	// The token stays valid (spec default) and a new call restarts the session.
	require.Equal(t, 200, e.do("GET", "/v3.0/me", hdr, nil).status)
	e.s.mu.Lock()
	assert.Zero(t, e.s.st.Sessions[hdr["resource"]].EndedAt)
	e.s.mu.Unlock()
}

func TestMeJWTAndUserSessions(t *testing.T) {
	e := newEnv(t, Config{})
	hdr := e.user("alice", "Alice")

	r := e.do("POST", "/v3.0/me/jwt", hdr, map[string]any{"passthrough": map[string]any{"uid": "alice", "sessionId": "s"}})
	require.Equal(t, http.StatusOK, r.status)
	jwt, _ := r.data()["jwt"].(string)
	uid, ok := e.s.userForJWT(jwt)
	assert.True(t, ok)
	assert.Equal(t, "alice", uid)

	r = e.do("POST", "/v3.0/user_sessions", hdr, map[string]any{"sessionId": "abc123", "data": map[string]any{}, "generatedAt": 1})
	require.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, `{"data":{"sessionId":"abc123"}}`, string(r.raw))

	r = e.do("POST", "/v3.0/user_sessions", hdr, map[string]any{})
	assert.Equal(t, "ERR_BAD_REQUEST", r.code())
}
