package admin_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/admin"
	"github.com/cometchat-go/cometchat/internal/emulator"
)

func uids(t *testing.T, users []*cometchat.User) []string {
	t.Helper()
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.UID
	}
	return out
}

func TestNewValidates(t *testing.T) {
	cases := []struct {
		name   string
		appID  string
		region string
		key    string
		opts   []admin.Option
		code   *cometchat.Error
	}{
		{"no app", "", "eu", "k", nil, cometchat.ErrInvalidAppSettings},
		{"bad app", "a/b", "eu", "k", nil, cometchat.ErrInvalidAppSettings},
		{"bad region", "app", "mars", "k", nil, cometchat.ErrInvalidAppSettings},
		{"no key", "app", "eu", "", nil, cometchat.ErrAPIKeyNotSet},
		{"http without AllowInsecure", "app", "eu", "k", []admin.Option{admin.WithBaseURL("http://127.0.0.1:1/v3")},
			cometchat.ErrInvalidAppSettings},
		{"relative base", "app", "eu", "k", []admin.Option{admin.WithBaseURL("/v3")}, cometchat.ErrInvalidAppSettings},
		{"nil client", "app", "eu", "k", []admin.Option{admin.WithHTTPClient(nil)}, cometchat.ErrInvalidAppSettings},
		{"zero timeout", "app", "eu", "k", []admin.Option{admin.WithTimeout(0)}, cometchat.ErrInvalidAppSettings},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := admin.New(tc.appID, tc.region, tc.key, tc.opts...)
			require.ErrorIs(t, err, tc.code)
		})
	}
	c, err := admin.New("myapp", "US", "secret-rest-api-key-123")
	require.NoError(t, err)
	assert.Equal(t, "https://myapp.api-us.cometchat.io/v3", c.BaseURL())
	for _, s := range []string{c.String(), c.GoString(), c.As("bot").String()} {
		assert.NotContains(t, s, "secret-rest-api-key-123")
	}
	assert.Contains(t, c.As("Bot").String(), "on behalf of bot")
}

func TestCreateGetUpdateUser(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx := context.Background()
	u, err := e.c.CreateUser(ctx, admin.UserInput{UID: "Ada-42", Name: "Ada Lovelace",
		Avatar: "https://cdn.example.com/ada.png", Link: "https://example.com/ada", Role: "default",
		StatusMessage: "Shipping", Metadata: map[string]any{"dept": "eng"}, Tags: []string{"beta", "staff"}})
	require.NoError(t, err)
	assert.Equal(t, "ada-42", u.UID, "stored lower-cased")
	assert.Equal(t, cometchat.StatusOffline, u.Status)
	assert.Equal(t, []string{"beta", "staff"}, u.Tags)
	assert.False(t, u.CreatedAt.IsZero())

	_, err = e.c.CreateUser(ctx, admin.UserInput{UID: "ADA-42", Name: "Again"})
	require.ErrorIs(t, err, cometchat.ErrUIDAlreadyExists)
	var ce *cometchat.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, http.StatusBadRequest, ce.Status)

	got, err := e.c.GetUser(ctx, "ADA-42")
	require.NoError(t, err)
	assert.Equal(t, "Ada Lovelace", got.Name)
	assert.Equal(t, "eng", got.Metadata["dept"])

	upd, err := e.c.UpdateUser(ctx, "ada-42", admin.UserUpdate{Name: "Ada King", Tags: []string{},
		Unset: []admin.UserField{admin.UserAvatar, admin.UserMetadata}})
	require.NoError(t, err)
	assert.Equal(t, "Ada King", upd.Name)
	assert.Empty(t, upd.Avatar)
	assert.Empty(t, upd.Metadata)
	assert.Empty(t, upd.Tags, "an empty non-nil Tags clears the tags")
	assert.Equal(t, "https://example.com/ada", upd.Link, "fields not mentioned are kept")
	assert.False(t, upd.UpdatedAt.IsZero())

	_, err = e.c.GetUser(ctx, "nobody")
	require.ErrorIs(t, err, cometchat.ErrUIDNotFound)
}

