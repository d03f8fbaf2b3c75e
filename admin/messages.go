package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cometchat-go/cometchat"
)

// ReceiverType says whether a message goes to a user or a group.
type ReceiverType string

// Receiver types.
const (
	ReceiverUser  ReceiverType = "user"
	ReceiverGroup ReceiverType = "group"
)

// Message categories the server API sends (model.md §5.4).
const (
	CategoryMessage     = "message"
	CategoryCustom      = "custom"
	CategoryInteractive = "interactive"
	CategoryAction      = "action"
	CategoryCall        = "call"
)

// Message is a message of any category (model.md §5): the common fields decoded, the category's data
// object kept as raw JSON (Text and Action read the common keys). Edits and deletes return action
// messages (category "action") whose Target is the affected message.
type Message struct {
	ID             cometchat.MessageID `json:"id"`
	MUID           string              `json:"muid,omitempty"`
	ConversationID string              `json:"conversationId,omitempty"`
	Sender         string              `json:"sender"`
	Receiver       string              `json:"receiver"`
	ReceiverType   ReceiverType        `json:"receiverType"`
	Category       string              `json:"category"`
	Type           string              `json:"type"`
	Data           json.RawMessage     `json:"data,omitempty"`
	Tags           []string            `json:"tags,omitempty"`
	ParentID       cometchat.MessageID `json:"parentId,omitempty"`
	ReplyCount     int                 `json:"replyCount,omitempty"`
	SentAt         cometchat.UnixTime  `json:"sentAt,omitempty"`
	UpdatedAt      cometchat.UnixTime  `json:"updatedAt,omitempty"`
	EditedAt       cometchat.UnixTime  `json:"editedAt,omitempty"`
	EditedBy       string              `json:"editedBy,omitempty"`
	DeletedAt      cometchat.UnixTime  `json:"deletedAt,omitempty"`
	DeletedBy      string              `json:"deletedBy,omitempty"`
}

type msgData struct {
	Text     string `json:"text"`
	Action   string `json:"action"`
	Entities struct {
		On struct {
			Entity     json.RawMessage `json:"entity"`
			EntityType string          `json:"entityType"`
		} `json:"on"`
	} `json:"entities"`
}

func (m *Message) parsed() msgData {
	var d msgData
	if m != nil && len(m.Data) > 0 {
		_ = json.Unmarshal(m.Data, &d)
	}
	return d
}

// Text returns data.text ("" when there is none).
func (m *Message) Text() string { return m.parsed().Text }

// Action returns data.action of an action message ("edited", "deleted", "added", …).
func (m *Message) Action() string { return m.parsed().Action }

// Target returns the message an edit or delete action refers to (data.entities.on), or nil.
func (m *Message) Target() *Message {
	on := m.parsed().Entities.On
	if on.EntityType != "message" || len(on.Entity) == 0 {
		return nil
	}
	var t Message
	if json.Unmarshal(on.Entity, &t) != nil {
		return nil
	}
	return &t
}

// MultipleReceivers sends one message to several users and groups.
type MultipleReceivers struct {
	UIDs  []string `json:"uids,omitempty"`
	GUIDs []string `json:"guids,omitempty"`
}

// MessageInput is a message to send. Category defaults to "message" and Type to "text"; Data holds
// text, metadata, attachments or (custom messages) customData. Set MUID to make the send safe to
// retry: the service de-duplicates by it.
type MessageInput struct {
	Receiver          string             `json:"receiver,omitempty"`
	ReceiverType      ReceiverType       `json:"receiverType"`
	Category          string             `json:"category"`
	Type              string             `json:"type"`
	Data              map[string]any     `json:"data"`
	MUID              string             `json:"muid,omitempty"`
	Tags              []string           `json:"tags,omitempty"`
	MultipleReceivers *MultipleReceivers `json:"multipleReceivers,omitempty"`
}

// TextMessage is a text message to a user or group.
func TextMessage(receiver string, rt ReceiverType, text string) MessageInput {
	return MessageInput{Receiver: receiver, ReceiverType: rt, Category: CategoryMessage, Type: "text",
		Data: map[string]any{"text": text}}
}

