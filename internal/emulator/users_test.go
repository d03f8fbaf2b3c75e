package emulator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreateUser(t *testing.T) {
	e := newEnv(t, Config{})
	body := `{"uid":"Acme-User-42","name":"Ada Lovelace","avatar":"https://cdn.example.com/a.png",
		"link":"https://app.example.com/u/ada","role":"default","statusMessage":"Shipping",
		"metadata":{"department":"engineering","@private":{"email":"ada@example.com"}},
		"tags":["beta","staff"],"withAuthToken":true}`
	r := e.do("POST", "/v3/users", e.admin(), body)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	d := r.data()
	assert.Equal(t, "acme-user-42", d["uid"], "uid lower-cased")
	assert.Equal(t, "Ada Lovelace", d["name"])
	assert.Equal(t, "offline", d["status"])
	assert.Equal(t, "default", d["role"])
	assert.Equal(t, float64(testNow.Unix()), d["createdAt"])
	assert.Equal(t, []any{"beta", "staff"}, d["tags"])
	assert.Equal(t, "engineering", d["metadata"].(map[string]any)["department"])
	tok := d["authToken"].(string)
	assert.Regexp(t, `^acme-user-42_1717000000[0-9a-f]{32}$`, tok)
	for _, k := range []string{"updatedAt", "deactivatedAt", "lastActiveAt", "conversationId", "blockedByMe"} {
		assert.NotContains(t, d, k, "optional fields are omitted")
	}
	assert.NotContains(t, string(r.raw), "null")

	// The token works on the client API.
	me := e.do("GET", "/v3.0/me", h{"authToken": tok}, nil)
	require.Equal(t, 200, me.status)
	assert.Equal(t, "acme-user-42", me.data()["uid"])
}

func TestCreateUserMinimal(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.do("POST", "/v3/users", e.authKey(), map[string]any{"uid": "bob", "name": "Bob"})
	require.Equal(t, http.StatusOK, r.status, "the Auth Key may create users by default")
	assert.JSONEq(t, `{"data":{"uid":"bob","name":"Bob","role":"default","status":"offline","createdAt":1717000000}}`,
		string(r.raw))
}

func TestCreateUserDuplicate(t *testing.T) {
	e := newEnv(t, Config{})
	require.NoError(t, e.s.CreateUser("bob", "Bob"))
	r := e.do("POST", "/v3/users", e.admin(), map[string]any{"uid": "BOB", "name": "Bob"})
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "ERR_UID_ALREADY_EXISTS", r.code())
	assert.Equal(t, "The uid bob already exists. Please use another uid or try after permanently deleting the user.",
		r.errObj()["message"])
	assert.Equal(t, r.errObj()["message"], r.errObj()["devMessage"])

	// A soft-deleted uid stays reserved.
	e.s.mu.Lock()
	e.s.st.Users["bob"].DeletedAt = 1
	e.s.mu.Unlock()
	assert.Equal(t, "ERR_UID_ALREADY_EXISTS",
		e.do("POST", "/v3/users", e.admin(), map[string]any{"uid": "bob", "name": "Bob"}).code())
}

