package cometchat_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/cometchattest"
)

// The member-scope permission matrix of rules-and-limits.md §6, run through the SDK against the
// emulator: every actor rank × action × target rank, the owner included. The expectations below are
// written from the spec's tables, independently of the emulator's code.

// Roles a user can have in the test group. "outsider" is not a member; "self" as a target means the
// actor itself.
const (
	rOwner       = "owner"
	rAdmin       = "admin"
	rModerator   = "moderator"
	rParticipant = "participant"
	rOutsider    = "outsider"
	rSelf        = "self"
)

// Codes the matrix can answer (errors.md §3.5).
const (
	okCode            = ""
	cNotJoined        = "ERR_GROUP_NOT_JOINED"
	cNotAMember       = "ERR_NOT_A_MEMBER"
	cNoModeratorScope = "ERR_GROUP_NO_MODERATOR_SCOPE"
	cNoAdminScope     = "ERR_GROUP_NO_ADMIN_SCOPE"
	cNoScopeClearance = "ERR_GROUP_NO_SCOPE_CLEARANCE"
	cNoClearance      = "ERR_GROUP_NO_CLEARANCE"
	cNoSelfAction     = "ERR_GROUP_NO_SELF_ACTION"
	cSameScope        = "ERR_SAME_SCOPE"
)

var (
	actorRoles  = []string{rOwner, rAdmin, rModerator, rParticipant, rOutsider}
	targetRoles = []string{rOwner, rAdmin, rModerator, rParticipant, rOutsider, rSelf}
)

// rankOf orders member roles; the owner outranks admins.
func rankOf(role string) int {
	return map[string]int{rParticipant: 1, rModerator: 2, rAdmin: 3, rOwner: 4}[role]
}

// expectKickBan is the kick and ban column: owners and admins act on anyone but the owner;
// moderators on participants only; participants on nobody. A ban may name a non-member (it keeps
// the user out); a kick may not.
func expectKickBan(ban bool, actor, target string) string {
	switch {
	case actor == rOutsider:
		return cNotJoined
	case actor == rParticipant:
		return cNoModeratorScope
	case target == rSelf || target == actor && actor == rOwner:
		return cNoSelfAction
	case target == rOutsider && ban:
		return okCode
	case target == rOutsider:
		return cNotAMember
	case target == rOwner:
		return cNoScopeClearance
	case actor == rModerator && target != rParticipant:
		return cNoScopeClearance
	}
	return okCode
}

// expectScope is the scope-change column for changing target to newScope: owners and admins on
// anyone but the owner; moderators on moderators and participants and never to admin; the same
// scope again is ERR_SAME_SCOPE.
func expectScope(actor, target, newScope string) string {
	switch {
	case actor == rOutsider:
		return cNotJoined
	case actor == rParticipant:
		return cNoModeratorScope
	case target == rSelf || target == actor && actor == rOwner:
		return cNoSelfAction
	case target == rOutsider:
		return cNotAMember
	case target == rOwner:
		return cNoScopeClearance
	case actor == rModerator && target == rAdmin:
		return cNoScopeClearance
	case actor == rModerator && newScope == rAdmin:
		return cNoAdminScope
	case newScope == target:
		return cSameScope
	}
	return okCode
}

// expectGroupWide covers the actions without a target member.
func expectGroupWide(action, actor string) string {
	if actor == rOutsider {
		return cNotJoined
	}
	switch action {
	case "update", "unban":
		if rankOf(actor) < rankOf(rModerator) {
			return cNoModeratorScope
		}
	case "delete", "add":
		if rankOf(actor) < rankOf(rAdmin) {
			return cNoAdminScope
		}
	case "leave":
		if actor == rOwner {
			return cNoClearance
		}
	}
	return okCode
}

// expectTransfer: only the owner, to another member.
func expectTransfer(actor, target string) string {
	switch {
	case actor == rOutsider:
		return cNotJoined
	case actor != rOwner:
		return cNoClearance
	case target == rSelf || target == rOwner:
		return cNoSelfAction
	case target == rOutsider:
		return cNotAMember
	}
	return okCode
}

// matrixWorld is one emulator with a user per role; every case gets a fresh group.
type matrixWorld struct {
	srv     *cometchattest.Server
	clients map[string]*cometchat.Client // by uid
	seq     atomic.Int64
}

// Users: the owner, two of every other member role (so "admin acts on admin" names another
// admin), an outsider and a user to add.
var matrixUsers = []string{"own", "adm", "adm2", "mod", "mod2", "par", "par2", "out", "newbie"}

