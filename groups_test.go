package cometchat

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loggedInFake returns a fake service and a Client logged in to it, with the login requests
// already recorded; sent reports the requests made after that.
func loggedInFake(t *testing.T) (*fakeService, *Client, func() []recorded) {
	t.Helper()
	f, c := loginFake(t)
	_, err := c.LoginWithAuthToken(context.Background(), testToken)
	require.NoError(t, err)
	before := len(f.recorded())
	return f, c, func() []recorded { return f.recorded()[before:] }
}

func jsonBody(t *testing.T, r recorded) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m), "body %s", r.Body)
	return m
}

func TestCreateGroupSendsWritableFieldsAndMarksCreator(t *testing.T) {
	f, c, sent := loggedInFake(t)
	f.reply("POST /v3.0/groups", 200, `{"data":{"guid":"team-1","name":"Team","type":"password","owner":"alice",
		"membersCount":"1","createdAt":"1700000100","hasJoined":1,"conversationId":"group_team-1","futureField":7}}`)
	g, err := c.CreateGroup(context.Background(), &Group{GUID: "Team-1", Name: "Team", Type: GroupTypePassword,
		Password: "pw", Tags: []string{"eng"}, HasJoined: true, MembersCount: 9})
	require.NoError(t, err)
	reqs := sent()
	require.Len(t, reqs, 1)
	assert.Equal(t, map[string]any{"guid": "team-1", "name": "Team", "type": "password", "password": "pw",
		"tags": []any{"eng"}}, jsonBody(t, reqs[0]), "only writable fields, guid lower-cased")
	assert.Equal(t, "team-1", g.GUID)
	assert.Equal(t, Count(1), g.MembersCount, "counts decode from strings")
	assert.Equal(t, UnixTime(1700000100), g.CreatedAt)
	assert.True(t, g.HasJoined)
	assert.Equal(t, ScopeAdmin, g.Scope, "the creator is an admin")
	assert.Contains(t, string(g.Raw), "futureField", "unknown fields survive in Raw")
	assert.NotContains(t, g.String(), "pw")
}

