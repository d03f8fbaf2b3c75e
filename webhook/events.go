package webhook

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/cometchat-go/cometchat"
)

// Triggers of server-api.md §6.5 that have a typed event.
const (
	TriggerMessageSent            = "message_sent"
	TriggerMessageEdited          = "message_edited"
	TriggerMessageDeleted         = "message_deleted"
	TriggerMessageDeliveryReceipt = "message_delivery_receipt"
	TriggerMessageReadReceipt     = "message_read_receipt"
	TriggerMessageDeliveredToAll  = "message_delivered_to_all"
	TriggerMessageReadByAll       = "message_read_by_all"
	TriggerReactionAdded          = "message_reaction_added"
	TriggerReactionRemoved        = "message_reaction_removed"
	TriggerUserMentioned          = "user_mentioned"
	TriggerUserBlocked            = "user_blocked"
	TriggerUserUnblocked          = "user_unblocked"
	TriggerConnectionChanged      = "user_connection_status_changed"
	TriggerGroupCreated           = "group_created"
	TriggerGroupUpdated           = "group_updated"
	TriggerGroupDeleted           = "group_deleted"
	TriggerMemberAdded            = "group_member_added"
	TriggerMemberRemoved          = "group_member_removed"
	TriggerMemberJoined           = "group_member_joined"
	TriggerMemberLeft             = "group_member_left"
	TriggerMemberKicked           = "group_member_kicked"
	TriggerMemberBanned           = "group_member_banned"
	TriggerMemberUnbanned         = "group_member_unbanned"
	TriggerMemberScopeChanged     = "group_member_scope_changed"
	TriggerGroupOwnerTransferred  = "group_owner_transferred"
)

// Envelope is the body CometChat posts (server-api.md §6.4):
// {"trigger", "data", "appId", "region", "webhook"}.
type Envelope struct {
	Trigger string          `json:"trigger"`
	Data    json.RawMessage `json:"data"`
	AppID   string          `json:"appId"`
	Region  string          `json:"region"`
	// Webhook is the id of the webhook configuration that delivered the event.
	Webhook string `json:"webhook"`
}

// Message is a message as webhooks carry it (model.md §5): the common fields decoded, the category's
// data object kept as raw JSON.
type Message struct {
	ID             cometchat.MessageID `json:"id"`
	MUID           string              `json:"muid,omitempty"`
	ConversationID string              `json:"conversationId"`
	Sender         string              `json:"sender"`
	Receiver       string              `json:"receiver"`
	ReceiverType   string              `json:"receiverType"`
	Category       string              `json:"category"`
	Type           string              `json:"type"`
	Data           json.RawMessage     `json:"data,omitempty"`
	Tags           []string            `json:"tags,omitempty"`
	ParentID       cometchat.MessageID `json:"parentId,omitempty"`
	SentAt         cometchat.UnixTime  `json:"sentAt,omitempty"`
	UpdatedAt      cometchat.UnixTime  `json:"updatedAt,omitempty"`
	EditedAt       cometchat.UnixTime  `json:"editedAt,omitempty"`
	EditedBy       string              `json:"editedBy,omitempty"`
	DeletedAt      cometchat.UnixTime  `json:"deletedAt,omitempty"`
	DeletedBy      string              `json:"deletedBy,omitempty"`
}

// messageData is the part of data the helpers read.
type messageData struct {
	Text     string `json:"text"`
	Action   string `json:"action"`
	Entities struct {
		Sender   entity `json:"sender"`
		Receiver entity `json:"receiver"`
		On       entity `json:"on"`
		By       entity `json:"by"`
	} `json:"entities"`
}

type entity struct {
	Entity     json.RawMessage `json:"entity"`
	EntityType string          `json:"entityType"`
}

func (m *Message) data() messageData {
	var d messageData
	if m != nil {
		_ = json.Unmarshal(m.Data, &d)
	}
	return d
}

// Text returns data.text ("" for messages without one).
func (m *Message) Text() string { return m.data().Text }

// Action returns data.action of an action message (edited, deleted, joined, …).
func (m *Message) Action() string { return m.data().Action }

// SenderUser returns the sender's user object from data.entities.sender, or nil.
func (m *Message) SenderUser() *cometchat.User {
	e := m.data().Entities.Sender
	if e.EntityType != "" && e.EntityType != "user" {
		return nil
	}
	return decodeUser(e.Entity)
}

func decodeUser(raw json.RawMessage) *cometchat.User {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var u cometchat.User
	if json.Unmarshal(raw, &u) != nil || u.UID == "" {
		return nil
	}
	return &u
}

// Event is what every typed event carries besides its payload.
type Event struct {
	// Trigger is the event's trigger, e.g. "message_sent".
	Trigger string
	// AppID, Region and Webhook come from the envelope.
	AppID, Region, Webhook string
	// Data is the envelope's data object as received.
	Data json.RawMessage
}

