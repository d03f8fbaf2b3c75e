package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// groupEnv is an emulator with alice (owner of the groups it creates), bob and carol.
type groupEnv struct {
	*env
	alice, bob, carol h
}

func newGroupEnv(t *testing.T) *groupEnv {
	e := newEnv(t, Config{})
	return &groupEnv{env: e, alice: e.user("alice", "Alice"), bob: e.user("bob", "Bob"), carol: e.user("carol", "Carol")}
}

// group creates a group as alice.
func (e *groupEnv) group(guid, typ, password string) {
	e.t.Helper()
	body := map[string]any{"guid": guid, "name": "Group " + guid, "type": typ}
	if password != "" {
		body["password"] = password
	}
	r := e.do("POST", "/v3.0/groups", e.alice, body)
	require.Equal(e.t, http.StatusOK, r.status, "%s", r.raw)
}

// add adds uids as participants, as alice.
func (e *groupEnv) add(guid string, uids ...string) {
	e.t.Helper()
	r := e.do("PUT", "/v3.0/groups/"+guid+"/members", e.alice, map[string]any{"participants": uids})
	require.Equal(e.t, http.StatusOK, r.status, "%s", r.raw)
}

// events records published events.
type events struct {
	mu  sync.Mutex
	evs []Event
}

func (e *groupEnv) record() *events {
	rec := &events{}
	remove := e.s.OnEvent(func(ev Event) {
		rec.mu.Lock()
		rec.evs = append(rec.evs, ev)
		rec.mu.Unlock()
	})
	e.t.Cleanup(remove)
	return rec
}

// of returns the recorded events of kind.
func (r *events) of(kind EventKind) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Event
	for _, ev := range r.evs {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

// frameJSON decodes an event's frame as the wire sees it.
func frameJSON(t *testing.T, ev Event) map[string]any {
	t.Helper()
	b, err := json.Marshal(ev.Frame)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// dig follows keys through nested objects.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func TestCreateGroupMakesCreatorOwnerAdmin(t *testing.T) {
	e := newGroupEnv(t)
	rec := e.record()
	r := e.do("POST", "/v3.0/groups", e.alice, map[string]any{
		"guid": "Team-1", "name": "Team", "type": "password", "password": "s3cret", "tags": []string{"eng"},
		// client-side defaults the JS SDK sends must be ignored
		"hasJoined": false, "membersCount": 0, "isBanned": false, "owner": "bob",
	})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	d := r.data()
	assert.Equal(t, "team-1", d["guid"])
	assert.Equal(t, "alice", d["owner"])
	assert.Equal(t, "admin", d["scope"])
	assert.Equal(t, true, d["hasJoined"])
	assert.EqualValues(t, 1, d["membersCount"])
	assert.Equal(t, "group_team-1", d["conversationId"])
	assert.Equal(t, "password", d["type"])
	assert.NotContains(t, d, "password", "the password is never returned")
	require.Len(t, rec.of(EventGroupCreated), 1)
	assert.Equal(t, "group_created", rec.of(EventGroupCreated)[0].Trigger)

	get := e.do("GET", "/v3.0/groups/TEAM-1", e.bob, nil)
	require.Equal(t, http.StatusOK, get.status)
	assert.Equal(t, false, get.data()["hasJoined"])
	assert.NotContains(t, get.data(), "scope")
}

func TestCreateGroupValidation(t *testing.T) {
	e := newGroupEnv(t)
	for name, tc := range map[string]struct {
		body   map[string]any
		status int
		code   string
	}{
		"password group without password": {map[string]any{"guid": "g1", "name": "G", "type": "password"}, 400, "ERR_EMPTY_GROUP_PASS"},
		"missing name":                    {map[string]any{"guid": "g1", "type": "public"}, 400, "ERR_BAD_REQUEST"},
		"bad guid":                        {map[string]any{"guid": "g 1", "name": "G", "type": "public"}, 400, "ERR_BAD_REQUEST"},
		"bad type":                        {map[string]any{"guid": "g1", "name": "G", "type": "secret"}, 400, "ERR_BAD_REQUEST"},
		"long description": {map[string]any{"guid": "g1", "name": "G", "type": "public",
			"description": string(make([]byte, 256))}, 400, "ERR_BAD_REQUEST"},
	} {
		t.Run(name, func(t *testing.T) {
			r := e.do("POST", "/v3.0/groups", e.alice, tc.body)
			assert.Equal(t, tc.status, r.status, "%s", r.raw)
			assert.Equal(t, tc.code, r.code())
		})
	}
	e.group("dup", "public", "")
	r := e.do("POST", "/v3.0/groups", e.bob, map[string]any{"guid": "DUP", "name": "again"})
	assert.Equal(t, 400, r.status)
	assert.Equal(t, "ERR_GUID_ALREADY_EXISTS", r.code())
	// type is optional and defaults to public
	r = e.do("POST", "/v3.0/groups", e.bob, map[string]any{"guid": "notype", "name": "N"})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "public", r.data()["type"])
}

