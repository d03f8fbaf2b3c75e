package cometchat

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// usersFake is a fake service with alice logged in; it returns the requests sent after login.
func usersFake(t *testing.T) (*fakeService, *Client, func() []recorded) {
	t.Helper()
	f, c := loginFake(t)
	_, err := c.LoginWithAuthToken(context.Background(), testToken)
	require.NoError(t, err)
	before := len(f.recorded())
	return f, c, func() []recorded { return f.recorded()[before:] }
}

func TestUsersRequestSendsEveryFilterAsTheWireSpellsIt(t *testing.T) {
	f, c, sent := usersFake(t)
	f.reply("GET /v3.0/users", 200, `{"data":[{"uid":"bob","name":"Bob","status":"available","tags":["x"]}],
		"meta":{"pagination":{"total":1,"count":1,"per_page":40,"current_page":3,"total_pages":3}}}`)
	req, err := NewUsersRequestBuilder().SetLimit(40).SetSearchKeyword("bo b&c").SearchIn(SearchInName, SearchInUID).
		SetStatus(StatusOnline).HideBlockedUsers(true).SetRoles("vip", "staff").FriendsOnly(true).
		SetTags("x", "y").WithTags(true).SetUIDs("Bob", "carol").SortBy(SortByName).SortOrder(SortDesc).
		SetPage(2).Build(c)
	require.NoError(t, err)
	users, err := req.FetchNext(context.Background())
	require.NoError(t, err)
	require.Len(t, users, 1)
	assert.Equal(t, StatusOnline, users[0].Status, "available decodes as online")
	assert.False(t, req.HasMore(), "page 3 of 3 ends the list without another request")
	assert.Equal(t, 3, req.Page())

	reqs := sent()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/v3.0/users", reqs[0].Path)
	q, err := url.ParseQuery(reqs[0].Query)
	require.NoError(t, err)
	assert.Equal(t, url.Values{
		"per_page": {"40"}, "page": {"3"}, // SetPage(2) is the third page, as in the official SDK
		"searchKey": {"bo b&c"}, "searchIn": {"name,uid"}, "status": {"available"},
		"hideBlockedUsers": {"1"}, "roles": {"vip,staff"}, "friendsOnly": {"1"},
		"tags": {"x,y"}, "withTags": {"1"}, "uids": {"bob,carol"}, "sortBy": {"name"}, "sortOrder": {"desc"},
	}, q)
}

func TestUsersRequestDefaultsSendOnlyThePage(t *testing.T) {
	f, c, sent := usersFake(t)
	f.reply("GET /v3.0/users", 200, `{"data":[],"meta":{"pagination":{"total":0,"count":0,"per_page":30,"current_page":1,"total_pages":0}}}`)
	req, err := NewUsersRequestBuilder().SetStatus(StatusOffline).Build(c)
	require.NoError(t, err)
	users, err := req.FetchNext(context.Background())
	require.NoError(t, err)
	assert.Empty(t, users)
	assert.False(t, req.HasMore())
	q, err := url.ParseQuery(sent()[0].Query)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"per_page": {"30"}, "page": {"1"}, "status": {"offline"}}, q)
}

func TestUsersRequestBuildFailsLocally(t *testing.T) {
	_, c, sent := usersFake(t)
	for name, tc := range map[string]struct {
		b    *UsersRequestBuilder
		want *Error
	}{
		"limit over 100":  {NewUsersRequestBuilder().SetLimit(101), ErrLimitExceeded},
		"negative limit":  {NewUsersRequestBuilder().SetLimit(-1), ErrInvalidValue},
		"negative page":   {NewUsersRequestBuilder().SetPage(-1), ErrInvalidValue},
		"bad status":      {NewUsersRequestBuilder().SetStatus("available"), ErrInvalidValue},
		"bad search in":   {NewUsersRequestBuilder().SearchIn("email"), ErrInvalidValue},
		"bad sort key":    {NewUsersRequestBuilder().SortBy("createdAt"), ErrInvalidValue},
		"bad sort order":  {NewUsersRequestBuilder().SortOrder("up"), ErrInvalidValue},
		"blank keyword":   {NewUsersRequestBuilder().SetSearchKeyword("   "), ErrInvalidValue},
		"empty role":      {NewUsersRequestBuilder().SetRoles("vip", ""), ErrInvalidValue},
		"empty tag":       {NewUsersRequestBuilder().SetTags(""), ErrInvalidValue},
		"invalid uid":     {NewUsersRequestBuilder().SetUIDs("ok", "not ok"), ErrInvalidUID},
		"uid too long":    {NewUsersRequestBuilder().SetUIDs(string(make([]byte, 101))), ErrInvalidUID},
		"max limit is ok": {NewUsersRequestBuilder().SetLimit(100), nil},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tc.b.Build(c)
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.want)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.True(t, e.Local)
		})
	}
	_, err := NewUsersRequestBuilder().Build(nil)
	require.ErrorIs(t, err, ErrMissingParameters)
	assert.Empty(t, sent(), "building never sends")
}
