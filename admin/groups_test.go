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

func seedUsers(t *testing.T, e *emu, uids ...string) {
	t.Helper()
	for _, uid := range uids {
		_, err := e.c.CreateUser(context.Background(), admin.UserInput{UID: uid, Name: "User " + uid})
		require.NoError(t, err)
	}
}

func members(t *testing.T, e *emu, guid string) map[string]admin.Scope {
	t.Helper()
	ms, err := admin.Collect(e.c.ListMembers(context.Background(), guid, admin.ListMembersOptions{}))
	require.NoError(t, err)
	out := map[string]admin.Scope{}
	for _, m := range ms {
		out[m.UID] = m.Scope
	}
	return out
}

func TestGroupsAndMembers(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx := context.Background()
	seedUsers(t, e, "owner", "mod", "p1", "p2", "outsider")

	// With onBehalfOf the acting user owns the group.
	g, err := e.c.As("owner").CreateGroup(ctx, admin.GroupInput{GUID: "Team-1", Name: "Team", Type: admin.GroupPrivate,
		Members: &admin.MembersInput{Moderators: []string{"mod"}, Participants: []string{"p1", "ghost"}}})
	require.NoError(t, err)
	assert.Equal(t, "team-1", g.GUID)
	assert.Equal(t, "owner", g.Owner)
	assert.True(t, g.HasJoined)
	assert.Equal(t, admin.ScopeAdmin, g.Scope)
	assert.Equal(t, map[string]admin.Scope{"owner": admin.ScopeAdmin, "mod": admin.ScopeModerator, "p1": admin.ScopeParticipant},
		members(t, e, "team-1"), "member failures (ghost) do not fail the create")

	_, err = e.c.CreateGroup(ctx, admin.GroupInput{GUID: "team-1", Name: "Again"})
	require.ErrorIs(t, err, cometchat.ErrGUIDAlreadyExists)
	_, err = e.c.CreateGroup(ctx, admin.GroupInput{GUID: "pw", Name: "PW", Type: admin.GroupPassword})
	require.ErrorIs(t, err, cometchat.ErrEmptyGroupPassword, "checked locally")

	// Without onBehalfOf the key sees private groups; a non-member does not.
	_, err = e.c.GetGroup(ctx, "team-1")
	require.NoError(t, err)
	_, err = e.c.As("outsider").GetGroup(ctx, "team-1")
	require.ErrorIs(t, err, cometchat.ErrGroupNotJoined)

	// Adding members: the participant lacks the right, the key has it.
	_, err = e.c.As("p1").AddMembers(ctx, "team-1", admin.MembersInput{Participants: []string{"p2"}})
	require.ErrorIs(t, err, cometchat.ErrGroupNoAdminScope)
	res, err := e.c.AddMembers(ctx, "team-1", admin.MembersInput{Participants: []string{"p2", "p1"}})
	require.NoError(t, err)
	assert.True(t, res["participants"]["p2"].Success)
	assert.Contains(t, res.Failed(), "p1", "already a member")

	// Scope changes follow the matrix with onBehalfOf.
	_, err = e.c.As("mod").ChangeScope(ctx, "team-1", "p1", admin.ScopeAdmin)
	require.ErrorIs(t, err, cometchat.ErrGroupNoAdminScope)
	sc, err := e.c.As("owner").ChangeScope(ctx, "team-1", "p1", admin.ScopeModerator)
	require.NoError(t, err)
	assert.Equal(t, admin.ScopeModerator, sc.Scope)
	_, err = e.c.ChangeScope(ctx, "team-1", "p1", admin.ScopeModerator)
	require.ErrorIs(t, err, cometchat.ErrSameScope)

	// Kick, ban, unban.
	require.ErrorIs(t, e.c.As("p2").KickMember(ctx, "team-1", "p1"), cometchat.ErrGroupNoModeratorScope)
	require.NoError(t, e.c.As("mod").KickMember(ctx, "team-1", "p2"))
	require.NoError(t, e.c.BanMember(ctx, "team-1", "p1"))
	banned, err := admin.Collect(e.c.ListBannedUsers(ctx, "team-1"))
	require.NoError(t, err)
	require.Len(t, banned, 1)
	assert.Equal(t, "p1", banned[0].UID)
	require.NoError(t, e.c.UnbanMember(ctx, "team-1", "p1"))
	require.ErrorIs(t, e.c.UnbanMember(ctx, "team-1", "p1"), cometchat.ErrNotABannedUser)

	// Update and ownership transfer.
	up, err := e.c.UpdateGroup(ctx, "team-1", admin.GroupUpdate{Description: "The team", Tags: []string{"x"}})
	require.NoError(t, err)
	assert.Equal(t, "The team", up.Description)
	_, err = e.c.TransferOwnership(ctx, "team-1", "outsider")
	require.ErrorIs(t, err, cometchat.ErrNotAMember)
	tr, err := e.c.TransferOwnership(ctx, "team-1", "mod")
	require.NoError(t, err)
	assert.Equal(t, "mod", tr.Owner)
	assert.Equal(t, admin.ScopeAdmin, members(t, e, "team-1")["mod"], "the new owner is an admin")

	// Lists: the key sees all groups; a user only what it may see; HasJoined filters.
	_, err = e.c.CreateGroup(ctx, admin.GroupInput{GUID: "open", Name: "Open"})
	require.NoError(t, err)
	all, err := admin.Collect(e.c.ListGroups(ctx, admin.ListGroupsOptions{}))
	require.NoError(t, err)
	assert.Len(t, all, 2)
	out, err := admin.Collect(e.c.As("outsider").ListGroups(ctx, admin.ListGroupsOptions{}))
	require.NoError(t, err)
	require.Len(t, out, 1)
	assert.Equal(t, "open", out[0].GUID)
	joined, err := admin.Collect(e.c.As("owner").ListGroups(ctx, admin.ListGroupsOptions{HasJoined: true}))
	require.NoError(t, err)
	require.Len(t, joined, 1)
	assert.Equal(t, "team-1", joined[0].GUID)
	_, err = admin.Collect(e.c.ListGroups(ctx, admin.ListGroupsOptions{HasJoined: true}))
	require.ErrorIs(t, err, cometchat.ErrMissingParameters, "hasJoined needs onBehalfOf")

	require.ErrorIs(t, e.c.As("p2").DeleteGroup(ctx, "team-1"), cometchat.ErrGroupNotJoined)
	require.NoError(t, e.c.DeleteGroup(ctx, "team-1"))
	_, err = e.c.GetGroup(ctx, "team-1")
	require.ErrorIs(t, err, cometchat.ErrGUIDNotFound)
}

// A non-nil empty Tags clears a group's tags, as it does a user's.
func TestUpdateGroupClearsTags(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx := context.Background()
	_, err := e.c.CreateGroup(ctx, admin.GroupInput{GUID: "tagged", Name: "Tagged", Type: admin.GroupPublic, Tags: []string{"a", "b"}})
	require.NoError(t, err)
	g, err := e.c.UpdateGroup(ctx, "tagged", admin.GroupUpdate{Name: "Still tagged"})
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, g.Tags, "nil Tags leaves them")
	g, err = e.c.UpdateGroup(ctx, "tagged", admin.GroupUpdate{Tags: []string{}})
	require.NoError(t, err)
	assert.Empty(t, g.Tags)
	got, err := e.c.GetGroup(ctx, "tagged")
	require.NoError(t, err)
	assert.Empty(t, got.Tags)
}