func newMatrixWorld(t *testing.T) *matrixWorld {
	t.Helper()
	srv := cometchattest.NewServer(t)
	w := &matrixWorld{srv: srv, clients: map[string]*cometchat.Client{}}
	for _, uid := range matrixUsers {
		srv.CreateUser(t, uid, strings.ToUpper(uid))
		w.clients[uid] = srv.Login(t, uid)
	}
	return w
}

// actorUID is the user playing role as the actor; targetUID the one playing it as the target.
func actorUID(role string) string {
	return map[string]string{rOwner: "own", rAdmin: "adm", rModerator: "mod", rParticipant: "par", rOutsider: "out"}[role]
}

func targetUID(actor, role string) string {
	if role == rSelf {
		return actorUID(actor)
	}
	uid := map[string]string{rOwner: "own", rAdmin: "adm2", rModerator: "mod2", rParticipant: "par2", rOutsider: "out"}[role]
	return uid
}

// freshGroup creates a public group owned by "own" with adm, adm2 (admins), mod, mod2
// (moderators) and par, par2 (participants).
func (w *matrixWorld) freshGroup(ctx context.Context, t *testing.T) string {
	t.Helper()
	guid := fmt.Sprintf("matrix-%d", w.seq.Add(1))
	members := []*cometchat.GroupMember{
		cometchat.NewGroupMember("adm", cometchat.ScopeAdmin), cometchat.NewGroupMember("adm2", cometchat.ScopeAdmin),
		cometchat.NewGroupMember("mod", cometchat.ScopeModerator), cometchat.NewGroupMember("mod2", cometchat.ScopeModerator),
		cometchat.NewGroupMember("par", cometchat.ScopeParticipant), cometchat.NewGroupMember("par2", cometchat.ScopeParticipant),
	}
	_, res, err := w.clients["own"].CreateGroupWithMembers(ctx, &cometchat.Group{GUID: guid, Name: "Matrix", Type: cometchat.GroupTypePublic}, members, nil)
	require.NoError(t, err)
	for uid, e := range res {
		require.NoError(t, e, "adding %s", uid)
	}
	return guid
}

// requireCode checks that err is nil (want "") or a service error with code want.
func requireCode(t *testing.T, want string, err error) {
	t.Helper()
	if want == okCode {
		require.NoError(t, err)
		return
	}
	var e *cometchat.Error
	require.Error(t, err)
	require.True(t, errors.As(err, &e), "want *cometchat.Error, got %T: %v", err, err)
	require.False(t, e.Local, "the refusal must come from the service: %v", err)
	require.Equal(t, want, e.Code, "error: %v", err)
}

// memberScopes lists the group's members as uid → scope, seen by the owner.
func (w *matrixWorld) memberScopes(ctx context.Context, t *testing.T, guid string) map[string]cometchat.Scope {
	t.Helper()
	req, err := cometchat.NewGroupMembersRequestBuilder(guid).SetLimit(100).Build(w.clients["own"])
	require.NoError(t, err)
	out := map[string]cometchat.Scope{}
	for m, err := range req.All(ctx) {
		require.NoError(t, err)
		out[m.UID] = m.Scope
	}
	return out
}

