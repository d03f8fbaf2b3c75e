package cometchat

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cometchat-go/cometchat/internal/realtime"
)

// Realtime event types: what the listeners receive besides messages (model.md §6–§7, §10). Each keeps
// the frame it came from in Raw.

// Typing actions of a TypingIndicator.
const (
	TypingStarted = "started"
	TypingEnded   = "ended"
)

// TypingIndicator says that Sender started or stopped typing to ReceiverID.
type TypingIndicator struct {
	// ReceiverID is the user the sender is typing to (the local user in 1:1), or the group.
	ReceiverID   string
	ReceiverType ReceiverType
	// Sender is the typing user.
	Sender *User
	// Action is TypingStarted or TypingEnded.
	Action   string
	Metadata map[string]any
	Raw      json.RawMessage
}

// TransientMessage is a message that is relayed to online receivers and never stored (live reactions,
// "listening…" states).
type TransientMessage struct {
	ReceiverID   string
	ReceiverType ReceiverType
	Sender       *User
	Data         map[string]any
	Raw          json.RawMessage
}

// Reaction actions of a ReactionEvent.
const (
	ReactionAdded   = "message_reaction_added"
	ReactionRemoved = "message_reaction_removed"
)

// ReactionEvent is a reaction added to or removed from a message (model.md §6).
type ReactionEvent struct {
	// Action is ReactionAdded or ReactionRemoved.
	Action string
	// ReactionID is the reaction's id.
	ReactionID string
	MessageID  MessageID
	// Reaction is the emoji.
	Reaction  string
	UID       string
	ReactedBy *User
	ReactedAt UnixTime
	// ReceiverID and ReceiverType are the conversation's other party or group, from the frame.
	ReceiverID      string
	ReceiverType    ReceiverType
	ConversationID  string
	ParentMessageID MessageID
	Raw             json.RawMessage
}

// InteractionReceipt reports that an interactive message's goal was completed (model.md §10.2).
type InteractionReceipt struct {
	MessageID MessageID
	// Sender is the user who interacted.
	Sender        *User
	MessageSender string
	ReceiverID    string
	ReceiverType  ReceiverType
	Interactions  []Interaction
	Raw           json.RawMessage
}

// AIAssistantEvent is one event of an AI assistant's streamed run (model.md §10.3): run_started,
// text_message_start, text_message_content (with Delta), tool_call_*, card_*, run_finished.
type AIAssistantEvent struct {
	Type            string
	ConversationID  string
	MessageID       string
	ParentMessageID string
	RunID           string
	ThreadID        string
	Timestamp       int64
	Delta           string
	// Data is the event's data object as received.
	Data json.RawMessage
	Raw  json.RawMessage
}

// ConnectionStatus is the state of the realtime connection.
type ConnectionStatus string

// Connection statuses, as the official SDK names them.
const (
	StatusConnected    ConnectionStatus = "connected"
	StatusConnecting   ConnectionStatus = "connecting"
	StatusDisconnected ConnectionStatus = "disconnected"
)

// ReconnectInfo describes a coming reconnect attempt.
type ReconnectInfo struct {
	// Attempt is the number of consecutive failures so far (1 after the link is lost).
	Attempt int
	// Backoff is the wait before the next attempt.
	Backoff time.Duration
	// Err is why the link was lost or the last attempt failed.
	Err error
}

// ResyncInfo describes a finished catch-up.
type ResyncInfo struct {
	// Replayed is how many missed messages were delivered (marked Replayed).
	Replayed int
	// Downtime is how long the link had been down (0 after a buffer overflow on a live link).
	Downtime time.Duration
	// After is the position the catch-up started from; Last the last message id delivered.
	After, Last MessageID
}

// HandlerPanicError reports a listener callback that panicked; the dispatcher recovered and went on.
type HandlerPanicError struct {
	// Listener is the listener's id, Callback the callback's name.
	Listener, Callback string
	Value              any
	Stack              []byte
}

func (e *HandlerPanicError) Error() string {
	return fmt.Sprintf("cometchat: listener %q panicked in %s: %v", e.Listener, e.Callback, e.Value)
}

// ConnectionError is a realtime connection failure reported to ConnectionListener.OnError. It
// matches ErrNoWebSocketConnection with errors.Is; Unwrap reaches the cause.
type ConnectionError struct {
	// Terminal is true when the Client stopped reconnecting (the JWT was refused twice, the session
	// expired, or the attempt limit was reached).
	Terminal bool
	// Attempt is the number of consecutive failed attempts.
	Attempt int
	Err     error
}

