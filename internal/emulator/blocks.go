package emulator

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Blocking on the client API: POST / DELETE / GET blockedusers
// (client-protocol.md §5.1, surface.md §4).
//
// Emulator defaults [inferred]: the answer is a map uid → {success, message}
// (model.md §11); a uid that cannot be blocked (unknown, deactivated) gets
// success:false plus an error object with the code. Naming oneself fails the
// whole call with ERR_CANNOT_BLOCK_SELF (errors.md §3.8). Blocking twice and
// unblocking a user who is not blocked both succeed (the end state is what was
// asked). GET blockedusers lists, per direction (both by default), the users
// with blockedByMe / hasBlockedMe and their times, ordered by name then uid.

// Event kinds of blocking; their webhook data is {users{<uid>: user}, by:
// user} (server-api.md §6.6).
const (
	EventUserBlocked   EventKind = "user_blocked"
	EventUserUnblocked EventKind = "user_unblocked"
)

func (s *Server) registerBlockRoutes() {
	s.clientRoute("POST blockedusers", s.clientBlockUsers)
	s.clientRoute("DELETE blockedusers", s.clientUnblockUsers)
	s.clientRoute("GET blockedusers", s.clientListBlockedUsers)
}

// maxBlockUIDs caps one block / unblock call; the real limit is not
// documented, so this only guards against runaway bodies.
const maxBlockUIDs = 1000

// perUIDResult is one entry of a block / unblock answer.
type perUIDResult struct {
	Success bool         `json:"success"`
	Message string       `json:"message"`
	Error   *errorFields `json:"error,omitempty"`
}

// parseBlockedUIDs reads {"blockedUids":[…]}: required, non-empty, valid uids
// (lower-cased, de-duplicated, in the order given).
func parseBlockedUIDs(r *http.Request) ([]string, error) {
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	var v validator
	raw, ok := body["blockedUids"]
	var list []string
	switch {
	case !ok:
		v.add("blockedUids", "The blockedUids field is required.")
	case isNull(raw) || json.Unmarshal(raw, &list) != nil:
		v.add("blockedUids", "The blockedUids must be an array of strings.")
	case len(list) == 0:
		v.add("blockedUids", "The blockedUids field is required.")
	case len(list) > maxBlockUIDs:
		v.add("blockedUids", "The blockedUids may not have more than "+strconv.Itoa(maxBlockUIDs)+" items.")
	}
	var out []string
	for i, uid := range list {
		if !v.id("blockedUids."+strconv.Itoa(i), uid) {
			continue
		}
		if uid = normID(uid); !slices.Contains(out, uid) {
			out = append(out, uid)
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// clientBlockUsers: POST blockedusers.
func (s *Server) clientBlockUsers(r *http.Request, c *clientCaller) (any, error) {
	return s.changeBlocks(r, c, true)
}

// clientUnblockUsers: DELETE blockedusers.
func (s *Server) clientUnblockUsers(r *http.Request, c *clientCaller) (any, error) {
	return s.changeBlocks(r, c, false)
}

func (s *Server) changeBlocks(r *http.Request, c *clientCaller, block bool) (any, error) {
	uids, err := parseBlockedUIDs(r)
	if err != nil {
		return nil, err
	}
	if slices.Contains(uids, c.uid) {
		return nil, newError("ERR_CANNOT_BLOCK_SELF", "You cannot block or unblock yourself.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changeBlocksLocked(c.uid, uids, block, c.session), nil
}

// changeBlocksLocked blocks (or unblocks) uids for blocker and publishes one
// user_blocked / user_unblocked event for the users that changed. Caller
// holds s.mu.
func (s *Server) changeBlocksLocked(blocker string, uids []string, block bool, session string) map[string]perUIDResult {
	now := s.now().Unix()
	out := make(map[string]perUIDResult, len(uids))
	changed := map[string]any{}
	for _, uid := range uids {
		u, ok := s.st.activeUser(uid)
		if !ok {
			e := errUIDNotFound(uid)
			f := e.wire().Error
			out[uid] = perUIDResult{Message: e.Message, Error: &f}
			continue
		}
		mine := s.st.Blocks[blocker]
		_, was := mine[uid]
		if block {
			mine = innerMap(s.st.Blocks, blocker)
			if !was {
				mine[uid] = now
				changed[uid] = s.renderUserLocked(u, blocker)
			}
			out[uid] = perUIDResult{Success: true, Message: "The user " + uid + " has been blocked successfully."}
			continue
		}
		if was {
			delete(mine, uid)
			changed[uid] = s.renderUserLocked(u, blocker)
		}
		out[uid] = perUIDResult{Success: true, Message: "The user " + uid + " has been unblocked successfully."}
	}
	if len(changed) > 0 {
		kind := EventUserUnblocked
		if block {
			kind = EventUserBlocked
		}
		s.publish(Event{Kind: kind, UID: blocker, Session: session, Trigger: string(kind),
			WebhookData: map[string]any{"users": changed, "by": s.userEntityLocked(blocker, "")}})
	}
	return out
}

// clientListBlockedUsers: GET blockedusers.
func (s *Server) clientListBlockedUsers(r *http.Request, c *clientCaller) (any, error) {
	q := r.URL.Query()
	pg, err := parsePaging(q)
	if err != nil {
		return nil, err
	}
	direction := q.Get("direction")
	switch direction {
	case "":
		direction = "both"
	case "both", "blockedByMe", "hasBlockedMe":
	default:
		return nil, errBadRequest(map[string][]string{"direction": {"The selected direction is invalid."}})
	}
	keyword := strings.ToLower(q.Get("searchKey"))
	s.mu.Lock()
	defer s.mu.Unlock()
	var users []*userRecord
	for _, u := range s.st.Users {
		if u.UID == c.uid || u.DeletedAt != 0 || u.DeactivatedAt != 0 {
			continue
		}
		_, byMe := s.st.Blocks[c.uid][u.UID]
		_, me := s.st.Blocks[u.UID][c.uid]
		switch {
		case direction == "blockedByMe" && !byMe,
			direction == "hasBlockedMe" && !me,
			direction == "both" && !byMe && !me,
			!matchesKeyword(u, keyword, nil):
			continue
		}
		users = append(users, u)
	}
	slices.SortFunc(users, func(a, b *userRecord) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.UID, b.UID))
	})
	out := make([]userJSON, len(users))
	for i, u := range users {
		out[i] = s.renderUserLocked(u, c.uid)
	}
	return pageOf(out, pg), nil
}