func TestJoinRules(t *testing.T) {
	e := newGroupEnv(t)
	e.group("pub", "public", "")
	e.group("pw", "password", "open-sesame")
	e.group("priv", "private", "")
	rec := e.record()

	r := e.do("POST", "/v3.0/groups/PUB/members", e.bob, map[string]any{"guid": "pub", "name": "name", "type": "public", "hasJoined": false})
	require.Equal(t, 200, r.status, "%s", r.raw)
	d := r.data()
	assert.Equal(t, "action", d["category"])
	assert.Equal(t, "groupMember", d["type"])
	assert.Equal(t, "group", d["receiverType"])
	assert.Equal(t, "pub", d["receiver"])
	assert.Equal(t, "group_pub", d["conversationId"])
	assert.Equal(t, "joined", dig(d, "data", "action"))
	assert.Equal(t, "pub", dig(d, "data", "entities", "for", "entity", "guid"))
	assert.Equal(t, "group", dig(d, "data", "entities", "for", "entityType"))
	assert.Equal(t, "bob", dig(d, "data", "entities", "by", "entity", "uid"))
	assert.Equal(t, "bob", dig(d, "data", "entities", "on", "entity", "uid"))
	assert.EqualValues(t, 2, dig(d, "data", "entities", "for", "entity", "membersCount"))
	joined := rec.of(EventGroupMemberJoined)
	require.Len(t, joined, 1)
	assert.Equal(t, "group_member_joined", joined[0].Trigger)
	assert.ElementsMatch(t, []string{"alice", "bob"}, joined[0].Recipients)
	frame := frameJSON(t, joined[0])
	assert.Equal(t, "message", frame["type"])
	assert.Equal(t, e.bob["resource"], frame["deviceId"], "the joining session drops its own echo")
	assert.Equal(t, "joined", dig(frame, "body", "data", "action"))

	for name, tc := range map[string]struct {
		guid   string
		who    h
		body   any
		status int
		code   string
	}{
		"already joined":      {"pub", e.bob, nil, 417, "ERR_ALREADY_JOINED"},
		"missing password":    {"pw", e.bob, map[string]any{"type": "password"}, 400, "ERR_EMPTY_GROUP_PASS"},
		"wrong password":      {"pw", e.bob, map[string]any{"type": "password", "password": "nope"}, 403, "ERR_WRONG_GROUP_PASS"},
		"private":             {"priv", e.bob, map[string]any{"type": "private"}, 403, "ERR_GROUP_JOIN_NOT_ALLOWED"},
		"unknown group":       {"nope", e.bob, nil, 404, "ERR_GUID_NOT_FOUND"},
		"owner joining again": {"pw", e.alice, map[string]any{"password": "open-sesame"}, 417, "ERR_ALREADY_JOINED"},
	} {
		t.Run(name, func(t *testing.T) {
			r := e.do("POST", "/v3.0/groups/"+tc.guid+"/members", tc.who, tc.body)
			assert.Equal(t, tc.status, r.status, "%s", r.raw)
			assert.Equal(t, tc.code, r.code())
		})
	}
	r = e.do("POST", "/v3.0/groups/pw/members", e.bob, map[string]any{"type": "password", "password": "open-sesame"})
	assert.Equal(t, 200, r.status, "%s", r.raw)

	// a banned user cannot join; after the unban it can
	require.Equal(t, 200, e.do("POST", "/v3.0/groups/pub/bannedusers/carol", e.alice, nil).status)
	r = e.do("POST", "/v3.0/groups/pub/members", e.carol, nil)
	assert.Equal(t, 403, r.status)
	assert.Equal(t, "ERR_BANNED_GROUPMEMBER", r.code())
	require.Equal(t, 200, e.do("DELETE", "/v3.0/groups/pub/bannedusers/carol", e.alice, nil).status)
	assert.Equal(t, 200, e.do("POST", "/v3.0/groups/pub/members", e.carol, nil).status)
}

