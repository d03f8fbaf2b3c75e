package cometchat

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// ReceiverType says whether a message goes to a user (1:1) or a group.
type ReceiverType string

// Receiver types (rules-and-limits.md §2.1).
const (
	ReceiverTypeUser  ReceiverType = "user"
	ReceiverTypeGroup ReceiverType = "group"
)

// Valid reports whether t is one of the two receiver types.
func (t ReceiverType) Valid() bool { return t == ReceiverTypeUser || t == ReceiverTypeGroup }

// Category is a message category (model.md §5.4).
type Category string

// Message categories.
const (
	CategoryMessage     Category = "message"
	CategoryCustom      Category = "custom"
	CategoryInteractive Category = "interactive"
	CategoryAction      Category = "action"
	CategoryCall        Category = "call"
	CategoryAgentic     Category = "agentic"
	CategoryCard        Category = "card"
)

// Types of the "message" category, and of media attachments.
const (
	MessageTypeText  = "text"
	MessageTypeImage = "image"
	MessageTypeVideo = "video"
	MessageTypeAudio = "audio"
	MessageTypeFile  = "file"
)

// Types of the "action" category.
const (
	ActionTypeGroupMember = "groupMember"
	ActionTypeMessage     = "message"
)

// Action is data.action of an action message (model.md §5.9).
type Action string

// Actions of action messages.
const (
	ActionJoined       Action = "joined"
	ActionLeft         Action = "left"
	ActionKicked       Action = "kicked"
	ActionBanned       Action = "banned"
	ActionUnbanned     Action = "unbanned"
	ActionScopeChanged Action = "scopeChanged"
	ActionAdded        Action = "added"
	ActionInvited      Action = "invited"
	ActionEdited       Action = "edited"
	ActionDeleted      Action = "deleted"
	ActionCreated      Action = "created"
	ActionUpdated      Action = "updated"
)

// EntityType is the entityType of a data.entities item.
type EntityType string

// Entity types (model.md §5.9).
const (
	EntityTypeUser      EntityType = "user"
	EntityTypeGroup     EntityType = "group"
	EntityTypeGroupUser EntityType = "groupuser"
	EntityTypeMessage   EntityType = "message"
	EntityTypeCall      EntityType = "call"
)

// Moderation statuses of text and media messages (model.md §5.13).
const (
	ModerationPending     = "pending"
	ModerationApproved    = "approved"
	ModerationDisapproved = "disapproved"
	ModerationUnmoderated = "unmoderated"
)

// Message is any message the service sends: *TextMessage, *MediaMessage, *CustomMessage,
// *InteractiveMessage, *ActionMessage, *CallMessage, *AgenticMessage, *CardMessage or, for a
// category this SDK does not know yet, *UnknownMessage. The set is closed: switch on the concrete
// type.
//
//	switch m := msg.(type) {
//	case *cometchat.TextMessage:
//		fmt.Println(m.Sender().Name, m.Text)
//	case *cometchat.ActionMessage:
//		…
//	}
type Message interface {
	// ID is the service's id; 0 on a message not sent yet.
	ID() MessageID
	// MUID is the client-generated id that de-duplicates sends.
	MUID() string
	// Sender is the sending user (from data.entities.sender, else just the uid).
	Sender() *User
	// SenderUID is the sender's uid.
	SenderUID() string
	// ReceiverID is the receiving user's uid or group's guid.
	ReceiverID() string
	// ReceiverType is user or group.
	ReceiverType() ReceiverType
	// ConversationID is "{uidA}_user_{uidB}" or "group_{guid}".
	ConversationID() string
	// SentAt is when the service stored the message.
	SentAt() UnixTime
	// Category is the message category.
	Category() Category
	// Type is the type within the category (text, image, the custom type, groupMember, …).
	Type() string
	// Base gives access to the fields every message has.
	Base() *BaseMessage
	// Raw is the JSON the message was decoded from (nil for messages built locally).
	Raw() json.RawMessage

	isMessage()
}