func TestLocalValidationSendsNothing(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx := context.Background()
	var seen int
	remove := e.s.OnRequest(func(emulator.RequestRecord) { seen++ })
	defer remove()
	_, err := e.c.CreateUser(ctx, admin.UserInput{UID: "has space", Name: "x"})
	require.ErrorIs(t, err, cometchat.ErrInvalidUID)
	_, err = e.c.CreateUser(ctx, admin.UserInput{UID: "ok"})
	require.ErrorIs(t, err, cometchat.ErrMissingParameters)
	_, err = e.c.GetUser(ctx, strings.Repeat("x", 101))
	require.ErrorIs(t, err, cometchat.ErrInvalidUID)
	_, err = e.c.UpdateUser(ctx, "ok", admin.UserUpdate{Unset: []admin.UserField{"name"}})
	require.ErrorIs(t, err, cometchat.ErrInvalidValue)
	_, err = e.c.DeactivateUsers(ctx)
	require.ErrorIs(t, err, cometchat.ErrMissingParameters)
	_, err = e.c.As("bad uid").GetUser(ctx, "ok")
	require.ErrorIs(t, err, cometchat.ErrInvalidUID)
	_, err = admin.Collect(e.c.ListUsers(ctx, admin.ListUsersOptions{PerPage: 1001}))
	require.ErrorIs(t, err, cometchat.ErrLimitExceeded)
	_, err = admin.Collect(e.c.ListUsers(ctx, admin.ListUsersOptions{Status: "online"}))
	require.ErrorIs(t, err, cometchat.ErrInvalidValue)
	assert.Zero(t, seen, "no request reached the service")
}

func TestListUsersFiltersAndPages(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx := context.Background()
	_, err := e.c.CreateRole(ctx, admin.RoleInput{Role: "staff", Name: "Staff"})
	require.NoError(t, err)
	for i, in := range []admin.UserInput{
		{UID: "u1", Name: "Alice", Role: "staff", Tags: []string{"a", "b"}},
		{UID: "u2", Name: "Bob", Tags: []string{"a"}},
		{UID: "u3", Name: "Alina", Role: "staff"},
		{UID: "u4", Name: "Carl"},
		{UID: "u5", Name: "Dora"},
	} {
		_, err := e.c.CreateUser(ctx, in)
		require.NoError(t, err, i)
	}
	list := func(o admin.ListUsersOptions) []string {
		t.Helper()
		us, err := admin.Collect(e.c.ListUsers(ctx, o))
		require.NoError(t, err)
		return uids(t, us)
	}
	assert.Equal(t, []string{"u1", "u2", "u3", "u4", "u5"}, list(admin.ListUsersOptions{}))
	assert.Equal(t, []string{"u1", "u2", "u3", "u4", "u5"}, list(admin.ListUsersOptions{PerPage: 2}), "3 pages")
	assert.Equal(t, []string{"u3", "u4", "u5"}, list(admin.ListUsersOptions{PerPage: 2, Page: 2}))
	assert.Equal(t, []string{"u1", "u3"}, list(admin.ListUsersOptions{SearchKey: "al"}))
	assert.Empty(t, list(admin.ListUsersOptions{SearchKey: "al", SearchIn: []string{"uid"}}))
	assert.Equal(t, []string{"u1", "u3"}, list(admin.ListUsersOptions{Role: "staff"}))
	assert.Equal(t, []string{"u1", "u3"}, list(admin.ListUsersOptions{Roles: []string{"staff", "nope"}}), "roles match ANY")
	assert.Equal(t, []string{"u1"}, list(admin.ListUsersOptions{Tags: []string{"a", "b"}}), "tags match ALL")
	assert.Equal(t, []string{"u1", "u2", "u3", "u4", "u5"}, list(admin.ListUsersOptions{Status: admin.FilterOffline}))
	assert.Empty(t, list(admin.ListUsersOptions{Status: admin.FilterAvailable}))

	// Stopping the loop early stops the fetching.
	n := 0
	for _, err := range e.c.ListUsers(ctx, admin.ListUsersOptions{PerPage: 1}) {
		require.NoError(t, err)
		n++
		if n == 2 {
			break
		}
	}
	assert.Equal(t, 2, n)
}

