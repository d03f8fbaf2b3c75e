package cometchat

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Limits checked before a send (rules-and-limits.md §2).
const (
	// MaxMessageChars is the largest serialised message the service accepts, metadata included.
	MaxMessageChars = 65536
	// MaxMentions is the most distinct users one message may mention.
	MaxMentions = 10
	// MaxAttachments is the most files one media message may carry.
	MaxAttachments = 10
	// MaxTags is the most tags a message (or conversation) may carry; each tag is at most MaxTagChars.
	MaxTags     = 25
	MaxTagChars = 100
)

// Local error codes of message operations (errors.md §2).
var (
	// ErrNotEnoughParameters: FetchNext without a message id, timestamp or updated-after cursor.
	ErrNotEnoughParameters = sentinel("NOT_ENOUGH_PARAMETERS")
	// ErrInvalidMessage: the message cannot be sent as it is (wrong category, missing content).
	ErrInvalidMessage = sentinel("INVALID_MESSAGE")
)

// SendMessage sends a text, media, custom or interactive message (POST messages, or
// POST messages/{parentId}/thread for a thread reply) and returns the message as the service stored
// it. Everything that can be checked locally is checked before any request: a receiver with a valid
// UID or GUID, a receiver type of user or group, a non-empty text, the tag, mention and attachment
// limits, and a serialised size of at most MaxMessageChars (ErrMessageTooLarge).
//
// A send always carries a muid (a random UUID unless SetMUID gave one), which the service uses to
// de-duplicate: a send retried after a lost response returns the message stored the first time
// instead of storing a second one, so SendMessage may retry it safely. The muid is written back to
// msg.
func (c *Client) SendMessage(ctx context.Context, msg Message) (Message, error) {
	body, err := sendBodyOf(msg, 0)
	if err != nil {
		return nil, err
	}
	b := msg.Base()
	path := "messages"
	if b.ParentMessageID != 0 {
		path = "messages/" + b.ParentMessageID.String() + "/thread"
	}
	var out messageOut
	if err := c.do(ctx, &call{method: http.MethodPost, path: path, body: body, retrySafe: true}, &out); err != nil {
		return nil, err
	}
	c.noteSent(out.m) // conversationupdates.go
	return out.m, nil
}

// SendText sends a text message and returns the stored one.
func (c *Client) SendText(ctx context.Context, receiverID string, receiverType ReceiverType, text string) (*TextMessage, error) {
	m, err := c.SendMessage(ctx, NewTextMessage(receiverID, receiverType, text))
	if err != nil {
		return nil, err
	}
	if t, ok := m.(*TextMessage); ok {
		return t, nil
	}
	return nil, &Error{Code: ErrUnparseableResponse.Code, Message: "the service answered a " + string(m.Category()) + "/" + m.Type() + " message"}
}

// checkReceiver validates the receiver of an outgoing message.
func checkReceiver(id string, rt ReceiverType) error {
	if !rt.Valid() {
		return localError(ErrInvalidReceiverType, "receiver type "+strconv.Quote(string(rt))+" is not user or group")
	}
	if strings.TrimSpace(id) == "" {
		return localError(ErrEmptyReceiver, "the message has no receiver")
	}
	if rt == ReceiverTypeGroup {
		return ValidateGUID(id)
	}
	return ValidateUID(id)
}

// checkMessageTags validates message or conversation tags.
func checkMessageTags(tags []string) error {
	if len(tags) > MaxTags {
		return localError(ErrInvalidValue, "at most "+strconv.Itoa(MaxTags)+" tags are allowed")
	}
	for _, t := range tags {
		if strings.TrimSpace(t) == "" {
			return localError(ErrInvalidValue, "tags must not be empty")
		}
		if utf8.RuneCountInString(t) > MaxTagChars {
			return localError(ErrInvalidValue, "a tag is longer than "+strconv.Itoa(MaxTagChars)+" characters")
		}
	}
	return nil
}

// mentionedIn returns the distinct uids mentioned in text.
func mentionedIn(text string) []string {
	var out []string
	for rest := text; ; {
		i := strings.Index(rest, "<@uid:")
		if i < 0 {
			return out
		}
		rest = rest[i+len("<@uid:"):]
		j := strings.IndexByte(rest, '>')
		if j < 0 {
			return out
		}
		uid := normID(rest[:j])
		if ValidateUID(uid) == nil && !slices.Contains(out, uid) {
			out = append(out, uid)
		}
		rest = rest[j+1:]
	}
}

// kv is one member of an ordered JSON object.
type kv struct {
	k string
	v any
}

// object is a JSON object whose keys keep their order, so send bodies are byte-for-byte the ones
// the official SDK serialises (client-protocol.md §5.4).
type object []kv

