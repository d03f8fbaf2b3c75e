package cometchat

import (
	"context"
	"encoding/json"
	"iter"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Direction is the way a cursor list walks: towards older items (FetchPrevious, affix=prepend) or
// newer ones (FetchNext, affix=append).
type Direction int

// Directions of cursor lists.
const (
	// Previous walks back in time: the newest page first, then older ones, to the start.
	Previous Direction = iota
	// Next walks forward from a message id or a time: catching up on what came after it.
	Next
)

func (d Direction) affix() string {
	if d == Next {
		return "append"
	}
	return "prepend"
}

// Attachment types of MessagesRequestBuilder.SetAttachmentTypes.
var validAttachmentTypes = map[string]bool{MessageTypeImage: true, MessageTypeVideo: true, MessageTypeAudio: true, MessageTypeFile: true}

// MessagesRequestBuilder configures a MessagesRequest, the message history of one conversation, one
// thread, or (with neither UID nor GUID) every conversation of the logged-in user
// (client-protocol.md §6.2, surface.md §6.4). Setters chain; Build validates.
//
//	req, err := cometchat.NewMessagesRequestBuilder().SetUID("bob").SetLimit(50).Build(client)
//	msgs, err := req.FetchPrevious(ctx) // the newest 50, then older pages on each call
type MessagesRequestBuilder struct {
	limit                   int
	uid, guid               string
	parent                  MessageID
	messageID               MessageID
	timestamp               UnixTime
	unread                  bool
	hideBlocked             bool
	keyword                 string
	updatedAfter            UnixTime
	updatesOnly             bool
	categories, types       []string
	hideReplies             bool
	hideDeleted             bool
	hideQuoted              bool
	withParent              bool
	tags                    []string
	withTags                bool
	hasAttachments          bool
	hasLinks                bool
	hasMentions             bool
	hasReactions            bool
	attachmentTypes         []string
	mentionedUIDs           []string
	mentionsWithTagInfo     bool
	mentionsWithBlockedInfo bool
	goalCompletedOnly       bool
	pinned, saved           bool
	receiverType            ReceiverType
	cursor                  *MessageCursor
}

// NewMessagesRequestBuilder starts a message list with the default page size (DefaultPageSize).
func NewMessagesRequestBuilder() *MessagesRequestBuilder { return &MessagesRequestBuilder{} }

// SetLimit sets the page size: 1 to MaxPageSize (100); 0 means DefaultPageSize.
func (b *MessagesRequestBuilder) SetLimit(n int) *MessagesRequestBuilder { b.limit = n; return b }

// SetUID scopes the list to the 1:1 conversation with uid (GET users/{uid}/messages).
func (b *MessagesRequestBuilder) SetUID(uid string) *MessagesRequestBuilder { b.uid = uid; return b }

// SetGUID scopes the list to a group (GET groups/{guid}/messages).
func (b *MessagesRequestBuilder) SetGUID(guid string) *MessagesRequestBuilder {
	b.guid = guid
	return b
}

// SetParentMessageID scopes the list to the replies of one thread (GET messages/{id}/thread).
func (b *MessagesRequestBuilder) SetParentMessageID(id MessageID) *MessagesRequestBuilder {
	b.parent = id
	return b
}

// SetMessageID starts the list at a message: FetchPrevious returns older messages, FetchNext newer
// ones (the message itself is excluded).
func (b *MessagesRequestBuilder) SetMessageID(id MessageID) *MessagesRequestBuilder {
	b.messageID = id
	return b
}

// SetTimestamp starts the list at a time (sentAt, seconds) instead of a message id.
func (b *MessagesRequestBuilder) SetTimestamp(t UnixTime) *MessagesRequestBuilder {
	b.timestamp = t
	return b
}

// SetUnread keeps only messages the logged-in user has not read.
func (b *MessagesRequestBuilder) SetUnread(on bool) *MessagesRequestBuilder { b.unread = on; return b }

// HideMessagesFromBlockedUsers leaves out messages from users the logged-in user blocked.
func (b *MessagesRequestBuilder) HideMessagesFromBlockedUsers(on bool) *MessagesRequestBuilder {
	b.hideBlocked = on
	return b
}

// SetSearchKeyword keeps messages whose text (or attachment name) contains s.
func (b *MessagesRequestBuilder) SetSearchKeyword(s string) *MessagesRequestBuilder {
	b.keyword = s
	return b
}

// SetUpdatedAfter lists messages updated (sent, edited or deleted) at or after t, ordered by update
// time: the sync mode. It is also a FetchNext starting point.
func (b *MessagesRequestBuilder) SetUpdatedAfter(t UnixTime) *MessagesRequestBuilder {
	b.updatedAfter = t
	return b
}

// UpdatesOnly keeps only messages edited or deleted after SetUpdatedAfter's time (which it needs).
func (b *MessagesRequestBuilder) UpdatesOnly(on bool) *MessagesRequestBuilder {
	b.updatesOnly = on
	return b
}

// SetCategory keeps messages of one category; combined with SetCategories it is appended to the list.
func (b *MessagesRequestBuilder) SetCategory(c Category) *MessagesRequestBuilder {
	b.categories = append(b.categories, string(c))
	return b
}

// SetCategories keeps messages of these categories.
func (b *MessagesRequestBuilder) SetCategories(cs ...Category) *MessagesRequestBuilder {
	for _, c := range cs {
		b.categories = append(b.categories, string(c))
	}
	return b
}

// SetType keeps messages of one type; combined with SetTypes it is appended to the list.
func (b *MessagesRequestBuilder) SetType(t string) *MessagesRequestBuilder {
	b.types = append(b.types, t)
	return b
}

// SetTypes keeps messages of these types.
func (b *MessagesRequestBuilder) SetTypes(ts ...string) *MessagesRequestBuilder {
	b.types = append(b.types, ts...)
	return b
}

// HideReplies leaves thread replies out.
func (b *MessagesRequestBuilder) HideReplies(on bool) *MessagesRequestBuilder {
	b.hideReplies = on
	return b
}

// HideDeletedMessages leaves deleted messages out.
func (b *MessagesRequestBuilder) HideDeletedMessages(on bool) *MessagesRequestBuilder {
	b.hideDeleted = on
	return b
}

// HideQuotedMessages leaves out messages that quote another.
func (b *MessagesRequestBuilder) HideQuotedMessages(on bool) *MessagesRequestBuilder {
	b.hideQuoted = on
	return b
}

// WithParent includes the parent message in a thread list.
func (b *MessagesRequestBuilder) WithParent(on bool) *MessagesRequestBuilder {
	b.withParent = on
	return b
}

// SetTags keeps messages carrying at least one of these tags.
func (b *MessagesRequestBuilder) SetTags(tags ...string) *MessagesRequestBuilder {
	b.tags = append([]string(nil), tags...)
	return b
}

// WithTags asks for each message's tags.
func (b *MessagesRequestBuilder) WithTags(on bool) *MessagesRequestBuilder { b.withTags = on; return b }

// HasAttachments keeps media messages with files.
func (b *MessagesRequestBuilder) HasAttachments(on bool) *MessagesRequestBuilder {
	b.hasAttachments = on
	return b
}

// HasLinks keeps messages whose text contains a link.
func (b *MessagesRequestBuilder) HasLinks(on bool) *MessagesRequestBuilder { b.hasLinks = on; return b }

// HasMentions keeps messages that mention someone.
func (b *MessagesRequestBuilder) HasMentions(on bool) *MessagesRequestBuilder {
	b.hasMentions = on
	return b
}

// HasReactions keeps messages with at least one reaction.
func (b *MessagesRequestBuilder) HasReactions(on bool) *MessagesRequestBuilder {
	b.hasReactions = on
	return b
}

// SetAttachmentTypes keeps media messages of these types (image, video, audio, file).
func (b *MessagesRequestBuilder) SetAttachmentTypes(types ...string) *MessagesRequestBuilder {
	b.attachmentTypes = append([]string(nil), types...)
	return b
}

// SetMentionedUIDs keeps messages that mention one of these users.
func (b *MessagesRequestBuilder) SetMentionedUIDs(uids ...string) *MessagesRequestBuilder {
	b.mentionedUIDs = append([]string(nil), uids...)
	return b
}

// MentionsWithTagInfo asks for the tags of mentioned users.
func (b *MessagesRequestBuilder) MentionsWithTagInfo(on bool) *MessagesRequestBuilder {
	b.mentionsWithTagInfo = on
	return b
}

// MentionsWithBlockedInfo asks for the block flags of mentioned users.
func (b *MessagesRequestBuilder) MentionsWithBlockedInfo(on bool) *MessagesRequestBuilder {
	b.mentionsWithBlockedInfo = on
	return b
}

// SetInteractionGoalCompletedOnly keeps interactive messages whose goal is complete.
func (b *MessagesRequestBuilder) SetInteractionGoalCompletedOnly(on bool) *MessagesRequestBuilder {
	b.goalCompletedOnly = on
	return b
}

// SetPinned lists the pinned messages of one conversation (needs exactly one of UID and GUID).
func (b *MessagesRequestBuilder) SetPinned(on bool) *MessagesRequestBuilder { b.pinned = on; return b }

// SetSaved lists the logged-in user's saved messages across conversations (no UID or GUID).
func (b *MessagesRequestBuilder) SetSaved(on bool) *MessagesRequestBuilder { b.saved = on; return b }

// SetReceiverType keeps only 1:1 (user) or group messages of a list over every conversation.
func (b *MessagesRequestBuilder) SetReceiverType(rt ReceiverType) *MessagesRequestBuilder {
	b.receiverType = rt
	return b
}

// SetCursor resumes a list from a cursor saved with MessagesRequest.Cursor. It takes precedence over
// SetMessageID, SetTimestamp and SetUpdatedAfter.
func (b *MessagesRequestBuilder) SetCursor(c MessageCursor) *MessagesRequestBuilder {
	b.cursor = &c
	return b
}

// Build validates the settings and returns the request for client. It sends nothing.
func (b *MessagesRequestBuilder) Build(c *Client) (*MessagesRequest, error) {
	limit, err := buildLimit(c, b.limit, MaxPageSize)
	if err != nil {
		return nil, err
	}
	path := "messages"
	switch {
	case b.uid != "" && b.guid != "":
		return nil, localError(ErrInvalidValue, "set either a UID or a GUID, not both")
	case b.parent < 0 || b.messageID < 0 || b.timestamp < 0 || b.updatedAfter < 0:
		return nil, localError(ErrInvalidValue, "ids and times must not be negative")
	case b.parent != 0:
		path = "messages/" + b.parent.String() + "/thread"
	case b.uid != "":
		if err := ValidateUID(b.uid); err != nil {
			return nil, err
		}
		path = "users/" + url.PathEscape(normID(b.uid)) + "/messages"
	case b.guid != "":
		if err := ValidateGUID(b.guid); err != nil {
			return nil, err
		}
		path = "groups/" + url.PathEscape(normID(b.guid)) + "/messages"
	}
	switch {
	case b.pinned && b.saved:
		return nil, localError(ErrInvalidValue, "a list is either pinned or saved messages")
	case b.pinned && (b.uid == "") == (b.guid == ""):
		return nil, localError(ErrMissingParameters, "the pinned list needs exactly one of UID and GUID")
	case b.saved && (b.uid != "" || b.guid != ""):
		return nil, localError(ErrInvalidValue, "the saved list spans every conversation: set no UID or GUID")
	case b.updatesOnly && b.updatedAfter == 0:
		return nil, localError(ErrMissingParameters, "UpdatesOnly needs SetUpdatedAfter")
	case b.receiverType != "" && !b.receiverType.Valid():
		return nil, localError(ErrInvalidReceiverType, "receiver type "+strconv.Quote(string(b.receiverType))+" is not user or group")
	}
	if err := firstErr(checkKeyword(b.keyword), checkTags(b.tags), checkTags(b.categories), checkTags(b.types)); err != nil {
		return nil, err
	}
	for _, t := range b.attachmentTypes {
		if !validAttachmentTypes[t] {
			return nil, localError(ErrInvalidValue, "attachment type "+strconv.Quote(t)+" is not image, video, audio or file")
		}
	}
	mentioned := make([]string, 0, len(b.mentionedUIDs))
	for _, u := range b.mentionedUIDs {
		if err := ValidateUID(u); err != nil {
			return nil, err
		}
		mentioned = append(mentioned, normID(u))
	}
	q := url.Values{}
	q.Set("withThreadSubscribed", "true")
	setFlag(q, "hideMessagesFromBlockedUsers", b.hideBlocked)
	setFlag(q, "unread", b.unread)
	if b.keyword != "" {
		q.Set("searchKey", b.keyword)
	}
	setFlag(q, "onlyUpdates", b.updatesOnly)
	setList(q, "categories", b.categories)
	setList(q, "types", b.types)
	setList(q, "tags", b.tags)
	setFlag(q, "withTags", b.withTags)
	if b.hideReplies {
		q.Set("hideReplies", "true") // the one flag the official SDK sends as true, not 1
	}
	setFlag(q, "hideDeleted", b.hideDeleted)
	setFlag(q, "hideQuotedMessages", b.hideQuoted)
	setFlag(q, "hasAttachments", b.hasAttachments)
	setFlag(q, "hasLinks", b.hasLinks)
	setFlag(q, "hasMentions", b.hasMentions)
	setFlag(q, "hasReactions", b.hasReactions)
	setList(q, "mentionedUids", mentioned)
	setList(q, "attachmentTypes", b.attachmentTypes)
	setFlag(q, "withParent", b.withParent)
	setFlag(q, "mentionsWithTagInfo", b.mentionsWithTagInfo)
	setFlag(q, "mentionsWithBlockedInfo", b.mentionsWithBlockedInfo)
	setFlag(q, "onlyInteractionGoalCompleted", b.goalCompletedOnly)
	setFlag(q, "pinned", b.pinned)
	setFlag(q, "saved", b.saved)
	if b.receiverType != "" {
		q.Set("receiverType", string(b.receiverType))
	}
	r := &MessagesRequest{c: c, path: path, query: q, limit: limit, updateMode: b.updatedAfter != 0, listMode: b.pinned || b.saved}
	if b.cursor != nil {
		r.cur = b.cursor.clone()
	} else {
		start := CursorEdge{ID: b.messageID, SentAt: b.timestamp, UpdatedAt: b.updatedAfter}
		r.cur = MessageCursor{Previous: start, Next: start}
	}
	return r, nil
}

// CursorEdge is one end of a MessageCursor: the message id, sent time and update time to continue
// from.
type CursorEdge struct {
	ID        MessageID `json:"id,omitempty"`
	SentAt    UnixTime  `json:"sentAt,omitempty"`
	UpdatedAt UnixTime  `json:"updatedAt,omitempty"`
	// Extra carries the cursor keys of pinned and saved lists verbatim.
	Extra map[string]string `json:"extra,omitempty"`
	// Done is set when this direction reached the end.
	Done bool `json:"done,omitempty"`
}

func (e CursorEdge) empty() bool {
	return e.ID == 0 && e.SentAt == 0 && e.UpdatedAt == 0 && len(e.Extra) == 0
}

// MessageCursor is the position of a MessagesRequest in both directions. It marshals to JSON, so a
// list can be resumed later (a restarted bot, a second page of a UI) with
// MessagesRequestBuilder.SetCursor.
type MessageCursor struct {
	// Previous is where FetchPrevious continues: the oldest message seen.
	Previous CursorEdge `json:"previous"`
	// Next is where FetchNext continues: the newest message seen.
	Next CursorEdge `json:"next"`
}

func (c MessageCursor) clone() MessageCursor {
	out := c
	out.Previous.Extra = maps.Clone(c.Previous.Extra)
	out.Next.Extra = maps.Clone(c.Next.Extra)
	return out
}

// PreviousMessageID is the oldest message id FetchPrevious has returned (0 before any).
func (c MessageCursor) PreviousMessageID() MessageID { return c.Previous.ID }

// NextMessageID is the newest message id FetchNext (or FetchPrevious) has returned.
func (c MessageCursor) NextMessageID() MessageID { return c.Next.ID }

// MessagesRequest is a built message list. It keeps its own cursor like the official request: each
// FetchPrevious returns the page before the previous one, each FetchNext the page after the newest
// message seen. Calls are serialised, so it is safe for concurrent use; a failed call leaves the
// cursor where it was.
//
// It deviates from the official SDK in one way: the two directions keep separate edges, so a
// FetchNext after some FetchPrevious calls continues after the newest message seen instead of
// re-reading history.
type MessagesRequest struct {
	c          *Client
	path       string
	query      url.Values
	limit      int
	updateMode bool
	listMode   bool // pinned / saved: cursor keys are copied verbatim

	mu  sync.Mutex
	cur MessageCursor
}

// msgListMeta is both meta shapes of message lists (client-protocol.md §6.3).
type msgListMeta struct {
	Pagination *Pagination                `json:"pagination"`
	Cursor     map[string]json.RawMessage `json:"cursor"`
	Current    *struct {
		Limit Count `json:"limit"`
		Count Count `json:"count"`
	} `json:"current"`
	Next     map[string]json.RawMessage `json:"next"`
	Previous map[string]json.RawMessage `json:"previous"`
}

// FetchPrevious returns the page of messages before the cursor (the newest page on the first call
// without a starting point), oldest first; an empty page once the start is reached.
func (r *MessagesRequest) FetchPrevious(ctx context.Context) ([]Message, error) {
	return r.fetch(ctx, Previous)
}

// FetchNext returns the page of messages after the cursor, oldest first; an empty page when nothing
// newer exists yet (call it again later to pick up new messages). It needs a starting point:
// SetMessageID, SetTimestamp, SetUpdatedAfter, a cursor, or an earlier FetchPrevious; otherwise it
// fails with ErrNotEnoughParameters. Pinned and saved lists need none.
func (r *MessagesRequest) FetchNext(ctx context.Context) ([]Message, error) {
	return r.fetch(ctx, Next)
}

// HasMore reports whether a fetch in direction d may return more messages. For Next it turns false
// at the newest message and true again when a later FetchNext finds new ones.
func (r *MessagesRequest) HasMore(d Direction) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d == Next {
		return !r.cur.Next.Done
	}
	return !r.cur.Previous.Done
}

