package emulator

import (
	"net/http"
	"slices"
)

// Thread lists: GET threads, users/{uid}/threads and groups/{guid}/threads
// (client-protocol.md §5.3, §6.4; model.md §9), also GET /threads of the
// server API (server-api.md §3.9), and the per-viewer unread reply count of
// thread parents.
//
// The service documents the parameters but not the semantics; the
// emulator's reading [spec decision]:
//
//   - A thread is a parent message, not deleted and visible to the viewer
//     (visibleLocked: 1:1 party or group member, not cleared), with at least
//     one visible reply that is not deleted. The path narrows it to one 1:1
//     conversation or one group (ERR_UID_NOT_FOUND, ERR_GUID_NOT_FOUND,
//     ERR_GROUP_NOT_JOINED as for message lists).
//   - participatedByMe (1/true or 0/false; absent = true, the SDK default):
//     only threads whose parent or at least one live reply the viewer sent.
//     The server API without onBehalfOf (app_system) ignores it.
//   - Order: last activity first, by the newest live reply's (sentAt, id),
//     descending.
//   - limit (alias per_page): default 30, clamped to 1…1000
//     (rules-and-limits.md §3).
//   - Cursor: affix=prepend is the only direction (the list walks towards
//     older activity; the affix is echoed as "prepend"). updatedAt and id are
//     the edge of the previous page — updatedAt the sentAt of that thread's
//     newest reply, id that reply's id — and the next page holds the threads
//     whose (updatedAt, id) is strictly below it. updatedAt alone is
//     inclusive (nothing sent in that second is skipped).
//   - meta = {"pagination":{…}, "hasMore":bool, "cursor":{"updatedAt","id",
//     "affix":"prepend"}}; cursor is present exactly when hasMore is true,
//     and carries the edge of the returned page. The page size says nothing
//     about the end.
//   - Each item is the parent message as GET messages/{id} renders it for the
//     viewer (replyCount, unreadRepliesCount, threadSubscribed) plus
//     lastReply (the newest live reply) and unreadReplyCount (the same number
//     as unreadRepliesCount, under the thread list's key).
//
// unreadRepliesCount counts the live replies of a thread that the viewer did
// not send and whose id is above the viewer's read position in the
// conversation: the position POST …/conversation/read and WebSocket read
// receipts advance (marking a reply read marks everything before it, replies
// included) and DELETE …/conversation/read moves back. It is 0 in frames and
// webhooks (no viewer) and in groups above Config.GroupFeatureLimit
// (grouplimits.go).

// Thread list page sizes (rules-and-limits.md §3).
const (
	defaultThreadPage = 30
	maxThreadPage     = 1000
)

func (s *Server) registerThreadRoutes() {
	s.clientRoute("GET threads", s.listThreads(func(*http.Request) listScope { return listScope{} }))
	s.clientRoute("GET users/{uid}/threads", s.listThreads(func(r *http.Request) listScope {
		return listScope{uid: normID(r.PathValue("uid"))}
	}))
	s.clientRoute("GET groups/{guid}/threads", s.listThreads(func(r *http.Request) listScope {
		return listScope{guid: normID(r.PathValue("guid"))}
	}))
	// Server API: onBehalfOf optional; without it app_system sees every thread.
	s.adminRoute("GET threads", fullAccessOnly, s.asActor(s.listThreads(func(*http.Request) listScope { return listScope{} }), false))
}

// threadItemJSON is one thread list item: the parent message plus the thread
// keys of model.md §9.
type threadItemJSON struct {
	messageJSON
	LastReply        *messageJSON `json:"lastReply,omitempty"`
	UnreadReplyCount int          `json:"unreadReplyCount"`
}

// threadCursorJSON is meta.cursor of a thread list.
type threadCursorJSON struct {
	UpdatedAt int64  `json:"updatedAt"`
	ID        int64  `json:"id"`
	Affix     string `json:"affix"`
}

// threadMetaJSON is meta of a thread list.
type threadMetaJSON struct {
	Pagination paginationJSON    `json:"pagination"`
	HasMore    bool              `json:"hasMore"`
	Cursor     *threadCursorJSON `json:"cursor,omitempty"`
}

// threadView is one thread as a viewer sees it.
type threadView struct {
	parent       *messageRecord
	last         *messageRecord // newest live, visible reply
	participated bool
}

// key is the thread's position in the list: its last activity.
func (tv *threadView) key() (updatedAt, id int64) { return tv.last.SentAt, tv.last.ID }

// threadQuery is a parsed thread list query.
type threadQuery struct {
	limit            int
	participatedByMe bool
	updatedAt, id    int64
	hasUpdatedAt     bool
	hasID            bool
}

func parseThreadQuery(r *http.Request) threadQuery {
	q := r.URL.Query()
	tq := threadQuery{limit: defaultThreadPage, participatedByMe: true}
	for _, key := range []string{"limit", "per_page"} {
		if n, ok := queryInt(q, key); ok && n > 0 {
			tq.limit = int(min(n, maxThreadPage))
			break
		}
	}
	if q.Has("participatedByMe") {
		tq.participatedByMe = queryFlag(q, "participatedByMe")
	}
	tq.updatedAt, tq.hasUpdatedAt = queryInt(q, "updatedAt")
	tq.id, tq.hasID = queryInt(q, "id")
	return tq
}

