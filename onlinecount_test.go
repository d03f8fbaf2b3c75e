package cometchat_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/cometchattest"
)

func TestOnlineCounts(t *testing.T) {
	srv := cometchattest.NewServer(t)
	for _, u := range []string{"alice", "bob", "carol"} {
		srv.CreateUser(t, u, u)
	}
	ctx := context.Background()
	alice := srv.Login(t, "alice")
	require.NoError(t, alice.Connect(ctx))
	bob := srv.Login(t, "bob")
	require.NoError(t, bob.Connect(ctx))

	_, err := alice.CreateGroup(ctx, &cometchat.Group{GUID: "team", Name: "Team", Type: cometchat.GroupTypePublic})
	require.NoError(t, err)
	_, err = alice.AddMembersToGroup(ctx, "team", []*cometchat.GroupMember{cometchat.NewGroupMember("bob", cometchat.ScopeParticipant),
		cometchat.NewGroupMember("carol", cometchat.ScopeParticipant)}, nil)
	require.NoError(t, err)

	n, err := alice.GetOnlineUserCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "alice and bob are connected, carol is not")

	counts, err := alice.GetOnlineGroupMemberCount(ctx, []string{"Team", "nosuchgroup"})
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"team": 2, "nosuchgroup": 0}, counts)

	_, err = alice.GetOnlineGroupMemberCount(ctx, []string{"bad guid"})
	assert.ErrorIs(t, err, cometchat.ErrInvalidGUID)
	_, err = alice.GetOnlineGroupMemberCount(ctx, nil)
	assert.ErrorIs(t, err, cometchat.ErrMissingParameters)

	require.NoError(t, bob.Logout(ctx))
	n, err = alice.GetOnlineUserCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}
