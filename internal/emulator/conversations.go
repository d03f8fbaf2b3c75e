package emulator

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Conversations (client-protocol.md §5.5, model.md §8). A user's
// conversations are derived from the messages that user can see, so they
// always agree with history; the per-user record (state.Conversations) only
// keeps what is the user's own: read / delivered positions, tags, and the
// point up to which the user deleted the conversation.

// Conversation list page sizes (rules-and-limits.md §3).
const (
	defaultConversationPage = 30
	maxConversationPage     = 50
	agenticRole             = "@agentic"
)

func (s *Server) registerConversationRoutes() {
	s.clientRoute("GET conversations", s.listConversations)
	for _, kind := range []string{"users/{uid}", "groups/{guid}"} {
		s.clientRoute("GET "+kind+"/conversation", s.withConversation(s.getConversation))
		s.clientRoute("PUT "+kind+"/conversation", s.withConversation(s.tagConversation))
		s.clientRoute("DELETE "+kind+"/conversation", s.withConversation(s.deleteConversation))
		s.clientRoute("POST "+kind+"/conversation/read", s.withConversation(s.markConversation(true)))
		s.clientRoute("POST "+kind+"/conversation/delivered", s.withConversation(s.markConversation(false)))
		s.clientRoute("DELETE "+kind+"/conversation/read", s.withConversation(s.markUnread))
		s.clientRoute("POST "+kind+"/conversation/pin", s.withConversation(s.pinConversation(true)))
		s.clientRoute("DELETE "+kind+"/conversation/pin", s.withConversation(s.pinConversation(false)))
	}
}

// convView is one conversation as a user sees it.
type convView struct {
	id, typ, with  string
	last           *messageRecord // newest message that moves the conversation
	latest         int64          // newest visible message id
	first          int64          // sentAt of the oldest visible message
	unread         int
	unreadMentions int
	rec            *conversationRecord // nil when the user has no own state yet
}

// counted reports whether m is a message the user is expected to read
// (not an action, not a call status, not a thread reply, not deleted).
func counted(m *messageRecord) bool {
	return m.Action == nil && m.Category != categoryCall && m.ParentID == 0 && m.DeletedAt == 0
}

// conversationViewsLocked derives viewer's conversations, newest first.
// hideBlocked leaves out unread messages from users viewer has blocked.
func (s *Server) conversationViewsLocked(viewer string, hideBlocked bool) []*convView {
	byID := map[string]*convView{}
	for _, m := range s.st.Messages {
		if !s.visibleLocked(m, viewer) {
			continue
		}
		cv := byID[m.ConversationID]
		if cv == nil {
			cv = &convView{id: m.ConversationID, typ: m.ReceiverType, first: m.SentAt, rec: s.st.Conversations[viewer][m.ConversationID]}
			cv.with = m.Receiver
			if m.ReceiverType == receiverTypeUser && m.Receiver == viewer {
				cv.with = m.Sender
			}
			byID[m.ConversationID] = cv
		}
		cv.latest = m.ID
		if m.ParentID == 0 && !(m.Action != nil && m.Type == actionTypeMessage) {
			cv.last = m
		}
		read := int64(0)
		if cv.rec != nil {
			read = cv.rec.LastReadMessageID
		}
		// No unread counts above Config.GroupFeatureLimit members (grouplimits.go).
		if counted(m) && m.Sender != viewer && m.ID > read && s.unreadTrackedLocked(m) {
			if _, blocked := s.st.Blocks[viewer][m.Sender]; hideBlocked && blocked {
				continue
			}
			cv.unread++
			if slices.Contains(mentionedUIDs(messageText(m)), viewer) {
				cv.unreadMentions++
			}
		}
	}
	out := make([]*convView, 0, len(byID))
	for _, cv := range byID {
		if cv.last != nil {
			out = append(out, cv)
		}
	}
	slices.SortFunc(out, func(a, b *convView) int { return sign(b.last.ID - a.last.ID) })
	return out
}

