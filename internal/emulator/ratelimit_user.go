package emulator

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// Per-user rate limits (server-api.md §5, rules-and-limits.md §8): the
// service allows each user 30 message sends and 5 mark-as-unread requests a
// minute. They are off by default; RateLimitConfig.PerUser turns both on
// with those values, SendLimit / MarkUnreadLimit set either on its own.
//
// What counts, on both APIs:
//
//   - a send: POST messages, POST messages/{id}/thread, POST
//     bots/{uid}/messages (the bot is the user); sends by the API key without
//     onBehalfOf come from app_system, which is not a user and is not limited;
//   - a mark-as-unread: DELETE users/{uid}/conversation/read and DELETE
//     groups/{guid}/conversation/read.
//
// The user is the owner of the authToken (client API) or the onBehalfOf
// user (server API); a request whose user cannot be told (unknown token) is
// not counted here and fails authentication anyway. The windows are the same
// fixed windows as the other limits (RateLimitConfig.Window, aligned), a
// request answered 429 counts against nothing, and the headers describe the
// most constrained limit that applies, in both spellings; over the limit the
// answer is 429 ERR_TOO_MANY_REQUESTS with Retry-After (the seconds until the
// window ends).

// The service's per-user limits per minute.
const (
	// DefaultSendLimit is the per-user limit of message sends per minute.
	DefaultSendLimit = 30
	// DefaultMarkUnreadLimit is the per-user limit of mark-as-unread
	// requests per minute.
	DefaultMarkUnreadLimit = 5
)

// Per-user operations.
const (
	opSend       = "send"
	opMarkUnread = "markUnread"
)

// sendLimit is the effective per-user send limit (0: none).
func (c RateLimitConfig) sendLimit() int {
	if c.SendLimit > 0 {
		return c.SendLimit
	}
	if c.PerUser {
		return DefaultSendLimit
	}
	return 0
}

// markUnreadLimit is the effective per-user mark-as-unread limit (0: none).
func (c RateLimitConfig) markUnreadLimit() int {
	if c.MarkUnreadLimit > 0 {
		return c.MarkUnreadLimit
	}
	if c.PerUser {
		return DefaultMarkUnreadLimit
	}
	return 0
}

func (c RateLimitConfig) perUserEnabled() bool { return c.sendLimit() > 0 || c.markUnreadLimit() > 0 }

// userWindows counts per-user operations in the current fixed window. The
// zero value is ready.
type userWindows struct {
	mu     sync.Mutex
	start  time.Time
	counts map[string]int // op + "\x00" + uid
}

// perUserOp classifies a request (path without the version prefix): the
// per-user operation and, for a bot send, the bot's uid.
func perUserOp(method, path string) (op, pathUID string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case method == http.MethodPost && len(segs) == 1 && segs[0] == "messages",
		method == http.MethodPost && len(segs) == 3 && segs[0] == "messages" && segs[2] == "thread":
		return opSend, ""
	case method == http.MethodPost && len(segs) == 3 && segs[0] == "bots" && segs[2] == "messages":
		return opSend, normID(segs[1])
	case method == http.MethodDelete && len(segs) == 4 && (segs[0] == "users" || segs[0] == "groups") &&
		segs[2] == "conversation" && segs[3] == "read":
		return opMarkUnread, ""
	}
	return "", ""
}

// rateLimitUser returns the user a request acts as, or "" when it has none
// (the API key alone) or it cannot be told.
func (s *Server) rateLimitUser(r *http.Request, pathUID string) string {
	if tok := r.Header.Get("authToken"); tok != "" {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.st.tokenOwner[tok]
	}
	if r.Header.Get("apikey") == "" {
		return ""
	}
	if pathUID != "" {
		return pathUID
	}
	return normID(r.Header.Get("onBehalfOf"))
}

// takeRequest counts one REST request against every limit that applies
// (the app-wide classes of take and the per-user limits) and returns the
// values for the headers of the most constrained one; limit < 0 when none
// applies. Nothing is counted when the request is refused.
func (l *rateLimiter) takeRequest(s *Server, r *http.Request, now time.Time, path string) (limit, remaining int, reset time.Time, ok bool) {
	class := rateClass(r.Method, path)
	op, pathUID := perUserOp(r.Method, path)
	userLimit := 0
	switch op {
	case opSend:
		userLimit = l.cfg.sendLimit()
	case opMarkUnread:
		userLimit = l.cfg.markUnreadLimit()
	}
	uid := ""
	if userLimit > 0 {
		uid = s.rateLimitUser(r, pathUID)
	}
	if uid == "" {
		return l.take(now, class)
	}
	u := &l.users
	u.mu.Lock()
	defer u.mu.Unlock()
	start := now.Truncate(l.cfg.Window)
	if !start.Equal(u.start) || u.counts == nil {
		u.start = start
		u.counts = map[string]int{}
	}
	key := op + "\x00" + uid
	userReset := start.Add(l.cfg.Window)
	if u.counts[key] >= userLimit {
		return userLimit, 0, userReset, false // over the user's limit: the app-wide ones are not charged
	}
	limit, remaining, reset, ok = l.take(now, class)
	if !ok {
		return limit, remaining, reset, false
	}
	u.counts[key]++
	if left := userLimit - u.counts[key]; limit < 0 || left < remaining {
		limit, remaining, reset = userLimit, left, userReset
	}
	return limit, remaining, reset, true
}
