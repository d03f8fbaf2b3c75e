package emulator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAdminKeyErrors(t *testing.T) {
	e := newEnv(t, Config{})
	require.NoError(t, e.s.CreateUser("alice", "Alice"))

	r := e.do("GET", "/v3/users/alice", nil, nil)
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "AUTH_ERR_EMPTY_APIKEY", r.code())

	r = e.do("GET", "/v3/users/alice", h{"apikey": "0123456789abcdef-wrong"}, nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "AUTH_ERR_APIKEY_NOT_FOUND", r.code())
	assert.NotContains(t, string(r.raw), "0123456789abcdef-wrong", "key must not be echoed")

	// Header name in any case.
	for _, name := range []string{"apikey", "apiKey", "APIKEY"} {
		r = e.do("GET", "/v3/users/alice", h{name: e.s.RESTAPIKey()}, nil)
		assert.Equal(t, http.StatusOK, r.status, name)
	}

	// The Auth Key (authOnly) on a fullAccess endpoint.
	r = e.do("GET", "/v3/users/alice", e.authKey(), nil)
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "AUTH_ERR_NO_ACCESS", r.code())
	assert.NotContains(t, string(r.raw), e.s.AuthKey())
}

func TestClientTokenErrors(t *testing.T) {
	e := newEnv(t, Config{})
	hdr := e.user("alice", "Alice")

	r := e.do("GET", "/v3.0/me", h{"appId": e.s.AppID()}, nil)
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "AUTH_ERR_EMPTY_AUTH_TOKEN", r.code())

	bogus := "alice_1717000000deadbeefdeadbeefdeadbeefdeadbeef"
	r = e.do("GET", "/v3.0/me", h{"authToken": bogus}, nil)
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", r.code())
	msg := r.errObj()["message"].(string)
	assert.True(t, strings.HasPrefix(msg, "The auth token alic… does not exist."), msg)
	assert.NotContains(t, string(r.raw), bogus)

	// A deactivated user's token stops working.
	e.s.mu.Lock()
	e.s.st.Users["alice"].DeactivatedAt = 1
	e.s.mu.Unlock()
	assert.Equal(t, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", e.do("GET", "/v3.0/me", hdr, nil).code())

	// So does a soft-deleted one's.
	e.s.mu.Lock()
	e.s.st.Users["alice"].DeactivatedAt = 0
	e.s.st.Users["alice"].DeletedAt = 1
	e.s.mu.Unlock()
	assert.Equal(t, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", e.do("GET", "/v3.0/me", hdr, nil).code())
}

func TestAppIDHeader(t *testing.T) {
	e := newEnv(t, Config{AppID: "MyApp"})
	hdr := e.user("alice", "Alice")

	// Absent: accepted. Other case: accepted.
	delete(hdr, "appId")
	assert.Equal(t, 200, e.do("GET", "/v3.0/me", hdr, nil).status)
	hdr["appId"] = "myapp"
	assert.Equal(t, 200, e.do("GET", "/v3.0/me", hdr, nil).status)

	hdr["appId"] = "other"
	r := e.do("GET", "/v3.0/me", hdr, nil)
	assert.Equal(t, 401, r.status)
	assert.Equal(t, "AUTH_ERR_INVALID_APPID", r.code())

	adm := e.admin()
	adm["appId"] = "other"
	assert.Equal(t, "AUTH_ERR_INVALID_APPID", e.do("GET", "/v3/users/alice", adm, nil).code())
}
