package emulator

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func listUIDs(t *testing.T, r reply) []string {
	t.Helper()
	items, ok := r.body["data"].([]any)
	require.True(t, ok, "data is a list: %s", r.raw)
	out := make([]string, len(items))
	for i, it := range items {
		out[i], _ = it.(map[string]any)["uid"].(string)
	}
	return out
}

func TestServerListUsers(t *testing.T) {
	e := newEnv(t, Config{})
	for _, spec := range []UserSpec{
		{UID: "u1", Name: "Alice", Role: "staff", Tags: []string{"a", "b"}},
		{UID: "u2", Name: "Bob", Tags: []string{"a"}},
		{UID: "u3", Name: "Alina"},
	} {
		require.NoError(t, e.s.AddUser(spec))
	}
	r := e.do("GET", "/v3/users?perPage=2&page=2", e.admin(), nil)
	require.Equal(t, 200, r.status, string(r.raw))
	assert.Equal(t, []string{"u3"}, listUIDs(t, r))
	meta := r.body["meta"].(map[string]any)
	assert.Equal(t, map[string]any{"total": 3.0, "count": 1.0, "per_page": 2.0, "current_page": 2.0, "total_pages": 2.0},
		meta["pagination"])
	assert.Equal(t, "prepend", meta["cursor"].(map[string]any)["affix"])

	for q, want := range map[string][]string{
		"searchKey=AL":                  {"u1", "u3"},
		"searchKey=u&searchIn=name":     {},
		"role=staff":                    {"u1"},
		"roles=staff,default":           {"u1", "u2", "u3"},
		"tags=a,b":                      {"u1"},
		"status=available":              {},
		"per_page=1":                    {"u1"},
		"searchIn[]=uid&searchKey=u2":   {"u2"},
		"onlyDeactivated=true":          {},
		"withDeactivated=1&searchKey=b": {"u2"},
	} {
		r := e.do("GET", "/v3/users?"+q, e.admin(), nil)
		require.Equal(t, 200, r.status, q)
		assert.Equal(t, want, listUIDs(t, r), q)
	}
	assert.Equal(t, "ERR_BAD_REQUEST", e.do("GET", "/v3/users?status=online", e.admin(), nil).code())
	assert.Equal(t, "ERR_BAD_REQUEST", e.do("GET", "/v3/users?page=0", e.admin(), nil).code())
	assert.Equal(t, http.StatusForbidden, e.do("GET", "/v3/users", e.authKey(), nil).status, "authOnly may not list")
}

