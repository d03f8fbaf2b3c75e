package cometchat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// This file is the one place where message JSON (model.md §5) becomes a typed Message and back.
// REST responses, WebSocket "message" frames, action entities and conversation last messages all go
// through decodeMessage.

// decodeMessage decodes one message object of any category. It is tolerant where model.md §0.2 says
// values arrive as strings or numbers, keeps the raw JSON on the result, and turns a category it does
// not know into *UnknownMessage rather than failing. It fails only on JSON that is not a message
// object.
func decodeMessage(raw json.RawMessage) (Message, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, fmt.Errorf("cometchat: message: not a JSON object")
	}
	var w wireMessage
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, fmt.Errorf("cometchat: message: %w", err)
	}
	var d wireData
	if len(w.Data) > 0 && !bytes.Equal(bytes.TrimSpace(w.Data), []byte("null")) {
		if err := json.Unmarshal(w.Data, &d); err != nil {
			return nil, fmt.Errorf("cometchat: message %s data: %w", w.ID, err)
		}
	}
	b, err := w.base(&d)
	if err != nil {
		return nil, err
	}
	b.raw = append(json.RawMessage(nil), raw...)

	switch b.category {
	case CategoryMessage:
		if b.typ == MessageTypeText {
			return &TextMessage{BaseMessage: b, Text: d.Text}, nil
		}
		return &MediaMessage{BaseMessage: b, Caption: d.Text, URL: d.URL, Attachments: d.Attachments}, nil
	case CategoryCustom:
		m := &CustomMessage{BaseMessage: b, CustomData: d.CustomData, SubType: d.SubType, ConversationText: d.Text,
			UpdateConversation: d.UpdateConversation.ptr(), SendNotification: d.SendNotification.ptr()}
		if m.CustomData == nil {
			m.CustomData = d.CustomDataSnake
		}
		return m, nil
	case CategoryInteractive:
		return &InteractiveMessage{BaseMessage: b, InteractiveData: d.InteractiveData, InteractionGoal: d.InteractionGoal,
			Interactions: d.Interactions, AllowSenderInteraction: d.AllowSenderInteraction.val()}, nil
	case CategoryAction:
		m := &ActionMessage{BaseMessage: b, Action: Action(d.Action), Extras: d.Extras}
		if e := d.Entities; e != nil {
			if m.By, err = e.By.decode(); err == nil {
				if m.On, err = e.On.decode(); err == nil {
					m.For, err = e.For.decode()
				}
			}
			if err != nil {
				return nil, fmt.Errorf("cometchat: action message %s: %w", w.ID, err)
			}
		}
		if len(d.Extras) > 0 {
			var ex struct {
				Scope struct {
					Old string `json:"old"`
					New string `json:"new"`
				} `json:"scope"`
			}
			if json.Unmarshal(d.Extras, &ex) == nil {
				m.OldScope, m.NewScope = ex.Scope.Old, ex.Scope.New
			}
		}
		return m, nil
	case CategoryCall:
		m := &CallMessage{BaseMessage: b, Status: d.Action}
		if e := d.Entities; e != nil {
			var on *Entity
			if m.By, err = e.By.decode(); err == nil {
				if m.For, err = e.For.decode(); err == nil {
					on, err = e.On.decode()
				}
			}
			if err != nil {
				return nil, fmt.Errorf("cometchat: call message %s: %w", w.ID, err)
			}
			if on != nil {
				m.Call = on.Call
			}
		}
		return m, nil
	// w.Data and the entities' raw values are copies encoding/json made for w: they are handed on
	// without another copy.
	case CategoryAgentic:
		return &AgenticMessage{BaseMessage: b, Data: w.Data}, nil
	case CategoryCard:
		return &CardMessage{BaseMessage: b, Data: w.Data}, nil
	}
	return &UnknownMessage{BaseMessage: b, Data: w.Data}, nil
}

// UnmarshalMessage decodes a message object (as stored with json.Marshal of a Message, or as
// received from the service) into its typed form.
func UnmarshalMessage(b []byte) (Message, error) { return decodeMessage(b) }

