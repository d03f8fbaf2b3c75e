package emulator

// The member-scope permission matrix of rules-and-limits.md §6, as data.
//
// Every group operation names an action; the matrix says which rank may
// perform it at all (and which code refuses the others) and, for actions on
// another member, which target ranks each actor rank may touch. Handlers
// call checkPermissionLocked and never re-implement a rule.

// Member scopes on the wire (rules-and-limits.md §2.1).
const (
	scopeAdmin       = "admin"
	scopeModerator   = "moderator"
	scopeParticipant = "participant"
)

// validScopes are the member scopes the emulator accepts.
var validScopes = map[string]bool{scopeAdmin: true, scopeModerator: true, scopeParticipant: true}

// rank orders what a user is in a group; the owner is an admin with
// ownership and ranks above every other admin.
type rank int

const (
	rankNone rank = iota // not a member
	rankParticipant
	rankModerator
	rankAdmin
	rankOwner
)

// String names the rank as error messages and tests do.
func (r rank) String() string {
	switch r {
	case rankParticipant:
		return scopeParticipant
	case rankModerator:
		return scopeModerator
	case rankAdmin:
		return scopeAdmin
	case rankOwner:
		return "owner"
	}
	return "non-member"
}

// rankOfScope maps a stored scope to its rank (ownership aside).
func rankOfScope(scope string) rank {
	switch scope {
	case scopeAdmin:
		return rankAdmin
	case scopeModerator:
		return rankModerator
	case scopeParticipant:
		return rankParticipant
	}
	return rankNone
}

// rankOfLocked is uid's rank in g. Caller holds s.mu.
func (s *Server) rankOfLocked(g *groupRecord, uid string) rank {
	m, ok := s.st.Members[g.GUID][normID(uid)]
	switch {
	case !ok:
		return rankNone
	case g.Owner == m.UID:
		return rankOwner
	}
	return rankOfScope(m.Scope)
}

// groupAct is an operation the matrix rules on.
type groupAct string

// The actions of the matrix.
const (
	actKick     groupAct = "kick"
	actBan      groupAct = "ban"
	actUnban    groupAct = "unban"
	actScope    groupAct = "change the scope of"
	actUpdate   groupAct = "update"
	actDelete   groupAct = "delete"
	actAdd      groupAct = "add members to"
	actTransfer groupAct = "transfer the ownership of"
	actLeave    groupAct = "leave"
)

// actRule is one row of the matrix.
type actRule struct {
	// need is the lowest rank that may perform the action at all; denied is
	// the code refusing a member below it.
	need   rank
	denied string
	// targets lists, per actor rank, the ranks of the members it may act
	// on; nil for actions without a target member. A member outside the
	// list (the owner always is) is refused with
	// ERR_GROUP_NO_SCOPE_CLEARANCE.
	targets map[rank][]rank
	// targetMayBeOutside: the target need not be a member (a ban keeps a
	// non-member out; an unban is about a user who is no longer one).
	targetMayBeOutside bool
}

// belowOwner is what owners and admins may act on.
var belowOwner = []rank{rankAdmin, rankModerator, rankParticipant}

// matrix is rules-and-limits.md §6 with the emulator defaults it names:
//
//	action          owner        admin        moderator                  participant
//	kick, ban       non-owners   non-owners   participants               ✗ NO_MODERATOR_SCOPE
//	unban           ✓            ✓            ✓                          ✗ NO_MODERATOR_SCOPE
//	change scope    non-owners   non-owners   moderators, participants   ✗ NO_MODERATOR_SCOPE
//	update group    ✓            ✓            ✓                          ✗ NO_MODERATOR_SCOPE
//	delete group    ✓            ✓            ✗ NO_ADMIN_SCOPE           ✗ NO_ADMIN_SCOPE
//	add members     ✓            ✓            ✗ NO_ADMIN_SCOPE           ✗ NO_ADMIN_SCOPE
//	transfer owner  ✓ (members)  ✗ NO_CLEARANCE ✗ NO_CLEARANCE           ✗ NO_CLEARANCE
//	leave           ✗ NO_CLEARANCE ✓          ✓                          ✓
//
// Everywhere: a non-member actor gets ERR_GROUP_NOT_JOINED, acting on
// oneself ERR_GROUP_NO_SELF_ACTION, a target that is not a member
// ERR_NOT_A_MEMBER, and only admins may promote to admin
// (checkPromoteLocked: ERR_GROUP_NO_ADMIN_SCOPE).
var matrix = map[groupAct]actRule{
	actKick:     {need: rankModerator, denied: codeNoModeratorScope, targets: map[rank][]rank{rankOwner: belowOwner, rankAdmin: belowOwner, rankModerator: {rankParticipant}}},
	actBan:      {need: rankModerator, denied: codeNoModeratorScope, targetMayBeOutside: true, targets: map[rank][]rank{rankOwner: belowOwner, rankAdmin: belowOwner, rankModerator: {rankParticipant}}},
	actScope:    {need: rankModerator, denied: codeNoModeratorScope, targets: map[rank][]rank{rankOwner: belowOwner, rankAdmin: belowOwner, rankModerator: {rankModerator, rankParticipant}}},
	actUnban:    {need: rankModerator, denied: codeNoModeratorScope, targetMayBeOutside: true},
	actUpdate:   {need: rankModerator, denied: codeNoModeratorScope},
	actDelete:   {need: rankAdmin, denied: codeNoAdminScope},
	actAdd:      {need: rankAdmin, denied: codeNoAdminScope},
	actTransfer: {need: rankOwner, denied: codeNoClearance, targets: map[rank][]rank{rankOwner: belowOwner}},
	actLeave:    {need: rankParticipant, denied: codeGroupNotJoined},
}