func (e *ConnectionError) Error() string {
	if e.Terminal {
		return "cometchat: realtime connection failed for good: " + e.Err.Error()
	}
	return "cometchat: realtime connection: " + e.Err.Error()
}

func (e *ConnectionError) Unwrap() error { return e.Err }

// Is matches ErrNoWebSocketConnection.
func (e *ConnectionError) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == ErrNoWebSocketConnection.Code && t.Message == ""
}

// Wire bodies of the frames (client-protocol.md §7.5).

type typingBody struct {
	Action   string         `json:"action"`
	User     *User          `json:"user"`
	Metadata map[string]any `json:"metadata"`
}

type receiptBody struct {
	Action    string    `json:"action"`
	MessageID MessageID `json:"messageId"`
	User      *User     `json:"user"`
	Timestamp UnixTime  `json:"timestamp"`
}

type presenceBody struct {
	Action    string   `json:"action"`
	User      *User    `json:"user"`
	Timestamp UnixTime `json:"timestamp"`
}

type transientBody struct {
	User *User          `json:"user"`
	Data map[string]any `json:"data"`
}

type reactionBody struct {
	Action         string    `json:"action"`
	ID             flexUID   `json:"id"`
	MessageID      MessageID `json:"messageId"`
	UID            string    `json:"uid"`
	Reaction       string    `json:"reaction"`
	ReactedBy      *User     `json:"reactedBy"`
	ReactedAt      UnixTime  `json:"reactedAt"`
	ConversationID string    `json:"conversationId"`
	ParentID       MessageID `json:"parentId"`
}

type interactionBody struct {
	MessageID    MessageID     `json:"messageId"`
	User         *User         `json:"user"`
	Interactions []Interaction `json:"interactions"`
}

type streamBody struct {
	Type           string          `json:"type"`
	ConversationID string          `json:"conversationId"`
	ID             flexUID         `json:"id"`
	ParentID       flexUID         `json:"parentId"`
	Data           json.RawMessage `json:"data"`
}

type streamData struct {
	Timestamp UnixTime `json:"timestamp"`
	RunID     string   `json:"runId"`
	ThreadID  string   `json:"threadId"`
	Delta     string   `json:"delta"`
}

// receiptTypeOfAction maps a receipts frame action to MessageReceipt.ReceiptType (model.md §7).
func receiptTypeOfAction(action string) string {
	switch action {
	case "delivered":
		return ReceiptTypeDelivery
	case "read":
		return ReceiptTypeRead
	case "deliveredToAll":
		return ReceiptTypeDeliveredToAll
	case "readByAll":
		return ReceiptTypeReadByAll
	}
	return ""
}

// receiverTypeOf normalises a frame's receiverType (the official SDK's endTyping sends chat /
// groupchat).
func receiverTypeOf(s string) ReceiverType {
	switch strings.ToLower(s) {
	case "group", "groupchat":
		return ReceiverTypeGroup
	case "user", "chat":
		return ReceiverTypeUser
	}
	return ReceiverType(s)
}

// pinAction maps a pin / save frame to its callback: pinned, unpinned, saved, unsaved for messages,
// conversation-pinned / conversation-unpinned for conversations, or "" (client-protocol.md §7.5).
func pinAction(f realtime.Frame) (action string, conversation bool) {
	var b struct {
		Action string `json:"action"`
	}
	_ = json.Unmarshal(f.Body, &b)
	a := b.Action
	if a == "" {
		a = f.Action
	}
	if a == "" {
		a = f.Type
	}
	switch f.Type {
	case "conversation_pin", "conversation_pinned", "conversation_unpinned":
		switch a {
		case "conversation_pinned", "pinned", "pin":
			return "pinned", true
		case "conversation_unpinned", "unpinned", "unpin":
			return "unpinned", true
		}
		return "", true
	}
	switch a {
	case "message_pinned", "pinned", "pin":
		return "pinned", false
	case "message_unpinned", "unpinned", "unpin":
		return "unpinned", false
	case "message_saved", "saved", "save":
		return "saved", false
	case "message_unsaved", "unsaved", "unsave":
		return "unsaved", false
	}
	return "", false
}

// isPinFrame reports whether a frame type is one of the pin / save spellings.
func isPinFrame(t string) bool {
	switch t {
	case "message_pin", "message_save", "message_pinned", "message_unpinned", "message_saved", "message_unsaved",
		"pin", "save", "conversation_pin", "conversation_pinned", "conversation_unpinned":
		return true
	}
	return false
}