func TestGroupInputFailsLocallyAndSendsNothing(t *testing.T) {
	_, c, sent := loggedInFake(t)
	ctx := context.Background()
	long := strings.Repeat("x", 101)
	for name, tc := range map[string]struct {
		call func() error
		want *Error
	}{
		"invalid guid": {func() error {
			_, err := c.CreateGroup(ctx, &Group{GUID: "bad guid", Name: "G", Type: GroupTypePublic})
			return err
		}, ErrInvalidGUID},
		"empty name": {func() error {
			_, err := c.CreateGroup(ctx, &Group{GUID: "g", Name: "  ", Type: GroupTypePublic})
			return err
		}, ErrMissingParameters},
		"password group without password": {func() error {
			_, err := c.CreateGroup(ctx, &Group{GUID: "g", Name: "G", Type: GroupTypePassword})
			return err
		}, ErrEmptyGroupPassword},
		"unknown type": {func() error {
			_, err := c.CreateGroup(ctx, &Group{GUID: "g", Name: "G", Type: "protected"})
			return err
		}, ErrInvalidValue},
		"name too long": {func() error {
			_, err := c.CreateGroup(ctx, &Group{GUID: "g", Name: long, Type: GroupTypePublic})
			return err
		}, ErrInvalidValue},
		"nil group": {func() error { _, err := c.CreateGroup(ctx, nil); return err }, ErrMissingParameters},
		"join password group without password": {func() error {
			_, err := c.JoinGroup(ctx, "g", GroupTypePassword, "")
			return err
		}, ErrEmptyGroupPassword},
		"join with invalid guid": {func() error { _, err := c.JoinGroup(ctx, "a/b", GroupTypePublic, ""); return err }, ErrInvalidGUID},
		"get with empty guid":    {func() error { _, err := c.GetGroup(ctx, ""); return err }, ErrInvalidGUID},
		"update with bad guid":   {func() error { _, err := c.UpdateGroup(ctx, &Group{GUID: "x y"}); return err }, ErrInvalidGUID},
		"delete with bad guid":   {func() error { return c.DeleteGroup(ctx, "x?y") }, ErrInvalidGUID},
		"kick invalid uid":       {func() error { return c.KickGroupMember(ctx, "g", "bad uid") }, ErrInvalidUID},
		"ban invalid guid":       {func() error { return c.BanGroupMember(ctx, "", "bob") }, ErrInvalidGUID},
		"unban invalid uid":      {func() error { return c.UnbanGroupMember(ctx, "g", "") }, ErrInvalidUID},
		"scope member":           {func() error { return c.UpdateGroupMemberScope(ctx, "g", "bob", "member") }, ErrInvalidValue},
		"transfer to bad uid":    {func() error { return c.TransferGroupOwnership(ctx, "g", "") }, ErrInvalidUID},
		"leave bad guid":         {func() error { return c.LeaveGroup(ctx, "#") }, ErrInvalidGUID},
		"add nobody": {func() error {
			_, err := c.AddMembersToGroup(ctx, "g", nil, nil)
			return err
		}, ErrMissingParameters},
		"add with bad scope": {func() error {
			_, err := c.AddMembersToGroup(ctx, "g", []*GroupMember{NewGroupMember("bob", "owner")}, nil)
			return err
		}, ErrInvalidValue},
		"add 26 users": {func() error {
			var ms []*GroupMember
			for i := range 26 {
				ms = append(ms, NewGroupMember("u"+strings.Repeat("x", i+1), ScopeParticipant))
			}
			_, err := c.AddMembersToGroup(ctx, "g", ms, nil)
			return err
		}, ErrLimitExceeded},
		"create with members, bad ban uid": {func() error {
			_, _, err := c.CreateGroupWithMembers(ctx, &Group{GUID: "g", Name: "G", Type: GroupTypePublic}, nil, []string{"bad uid"})
			return err
		}, ErrInvalidUID},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.call()
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.True(t, e.Local, "a local error")
		})
	}
	assert.Empty(t, sent(), "bad input never reaches the wire")
}

func TestJoinGroupDecodesTheGroupFromTheActionMessage(t *testing.T) {
	f, c, sent := loggedInFake(t)
	f.reply("POST /v3.0/groups/team-1/members", 200, `{"data":{"id":"41","category":"action","type":"groupMember",
		"sentAt":1700000700,"data":{"action":"joined","entities":{
		"by":{"entity":{"uid":"alice"},"entityType":"user"},
		"on":{"entity":{"uid":"alice"},"entityType":"user"},
		"for":{"entity":{"guid":"team-1","name":"Team 1","type":"password","owner":"bob","membersCount":4},"entityType":"group"}}}}}`)
	g, err := c.JoinGroup(context.Background(), "Team-1", GroupTypePassword, "secret")
	require.NoError(t, err)
	reqs := sent()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/v3.0/groups/team-1/members", reqs[0].Path)
	assert.Equal(t, map[string]any{"guid": "team-1", "type": "password", "password": "secret"}, jsonBody(t, reqs[0]))
	assert.Equal(t, "team-1", g.GUID)
	assert.Equal(t, Count(4), g.MembersCount)
	assert.True(t, g.HasJoined)
	assert.Equal(t, ScopeParticipant, g.Scope)
	assert.Equal(t, UnixTime(1700000700), g.JoinedAt)
}

func TestJoinGroupWithoutGroupEntityIsUnparseable(t *testing.T) {
	f, c, _ := loggedInFake(t)
	f.reply("POST /v3.0/groups/g/members", 200, `{"data":{"id":"1","category":"action","data":{}}}`)
	_, err := c.JoinGroup(context.Background(), "g", GroupTypePublic, "")
	assert.ErrorIs(t, err, ErrUnparseableResponse)
}