func TestDeactivateReactivateDelete(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx := context.Background()
	for _, uid := range []string{"a", "b", "c"} {
		_, err := e.c.CreateUser(ctx, admin.UserInput{UID: uid, Name: strings.ToUpper(uid)})
		require.NoError(t, err)
	}
	tok, err := e.c.CreateAuthToken(ctx, "a", true)
	require.NoError(t, err)

	done, err := e.c.DeactivateUsers(ctx, "a", "b", "nobody")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"a", "b"}, done)
	_, err = e.c.GetUser(ctx, "a")
	require.ErrorIs(t, err, cometchat.ErrUIDNotFound, "a deactivated user is not found")
	all, err := admin.Collect(e.c.ListUsers(ctx, admin.ListUsersOptions{}))
	require.NoError(t, err)
	assert.Equal(t, []string{"c"}, uids(t, all))
	only, err := admin.Collect(e.c.ListUsers(ctx, admin.ListUsersOptions{OnlyDeactivated: true}))
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, uids(t, only))
	with, err := admin.Collect(e.c.ListUsers(ctx, admin.ListUsersOptions{WithDeactivated: true}))
	require.NoError(t, err)
	assert.Len(t, with, 3)
	// The deactivated user's token is refused.
	_, err = loginWithToken(t, e, tok.Token)
	require.ErrorIs(t, err, cometchat.ErrAuthTokenNotFound)

	not, err := e.c.ReactivateUsers(ctx, "a", "c")
	require.NoError(t, err)
	assert.Equal(t, []string{"c"}, not, "c was not deactivated")
	_, err = e.c.GetUser(ctx, "a")
	require.NoError(t, err)
	_, err = loginWithToken(t, e, tok.Token)
	require.NoError(t, err, "the token works again after reactivation")

	// Soft delete keeps the uid reserved; permanent delete frees it.
	require.NoError(t, e.c.DeleteUser(ctx, "c", false))
	_, err = e.c.GetUser(ctx, "c")
	require.ErrorIs(t, err, cometchat.ErrUIDNotFound)
	_, err = e.c.CreateUser(ctx, admin.UserInput{UID: "c", Name: "C"})
	require.ErrorIs(t, err, cometchat.ErrUIDAlreadyExists)
	require.NoError(t, e.c.DeleteUser(ctx, "c", true))
	_, err = e.c.CreateUser(ctx, admin.UserInput{UID: "c", Name: "C again"})
	require.NoError(t, err)
	require.ErrorIs(t, e.c.DeleteUser(ctx, "nobody", true), cometchat.ErrUIDNotFound)
}

// loginWithToken logs a cometchat.Client in on the emulator with an auth token.
func loginWithToken(t *testing.T, e *emu, token string) (*cometchat.User, error) {
	t.Helper()
	cl, err := cometchat.Init(cometchat.AppSettings{AppID: testAppID, AllowInsecure: true, DisableAutoConnect: true,
		Endpoints: cometchat.Endpoints{ClientAPI: e.url + "/v3.0", AdminAPI: e.url + "/v3.0"}})
	require.NoError(t, err)
	defer cl.Close()
	return cl.LoginWithAuthToken(context.Background(), token)
}