// Cursor returns the current position, to save and resume with SetCursor.
func (r *MessagesRequest) Cursor() MessageCursor {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cur.clone()
}

// All iterates over every remaining message in direction d, one page at a time: with Previous from
// the newest to the oldest page (each page in ascending order), with Next in ascending order up to
// the newest message. On error it yields (nil, err) once and stops.
func (r *MessagesRequest) All(ctx context.Context, d Direction) iter.Seq2[Message, error] {
	fetch := func(ctx context.Context) ([]Message, error) { return r.fetch(ctx, d) }
	return allPages(ctx, fetch, func() bool { return r.HasMore(d) })
}

func (r *MessagesRequest) fetch(ctx context.Context, d Direction) ([]Message, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.cur.Previous
	if d == Next {
		e = r.cur.Next
		if e.empty() && !r.listMode {
			return nil, localError(ErrNotEnoughParameters, "FetchNext needs a message id, a timestamp or an updated-after time to start from")
		}
	} else if e.Done {
		return nil, nil
	}
	q := make(url.Values, len(r.query)+6)
	for k, v := range r.query {
		q[k] = v
	}
	q.Set("per_page", strconv.Itoa(r.limit))
	q.Set("affix", d.affix())
	if e.ID != 0 {
		q.Set("id", e.ID.String())
	}
	if e.SentAt != 0 {
		q.Set("sentAt", strconv.FormatInt(int64(e.SentAt), 10))
	}
	if r.updateMode && e.UpdatedAt != 0 {
		q.Set("updatedAt", strconv.FormatInt(int64(e.UpdatedAt), 10))
	}
	for k, v := range e.Extra {
		q.Set(k, v)
	}
	var (
		out  messagesOut
		meta json.RawMessage
	)
	if err := r.c.do(ctx, &call{method: http.MethodGet, path: r.path, query: q, meta: &meta}, &out); err != nil {
		return nil, err
	}
	r.advance(d, out.ms, meta)
	return out.ms, nil
}