// BaseMessage holds what every category shares (model.md §5.1). The identity fields are read with
// the methods of Message; everything else is a plain field.
type BaseMessage struct {
	id             MessageID
	muid           string
	sender         *User
	senderUID      string
	receiverID     string
	receiverType   ReceiverType
	conversationID string
	sentAt         UnixTime
	category       Category
	typ            string
	raw            json.RawMessage

	// Receiver is data.entities.receiver: the receiving user or group.
	Receiver *Entity
	// ParentMessageID is the thread parent (wire parentId); 0 outside threads. Set it on an outgoing
	// message to reply in a thread.
	ParentMessageID MessageID
	// QuotedMessageID is the message this one quotes; set it on an outgoing message to quote.
	QuotedMessageID MessageID
	// QuotedMessage is the quoted message as the service returns it.
	QuotedMessage Message
	// Metadata is data.metadata.
	Metadata map[string]any
	// Tags are the message tags.
	Tags []string

	UpdatedAt   UnixTime
	DeliveredAt UnixTime
	ReadAt      UnixTime
	// DeliveredToMeAt and ReadByMeAt come from myReceipt: when the requesting user got and read it.
	DeliveredToMeAt UnixTime
	ReadByMeAt      UnixTime
	EditedAt        UnixTime
	EditedBy        string
	DeletedAt       UnixTime
	DeletedBy       string

	// ReplyCount and UnreadRepliesCount are set on thread parents.
	ReplyCount         int
	UnreadRepliesCount int
	ThreadSubscribed   bool

	// Mentions are data.mentions: the mentioned users by uid.
	Mentions map[string]*User
	// Reactions are the reaction counts, with whether the requesting user reacted.
	Reactions []ReactionCount
	// ModerationStatus is data.moderation.status ("" when the message carries none).
	ModerationStatus string

	PinnedAt UnixTime
	// PinnedBy is the uid that pinned the message, or "app_system" for an app pin.
	PinnedBy string
	// SavedAt is when the requesting user saved (bookmarked) the message.
	SavedAt UnixTime

	// Receipts is the per-recipient receipt list some responses embed (GET messages/{id}).
	Receipts []MessageReceipt

	// Replayed is set on messages a listener receives from the catch-up after a reconnect (missed
	// while the realtime connection was down) rather than live (realtime, dispatch.go).
	Replayed bool
}

// ID implements Message.
func (b *BaseMessage) ID() MessageID { return b.id }

// MUID implements Message.
func (b *BaseMessage) MUID() string { return b.muid }

// SetMUID sets the muid of an outgoing message. Send sets a random one when it is empty; set your own
// to de-duplicate across restarts (for example from an outbox row id).
func (b *BaseMessage) SetMUID(muid string) { b.muid = muid }

// Sender implements Message. It never returns nil for a decoded message: without an entity it is a
// User with just the uid.
func (b *BaseMessage) Sender() *User {
	if b.sender != nil {
		return b.sender
	}
	if b.senderUID == "" {
		return nil
	}
	return &User{UID: b.senderUID}
}

// SenderUID implements Message.
func (b *BaseMessage) SenderUID() string { return b.senderUID }

// ReceiverID implements Message.
func (b *BaseMessage) ReceiverID() string { return b.receiverID }

// ReceiverType implements Message.
func (b *BaseMessage) ReceiverType() ReceiverType { return b.receiverType }

// ConversationID implements Message.
func (b *BaseMessage) ConversationID() string { return b.conversationID }

// SentAt implements Message.
func (b *BaseMessage) SentAt() UnixTime { return b.sentAt }

// Category implements Message.
func (b *BaseMessage) Category() Category { return b.category }

// Type implements Message.
func (b *BaseMessage) Type() string { return b.typ }

// Base implements Message.
func (b *BaseMessage) Base() *BaseMessage { return b }

// Raw implements Message.
func (b *BaseMessage) Raw() json.RawMessage { return b.raw }

func (b *BaseMessage) isMessage() {}

// IsDeleted reports whether the message was (soft-)deleted.
func (b *BaseMessage) IsDeleted() bool { return b.DeletedAt != 0 }

// IsEdited reports whether the message was edited.
func (b *BaseMessage) IsEdited() bool { return b.EditedAt != 0 }

// IsThreadReply reports whether the message is a reply in a thread.
func (b *BaseMessage) IsThreadReply() bool { return b.ParentMessageID != 0 }

// MentionedUsers returns the mentioned users ordered by uid.
func (b *BaseMessage) MentionedUsers() []*User {
	out := make([]*User, 0, len(b.Mentions))
	for _, uid := range slices.Sorted(maps.Keys(b.Mentions)) {
		out = append(out, b.Mentions[uid])
	}
	return out
}

// HasMentioned reports whether uid is mentioned (the official hasMentionedMe with the caller's uid).
func (b *BaseMessage) HasMentioned(uid string) bool {
	_, ok := b.Mentions[normID(uid)]
	if !ok {
		_, ok = b.Mentions[uid]
	}
	return ok
}

// setIdentity fills the routing fields of an outgoing message.
func (b *BaseMessage) setIdentity(receiverID string, rt ReceiverType, cat Category, typ string) {
	b.receiverID, b.receiverType, b.category, b.typ = receiverID, rt, cat, typ
}

// Mention returns the inline mention syntax for uid, "<@uid:UID>" (model.md §5.12), to put in a
// message text.
func Mention(uid string) string { return "<@uid:" + uid + ">" }