func TestScopesAndKeys(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx := context.Background()
	// The Auth Key (authOnly) may create users and auth tokens, nothing else.
	_, err := e.ak.CreateUser(ctx, admin.UserInput{UID: "ak", Name: "Created with the Auth Key"})
	require.NoError(t, err)
	_, err = e.ak.CreateAuthToken(ctx, "ak", false)
	require.NoError(t, err)
	for name, call := range map[string]func() error{
		"get user":    func() error { _, err := e.ak.GetUser(ctx, "ak"); return err },
		"update user": func() error { _, err := e.ak.UpdateUser(ctx, "ak", admin.UserUpdate{Name: "x"}); return err },
		"list users":  func() error { _, err := admin.Collect(e.ak.ListUsers(ctx, admin.ListUsersOptions{})); return err },
		"delete user": func() error { return e.ak.DeleteUser(ctx, "ak", false) },
		"list tokens": func() error { _, err := admin.Collect(e.ak.ListAuthTokens(ctx, "ak")); return err },
		"flush":       func() error { return e.ak.FlushAuthTokens(ctx, "ak") },
		"roles":       func() error { _, err := admin.Collect(e.ak.ListRoles(ctx)); return err },
		"friends":     func() error { _, err := e.ak.AddFriends(ctx, "ak", "x"); return err },
		"block":       func() error { _, err := e.ak.BlockUsers(ctx, "ak", "x"); return err },
		"deactivate":  func() error { _, err := e.ak.DeactivateUsers(ctx, "ak"); return err },
	} {
		err := call()
		require.ErrorIs(t, err, cometchat.ErrAuthNoAccess, name)
		var ce *cometchat.Error
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, http.StatusForbidden, ce.Status, name)
		assert.NotContains(t, err.Error(), testAuthKey, "the key is never echoed")
	}

	// An unknown key.
	bad, err := admin.New(testAppID, "eu", "wrong-key-wrong-key-wrong-key", admin.WithBaseURL(e.url+"/v3"),
		admin.WithAllowInsecure())
	require.NoError(t, err)
	_, err = bad.GetUser(ctx, "ak")
	require.ErrorIs(t, err, cometchat.ErrAuthAPIKeyNotFound)
	assert.NotContains(t, err.Error(), "wrong-key-wrong-key-wrong-key")
}

func TestKeyNeverLogged(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEmu(t, emulator.Config{}, admin.WithLogger(log))
	ctx := context.Background()
	_, err := e.c.GetUser(ctx, "nobody")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testRESTKey)
	_, err = e.c.CreateUser(ctx, admin.UserInput{UID: "x", Name: "X"})
	require.NoError(t, err)
	assert.NotEmpty(t, buf.String(), "requests are logged")
	assert.NotContains(t, buf.String(), testRESTKey)
}

func TestOnBehalfOfGetUser(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx := context.Background()
	for _, uid := range []string{"alice", "bob"} {
		_, err := e.c.CreateUser(ctx, admin.UserInput{UID: uid, Name: uid})
		require.NoError(t, err)
	}
	_, err := e.c.BlockUsers(ctx, "alice", "bob")
	require.NoError(t, err)
	asAlice := e.c.As("Alice")
	assert.Equal(t, "alice", asAlice.Actor())
	bob, err := asAlice.GetUser(ctx, "bob")
	require.NoError(t, err)
	assert.True(t, bob.BlockedByMe, "block info relative to the acting user")
	assert.Equal(t, "alice_user_bob", bob.ConversationID)
	plain, err := e.c.GetUser(ctx, "bob")
	require.NoError(t, err)
	assert.False(t, plain.BlockedByMe)
	_, err = e.c.As("ghost").GetUser(ctx, "bob")
	require.ErrorIs(t, err, cometchat.ErrUIDNotFound, "the acting user must exist")
	// Endpoints without onBehalfOf ignore it.
	_, err = e.c.As("ghost").CreateUser(ctx, admin.UserInput{UID: "carol", Name: "Carol"})
	require.NoError(t, err)
}