// CustomMessage is a custom message of type customType carrying payload as customData.
func CustomMessage(receiver string, rt ReceiverType, customType string, payload map[string]any) MessageInput {
	return MessageInput{Receiver: receiver, ReceiverType: rt, Category: CategoryCustom, Type: customType,
		Data: map[string]any{"customData": payload}}
}

// encode checks in, fills its defaults and returns the request body. The service limits the body to
// cometchat.MaxMessageChars characters; it is measured as sent (HTML characters unescaped, as
// internal/rest encodes), and sent as measured.
func (in *MessageInput) encode() (json.RawMessage, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(in); err != nil {
		return nil, invalidValue("the message cannot be encoded: " + err.Error())
	}
	b := bytes.TrimRight(buf.Bytes(), "\n")
	if n := utf8.RuneCount(b); n > cometchat.MaxMessageChars {
		return nil, &cometchat.Error{Code: cometchat.ErrMessageTooLarge.Code, Local: true,
			Message: "the message is " + strconv.Itoa(n) + " characters; at most " + strconv.Itoa(cometchat.MaxMessageChars) + " are allowed"}
	}
	return b, nil
}

func (in *MessageInput) check() error {
	if in.Category == "" {
		in.Category = CategoryMessage
	}
	if in.Type == "" && in.Category == CategoryMessage {
		in.Type = "text"
	}
	switch in.ReceiverType {
	case ReceiverUser:
		if in.Receiver != "" || in.MultipleReceivers == nil {
			if err := cometchat.ValidateUID(in.Receiver); err != nil {
				return err
			}
		}
	case ReceiverGroup:
		if in.Receiver != "" || in.MultipleReceivers == nil {
			if err := cometchat.ValidateGUID(in.Receiver); err != nil {
				return err
			}
		}
	default:
		return &cometchat.Error{Code: cometchat.ErrInvalidReceiverType.Code, Local: true,
			Message: "receiver type must be user or group, not " + string(in.ReceiverType)}
	}
	in.Receiver = strings.ToLower(in.Receiver)
	switch in.Category {
	case CategoryMessage, CategoryCustom, CategoryInteractive:
	default:
		return invalidValue("category must be message, custom or interactive, not " + in.Category)
	}
	if in.Type == "" {
		return missing("message type is required")
	}
	if in.Data == nil {
		return missing("message data is required")
	}
	if in.Category == CategoryMessage && in.Type == "text" {
		if s, _ := in.Data["text"].(string); strings.TrimSpace(s) == "" {
			return &cometchat.Error{Code: cometchat.ErrEmptyMessageText.Code, Message: "text is empty", Local: true}
		}
	}
	return nil
}

// SendMessage sends a message (POST /messages). On a Client made by As it is sent as that user
// (onBehalfOf); without it the service sends it as the app (sender app_system).
func (c *Client) SendMessage(ctx context.Context, in MessageInput) (*Message, error) {
	body, err := in.encode()
	if err != nil {
		return nil, err
	}
	return fetch[Message](c, ctx, &call{method: http.MethodPost, path: "messages", body: body, obo: oboOptional, retrySafe: in.MUID != ""})
}

// SendBotMessage sends a message as the bot botUID (POST /bots/{uid}/messages).
func (c *Client) SendBotMessage(ctx context.Context, botUID string, in MessageInput) (*Message, error) {
	if err := cometchat.ValidateUID(botUID); err != nil {
		return nil, err
	}
	body, err := in.encode()
	if err != nil {
		return nil, err
	}
	return fetch[Message](c, ctx, &call{method: http.MethodPost, path: "bots/" + esc(botUID) + "/messages", body: body,
		retrySafe: in.MUID != ""})
}

func checkID(id cometchat.MessageID) error {
	if id <= 0 {
		return &cometchat.Error{Code: "INVALID_MESSAGE_ID", Message: "message id must be positive", Local: true}
	}
	return nil
}