// ReactionCount is one entry of a message's reactions: the emoji, how many reacted with it and whether
// the requesting user did.
type ReactionCount struct {
	Reaction    string `json:"reaction"`
	Count       int    `json:"count"`
	ReactedByMe bool   `json:"reactedByMe,omitempty"`
}

// UnmarshalJSON tolerates count as a string and reactedByMe as 1/0.
func (r *ReactionCount) UnmarshalJSON(b []byte) error {
	var w struct {
		Reaction    string          `json:"reaction"`
		Count       Count           `json:"count"`
		ReactedByMe json.RawMessage `json:"reactedByMe"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = ReactionCount{Reaction: w.Reaction, Count: int(w.Count), ReactedByMe: flexBool(w.ReactedByMe)}
	return nil
}

// Attachment is a media file of a message (model.md §5.6).
type Attachment struct {
	Extension string `json:"extension,omitempty"`
	MimeType  string `json:"mimeType,omitempty"`
	Name      string `json:"name,omitempty"`
	URL       string `json:"url,omitempty"`
	// Size in bytes (the service sends a number or a numeric string).
	Size int64 `json:"size,omitempty"`
}

// UnmarshalJSON tolerates size as a string.
func (a *Attachment) UnmarshalJSON(b []byte) error {
	type plain Attachment
	var w struct {
		plain
		Size json.RawMessage `json:"size"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	size, err := flexInt64(w.Size)
	if err != nil {
		return err
	}
	*a = Attachment(w.plain)
	a.Size = size
	return nil
}

// Entity is one item of data.entities ({"entity":…,"entityType":…}): the sender, receiver, or the
// by / on / for of action and call messages. Exactly one of User, Group, Message and Call is set
// for the known entity types; Raw always holds the entity JSON.
type Entity struct {
	Type    EntityType
	User    *User
	Group   *Group
	Message Message
	Call    *Call
	Raw     json.RawMessage
}

// ID returns the uid, guid, message id or call session id of the entity.
func (e *Entity) ID() string {
	switch {
	case e == nil:
		return ""
	case e.User != nil:
		return e.User.UID
	case e.Group != nil:
		return e.Group.GUID
	case e.Message != nil:
		return e.Message.ID().String()
	case e.Call != nil:
		return e.Call.SessionID
	}
	return ""
}

// MessageReceipt is a delivery or read receipt (model.md §7).
type MessageReceipt struct {
	MessageID MessageID
	// Sender is the user the receipt is about (who received or read the message).
	Sender       *User
	ReceiverID   string
	ReceiverType ReceiverType
	// ReceiptType is delivery, read, deliveredToAll or readByAll.
	ReceiptType string
	Timestamp   UnixTime
	DeliveredAt UnixTime
	ReadAt      UnixTime
}

// Receipt types of MessageReceipt.
const (
	ReceiptTypeDelivery       = "delivery"
	ReceiptTypeRead           = "read"
	ReceiptTypeDeliveredToAll = "deliveredToAll"
	ReceiptTypeReadByAll      = "readByAll"
)

// TextMessage is category message, type text.
type TextMessage struct {
	BaseMessage
	// Text is the body; mentions are written inline with Mention.
	Text string
}

// NewTextMessage builds a text message to send to a user or group.
func NewTextMessage(receiverID string, receiverType ReceiverType, text string) *TextMessage {
	m := &TextMessage{Text: text}
	m.setIdentity(receiverID, receiverType, CategoryMessage, MessageTypeText)
	return m
}

// MediaMessage is category message, type image, video, audio or file.
type MediaMessage struct {
	BaseMessage
	// Caption is data.text.
	Caption string
	// URL is data.url, the single media URL of a media message sent by URL.
	URL string
	// Attachments are the uploaded files.
	Attachments []Attachment
}

// NewMediaMessage builds a media message of mediaType (MessageTypeImage, …) that refers to a file
// already reachable at url. To send local files, use Client.UploadFile and put the returned
// attachments in Attachments (url may then be empty).
func NewMediaMessage(receiverID string, receiverType ReceiverType, mediaType, url string) *MediaMessage {
	m := &MediaMessage{URL: url}
	m.setIdentity(receiverID, receiverType, CategoryMessage, mediaType)
	return m
}

// CustomMessage is category custom; Type is the application's own custom type.
type CustomMessage struct {
	BaseMessage
	// CustomData is the application payload (data.customData).
	CustomData map[string]any
	// SubType is data.subType.
	SubType string
	// ConversationText is the preview text shown in conversation lists (data.text).
	ConversationText string
	// UpdateConversation says whether the message becomes the conversation's last message; nil leaves
	// the service default.
	UpdateConversation *bool
	// SendNotification says whether a push notification is sent; nil leaves the service default.
	SendNotification *bool
}

// NewCustomMessage builds a custom message of the application's customType.
func NewCustomMessage(receiverID string, receiverType ReceiverType, customType string, customData map[string]any) *CustomMessage {
	m := &CustomMessage{CustomData: customData}
	m.setIdentity(receiverID, receiverType, CategoryCustom, customType)
	return m
}

// Interaction goal types (model.md §5.8).
const (
	GoalAnyAction = "anyAction"
	GoalAnyOf     = "anyOf"
	GoalAllOf     = "allOf"
	GoalNone      = "none"
)

// InteractionGoal says when an interactive message counts as completed.
type InteractionGoal struct {
	Type       string   `json:"type"`
	ElementIDs []string `json:"elementIds"`
}

// Interaction is one recorded interaction with an element of an interactive message.
type Interaction struct {
	ElementID    string   `json:"elementId"`
	InteractedAt UnixTime `json:"interactedAt,omitempty"`
}

// InteractiveMessage is category interactive (types card, form, scheduler, customInteractive).
type InteractiveMessage struct {
	BaseMessage
	// InteractiveData is the form, card or scheduler definition.
	InteractiveData map[string]any
	// InteractionGoal says when the interaction is complete; nil for none.
	InteractionGoal *InteractionGoal
	// Interactions are the interactions so far.
	Interactions []Interaction
	// AllowSenderInteraction lets the sender interact with its own message.
	AllowSenderInteraction bool
}

// NewInteractiveMessage builds an interactive message of interactiveType ("form", "card",
// "scheduler", "customInteractive").
func NewInteractiveMessage(receiverID string, receiverType ReceiverType, interactiveType string, data map[string]any) *InteractiveMessage {
	m := &InteractiveMessage{InteractiveData: data}
	m.setIdentity(receiverID, receiverType, CategoryInteractive, interactiveType)
	return m
}

// ActionMessage is category action: a group member event (type groupMember) or an edit / delete
// (type message). The service creates them; they cannot be sent.
type ActionMessage struct {
	BaseMessage
	// Action is data.action.
	Action Action
	// By is the actor.
	By *Entity
	// On is the affected user, or the edited / deleted message.
	On *Entity
	// For is the group, or for message actions the user or group of the conversation.
	For *Entity
	// OldScope and NewScope are data.extras.scope of a scopeChanged action.
	OldScope, NewScope string
	// Extras is data.extras as received.
	Extras json.RawMessage
}

// ActionOnMessage returns the edited or deleted message of a message action.
func (m *ActionMessage) ActionOnMessage() (Message, bool) {
	if m.On == nil || m.On.Message == nil {
		return nil, false
	}
	return m.On.Message, true
}

// Call statuses (model.md §13).
const (
	CallStatusInitiated  = "initiated"
	CallStatusOngoing    = "ongoing"
	CallStatusUnanswered = "unanswered"
	CallStatusRejected   = "rejected"
	CallStatusBusy       = "busy"
	CallStatusCancelled  = "cancelled"
	CallStatusEnded      = "ended"
)

// Call is the call entity of a call message (model.md §5.10).
type Call struct {
	// SessionID is the call session (the wire key is the lower-case "sessionid").
	SessionID      string
	Status         string
	Type           CallType // CallTypeAudio or CallTypeVideo
	SenderUID      string
	ReceiverID     string
	ReceiverType   ReceiverType
	ConversationID string
	// Initiator is the user who started the call; Receiver the callee user or group.
	Initiator   *User
	Receiver    *Entity
	InitiatedAt UnixTime
	JoinedAt    UnixTime
	StartedAt   UnixTime
	LeftAt      UnixTime
	Metadata    map[string]any
	// Raw is the entity JSON (wsChannel and anything else live there).
	Raw json.RawMessage
}

// CallMessage is category call (types audio, video): a change of a call's status.
type CallMessage struct {
	BaseMessage
	// Status is data.action, the call status this message reports.
	Status string
	// By is the user who changed the status; For the callee user or group.
	By  *Entity
	For *Entity
	// Call is the call entity (data.entities.on).
	Call *Call
}

// AgenticMessage is category agentic (types assistant, tool-result, tool-arguments). Its data layout
// is not specified, so it is kept raw.
type AgenticMessage struct {
	BaseMessage
	// Data is the message's data object as received.
	Data json.RawMessage
}

// CardMessage is category card. Its data layout is not specified, so it is kept raw.
type CardMessage struct {
	BaseMessage
	// Data is the message's data object as received.
	Data json.RawMessage
}

// UnknownMessage is a message of a category this SDK does not know. Nothing is lost: Raw() is the
// whole message and Data its data object.
type UnknownMessage struct {
	BaseMessage
	// Data is the message's data object as received.
	Data json.RawMessage
}

// lowerTrim lower-cases and trims an enumerated value.
func lowerTrim(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
