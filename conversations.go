package cometchat

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Conversations, read / delivered / unread marks and unread counts (client-protocol.md §5.3, §5.5,
// model.md §8, surface.md §9 and §17).

// Conversation is one entry of the logged-in user's conversation list.
type Conversation struct {
	// ConversationID is "{uidA}_user_{uidB}" or "group_{guid}".
	ConversationID string
	// ConversationType is user or group.
	ConversationType ReceiverType
	// User is the other party of a 1:1 conversation; Group the group of a group conversation.
	User  *User
	Group *Group
	// LastMessage is nil when the conversation has none (all deleted).
	LastMessage         Message
	UnreadMessageCount  int
	UnreadMentionsCount int
	LastReadMessageID   MessageID
	LatestMessageID     MessageID
	Tags                []string
	CreatedAt           UnixTime
	UpdatedAt           UnixTime
	PinnedAt            UnixTime
	// PinnedBy is the user who pinned it, or "app_system" for an app-wide pin.
	PinnedBy string
	// Raw is the object as received.
	Raw json.RawMessage
}

// With returns the uid or guid of the other party.
func (c *Conversation) With() string {
	switch {
	case c == nil:
		return ""
	case c.User != nil:
		return c.User.UID
	case c.Group != nil:
		return c.Group.GUID
	}
	return ""
}

// IsPinned reports whether the conversation is pinned (by the user or the app).
func (c *Conversation) IsPinned() bool { return c != nil && c.PinnedAt != 0 }

// IsSystemPinned reports whether the app pinned the conversation for everyone.
func (c *Conversation) IsSystemPinned() bool { return c != nil && c.PinnedBy == "app_system" }

// UnmarshalJSON decodes leniently (the unread count arrives as a string) and keeps the raw object.
func (c *Conversation) UnmarshalJSON(b []byte) error {
	var w struct {
		ConversationID      string          `json:"conversationId"`
		ConversationType    ReceiverType    `json:"conversationType"`
		ConversationWith    json.RawMessage `json:"conversationWith"`
		LastMessage         json.RawMessage `json:"lastMessage"`
		UnreadMessageCount  Count           `json:"unreadMessageCount"`
		UnreadMentionsCount Count           `json:"unreadMentionsCount"`
		LastReadMessageID   MessageID       `json:"lastReadMessageId"`
		LatestMessageID     MessageID       `json:"latestMessageId"`
		Tags                []string        `json:"tags"`
		CreatedAt           UnixTime        `json:"createdAt"`
		UpdatedAt           UnixTime        `json:"updatedAt"`
		PinnedAt            UnixTime        `json:"pinnedAt"`
		PinnedBy            string          `json:"pinnedBy"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*c = Conversation{ConversationID: w.ConversationID, ConversationType: ReceiverType(lowerTrim(string(w.ConversationType))),
		UnreadMessageCount: int(w.UnreadMessageCount), UnreadMentionsCount: int(w.UnreadMentionsCount),
		LastReadMessageID: w.LastReadMessageID, LatestMessageID: w.LatestMessageID, Tags: w.Tags,
		CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt, PinnedAt: w.PinnedAt, PinnedBy: w.PinnedBy,
		Raw: append(json.RawMessage(nil), b...)}
	if len(w.ConversationWith) > 0 && string(w.ConversationWith) != "null" {
		if c.ConversationType == ReceiverTypeGroup {
			c.Group = &Group{}
			if err := json.Unmarshal(w.ConversationWith, c.Group); err != nil {
				return err
			}
		} else {
			c.User = &User{}
			if err := json.Unmarshal(w.ConversationWith, c.User); err != nil {
				return err
			}
		}
	}
	if len(w.LastMessage) > 0 && string(w.LastMessage) != "null" {
		m, err := decodeMessage(w.LastMessage)
		if err != nil {
			return err
		}
		c.LastMessage = m
	}
	return nil
}

// conversationPath is users/{uid}/conversation or groups/{guid}/conversation, with the id
// lower-cased as the official SDK does.
func conversationPath(with string, typ ReceiverType) (string, error) {
	switch typ {
	case ReceiverTypeUser:
		if err := ValidateUID(with); err != nil {
			return "", err
		}
		return "users/" + url.PathEscape(normID(with)) + "/conversation", nil
	case ReceiverTypeGroup:
		if err := ValidateGUID(with); err != nil {
			return "", err
		}
		return "groups/" + url.PathEscape(normID(with)) + "/conversation", nil
	}
	return "", localError(ErrInvalidValue, "conversation type "+strconv.Quote(string(typ))+" is not user or group")
}

// GetConversation returns the conversation with a user or group. Before any message was exchanged the
// service answers ErrConversationNotAccessible.
func (c *Client) GetConversation(ctx context.Context, with string, typ ReceiverType) (*Conversation, error) {
	p, err := conversationPath(with, typ)
	if err != nil {
		return nil, err
	}
	var out Conversation
	if err := c.do(ctx, &call{method: http.MethodGet, path: p}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteConversation removes the conversation for the logged-in user only; it comes back with the
// next message.
func (c *Client) DeleteConversation(ctx context.Context, with string, typ ReceiverType) error {
	p, err := conversationPath(with, typ)
	if err != nil {
		return err
	}
	return c.do(ctx, &call{method: http.MethodDelete, path: p}, nil)
}

// TagConversation replaces the logged-in user's tags on a conversation and returns it.
func (c *Client) TagConversation(ctx context.Context, with string, typ ReceiverType, tags []string) (*Conversation, error) {
	p, err := conversationPath(with, typ)
	if err != nil {
		return nil, err
	}
	if err := checkMessageTags(tags); err != nil {
		return nil, err
	}
	if tags == nil {
		tags = []string{}
	}
	var out Conversation
	if err := c.do(ctx, &call{method: http.MethodPut, path: p, body: map[string][]string{"tags": tags}}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// MarkConversationAsRead marks every message of the conversation read over REST
// (POST …/conversation/read); the other party gets a read receipt.
func (c *Client) MarkConversationAsRead(ctx context.Context, with string, typ ReceiverType) error {
	return c.markConversation(ctx, with, typ, "read", 0)
}

// MarkConversationAsDelivered marks every message of the conversation delivered over REST.
func (c *Client) MarkConversationAsDelivered(ctx context.Context, with string, typ ReceiverType) error {
	return c.markConversation(ctx, with, typ, "delivered", 0)
}

// MarkConversationReadUpTo marks the conversation read up to and including message id. It works
// without the realtime connection, unlike the official SDK's markAsRead.
func (c *Client) MarkConversationReadUpTo(ctx context.Context, with string, typ ReceiverType, id MessageID) error {
	if err := checkMessageID(id); err != nil {
		return err
	}
	return c.markConversation(ctx, with, typ, "read", id)
}

// MarkConversationDeliveredUpTo marks the conversation delivered up to and including message id.
func (c *Client) MarkConversationDeliveredUpTo(ctx context.Context, with string, typ ReceiverType, id MessageID) error {
	if err := checkMessageID(id); err != nil {
		return err
	}
	return c.markConversation(ctx, with, typ, "delivered", id)
}

func (c *Client) markConversation(ctx context.Context, with string, typ ReceiverType, what string, id MessageID) error {
	p, err := conversationPath(with, typ)
	if err != nil {
		return err
	}
	body := map[string]any{}
	if id != 0 {
		body["messageId"] = id.String()
	}
	err = c.do(ctx, &call{method: http.MethodPost, path: p + "/" + what, body: body}, nil)
	if err == nil && what == "read" {
		c.noteRead(typ, with, id) // conversationupdates.go: the local unread count
	}
	return err
}

// MarkMessageAsUnread makes msg and every later message of its conversation unread for the logged-in
// user (DELETE …/conversation/read) and returns the updated conversation. The service allows five
// of these per minute per user.
func (c *Client) MarkMessageAsUnread(ctx context.Context, msg Message) (*Conversation, error) {
	if msg == nil {
		return nil, localError(ErrMissingParameters, "message is nil")
	}
	if err := checkMessageID(msg.ID()); err != nil {
		return nil, err
	}
	me, ok := c.LoggedInUser()
	if !ok {
		return nil, localError(ErrNotLoggedIn, "MarkMessageAsUnread needs a logged-in user")
	}
	with := msg.ReceiverID()
	if msg.ReceiverType() == ReceiverTypeUser && strings.EqualFold(with, me.UID) {
		with = msg.SenderUID()
	}
	p, err := conversationPath(with, msg.ReceiverType())
	if err != nil {
		return nil, err
	}
	var out struct {
		Conversation *Conversation `json:"conversation"`
	}
	if err := c.do(ctx, &call{method: http.MethodDelete, path: p + "/read", body: map[string]string{"messageId": msg.ID().String()}}, &out); err != nil {
		return nil, err
	}
	if out.Conversation == nil {
		return nil, &Error{Code: ErrUnparseableResponse.Code, Message: "the answer has no conversation"}
	}
	return out.Conversation, nil
}

// PinConversation pins a conversation for the logged-in user (at most 5) and returns it.
func (c *Client) PinConversation(ctx context.Context, with string, typ ReceiverType) (*Conversation, error) {
	return c.pinConversation(ctx, http.MethodPost, with, typ)
}

// UnpinConversation removes the user's pin; an app-wide pin cannot be removed
// (ErrSystemPinnedConversation).
func (c *Client) UnpinConversation(ctx context.Context, with string, typ ReceiverType) (*Conversation, error) {
	return c.pinConversation(ctx, http.MethodDelete, with, typ)
}

func (c *Client) pinConversation(ctx context.Context, method, with string, typ ReceiverType) (*Conversation, error) {
	p, err := conversationPath(with, typ)
	if err != nil {
		return nil, err
	}
	var out Conversation
	if err := c.do(ctx, &call{method: method, path: p + "/pin", body: map[string]any{}}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UnreadCounts are unread message counts by uid (1:1 conversations) and guid (groups). Absent keys
// have no unread messages.
type UnreadCounts struct {
	Users  map[string]int
	Groups map[string]int
}

// unreadItem is one entry of the unread-count answer.
type unreadItem struct {
	EntityID   string `json:"entityId"`
	EntityType string `json:"entityType"`
	Count      Count  `json:"count"`
}

func (c *Client) unreadCounts(ctx context.Context, path string, extra url.Values, hideBlocked bool) (UnreadCounts, error) {
	q := url.Values{"unread": {"1"}, "count": {"1"}, "hideMessagesFromBlockedUsers": {"0"}}
	if hideBlocked {
		q.Set("hideMessagesFromBlockedUsers", "1")
	}
	for k, v := range extra {
		q[k] = v
	}
	var items []unreadItem
	out := UnreadCounts{Users: map[string]int{}, Groups: map[string]int{}}
	if err := c.do(ctx, &call{method: http.MethodGet, path: path, query: q}, &items); err != nil {
		return out, err
	}
	for _, it := range items {
		if it.Count <= 0 {
			continue
		}
		if it.EntityType == string(ReceiverTypeGroup) {
			out.Groups[it.EntityID] = int(it.Count)
		} else {
			out.Users[it.EntityID] = int(it.Count)
		}
	}
	return out, nil
}

// GetUnreadMessageCount returns the unread counts of every conversation in one call
// (GET messages?unread=1&count=1). hideBlocked leaves out messages from blocked users. These counts
// and Conversation.UnreadMessageCount come from the same service data; thread replies, actions and
// call events are not counted.
func (c *Client) GetUnreadMessageCount(ctx context.Context, hideBlocked bool) (UnreadCounts, error) {
	return c.unreadCounts(ctx, "messages", nil, hideBlocked)
}

// GetUnreadMessageCountForAllUsers returns the unread counts of the 1:1 conversations by uid.
func (c *Client) GetUnreadMessageCountForAllUsers(ctx context.Context, hideBlocked bool) (map[string]int, error) {
	u, err := c.unreadCounts(ctx, "messages", url.Values{"receiverType": {"user"}}, hideBlocked)
	return u.Users, err
}

// GetUnreadMessageCountForAllGroups returns the unread counts of the group conversations by guid.
func (c *Client) GetUnreadMessageCountForAllGroups(ctx context.Context, hideBlocked bool) (map[string]int, error) {
	u, err := c.unreadCounts(ctx, "messages", url.Values{"receiverType": {"group"}}, hideBlocked)
	return u.Groups, err
}

// GetUnreadMessageCountForUser returns the unread count of the 1:1 conversation with uid.
func (c *Client) GetUnreadMessageCountForUser(ctx context.Context, uid string, hideBlocked bool) (int, error) {
	if err := ValidateUID(uid); err != nil {
		return 0, err
	}
	u, err := c.unreadCounts(ctx, "users/"+url.PathEscape(normID(uid))+"/messages", url.Values{"uid": {normID(uid)}}, hideBlocked)
	return u.Users[normID(uid)], err
}

// GetUnreadMessageCountForGroup returns the unread count of a group conversation.
func (c *Client) GetUnreadMessageCountForGroup(ctx context.Context, guid string, hideBlocked bool) (int, error) {
	if err := ValidateGUID(guid); err != nil {
		return 0, err
	}
	u, err := c.unreadCounts(ctx, "groups/"+url.PathEscape(normID(guid))+"/messages", url.Values{"guid": {normID(guid)}}, hideBlocked)
	return u.Groups[normID(guid)], err
}

// ConversationsRequestBuilder configures a ConversationsRequest (GET conversations), a page-number
// list like the users list; see the package documentation on list requests.
type ConversationsRequestBuilder struct {
	limit                int
	typ                  ReceiverType
	keyword              string
	unread               bool
	tags                 []string
	withTags             bool
	userTags, groupTags  []string
	withUserAndGroupTags bool
	includeBlocked       bool
	withBlockedInfo      bool
	hideAgentic          bool
	onlyAgentic          bool
	pinnedBy             []string
	page                 int
}

// NewConversationsRequestBuilder starts a conversation list with the default page size (30).
func NewConversationsRequestBuilder() *ConversationsRequestBuilder {
	return &ConversationsRequestBuilder{}
}

// SetLimit sets the page size: 1 to MaxConversationsPageSize (50); 0 means DefaultPageSize.
func (b *ConversationsRequestBuilder) SetLimit(n int) *ConversationsRequestBuilder {
	b.limit = n
	return b
}

// SetConversationType keeps only 1:1 (user) or group conversations.
func (b *ConversationsRequestBuilder) SetConversationType(t ReceiverType) *ConversationsRequestBuilder {
	b.typ = t
	return b
}

// SetSearchKeyword keeps conversations whose peer name contains s.
func (b *ConversationsRequestBuilder) SetSearchKeyword(s string) *ConversationsRequestBuilder {
	b.keyword = s
	return b
}

// SetUnread keeps conversations with unread messages.
func (b *ConversationsRequestBuilder) SetUnread(on bool) *ConversationsRequestBuilder {
	b.unread = on
	return b
}

// SetTags keeps conversations carrying one of these (conversation) tags.
func (b *ConversationsRequestBuilder) SetTags(tags ...string) *ConversationsRequestBuilder {
	b.tags = append([]string(nil), tags...)
	return b
}

// WithTags asks for each conversation's tags.
func (b *ConversationsRequestBuilder) WithTags(on bool) *ConversationsRequestBuilder {
	b.withTags = on
	return b
}

// SetUserTags keeps 1:1 conversations whose user carries one of these tags.
func (b *ConversationsRequestBuilder) SetUserTags(tags ...string) *ConversationsRequestBuilder {
	b.userTags = append([]string(nil), tags...)
	return b
}

// SetGroupTags keeps group conversations whose group carries one of these tags.
func (b *ConversationsRequestBuilder) SetGroupTags(tags ...string) *ConversationsRequestBuilder {
	b.groupTags = append([]string(nil), tags...)
	return b
}

// WithUserAndGroupTags asks for the tags of the peer users and groups.
func (b *ConversationsRequestBuilder) WithUserAndGroupTags(on bool) *ConversationsRequestBuilder {
	b.withUserAndGroupTags = on
	return b
}

// IncludeBlockedUsers includes conversations with users the logged-in user blocked.
func (b *ConversationsRequestBuilder) IncludeBlockedUsers(on bool) *ConversationsRequestBuilder {
	b.includeBlocked = on
	return b
}

// WithBlockedInfo asks for the block flags of the peer users.
func (b *ConversationsRequestBuilder) WithBlockedInfo(on bool) *ConversationsRequestBuilder {
	b.withBlockedInfo = on
	return b
}

// SetHideAgentic leaves out conversations with AI agents (role @agentic).
func (b *ConversationsRequestBuilder) SetHideAgentic(on bool) *ConversationsRequestBuilder {
	b.hideAgentic = on
	return b
}

// SetOnlyAgentic keeps only conversations with AI agents.
func (b *ConversationsRequestBuilder) SetOnlyAgentic(on bool) *ConversationsRequestBuilder {
	b.onlyAgentic = on
	return b
}

// Values of SetPinnedBy.
const (
	PinnedByMe     = "me"
	PinnedBySystem = "system"
)

// SetPinnedBy keeps only conversations pinned by the user (PinnedByMe) and/or the app
// (PinnedBySystem).
func (b *ConversationsRequestBuilder) SetPinnedBy(who ...string) *ConversationsRequestBuilder {
	b.pinnedBy = append([]string(nil), who...)
	return b
}

// SetPage sets the page to start from; 0 (the default) is the first page.
func (b *ConversationsRequestBuilder) SetPage(page int) *ConversationsRequestBuilder {
	b.page = page
	return b
}

// Build validates the settings and returns the request for client. It sends nothing.
func (b *ConversationsRequestBuilder) Build(c *Client) (*ConversationsRequest, error) {
	limit, err := buildLimit(c, b.limit, MaxConversationsPageSize)
	if err != nil {
		return nil, err
	}
	if b.typ != "" && !b.typ.Valid() {
		return nil, localError(ErrInvalidValue, "conversation type "+strconv.Quote(string(b.typ))+" is not user or group")
	}
	if b.hideAgentic && b.onlyAgentic {
		return nil, localError(ErrInvalidValue, "use either SetHideAgentic or SetOnlyAgentic")
	}
	if err := firstErr(checkPage(b.page), checkKeyword(b.keyword), checkTags(b.tags), checkTags(b.userTags), checkTags(b.groupTags)); err != nil {
		return nil, err
	}
	for _, w := range b.pinnedBy {
		if w != PinnedByMe && w != PinnedBySystem {
			return nil, localError(ErrInvalidValue, "pinned-by value "+strconv.Quote(w)+" is not me or system")
		}
	}
	q := url.Values{}
	if b.typ != "" {
		q.Set("conversationType", string(b.typ))
	}
	if b.keyword != "" {
		q.Set("searchKey", b.keyword)
	}
	setFlag(q, "unread", b.unread)
	setList(q, "tags", b.tags)
	setFlag(q, "withTags", b.withTags)
	setList(q, "userTags", b.userTags)
	setList(q, "groupTags", b.groupTags)
	setFlag(q, "withUserAndGroupTags", b.withUserAndGroupTags)
	setFlag(q, "includeBlockedUsers", b.includeBlocked)
	setFlag(q, "withBlockedInfo", b.withBlockedInfo)
	setFlag(q, "hideAgentic", b.hideAgentic)
	setFlag(q, "onlyAgentic", b.onlyAgentic)
	setList(q, "pinnedBy", b.pinnedBy)
	return &ConversationsRequest{p: newPager[*Conversation](c, "conversations", q, limit, b.page)}, nil
}

// ConversationsRequest is a built conversation list, newest conversation first.
type ConversationsRequest struct {
	p *pager[*Conversation]
}

// FetchNext returns the next page; an empty page once the list is exhausted.
func (r *ConversationsRequest) FetchNext(ctx context.Context) ([]*Conversation, error) {
	return r.p.fetchNext(ctx)
}

// HasMore reports whether FetchNext may return more conversations.
func (r *ConversationsRequest) HasMore() bool { return r.p.hasMore() }

// Page returns the number of pages fetched so far, counting from the starting page.
func (r *ConversationsRequest) Page() int { return r.p.currentPage() }

// All iterates over every remaining conversation.
func (r *ConversationsRequest) All(ctx context.Context) iter.Seq2[*Conversation, error] {
	return r.p.all(ctx)
}