// conversationJSON is the wire Conversation (model.md §8).
type conversationJSON struct {
	ConversationID      string       `json:"conversationId"`
	ConversationType    string       `json:"conversationType"`
	ConversationWith    any          `json:"conversationWith"`
	LastMessage         *messageJSON `json:"lastMessage,omitempty"`
	UnreadMessageCount  string       `json:"unreadMessageCount"`
	UnreadMentionsCount int          `json:"unreadMentionsCount"`
	LastReadMessageID   string       `json:"lastReadMessageId,omitempty"`
	LatestMessageID     string       `json:"latestMessageId,omitempty"`
	Tags                []string     `json:"tags,omitempty"`
	CreatedAt           int64        `json:"createdAt"`
	UpdatedAt           int64        `json:"updatedAt"`
	PinnedAt            int64        `json:"pinnedAt,omitempty"`
	PinnedBy            string       `json:"pinnedBy,omitempty"`
}

// renderConversationLocked renders cv for viewer.
func (s *Server) renderConversationLocked(cv *convView, viewer string) conversationJSON {
	j := conversationJSON{ConversationID: cv.id, ConversationType: cv.typ,
		UnreadMessageCount: strconv.Itoa(cv.unread), UnreadMentionsCount: cv.unreadMentions,
		LatestMessageID: idString(cv.latest), CreatedAt: cv.first, UpdatedAt: max(cv.last.SentAt, cv.last.UpdatedAt)}
	if cv.typ == receiverTypeGroup {
		j.ConversationWith = s.groupEntityLocked(cv.with, viewer)
	} else {
		j.ConversationWith = s.userEntityLocked(cv.with, viewer)
	}
	lm := s.renderMessageLocked(cv.last, viewer)
	j.LastMessage = &lm
	if cv.rec != nil {
		j.LastReadMessageID = idString(cv.rec.LastReadMessageID)
		j.Tags = slices.Clone(cv.rec.Tags)
		j.UpdatedAt = max(j.UpdatedAt, cv.rec.UpdatedAt)
	}
	if at := s.st.PinnedConversations[viewer][cv.id]; at != 0 {
		j.PinnedAt, j.PinnedBy = at, viewer
	} else if at := s.st.PinnedConversations[systemUID][cv.id]; at != 0 {
		j.PinnedAt, j.PinnedBy = at, systemUID
	}
	return j
}

// convRecordLocked returns viewer's own record of a conversation, creating
// it on first use.
func (s *Server) convRecordLocked(viewer, id, typ, with string) *conversationRecord {
	byID := innerMap(s.st.Conversations, viewer)
	rec := byID[id]
	if rec == nil {
		rec = &conversationRecord{ConversationID: id, ConversationType: typ, With: with, CreatedAt: s.now().Unix()}
		byID[id] = rec
	}
	return rec
}

// lastReadLocked is viewer's read position in a conversation.
func (s *Server) lastReadLocked(viewer, convID string) int64 {
	if rec := s.st.Conversations[viewer][convID]; rec != nil {
		return rec.LastReadMessageID
	}
	return 0
}

// findViewLocked returns viewer's view of one conversation.
func (s *Server) findViewLocked(viewer, id string) (*convView, bool) {
	for _, cv := range s.conversationViewsLocked(viewer, false) {
		if cv.id == id {
			return cv, true
		}
	}
	return nil, false
}

// convTarget is the conversation a …/conversation path names.
type convTarget struct {
	id, typ, with string
}

type convHandler func(r *http.Request, c *clientCaller, t convTarget) (any, error)

// withConversation resolves users/{uid} or groups/{guid} into a target and
// checks that the peer exists (and, for groups, membership).
func (s *Server) withConversation(h convHandler) clientHandler {
	return func(r *http.Request, c *clientCaller) (any, error) {
		var t convTarget
		if uid := r.PathValue("uid"); uid != "" {
			t = convTarget{id: userConversationID(c.uid, uid), typ: receiverTypeUser, with: normID(uid)}
		} else {
			guid := normID(r.PathValue("guid"))
			t = convTarget{id: groupConversationID(guid), typ: receiverTypeGroup, with: guid}
		}
		s.mu.Lock()
		if t.typ == receiverTypeUser {
			if _, ok := s.st.activeUser(t.with); !ok {
				s.mu.Unlock()
				return nil, errUIDNotFound(t.with)
			}
		} else if _, ok := s.st.activeGroup(t.with); !ok {
			s.mu.Unlock()
			return nil, errGUIDNotFound(t.with)
		}
		s.mu.Unlock()
		return h(r, c, t)
	}
}

func errConversationNotAccessible(id string) *Error {
	return newError("ERR_CONVERSATION_NOT_ACCESSIBLE", "The conversation %s is not accessible: no message has been exchanged yet.", id)
}

