package emulator

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// matrixServer returns a Server whose state holds group "g" owned by "own" with two members of
// every scope, and a user "out" who is not a member.
func matrixServer(t *testing.T) (*Server, *groupRecord) {
	t.Helper()
	s, err := New(Config{Now: func() time.Time { return testNow }})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	for _, uid := range []string{"own", "adm", "adm2", "mod", "mod2", "par", "par2", "out"} {
		require.NoError(t, s.CreateUser(uid, uid))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := &groupRecord{GUID: "g", Name: "G", Type: "public", Owner: "own", CreatedAt: testNow.Unix()}
	s.st.Groups["g"] = g
	s.st.Members["g"] = map[string]*memberRecord{}
	for uid, scope := range map[string]string{"own": scopeAdmin, "adm": scopeAdmin, "adm2": scopeAdmin,
		"mod": scopeModerator, "mod2": scopeModerator, "par": scopeParticipant, "par2": scopeParticipant} {
		s.st.Members["g"][uid] = &memberRecord{UID: uid, Scope: scope, JoinedAt: testNow.Unix()}
	}
	return s, g
}

// code returns the code of a permission result, "" for nil.
func code(err error) string {
	if err == nil {
		return ""
	}
	return err.(*Error).Code
}

func TestCheckPermissionMatrix(t *testing.T) {
	s, g := matrixServer(t)
	cases := []struct {
		act           groupAct
		actor, target string
		want          string
	}{
		// kick and ban: owner/admin on non-owners, moderator on participants only.
		{actKick, "own", "adm", ""}, {actKick, "own", "mod", ""}, {actKick, "own", "par", ""},
		{actKick, "adm", "adm2", ""}, {actKick, "adm", "mod", ""}, {actKick, "adm", "par", ""},
		{actKick, "adm", "own", codeNoScopeClearance},
		{actKick, "mod", "par", ""}, {actKick, "mod", "mod2", codeNoScopeClearance},
		{actKick, "mod", "adm", codeNoScopeClearance}, {actKick, "mod", "own", codeNoScopeClearance},
		{actKick, "par", "par2", codeNoModeratorScope}, {actKick, "out", "par", codeGroupNotJoined},
		{actKick, "adm", "adm", codeNoSelfAction}, {actKick, "own", "own", codeNoSelfAction},
		{actKick, "adm", "out", codeNotAMember},
		{actBan, "mod", "out", ""}, {actBan, "mod", "mod2", codeNoScopeClearance}, {actBan, "adm", "own", codeNoScopeClearance},
		// scope changes: moderators reach moderators too.
		{actScope, "mod", "mod2", ""}, {actScope, "mod", "adm", codeNoScopeClearance},
		{actScope, "adm", "own", codeNoScopeClearance}, {actScope, "own", "adm", ""}, {actScope, "par", "par2", codeNoModeratorScope},
		{actScope, "adm", "out", codeNotAMember}, {actScope, "mod", "mod", codeNoSelfAction},
		// group-wide actions.
		{actUnban, "mod", "", ""}, {actUnban, "par", "", codeNoModeratorScope},
		{actUpdate, "mod", "", ""}, {actUpdate, "par", "", codeNoModeratorScope}, {actUpdate, "out", "", codeGroupNotJoined},
		{actDelete, "adm", "", ""}, {actDelete, "own", "", ""}, {actDelete, "mod", "", codeNoAdminScope},
		{actAdd, "adm", "", ""}, {actAdd, "mod", "", codeNoAdminScope}, {actAdd, "par", "", codeNoAdminScope},
		{actTransfer, "own", "par", ""}, {actTransfer, "adm", "par", codeNoClearance}, {actTransfer, "own", "own", codeNoSelfAction},
		{actTransfer, "own", "out", codeNotAMember},
		{actLeave, "own", "", codeNoClearance}, {actLeave, "adm", "", ""}, {actLeave, "par", "", ""}, {actLeave, "out", "", codeGroupNotJoined},
		// The system actor (API key alone) has every right, but a target must still be a member.
		{actKick, systemUID, "own", ""}, {actDelete, systemUID, "", ""}, {actKick, systemUID, "out", codeNotAMember},
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cases {
		got := code(s.checkPermissionLocked(g, c.actor, c.act, c.target))
		require.Equal(t, c.want, got, "%s %s → %s", c.actor, c.act, c.target)
	}
}

func TestCheckPromote(t *testing.T) {
	s, g := matrixServer(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	require.Equal(t, codeNoAdminScope, code(s.checkPromoteLocked(g, "mod", scopeAdmin)))
	require.Equal(t, "", code(s.checkPromoteLocked(g, "mod", scopeModerator)))
	require.Equal(t, "", code(s.checkPromoteLocked(g, "adm", scopeAdmin)))
	require.Equal(t, "", code(s.checkPromoteLocked(g, systemUID, scopeAdmin)))
}

func TestEveryActionHasARule(t *testing.T) {
	for _, a := range []groupAct{actKick, actBan, actUnban, actScope, actUpdate, actDelete, actAdd, actTransfer, actLeave} {
		_, ok := matrix[a]
		require.True(t, ok, "no rule for %s", a)
	}
}
