package emulator

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Reactions (client-protocol.md §5.3, §6.4; model.md §6): add and remove
// answer the updated message; lists are cursor lists with
// meta.next / meta.previous {affix, id} (emulator default).

// Reaction limits (rules-and-limits.md §2, §3).
const (
	maxDistinctReactions = 25
	maxReactionLen       = 45
	defaultReactionPage  = 10
	maxReactionPage      = 20
)

// Event kinds of reactions.
const (
	EventReactionAdded   EventKind = "message_reaction_added"
	EventReactionRemoved EventKind = "message_reaction_removed"
)

func (s *Server) registerReactionRoutes() {
	s.clientRoute("POST messages/{id}/reactions/{reaction}", s.react(true))
	s.clientRoute("DELETE messages/{id}/reactions/{reaction}", s.react(false))
	s.clientRoute("GET messages/{id}/reactions", s.listReactions)
	s.clientRoute("GET messages/{id}/reactions/{reaction}", s.listReactions)
}

// reactionJSON is a Reaction (model.md §6).
type reactionJSON struct {
	ID        string `json:"id"`
	MessageID string `json:"messageId"`
	Reaction  string `json:"reaction"`
	UID       string `json:"uid"`
	ReactedAt int64  `json:"reactedAt"`
	ReactedBy any    `json:"reactedBy"`
}

func (s *Server) renderReactionLocked(r *reactionRecord, viewer string) reactionJSON {
	return reactionJSON{ID: idString(r.ID), MessageID: idString(r.MessageID), Reaction: r.Reaction, UID: r.UID,
		ReactedAt: r.ReactedAt, ReactedBy: s.userEntityLocked(r.UID, viewer)}
}

// reactionCountsLocked renders data.reactions: one entry per emoji in the
// order first used, with whether viewer reacted.
func (s *Server) reactionCountsLocked(id int64, viewer string) []reactionCountJSON {
	var out []reactionCountJSON
	for _, r := range s.st.Reactions[id] {
		i := slices.IndexFunc(out, func(c reactionCountJSON) bool { return c.Reaction == r.Reaction })
		if i < 0 {
			out = append(out, reactionCountJSON{Reaction: r.Reaction})
			i = len(out) - 1
		}
		out[i].Count++
		if r.UID == viewer {
			out[i].ReactedByMe = true
		}
	}
	return out
}

// reactionParam decodes the {reaction} path segment (the SDK sends it
// encodeURIComponent-ed; ServeMux has decoded it once already).
func reactionParam(r *http.Request) string {
	v := r.PathValue("reaction")
	if dec, err := url.PathUnescape(v); err == nil {
		v = dec
	}
	return strings.TrimSpace(v)
}

func (s *Server) react(add bool) clientHandler {
	return func(r *http.Request, c *clientCaller) (any, error) {
		reaction := reactionParam(r)
		if reaction == "" || utf8.RuneCountInString(reaction) > maxReactionLen {
			return nil, errBadRequest(map[string][]string{"reaction": {
				"The reaction must be 1 to " + strconv.Itoa(maxReactionLen) + " characters."}})
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		m, err := s.visibleMessageLocked(r.PathValue("id"), c.uid)
		if err != nil {
			return nil, err
		}
		list := s.st.Reactions[m.ID]
		i := slices.IndexFunc(list, func(x *reactionRecord) bool { return x.UID == c.uid && x.Reaction == reaction })
		var changed *reactionRecord
		kind, action := EventReactionAdded, "message_reaction_added"
		if add && i < 0 {
			distinct := map[string]bool{reaction: true}
			for _, x := range list {
				distinct[x.Reaction] = true
			}
			if len(distinct) > maxDistinctReactions {
				return nil, errBadRequest(map[string][]string{"reaction": {
					"A message may have at most " + strconv.Itoa(maxDistinctReactions) + " distinct reactions."}})
			}
			s.st.LastReactionID++
			changed = &reactionRecord{ID: s.st.LastReactionID, MessageID: m.ID, Reaction: reaction, UID: c.uid, ReactedAt: s.now().Unix()}
			s.st.Reactions[m.ID] = append(list, changed)
		} else if !add && i >= 0 {
			changed = list[i]
			s.st.Reactions[m.ID] = slices.Delete(list, i, i+1)
			kind, action = EventReactionRemoved, "message_reaction_removed"
		}
		if changed != nil {
			rj := s.renderReactionLocked(changed, "")
			body := map[string]any{"action": action, "id": rj.ID, "messageId": rj.MessageID, "uid": rj.UID,
				"reaction": rj.Reaction, "reactedBy": rj.ReactedBy, "reactedAt": rj.ReactedAt, "conversationId": m.ConversationID}
			if m.ParentID != 0 {
				body["parentId"] = idString(m.ParentID)
			}
			s.publish(Event{Kind: kind, UID: c.uid, Session: c.session,
				Frame:      s.messageFrame(m, c.session, "reaction", c.uid, body),
				Recipients: s.recipientsLocked(m), Trigger: string(kind), WebhookData: map[string]any{"reaction": rj}})
		}
		return s.renderMessageLocked(m, c.uid), nil
	}
}

// listReactions: GET messages/{id}/reactions[/{reaction}] with limit,
// affix and id (the cursor copied from meta.next / meta.previous).
func (s *Server) listReactions(r *http.Request, c *clientCaller) (any, error) {
	q := r.URL.Query()
	limit := defaultReactionPage
	if n, ok := queryInt(q, "limit"); ok && n > 0 {
		limit = int(min(n, maxReactionPage))
	}
	prepend := strings.EqualFold(q.Get("affix"), "prepend")
	cursor, hasCursor := queryInt(q, "id")
	only := reactionParam(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.visibleMessageLocked(r.PathValue("id"), c.uid)
	if err != nil {
		return nil, err
	}
	var all []*reactionRecord
	for _, x := range s.st.Reactions[m.ID] {
		if only == "" || x.Reaction == only {
			all = append(all, x)
		}
	}
	slices.SortFunc(all, func(a, b *reactionRecord) int { return sign(a.ID - b.ID) })
	lo, hi := 0, len(all) // the candidate window [lo, hi)
	if hasCursor {
		if prepend {
			hi = slices.IndexFunc(all, func(x *reactionRecord) bool { return x.ID >= cursor })
			if hi < 0 {
				hi = len(all)
			}
		} else {
			lo = slices.IndexFunc(all, func(x *reactionRecord) bool { return x.ID > cursor })
			if lo < 0 {
				lo = len(all)
			}
		}
	}
	if prepend {
		lo = max(lo, hi-limit)
	} else {
		hi = min(hi, lo+limit)
	}
	data := make([]reactionJSON, 0, hi-lo)
	for _, x := range all[lo:hi] {
		data = append(data, s.renderReactionLocked(x, c.uid))
	}
	meta := map[string]any{"current": map[string]int{"limit": limit, "count": len(data)}}
	if len(data) > 0 {
		if hi < len(all) {
			meta["next"] = map[string]string{"affix": "append", "id": idString(all[hi-1].ID)}
		}
		if lo > 0 {
			meta["previous"] = map[string]string{"affix": "prepend", "id": idString(all[lo].ID)}
		}
	}
	return &page{Data: data, Meta: meta}, nil
}
