package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Message lists: GET messages, users/{uid}/messages, groups/{guid}/messages
// and messages/{id}/thread, with every filter of client-protocol.md §6.2 and
// both affixes, answering meta.pagination + meta.cursor (§6.3 emulator
// default). The unread-count variant (unread=1&count=1) answers
// [{entityId, entityType, count}].
//
// Cursor rules (the emulator's reading of the official semantics):
//   - affix=prepend returns the newest per_page matches older than the
//     cursor; affix=append the oldest per_page matches newer than it. Pages
//     are ascending by id either way.
//   - The cursor is id when given (strict), else sentAt (inclusive, so a
//     message sent in the cursor's second is never skipped).
//   - With updatedAt the list is in update mode: messages updated at or
//     after updatedAt (onlyUpdates=1: only those edited or deleted), ordered
//     by (updatedAt, id), the cursor being (updatedAt, id).
//   - meta.cursor carries the edge of the page (id, sentAt, updatedAt in
//     update mode) and is left out on the last page.

// Page sizes of message lists (rules-and-limits.md §3).
const (
	defaultMessagePage = 30
	maxMessagePage     = 100
)

func (s *Server) registerMessageQueryRoutes() {
	s.clientRoute("GET messages", s.listMessages(func(*http.Request) listScope { return listScope{} }))
	s.clientRoute("GET users/{uid}/messages", s.listMessages(func(r *http.Request) listScope {
		return listScope{uid: normID(r.PathValue("uid"))}
	}))
	s.clientRoute("GET groups/{guid}/messages", s.listMessages(func(r *http.Request) listScope {
		return listScope{guid: normID(r.PathValue("guid"))}
	}))
	s.clientRoute("GET messages/{id}/thread", s.listMessages(func(r *http.Request) listScope {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		return listScope{parent: id, parentText: r.PathValue("id")}
	}))
}

// listScope is which conversation (or thread) a list covers; zero = all.
type listScope struct {
	uid, guid  string
	parent     int64
	parentText string
}

// messageFilter is a parsed list query.
type messageFilter struct {
	limit                        int
	prepend                      bool
	id, sentAt, updatedAt        int64
	hasID, hasSentAt, updateMode bool
	onlyUpdates                  bool
	unread, count                bool
	hideBlocked                  bool
	search                       string
	categories, types, tags      []string
	hideReplies, hideDeleted     bool
	hideQuoted, withParent       bool
	hasAttachments, hasLinks     bool
	hasMentions, hasReactions    bool
	mentioned, attachmentTypes   []string
	goalCompleted, pinned, saved bool
	receiverType                 string
	countUID, countGUID          string
}

// queryFlag reads a flag parameter: 1 / true (any case) are true.
func queryFlag(q url.Values, key string) bool {
	v, ok := parseFlag(json.RawMessage(strconv.Quote(q.Get(key))))
	return ok && v
}