func msgPath(id cometchat.MessageID) string { return "messages/" + id.String() }

// GetMessage fetches a message (GET /messages/{id}).
func (c *Client) GetMessage(ctx context.Context, id cometchat.MessageID) (*Message, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	return fetch[Message](c, ctx, &call{method: http.MethodGet, path: msgPath(id), obo: oboOptional})
}

// MessageEdit is the new content of a message; Tags replaces the message's tags when not nil.
type MessageEdit struct {
	Text     string         `json:"-"`
	Metadata map[string]any `json:"-"`
	Tags     []string       `json:"tags,omitempty"`
}

// EditMessage edits a message (PUT /messages/{id}) and returns the "edited" action message; its
// Target is the edited message. On a Client made by As only the sender may edit
// (cometchat.ErrMessageNotASender).
func (c *Client) EditMessage(ctx context.Context, id cometchat.MessageID, e MessageEdit) (*Message, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	data := map[string]any{}
	if e.Text != "" {
		data["text"] = e.Text
	}
	if e.Metadata != nil {
		data["metadata"] = e.Metadata
	}
	if len(data) == 0 && e.Tags == nil {
		return nil, missing("EditMessage needs Text, Metadata or Tags")
	}
	body := map[string]any{"data": data}
	if e.Tags != nil {
		body["tags"] = e.Tags
	}
	return fetch[Message](c, ctx, &call{method: http.MethodPut, path: msgPath(id), body: body, obo: oboOptional})
}

// DeleteMessage deletes a message: a soft delete (the "deleted" action message is returned) or, with
// permanent, removes it entirely (the result may then be nil).
func (c *Client) DeleteMessage(ctx context.Context, id cometchat.MessageID, permanent bool) (*Message, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var raw json.RawMessage
	err := c.do(ctx, &call{method: http.MethodDelete, path: msgPath(id), body: map[string]any{"permanent": permanent},
		obo: oboOptional}, &raw)
	if err != nil {
		return nil, err
	}
	var m Message
	if json.Unmarshal(raw, &m) != nil || m.ID == 0 {
		return nil, nil
	}
	return &m, nil
}

// ListMessagesOptions filters a cursor-based message list (server-api.md §3.9, §4).
type ListMessagesOptions struct {
	// Limit is the page size (default 10 on the service, 1…1000).
	Limit int
	// After or Before start the list after / before a message id (affix append / prepend); at most
	// one may be set. Without either the service's default order applies.
	After, Before cometchat.MessageID
	// SearchKey, Category, Categories, Type, Types, Sender, Tags filter the messages.
	SearchKey  string
	Category   string
	Categories []string
	Type       string
	Types      []string
	Sender     string
	Tags       []string
	// HideDeleted, OnlyDeleted, HideReplies, WithTags and Unread are the service's flags.
	HideDeleted, OnlyDeleted, HideReplies, WithTags, Unread bool
	// ConversationID restricts GET /messages to one conversation.
	ConversationID string
}