// decodeMessages decodes a JSON array of messages.
func decodeMessages(raw json.RawMessage) ([]Message, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("cometchat: message list: %w", err)
	}
	out := make([]Message, 0, len(items))
	for _, it := range items {
		m, err := decodeMessage(it)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// messageOut is a decode target for c.do: a single message in data.
type messageOut struct{ m Message }

func (o *messageOut) UnmarshalJSON(b []byte) error {
	m, err := decodeMessage(b)
	if err != nil {
		return err
	}
	o.m = m
	return nil
}

// messagesOut is a decode target for c.do: a message list in data.
type messagesOut struct{ ms []Message }

func (o *messagesOut) UnmarshalJSON(b []byte) error {
	ms, err := decodeMessages(b)
	if err != nil {
		return err
	}
	o.ms = ms
	return nil
}

// wireMessage is the top level of model.md §5.1, used to decode and (with encodeMessage) to encode.
type wireMessage struct {
	ID                 MessageID        `json:"id,omitempty"`
	MUID               string           `json:"muid,omitempty"`
	ConversationID     string           `json:"conversationId,omitempty"`
	Sender             flexUID          `json:"sender,omitempty"`
	Receiver           flexUID          `json:"receiver,omitempty"`
	ReceiverType       ReceiverType     `json:"receiverType,omitempty"`
	Category           Category         `json:"category,omitempty"`
	Type               string           `json:"type,omitempty"`
	Data               json.RawMessage  `json:"data,omitempty"`
	SentAt             UnixTime         `json:"sentAt,omitempty"`
	UpdatedAt          UnixTime         `json:"updatedAt,omitempty"`
	DeliveredAt        UnixTime         `json:"deliveredAt,omitempty"`
	ReadAt             UnixTime         `json:"readAt,omitempty"`
	EditedAt           UnixTime         `json:"editedAt,omitempty"`
	EditedBy           string           `json:"editedBy,omitempty"`
	DeletedAt          UnixTime         `json:"deletedAt,omitempty"`
	DeletedBy          string           `json:"deletedBy,omitempty"`
	ParentID           MessageID        `json:"parentId,omitempty"`
	ParentMessageID    MessageID        `json:"parentMessageId,omitempty"`
	ReplyCount         Count            `json:"replyCount,omitempty"`
	UnreadRepliesCount Count            `json:"unreadRepliesCount,omitempty"`
	Tags               []string         `json:"tags,omitempty"`
	QuotedMessageID    MessageID        `json:"quotedMessageId,omitempty"`
	QuotedMessage      json.RawMessage  `json:"quotedMessage,omitempty"`
	MyReceipt          *wireMyReceipt   `json:"myReceipt,omitempty"`
	Receipts           *wireReceiptList `json:"receipts,omitempty"`
	PinnedAt           UnixTime         `json:"pinnedAt,omitempty"`
	PinnedBy           string           `json:"pinnedBy,omitempty"`
	SavedAt            UnixTime         `json:"savedAt,omitempty"`
	ThreadSubscribed   flexBoolPtr      `json:"threadSubscribed,omitzero"`
}

// wireMyReceipt is myReceipt: when recipient is empty it describes the requesting user.
type wireMyReceipt struct {
	DeliveredAt UnixTime        `json:"deliveredAt,omitempty"`
	ReadAt      UnixTime        `json:"readAt,omitempty"`
	Recipient   json.RawMessage `json:"recipient,omitempty"`
}

// wireReceiptList is receipts: {"data":[{deliveredAt?, readAt?, recipient: User}]} in GET
// messages/{id}; a bare array is accepted too.
type wireReceiptList struct {
	Data []wireReceipt `json:"data"`
}

type wireReceipt struct {
	DeliveredAt UnixTime `json:"deliveredAt,omitempty"`
	ReadAt      UnixTime `json:"readAt,omitempty"`
	Recipient   *User    `json:"recipient,omitempty"`
}

func (l *wireReceiptList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		return json.Unmarshal(b, &l.Data)
	}
	var w struct {
		Data []wireReceipt `json:"data"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	l.Data = w.Data
	return nil
}

// wireData is data of model.md §5.2.
type wireData struct {
	Text                   string           `json:"text,omitempty"`
	URL                    string           `json:"url,omitempty"`
	Attachments            []Attachment     `json:"attachments,omitempty"`
	Metadata               map[string]any   `json:"metadata,omitempty"`
	CustomData             map[string]any   `json:"customData,omitempty"`
	CustomDataSnake        map[string]any   `json:"custom_data,omitempty"`
	SubType                string           `json:"subType,omitempty"`
	UpdateConversation     flexBoolPtr      `json:"updateConversation,omitzero"`
	SendNotification       flexBoolPtr      `json:"sendNotification,omitzero"`
	InteractiveData        map[string]any   `json:"interactiveData,omitempty"`
	InteractionGoal        *InteractionGoal `json:"interactionGoal,omitempty"`
	Interactions           []Interaction    `json:"interactions,omitempty"`
	AllowSenderInteraction flexBoolPtr      `json:"allowSenderInteraction,omitzero"`
	Action                 string           `json:"action,omitempty"`
	Extras                 json.RawMessage  `json:"extras,omitempty"`
	Entities               *wireEntities    `json:"entities,omitempty"`
	Mentions               map[string]*User `json:"mentions,omitempty"`
	Reactions              []ReactionCount  `json:"reactions,omitempty"`
	Moderation             *wireModeration  `json:"moderation,omitempty"`
}

type wireModeration struct {
	Status string `json:"status,omitempty"`
}

type wireEntities struct {
	Sender   *wireEntity `json:"sender,omitempty"`
	Receiver *wireEntity `json:"receiver,omitempty"`
	By       *wireEntity `json:"by,omitempty"`
	On       *wireEntity `json:"on,omitempty"`
	For      *wireEntity `json:"for,omitempty"`
}

// wireEntity is {"entity":…,"entityType":…}.
type wireEntity struct {
	Entity     json.RawMessage `json:"entity,omitempty"`
	EntityType EntityType      `json:"entityType,omitempty"`
}

// decode turns a wire entity into an Entity; nil stays nil.
func (w *wireEntity) decode() (*Entity, error) {
	if w == nil {
		return nil, nil
	}
	e := &Entity{Type: w.EntityType, Raw: w.Entity}
	if len(bytes.TrimSpace(w.Entity)) == 0 || bytes.Equal(bytes.TrimSpace(w.Entity), []byte("null")) {
		return e, nil
	}
	switch w.EntityType {
	case EntityTypeUser, EntityTypeGroupUser:
		var u User
		if err := json.Unmarshal(w.Entity, &u); err != nil {
			return nil, fmt.Errorf("%s entity: %w", w.EntityType, err)
		}
		e.User = &u
	case EntityTypeGroup:
		var g Group
		if err := json.Unmarshal(w.Entity, &g); err != nil {
			return nil, fmt.Errorf("group entity: %w", err)
		}
		e.Group = &g
	case EntityTypeMessage:
		m, err := decodeMessage(w.Entity)
		if err != nil {
			return nil, err
		}
		e.Message = m
	case EntityTypeCall:
		c, err := decodeCall(w.Entity)
		if err != nil {
			return nil, err
		}
		e.Call = c
	}
	return e, nil
}

// encode is the inverse of decode.
func (e *Entity) encode() (*wireEntity, error) {
	if e == nil {
		return nil, nil
	}
	w := &wireEntity{EntityType: e.Type}
	var (
		b   []byte
		err error
	)
	switch {
	case e.User != nil:
		b, err = json.Marshal(e.User)
	case e.Group != nil:
		b, err = json.Marshal(e.Group)
	case e.Message != nil:
		b, err = json.Marshal(e.Message)
	case e.Call != nil:
		b, err = encodeCall(e.Call)
	default:
		b = e.Raw
	}
	if err != nil {
		return nil, err
	}
	w.Entity = b
	return w, nil
}

// wireCall is the call entity of model.md §5.10.
type wireCall struct {
	SessionID      string          `json:"sessionid,omitempty"`
	SessionIDCamel string          `json:"sessionId,omitempty"`
	Status         string          `json:"status,omitempty"`
	Type           string          `json:"type,omitempty"`
	Sender         flexUID         `json:"sender,omitempty"`
	Receiver       flexUID         `json:"receiver,omitempty"`
	ReceiverType   ReceiverType    `json:"receiverType,omitempty"`
	ConversationID string          `json:"conversationId,omitempty"`
	InitiatedAt    UnixTime        `json:"initiatedAt,omitempty"`
	JoinedAt       UnixTime        `json:"joinedAt,omitempty"`
	StartedAt      UnixTime        `json:"startedAt,omitempty"`
	LeftAt         UnixTime        `json:"leftAt,omitempty"`
	WSChannel      json.RawMessage `json:"wsChannel,omitempty"`
	Data           *wireCallData   `json:"data,omitempty"`
}

type wireCallData struct {
	Entities *wireEntities  `json:"entities,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

// decodeCall decodes a call entity. The Call keeps raw, so it must not be a buffer the caller reuses.
func decodeCall(raw json.RawMessage) (*Call, error) {
	var w wireCall
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, fmt.Errorf("call entity: %w", err)
	}
	c := &Call{SessionID: w.SessionID, Status: w.Status, Type: CallType(w.Type), SenderUID: string(w.Sender),
		ReceiverID: string(w.Receiver), ReceiverType: w.ReceiverType, ConversationID: w.ConversationID,
		InitiatedAt: w.InitiatedAt, JoinedAt: w.JoinedAt, StartedAt: w.StartedAt, LeftAt: w.LeftAt,
		Raw: raw}
	if c.SessionID == "" {
		c.SessionID = w.SessionIDCamel
	}
	if w.Data != nil {
		c.Metadata = w.Data.Metadata
		if e := w.Data.Entities; e != nil {
			s, err := e.Sender.decode()
			if err != nil {
				return nil, err
			}
			if s != nil {
				c.Initiator = s.User
			}
			if c.Receiver, err = e.Receiver.decode(); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

func encodeCall(c *Call) ([]byte, error) {
	w := wireCall{SessionID: c.SessionID, Status: c.Status, Type: string(c.Type), Sender: flexUID(c.SenderUID),
		Receiver: flexUID(c.ReceiverID), ReceiverType: c.ReceiverType, ConversationID: c.ConversationID,
		InitiatedAt: c.InitiatedAt, JoinedAt: c.JoinedAt, StartedAt: c.StartedAt, LeftAt: c.LeftAt}
	if len(c.Raw) > 0 {
		var ws struct {
			WSChannel json.RawMessage `json:"wsChannel"`
		}
		if json.Unmarshal(c.Raw, &ws) == nil {
			w.WSChannel = ws.WSChannel
		}
	}
	if c.Initiator != nil || c.Receiver != nil || c.Metadata != nil {
		w.Data = &wireCallData{Metadata: c.Metadata, Entities: &wireEntities{}}
		if c.Initiator != nil {
			w.Data.Entities.Sender = &wireEntity{EntityType: EntityTypeUser}
			b, err := json.Marshal(c.Initiator)
			if err != nil {
				return nil, err
			}
			w.Data.Entities.Sender.Entity = b
		}
		var err error
		if w.Data.Entities.Receiver, err = c.Receiver.encode(); err != nil {
			return nil, err
		}
	}
	return json.Marshal(w)
}

// base builds the shared fields from the wire message and its data.
func (w *wireMessage) base(d *wireData) (BaseMessage, error) {
	b := BaseMessage{
		id: w.ID, muid: w.MUID, senderUID: string(w.Sender), receiverID: string(w.Receiver),
		receiverType: ReceiverType(lowerTrim(string(w.ReceiverType))), conversationID: w.ConversationID,
		sentAt: w.SentAt, category: Category(lowerTrim(string(w.Category))), typ: w.Type,
		ParentMessageID: w.ParentID, QuotedMessageID: w.QuotedMessageID, Metadata: d.Metadata, Tags: w.Tags,
		UpdatedAt: w.UpdatedAt, DeliveredAt: w.DeliveredAt, ReadAt: w.ReadAt,
		EditedAt: w.EditedAt, EditedBy: w.EditedBy, DeletedAt: w.DeletedAt, DeletedBy: w.DeletedBy,
		ReplyCount: int(w.ReplyCount), UnreadRepliesCount: int(w.UnreadRepliesCount),
		ThreadSubscribed: w.ThreadSubscribed.val(), Mentions: d.Mentions, Reactions: d.Reactions,
		PinnedAt: w.PinnedAt, PinnedBy: w.PinnedBy, SavedAt: w.SavedAt,
	}
	if b.ParentMessageID == 0 {
		b.ParentMessageID = w.ParentMessageID
	}
	if d.Moderation != nil {
		b.ModerationStatus = d.Moderation.Status
	}
	if r := w.MyReceipt; r != nil && isEmptyRecipient(r.Recipient) {
		b.DeliveredToMeAt, b.ReadByMeAt = r.DeliveredAt, r.ReadAt
	}
	if e := d.Entities; e != nil {
		s, err := e.Sender.decode()
		if err != nil {
			return b, fmt.Errorf("cometchat: message %s sender: %w", w.ID, err)
		}
		if s != nil && s.User != nil {
			b.sender = s.User
			if b.senderUID == "" {
				b.senderUID = s.User.UID
			}
		}
		if b.Receiver, err = e.Receiver.decode(); err != nil {
			return b, fmt.Errorf("cometchat: message %s receiver: %w", w.ID, err)
		}
		if b.receiverID == "" {
			b.receiverID = b.Receiver.ID()
		}
	}
	if len(bytes.TrimSpace(w.QuotedMessage)) > 0 && !bytes.Equal(bytes.TrimSpace(w.QuotedMessage), []byte("null")) {
		q, err := decodeMessage(w.QuotedMessage)
		if err != nil {
			return b, fmt.Errorf("cometchat: message %s quoted message: %w", w.ID, err)
		}
		b.QuotedMessage = q
		if b.QuotedMessageID == 0 {
			b.QuotedMessageID = q.ID()
		}
	}
	if w.Receipts != nil {
		for _, r := range w.Receipts.Data {
			b.Receipts = append(b.Receipts, MessageReceipt{MessageID: w.ID, Sender: r.Recipient,
				ReceiverID: b.receiverID, ReceiverType: b.receiverType, ReceiptType: receiptTypeOf(r),
				Timestamp: max(r.ReadAt, r.DeliveredAt), DeliveredAt: r.DeliveredAt, ReadAt: r.ReadAt})
		}
	}
	return b, nil
}

func receiptTypeOf(r wireReceipt) string {
	if r.ReadAt != 0 {
		return ReceiptTypeRead
	}
	return ReceiptTypeDelivery
}

func isEmptyRecipient(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null" || s == `""` || s == "{}"
}

// encodeMessage renders m in the wire shape of model.md §5: the inverse of decodeMessage for every
// field the SDK knows. It backs json.Marshal of every message type.
func encodeMessage(m Message) ([]byte, error) {
	b := m.Base()
	w := wireMessage{
		ID: b.id, MUID: b.muid, ConversationID: b.conversationID, Sender: flexUID(b.senderUID),
		Receiver: flexUID(b.receiverID), ReceiverType: b.receiverType, Category: b.category, Type: b.typ,
		SentAt: b.sentAt, UpdatedAt: b.UpdatedAt, DeliveredAt: b.DeliveredAt, ReadAt: b.ReadAt,
		EditedAt: b.EditedAt, EditedBy: b.EditedBy, DeletedAt: b.DeletedAt, DeletedBy: b.DeletedBy,
		ParentID: b.ParentMessageID, ReplyCount: Count(b.ReplyCount), UnreadRepliesCount: Count(b.UnreadRepliesCount),
		Tags: b.Tags, PinnedAt: b.PinnedAt, PinnedBy: b.PinnedBy, SavedAt: b.SavedAt,
	}
	if b.ThreadSubscribed {
		w.ThreadSubscribed = flexBoolPtr{set: true, v: true}
	}
	if b.DeliveredToMeAt != 0 || b.ReadByMeAt != 0 {
		w.MyReceipt = &wireMyReceipt{DeliveredAt: b.DeliveredToMeAt, ReadAt: b.ReadByMeAt}
	}
	if b.QuotedMessage != nil {
		q, err := json.Marshal(b.QuotedMessage)
		if err != nil {
			return nil, err
		}
		w.QuotedMessage = q
	} else {
		w.QuotedMessageID = b.QuotedMessageID
	}
	if len(b.Receipts) > 0 {
		w.Receipts = &wireReceiptList{}
		for _, r := range b.Receipts {
			w.Receipts.Data = append(w.Receipts.Data, wireReceipt{DeliveredAt: r.DeliveredAt, ReadAt: r.ReadAt, Recipient: r.Sender})
		}
	}
	d := wireData{Metadata: b.Metadata, Mentions: b.Mentions, Reactions: b.Reactions}
	if b.ModerationStatus != "" {
		d.Moderation = &wireModeration{Status: b.ModerationStatus}
	}
	ents := &wireEntities{}
	if b.sender != nil {
		s, err := json.Marshal(b.sender)
		if err != nil {
			return nil, err
		}
		ents.Sender = &wireEntity{Entity: s, EntityType: EntityTypeUser}
	}
	var err error
	if ents.Receiver, err = b.Receiver.encode(); err != nil {
		return nil, err
	}
	var rawData json.RawMessage
	switch m := m.(type) {
	case *TextMessage:
		d.Text = m.Text
	case *MediaMessage:
		d.Text, d.URL, d.Attachments = m.Caption, m.URL, m.Attachments
	case *CustomMessage:
		d.CustomData, d.SubType, d.Text = m.CustomData, m.SubType, m.ConversationText
		d.UpdateConversation, d.SendNotification = boolPtrOf(m.UpdateConversation), boolPtrOf(m.SendNotification)
	case *InteractiveMessage:
		d.InteractiveData, d.InteractionGoal, d.Interactions = m.InteractiveData, m.InteractionGoal, m.Interactions
		d.AllowSenderInteraction = flexBoolPtr{set: true, v: m.AllowSenderInteraction}
	case *ActionMessage:
		d.Action, d.Extras = string(m.Action), m.Extras
		if ents.By, err = m.By.encode(); err == nil {
			if ents.On, err = m.On.encode(); err == nil {
				ents.For, err = m.For.encode()
			}
		}
	case *CallMessage:
		d.Action = m.Status
		if ents.By, err = m.By.encode(); err == nil {
			if ents.For, err = m.For.encode(); err == nil && m.Call != nil {
				ents.On, err = (&Entity{Type: EntityTypeCall, Call: m.Call}).encode()
			}
		}
	case *AgenticMessage:
		rawData = m.Data
	case *CardMessage:
		rawData = m.Data
	case *UnknownMessage:
		rawData = m.Data
	}
	if err != nil {
		return nil, err
	}
	if rawData != nil {
		w.Data = rawData
	} else {
		if *ents != (wireEntities{}) {
			d.Entities = ents
		}
		if w.Data, err = json.Marshal(d); err != nil {
			return nil, err
		}
		if string(w.Data) == "{}" {
			w.Data = nil
		}
	}
	return json.Marshal(w)
}

// MarshalJSON encodes the message in the service's wire shape; UnmarshalMessage reads it back.
func (m *TextMessage) MarshalJSON() ([]byte, error) { return encodeMessage(m) }

// MarshalJSON encodes the message in the service's wire shape; UnmarshalMessage reads it back.
func (m *MediaMessage) MarshalJSON() ([]byte, error) { return encodeMessage(m) }

// MarshalJSON encodes the message in the service's wire shape; UnmarshalMessage reads it back.
func (m *CustomMessage) MarshalJSON() ([]byte, error) { return encodeMessage(m) }

// MarshalJSON encodes the message in the service's wire shape; UnmarshalMessage reads it back.
func (m *InteractiveMessage) MarshalJSON() ([]byte, error) { return encodeMessage(m) }

// MarshalJSON encodes the message in the service's wire shape; UnmarshalMessage reads it back.
func (m *ActionMessage) MarshalJSON() ([]byte, error) { return encodeMessage(m) }

// MarshalJSON encodes the message in the service's wire shape; UnmarshalMessage reads it back.
func (m *CallMessage) MarshalJSON() ([]byte, error) { return encodeMessage(m) }

// MarshalJSON encodes the message in the service's wire shape; UnmarshalMessage reads it back.
func (m *AgenticMessage) MarshalJSON() ([]byte, error) { return encodeMessage(m) }

// MarshalJSON encodes the message in the service's wire shape; UnmarshalMessage reads it back.
func (m *CardMessage) MarshalJSON() ([]byte, error) { return encodeMessage(m) }

// MarshalJSON encodes the message in the service's wire shape; UnmarshalMessage reads it back.
func (m *UnknownMessage) MarshalJSON() ([]byte, error) { return encodeMessage(m) }

// flexUID is a sender / receiver: a uid string, or (tolerated) a user or group object.
type flexUID string

func (f *flexUID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		*f = ""
	case b[0] == '{':
		var o struct {
			UID  string `json:"uid"`
			GUID string `json:"guid"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		*f = flexUID(o.UID)
		if o.UID == "" {
			*f = flexUID(o.GUID)
		}
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexUID(s)
	default:
		*f = flexUID(b) // a numeric id
	}
	return nil
}

// flexBoolPtr is an optional boolean that may arrive as true/false, 1/0 or their strings.
type flexBoolPtr struct {
	set bool
	v   bool
}

func (f *flexBoolPtr) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*f = flexBoolPtr{}
		return nil
	}
	*f = flexBoolPtr{set: true, v: flexBool(b)}
	return nil
}

// MarshalJSON encodes the value; fields use omitzero, so an unset value is left out.
func (f flexBoolPtr) MarshalJSON() ([]byte, error) {
	if f.v {
		return []byte("true"), nil
	}
	return []byte("false"), nil
}

// IsZero reports an unset value (for omitzero).
func (f flexBoolPtr) IsZero() bool { return !f.set }

func (f flexBoolPtr) val() bool { return f.set && f.v }

func (f flexBoolPtr) ptr() *bool {
	if !f.set {
		return nil
	}
	v := f.v
	return &v
}

func boolPtrOf(p *bool) flexBoolPtr {
	if p == nil {
		return flexBoolPtr{}
	}
	return flexBoolPtr{set: true, v: *p}
}