// queryList splits a comma list parameter (client-protocol.md §2.2).
func queryList(q url.Values, key string) []string {
	var out []string
	for _, v := range q[key] {
		for _, part := range strings.Split(v, ",") {
			if p := strings.TrimSpace(part); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// queryInt reads an integer parameter; ok is false when absent or invalid.
func queryInt(q url.Values, key string) (int64, bool) {
	v := strings.TrimSpace(q.Get(key))
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil {
			return 0, false
		}
		n = int64(f)
	}
	return n, true
}

func parseMessageFilter(q url.Values) *messageFilter {
	f := &messageFilter{limit: defaultMessagePage, prepend: !strings.EqualFold(q.Get("affix"), "append")}
	for _, key := range []string{"per_page", "limit", "perPage"} {
		if n, ok := queryInt(q, key); ok && n > 0 {
			f.limit = int(min(n, maxMessagePage)) // clamped (rules-and-limits.md §3)
			break
		}
	}
	f.id, f.hasID = queryInt(q, "id")
	f.sentAt, f.hasSentAt = queryInt(q, "sentAt")
	f.updatedAt, f.updateMode = queryInt(q, "updatedAt")
	f.onlyUpdates = queryFlag(q, "onlyUpdates")
	f.unread, f.count = queryFlag(q, "unread"), queryFlag(q, "count")
	f.hideBlocked = queryFlag(q, "hideMessagesFromBlockedUsers")
	f.search = strings.ToLower(strings.TrimSpace(q.Get("searchKey")))
	f.categories = append(queryList(q, "categories"), queryList(q, "category")...)
	f.types = append(queryList(q, "types"), queryList(q, "type")...)
	f.tags = queryList(q, "tags")
	f.hideReplies = queryFlag(q, "hideReplies")
	f.hideDeleted = queryFlag(q, "hideDeleted")
	f.hideQuoted = queryFlag(q, "hideQuotedMessages")
	f.withParent = queryFlag(q, "withParent")
	f.hasAttachments = queryFlag(q, "hasAttachments")
	f.hasLinks = queryFlag(q, "hasLinks")
	f.hasMentions = queryFlag(q, "hasMentions")
	f.hasReactions = queryFlag(q, "hasReactions")
	for _, uid := range queryList(q, "mentionedUids") {
		f.mentioned = append(f.mentioned, normID(uid))
	}
	f.attachmentTypes = queryList(q, "attachmentTypes")
	f.goalCompleted = queryFlag(q, "onlyInteractionGoalCompleted")
	f.pinned, f.saved = queryFlag(q, "pinned"), queryFlag(q, "saved")
	f.receiverType = strings.ToLower(q.Get("receiverType"))
	f.countUID, f.countGUID = normID(q.Get("uid")), normID(q.Get("guid"))
	return f
}

// cursorMetaJSON is meta.cursor.
type cursorMetaJSON struct {
	ID        int64  `json:"id"`
	SentAt    int64  `json:"sentAt"`
	UpdatedAt int64  `json:"updatedAt,omitempty"`
	Affix     string `json:"affix"`
}

// paginationJSON is meta.pagination.
type paginationJSON struct {
	Total       int `json:"total"`
	Count       int `json:"count"`
	PerPage     int `json:"per_page"`
	CurrentPage int `json:"current_page"`
	TotalPages  int `json:"total_pages"`
}

type listMetaJSON struct {
	Pagination paginationJSON  `json:"pagination"`
	Cursor     *cursorMetaJSON `json:"cursor,omitempty"`
}

// unreadCountJSON is one item of the unread-count variant.
type unreadCountJSON struct {
	EntityID   string `json:"entityId"`
	EntityType string `json:"entityType"`
	Count      int    `json:"count"`
}

func (s *Server) listMessages(scopeOf func(*http.Request) listScope) clientHandler {
	return func(r *http.Request, c *clientCaller) (any, error) {
		f := parseMessageFilter(r.URL.Query())
		sc := scopeOf(r)
		s.mu.Lock()
		defer s.mu.Unlock()
		if err := s.checkListScopeLocked(sc, c.uid); err != nil {
			return nil, err
		}
		if f.unread && f.count {
			return s.unreadCountsLocked(c.uid, sc, f), nil
		}
		var matches []*messageRecord
		for _, m := range s.st.Messages {
			if s.inScopeLocked(m, sc, f, c.uid) && s.matchesLocked(m, f, c.uid) {
				matches = append(matches, m)
			}
		}
		if f.updateMode {
			slices.SortStableFunc(matches, func(a, b *messageRecord) int {
				if d := updatedOf(a) - updatedOf(b); d != 0 {
					return sign(d)
				}
				return sign(a.ID - b.ID)
			})
		}
		matches = s.applyCursor(matches, f)
		pg := matches
		if len(pg) > f.limit {
			if f.prepend {
				pg = pg[len(pg)-f.limit:]
			} else {
				pg = pg[:f.limit]
			}
		}
		data := make([]messageJSON, 0, len(pg))
		for _, m := range pg {
			data = append(data, s.renderMessageLocked(m, c.uid))
		}
		meta := listMetaJSON{Pagination: paginationJSON{Total: len(matches), Count: len(pg), PerPage: f.limit,
			CurrentPage: 1, TotalPages: max(1, (len(matches)+f.limit-1)/f.limit)}}
		if len(matches) > len(pg) && len(pg) > 0 {
			edge := pg[len(pg)-1]
			if f.prepend {
				edge = pg[0]
			}
			meta.Cursor = &cursorMetaJSON{ID: edge.ID, SentAt: edge.SentAt, Affix: affixName(f.prepend)}
			if f.updateMode {
				meta.Cursor.UpdatedAt = updatedOf(edge)
			}
		}
		return &page{Data: data, Meta: meta}, nil
	}
}

func affixName(prepend bool) string {
	if prepend {
		return "prepend"
	}
	return "append"
}

func sign(d int64) int {
	switch {
	case d < 0:
		return -1
	case d > 0:
		return 1
	}
	return 0
}

func updatedOf(m *messageRecord) int64 { return max(m.UpdatedAt, m.SentAt) }

// checkListScopeLocked validates the path of a list.
func (s *Server) checkListScopeLocked(sc listScope, viewer string) error {
	switch {
	case sc.uid != "":
		if _, ok := s.st.activeUser(sc.uid); !ok {
			return errUIDNotFound(sc.uid)
		}
	case sc.guid != "":
		if _, ok := s.st.activeGroup(sc.guid); !ok {
			return errGUIDNotFound(sc.guid)
		}
		if viewer != systemUID && !s.st.isMember(sc.guid, viewer) {
			return errGroupNotJoined(sc.guid)
		}
	case sc.parentText != "":
		p, ok := s.st.message(sc.parent)
		if !ok || !s.visibleLocked(p, viewer) {
			return errMessageNotFound(sc.parentText)
		}
	}
	return nil
}

// inScopeLocked reports whether m belongs to the list's conversation or
// thread and is visible to viewer.
func (s *Server) inScopeLocked(m *messageRecord, sc listScope, f *messageFilter, viewer string) bool {
	if !s.visibleLocked(m, viewer) {
		return false
	}
	switch {
	case sc.uid != "":
		if m.ConversationID != userConversationID(viewer, sc.uid) || m.ReceiverType != receiverTypeUser {
			return false
		}
	case sc.guid != "":
		if m.ConversationID != groupConversationID(sc.guid) {
			return false
		}
	case sc.parentText != "":
		return m.ParentID == sc.parent || (f.withParent && m.ID == sc.parent)
	}
	if f.receiverType != "" && m.ReceiverType != f.receiverType {
		return false
	}
	return true
}

// matchesLocked applies the content filters.
func (s *Server) matchesLocked(m *messageRecord, f *messageFilter, viewer string) bool {
	if f.updateMode {
		if updatedOf(m) < f.updatedAt {
			return false
		}
		if f.onlyUpdates && m.EditedAt == 0 && m.DeletedAt == 0 {
			return false
		}
	}
	if f.unread && (m.Sender == viewer || m.Action != nil || m.ID <= s.lastReadLocked(viewer, m.ConversationID)) {
		return false
	}
	if f.hideBlocked {
		if _, ok := s.st.Blocks[viewer][m.Sender]; ok {
			return false
		}
	}
	if len(f.categories) > 0 && !slices.Contains(f.categories, m.Category) {
		return false
	}
	if len(f.types) > 0 && !slices.Contains(f.types, m.Type) {
		return false
	}
	if len(f.tags) > 0 && !slices.ContainsFunc(f.tags, func(t string) bool { return slices.Contains(m.Tags, t) }) {
		return false
	}
	if f.hideReplies && m.ParentID != 0 {
		return false
	}
	if f.hideDeleted && m.DeletedAt != 0 {
		return false
	}
	if f.hideQuoted && m.QuotedMessageID != 0 {
		return false
	}
	var d struct {
		Text        string            `json:"text"`
		URL         string            `json:"url"`
		Attachments []json.RawMessage `json:"attachments"`
		Goal        *goalJSON         `json:"interactionGoal"`
		Its         []interactionJSON `json:"interactions"`
	}
	_ = json.Unmarshal(m.Data, &d)
	if f.search != "" && !s.searchMatches(m, d.Text, d.Attachments, f.search) {
		return false
	}
	isMedia := m.Category == categoryMessage && mediaTypes[m.Type]
	if f.hasAttachments && !(isMedia && (d.URL != "" || len(d.Attachments) > 0)) {
		return false
	}
	if len(f.attachmentTypes) > 0 && !(isMedia && slices.Contains(f.attachmentTypes, m.Type)) {
		return false
	}
	if f.hasLinks && !hasLink(d.Text) {
		return false
	}
	mentions := mentionedUIDs(d.Text)
	if f.hasMentions && len(mentions) == 0 {
		return false
	}
	if len(f.mentioned) > 0 && !slices.ContainsFunc(f.mentioned, func(u string) bool { return slices.Contains(mentions, u) }) {
		return false
	}
	if f.hasReactions && len(s.st.Reactions[m.ID]) == 0 {
		return false
	}
	if f.goalCompleted && !(m.Category == categoryInteract && goalComplete(d.Goal, d.Its)) {
		return false
	}
	if f.pinned && s.st.Pins[m.ConversationID][m.ID] == nil {
		return false
	}
	if f.saved && s.st.Saves[viewer][m.ID] == 0 {
		return false
	}
	return true
}

// searchMatches looks for the keyword in the text and the attachment names.
func (s *Server) searchMatches(m *messageRecord, text string, atts []json.RawMessage, key string) bool {
	if strings.Contains(strings.ToLower(text), key) {
		return true
	}
	for _, a := range atts {
		var att struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(a, &att) == nil && strings.Contains(strings.ToLower(att.Name), key) {
			return true
		}
	}
	return false
}

// hasLink reports whether text contains a web link.
func hasLink(text string) bool {
	t := strings.ToLower(text)
	return strings.Contains(t, "http://") || strings.Contains(t, "https://") || strings.Contains(t, "www.")
}

// applyCursor keeps the matches on the requested side of the cursor.
func (s *Server) applyCursor(ms []*messageRecord, f *messageFilter) []*messageRecord {
	out := ms[:0:0]
	for _, m := range ms {
		if f.updateMode {
			u := updatedOf(m)
			if f.hasID {
				if f.prepend && !(u < f.updatedAt || (u == f.updatedAt && m.ID < f.id)) {
					continue
				}
				if !f.prepend && !(u > f.updatedAt || (u == f.updatedAt && m.ID > f.id)) {
					continue
				}
			}
		} else if f.hasID {
			if (f.prepend && m.ID >= f.id) || (!f.prepend && m.ID <= f.id) {
				continue
			}
		} else if f.hasSentAt {
			if (f.prepend && m.SentAt > f.sentAt) || (!f.prepend && m.SentAt < f.sentAt) {
				continue
			}
		}
		out = append(out, m)
	}
	return out
}

// unreadCountsLocked answers the unread-count variant.
func (s *Server) unreadCountsLocked(viewer string, sc listScope, f *messageFilter) []unreadCountJSON {
	out := []unreadCountJSON{}
	for _, cv := range s.conversationViewsLocked(viewer, f.hideBlocked) {
		switch {
		case sc.uid != "" && cv.id != userConversationID(viewer, sc.uid):
			continue
		case sc.guid != "" && cv.id != groupConversationID(sc.guid):
			continue
		case f.countUID != "" && cv.id != userConversationID(viewer, f.countUID):
			continue
		case f.countGUID != "" && cv.id != groupConversationID(f.countGUID):
			continue
		case f.receiverType != "" && cv.typ != f.receiverType:
			continue
		}
		if cv.unread > 0 {
			out = append(out, unreadCountJSON{EntityID: cv.with, EntityType: cv.typ, Count: cv.unread})
		}
	}
	return out
}