func (o *ListMessagesOptions) query() (url.Values, error) {
	q := url.Values{}
	if o.Limit < 0 || o.Limit > 1000 {
		return nil, &cometchat.Error{Code: cometchat.ErrLimitExceeded.Code, Local: true, Message: "Limit must be 1-1000"}
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	switch {
	case o.After > 0 && o.Before > 0:
		return nil, invalidValue("set After or Before, not both")
	case o.After > 0:
		q.Set("affix", "append")
		q.Set("id", o.After.String())
	case o.Before > 0:
		q.Set("affix", "prepend")
		q.Set("id", o.Before.String())
	}
	for k, v := range map[string]string{"searchKey": o.SearchKey, "category": o.Category, "type": o.Type,
		"sender": o.Sender, "conversationId": o.ConversationID} {
		if v != "" {
			q.Set(k, v)
		}
	}
	commaList(q, "categories", o.Categories)
	commaList(q, "types", o.Types)
	commaList(q, "tags", o.Tags)
	setBool(q, "hideDeleted", o.HideDeleted)
	setBool(q, "onlyDeleted", o.OnlyDeleted)
	setBool(q, "hideReplies", o.HideReplies)
	setBool(q, "withTags", o.WithTags)
	setBool(q, "unread", o.Unread)
	return q, nil
}

// cursorMeta is meta.next of cursor lists, or meta.cursor, the other form the service uses
// (server-api.md §4: both may appear).
type cursorMeta struct {
	Next   *cursorPos `json:"next"`
	Cursor *cursorPos `json:"cursor"`
}

type cursorPos struct {
	Affix  string          `json:"affix"`
	SentAt json.RawMessage `json:"sentAt"`
	ID     json.RawMessage `json:"id"`
}

func rawScalar(raw json.RawMessage) string {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if s == "null" {
		return ""
	}
	return s
}

// cursors iterates a cursor-based list, following meta.next until the service omits it.
func cursors[T any](c *Client, ctx context.Context, cl call) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		q := cl.query
		for {
			var meta cursorMeta
			items, err := fetchPage[T](c, ctx, cl, q, &meta)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			pos := meta.Next
			if pos == nil {
				pos = meta.Cursor
			}
			if len(items) == 0 || pos == nil || (rawScalar(pos.ID) == "" && rawScalar(pos.SentAt) == "") {
				return
			}
			next := cloneQuery(q)
			next.Del("id")
			next.Del("sentAt")
			if pos.Affix != "" {
				next.Set("affix", pos.Affix)
			}
			if id := rawScalar(pos.ID); id != "" {
				next.Set("id", id)
			} else if at := rawScalar(pos.SentAt); at != "" {
				next.Set("sentAt", at)
			}
			if next.Encode() == q.Encode() {
				return // the cursor did not move: stop rather than loop
			}
			q = next
		}
	}
}

// ListMessages iterates GET /messages: all messages of the app, or on a Client made by As the acting
// user's messages.
func (c *Client) ListMessages(ctx context.Context, opts ListMessagesOptions) iter.Seq2[*Message, error] {
	q, err := opts.query()
	if err != nil {
		return failed[*Message](err)
	}
	return cursors[*Message](c, ctx, call{method: http.MethodGet, path: "messages", query: q, obo: oboOptional})
}

// ListUserMessages iterates the messages between the acting user (As) and uid; without As, the
// messages of uid.
func (c *Client) ListUserMessages(ctx context.Context, uid string, opts ListMessagesOptions) iter.Seq2[*Message, error] {
	if err := cometchat.ValidateUID(uid); err != nil {
		return failed[*Message](err)
	}
	q, err := opts.query()
	if err != nil {
		return failed[*Message](err)
	}
	return cursors[*Message](c, ctx, call{method: http.MethodGet, path: "users/" + esc(uid) + "/messages", query: q, obo: oboOptional})
}

// ListGroupMessages iterates the messages of a group.
func (c *Client) ListGroupMessages(ctx context.Context, guid string, opts ListMessagesOptions) iter.Seq2[*Message, error] {
	if err := cometchat.ValidateGUID(guid); err != nil {
		return failed[*Message](err)
	}
	q, err := opts.query()
	if err != nil {
		return failed[*Message](err)
	}
	return cursors[*Message](c, ctx, call{method: http.MethodGet, path: groupPath(guid) + "/messages", query: q, obo: oboOptional})
}

// ReplyInThread sends a reply to parent as the acting user (POST /messages/{id}/thread; onBehalfOf
// is required: call it on c.As(uid)). Replies to replies fail with ERR_MESSAGE_THREAD_NESTING.
func (c *Client) ReplyInThread(ctx context.Context, parent cometchat.MessageID, in MessageInput) (*Message, error) {
	if err := checkID(parent); err != nil {
		return nil, err
	}
	body, err := in.encode()
	if err != nil {
		return nil, err
	}
	return fetch[Message](c, ctx, &call{method: http.MethodPost, path: msgPath(parent) + "/thread", body: body, obo: oboRequired,
		retrySafe: in.MUID != ""})
}