func eventOf(env *Envelope) Event {
	return Event{Trigger: env.Trigger, AppID: env.AppID, Region: env.Region, Webhook: env.Webhook, Data: env.Data}
}

// MessageEvent is message_sent or user_mentioned: data.message is the message.
type MessageEvent struct {
	Event
	Message *Message
}

// MessageActionEvent is message_edited or message_deleted: Action is the action message
// (category "action", data.action "edited"/"deleted") and Target the affected message as it now is
// (data.entities.on.entity, with EditedAt/EditedBy or DeletedAt/DeletedBy).
type MessageActionEvent struct {
	Event
	Action *Message
	Target *Message
}

// ReceiptEvent is one of the four receipt triggers (server-api.md §6.6).
type ReceiptEvent struct {
	Event
	Receiver, ReceiverType string
	// Sender is the uid whose receipt this is; MessageSender the uid of the message's sender.
	Sender, MessageSender string
	// ReceiptAction is "delivered", "read", "deliveredToAll" or "readByAll".
	ReceiptAction string
	MessageID     cometchat.MessageID
	// User is the user whose receipt completed the event, when present.
	User *cometchat.User
	// Timestamp is the receipt time (Unix seconds).
	Timestamp cometchat.UnixTime
}

// Reaction is a reaction to a message (model.md §6).
type Reaction struct {
	ID        string              `json:"-"`
	MessageID cometchat.MessageID `json:"messageId"`
	Reaction  string              `json:"reaction"`
	UID       string              `json:"uid"`
	ReactedAt cometchat.UnixTime  `json:"reactedAt"`
	ReactedBy *cometchat.User     `json:"reactedBy,omitempty"`
}

// ReactionEvent is message_reaction_added or message_reaction_removed.
type ReactionEvent struct {
	Event
	Reaction *Reaction
}

// BlockEvent is user_blocked or user_unblocked: By blocked (or unblocked) Users.
type BlockEvent struct {
	Event
	Users map[string]*cometchat.User
	By    *cometchat.User
}

// ConnectionEvent is user_connection_status_changed. Its times are in milliseconds, unlike every
// other timestamp of the service.
type ConnectionEvent struct {
	Event
	User   *cometchat.User
	Status string
	// ConnectionAction is "connected" or "disconnected".
	ConnectionAction string
	Platform         string
	UserAgent        string
	// TimestampMillis and ConnectedAtMillis are Unix milliseconds.
	TimestampMillis   int64
	ConnectedAtMillis int64
	// UserPresenceChanged reports whether the user's overall presence changed (first connection or
	// last disconnection).
	UserPresenceChanged bool
}

// Group is a group as webhooks carry it (model.md §3).
type Group struct {
	GUID               string             `json:"guid"`
	Name               string             `json:"name"`
	Type               string             `json:"type"`
	Icon               string             `json:"icon,omitempty"`
	Description        string             `json:"description,omitempty"`
	Owner              string             `json:"owner,omitempty"`
	Metadata           map[string]any     `json:"metadata,omitempty"`
	Tags               []string           `json:"tags,omitempty"`
	MembersCount       int                `json:"membersCount,omitempty"`
	OnlineMembersCount int                `json:"onlineMembersCount,omitempty"`
	CreatedAt          cometchat.UnixTime `json:"createdAt,omitempty"`
	UpdatedAt          cometchat.UnixTime `json:"updatedAt,omitempty"`
	// OldOwner is set on group_owner_transferred.
	OldOwner string `json:"oldOwner,omitempty"`
}

// Member is a user in a group event, with the scope (and the previous scope on a scope change).
type Member struct {
	*cometchat.User
	Scope    string
	OldScope string
}

// GroupEvent is a group_* trigger: the group, the members concerned (keyed by uid; empty for
// group_updated and group_deleted) and the actor when there is one.
type GroupEvent struct {
	Event
	Group   *Group
	Members map[string]*Member
	By      *cometchat.User
}

// CallEvent is a call_*, meeting_*, recording_generated or transcription_generated trigger. Their
// data layouts are not documented in detail, so the payload stays in Event.Data.
type CallEvent struct {
	Event
}

// decoding of each family; an error makes the request a 400.

func decodeMessageEvent(env *Envelope) (*MessageEvent, error) {
	var d struct {
		Message *Message `json:"message"`
	}
	if err := json.Unmarshal(env.Data, &d); err != nil {
		return nil, err
	}
	if d.Message == nil {
		return nil, errMissing("data.message")
	}
	return &MessageEvent{Event: eventOf(env), Message: d.Message}, nil
}

func decodeActionEvent(env *Envelope) (*MessageActionEvent, error) {
	me, err := decodeMessageEvent(env)
	if err != nil {
		return nil, err
	}
	ev := &MessageActionEvent{Event: me.Event, Action: me.Message}
	if on := me.Message.data().Entities.On; len(on.Entity) > 0 && string(on.Entity) != "null" {
		var t Message
		if err := json.Unmarshal(on.Entity, &t); err != nil {
			return nil, err
		}
		ev.Target = &t
	}
	return ev, nil
}

