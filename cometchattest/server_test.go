package cometchattest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/cometchattest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestLoginBothWaysPlainAndTLS(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []cometchattest.Option
	}{{"plain", nil}, {"tls", []cometchattest.Option{cometchattest.WithTLS()}}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := cometchattest.NewServer(t, tc.opts...)
			srv.CreateUser(t, "Alice", "Alice")
			srv.CreateUser(t, "bob", "Bob")
			ctx := context.Background()

			alice := srv.NewClient(t)
			u, err := alice.Login(ctx, "alice", srv.AuthKey())
			require.NoError(t, err)
			assert.Equal(t, "alice", u.UID, "the service lower-cases uids")
			assert.Equal(t, "Alice", u.Name)

			bob := srv.NewClient(t)
			u, err = bob.LoginWithAuthToken(ctx, srv.IssueAuthToken(t, "bob"))
			require.NoError(t, err)
			assert.Equal(t, "bob", u.UID)

			got, err := alice.GetUser(ctx, "BOB")
			require.NoError(t, err)
			assert.Equal(t, "Bob", got.Name)
			assert.NotEmpty(t, got.Raw)

			if tc.name == "tls" {
				// Nothing was pinned: the REST calls after login went where the server's settings said.
				assert.NotEmpty(t, alice.ServerSettings().String(cometchat.SettingClientAPIHost))
			}
			require.NoError(t, alice.Logout(ctx))
			require.NoError(t, bob.Logout(ctx))
		})
	}
}

func TestServiceCodesThroughTheSDK(t *testing.T) {
	srv := cometchattest.NewServer(t)
	srv.CreateUser(t, "alice", "Alice")
	ctx := context.Background()
	c := srv.NewClient(t)

	_, err := c.CreateUser(ctx, &cometchat.User{UID: "alice", Name: "Again"}, srv.AuthKey())
	assert.ErrorIs(t, err, cometchat.ErrUIDAlreadyExists)
	var e *cometchat.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 400, e.Status)

	_, err = c.Login(ctx, "nobody", srv.AuthKey())
	assert.ErrorIs(t, err, cometchat.ErrUIDNotFound)

	_, err = c.Login(ctx, "alice", "wrong-key-000000000000000000000000000000")
	assert.ErrorIs(t, err, cometchat.ErrAuthAPIKeyNotFound)

	_, err = c.LoginWithAuthToken(ctx, "alice_1700000000deadbeef")
	assert.ErrorIs(t, err, cometchat.ErrAuthTokenNotFound)

	_, err = c.UpdateUser(ctx, &cometchat.User{UID: "alice", Name: "New"}, srv.AuthKey())
	assert.ErrorIs(t, err, cometchat.ErrAuthNoAccess, "the Auth Key may not update users by default")
	u, err := c.UpdateUser(ctx, &cometchat.User{UID: "alice", Name: "New"}, srv.RESTAPIKey())
	require.NoError(t, err)
	assert.Equal(t, "New", u.Name)

	created, err := c.CreateUser(ctx, &cometchat.User{UID: "Carol-1", Name: "Carol", Tags: []string{"vip"}, Metadata: map[string]any{"plan": "pro"}}, srv.AuthKey())
	require.NoError(t, err)
	assert.Equal(t, "carol-1", created.UID)
	assert.Equal(t, []string{"vip"}, created.Tags)

	alice := srv.Login(t, "alice")
	_, err = alice.GetUser(ctx, "nobody")
	assert.ErrorIs(t, err, cometchat.ErrUIDNotFound)
}

func TestLogoutKeepsTokenValidAndUpdateMe(t *testing.T) {
	srv := cometchattest.NewServer(t)
	srv.CreateUser(t, "alice", "Alice")
	ctx := context.Background()
	c := srv.Login(t, "alice")
	tok := c.AuthToken()
	me, err := c.UpdateMe(ctx, &cometchat.User{Name: "Alice A.", StatusMessage: "busy"})
	require.NoError(t, err)
	assert.Equal(t, "Alice A.", me.Name)
	local, ok := c.Me()
	require.True(t, ok)
	assert.Equal(t, "Alice A.", local.Name)

	require.NoError(t, c.Logout(ctx))
	_, err = c.GetUser(ctx, "alice")
	assert.ErrorIs(t, err, cometchat.ErrNotLoggedIn)
	// The service does not revoke the token on logout (client-protocol.md §3.5).
	u, err := c.LoginWithAuthToken(ctx, tok)
	require.NoError(t, err)
	assert.Equal(t, "Alice A.", u.Name)
}

func TestManyClientsInOneProcess(t *testing.T) {
	srv := cometchattest.NewServer(t)
	ctx := context.Background()
	const n = 20
	clients := make([]*cometchat.Client, n)
	for i := range clients {
		uid := "user-" + string(rune('a'+i))
		srv.CreateUser(t, uid, uid)
		clients[i] = srv.Login(t, uid)
	}
	for i, c := range clients {
		me, ok := c.Me()
		require.True(t, ok)
		assert.Equal(t, "user-"+string(rune('a'+i)), me.UID)
		_, err := c.GetUser(ctx, "user-a")
		require.NoError(t, err)
	}
}