func (s *Server) getConversation(_ *http.Request, c *clientCaller, t convTarget) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cv, ok := s.findViewLocked(c.uid, t.id)
	if !ok {
		return nil, errConversationNotAccessible(t.id)
	}
	return s.renderConversationLocked(cv, c.uid), nil
}

// tagConversation: PUT …/conversation {"tags":[…]} replaces the user's tags.
func (s *Server) tagConversation(r *http.Request, c *clientCaller, t convTarget) (any, error) {
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	var v validator
	raw, ok := body["tags"]
	if !ok {
		v.add("tags", "The tags field is required.")
	}
	tags, _ := v.tags("tags", raw)
	if err := v.err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cv, ok := s.findViewLocked(c.uid, t.id)
	if !ok {
		return nil, errConversationNotAccessible(t.id)
	}
	rec := s.convRecordLocked(c.uid, t.id, t.typ, t.with)
	rec.Tags, rec.UpdatedAt = tags, s.now().Unix()
	cv.rec = rec
	return s.renderConversationLocked(cv, c.uid), nil
}

// deleteConversation hides the conversation and its history from this user
// only, until a new message arrives.
func (s *Server) deleteConversation(_ *http.Request, c *clientCaller, t convTarget) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cv, ok := s.findViewLocked(c.uid, t.id)
	if !ok {
		return nil, errConversationNotAccessible(t.id)
	}
	rec := s.convRecordLocked(c.uid, t.id, t.typ, t.with)
	rec.ClearedUpTo, rec.DeletedAt = cv.latest, s.now().Unix()
	rec.LastReadMessageID = max(rec.LastReadMessageID, cv.latest)
	return okAck("The conversation " + t.id + " has been deleted."), nil
}

// markConversation: POST …/conversation/read or /delivered, up to
// {"messageId"} or the newest message.
func (s *Server) markConversation(read bool) convHandler {
	return func(r *http.Request, c *clientCaller, t convTarget) (any, error) {
		body, err := readObject(r, 0)
		if err != nil {
			return nil, err
		}
		upTo := rawID(body["messageId"])
		s.mu.Lock()
		defer s.mu.Unlock()
		cv, ok := s.findViewLocked(c.uid, t.id)
		if !ok {
			return nil, errConversationNotAccessible(t.id)
		}
		if upTo == 0 || upTo > cv.latest {
			upTo = cv.latest
		}
		s.markUpToLocked(c.uid, c.session, t.id, t.typ, t.with, upTo, read)
		what := "delivered"
		if read {
			what = "read"
		}
		return okAck("The conversation " + t.id + " has been marked as " + what + "."), nil
	}
}