func TestPermissionMatrixThroughSDK(t *testing.T) {
	w := newMatrixWorld(t)
	ctx := t.Context()

	type tc struct {
		name   string
		actor  string
		target string
		want   string
		run    func(c *cometchat.Client, guid, target string) error
		// check verifies the state after a success.
		check func(t *testing.T, guid, target string)
	}
	var cases []tc
	for _, actor := range actorRoles {
		for _, target := range targetRoles {
			cases = append(cases,
				tc{name: "kick", actor: actor, target: target, want: expectKickBan(false, actor, target),
					run: func(c *cometchat.Client, guid, uid string) error { return c.KickGroupMember(ctx, guid, uid) },
					check: func(t *testing.T, guid, uid string) {
						_, still := w.memberScopes(ctx, t, guid)[uid]
						require.False(t, still, "%s is still a member after the kick", uid)
					}},
				tc{name: "ban", actor: actor, target: target, want: expectKickBan(true, actor, target),
					run: func(c *cometchat.Client, guid, uid string) error { return c.BanGroupMember(ctx, guid, uid) },
					check: func(t *testing.T, guid, uid string) {
						_, still := w.memberScopes(ctx, t, guid)[uid]
						require.False(t, still, "%s is still a member after the ban", uid)
						_, err := w.clients[uid].JoinGroup(ctx, guid, cometchat.GroupTypePublic, "")
						requireCode(t, "ERR_BANNED_GROUPMEMBER", err)
					}},
				tc{name: "transfer", actor: actor, target: target, want: expectTransfer(actor, target),
					run: func(c *cometchat.Client, guid, uid string) error { return c.TransferGroupOwnership(ctx, guid, uid) },
					check: func(t *testing.T, guid, uid string) {
						g, err := w.clients[uid].GetGroup(ctx, guid)
						require.NoError(t, err)
						require.Equal(t, uid, g.Owner)
						require.Equal(t, cometchat.ScopeAdmin, g.Scope, "the new owner is an admin")
						// The old owner may now leave; the new one may not.
						require.NoError(t, w.clients["own"].LeaveGroup(ctx, guid))
						requireCode(t, cNoClearance, w.clients[uid].LeaveGroup(ctx, guid))
					}},
			)
			for _, scope := range []cometchat.Scope{cometchat.ScopeAdmin, cometchat.ScopeModerator, cometchat.ScopeParticipant} {
				cases = append(cases, tc{name: "scope-to-" + string(scope), actor: actor, target: target,
					want: expectScope(actor, target, string(scope)),
					run: func(c *cometchat.Client, guid, uid string) error {
						return c.UpdateGroupMemberScope(ctx, guid, uid, scope)
					},
					check: func(t *testing.T, guid, uid string) {
						require.Equal(t, scope, w.memberScopes(ctx, t, guid)[uid])
					}})
			}
		}
		cases = append(cases,
			tc{name: "update", actor: actor, want: expectGroupWide("update", actor),
				run: func(c *cometchat.Client, guid, _ string) error {
					_, err := c.UpdateGroup(ctx, &cometchat.Group{GUID: guid, Name: "Renamed by " + actor})
					return err
				},
				check: func(t *testing.T, guid, _ string) {
					g, err := w.clients["own"].GetGroup(ctx, guid)
					require.NoError(t, err)
					require.Equal(t, "Renamed by "+actor, g.Name)
				}},
			tc{name: "delete", actor: actor, want: expectGroupWide("delete", actor),
				run: func(c *cometchat.Client, guid, _ string) error { return c.DeleteGroup(ctx, guid) },
				check: func(t *testing.T, guid, _ string) {
					_, err := w.clients["own"].GetGroup(ctx, guid)
					requireCode(t, "ERR_GUID_NOT_FOUND", err)
				}},
			tc{name: "add", actor: actor, want: expectGroupWide("add", actor),
				run: func(c *cometchat.Client, guid, _ string) error {
					res, err := c.AddMembersToGroup(ctx, guid, []*cometchat.GroupMember{cometchat.NewGroupMember("newbie", cometchat.ScopeModerator)}, nil)
					if err != nil {
						return err
					}
					return res["newbie"]
				},
				check: func(t *testing.T, guid, _ string) {
					require.Equal(t, cometchat.ScopeModerator, w.memberScopes(ctx, t, guid)["newbie"])
				}},
			tc{name: "leave", actor: actor, want: expectGroupWide("leave", actor),
				run: func(c *cometchat.Client, guid, _ string) error { return c.LeaveGroup(ctx, guid) },
				check: func(t *testing.T, guid, _ string) {
					_, still := w.memberScopes(ctx, t, guid)[actorUID(actor)]
					require.False(t, still)
				}},
			tc{name: "unban", actor: actor, target: rParticipant, want: expectGroupWide("unban", actor),
				run: func(c *cometchat.Client, guid, uid string) error { return c.UnbanGroupMember(ctx, guid, uid) },
				check: func(t *testing.T, guid, uid string) {
					_, err := w.clients[uid].JoinGroup(ctx, guid, cometchat.GroupTypePublic, "")
					require.NoError(t, err, "an unbanned user may join again")
				}},
		)
	}

	counts := map[string]int{}
	for _, c := range cases {
		name := c.name + "/" + c.actor
		if c.target != "" {
			name += "->" + c.target
		}
		t.Run(name, func(t *testing.T) {
			guid := w.freshGroup(ctx, t)
			target := ""
			if c.target != "" {
				target = targetUID(c.actor, c.target)
			}
			if c.name == "unban" {
				// Unban needs a banned user: the owner bans a participant first.
				require.NoError(t, w.clients["own"].BanGroupMember(ctx, guid, target))
			}
			err := c.run(w.clients[actorUID(c.actor)], guid, target)
			requireCode(t, c.want, err)
			if c.want == okCode && c.check != nil {
				c.check(t, guid, target)
			}
		})
		if c.want == okCode {
			counts["allowed"]++
		} else {
			counts[c.want]++
		}
	}
	// Every refusal code of the matrix is exercised, and so are successes.
	for _, code := range []string{"allowed", cNotJoined, cNotAMember, cNoModeratorScope, cNoAdminScope, cNoScopeClearance, cNoClearance, cNoSelfAction, cSameScope} {
		require.Positive(t, counts[code], "no case for %s", code)
	}
	t.Logf("%d cases: %v", len(cases), counts)
}