// after reports whether a thread at (u, id) comes after the cursor, i.e.
// belongs to a later (older) page.
func (tq threadQuery) after(u, id int64) bool {
	switch {
	case tq.hasUpdatedAt && tq.hasID:
		return u < tq.updatedAt || (u == tq.updatedAt && id < tq.id)
	case tq.hasUpdatedAt:
		return u <= tq.updatedAt
	case tq.hasID:
		return id < tq.id
	}
	return true
}

func (s *Server) listThreads(scopeOf func(*http.Request) listScope) clientHandler {
	return func(r *http.Request, c *clientCaller) (any, error) {
		tq := parseThreadQuery(r)
		sc := scopeOf(r)
		s.mu.Lock()
		defer s.mu.Unlock()
		if err := s.checkListScopeLocked(sc, c.uid); err != nil {
			return nil, err
		}
		var matches []*threadView
		for _, tv := range s.threadViewsLocked(c.uid, sc) {
			if tq.participatedByMe && c.uid != systemUID && !tv.participated {
				continue
			}
			if u, id := tv.key(); tq.after(u, id) {
				matches = append(matches, tv)
			}
		}
		pg := matches[:min(tq.limit, len(matches))]
		data := make([]threadItemJSON, 0, len(pg))
		for _, tv := range pg {
			item := threadItemJSON{messageJSON: s.renderMessageLocked(tv.parent, c.uid)}
			last := s.renderMessageLocked(tv.last, c.uid)
			item.LastReply = &last
			item.UnreadReplyCount = item.UnreadRepliesCount
			data = append(data, item)
		}
		meta := threadMetaJSON{
			Pagination: paginationJSON{Total: len(matches), Count: len(pg), PerPage: tq.limit, CurrentPage: 1,
				TotalPages: max(1, (len(matches)+tq.limit-1)/tq.limit)},
			HasMore: len(matches) > len(pg),
		}
		if meta.HasMore {
			u, id := pg[len(pg)-1].key()
			meta.Cursor = &threadCursorJSON{UpdatedAt: u, ID: id, Affix: "prepend"}
		}
		return &page{Data: data, Meta: meta}, nil
	}
}

// threadViewsLocked returns the threads viewer may see in scope (sc.uid: one
// 1:1 conversation; sc.guid: one group; neither: all), last activity first.
// Caller holds s.mu.
func (s *Server) threadViewsLocked(viewer string, sc listScope) []*threadView {
	// byParent holds nil for parents already found not to qualify.
	byParent := map[int64]*threadView{}
	var out []*threadView
	for _, m := range s.st.Messages {
		if m.ParentID == 0 || m.Action != nil || m.DeletedAt != 0 {
			continue // not a live reply (edit / delete actions carry the parent id too)
		}
		tv, seen := byParent[m.ParentID]
		if !seen {
			tv = s.newThreadViewLocked(m.ParentID, viewer, sc)
			byParent[m.ParentID] = tv
			if tv != nil {
				out = append(out, tv)
			}
		}
		if tv == nil || !s.visibleLocked(m, viewer) {
			continue
		}
		tv.last = m // Messages is in id order: the last one seen is the newest
		if m.Sender == viewer {
			tv.participated = true
		}
	}
	// Threads whose replies are all hidden (a cleared conversation) drop out.
	out = slices.DeleteFunc(out, func(tv *threadView) bool { return tv.last == nil })
	slices.SortFunc(out, func(a, b *threadView) int {
		au, aid := a.key()
		bu, bid := b.key()
		if au != bu {
			return sign(bu - au)
		}
		return sign(bid - aid)
	})
	return out
}

// newThreadViewLocked starts the view of the thread under parentID, or
// returns nil when the parent is gone, deleted, invisible to viewer or out of
// scope.
func (s *Server) newThreadViewLocked(parentID int64, viewer string, sc listScope) *threadView {
	p, ok := s.st.message(parentID)
	if !ok || p.DeletedAt != 0 || !s.visibleLocked(p, viewer) {
		return nil
	}
	switch {
	case sc.uid != "":
		if p.ReceiverType != receiverTypeUser || p.ConversationID != userConversationID(viewer, sc.uid) {
			return nil
		}
	case sc.guid != "":
		if p.ConversationID != groupConversationID(sc.guid) {
			return nil
		}
	}
	return &threadView{parent: p, participated: p.Sender == viewer}
}

// unreadRepliesLocked is m's unreadRepliesCount for viewer (see the file
// comment). Caller holds s.mu.
func (s *Server) unreadRepliesLocked(m *messageRecord, viewer string) int {
	if viewer == "" || viewer == systemUID || m.ParentID != 0 || !s.unreadTrackedLocked(m) {
		return 0
	}
	i, ok := s.st.messageIndex[m.ID]
	if !ok {
		return 0
	}
	read := s.lastReadLocked(viewer, m.ConversationID)
	n := 0
	for _, r := range s.st.Messages[i+1:] {
		if r.ParentID == m.ID && r.ID > read && r.Sender != viewer && r.DeletedAt == 0 && r.Action == nil {
			n++
		}
	}
	return n
}