// markUnread: DELETE …/conversation/read {"messageId"} makes that message
// and everything after it unread again; the answer is {"conversation":…}.
func (s *Server) markUnread(r *http.Request, c *clientCaller, t convTarget) (any, error) {
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	id := rawID(body["messageId"])
	if id <= 0 {
		return nil, errBadRequest(map[string][]string{"messageId": {"The messageId field is required."}})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.st.message(id)
	if !ok || m.ConversationID != t.id || !s.visibleLocked(m, c.uid) {
		return nil, errMessageNotFound(strconv.FormatInt(id, 10))
	}
	if m.Sender == c.uid {
		return nil, newError("ERR_MESSAGE_ACTION_NOT_ALLOWED", "A user cannot mark its own message %d as unread.", id)
	}
	rec := s.convRecordLocked(c.uid, t.id, t.typ, t.with)
	rec.LastReadMessageID = id - 1
	rec.UpdatedAt = s.now().Unix()
	cv, ok := s.findViewLocked(c.uid, t.id)
	if !ok {
		return nil, errConversationNotAccessible(t.id)
	}
	return map[string]any{"conversation": s.renderConversationLocked(cv, c.uid)}, nil
}

// Pinned conversations per user (rules-and-limits.md §2).
const maxPinnedConversations = 5

func (s *Server) pinConversation(pin bool) convHandler {
	return func(_ *http.Request, c *clientCaller, t convTarget) (any, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		cv, ok := s.findViewLocked(c.uid, t.id)
		if !ok {
			return nil, errConversationNotAccessible(t.id)
		}
		pins := s.st.PinnedConversations[c.uid]
		if pin {
			pins = innerMap(s.st.PinnedConversations, c.uid)
			if pins[t.id] == 0 {
				if len(pins) >= maxPinnedConversations {
					return nil, newError("ERR_PINNED_CONVERSATIONS_LIMIT_EXCEEDED", "A user may pin at most %d conversations.", maxPinnedConversations)
				}
				pins[t.id] = s.now().Unix()
			}
		} else {
			if pins[t.id] == 0 && s.st.PinnedConversations[systemUID][t.id] != 0 {
				return nil, newError("ERR_SYSTEM_PINNED_CONVERSATION", "The conversation %s is pinned by the app.", t.id)
			}
			delete(pins, t.id)
		}
		return s.renderConversationLocked(cv, c.uid), nil
	}
}

// listConversations: GET conversations, page-based (client-protocol.md §6.1).
func (s *Server) listConversations(r *http.Request, c *clientCaller) (any, error) {
	q := r.URL.Query()
	perPage := defaultConversationPage
	if n, ok := queryInt(q, "per_page"); ok && n > 0 {
		perPage = int(min(n, maxConversationPage))
	}
	pageNo := 1
	if n, ok := queryInt(q, "page"); ok && n > 0 {
		pageNo = int(n)
	}
	typ := strings.ToLower(q.Get("conversationType"))
	search := strings.ToLower(strings.TrimSpace(q.Get("searchKey")))
	tags, userTags, groupTags := queryList(q, "tags"), queryList(q, "userTags"), queryList(q, "groupTags")
	includeBlocked, unread := queryFlag(q, "includeBlockedUsers"), queryFlag(q, "unread")
	hideAgentic, onlyAgentic := queryFlag(q, "hideAgentic"), queryFlag(q, "onlyAgentic")
	pinnedBy := queryList(q, "pinnedBy")
	s.mu.Lock()
	defer s.mu.Unlock()
	var keep []*convView
	for _, cv := range s.conversationViewsLocked(c.uid, false) {
		if typ != "" && cv.typ != typ {
			continue
		}
		var peerName string
		var peerTags []string
		role := ""
		if cv.typ == receiverTypeGroup {
			if g := s.st.Groups[cv.with]; g != nil {
				peerName, peerTags = g.Name, g.Tags
			}
		} else if u := s.st.Users[cv.with]; u != nil {
			peerName, peerTags, role = u.Name, u.Tags, u.Role
		}
		_, blocked := s.st.Blocks[c.uid][cv.with]
		switch {
		case cv.typ == receiverTypeUser && blocked && !includeBlocked:
			continue
		case search != "" && !strings.Contains(strings.ToLower(peerName), search) && !strings.Contains(cv.with, search):
			continue
		case unread && cv.unread == 0:
			continue
		case len(tags) > 0 && (cv.rec == nil || !anyIn(tags, cv.rec.Tags)):
			continue
		case len(userTags) > 0 && (cv.typ != receiverTypeUser || !anyIn(userTags, peerTags)):
			continue
		case len(groupTags) > 0 && (cv.typ != receiverTypeGroup || !anyIn(groupTags, peerTags)):
			continue
		case hideAgentic && role == agenticRole, onlyAgentic && role != agenticRole:
			continue
		case len(pinnedBy) > 0 && !s.pinnedByMatches(c.uid, cv.id, pinnedBy):
			continue
		}
		keep = append(keep, cv)
	}
	start := min((pageNo-1)*perPage, len(keep))
	end := min(start+perPage, len(keep))
	data := make([]conversationJSON, 0, end-start)
	for _, cv := range keep[start:end] {
		data = append(data, s.renderConversationLocked(cv, c.uid))
	}
	return &page{Data: data, Meta: map[string]any{"pagination": paginationJSON{Total: len(keep), Count: len(data),
		PerPage: perPage, CurrentPage: pageNo, TotalPages: max(1, (len(keep)+perPage-1)/perPage)}}}, nil
}

func (s *Server) pinnedByMatches(viewer, id string, by []string) bool {
	for _, who := range by {
		if (who == "me" && s.st.PinnedConversations[viewer][id] != 0) ||
			(who == "system" && s.st.PinnedConversations[systemUID][id] != 0) {
			return true
		}
	}
	return false
}

// anyIn reports whether any of want is in have.
func anyIn(want, have []string) bool {
	return slices.ContainsFunc(want, func(t string) bool { return slices.Contains(have, t) })
}