func TestPermissionRefusalsLeaveStateUnchanged(t *testing.T) {
	w := newMatrixWorld(t)
	ctx := t.Context()
	guid := w.freshGroup(ctx, t)
	before := w.memberScopes(ctx, t, guid)
	// A moderator tries everything it may not do to an admin; nothing changes.
	mod := w.clients["mod"]
	requireCode(t, cNoScopeClearance, mod.KickGroupMember(ctx, guid, "adm"))
	requireCode(t, cNoScopeClearance, mod.BanGroupMember(ctx, guid, "adm"))
	requireCode(t, cNoScopeClearance, mod.UpdateGroupMemberScope(ctx, guid, "adm", cometchat.ScopeParticipant))
	requireCode(t, cNoAdminScope, mod.UpdateGroupMemberScope(ctx, guid, "par", cometchat.ScopeAdmin))
	requireCode(t, cNoAdminScope, mod.DeleteGroup(ctx, guid))
	require.Equal(t, before, w.memberScopes(ctx, t, guid))
}

func TestJoinRules(t *testing.T) {
	srv := cometchattest.NewServer(t)
	ctx := t.Context()
	for _, uid := range []string{"alice", "bob", "carol"} {
		srv.CreateUser(t, uid, strings.ToUpper(uid))
	}
	alice, bob, carol := srv.Login(t, "alice"), srv.Login(t, "bob"), srv.Login(t, "carol")

	_, err := alice.CreateGroup(ctx, &cometchat.Group{GUID: "Pub", Name: "Public", Type: cometchat.GroupTypePublic})
	require.NoError(t, err)
	_, err = alice.CreateGroup(ctx, &cometchat.Group{GUID: "pw", Name: "Password", Type: cometchat.GroupTypePassword, Password: "s3cret"})
	require.NoError(t, err)
	_, err = alice.CreateGroup(ctx, &cometchat.Group{GUID: "priv", Name: "Private", Type: cometchat.GroupTypePrivate})
	require.NoError(t, err)

	t.Run("public", func(t *testing.T) {
		g, err := bob.JoinGroup(ctx, "PUB", cometchat.GroupTypePublic, "") // GUIDs are case-insensitive
		require.NoError(t, err)
		require.Equal(t, "pub", g.GUID)
		require.True(t, g.HasJoined)
		require.Equal(t, cometchat.ScopeParticipant, g.Scope)
		_, err = bob.JoinGroup(ctx, "pub", cometchat.GroupTypePublic, "")
		requireCode(t, "ERR_ALREADY_JOINED", err)
	})
	t.Run("password", func(t *testing.T) {
		_, err := bob.JoinGroup(ctx, "pw", cometchat.GroupTypePublic, "") // the caller's idea of the type does not matter
		requireCode(t, "ERR_EMPTY_GROUP_PASS", err)
		_, err = bob.JoinGroup(ctx, "pw", cometchat.GroupTypePassword, "wrong")
		requireCode(t, "ERR_WRONG_GROUP_PASS", err)
		g, err := bob.JoinGroup(ctx, "pw", cometchat.GroupTypePassword, "s3cret")
		require.NoError(t, err)
		require.Empty(t, g.Password, "the password is never returned")
		require.NotContains(t, string(g.Raw), "s3cret")
	})
	t.Run("private", func(t *testing.T) {
		_, err := bob.JoinGroup(ctx, "priv", cometchat.GroupTypePrivate, "")
		requireCode(t, "ERR_GROUP_JOIN_NOT_ALLOWED", err)
		_, err = bob.GetGroup(ctx, "priv")
		requireCode(t, cNotJoined, err)
		res, err := alice.AddMembersToGroup(ctx, "priv", []*cometchat.GroupMember{cometchat.NewGroupMember("bob", cometchat.ScopeParticipant)}, nil)
		require.NoError(t, err)
		require.NoError(t, res["bob"])
		g, err := bob.GetGroup(ctx, "priv")
		require.NoError(t, err)
		require.True(t, g.HasJoined)
	})
	t.Run("kicked may rejoin, banned may not join nor be added", func(t *testing.T) {
		_, err := carol.JoinGroup(ctx, "pub", cometchat.GroupTypePublic, "")
		require.NoError(t, err)
		require.NoError(t, alice.KickGroupMember(ctx, "pub", "carol"))
		_, err = carol.JoinGroup(ctx, "pub", cometchat.GroupTypePublic, "")
		require.NoError(t, err)
		require.NoError(t, alice.BanGroupMember(ctx, "pub", "carol"))
		_, err = carol.JoinGroup(ctx, "pub", cometchat.GroupTypePublic, "")
		requireCode(t, "ERR_BANNED_GROUPMEMBER", err)
		res, err := alice.AddMembersToGroup(ctx, "pub", []*cometchat.GroupMember{cometchat.NewGroupMember("carol", cometchat.ScopeParticipant)}, nil)
		require.NoError(t, err)
		requireCode(t, "ERR_BANNED_GROUPMEMBER", res["carol"])
		requireCode(t, "ERR_ALREADY_BANNED", alice.BanGroupMember(ctx, "pub", "carol"))
		require.NoError(t, alice.UnbanGroupMember(ctx, "pub", "carol"))
		requireCode(t, "ERR_NOT_A_BANNED_USER", alice.UnbanGroupMember(ctx, "pub", "carol"))
		_, err = carol.JoinGroup(ctx, "pub", cometchat.GroupTypePublic, "")
		require.NoError(t, err)
	})
	t.Run("unknown group", func(t *testing.T) {
		_, err := bob.JoinGroup(ctx, "nope", cometchat.GroupTypePublic, "")
		requireCode(t, "ERR_GUID_NOT_FOUND", err)
		_, err = bob.GetGroup(ctx, "nope")
		requireCode(t, "ERR_GUID_NOT_FOUND", err)
	})
}

