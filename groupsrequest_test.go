package cometchat

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGroupsRequestQuery(t *testing.T) {
	f, c, sent := loggedInFake(t)
	f.reply("GET /v3.0/groups", 200, `{"data":[{"guid":"g1","hasJoined":true,"scope":"admin","membersCount":"3"}],
		"meta":{"pagination":{"total":1,"count":1,"per_page":50,"current_page":1,"total_pages":1}}}`)
	req, err := NewGroupsRequestBuilder().SetLimit(50).SetSearchKeyword("eng team").JoinedOnly(true).
		SetTags("a", "b").WithTags(true).Build(c)
	require.NoError(t, err)
	groups, err := req.FetchNext(context.Background())
	require.NoError(t, err)
	require.Len(t, groups, 1)
	assert.Equal(t, ScopeAdmin, groups[0].Scope)
	assert.Equal(t, Count(3), groups[0].MembersCount)
	assert.False(t, req.HasMore())
	assert.Equal(t, 1, req.Page())
	q, err := url.ParseQuery(sent()[0].Query)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"per_page": {"50"}, "page": {"1"}, "searchKey": {"eng team"}, "hasJoined": {"1"},
		"tags": {"a,b"}, "withTags": {"1"}}, q)
}

func TestGroupMembersRequestQueryAndGUIDStamp(t *testing.T) {
	f, c, sent := loggedInFake(t)
	f.reply("GET /v3.0/groups/team/members", 200, `{"data":[{"uid":"bob","scope":"moderator","joinedAt":10}],
		"meta":{"pagination":{"total":1,"count":1,"per_page":30,"current_page":1,"total_pages":1}}}`)
	req, err := NewGroupMembersRequestBuilder("TEAM").SetScopes(ScopeAdmin, ScopeModerator).
		SetStatus(StatusOnline).SetSearchKeyword("bo").Build(c)
	require.NoError(t, err)
	var got []*GroupMember
	for m, err := range req.All(context.Background()) {
		require.NoError(t, err)
		got = append(got, m)
	}
	require.Len(t, got, 1)
	assert.Equal(t, "team", got[0].GUID, "the SDK fills in the guid like the official one")
	assert.Equal(t, ScopeModerator, got[0].Scope)
	q, err := url.ParseQuery(sent()[0].Query)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"per_page": {"30"}, "page": {"1"}, "searchKey": {"bo"}, "scopes": {"admin,moderator"},
		"status": {"available"}}, q, "online goes out as available")
}

func TestBannedMembersRequestQuery(t *testing.T) {
	f, c, sent := loggedInFake(t)
	f.reply("GET /v3.0/groups/team/bannedusers", 200, `{"data":[]}`)
	req, err := NewBannedMembersRequestBuilder("x").SetGUID("team").SetLimit(5).SetScopes(ScopeParticipant).Build(c)
	require.NoError(t, err)
	ms, err := req.FetchNext(context.Background())
	require.NoError(t, err)
	assert.Empty(t, ms)
	assert.False(t, req.HasMore(), "an empty page ends the list")
	assert.Equal(t, "/v3.0/groups/team/bannedusers", sent()[0].Path)
	q, err := url.ParseQuery(sent()[0].Query)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"per_page": {"5"}, "page": {"1"}, "scopes": {"participant"}}, q)
}

func TestListBuildersValidateLocally(t *testing.T) {
	_, c, sent := loggedInFake(t)
	for name, tc := range map[string]struct {
		build func() error
		want  *Error
	}{
		"groups limit over 100": {func() error { _, err := NewGroupsRequestBuilder().SetLimit(101).Build(c); return err }, ErrLimitExceeded},
		"groups negative page":  {func() error { _, err := NewGroupsRequestBuilder().SetPage(-1).Build(c); return err }, ErrInvalidValue},
		"groups empty tag":      {func() error { _, err := NewGroupsRequestBuilder().SetTags("").Build(c); return err }, ErrInvalidValue},
		"members bad guid":      {func() error { _, err := NewGroupMembersRequestBuilder("a b").Build(c); return err }, ErrInvalidGUID},
		"members no guid":       {func() error { _, err := NewGroupMembersRequestBuilder("").Build(c); return err }, ErrInvalidGUID},
		"members limit 101": {func() error {
			_, err := NewGroupMembersRequestBuilder("g").SetLimit(101).Build(c)
			return err
		}, ErrLimitExceeded},
		"members bad scope": {func() error {
			_, err := NewGroupMembersRequestBuilder("g").SetScopes("member").Build(c)
			return err
		}, ErrInvalidValue},
		"members bad status": {func() error {
			_, err := NewGroupMembersRequestBuilder("g").SetStatus("away").Build(c)
			return err
		}, ErrInvalidValue},
		"banned limit 500": {func() error {
			_, err := NewBannedMembersRequestBuilder("g").SetLimit(500).Build(c)
			return err
		}, ErrLimitExceeded},
		"banned nil client": {func() error { _, err := NewBannedMembersRequestBuilder("g").Build(nil); return err }, ErrMissingParameters},
		"users limit 101":   {func() error { _, err := NewUsersRequestBuilder().SetLimit(101).Build(c); return err }, ErrLimitExceeded},
		"users bad status":  {func() error { _, err := NewUsersRequestBuilder().SetStatus("busy").Build(c); return err }, ErrInvalidValue},
		"users bad uid":     {func() error { _, err := NewUsersRequestBuilder().SetUIDs("a b").Build(c); return err }, ErrInvalidUID},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.build()
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
		})
	}
	assert.Empty(t, sent(), "building never sends")
}