func decodeCallEvent(env *Envelope) (*CallEvent, error) { return &CallEvent{Event: eventOf(env)}, nil }

func decodeReceiptEvent(env *Envelope) (*ReceiptEvent, error) {
	var d struct {
		Receiver      string `json:"receiver"`
		ReceiverType  string `json:"receiverType"`
		Sender        string `json:"sender"`
		MessageSender string `json:"messageSender"`
		Body          struct {
			Action    string              `json:"action"`
			MessageID cometchat.MessageID `json:"messageId"`
			User      json.RawMessage     `json:"user"`
			Timestamp cometchat.UnixTime  `json:"timestamp"`
		} `json:"body"`
	}
	if err := json.Unmarshal(env.Data, &d); err != nil {
		return nil, err
	}
	return &ReceiptEvent{Event: eventOf(env), Receiver: d.Receiver, ReceiverType: d.ReceiverType, Sender: d.Sender,
		MessageSender: d.MessageSender, ReceiptAction: d.Body.Action, MessageID: d.Body.MessageID,
		User: decodeUser(d.Body.User), Timestamp: d.Body.Timestamp}, nil
}

func decodeReactionEvent(env *Envelope) (*ReactionEvent, error) {
	var d struct {
		Reaction *struct {
			Reaction
			ID json.RawMessage `json:"id"`
		} `json:"reaction"`
	}
	if err := json.Unmarshal(env.Data, &d); err != nil {
		return nil, err
	}
	if d.Reaction == nil {
		return nil, errMissing("data.reaction")
	}
	r := d.Reaction.Reaction
	r.ID = flexID(d.Reaction.ID)
	return &ReactionEvent{Event: eventOf(env), Reaction: &r}, nil
}

// flexID renders a string or number id as a string.
func flexID(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

func decodeBlockEvent(env *Envelope) (*BlockEvent, error) {
	var d struct {
		Users map[string]*cometchat.User `json:"users"`
		By    json.RawMessage            `json:"by"`
	}
	if err := json.Unmarshal(env.Data, &d); err != nil {
		return nil, err
	}
	return &BlockEvent{Event: eventOf(env), Users: d.Users, By: decodeUser(d.By)}, nil
}

func decodeConnectionEvent(env *Envelope) (*ConnectionEvent, error) {
	var d struct {
		Timestamp         json.Number     `json:"timestamp"`
		User              json.RawMessage `json:"user"`
		Status            string          `json:"status"`
		CurrentConnection struct {
			Action      string      `json:"action"`
			Platform    string      `json:"platform"`
			UserAgent   string      `json:"userAgent"`
			ConnectedAt json.Number `json:"connectedAt"`
		} `json:"currentConnection"`
		UserPresenceChanged json.RawMessage `json:"userPresenceChanged"`
	}
	dec := json.NewDecoder(bytes.NewReader(env.Data))
	dec.UseNumber()
	if err := dec.Decode(&d); err != nil {
		return nil, err
	}
	ms := func(n json.Number) int64 {
		v, _ := strconv.ParseFloat(n.String(), 64)
		return int64(v)
	}
	return &ConnectionEvent{Event: eventOf(env), User: decodeUser(d.User), Status: d.Status,
		ConnectionAction: d.CurrentConnection.Action, Platform: d.CurrentConnection.Platform,
		UserAgent: d.CurrentConnection.UserAgent, TimestampMillis: ms(d.Timestamp),
		ConnectedAtMillis:   ms(d.CurrentConnection.ConnectedAt),
		UserPresenceChanged: strings.Trim(string(d.UserPresenceChanged), `"`) == "true"}, nil
}

func decodeGroupEvent(env *Envelope) (*GroupEvent, error) {
	var d struct {
		Group   *Group                     `json:"group"`
		Members map[string]json.RawMessage `json:"members"`
		By      json.RawMessage            `json:"by"`
	}
	if err := json.Unmarshal(env.Data, &d); err != nil {
		return nil, err
	}
	if d.Group == nil {
		return nil, errMissing("data.group")
	}
	ev := &GroupEvent{Event: eventOf(env), Group: d.Group, By: decodeUser(d.By)}
	if len(d.Members) > 0 {
		ev.Members = make(map[string]*Member, len(d.Members))
		for uid, raw := range d.Members {
			var extra struct {
				Scope    string `json:"scope"`
				OldScope string `json:"oldScope"`
			}
			if err := json.Unmarshal(raw, &extra); err != nil {
				return nil, err
			}
			u := decodeUser(raw)
			if u == nil {
				u = &cometchat.User{UID: uid}
			}
			ev.Members[uid] = &Member{User: u, Scope: extra.Scope, OldScope: extra.OldScope}
		}
	}
	return ev, nil
}

type missingField string

func (m missingField) Error() string { return string(m) + " is missing" }

func errMissing(field string) error { return missingField(field) }