// advance moves the cursor of direction d past page and decides whether that direction is done,
// reading whichever meta shape the service sent.
func (r *MessagesRequest) advance(d Direction, page []Message, rawMeta json.RawMessage) {
	e := &r.cur.Previous
	if d == Next {
		e = &r.cur.Next
	}
	if len(page) == 0 {
		e.Done = true
		return
	}
	e.Done = false
	for i, m := range page {
		b := m.Base()
		updated := max(b.UpdatedAt, m.SentAt())
		switch {
		case r.updateMode && d == Next:
			// Pages come ordered by (updatedAt, id): the last one is the edge.
			if i == len(page)-1 {
				e.ID, e.SentAt, e.UpdatedAt = m.ID(), m.SentAt(), updated
			}
		case d == Next:
			e.ID, e.SentAt = max(e.ID, m.ID()), max(e.SentAt, m.SentAt())
			if r.updateMode {
				e.UpdatedAt = max(e.UpdatedAt, updated)
			}
		default:
			e.ID, e.SentAt = minNonZero(e.ID, m.ID()), minNonZero(e.SentAt, m.SentAt())
			if r.updateMode && i == 0 {
				e.UpdatedAt = updated
			}
		}
	}
	// FetchPrevious's first page also tells FetchNext where "now" is.
	if d == Previous && r.cur.Next.empty() {
		for _, m := range page {
			r.cur.Next.ID, r.cur.Next.SentAt = max(r.cur.Next.ID, m.ID()), max(r.cur.Next.SentAt, m.SentAt())
		}
	}
	var meta msgListMeta
	if len(rawMeta) == 0 || json.Unmarshal(rawMeta, &meta) != nil {
		return // no meta: stop on an empty page
	}
	switch {
	case meta.Cursor != nil || meta.Pagination != nil:
		if meta.Cursor == nil {
			e.Done = true
			return
		}
		affix := strings.Trim(string(meta.Cursor["affix"]), `"`)
		if meta.Pagination != nil && meta.Pagination.TotalPages == 1 && (affix == "" || affix == d.affix()) {
			e.Done = true
		}
		if r.listMode {
			e.Extra = map[string]string{}
			for k, v := range meta.Cursor {
				e.Extra[k] = strings.Trim(string(v), `"`)
			}
		}
	case meta.Next != nil || meta.Previous != nil || meta.Current != nil:
		keys := meta.Next
		if d == Previous && meta.Previous != nil {
			keys = meta.Previous
		}
		if keys == nil {
			e.Done = true
			return
		}
		var id MessageID
		var sentAt UnixTime
		if raw, ok := keys["id"]; ok && json.Unmarshal(raw, &id) == nil && id != 0 {
			e.ID = id
		}
		if raw, ok := keys["sentAt"]; ok && json.Unmarshal(raw, &sentAt) == nil && sentAt != 0 {
			e.SentAt = sentAt
		}
	}
}

// minNonZero is min where 0 means unset.
func minNonZero[T ~int64](a, b T) T {
	if a == 0 {
		return b
	}
	return min(a, b)
}
