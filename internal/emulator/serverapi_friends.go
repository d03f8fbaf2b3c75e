package emulator

import (
	"net/http"
	"slices"
	"strings"
)

// Server API, friends (server-api.md §3.5) and blocked users (§3.6).

// maxFriends is the per-user friend limit (rules-and-limits.md §4).
const maxFriends = 1000

func (s *Server) registerServerFriendRoutes() {
	s.adminRoute("POST users/{uid}/friends", fullAccessOnly, s.adminAddFriends)
	s.adminRoute("GET users/{uid}/friends", fullAccessOnly, s.adminListFriends)
	s.adminRoute("DELETE users/{uid}/friends", fullAccessOnly, s.adminRemoveFriends)
	s.adminRoute("POST users/{uid}/blockedusers", fullAccessOnly, s.adminBlockUsers)
	s.adminRoute("DELETE users/{uid}/blockedusers", fullAccessOnly, s.adminUnblockUsers)
	s.adminRoute("GET users/{uid}/blockedusers", fullAccessOnly, s.adminListBlockedUsers)
}

// itemError is the per-item failure inside a success body (errors.md §1.1).
func itemError(e *Error) map[string]any {
	return map[string]any{"success": false, "message": e.Message, "error": e.wire().Error}
}

// AreFriends reports whether two users are friends (for tests and other
// resources: friendsOnly role settings, FRIENDS presence).
func (s *Server) AreFriends(a, b string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.areFriendsLocked(normID(a), normID(b))
}

func (s *Server) areFriendsLocked(a, b string) bool {
	_, ok := s.st.Friends[a][b]
	return ok
}

// addFriendLocked makes a and b friends (both directions). Caller holds s.mu.
func (s *Server) addFriendLocked(a, b string, now int64) *Error {
	switch {
	case a == b:
		return newError("ERR_CANNOT_FORM_SELF_RELATION", "A user cannot be a friend of itself.")
	case s.areFriendsLocked(a, b):
		return newError("ERR_ALREADY_FRIEND", "The user %s is already a friend of %s.", b, a)
	}
	if _, ok := s.st.activeUser(b); !ok {
		return errUIDNotFound(b)
	}
	if len(s.st.Friends[a]) >= maxFriends || len(s.st.Friends[b]) >= maxFriends {
		return newError("ERR_PLAN_QUOTA_RESTRICTION", "A user can have at most %d friends.", maxFriends)
	}
	for _, pair := range [][2]string{{a, b}, {b, a}} {
		innerMap(s.st.Friends, pair[0])[pair[1]] = now
	}
	return nil
}

// adminAddFriends: POST users/{uid}/friends {accepted[]} →
// {accepted: {uid: {success, message} | {error}}}.
func (s *Server) adminAddFriends(r *http.Request, _ *adminCaller) (any, error) {
	uid := normID(r.PathValue("uid"))
	uids, err := readUIDList(r, "accepted")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.activeUser(uid); !ok {
		return nil, errUIDNotFound(uid)
	}
	out := map[string]any{}
	now := s.now().Unix()
	for _, f := range uids {
		if e := s.addFriendLocked(uid, f, now); e != nil {
			out[f] = itemError(e)
			continue
		}
		out[f] = okAck("Established friend relationship with status accepted.")
	}
	return map[string]any{"accepted": out}, nil
}

// adminListFriends: GET users/{uid}/friends with searchKey, page, perPage;
// users rendered relative to uid, ordered by uid.
func (s *Server) adminListFriends(r *http.Request, _ *adminCaller) (any, error) {
	uid := normID(r.PathValue("uid"))
	p, err := parseSAPaging(r)
	if err != nil {
		return nil, err
	}
	search := strings.ToLower(r.URL.Query().Get("searchKey"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.activeUser(uid); !ok {
		return nil, errUIDNotFound(uid)
	}
	return s.relationPageLocked(uid, s.st.Friends[uid], p, func(u *userRecord) bool {
		return search == "" || strings.HasPrefix(u.UID, search) || strings.HasPrefix(strings.ToLower(u.Name), search)
	}), nil
}

// relationPageLocked pages the active users of rel (uid → since: friends,
// blocked users) ordered by uid, rendered relative to viewer; keep (nil:
// all) filters them. The cursor is the newest since of the users kept.
// Caller holds s.mu.
func (s *Server) relationPageLocked(viewer string, rel map[string]int64, p saPaging, keep func(*userRecord) bool) *page {
	list := []userJSON{}
	var cursor int64
	for _, uid := range sortedKeys(rel) {
		u, ok := s.st.activeUser(uid)
		if !ok || (keep != nil && !keep(u)) {
			continue
		}
		list = append(list, s.renderUserLocked(u, viewer))
		cursor = max(cursor, rel[uid])
	}
	data, meta := saPageOf(list, p)
	meta.Cursor = &saCursorJSON{UpdatedAt: cursor, Affix: "prepend"}
	return &page{Data: data, Meta: meta}
}

// adminRemoveFriends: DELETE users/{uid}/friends {friends[]}. Every uid must
// be a friend (ERR_NOT_A_FRIEND otherwise, and nothing changes).
func (s *Server) adminRemoveFriends(r *http.Request, _ *adminCaller) (any, error) {
	uid := normID(r.PathValue("uid"))
	uids, err := readUIDList(r, "friends")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.activeUser(uid); !ok {
		return nil, errUIDNotFound(uid)
	}
	for _, f := range uids {
		if !s.areFriendsLocked(uid, f) {
			return nil, newError("ERR_NOT_A_FRIEND", "The user %s is not a friend of %s.", f, uid)
		}
	}
	for _, f := range uids {
		delete(s.st.Friends[uid], f)
		delete(s.st.Friends[f], uid)
	}
	return okAck("The friends have been removed successfully."), nil
}

// adminBlockOp blocks or unblocks for the user in the path, with the same
// rules and events as the client API (blocks.go).
func (s *Server) adminBlockOp(r *http.Request, block bool) (any, error) {
	uid := normID(r.PathValue("uid"))
	uids, err := parseBlockedUIDs(r)
	if err != nil {
		return nil, err
	}
	if slices.Contains(uids, uid) {
		return nil, newError("ERR_CANNOT_BLOCK_SELF", "A user cannot block or unblock itself.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.activeUser(uid); !ok {
		return nil, errUIDNotFound(uid)
	}
	return s.changeBlocksLocked(uid, uids, block, ""), nil
}

// adminBlockUsers: POST users/{uid}/blockedusers {blockedUids[]}.
func (s *Server) adminBlockUsers(r *http.Request, _ *adminCaller) (any, error) {
	return s.adminBlockOp(r, true)
}

// adminUnblockUsers: DELETE users/{uid}/blockedusers {blockedUids[]}.
func (s *Server) adminUnblockUsers(r *http.Request, _ *adminCaller) (any, error) {
	return s.adminBlockOp(r, false)
}

// adminListBlockedUsers: GET users/{uid}/blockedusers: the users uid blocked,
// with blockedByMe / blockedByMeAt (and hasBlockedMe / blockedAt when
// mutual), ordered by uid.
func (s *Server) adminListBlockedUsers(r *http.Request, _ *adminCaller) (any, error) {
	uid := normID(r.PathValue("uid"))
	p, err := parseSAPaging(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.activeUser(uid); !ok {
		return nil, errUIDNotFound(uid)
	}
	return s.relationPageLocked(uid, s.st.Blocks[uid], p, nil), nil
}