func TestPrivateGroupsAreHiddenFromNonMembers(t *testing.T) {
	e := newGroupEnv(t)
	e.group("priv", "private", "")
	e.group("pub", "public", "")
	r := e.do("GET", "/v3.0/groups/priv", e.bob, nil)
	assert.Equal(t, 403, r.status)
	assert.Equal(t, "ERR_GROUP_NOT_JOINED", r.code())
	list := e.do("GET", "/v3.0/groups?per_page=10", e.bob, nil)
	require.Equal(t, 200, list.status)
	assert.Equal(t, []string{"pub"}, guids(list))

	e.add("priv", "bob")
	list = e.do("GET", "/v3.0/groups?per_page=10", e.bob, nil)
	assert.Equal(t, []string{"priv", "pub"}, guids(list))
	joined := e.do("GET", "/v3.0/groups?hasJoined=1", e.bob, nil)
	assert.Equal(t, []string{"priv"}, guids(joined))
}

func guids(r reply) []string {
	var out []string
	items, _ := r.body["data"].([]any)
	for _, it := range items {
		out = append(out, it.(map[string]any)["guid"].(string))
	}
	return out
}

func TestOwnerMustTransferBeforeLeaving(t *testing.T) {
	e := newGroupEnv(t)
	e.group("g", "public", "")
	e.add("g", "bob")
	rec := e.record()

	r := e.do("DELETE", "/v3.0/groups/g/members", e.alice, nil)
	assert.Equal(t, 403, r.status)
	assert.Equal(t, "ERR_GROUP_NO_CLEARANCE", r.code())

	r = e.do("PATCH", "/v3.0/groups/g/owner", e.bob, map[string]any{"owner": "bob"})
	assert.Equal(t, "ERR_GROUP_NO_CLEARANCE", r.code(), "only the owner transfers")
	r = e.do("PATCH", "/v3.0/groups/g/owner", e.alice, map[string]any{"owner": "carol"})
	assert.Equal(t, "ERR_NOT_A_MEMBER", r.code())
	r = e.do("PATCH", "/v3.0/groups/g/owner", e.alice, map[string]any{"owner": "BOB"})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, true, r.data()["success"])

	g := e.do("GET", "/v3.0/groups/g", e.bob, nil).data()
	assert.Equal(t, "bob", g["owner"])
	assert.Equal(t, "admin", g["scope"], "the new owner is an admin")
	changed := rec.of(EventGroupMemberScopeChanged)
	require.Len(t, changed, 1)
	frame := frameJSON(t, changed[0])
	assert.Equal(t, map[string]any{"old": "participant", "new": "admin"}, dig(frame, "body", "data", "extras", "scope"))
	transferred := rec.of(EventGroupOwnerTransferred)
	require.Len(t, transferred, 1)
	hook := mustJSON(t, transferred[0].WebhookData)
	assert.Equal(t, "alice", dig(hook, "group", "oldOwner"))
	assert.Equal(t, "bob", dig(hook, "group", "owner"))
	assert.EqualValues(t, 0, dig(hook, "group", "onlineMembersCount"), "nobody has a socket")
	assert.Equal(t, "alice", dig(hook, "by", "uid"))

	r = e.do("DELETE", "/v3.0/groups/g/members", e.alice, nil)
	assert.Equal(t, 200, r.status, "the old owner may leave now: %s", r.raw)
	left := rec.of(EventGroupMemberLeft)
	require.Len(t, left, 1)
	assert.ElementsMatch(t, []string{"alice", "bob"}, left[0].Recipients, "members plus the user who left")
	r = e.do("DELETE", "/v3.0/groups/g/members", e.alice, nil)
	assert.Equal(t, "ERR_GROUP_NOT_JOINED", r.code())
}