func TestCreateUserValidation(t *testing.T) {
	e := newEnv(t, Config{})
	long := strings.Repeat("x", 101)
	cases := []struct {
		name    string
		body    any
		details map[string]any
	}{
		{"empty body", nil, map[string]any{
			"uid": []any{"The uid field is required."}, "name": []any{"The name field is required."}}},
		{"bad uid", map[string]any{"uid": "has space", "name": "N"}, map[string]any{
			"uid": []any{"The uid may only contain letters, numbers, dashes and underscores."}}},
		{"long uid", map[string]any{"uid": long, "name": "N"}, map[string]any{
			"uid": []any{"The uid may not be greater than 100 characters."}}},
		{"reserved uid", map[string]any{"uid": "app_system", "name": "N"}, map[string]any{
			"uid": []any{"The uid app_system is reserved."}}},
		{"null avatar", `{"uid":"u","name":"N","avatar":null}`, map[string]any{
			"avatar": []any{"The avatar must be a string."}}},
		{"bad link", map[string]any{"uid": "u", "name": "N", "link": "not a url"}, map[string]any{
			"link": []any{"The link format is invalid."}}},
		{"long name", map[string]any{"uid": "u", "name": strings.Repeat("é", 101)}, map[string]any{
			"name": []any{"The name may not be greater than 100 characters."}}},
		{"blank name", map[string]any{"uid": "u", "name": "  "}, map[string]any{
			"name": []any{"The name field is required."}}},
		{"metadata array", map[string]any{"uid": "u", "name": "N", "metadata": []int{1}}, map[string]any{
			"metadata": []any{"The metadata must be an object."}}},
		{"metadata too big", map[string]any{"uid": "u", "name": "N",
			"metadata": map[string]string{"k": strings.Repeat("m", 5200)}}, map[string]any{
			"metadata": []any{"The metadata may not be greater than 5 kilobytes."}}},
		{"too many tags", map[string]any{"uid": "u", "name": "N", "tags": make([]string, 26)}, nil},
		{"long tag", map[string]any{"uid": "u", "name": "N", "tags": []string{"ok", long}}, map[string]any{
			"tags.1": []any{"The tags.1 may not be greater than 100 characters."}}},
		{"name not string", map[string]any{"uid": "u", "name": 5}, map[string]any{
			"name": []any{"The name must be a string."}}},
		{"not json", "{nope", map[string]any{"data": []any{"The data must be a valid JSON object."}}},
		{"bad flag", map[string]any{"uid": "u", "name": "N", "withAuthToken": "maybe"}, map[string]any{
			"withAuthToken": []any{"The withAuthToken field must be true or false."}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("POST", "/v3/users", e.admin(), c.body)
			require.Equal(t, http.StatusBadRequest, r.status, string(r.raw))
			assert.Equal(t, "ERR_BAD_REQUEST", r.code())
			assert.Equal(t, badRequestMessage, r.errObj()["message"])
			if c.details != nil {
				assert.Equal(t, c.details, r.errObj()["details"])
			} else {
				assert.NotEmpty(t, r.errObj()["details"])
			}
		})
	}
	// Nothing was created.
	assert.Equal(t, "ERR_UID_NOT_FOUND", e.do("GET", "/v3/users/u", e.admin(), nil).code())
}

func TestCreateUserBodyLimit(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.do("POST", "/v3/users", e.admin(), map[string]any{"uid": "u", "name": "N",
		"statusMessage": strings.Repeat("s", 11*1024)})
	assert.Equal(t, "ERR_BAD_REQUEST", r.code())
	assert.Contains(t, r.errObj()["details"], "data")
}

func TestAuthKeyTokensOnly(t *testing.T) {
	e := newEnv(t, Config{AuthKeyTokensOnly: true})
	r := e.do("POST", "/v3/users", e.authKey(), map[string]any{"uid": "bob", "name": "Bob"})
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "AUTH_ERR_NO_ACCESS", r.code())
}