// MarshalJSON writes the members in order; nil values are left out. Nothing is HTML-escaped:
// mentions "<@uid:…>" and URLs stay as written.
func (o object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	// encode writes v without the newline Encode appends.
	encode := func(v any) error {
		if err := enc.Encode(v); err != nil {
			return err
		}
		buf.Truncate(buf.Len() - 1)
		return nil
	}
	buf.WriteByte('{')
	first := true
	for _, m := range o {
		if m.v == nil {
			continue
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		if err := encode(m.k); err != nil {
			return nil, err
		}
		buf.WriteByte(':')
		if err := encode(m.v); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// opt returns v, or nil when v is empty, so object leaves it out.
func opt[T comparable](v T) any {
	var zero T
	if v == zero {
		return nil
	}
	return v
}

func optMap(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

func optSlice[T any](s []T) any {
	if len(s) == 0 {
		return nil
	}
	return s
}

func optBool(p *bool) any {
	if p == nil {
		return nil
	}
	return *p
}

// sendBodyOf validates msg, sets its muid and encodes the send body, once: the size limit is checked
// on the bytes that are sent. A non-zero editID puts the "id" key of an edit first.
func sendBodyOf(msg Message, editID MessageID) (json.RawMessage, error) {
	if msg == nil {
		return nil, localError(ErrMissingParameters, "message is nil")
	}
	switch msg.(type) {
	case *TextMessage, *MediaMessage, *CustomMessage, *InteractiveMessage:
	default:
		return nil, localError(ErrInvalidMessage, "messages of category "+strconv.Quote(string(msg.Category()))+" cannot be sent")
	}
	b := msg.Base()
	if err := checkReceiver(b.receiverID, b.receiverType); err != nil {
		return nil, err
	}
	if err := checkMessageTags(b.Tags); err != nil {
		return nil, err
	}
	if b.ParentMessageID < 0 || b.QuotedMessageID < 0 {
		return nil, localError(ErrInvalidValue, "message ids must be positive")
	}
	if b.muid == "" {
		b.muid = uuid.NewString()
	}
	var data object
	var text any
	var topCustom any
	switch m := msg.(type) {
	case *TextMessage:
		if strings.TrimSpace(m.Text) == "" {
			return nil, localError(ErrEmptyMessageText, "the text is empty")
		}
		if n := len(mentionedIn(m.Text)); n > MaxMentions {
			return nil, localError(ErrInvalidValue, "the text mentions "+strconv.Itoa(n)+" users; at most "+strconv.Itoa(MaxMentions)+" are allowed")
		}
		data = object{{"text", m.Text}, {"metadata", optMap(b.Metadata)}}
		text = m.Text
	case *MediaMessage:
		switch m.typ {
		case MessageTypeImage, MessageTypeVideo, MessageTypeAudio, MessageTypeFile:
		default:
			return nil, localError(ErrInvalidValue, "media type "+strconv.Quote(m.typ)+" is not image, video, audio or file")
		}
		if m.URL == "" && len(m.Attachments) == 0 {
			return nil, localError(ErrInvalidMessage, "a media message needs a URL or attachments")
		}
		if len(m.Attachments) > MaxAttachments {
			return nil, localError(ErrInvalidValue, "at most "+strconv.Itoa(MaxAttachments)+" attachments are allowed")
		}
		data = object{{"url", opt(m.URL)}, {"attachments", optSlice(m.Attachments)}, {"text", opt(m.Caption)}, {"metadata", optMap(b.Metadata)}}
	case *CustomMessage:
		if strings.TrimSpace(m.typ) == "" {
			return nil, localError(ErrInvalidMessage, "a custom message needs a type")
		}
		if m.CustomData == nil {
			return nil, localError(ErrInvalidMessage, "a custom message needs custom data")
		}
		data = object{{"customData", m.CustomData}, {"text", opt(m.ConversationText)}, {"subType", opt(m.SubType)},
			{"updateConversation", optBool(m.UpdateConversation)}, {"sendNotification", optBool(m.SendNotification)},
			{"metadata", optMap(b.Metadata)}}
		topCustom = m.CustomData
	case *InteractiveMessage:
		if strings.TrimSpace(m.typ) == "" {
			return nil, localError(ErrInvalidMessage, "an interactive message needs a type")
		}
		if m.InteractiveData == nil {
			return nil, localError(ErrInvalidMessage, "an interactive message needs interactive data")
		}
		var goal any
		if g := m.InteractionGoal; g != nil {
			switch g.Type {
			case GoalAnyAction, GoalAnyOf, GoalAllOf, GoalNone:
			default:
				return nil, localError(ErrInvalidValue, "interaction goal "+strconv.Quote(g.Type)+" is not anyAction, anyOf, allOf or none")
			}
			ids := g.ElementIDs
			if ids == nil {
				ids = []string{}
			}
			goal = InteractionGoal{Type: g.Type, ElementIDs: ids}
		}
		data = object{{"interactiveData", m.InteractiveData}, {"interactionGoal", goal},
			{"allowSenderInteraction", m.AllowSenderInteraction}, {"metadata", optMap(b.Metadata)}}
	default:
		return nil, localError(ErrInvalidMessage, "messages of category "+strconv.Quote(string(msg.Category()))+" cannot be sent")
	}
	body := object{
		{"id", opt(idOrEmpty(editID))},
		{"type", b.typ},
		{"receiverType", string(b.receiverType)},
		{"category", string(b.category)},
		{"customData", topCustom},
		{"data", data},
		{"text", text},
	}
	if _, isText := msg.(*TextMessage); isText {
		body = append(body, kv{"metadata", optMap(b.Metadata)})
	}
	body = append(body,
		kv{"tags", optSlice(b.Tags)},
		kv{"muid", b.muid},
		kv{"parentMessageId", opt(idOrEmpty(b.ParentMessageID))},
		kv{"quotedMessageId", opt(idOrEmpty(b.QuotedMessageID))},
		kv{"receiver", normID(b.receiverID)},
	)
	enc, err := body.MarshalJSON()
	if err != nil {
		return nil, localError(ErrInvalidValue, "the message cannot be encoded: "+err.Error())
	}
	if n := utf8.RuneCount(enc); n > MaxMessageChars {
		return nil, localError(ErrMessageTooLarge, "the message is "+strconv.Itoa(n)+" characters; at most "+strconv.Itoa(MaxMessageChars)+" are allowed")
	}
	return enc, nil
}

// idOrEmpty renders a message id for a body, "" for 0.
func idOrEmpty(id MessageID) string {
	if id == 0 {
		return ""
	}
	return id.String()
}