func TestGroupServiceErrorsMatchSentinels(t *testing.T) {
	f, c, _ := loggedInFake(t)
	f.reply("POST /v3.0/groups/g/members", 403, `{"error":{"code":"ERR_GROUP_JOIN_NOT_ALLOWED","message":"private"}}`)
	f.reply("DELETE /v3.0/groups/g/members", 403, `{"error":{"code":"ERR_GROUP_NO_CLEARANCE","message":"owner"}}`)
	_, err := c.JoinGroup(context.Background(), "g", GroupTypePrivate, "")
	assert.ErrorIs(t, err, ErrGroupJoinNotAllowed)
	assert.ErrorIs(t, c.LeaveGroup(context.Background(), "g"), ErrGroupNoClearance)
}

func TestMemberCallsUseTheDocumentedPathsAndBodies(t *testing.T) {
	f, c, sent := loggedInFake(t)
	ok := `{"data":{"success":true,"message":"done"}}`
	for _, p := range []string{"DELETE /v3.0/groups/g/members/bob", "POST /v3.0/groups/g/bannedusers/bob",
		"DELETE /v3.0/groups/g/bannedusers/bob", "PATCH /v3.0/groups/g/owner", "DELETE /v3.0/groups/g"} {
		f.reply(p, 200, ok)
	}
	f.reply("PUT /v3.0/groups/g/members/bob", 200, `{"data":{"guid":"g","uid":"bob","scope":"moderator","joinedAt":1}}`)
	ctx := context.Background()
	require.NoError(t, c.KickGroupMember(ctx, "G", "BOB"))
	require.NoError(t, c.BanGroupMember(ctx, "g", "bob"))
	require.NoError(t, c.UnbanGroupMember(ctx, "g", "bob"))
	require.NoError(t, c.UpdateGroupMemberScope(ctx, "g", "bob", ScopeModerator))
	require.NoError(t, c.TransferGroupOwnership(ctx, "g", "Bob"))
	require.NoError(t, c.DeleteGroup(ctx, "g"))
	var got []string
	for _, r := range sent() {
		got = append(got, r.Method+" "+r.Path+" "+strings.TrimSpace(string(r.Body)))
	}
	assert.Equal(t, []string{
		"DELETE /v3.0/groups/g/members/bob ",
		"POST /v3.0/groups/g/bannedusers/bob ",
		"DELETE /v3.0/groups/g/bannedusers/bob ",
		`PUT /v3.0/groups/g/members/bob {"scope":"moderator"}`,
		`PATCH /v3.0/groups/g/owner {"owner":"bob"}`,
		"DELETE /v3.0/groups/g ",
	}, got)
}

func TestAddMembersSortsByScopeAndFlattensPerUIDResults(t *testing.T) {
	f, c, sent := loggedInFake(t)
	f.reply("PUT /v3.0/groups/g/members", 200, `{"data":{
		"admins":{"carol":{"success":true,"data":{"id":"5","category":"action"}}},
		"moderators":{},
		"participants":{"bob":{"error":{"code":"ERR_ALREADY_JOINED","message":"already"}},
		                "ghost":{"success":false,"error":{"code":"ERR_UID_NOT_FOUND","message":"no ghost"}}},
		"usersToBan":{"eve":{"success":true}}}}`)
	res, err := c.AddMembersToGroup(context.Background(), "g", []*GroupMember{
		NewGroupMember("Carol", ScopeAdmin), NewGroupMember("bob", ""), NewGroupMember("ghost", ScopeParticipant),
		NewGroupMember("dave", ScopeParticipant),
	}, []string{"Eve"})
	require.NoError(t, err)
	reqs := sent()
	require.Len(t, reqs, 1)
	assert.Equal(t, map[string]any{"admins": []any{"carol"}, "participants": []any{"bob", "ghost", "dave"},
		"usersToBan": []any{"eve"}}, jsonBody(t, reqs[0]), "empty scopes are left out")
	require.Len(t, res, 5, "one entry per uid asked about")
	assert.NoError(t, res["carol"])
	assert.NoError(t, res["eve"])
	assert.ErrorIs(t, res["bob"], ErrAlreadyJoined)
	assert.ErrorIs(t, res["ghost"], ErrUIDNotFound)
	assert.ErrorIs(t, res["dave"], ErrUnparseableResponse, "a uid the service did not mention is not a silent success")
}

