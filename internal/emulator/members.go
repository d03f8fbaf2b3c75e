package emulator

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// Group membership on the client API (client-protocol.md §5.2): join
// (POST groups/{guid}/members), leave (DELETE …/members), add members
// (PUT …/members), list (GET …/members), scope change
// (PUT …/members/{uid}) and kick (DELETE …/members/{uid}). Every change
// stores a groupMember action message in the group's conversation and
// publishes it (groupActionLocked).

func (s *Server) registerMemberRoutes() {
	s.clientRoute("POST groups/{guid}/members", s.clientJoinGroup)
	s.clientRoute("DELETE groups/{guid}/members", s.clientLeaveGroup)
	s.clientRoute("PUT groups/{guid}/members", s.clientAddMembers)
	s.clientRoute("GET groups/{guid}/members", s.clientListMembers)
	s.clientRoute("PUT groups/{guid}/members/{uid}", s.clientChangeScope)
	s.clientRoute("DELETE groups/{guid}/members/{uid}", s.clientKickMember)
}

// memberAction describes one membership change for groupActionLocked.
type memberAction struct {
	actor  string // who did it (app_system for the server API alone)
	device string // the session that caused it; "" for the server API
	action string // joined, left, added, kicked, banned, unbanned, scopeChanged
	on     string // the affected user
	// oldScope and newScope are set for scopeChanged.
	oldScope, newScope string
	kind               EventKind
}

// groupActionLocked stores the action message of a membership change in the
// group's conversation (model.md §5.9: category action, type groupMember,
// entities by / on / for, extras.scope {old, new} for scope changes) and
// publishes it, through the messages resource's storeActionLocked, to the
// current members plus the affected user. Call it after changing the state.
// Caller holds s.mu.
func (s *Server) groupActionLocked(g *groupRecord, a memberAction) *messageRecord {
	rec := &actionRecord{Action: a.action, By: a.actor, On: a.on, OnType: entityTypeUser, For: g.GUID, ForType: entityTypeGroup}
	if a.action == "scopeChanged" {
		rec.Extras = mustRaw(map[string]any{"scope": map[string]string{"old": a.oldScope, "new": a.newScope}})
	}
	return s.storeActionLocked(a.actor, a.device, g.GUID, receiverTypeGroup, actionTypeMember, rec, a.kind)
}

// memberJSON is a GroupMember (model.md §4): the User plus scope and
// joinedAt; banned-list items carry isBanned instead of joinedAt.
type memberJSON struct {
	userJSON
	Scope    string `json:"scope"`
	JoinedAt int64  `json:"joinedAt,omitempty"`
	IsBanned bool   `json:"isBanned,omitempty"`
}