func TestAddMembersReportsPerUID(t *testing.T) {
	e := newGroupEnv(t)
	e.user("dave", "Dave")
	e.group("g", "private", "")
	e.add("g", "bob")
	require.Equal(t, 200, e.do("POST", "/v3.0/groups/g/bannedusers/dave", e.alice, nil).status)

	r := e.do("PUT", "/v3.0/groups/g/members", e.alice, map[string]any{
		"admins":       []string{"Carol"},
		"participants": []string{"carol", "bob", "ghost", "dave"},
	})
	require.Equal(t, 200, r.status, "%s", r.raw)
	d := r.data()
	for _, key := range []string{"admins", "moderators", "participants", "usersToBan"} {
		assert.Contains(t, d, key, "all four keys are present")
	}
	assert.Equal(t, true, dig(d, "admins", "carol", "success"), "admin wins over participant")
	assert.Equal(t, "added", dig(d, "admins", "carol", "data", "data", "action"))
	assert.Nil(t, dig(d, "participants", "carol"))
	assert.Equal(t, "ERR_ALREADY_JOINED", dig(d, "participants", "bob", "error", "code"))
	assert.Equal(t, "ERR_UID_NOT_FOUND", dig(d, "participants", "ghost", "error", "code"))
	assert.Equal(t, "ERR_BANNED_GROUPMEMBER", dig(d, "participants", "dave", "error", "code"))
	sc, ok := scopeOf(e, "g", "carol")
	assert.True(t, ok)
	assert.Equal(t, "admin", sc)

	r = e.do("PUT", "/v3.0/groups/g/members", e.bob, map[string]any{"participants": []string{"dave"}})
	assert.Equal(t, "ERR_GROUP_NO_ADMIN_SCOPE", r.code())

	many := make([]string, 26)
	for i := range many {
		many[i] = fmt.Sprintf("u%d", i)
	}
	r = e.do("PUT", "/v3.0/groups/g/members", e.alice, map[string]any{"participants": many})
	assert.Equal(t, 400, r.status)
	assert.Equal(t, "ERR_BAD_REQUEST", r.code())
}

func scopeOf(e *groupEnv, guid, uid string) (string, bool) {
	e.s.mu.Lock()
	defer e.s.mu.Unlock()
	return e.s.st.memberScope(guid, uid)
}

func TestMemberActionsStoreActionMessages(t *testing.T) {
	e := newGroupEnv(t)
	e.group("g", "public", "")
	e.add("g", "bob", "carol")
	rec := e.record()

	require.Equal(t, 200, e.do("PUT", "/v3.0/groups/g/members/bob", e.alice, map[string]any{"scope": "moderator"}).status)
	require.Equal(t, 200, e.do("DELETE", "/v3.0/groups/g/members/carol", e.bob, nil).status)
	require.Equal(t, 200, e.do("POST", "/v3.0/groups/g/bannedusers/carol", e.bob, nil).status)
	require.Equal(t, 200, e.do("DELETE", "/v3.0/groups/g/bannedusers/carol", e.alice, nil).status)

	e.s.mu.Lock()
	var actions []string
	for _, m := range e.s.st.Messages {
		if m.ConversationID == "group_g" && m.Category == "action" && m.Type == "groupMember" {
			actions = append(actions, m.Action.Action+":"+m.Sender+">"+m.Action.On)
		}
	}
	e.s.mu.Unlock()
	assert.Equal(t, []string{"added:alice>bob", "added:alice>carol", "scopeChanged:alice>bob",
		"kicked:bob>carol", "banned:bob>carol", "unbanned:alice>carol"}, actions)

	kicked := rec.of(EventGroupMemberKicked)
	require.Len(t, kicked, 1)
	assert.ElementsMatch(t, []string{"alice", "bob", "carol"}, kicked[0].Recipients, "the kicked user is told too")
	f := frameJSON(t, kicked[0])
	assert.Equal(t, "carol", dig(f, "body", "data", "entities", "on", "entity", "uid"))
	assert.Equal(t, "bob", dig(f, "body", "data", "entities", "by", "entity", "uid"))
	assert.Equal(t, "g", dig(f, "body", "data", "entities", "for", "entity", "guid"))
	assert.Equal(t, "group_member_kicked", kicked[0].Trigger)
	sc := rec.of(EventGroupMemberScopeChanged)
	require.Len(t, sc, 1)
	assert.Equal(t, map[string]any{"old": "participant", "new": "moderator"}, dig(frameJSON(t, sc[0]), "body", "data", "extras", "scope"))
	for _, k := range []EventKind{EventGroupMemberBanned, EventGroupMemberUnbanned} {
		assert.Len(t, rec.of(k), 1, k)
	}
}

