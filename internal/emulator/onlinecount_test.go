package emulator

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOnlineMembersEndpoint(t *testing.T) {
	e := newEnv(t, Config{})
	alice := e.user("alice", "Alice")
	me := e.do("PUT", "/v3.0/me", alice, map[string]any{"platform": "GO"})
	jwt, _ := me.data()["jwt"].(string)
	assert.NotEmpty(t, jwt)

	r := e.do("POST", "/api/v1/online-members", h{"Authorization": jwt, "appId": "app1"}, map[string]any{})
	assert.Equal(t, 200, r.status)
	assert.EqualValues(t, 0, r.data()["onlineUsersCount"], "nobody has a socket open")

	r = e.do("POST", "/api/v1/online-members", h{"Authorization": jwt}, map[string]any{"groups": []string{"g1"}})
	assert.Equal(t, map[string]any{"g1": float64(0)}, r.data()["groups"])

	r = e.do("POST", "/api/v1/online-members", h{"Authorization": jwt}, map[string]any{"groups": "g1"})
	assert.Equal(t, "ERROR_INVALID_GROUPLIST", r.code())
	assert.Equal(t, 400, r.status)

	r = e.do("POST", "/api/v1/online-members", nil, map[string]any{})
	assert.Equal(t, "AUTH_ERR_EMPTY_AUTH_HEADER", r.code())
	r = e.do("POST", "/api/v1/online-members", h{"Authorization": "not-a-jwt"}, map[string]any{})
	assert.Equal(t, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", r.code())
}