func TestServerDeactivateDeleteUsers(t *testing.T) {
	e := newEnv(t, Config{})
	hdrA := e.user("a", "A")
	require.NoError(t, e.s.CreateUser("b", "B"))
	require.NoError(t, e.s.CreateUser("c", "C"))
	r := e.do("DELETE", "/v3/users", e.admin(), map[string]any{"uidsToDeactivate": []string{"A", "b", "ghost", "a"}})
	require.Equal(t, 200, r.status, string(r.raw))
	assert.Equal(t, []any{"a", "b"}, r.data()["deactivatedUids"])
	assert.Equal(t, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", e.do("GET", "/v3.0/me", hdrA, nil).code())
	assert.Equal(t, "ERR_UID_NOT_FOUND", e.do("GET", "/v3/users/a", e.admin(), nil).code())

	r = e.do("PUT", "/v3/users", e.admin(), map[string]any{"uidsToActivate": []string{"a", "b", "c"}})
	require.Equal(t, 200, r.status)
	assert.Equal(t, []any{"c"}, r.data()["nonDeactivatedUids"])
	assert.Equal(t, 200, e.do("GET", "/v3.0/me", hdrA, nil).status, "tokens work again")
	assert.Equal(t, "ERR_BAD_REQUEST", e.do("PUT", "/v3/users", e.admin(), map[string]any{}).code())

	// Soft delete: hidden, uid reserved, token gone.
	r = e.do("DELETE", "/v3/users/a", e.admin(), nil)
	require.Equal(t, 200, r.status)
	assert.Equal(t, true, r.data()["success"])
	assert.Equal(t, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", e.do("GET", "/v3.0/me", hdrA, nil).code())
	assert.Equal(t, "ERR_UID_ALREADY_EXISTS", e.do("POST", "/v3/users", e.admin(), map[string]any{"uid": "a", "name": "A"}).code())
	assert.Equal(t, "ERR_UID_NOT_FOUND", e.do("DELETE", "/v3/users/a", e.admin(), nil).code(), "soft delete twice")

	// Permanent delete frees the uid and removes relationships.
	require.Equal(t, 200, e.do("POST", "/v3/users/b/friends", e.admin(), map[string]any{"accepted": []string{"c"}}).status)
	require.Equal(t, 200, e.do("DELETE", "/v3/users/a", e.admin(), map[string]any{"permanent": true}).status)
	require.Equal(t, 200, e.do("DELETE", "/v3/users/b?permanent=1", e.admin(), nil).status)
	assert.False(t, e.s.AreFriends("b", "c"))
	assert.Empty(t, listUIDs(t, e.do("GET", "/v3/users/c/friends", e.admin(), nil)))
	assert.Equal(t, 200, e.do("POST", "/v3/users", e.admin(), map[string]any{"uid": "a", "name": "A2"}).status)
}

func TestServerAuthTokens(t *testing.T) {
	e := newEnv(t, Config{})
	require.NoError(t, e.s.CreateUser("ada", "Ada"))
	t1, err := e.s.IssueAuthToken("ada")
	require.NoError(t, err)
	t2, err := e.s.IssueAuthToken("ada")
	require.NoError(t, err)

	r := e.do("GET", "/v3/users/ada/auth_tokens", e.admin(), nil)
	require.Equal(t, 200, r.status)
	items := r.body["data"].([]any)
	require.Len(t, items, 2)
	assert.Equal(t, t2, items[0].(map[string]any)["authToken"], "newest first")
	assert.Equal(t, 2.0, r.body["meta"].(map[string]any)["pagination"].(map[string]any)["total"])

	assert.Equal(t, t1, e.do("GET", "/v3/users/ada/auth_tokens/"+t1, e.admin(), nil).data()["authToken"])
	r = e.do("GET", "/v3/users/ada/auth_tokens/nope", e.admin(), nil)
	assert.Equal(t, "ERR_AUTH_TOKEN_NOT_FOUND", r.code())
	assert.Equal(t, http.StatusNotFound, r.status)

	assert.Equal(t, "ERR_BAD_REQUEST", e.do("PUT", "/v3/users/ada/auth_tokens/"+t1, e.admin(), nil).code(), "body required")
	r = e.do("PUT", "/v3/users/ada/auth_tokens/"+t1, e.admin(), map[string]any{"platform": "go", "appInfo": map[string]any{"v": 1}})
	require.Equal(t, 200, r.status)
	e.s.mu.Lock()
	assert.Equal(t, "go", e.s.st.AuthTokens["ada"][1].Platform)
	e.s.mu.Unlock()

	var dropped []string
	remove := e.s.OnEvent(func(ev Event) {
		if ev.Kind == EventAuthTokensDropped {
			dropped = append(dropped, ev.AuthTokens...)
		}
	})
	defer remove()
	require.Equal(t, 200, e.do("DELETE", "/v3/users/ada/auth_tokens/"+t1, e.admin(), nil).status)
	assert.Equal(t, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", e.do("GET", "/v3.0/me", h{"authToken": t1}, nil).code())
	assert.Equal(t, 200, e.do("GET", "/v3.0/me", h{"authToken": t2}, nil).status)
	require.Equal(t, 200, e.do("DELETE", "/v3/users/ada/auth_tokens", e.admin(), nil).status)
	assert.Equal(t, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", e.do("GET", "/v3.0/me", h{"authToken": t2}, nil).code())
	assert.Equal(t, []string{t1, t2}, dropped, "the hub is told to close the sockets")

	assert.Equal(t, "ERR_UID_NOT_FOUND", e.do("GET", "/v3/users/ghost/auth_tokens", e.admin(), nil).code())
	assert.Equal(t, http.StatusForbidden, e.do("GET", "/v3/users/ada/auth_tokens", e.authKey(), nil).status)
}

func TestServerRoles(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.do("POST", "/v3/roles", e.admin(), map[string]any{"role": "Mod", "name": "Moderators",
		"settings": map[string]any{"listUsers": "friendsOnly"}})
	require.Equal(t, 200, r.status, string(r.raw))
	assert.JSONEq(t, `{"data":{"role":"mod","name":"Moderators","settings":{"listUsers":"friendsOnly","sendMessagesTo":"all"},"createdAt":1717000000}}`,
		string(r.raw))
	assert.Equal(t, "ERR_ROLE_ALREADY_EXISTS", e.do("POST", "/v3/roles", e.admin(), map[string]any{"role": "mod", "name": "x"}).code())
	assert.Equal(t, "ERR_BAD_REQUEST", e.do("POST", "/v3/roles", e.admin(), map[string]any{"role": "x", "name": "x",
		"settings": map[string]any{"listUsers": "some"}}).code())
	r = e.do("GET", "/v3/roles", e.admin(), nil)
	require.Equal(t, 200, r.status)
	assert.Len(t, r.body["data"], 2)
	assert.Equal(t, "ERR_ROLE_NOT_FOUND", e.do("GET", "/v3/roles/nope", e.admin(), nil).code())
	r = e.do("PUT", "/v3/roles/mod", e.admin(), map[string]any{"description": "d", "unset": []string{"settings"}})
	require.Equal(t, 200, r.status)
	assert.Equal(t, "all", r.data()["settings"].(map[string]any)["listUsers"])
	assert.Equal(t, "ERR_BAD_REQUEST", e.do("PUT", "/v3/roles/mod", e.admin(), map[string]any{"unset": []string{"name"}}).code())
	assert.Equal(t, "ERR_ROLE_DELETE_DENIED", e.do("DELETE", "/v3/roles/default", e.admin(), nil).code())

	r = e.do("POST", "/v3/roles/mod/restrictedfeatures", e.admin(), map[string]any{"featuresToRestrict": []string{"u.listUsers"}})
	require.Equal(t, 200, r.status)
	assert.Equal(t, true, r.data()["u.listUsers"].(map[string]any)["success"])
	r = e.do("GET", "/v3/roles/mod/restrictedfeatures", e.admin(), nil)
	require.Len(t, r.body["data"], 1)
	assert.Equal(t, "u.listUsers", r.body["data"].([]any)[0].(map[string]any)["key"])
	assert.Equal(t, "ERR_BAD_REQUEST", e.do("DELETE", "/v3/roles/mod/restrictedfeatures", e.admin(), nil).code())
	require.Equal(t, 200, e.do("DELETE", "/v3/roles/mod/restrictedfeatures", e.admin(), map[string]any{"allowAll": true}).status)
	assert.Empty(t, e.do("GET", "/v3/roles/mod/restrictedfeatures", e.admin(), nil).body["data"])
	require.Equal(t, 200, e.do("DELETE", "/v3/roles/mod", e.admin(), nil).status)
}

func TestServerFriendsAndBlocks(t *testing.T) {
	e := newEnv(t, Config{})
	for _, u := range []string{"a", "b", "c"} {
		require.NoError(t, e.s.CreateUser(u, "User "+u))
	}
	r := e.do("POST", "/v3/users/a/friends", e.admin(), map[string]any{"accepted": []string{"b", "a", "ghost"}})
	require.Equal(t, 200, r.status, string(r.raw))
	acc := r.data()["accepted"].(map[string]any)
	assert.Equal(t, true, acc["b"].(map[string]any)["success"])
	assert.Equal(t, "ERR_CANNOT_FORM_SELF_RELATION", acc["a"].(map[string]any)["error"].(map[string]any)["code"])
	assert.Equal(t, "ERR_UID_NOT_FOUND", acc["ghost"].(map[string]any)["error"].(map[string]any)["code"])
	assert.True(t, e.s.AreFriends("B", "a"), "mutual")
	assert.Equal(t, []string{"a"}, listUIDs(t, e.do("GET", "/v3/users/b/friends", e.admin(), nil)))
	assert.Equal(t, "ERR_NOT_A_FRIEND", e.do("DELETE", "/v3/users/a/friends", e.admin(), map[string]any{"friends": []string{"c"}}).code())
	require.Equal(t, 200, e.do("DELETE", "/v3/users/a/friends", e.admin(), map[string]any{"friends": []string{"b"}}).status)
	assert.False(t, e.s.AreFriends("a", "b"))

	var triggers []string
	remove := e.s.OnEvent(func(ev Event) { triggers = append(triggers, ev.Trigger) })
	defer remove()
	r = e.do("POST", "/v3/users/a/blockedusers", e.admin(), map[string]any{"blockedUids": []string{"b"}})
	require.Equal(t, 200, r.status)
	assert.Equal(t, true, r.data()["b"].(map[string]any)["success"])
	r = e.do("GET", "/v3/users/a/blockedusers", e.admin(), nil)
	require.Equal(t, []string{"b"}, listUIDs(t, r))
	assert.Equal(t, true, r.body["data"].([]any)[0].(map[string]any)["blockedByMe"])
	assert.Equal(t, "ERR_CANNOT_BLOCK_SELF", e.do("POST", "/v3/users/a/blockedusers", e.admin(), map[string]any{"blockedUids": []string{"a"}}).code())
	require.Equal(t, 200, e.do("DELETE", "/v3/users/a/blockedusers", e.admin(), map[string]any{"blockedUids": []string{"b"}}).status)
	assert.Empty(t, listUIDs(t, e.do("GET", "/v3/users/a/blockedusers", e.admin(), nil)))
	assert.Equal(t, []string{"user_blocked", "user_unblocked"}, triggers)
}
