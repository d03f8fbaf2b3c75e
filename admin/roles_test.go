package admin_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/admin"
	"github.com/cometchat-go/cometchat/internal/emulator"
)

func TestRoles(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx := context.Background()
	r, err := e.c.CreateRole(ctx, admin.RoleInput{Role: "Support", Name: "Support", Description: "Helpdesk",
		Metadata: map[string]any{"tier": 2}, Settings: &admin.RoleSettings{ListUsers: admin.AudienceFriends}})
	require.NoError(t, err)
	assert.Equal(t, "support", r.Role)
	assert.Equal(t, admin.AudienceFriends, r.Settings.ListUsers)
	assert.Equal(t, admin.AudienceAll, r.Settings.SendMessagesTo, "unset settings default to all")

	_, err = e.c.CreateRole(ctx, admin.RoleInput{Role: "support", Name: "Again"})
	require.ErrorIs(t, err, cometchat.ErrRoleAlreadyExists)
	_, err = e.c.CreateRole(ctx, admin.RoleInput{Role: "x", Name: "X", Settings: &admin.RoleSettings{ListUsers: "some"}})
	require.ErrorIs(t, err, cometchat.ErrInvalidValue)

	roles, err := admin.Collect(e.c.ListRoles(ctx))
	require.NoError(t, err)
	var ids []string
	for _, r := range roles {
		ids = append(ids, r.Role)
	}
	assert.Equal(t, []string{admin.DefaultRole, "support"}, ids)

	got, err := e.c.GetRole(ctx, "support")
	require.NoError(t, err)
	assert.Equal(t, "Helpdesk", got.Description)
	_, err = e.c.GetRole(ctx, "nope")
	require.ErrorIs(t, err, cometchat.ErrRoleNotFound)

	upd, err := e.c.UpdateRole(ctx, "support", admin.RoleUpdate{Name: "Support team",
		Unset: []admin.RoleField{admin.RoleDescriptionField, admin.RoleSettingsField}})
	require.NoError(t, err)
	assert.Equal(t, "Support team", upd.Name)
	assert.Empty(t, upd.Description)
	assert.Equal(t, admin.AudienceAll, upd.Settings.ListUsers)
	assert.Equal(t, 2.0, upd.Metadata["tier"], "metadata kept")

	res, err := e.c.RestrictFeatures(ctx, "support", "u.listUsers", "u.deleteGroup")
	require.NoError(t, err)
	assert.True(t, res["u.listUsers"].Success)
	feats, err := e.c.ListRestrictedFeatures(ctx, "support")
	require.NoError(t, err)
	require.Len(t, feats, 2)
	assert.Equal(t, "u.deleteGroup", feats[0].Key)
	require.NoError(t, e.c.AllowFeatures(ctx, "support", "u.deleteGroup"))
	feats, err = e.c.ListRestrictedFeatures(ctx, "support")
	require.NoError(t, err)
	require.Len(t, feats, 1)
	require.NoError(t, e.c.AllowFeatures(ctx, "support"))
	feats, err = e.c.ListRestrictedFeatures(ctx, "support")
	require.NoError(t, err)
	assert.Empty(t, feats)

	// A user of a deleted role falls back to the default role.
	_, err = e.c.CreateUser(ctx, admin.UserInput{UID: "agent", Name: "Agent", Role: "support"})
	require.NoError(t, err)
	require.NoError(t, e.c.DeleteRole(ctx, "support"))
	u, err := e.c.GetUser(ctx, "agent")
	require.NoError(t, err)
	assert.Equal(t, admin.DefaultRole, u.Role)
	require.ErrorIs(t, e.c.DeleteRole(ctx, "support"), cometchat.ErrRoleNotFound)

	err = e.c.DeleteRole(ctx, admin.DefaultRole)
	require.Error(t, err)
	var ce *cometchat.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "ERR_ROLE_DELETE_DENIED", ce.Code)
}

func TestFriendsAndBlocks(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx := context.Background()
	for _, uid := range []string{"a", "b", "c"} {
		_, err := e.c.CreateUser(ctx, admin.UserInput{UID: uid, Name: "User " + uid})
		require.NoError(t, err)
	}
	res, err := e.c.AddFriends(ctx, "a", "b", "c", "a", "ghost")
	require.NoError(t, err, "per-uid failures do not fail the call")
	assert.True(t, res["b"].Success)
	assert.True(t, res["c"].Success)
	require.NotNil(t, res["a"].Err)
	assert.ErrorIs(t, res["a"].Err, cometchat.ErrCannotFormSelfRelation)
	assert.ErrorIs(t, res["ghost"].Err, cometchat.ErrUIDNotFound)
	again, err := e.c.AddFriends(ctx, "b", "a")
	require.NoError(t, err)
	assert.ErrorIs(t, again["a"].Err, cometchat.ErrAlreadyFriend, "friendship is mutual")

	fs, err := admin.Collect(e.c.ListFriends(ctx, "a", admin.ListFriendsOptions{SearchKey: "User C"}))
	require.NoError(t, err)
	assert.Equal(t, []string{"c"}, uids(t, fs))

	require.NoError(t, e.c.RemoveFriends(ctx, "a", "b"))
	fs, err = admin.Collect(e.c.ListFriends(ctx, "b", admin.ListFriendsOptions{}))
	require.NoError(t, err)
	assert.Empty(t, fs)
	require.ErrorIs(t, e.c.RemoveFriends(ctx, "a", "b"), cometchat.ErrNotAFriend)

	blk, err := e.c.BlockUsers(ctx, "a", "b", "ghost")
	require.NoError(t, err)
	assert.True(t, blk["b"].Success)
	assert.ErrorIs(t, blk["ghost"].Err, cometchat.ErrUIDNotFound)
	bl, err := admin.Collect(e.c.ListBlockedUsers(ctx, "a"))
	require.NoError(t, err)
	require.Equal(t, []string{"b"}, uids(t, bl))
	assert.True(t, bl[0].BlockedByMe)
	assert.False(t, bl[0].BlockedByMeAt.IsZero())
	_, err = e.c.BlockUsers(ctx, "a", "a")
	require.ErrorIs(t, err, cometchat.ErrCannotBlockSelf)

	un, err := e.c.UnblockUsers(ctx, "a", "b")
	require.NoError(t, err)
	assert.True(t, un["b"].Success)
	bl, err = admin.Collect(e.c.ListBlockedUsers(ctx, "a"))
	require.NoError(t, err)
	assert.Empty(t, bl)
}