// Codes of the refusals (rules-and-limits.md §6, "Which code the emulator
// returns when an action is forbidden").
const (
	codeGroupNotJoined   = "ERR_GROUP_NOT_JOINED"
	codeNotAMember       = "ERR_NOT_A_MEMBER"
	codeNoModeratorScope = "ERR_GROUP_NO_MODERATOR_SCOPE"
	codeNoAdminScope     = "ERR_GROUP_NO_ADMIN_SCOPE"
	codeNoScopeClearance = "ERR_GROUP_NO_SCOPE_CLEARANCE"
	codeNoClearance      = "ERR_GROUP_NO_CLEARANCE"
	codeNoSelfAction     = "ERR_GROUP_NO_SELF_ACTION"
)

func errGUIDNotFound(guid string) *Error {
	return newError("ERR_GUID_NOT_FOUND", "The group with GUID %s does not exist. Please use a valid GUID.", guid)
}

func errGroupNotJoined(guid string) *Error {
	return newError(codeGroupNotJoined, "You are not a member of the group %s. Join the group first.", guid)
}

func errNotAMember(guid, uid string) *Error {
	return newError(codeNotAMember, "The user %s is not a member of the group %s.", uid, guid)
}

// checkPermissionLocked applies the matrix to actor doing act on g, to
// target ("" for actions without one). The system actor (API key alone) has
// every right. Caller holds s.mu.
func (s *Server) checkPermissionLocked(g *groupRecord, actor string, act groupAct, target string) error {
	rule, ok := matrix[act]
	if !ok {
		panic("emulator: no matrix row for " + string(act))
	}
	actor, target = normID(actor), normID(target)
	if actor == systemUID {
		if rule.targets != nil && !rule.targetMayBeOutside && !s.st.isMember(g.GUID, target) {
			return errNotAMember(g.GUID, target)
		}
		return nil
	}
	ar := s.rankOfLocked(g, actor)
	switch {
	case ar == rankNone:
		return errGroupNotJoined(g.GUID)
	case act == actLeave && ar == rankOwner:
		return newError(codeNoClearance, "The owner cannot leave the group %s; transfer the ownership first.", g.GUID)
	case ar < rule.need:
		return newError(rule.denied, "A %s of the group %s cannot %s it.", ar, g.GUID, actText(act))
	}
	if target == "" {
		return nil
	}
	if target == actor {
		return newError(codeNoSelfAction, "You cannot %s yourself.", actText(act))
	}
	if rule.targets == nil {
		return nil
	}
	tr := s.rankOfLocked(g, target)
	switch {
	case tr == rankNone && rule.targetMayBeOutside:
		return nil
	case tr == rankNone:
		return errNotAMember(g.GUID, target)
	case tr == rankOwner:
		return newError(codeNoScopeClearance, "Nobody can %s the owner of the group %s.", actText(act), g.GUID)
	case !rankIn(tr, rule.targets[ar]):
		return newError(codeNoScopeClearance, "A %s cannot %s a %s of the group %s.", ar, actText(act), tr, g.GUID)
	}
	return nil
}

// checkPromoteLocked refuses a scope change to admin by anyone below admin
// (rules-and-limits.md §6: "promote to admin" is admin-only). Caller holds
// s.mu.
func (s *Server) checkPromoteLocked(g *groupRecord, actor, scope string) error {
	if scope != scopeAdmin || normID(actor) == systemUID {
		return nil
	}
	if s.rankOfLocked(g, actor) < rankAdmin {
		return newError(codeNoAdminScope, "Only an admin of the group %s can make a member an admin.", g.GUID)
	}
	return nil
}

// actText is the verb phrase of an action for messages ("kick", "change the
// scope of").
func actText(a groupAct) string { return string(a) }

// rankIn reports whether r is one of rs.
func rankIn(r rank, rs []rank) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}
