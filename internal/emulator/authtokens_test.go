package emulator

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreateAuthToken(t *testing.T) {
	e := newEnv(t, Config{})
	require.NoError(t, e.s.CreateUser("alice", "Alice"))

	// The JS SDK's Auth Key login: device body on /v3.0 with apiKey.
	device := map[string]any{"platform": "WEB", "deviceId": "app1_uuid_1",
		"appInfo": map[string]any{"version": "v4.2.0", "apiVersion": "v3.0", "userAgent": "UA"}}
	r := e.do("POST", "/v3.0/users/ALICE/auth_tokens", e.authKey(), device)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	d := r.data()
	assert.Equal(t, "alice", d["uid"])
	assert.Equal(t, float64(testNow.Unix()), d["createdAt"])
	first := d["authToken"].(string)
	assert.Regexp(t, `^alice_1717000000[0-9a-f]{32}$`, first)
	assert.Len(t, d, 3)

	e.s.mu.Lock()
	rec := e.s.st.AuthTokens["alice"][0]
	assert.Equal(t, "WEB", rec.Platform)
	assert.Equal(t, "app1_uuid_1", rec.DeviceID)
	assert.Equal(t, "UA", rec.UserAgent)
	e.s.mu.Unlock()

	// Without force: the newest existing token (REST key on /v3).
	r = e.do("POST", "/v3/users/alice/auth_tokens", e.admin(), nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, first, r.data()["authToken"])

	// With force: a new one, and both work.
	r = e.do("POST", "/v3/users/alice/auth_tokens", e.admin(), map[string]any{"force": true})
	second := r.data()["authToken"].(string)
	assert.NotEqual(t, first, second)
	assert.Equal(t, 200, e.do("GET", "/v3.0/me", h{"authToken": first}, nil).status)
	assert.Equal(t, 200, e.do("GET", "/v3.0/me", h{"authToken": second}, nil).status)

	// The newest is now the default.
	r = e.do("POST", "/v3/users/alice/auth_tokens", e.admin(), map[string]any{"force": false})
	assert.Equal(t, second, r.data()["authToken"])
}

func TestCreateAuthTokenErrors(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.do("POST", "/v3/users/ghost/auth_tokens", e.admin(), nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "ERR_UID_NOT_FOUND", r.code())

	require.NoError(t, e.s.CreateUser("alice", "Alice"))
	r = e.do("POST", "/v3/users/alice/auth_tokens", h{"apikey": "nope-nope"}, nil)
	assert.Equal(t, "AUTH_ERR_APIKEY_NOT_FOUND", r.code())
	r = e.do("POST", "/v3/users/alice/auth_tokens", nil, nil)
	assert.Equal(t, "AUTH_ERR_EMPTY_APIKEY", r.code())
	r = e.do("POST", "/v3/users/alice/auth_tokens", e.admin(), map[string]any{"force": "perhaps"})
	assert.Equal(t, "ERR_BAD_REQUEST", r.code())
	assert.Contains(t, r.errObj()["details"], "force")
}

// Tokens roll: beyond the limit the oldest stops working and its JWTs die.
func TestAuthTokensRoll(t *testing.T) {
	e := newEnv(t, Config{MaxAuthTokensPerUser: 2})
	require.NoError(t, e.s.CreateUser("alice", "Alice"))
	var events []Event
	remove := e.s.OnEvent(func(ev Event) { events = append(events, ev) })
	defer remove()

	t1, err := e.s.IssueAuthToken("alice")
	require.NoError(t, err)
	jwt := e.do("GET", "/v3.0/me", h{"authToken": t1}, nil).data()["jwt"].(string)
	_, ok := e.s.userForJWT(jwt)
	require.True(t, ok)

	t2, _ := e.s.IssueAuthToken("alice")
	t3, _ := e.s.IssueAuthToken("alice")
	assert.Equal(t, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", e.do("GET", "/v3.0/me", h{"authToken": t1}, nil).code())
	assert.Equal(t, 200, e.do("GET", "/v3.0/me", h{"authToken": t2}, nil).status)
	assert.Equal(t, 200, e.do("GET", "/v3.0/me", h{"authToken": t3}, nil).status)
	_, ok = e.s.userForJWT(jwt)
	assert.False(t, ok)

	e.s.mu.Lock()
	defer e.s.mu.Unlock()
	assert.Len(t, e.s.st.AuthTokens["alice"], 2)
	assert.Equal(t, t3, e.s.st.AuthTokens["alice"][0].AuthToken, "newest first")
	last := events[len(events)-1]
	assert.Equal(t, EventAuthTokensDropped, last.Kind)
	assert.Equal(t, []string{t1}, last.AuthTokens)
}