func TestUpdateUser(t *testing.T) {
	e := newEnv(t, Config{})
	require.NoError(t, e.s.AddUser(UserSpec{UID: "bob", Name: "Bob", Avatar: "https://x.test/a.png",
		Link: "https://x.test/bob", Metadata: map[string]any{"a": 1, "b": 2}, Tags: []string{"t1", "t2"}}))

	// The Auth Key may not update users by default.
	r := e.do("PUT", "/v3/users/bob", e.authKey(), map[string]any{"name": "Robert"})
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "AUTH_ERR_NO_ACCESS", r.code())

	r = e.do("PUT", "/v3/users/BOB", e.admin(), map[string]any{
		"name": "Robert", "metadata": map[string]any{"c": 3}, "tags": []string{"t3"},
		"unset": []string{"avatar"}, "uid": "ignored"})
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	d := r.data()
	assert.Equal(t, "bob", d["uid"])
	assert.Equal(t, "Robert", d["name"])
	assert.Equal(t, map[string]any{"c": float64(3)}, d["metadata"], "metadata replaced wholesale")
	assert.Equal(t, []any{"t3"}, d["tags"], "tags replaced wholesale")
	assert.NotContains(t, d, "avatar")
	assert.Equal(t, "https://x.test/bob", d["link"], "untouched fields stay")
	assert.Equal(t, float64(testNow.Unix()), d["updatedAt"])

	r = e.do("PUT", "/v3/users/bob", e.admin(), map[string]any{"unset": []string{"name"}})
	assert.Equal(t, "ERR_BAD_REQUEST", r.code())
	assert.Equal(t, map[string]any{"unset.0": []any{"The selected unset.0 is invalid."}}, r.errObj()["details"])

	r = e.do("PUT", "/v3/users/bob", e.admin(), map[string]any{"name": ""})
	assert.Equal(t, "ERR_BAD_REQUEST", r.code())

	r = e.do("PUT", "/v3/users/nobody", e.admin(), map[string]any{"name": "X"})
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "ERR_UID_NOT_FOUND", r.code())
}

func TestAuthOnlyMayUpdateUsers(t *testing.T) {
	e := newEnv(t, Config{AuthOnlyMayUpdateUsers: true})
	require.NoError(t, e.s.CreateUser("bob", "Bob"))
	r := e.do("PUT", "/v3.0/users/bob", e.authKey(), map[string]any{"name": "Robert"})
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	assert.Equal(t, "Robert", r.data()["name"])
}

func TestGetUser(t *testing.T) {
	e := newEnv(t, Config{})
	alice := e.user("alice", "Alice")
	require.NoError(t, e.s.CreateUser("Bob", "Bob"))

	r := e.do("GET", "/v3.0/users/bob", alice, nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "alice_user_bob", r.data()["conversationId"])
	assert.Equal(t, "offline", r.data()["status"])

	// Block flags relative to the viewer.
	e.s.mu.Lock()
	e.s.st.Blocks["alice"] = map[string]int64{"bob": 77}
	e.s.mu.Unlock()
	r = e.do("GET", "/v3.0/users/bob", alice, nil)
	assert.Equal(t, true, r.data()["blockedByMe"])
	assert.Equal(t, float64(77), r.data()["blockedByMeAt"])
	adm := e.admin()
	adm["onBehalfOf"] = "bob"
	r = e.do("GET", "/v3/users/alice", adm, nil)
	assert.Equal(t, true, r.data()["hasBlockedMe"])

	adm["onBehalfOf"] = "ghost"
	assert.Equal(t, "ERR_UID_NOT_FOUND", e.do("GET", "/v3/users/alice", adm, nil).code())

	r = e.do("GET", "/v3.0/users/ghost", alice, nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "ERR_UID_NOT_FOUND", r.code())

	// Deactivated users are not found on either API.
	e.s.mu.Lock()
	e.s.st.Users["bob"].DeactivatedAt = 1
	e.s.mu.Unlock()
	assert.Equal(t, "ERR_UID_NOT_FOUND", e.do("GET", "/v3.0/users/bob", alice, nil).code())
	assert.Equal(t, "ERR_UID_NOT_FOUND", e.do("GET", "/v3/users/bob", e.admin(), nil).code())
}

func TestUserStatusFollowsPresence(t *testing.T) {
	e := newEnv(t, Config{})
	alice := e.user("alice", "Alice")
	e.s.mu.Lock()
	e.s.st.online["alice"] = 1
	e.s.mu.Unlock()
	assert.Equal(t, "available", e.do("GET", "/v3.0/users/alice", alice, nil).data()["status"])
}
