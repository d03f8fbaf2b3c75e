package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// Server API, users beyond create/get/update (users.go): list, bulk
// deactivate / reactivate, soft and permanent delete (server-api.md §3.2).

// Event kinds published by the user lifecycle endpoints.
const (
	// EventUserDeactivated: DELETE users deactivated UID. Its auth tokens
	// stop working (AUTH_ERR_AUTH_TOKEN_NOT_FOUND) until reactivation.
	EventUserDeactivated EventKind = "user_deactivated"
	// EventUserReactivated: PUT users reactivated UID.
	EventUserReactivated EventKind = "user_reactivated"
	// EventUserDeleted: DELETE users/{uid} deleted UID (soft or permanent).
	EventUserDeleted EventKind = "user_deleted"
)

func (s *Server) registerServerUserRoutes() {
	s.adminRoute("GET users", fullAccessOnly, s.adminListUsers)
	s.adminRoute("DELETE users", fullAccessOnly, s.adminDeactivateUsers)
	s.adminRoute("PUT users", fullAccessOnly, s.adminReactivateUsers)
	s.adminRoute("DELETE users/{uid}", fullAccessOnly, s.adminDeleteUser)
}

// adminListUsers: GET users with searchKey, searchIn, status, role, roles,
// tags (ALL), withTags, onlyDeactivated, withDeactivated, page, perPage.
// Users are ordered by uid. Soft-deleted users are never listed.
func (s *Server) adminListUsers(r *http.Request, _ *adminCaller) (any, error) {
	p, err := parseSAPaging(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	search := strings.ToLower(q.Get("searchKey"))
	searchIn := saList(r, "searchIn")
	var v validator
	for _, f := range searchIn {
		if f != "uid" && f != "name" {
			v.add("searchIn", "The selected searchIn is invalid.")
		}
	}
	status := q.Get("status")
	if status != "" && status != "available" && status != "offline" {
		v.add("status", "The selected status is invalid.")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if len(searchIn) == 0 {
		searchIn = []string{"uid", "name"}
	}
	roles := saList(r, "roles")
	if role := q.Get("role"); role != "" {
		roles = append(roles, role)
	}
	tags := saList(r, "tags")
	onlyDeactivated, withDeactivated := saFlag(r, "onlyDeactivated"), saFlag(r, "withDeactivated")

	s.mu.Lock()
	defer s.mu.Unlock()
	var list []userJSON
	var cursor int64
	for _, uid := range sortedKeys(s.st.Users) {
		u := s.st.Users[uid]
		switch {
		case u.DeletedAt != 0:
			continue
		case onlyDeactivated && u.DeactivatedAt == 0:
			continue
		case !onlyDeactivated && !withDeactivated && u.DeactivatedAt != 0:
			continue
		}
		if search != "" {
			hit := false
			for _, f := range searchIn {
				field := u.UID
				if f == "name" {
					field = u.Name
				}
				hit = hit || strings.HasPrefix(strings.ToLower(field), search)
			}
			if !hit {
				continue
			}
		}
		if status != "" && (status == "available") != s.st.isOnline(u.UID) {
			continue
		}
		if len(roles) > 0 && !slices.ContainsFunc(roles, func(r string) bool { return normID(r) == u.Role }) {
			continue
		}
		if !hasAllTags(u.Tags, tags) {
			continue
		}
		list = append(list, s.renderUserLocked(u, ""))
		cursor = max(cursor, u.UpdatedAt, u.CreatedAt)
	}
	data, meta := saPageOf(list, p)
	meta.Cursor = &saCursorJSON{UpdatedAt: cursor, Affix: "prepend"}
	return &page{Data: data, Meta: meta}, nil
}

// hasAllTags reports whether have contains every tag of want.
func hasAllTags(have, want []string) bool {
	for _, t := range want {
		if !slices.Contains(have, t) {
			return false
		}
	}
	return true
}

// readUIDList reads a required array of uids from the JSON body's key,
// lower-cased.
func readUIDList(r *http.Request, key string) ([]string, error) {
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	raw, ok := body[key]
	var uids []string
	if !ok || isNull(raw) || json.Unmarshal(raw, &uids) != nil || len(uids) == 0 {
		return nil, errBadRequest(map[string][]string{key: {"The " + key + " field is required and must be an array of uids."}})
	}
	for i := range uids {
		uids[i] = normID(uids[i])
	}
	return uids, nil
}

// adminDeactivateUsers: DELETE users {uidsToDeactivate}. Unknown, deleted and
// already deactivated uids are skipped; the answer lists the others.
func (s *Server) adminDeactivateUsers(r *http.Request, _ *adminCaller) (any, error) {
	uids, err := readUIDList(r, "uidsToDeactivate")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	done := []string{}
	now := s.now().Unix()
	for _, uid := range uids {
		u, ok := s.st.activeUser(uid)
		if !ok || slices.Contains(done, uid) {
			continue
		}
		u.DeactivatedAt = now
		u.UpdatedAt = now
		done = append(done, uid)
		s.publish(Event{Kind: EventUserDeactivated, UID: uid})
		s.dropTokenSocketsLocked(uid)
	}
	return map[string]any{"deactivatedUids": done}, nil
}

// dropTokenSocketsLocked tells the hub that the user's tokens no longer
// authenticate, so it closes their sockets (the tokens themselves are kept:
// reactivation makes them work again). Caller holds s.mu.
func (s *Server) dropTokenSocketsLocked(uid string) {
	var toks []string
	for _, t := range s.st.AuthTokens[uid] {
		toks = append(toks, t.AuthToken)
	}
	if len(toks) > 0 {
		s.publish(Event{Kind: EventAuthTokensDropped, UID: uid, AuthTokens: toks})
	}
}

// adminReactivateUsers: PUT users {uidsToActivate}. The answer's
// nonDeactivatedUids are the requested uids that were not deactivated.
func (s *Server) adminReactivateUsers(r *http.Request, _ *adminCaller) (any, error) {
	uids, err := readUIDList(r, "uidsToActivate")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	not := []string{}
	now := s.now().Unix()
	for _, uid := range uids {
		u, ok := s.st.Users[uid]
		if !ok || u.DeletedAt != 0 || u.DeactivatedAt == 0 {
			if !slices.Contains(not, uid) {
				not = append(not, uid)
			}
			continue
		}
		u.DeactivatedAt = 0
		u.UpdatedAt = now
		s.publish(Event{Kind: EventUserReactivated, UID: uid})
	}
	return map[string]any{"nonDeactivatedUids": not}, nil
}

// adminDeleteUser: DELETE users/{uid} {permanent}. A soft delete hides the
// user and keeps the uid reserved; a permanent delete removes the user and
// everything that belongs to it and frees the uid. A soft-deleted user can
// still be deleted permanently.
func (s *Server) adminDeleteUser(r *http.Request, _ *adminCaller) (any, error) {
	uid := normID(r.PathValue("uid"))
	permanent, err := readPermanentFlag(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.st.Users[uid]
	if !ok || (u.DeletedAt != 0 && !permanent) {
		return nil, errUIDNotFound(uid)
	}
	s.dropTokenSocketsLocked(uid)
	if permanent {
		s.purgeUserLocked(uid)
	} else {
		u.DeletedAt = s.now().Unix()
		for _, t := range s.st.AuthTokens[uid] {
			s.forgetTokenLocked(t.AuthToken)
		}
		delete(s.st.AuthTokens, uid)
	}
	s.publish(Event{Kind: EventUserDeleted, UID: uid})
	return okAck("The user " + uid + " has been deleted successfully."), nil
}

// purgeUserLocked removes a user and everything that belongs to it: tokens,
// sessions, friendships, blocks, memberships, bans, conversations, saves,
// pins, thread subscriptions, and the messages the user sent (with their
// receipts, reactions and pins). Message ids are not reused. Caller holds
// s.mu.
func (s *Server) purgeUserLocked(uid string) {
	st := s.st
	for _, t := range st.AuthTokens[uid] {
		s.forgetTokenLocked(t.AuthToken)
	}
	delete(st.AuthTokens, uid)
	delete(st.Users, uid)
	for id, sess := range st.Sessions {
		if sess.UID == uid {
			delete(st.Sessions, id)
		}
	}
	for other := range st.Friends[uid] {
		delete(st.Friends[other], uid)
	}
	delete(st.Friends, uid)
	delete(st.Blocks, uid)
	for _, blocked := range st.Blocks {
		delete(blocked, uid)
	}
	for _, members := range st.Members {
		delete(members, uid)
	}
	for _, bans := range st.Bans {
		delete(bans, uid)
	}
	delete(st.Conversations, uid)
	for _, convs := range st.Conversations {
		for id, c := range convs {
			if c.ConversationType == "user" && c.With == uid {
				delete(convs, id)
			}
		}
	}
	delete(st.Saves, uid)
	delete(st.PinnedConversations, uid)
	delete(st.ThreadSubscriptions, uid)
	for _, recs := range st.Receipts {
		delete(recs, uid)
	}
	for _, flags := range st.Flags { // flags.go
		delete(flags, uid)
	}
	for id, rs := range st.Reactions {
		st.Reactions[id] = slices.DeleteFunc(rs, func(r *reactionRecord) bool { return r.UID == uid })
	}
	kept := st.Messages[:0]
	for _, m := range st.Messages {
		if m.Sender == uid {
			delete(st.Receipts, m.ID)
			delete(st.Reactions, m.ID)
			delete(st.Flags, m.ID)
			for _, pins := range st.Pins {
				delete(pins, m.ID)
			}
			continue
		}
		kept = append(kept, m)
	}
	clear(st.Messages[len(kept):])
	st.Messages = kept
	st.reindex()
}
