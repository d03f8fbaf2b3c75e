package admin_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/admin"
	"github.com/cometchat-go/cometchat/internal/emulator"
)

func TestAuthTokens(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx := context.Background()
	u, tok, err := e.c.CreateUserWithAuthToken(ctx, admin.UserInput{UID: "ada", Name: "Ada"})
	require.NoError(t, err)
	assert.Equal(t, "ada", u.UID)
	assert.Regexp(t, `^ada_\d{10}[0-9a-f]+$`, tok.Token)
	for _, s := range []string{tok.String(), fmt.Sprintf("%v %+v %#v %s", tok, tok, tok, tok)} {
		assert.NotContains(t, s, tok.Token, "String and the fmt verbs hide the token")
	}

	same, err := e.c.CreateAuthToken(ctx, "ADA", false)
	require.NoError(t, err)
	assert.Equal(t, tok.Token, same.Token, "without force the newest token is returned")
	fresh, err := e.c.CreateAuthToken(ctx, "ada", true)
	require.NoError(t, err)
	assert.NotEqual(t, tok.Token, fresh.Token)

	list, err := admin.Collect(e.c.ListAuthTokens(ctx, "ada"))
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, fresh.Token, list[0].Token, "newest first")

	got, err := e.c.GetAuthToken(ctx, "ada", tok.Token)
	require.NoError(t, err)
	assert.Equal(t, "ada", got.UID)
	_, err = e.c.GetAuthToken(ctx, "ada", "ada_nope")
	require.ErrorIs(t, err, cometchat.ErrAuthTokenIDNotFound)

	upd, err := e.c.UpdateAuthToken(ctx, "ada", tok.Token, admin.TokenDevice{Platform: "go", UserAgent: "test"})
	require.NoError(t, err)
	assert.Equal(t, tok.Token, upd.Token)
	_, err = e.c.UpdateAuthToken(ctx, "ada", tok.Token, admin.TokenDevice{})
	require.ErrorIs(t, err, cometchat.ErrMissingParameters)

	// The first token logs in; deleting it revokes it at once.
	me, err := loginWithToken(t, e, tok.Token)
	require.NoError(t, err)
	assert.Equal(t, "ada", me.UID)
	require.NoError(t, e.c.DeleteAuthToken(ctx, "ada", tok.Token))
	_, err = loginWithToken(t, e, tok.Token)
	require.ErrorIs(t, err, cometchat.ErrAuthTokenNotFound)
	_, err = loginWithToken(t, e, fresh.Token)
	require.NoError(t, err)

	// Flush revokes the rest.
	require.NoError(t, e.c.FlushAuthTokens(ctx, "ada"))
	_, err = loginWithToken(t, e, fresh.Token)
	require.ErrorIs(t, err, cometchat.ErrAuthTokenNotFound)
	list, err = admin.Collect(e.c.ListAuthTokens(ctx, "ada"))
	require.NoError(t, err)
	assert.Empty(t, list)

	_, err = e.c.CreateAuthToken(ctx, "nobody", false)
	require.ErrorIs(t, err, cometchat.ErrUIDNotFound)
	_, err = e.c.GetAuthToken(ctx, "ada", "")
	require.ErrorIs(t, err, cometchat.ErrMissingParameters)
}

// TestAuthenticationGuideFlow follows CometChat's authentication guide end to end: a user registers
// in your app (create the CometChat user), logs in (issue an auth token, which the app passes to
// LoginWithAuthToken), and accepts a friend request (add both as friends).
func TestAuthenticationGuideFlow(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx := context.Background()

	// Registration in your app.
	_, err := e.c.CreateUser(ctx, admin.UserInput{UID: "grace", Name: "Grace Hopper"})
	require.NoError(t, err)
	_, err = e.c.CreateUser(ctx, admin.UserInput{UID: "alan", Name: "Alan Turing"})
	require.NoError(t, err)

	// Login in your app: your server mints a token and hands it to the client.
	tok, err := e.c.CreateAuthToken(ctx, "grace", false)
	require.NoError(t, err)
	me, err := loginWithToken(t, e, tok.Token)
	require.NoError(t, err)
	assert.Equal(t, "grace", me.UID)
	assert.Equal(t, "Grace Hopper", me.Name)

	// A friend request accepted in your app.
	res, err := e.c.AddFriends(ctx, "grace", "alan")
	require.NoError(t, err)
	require.Contains(t, res, "alan")
	assert.True(t, res["alan"].Success)
	for _, pair := range [][2]string{{"grace", "alan"}, {"alan", "grace"}} {
		fs, err := admin.Collect(e.c.ListFriends(ctx, pair[0], admin.ListFriendsOptions{}))
		require.NoError(t, err)
		assert.Equal(t, []string{pair[1]}, uids(t, fs), "friendship is mutual")
	}
}
