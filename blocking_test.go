package cometchat

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBlockAndUnblockSendBlockedUIDsAndReturnPerUIDResults(t *testing.T) {
	f, c, sent := loggedInFake(t)
	f.reply("POST /v3.0/blockedusers", 200, `{"data":{"bob":{"success":true,"message":"blocked"},
		"ghost":{"success":false,"message":"no such user","error":{"code":"ERR_UID_NOT_FOUND","message":"no such user"}}}}`)
	f.reply("DELETE /v3.0/blockedusers", 200, `{"data":{"bob":{"success":true,"message":"unblocked"}}}`)
	ctx := context.Background()
	res, err := c.BlockUsers(ctx, "Bob", "ghost")
	require.NoError(t, err)
	assert.Len(t, res, 2)
	assert.NoError(t, res["bob"])
	assert.ErrorIs(t, res["ghost"], ErrUIDNotFound)
	res, err = c.UnblockUsers(ctx, "bob")
	require.NoError(t, err)
	assert.Equal(t, map[string]error{"bob": nil}, res)
	reqs := sent()
	require.Len(t, reqs, 2)
	assert.Equal(t, map[string]any{"blockedUids": []any{"bob", "ghost"}}, jsonBody(t, reqs[0]), "uids lower-cased")
	assert.Equal(t, "DELETE", reqs[1].Method)
	assert.Equal(t, map[string]any{"blockedUids": []any{"bob"}}, jsonBody(t, reqs[1]), "DELETE carries a body too")
}

func TestBlockWholeCallErrorsAndLocalValidation(t *testing.T) {
	f, c, sent := loggedInFake(t)
	f.reply("POST /v3.0/blockedusers", 401, `{"error":{"code":"ERR_CANNOT_BLOCK_SELF","message":"self"}}`)
	_, err := c.BlockUsers(context.Background(), "alice")
	assert.ErrorIs(t, err, ErrCannotBlockSelf)
	n := len(sent())
	_, err = c.BlockUsers(context.Background())
	assert.ErrorIs(t, err, ErrMissingParameters)
	_, err = c.UnblockUsers(context.Background(), "ok", "not ok")
	assert.ErrorIs(t, err, ErrInvalidUID)
	assert.Len(t, sent(), n, "invalid input sends nothing")
}

func TestBlockedUsersRequestQuery(t *testing.T) {
	f, c, sent := loggedInFake(t)
	f.reply("GET /v3.0/blockedusers", 200, `{"data":[{"uid":"bob","blockedByMe":true,"blockedByMeAt":5}],
		"meta":{"pagination":{"total":1,"count":1,"per_page":20,"current_page":2,"total_pages":2}}}`)
	req, err := NewBlockedUsersRequestBuilder().SetLimit(20).SetPage(1).SetSearchKeyword("b o").
		SetDirection(BlockedByMe).Build(c)
	require.NoError(t, err)
	users, err := req.FetchNext(context.Background())
	require.NoError(t, err)
	require.Len(t, users, 1)
	assert.True(t, users[0].BlockedByMe)
	assert.Equal(t, UnixTime(5), users[0].BlockedByMeAt)
	assert.False(t, req.HasMore(), "page 2 of 2 was the last")
	q, err := url.ParseQuery(sent()[0].Query)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"per_page": {"20"}, "page": {"2"}, "searchKey": {"b o"}, "direction": {"blockedByMe"}}, q)

	for name, b := range map[string]*BlockedUsersRequestBuilder{
		"direction":  NewBlockedUsersRequestBuilder().SetDirection("sideways"),
		"limit":      NewBlockedUsersRequestBuilder().SetLimit(101),
		"page":       NewBlockedUsersRequestBuilder().SetPage(-1),
		"no keyword": NewBlockedUsersRequestBuilder().SetSearchKeyword("   "),
	} {
		_, err := b.Build(c)
		assert.Error(t, err, name)
	}
	_, err = NewBlockedUsersRequestBuilder().SetLimit(101).Build(c)
	assert.ErrorIs(t, err, ErrLimitExceeded)
	_, err = NewBlockedUsersRequestBuilder().Build(nil)
	assert.ErrorIs(t, err, ErrMissingParameters)
}