func TestCreateGroupWithMembersReadsBothResultShapes(t *testing.T) {
	for name, members := range map[string]string{
		"members.data.scope": `{"data":{"participants":{"bob":{"success":true}},"usersToBan":{"eve":{"error":{"code":"ERR_UID_NOT_FOUND"}}}}}`,
		"members.scope":      `{"participants":{"bob":{"success":true}},"usersToBan":{"eve":{"error":{"code":"ERR_UID_NOT_FOUND"}}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			f, c, sent := loggedInFake(t)
			f.reply("POST /v3.0/groups", 200, `{"data":{"guid":"g","name":"G","type":"private","owner":"alice","members":`+members+`}}`)
			g, res, err := c.CreateGroupWithMembers(context.Background(), &Group{GUID: "g", Name: "G", Type: GroupTypePrivate},
				[]*GroupMember{NewGroupMember("bob", ScopeParticipant)}, []string{"eve"})
			require.NoError(t, err)
			assert.Equal(t, map[string]any{"participants": []any{"bob"}, "usersToBan": []any{"eve"}},
				jsonBody(t, sent()[0])["members"])
			assert.Equal(t, "g", g.GUID)
			assert.True(t, g.HasJoined)
			assert.NoError(t, res["bob"])
			assert.ErrorIs(t, res["eve"], ErrUIDNotFound)
		})
	}
}

func TestGroupMemberDecodesUserAndMemberFields(t *testing.T) {
	var m GroupMember
	require.NoError(t, json.Unmarshal([]byte(`{"uid":"bob","name":"Bob","status":"available","scope":"moderator",
		"joinedAt":"1700000001","isBanned":"1","extra":true}`), &m))
	assert.Equal(t, "bob", m.UID)
	assert.Equal(t, StatusOnline, m.Status)
	assert.Equal(t, ScopeModerator, m.Scope)
	assert.Equal(t, UnixTime(1700000001), m.JoinedAt)
	assert.True(t, m.IsBanned)
	assert.Contains(t, string(m.Raw), `"extra":true`)
	b, err := json.Marshal(m)
	require.NoError(t, err)
	var back map[string]any
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, "moderator", back["scope"], "member fields survive encoding")
	assert.Equal(t, "bob", back["uid"])
}

func TestGroupDecodesLenientBooleans(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want bool
	}{{`true`, true}, {`1`, true}, {`"1"`, true}, {`"true"`, true}, {`false`, false}, {`0`, false}, {`null`, false}} {
		var g Group
		require.NoError(t, json.Unmarshal([]byte(`{"guid":"g","hasJoined":`+tc.raw+`,"isBanned":`+tc.raw+`}`), &g))
		assert.Equal(t, tc.want, g.HasJoined, tc.raw)
		assert.Equal(t, tc.want, g.IsBanned, tc.raw)
	}
}

func TestPerIDResultShapes(t *testing.T) {
	for raw, wantErr := range map[string]error{
		`{"success":true,"message":"ok"}`:        nil,
		`"success"`:                              nil,
		`{"success":"true"}`:                     nil,
		`{"data":{"id":"1"}}`:                    nil,
		`{"success":false,"message":"nope"}`:     ErrOperationFailed,
		`{"error":{"code":"ERR_UID_NOT_FOUND"}}`: ErrUIDNotFound,
		`{"code":"ERR_CANNOT_BLOCK_SELF"}`:       ErrCannotBlockSelf,
		`[1,2]`:                                  ErrUnparseableResponse,
	} {
		err := resultError(json.RawMessage(raw), http.MethodPost, "x")
		if wantErr == nil {
			assert.NoError(t, err, raw)
			continue
		}
		assert.True(t, errors.Is(err, wantErr), "%s: got %v", raw, err)
	}
}