// ListThread iterates the replies to parent.
func (c *Client) ListThread(ctx context.Context, parent cometchat.MessageID, opts ListMessagesOptions) iter.Seq2[*Message, error] {
	if err := checkID(parent); err != nil {
		return failed[*Message](err)
	}
	q, err := opts.query()
	if err != nil {
		return failed[*Message](err)
	}
	return cursors[*Message](c, ctx, call{method: http.MethodGet, path: msgPath(parent) + "/thread", query: q, obo: oboOptional})
}

// Reaction is a reaction to a message (model.md §6).
type Reaction struct {
	ID        json.Number         `json:"id"`
	MessageID cometchat.MessageID `json:"messageId"`
	Reaction  string              `json:"reaction"`
	UID       string              `json:"uid"`
	ReactedAt cometchat.UnixTime  `json:"reactedAt"`
	ReactedBy *cometchat.User     `json:"reactedBy,omitempty"`
}

func checkReaction(r string) error {
	if r == "" || len([]rune(r)) > 45 {
		return invalidValue("a reaction is 1-45 characters")
	}
	return nil
}

// AddReaction reacts to a message as the acting user (onBehalfOf required) and returns the message
// with its reaction counts.
func (c *Client) AddReaction(ctx context.Context, id cometchat.MessageID, reaction string) (*Message, error) {
	return c.reaction(ctx, http.MethodPost, id, reaction)
}

// RemoveReaction removes the acting user's reaction (onBehalfOf required).
func (c *Client) RemoveReaction(ctx context.Context, id cometchat.MessageID, reaction string) (*Message, error) {
	return c.reaction(ctx, http.MethodDelete, id, reaction)
}

func (c *Client) reaction(ctx context.Context, method string, id cometchat.MessageID, reaction string) (*Message, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	if err := checkReaction(reaction); err != nil {
		return nil, err
	}
	return fetch[Message](c, ctx, &call{method: method, path: msgPath(id) + "/reactions/" + url.PathEscape(reaction), obo: oboRequired})
}

// ListReactions iterates the reactions to a message, all of them or (reaction != "") one emoji.
func (c *Client) ListReactions(ctx context.Context, id cometchat.MessageID, reaction string) iter.Seq2[*Reaction, error] {
	if err := checkID(id); err != nil {
		return failed[*Reaction](err)
	}
	path := msgPath(id) + "/reactions"
	if reaction != "" {
		if err := checkReaction(reaction); err != nil {
			return failed[*Reaction](err)
		}
		path += "/" + url.PathEscape(reaction)
	}
	return cursors[*Reaction](c, ctx, call{method: http.MethodGet, path: path, query: url.Values{}, obo: oboOptional})
}

// MarkInteracted records that the acting user interacted with elements of an interactive message
// (PATCH /messages/{id}/interacted; onBehalfOf required).
func (c *Client) MarkInteracted(ctx context.Context, id cometchat.MessageID, elementIDs ...string) error {
	if err := checkID(id); err != nil {
		return err
	}
	if len(elementIDs) == 0 {
		return missing("at least one element id is required")
	}
	return c.do(ctx, &call{method: http.MethodPatch, path: msgPath(id) + "/interacted",
		body: map[string]any{"interactions": elementIDs}, obo: oboRequired}, nil)
}

// UnreadCount is the number of unread messages in one conversation.
type UnreadCount struct {
	EntityID   string          `json:"entityId"`
	EntityType ReceiverType    `json:"entityType"`
	Count      cometchat.Count `json:"count"`
}

// UnreadCounts returns the acting user's unread counts per conversation
// (GET /messages?count=true&unread=true; onBehalfOf required). Groups above 300 members have none.
func (c *Client) UnreadCounts(ctx context.Context) ([]UnreadCount, error) {
	var out []UnreadCount
	err := c.do(ctx, &call{method: http.MethodGet, path: "messages", obo: oboRequired,
		query: url.Values{"count": {"true"}, "unread": {"true"}}}, &out)
	return out, err
}
