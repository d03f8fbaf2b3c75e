package emulator

import (
	"cmp"
	"net/http"
	"slices"
)

// Group bans on the client API: ban (POST groups/{guid}/bannedusers/{uid}),
// unban (DELETE …) and the banned list (GET groups/{guid}/bannedusers). A
// banned user is no longer a member and cannot join or be added until
// unbanned (rules-and-limits.md §5).

func (s *Server) registerBanRoutes() {
	s.clientRoute("POST groups/{guid}/bannedusers/{uid}", s.clientBanMember)
	s.clientRoute("DELETE groups/{guid}/bannedusers/{uid}", s.clientUnbanMember)
	s.clientRoute("GET groups/{guid}/bannedusers", s.clientListBanned)
}

// isBannedLocked reports whether uid is banned from guid. Caller holds s.mu.
func (s *Server) isBannedLocked(guid, uid string) bool {
	_, ok := s.st.Bans[normID(guid)][normID(uid)]
	return ok
}

func errBannedMember(guid, uid string) *Error {
	return newError("ERR_BANNED_GROUPMEMBER", "The user %s is banned from the group %s.", uid, guid)
}

// banLocked bans uid from g as actor: the matrix (a non-member may be banned
// too, so it cannot join later), then the user must exist and not be banned
// already. A member loses its membership. Caller holds s.mu.
func (s *Server) banLocked(g *groupRecord, actor, device, uid string) error {
	uid = normID(uid)
	if err := s.checkPermissionLocked(g, actor, actBan, uid); err != nil {
		return err
	}
	if _, ok := s.st.activeUser(uid); !ok {
		return errUIDNotFound(uid)
	}
	if s.isBannedLocked(g.GUID, uid) {
		return newError("ERR_ALREADY_BANNED", "The user %s is already banned from the group %s.", uid, g.GUID)
	}
	ban := &banRecord{UID: uid, Scope: scopeParticipant, BannedAt: s.now().Unix(), BannedBy: actor}
	if m, ok := s.st.Members[g.GUID][uid]; ok {
		ban.Scope = m.Scope
		delete(s.st.Members[g.GUID], uid)
	}
	innerMap(s.st.Bans, g.GUID)[uid] = ban
	s.groupActionLocked(g, memberAction{actor: actor, device: device, action: "banned", on: uid, kind: EventGroupMemberBanned})
	return nil
}

// clientBanMember: POST groups/{guid}/bannedusers/{uid}.
func (s *Server) clientBanMember(r *http.Request, c *clientCaller) (any, error) {
	target := normID(r.PathValue("uid"))
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.visibleGroupLocked(r.PathValue("guid"), c.uid)
	if err != nil {
		return nil, err
	}
	if err := s.banLocked(g, c.uid, c.session, target); err != nil {
		return nil, err
	}
	return okAck("The user " + target + " has been banned from the group " + g.GUID + "."), nil
}

// clientUnbanMember: DELETE groups/{guid}/bannedusers/{uid}.
func (s *Server) clientUnbanMember(r *http.Request, c *clientCaller) (any, error) {
	target := normID(r.PathValue("uid"))
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.permittedGroupLocked(r.PathValue("guid"), c.uid, actUnban, target)
	if err != nil {
		return nil, err
	}
	if !s.isBannedLocked(g.GUID, target) {
		return nil, newError("ERR_NOT_A_BANNED_USER", "The user %s is not banned from the group %s.", target, g.GUID)
	}
	delete(s.st.Bans[g.GUID], target)
	s.groupActionLocked(g, memberAction{actor: c.uid, device: c.session, action: "unbanned", on: target, kind: EventGroupMemberUnbanned})
	return okAck("The user " + target + " has been unbanned from the group " + g.GUID + "."), nil
}

// clientListBanned: GET groups/{guid}/bannedusers, ordered by bannedAt then
// uid. Filters: searchKey, scopes (the scope held when banned).
func (s *Server) clientListBanned(r *http.Request, c *clientCaller) (any, error) {
	pg, err := parsePaging(r.URL.Query())
	if err != nil {
		return nil, err
	}
	scopes, err := parseScopes(r)
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
	type item struct {
		memberJSON
		at int64
	}
	var items []item
	for _, uid := range sortedKeys(s.st.Bans[g.GUID]) {
		b := s.st.Bans[g.GUID][uid]
		u, ok := s.st.activeUser(uid)
		if !ok || (len(scopes) > 0 && !slices.Contains(scopes, b.Scope)) || !matchesKeyword(u, keyword, nil) {
			continue
		}
		items = append(items, item{memberJSON{userJSON: s.renderUserLocked(u, c.uid), Scope: b.Scope, IsBanned: true}, b.BannedAt})
	}
	slices.SortStableFunc(items, func(a, b item) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.UID, b.UID)) })
	out := make([]memberJSON, len(items))
	for i, it := range items {
		out[i] = it.memberJSON
	}
	return pageOf(out, pg), nil
}
