package emulator

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// setOnline marks users as having a socket open, as the WebSocket hub does.
func setOnline(e *env, uids ...string) {
	e.s.mu.Lock()
	defer e.s.mu.Unlock()
	for _, uid := range uids {
		e.s.st.online[uid]++
	}
}

func uids(r reply) []string {
	var out []string
	items, _ := r.body["data"].([]any)
	for _, it := range items {
		out = append(out, it.(map[string]any)["uid"].(string))
	}
	return out
}

func TestUsersListSortsOnlineFirstAndFiltersStatus(t *testing.T) {
	e := newEnv(t, Config{})
	me := e.user("zoe", "Zoe")
	for _, u := range [][2]string{{"amy", "Amy"}, {"bea", "Bea"}, {"cat", "Cat"}, {"dan", "Dan"}} {
		e.user(u[0], u[1])
	}
	setOnline(e, "cat", "zoe")

	r := e.do("GET", "/v3.0/users?per_page=10", me, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, []string{"cat", "zoe", "amy", "bea", "dan"}, uids(r), "status order by default: online first, then by name")
	assert.Equal(t, "available", r.body["data"].([]any)[0].(map[string]any)["status"])

	r = e.do("GET", "/v3.0/users?sortBy=status&sortOrder=desc", me, nil)
	assert.Equal(t, []string{"dan", "bea", "amy", "zoe", "cat"}, uids(r))
	r = e.do("GET", "/v3.0/users?sortBy=name", me, nil)
	assert.Equal(t, []string{"amy", "bea", "cat", "dan", "zoe"}, uids(r))

	r = e.do("GET", "/v3.0/users?status=available", me, nil)
	assert.Equal(t, []string{"cat", "zoe"}, uids(r))
	r = e.do("GET", "/v3.0/users?status=online", me, nil)
	assert.Equal(t, []string{"cat", "zoe"}, uids(r), "the SDK's online is accepted too")
	r = e.do("GET", "/v3.0/users?status=offline&sortBy=name", me, nil)
	assert.Equal(t, []string{"amy", "bea", "dan"}, uids(r))

	for _, bad := range []string{"status=busy", "sortBy=age", "sortOrder=up", "searchIn=email", "per_page=0", "page=x"} {
		r = e.do("GET", "/v3.0/users?"+bad, me, nil)
		assert.Equal(t, "ERR_BAD_REQUEST", r.code(), bad)
	}
}

func TestUsersListPaginationMeta(t *testing.T) {
	e := newEnv(t, Config{})
	me := e.user("u0", "U0")
	for _, uid := range []string{"u1", "u2", "u3", "u4"} {
		e.user(uid, uid)
	}
	r := e.do("GET", "/v3.0/users?per_page=2&page=3&sortBy=name", me, nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, []string{"u4"}, uids(r))
	assert.Equal(t, map[string]any{"total": 5.0, "count": 1.0, "per_page": 2.0, "current_page": 3.0, "total_pages": 3.0},
		dig(r.body, "meta", "pagination"))
	r = e.do("GET", "/v3.0/users?per_page=500&page=9", me, nil)
	assert.Equal(t, []any{}, r.body["data"], "past the end: an empty array")
	assert.Equal(t, 100.0, dig(r.body, "meta", "pagination", "per_page"), "page sizes are clamped to 100")
}

func TestMembersAndBannedListsFilter(t *testing.T) {
	e := newGroupEnv(t)
	e.user("dave", "Dave")
	e.user("erin", "Erin")
	e.group("g", "public", "")
	require.Equal(t, 200, e.do("PUT", "/v3.0/groups/g/members", e.alice, map[string]any{
		"moderators": []string{"bob"}, "participants": []string{"carol", "dave", "erin"}}).status)
	setOnline(e.env, "carol")

	r := e.do("GET", "/v3.0/groups/g/members?per_page=10", e.bob, nil)
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, []string{"alice", "bob", "carol", "dave", "erin"}, uids(r))
	first := r.body["data"].([]any)[0].(map[string]any)
	assert.Equal(t, "admin", first["scope"])
	assert.EqualValues(t, testNow.Unix(), first["joinedAt"])

	assert.Equal(t, []string{"alice", "bob"}, uids(e.do("GET", "/v3.0/groups/g/members?scopes=admin,moderator", e.bob, nil)))
	assert.Equal(t, []string{"carol"}, uids(e.do("GET", "/v3.0/groups/g/members?status=available", e.bob, nil)))
	assert.Equal(t, []string{"dave"}, uids(e.do("GET", "/v3.0/groups/g/members?searchKey=DAV", e.bob, nil)))
	assert.Equal(t, "ERR_BAD_REQUEST", e.do("GET", "/v3.0/groups/g/members?scopes=owner", e.bob, nil).code())

	require.Equal(t, 200, e.do("POST", "/v3.0/groups/g/bannedusers/bob", e.alice, nil).status)
	require.Equal(t, 200, e.do("POST", "/v3.0/groups/g/bannedusers/dave", e.alice, nil).status)
	r = e.do("GET", "/v3.0/groups/g/bannedusers", e.carol, nil)
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, []string{"bob", "dave"}, uids(r))
	item := r.body["data"].([]any)[0].(map[string]any)
	assert.Equal(t, true, item["isBanned"])
	assert.Equal(t, "moderator", item["scope"], "the scope held when banned")
	assert.Equal(t, []string{"dave"}, uids(e.do("GET", "/v3.0/groups/g/bannedusers?scopes=participant", e.carol, nil)))
	assert.Equal(t, []string{"alice", "carol", "erin"}, uids(e.do("GET", "/v3.0/groups/g/members", e.carol, nil)))
}