// clientJoinGroup: POST groups/{guid}/members with the group JSON as body;
// only password matters (rules-and-limits.md §5). Answers the joined action
// message, whose data.entities.for.entity is the group.
func (s *Server) clientJoinGroup(r *http.Request, c *clientCaller) (any, error) {
	body, err := readObject(r, maxGroupBody)
	if err != nil {
		return nil, err
	}
	var password string
	if raw, ok := body["password"]; ok && !isNull(raw) {
		if json.Unmarshal(raw, &password) != nil {
			return nil, errBadRequest(map[string][]string{"password": {"The password must be a string."}})
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.st.activeGroup(r.PathValue("guid"))
	if !ok {
		return nil, errGUIDNotFound(normID(r.PathValue("guid")))
	}
	switch {
	case s.st.isMember(g.GUID, c.uid):
		return nil, errAlreadyJoined(g.GUID, c.uid)
	case s.isBannedLocked(g.GUID, c.uid):
		return nil, errBannedMember(g.GUID, c.uid)
	case g.Type == groupPrivate:
		return nil, newError("ERR_GROUP_JOIN_NOT_ALLOWED", "The group %s is private; a member must add you to it.", g.GUID)
	case g.Type == groupPassword && password == "":
		return nil, newError("ERR_EMPTY_GROUP_PASS", "A password is required to join the group %s.", g.GUID)
	case g.Type == groupPassword && password != g.Password:
		return nil, newError("ERR_WRONG_GROUP_PASS", "The password for the group %s is incorrect.", g.GUID)
	}
	if err := s.checkRoomLocked(g, c.uid); err != nil {
		return nil, err
	}
	s.st.Members[g.GUID][c.uid] = &memberRecord{UID: c.uid, Scope: scopeParticipant, JoinedAt: s.now().Unix()}
	m := s.groupActionLocked(g, memberAction{actor: c.uid, device: c.session, action: "joined", on: c.uid, kind: EventGroupMemberJoined})
	return s.renderMessageLocked(m, c.uid), nil
}

func errAlreadyJoined(guid, uid string) *Error {
	return newError("ERR_ALREADY_JOINED", "The user %s has already joined the group %s.", uid, guid)
}

// checkRoomLocked enforces the group size and the groups-per-user limits
// before uid becomes a member. Caller holds s.mu.
func (s *Server) checkRoomLocked(g *groupRecord, uid string) error {
	if len(s.st.Members[g.GUID]) >= maxGroupMembers {
		return newError("ERR_NO_VACANCY", "The group %s is full.", g.GUID)
	}
	return s.checkGroupQuotaLocked(uid)
}

// clientLeaveGroup: DELETE groups/{guid}/members. The owner must transfer
// ownership first.
func (s *Server) clientLeaveGroup(r *http.Request, c *clientCaller) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.permittedGroupLocked(r.PathValue("guid"), c.uid, actLeave, "")
	if err != nil {
		return nil, err
	}
	delete(s.st.Members[g.GUID], c.uid)
	s.groupActionLocked(g, memberAction{actor: c.uid, device: c.session, action: "left", on: c.uid, kind: EventGroupMemberLeft})
	return okAck("The user " + c.uid + " has left the group " + g.GUID + "."), nil
}

// addRequest is a validated add-members body (or the members object of a
// create): each uid once, at its highest scope (admin > moderator >
// participant), plus the users to ban.
type addRequest struct {
	admins, moderators, participants, usersToBan []string
}

// parseAddRequest validates {"admins":[…],"moderators":[…],"participants":[…],
// "usersToBan":[…]}; prefix names the fields in error details.
func parseAddRequest(raw json.RawMessage, prefix string) (*addRequest, error) {
	var body map[string]json.RawMessage
	if isNull(raw) || json.Unmarshal(raw, &body) != nil {
		return nil, errBadRequest(map[string][]string{strings.TrimSuffix(prefix, "."): {"The members must be an object."}})
	}
	var v validator
	lists := map[string][]string{}
	for _, key := range []string{"admins", "moderators", "participants", "usersToBan"} {
		r, ok := body[key]
		if !ok {
			continue
		}
		var ids []string
		if isNull(r) || json.Unmarshal(r, &ids) != nil {
			v.add(prefix+key, "The "+prefix+key+" must be an array of strings.")
			continue
		}
		for _, id := range ids {
			if v.id(prefix+key, id) {
				lists[key] = append(lists[key], normID(id))
			}
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	req := &addRequest{}
	seen := map[string]bool{}
	for _, scoped := range []struct {
		key string
		dst *[]string
	}{{"admins", &req.admins}, {"moderators", &req.moderators}, {"participants", &req.participants}} {
		for _, id := range lists[scoped.key] {
			if !seen[id] {
				seen[id] = true
				*scoped.dst = append(*scoped.dst, id)
			}
		}
	}
	total := len(seen)
	banned := map[string]bool{}
	for _, id := range lists["usersToBan"] {
		if !banned[id] {
			banned[id] = true
			req.usersToBan = append(req.usersToBan, id)
			if !seen[id] {
				total++
			}
		}
	}
	if total == 0 {
		return nil, errBadRequest(map[string][]string{prefix + "participants": {"At least one user is required."}})
	}
	if total > maxMembersPerAdd {
		return nil, errBadRequest(map[string][]string{strings.TrimSuffix(prefix, "."): {
			"No more than 25 users may be added or banned in one request."}})
	}
	return req, nil
}

// addResults is the add-members answer: scope key → uid → result. All four
// keys are present (the official SDK reads all four).
type addResults map[string]map[string]any

// perUIDError is the per-uid failure entry.
func perUIDError(err error) map[string]any {
	e, ok := err.(*Error)
	if !ok {
		e = errMissionFailed()
	}
	return map[string]any{"success": false, "error": e.wire().Error}
}

// addMembersLocked adds and bans the users of req as actor (whose right to
// add was checked by the caller) and returns the per-uid results. Caller
// holds s.mu.
func (s *Server) addMembersLocked(g *groupRecord, actor, device string, req *addRequest) addResults {
	res := addResults{"admins": {}, "moderators": {}, "participants": {}, "usersToBan": {}}
	for _, scoped := range []struct {
		key, scope string
		uids       []string
	}{{"admins", scopeAdmin, req.admins}, {"moderators", scopeModerator, req.moderators}, {"participants", scopeParticipant, req.participants}} {
		for _, uid := range scoped.uids {
			if err := s.addMemberLocked(g, uid); err != nil {
				res[scoped.key][uid] = perUIDError(err)
				continue
			}
			s.st.Members[g.GUID][uid] = &memberRecord{UID: uid, Scope: scoped.scope, JoinedAt: s.now().Unix()}
			m := s.groupActionLocked(g, memberAction{actor: actor, device: device, action: "added", on: uid, kind: EventGroupMemberAdded})
			res[scoped.key][uid] = map[string]any{"success": true, "data": s.renderMessageLocked(m, actor)}
		}
	}
	for _, uid := range req.usersToBan {
		if err := s.banLocked(g, actor, device, uid); err != nil {
			res["usersToBan"][uid] = perUIDError(err)
			continue
		}
		res["usersToBan"][uid] = map[string]any{"success": true}
	}
	return res
}

// addMemberLocked checks that uid may be added to g. Caller holds s.mu.
func (s *Server) addMemberLocked(g *groupRecord, uid string) error {
	if _, ok := s.st.activeUser(uid); !ok {
		return errUIDNotFound(uid)
	}
	if s.isBannedLocked(g.GUID, uid) {
		return errBannedMember(g.GUID, uid)
	}
	if s.st.isMember(g.GUID, uid) {
		return errAlreadyJoined(g.GUID, uid)
	}
	return s.checkRoomLocked(g, uid)
}

// clientAddMembers: PUT groups/{guid}/members; admins only.
func (s *Server) clientAddMembers(r *http.Request, c *clientCaller) (any, error) {
	body, err := readObject(r, maxGroupBody)
	if err != nil {
		return nil, err
	}
	req, err := parseAddRequest(mustRaw(body), "")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.permittedGroupLocked(r.PathValue("guid"), c.uid, actAdd, "")
	if err != nil {
		return nil, err
	}
	return s.addMembersLocked(g, c.uid, c.session, req), nil
}

// clientChangeScope: PUT groups/{guid}/members/{uid} {"scope": …}. Answers
// {guid, uid, scope, joinedAt} (server-api.md §3.8).
func (s *Server) clientChangeScope(r *http.Request, c *clientCaller) (any, error) {
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	var v validator
	raw, ok := body["scope"]
	scope, ok := v.required("scope", raw, ok)
	if ok && !validScopes[scope] {
		v.add("scope", "The selected scope is invalid.")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	target := normID(r.PathValue("uid"))
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.permittedGroupLocked(r.PathValue("guid"), c.uid, actScope, target)
	if err != nil {
		return nil, err
	}
	if err := s.checkPromoteLocked(g, c.uid, scope); err != nil {
		return nil, err
	}
	m := s.st.Members[g.GUID][target]
	if m.Scope == scope {
		return nil, newError("ERR_SAME_SCOPE", "The user %s already has the scope %s in the group %s.", target, scope, g.GUID)
	}
	old := m.Scope
	m.Scope = scope
	s.groupActionLocked(g, memberAction{actor: c.uid, device: c.session, action: "scopeChanged", on: target,
		oldScope: old, newScope: scope, kind: EventGroupMemberScopeChanged})
	return map[string]any{"guid": g.GUID, "uid": target, "scope": scope, "joinedAt": m.JoinedAt}, nil
}

// clientKickMember: DELETE groups/{guid}/members/{uid}; the user may rejoin.
func (s *Server) clientKickMember(r *http.Request, c *clientCaller) (any, error) {
	target := normID(r.PathValue("uid"))
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.permittedGroupLocked(r.PathValue("guid"), c.uid, actKick, target)
	if err != nil {
		return nil, err
	}
	delete(s.st.Members[g.GUID], target)
	s.groupActionLocked(g, memberAction{actor: c.uid, device: c.session, action: "kicked", on: target, kind: EventGroupMemberKicked})
	return okAck("The user " + target + " has been kicked from the group " + g.GUID + "."), nil
}

// clientListMembers: GET groups/{guid}/members, ordered by joinedAt then
// uid. Filters: searchKey (name or uid, any case), scopes (any of), status
// (available / online or offline).
func (s *Server) clientListMembers(r *http.Request, c *clientCaller) (any, error) {
	pg, err := parsePaging(r.URL.Query())
	if err != nil {
		return nil, err
	}
	scopes, err := parseScopes(r)
	if err != nil {
		return nil, err
	}
	status, err := parseStatusFilter(r.URL.Query())
	if err != nil {
		return nil, err
	}
	keyword := r.URL.Query().Get("searchKey")
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.visibleGroupLocked(r.PathValue("guid"), c.uid)
	if err != nil {
		return nil, err
	}
	var out []memberJSON
	for _, uid := range s.st.memberUIDs(g.GUID) {
		m := s.st.Members[g.GUID][uid]
		u, ok := s.st.activeUser(uid)
		if !ok || (len(scopes) > 0 && !slices.Contains(scopes, m.Scope)) ||
			!matchesKeyword(u, keyword, nil) || !s.matchesStatusLocked(uid, status) {
			continue
		}
		out = append(out, memberJSON{userJSON: s.renderUserLocked(u, c.uid), Scope: m.Scope, JoinedAt: m.JoinedAt})
	}
	slices.SortStableFunc(out, func(a, b memberJSON) int {
		return cmp.Or(cmp.Compare(a.JoinedAt, b.JoinedAt), cmp.Compare(a.UID, b.UID))
	})
	return pageOf(out, pg), nil
}

// parseScopes reads the scopes filter (comma list).
func parseScopes(r *http.Request) ([]string, error) {
	scopes := queryList(r.URL.Query(), "scopes")
	for _, sc := range scopes {
		if !validScopes[sc] {
			return nil, errBadRequest(map[string][]string{"scopes": {"The selected scopes is invalid."}})
		}
	}
	return scopes, nil
}