func TestScopeChangeAnswerAndErrors(t *testing.T) {
	e := newGroupEnv(t)
	e.group("g", "public", "")
	e.add("g", "bob")
	r := e.do("PUT", "/v3.0/groups/g/members/bob", e.alice, map[string]any{"scope": "admin"})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, map[string]any{"guid": "g", "uid": "bob", "scope": "admin", "joinedAt": float64(testNow.Unix())}, r.data())
	r = e.do("PUT", "/v3.0/groups/g/members/bob", e.alice, map[string]any{"scope": "admin"})
	assert.Equal(t, "ERR_SAME_SCOPE", r.code())
	r = e.do("PUT", "/v3.0/groups/g/members/bob", e.alice, map[string]any{"scope": "member"})
	assert.Equal(t, "ERR_BAD_REQUEST", r.code(), "the JS enum's \"member\" is not a wire scope")
	r = e.do("PUT", "/v3.0/groups/g/members/carol", e.alice, map[string]any{"scope": "admin"})
	assert.Equal(t, "ERR_NOT_A_MEMBER", r.code())
}

func TestDeleteGroupFreesTheGUID(t *testing.T) {
	e := newGroupEnv(t)
	e.group("g", "public", "")
	e.add("g", "bob")
	assert.Equal(t, "ERR_GROUP_NO_ADMIN_SCOPE", e.do("DELETE", "/v3.0/groups/g", e.bob, nil).code())
	r := e.do("DELETE", "/v3.0/groups/g", e.alice, nil)
	require.Equal(t, 200, r.status)
	assert.Equal(t, "ERR_GUID_NOT_FOUND", e.do("GET", "/v3.0/groups/g", e.alice, nil).code())
	e.group("g", "public", "")
}

func TestUpdateGroup(t *testing.T) {
	e := newGroupEnv(t)
	e.group("g", "public", "")
	e.add("g", "bob")
	r := e.do("PUT", "/v3.0/groups/g", e.bob, map[string]any{"name": "Renamed"})
	assert.Equal(t, "ERR_GROUP_NO_MODERATOR_SCOPE", r.code())
	r = e.do("PUT", "/v3.0/groups/g", e.alice, map[string]any{"type": "password"})
	assert.Equal(t, "ERR_EMPTY_GROUP_PASS", r.code())
	r = e.do("PUT", "/v3.0/groups/g", e.alice, map[string]any{"name": "Renamed", "description": "d", "tags": []string{"x"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "Renamed", r.data()["name"])
	assert.Equal(t, "alice", r.data()["updatedBy"])
	r = e.do("PUT", "/v3.0/groups/g", e.alice, map[string]any{"unset": []string{"description"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.NotContains(t, r.data(), "description")
}

func TestCreateGroupWithMembers(t *testing.T) {
	e := newGroupEnv(t)
	r := e.do("POST", "/v3.0/groups", e.alice, map[string]any{
		"guid": "g", "name": "G", "type": "private",
		"members": map[string]any{"moderators": []string{"bob"}, "participants": []string{"ghost"}, "usersToBan": []string{"carol"}},
	})
	require.Equal(t, 200, r.status, "%s", r.raw)
	d := r.data()
	assert.EqualValues(t, 2, d["membersCount"])
	assert.Equal(t, true, dig(d, "members", "data", "moderators", "bob", "success"))
	assert.Equal(t, "ERR_UID_NOT_FOUND", dig(d, "members", "data", "participants", "ghost", "error", "code"))
	assert.Equal(t, true, dig(d, "members", "data", "usersToBan", "carol", "success"))
	assert.Equal(t, "ERR_BANNED_GROUPMEMBER", e.do("POST", "/v3.0/groups/g/members", e.carol, nil).code())
}