func TestAddMembersPerUIDResults(t *testing.T) {
	srv := cometchattest.NewServer(t)
	ctx := t.Context()
	for _, uid := range []string{"alice", "bob", "carol", "dave", "eve"} {
		srv.CreateUser(t, uid, strings.ToUpper(uid))
	}
	alice := srv.Login(t, "alice")
	g, res, err := alice.CreateGroupWithMembers(ctx, &cometchat.Group{GUID: "team", Name: "Team", Type: cometchat.GroupTypePrivate},
		[]*cometchat.GroupMember{cometchat.NewGroupMember("bob", cometchat.ScopeModerator), cometchat.NewGroupMember("ghost", cometchat.ScopeParticipant)},
		[]string{"eve"})
	require.NoError(t, err)
	require.Equal(t, "alice", g.Owner)
	require.Equal(t, cometchat.ScopeAdmin, g.Scope)
	require.NoError(t, res["bob"])
	require.NoError(t, res["eve"], "usersToBan entries succeed")
	requireCode(t, "ERR_UID_NOT_FOUND", res["ghost"])

	res, err = alice.AddMembersToGroup(ctx, "team", []*cometchat.GroupMember{
		cometchat.NewGroupMember("carol", cometchat.ScopeParticipant),
		cometchat.NewGroupMember("dave", cometchat.ScopeAdmin),
		cometchat.NewGroupMember("bob", cometchat.ScopeParticipant),
		cometchat.NewGroupMember("eve", cometchat.ScopeParticipant),
	}, nil)
	require.NoError(t, err)
	require.Len(t, res, 4)
	require.NoError(t, res["carol"])
	require.NoError(t, res["dave"])
	requireCode(t, "ERR_ALREADY_JOINED", res["bob"])
	requireCode(t, "ERR_BANNED_GROUPMEMBER", res["eve"])

	w := &matrixWorld{clients: map[string]*cometchat.Client{"own": alice}}
	got := w.memberScopes(ctx, t, "team")
	require.Equal(t, map[string]cometchat.Scope{"alice": cometchat.ScopeAdmin, "bob": cometchat.ScopeModerator,
		"carol": cometchat.ScopeParticipant, "dave": cometchat.ScopeAdmin}, got)
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	require.Equal(t, []string{"alice", "bob", "carol", "dave"}, keys)
}
