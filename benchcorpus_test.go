package cometchat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/cometchat-go/cometchat/internal/realtime"
)

// The corpus shared by the decode and dispatch benchmarks and the fuzz seeds: one message of every
// category in the shape the emulator (and, as far as the spec knows, the service) sends it, with the
// sender and receiver entities a pushed frame carries (model.md §5, examples/ws_server_frames.json).
// The 12 '@' of idMark are replaced by a fresh zero-padded id on every iteration (idStamper), so the
// dispatcher's de-duplication never short-cuts a benchmark.

// idMark is the id placeholder in corpus templates.
const idMark = "@@@@@@@@@@@@"

const benchEntities = `"entities":{"sender":{"entity":{"uid":"bob","name":"Bob","avatar":"https://example.com/bob.png","status":"online","role":"default","lastActiveAt":1700000500},"entityType":"user"},` +
	`"receiver":{"entity":{"uid":"alice","name":"Alice","status":"online","role":"default","conversationId":"alice_user_bob"},"entityType":"user"}}`

// benchMessages holds one message per category (and the two action families).
var benchMessages = []struct{ name, json string }{
	{"text", `{"id":"` + idMark + `","muid":"m-1","conversationId":"alice_user_bob","sender":"bob","receiverType":"user","receiver":"alice","category":"message","type":"text",` +
		`"data":{"text":"hello alice, how are you today?",` + benchEntities + `},"sentAt":1700000900,"updatedAt":1700000900}`},
	{"media", `{"id":"` + idMark + `","conversationId":"alice_user_bob","sender":"bob","receiverType":"user","receiver":"alice","category":"message","type":"image",` +
		`"data":{"text":"a caption","url":"https://files.example.com/a.png","attachments":[{"extension":"png","mimeType":"image/png","name":"a.png","size":52311,"url":"https://files.example.com/a.png"}],` + benchEntities + `},"sentAt":1700000900,"updatedAt":1700000900}`},
	{"custom", `{"id":"` + idMark + `","conversationId":"alice_user_bob","sender":"bob","receiverType":"user","receiver":"alice","category":"custom","type":"location",` +
		`"data":{"customData":{"latitude":52.52,"longitude":13.405},"text":"Shared a location","updateConversation":true,"sendNotification":true,"metadata":{"source":"app"},` + benchEntities + `},"sentAt":1700000900,"updatedAt":1700000900}`},
	{"interactive", `{"id":"` + idMark + `","conversationId":"alice_user_bob","sender":"bob","receiverType":"user","receiver":"alice","category":"interactive","type":"form",` +
		`"data":{"interactiveData":{"title":"Survey","formFields":[{"elementType":"textInput","elementId":"name","label":"Name"}],"submitElement":{"elementType":"button","elementId":"submit","buttonText":"Send"}},` +
		`"interactionGoal":{"type":"anyAction","elementIds":[]},"interactions":[],"allowSenderInteraction":false,` + benchEntities + `},"sentAt":1700000900,"updatedAt":1700000900}`},
	{"action_member", `{"id":"` + idMark + `","conversationId":"group_g1","sender":"alice","receiverType":"group","receiver":"g1","category":"action","type":"groupMember",` +
		`"data":{"action":"added","entities":{"by":{"entity":{"uid":"alice","name":"Alice","status":"online"},"entityType":"user"},` +
		`"on":{"entity":{"uid":"bob","name":"Bob","status":"offline"},"entityType":"user"},` +
		`"for":{"entity":{"guid":"g1","name":"Group one","type":"public","membersCount":3,"owner":"alice","conversationId":"group_g1"},"entityType":"group"}}},"sentAt":1700000900,"updatedAt":1700000900}`},
	{"action_edited", `{"id":"` + idMark + `","conversationId":"alice_user_bob","sender":"bob","receiverType":"user","receiver":"alice","category":"action","type":"message",` +
		`"data":{"action":"edited","entities":{"by":{"entity":{"uid":"bob","name":"Bob"},"entityType":"user"},` +
		`"on":{"entity":{"id":"41","sender":"bob","receiver":"alice","receiverType":"user","category":"message","type":"text","data":{"text":"fixed typo"},"sentAt":1700000800,"editedAt":1700000900,"editedBy":"bob"},"entityType":"message"},` +
		`"for":{"entity":{"uid":"alice","name":"Alice"},"entityType":"user"}}},"sentAt":1700000900,"updatedAt":1700000900}`},
	{"call", `{"id":"` + idMark + `","conversationId":"alice_user_bob","sender":"bob","receiverType":"user","receiver":"alice","category":"call","type":"video",` +
		`"data":{"action":"initiated","entities":{"by":{"entity":{"uid":"bob","name":"Bob"},"entityType":"user"},"for":{"entity":{"uid":"alice","name":"Alice"},"entityType":"user"},` +
		`"on":{"entity":{"sessionid":"v1.eu.app.bob_alice","status":"initiated","type":"video","sender":"bob","receiver":"alice","receiverType":"user","conversationId":"alice_user_bob","initiatedAt":1700000900,` +
		`"data":{"entities":{"sender":{"entity":{"uid":"bob"},"entityType":"user"},"receiver":{"entity":{"uid":"alice"},"entityType":"user"}}}},"entityType":"call"}}},"sentAt":1700000900,"updatedAt":1700000900}`},
	{"agentic", `{"id":"` + idMark + `","conversationId":"alice_user_bot","sender":"bot","receiverType":"user","receiver":"alice","category":"agentic","type":"assistant",` +
		`"data":{"text":"Here is the answer.","runId":"run-1","threadId":"th-1"},"sentAt":1700000900,"updatedAt":1700000900}`},
	{"card", `{"id":"` + idMark + `","conversationId":"alice_user_bot","sender":"bot","receiverType":"user","receiver":"alice","category":"card","type":"card",` +
		`"data":{"card":{"title":"Order #42","body":[{"type":"text","text":"Shipped"}]}},"sentAt":1700000900,"updatedAt":1700000900}`},
	{"unknown", `{"id":"` + idMark + `","conversationId":"alice_user_bob","sender":"bob","receiverType":"user","receiver":"alice","category":"hologram","type":"3d",` +
		`"data":{"mesh":[1,2,3]},"sentAt":1700000900,"updatedAt":1700000900}`},
}

// benchFrames holds one server frame per type the dispatcher handles (client-protocol.md §7.5).
var benchFrames = []struct{ name, json string }{
	{"message", `{"appId":"app","receiver":"alice","receiverType":"user","deviceId":"WEB-other","type":"message","sender":"bob","body":` + benchMessages[0].json + `}`},
	{"typing_indicator", `{"appId":"app","receiver":"alice","receiverType":"user","deviceId":"WEB-other","type":"typing_indicator","sender":"bob",` +
		`"body":{"action":"started","user":{"uid":"bob","name":"Bob","status":"online"}}}`},
	{"receipts", `{"appId":"app","receiver":"bob","receiverType":"user","deviceId":"WEB-other","type":"receipts","sender":"bob","messageSender":"alice",` +
		`"body":{"action":"read","messageId":"` + idMark + `","user":{"uid":"bob","name":"Bob","status":"online"},"timestamp":1700000950}}`},
	{"presence", `{"appId":"app","deviceId":"WEB-other","type":"presence","sender":"bob","body":{"action":"online","user":{"uid":"bob","name":"Bob","status":"online"},"timestamp":1700000950}}`},
	{"reaction", `{"appId":"app","receiver":"alice","receiverType":"user","deviceId":"WEB-other","type":"reaction","sender":"bob",` +
		`"body":{"action":"message_reaction_added","id":"` + idMark + `","messageId":"13","uid":"bob","reaction":"👍","reactedAt":1700000950,` +
		`"reactedBy":{"uid":"bob","name":"Bob"},"conversationId":"alice_user_bob"}}`},
	{"transient_message", `{"appId":"app","receiver":"alice","receiverType":"user","deviceId":"WEB-other","type":"transient_message","sender":"bob",` +
		`"body":{"user":{"uid":"bob","name":"Bob"},"data":{"live":"reaction","emoji":"🎉"}}}`},
	{"interaction_completed", `{"appId":"app","receiver":"alice","receiverType":"user","deviceId":"WEB-other","type":"interaction_completed","sender":"bob","messageSender":"alice",` +
		`"body":{"messageId":"17","user":{"uid":"bob","name":"Bob"},"interactions":[{"elementId":"submit","interactedAt":1700000950}]}}`},
	{"streamed_message", `{"appId":"app","receiver":"alice","receiverType":"user","type":"streamed_message","sender":"bot",` +
		`"body":{"type":"text_message_content","conversationId":"alice_user_bot","id":"90","data":{"timestamp":1700000950123,"runId":"run-1","threadId":"th-1","delta":"Hel"}}}`},
	{"message_pin", `{"appId":"app","receiver":"alice","receiverType":"user","type":"message_pin","sender":"bob",` +
		`"body":{"action":"pinned","message":` + benchMessages[0].json + `}}`},
}

// idStamper rewrites the id placeholders of a template in place.
type idStamper struct {
	buf  []byte
	offs []int
	n    int64
}

func newIDStamper(template string) *idStamper {
	s := &idStamper{buf: []byte(template)}
	for i := 0; ; {
		j := bytes.Index(s.buf[i:], []byte(idMark))
		if j < 0 {
			break
		}
		s.offs = append(s.offs, i+j)
		i += j + len(idMark)
	}
	s.next()
	return s
}

// next stamps the next id (1, 2, …) and returns the buffer (valid until the next call).
func (s *idStamper) next() []byte {
	s.n++
	for _, off := range s.offs {
		v := s.n
		for k := len(idMark) - 1; k >= 0; k-- {
			s.buf[off+k] = byte('0' + v%10)
			v /= 10
		}
	}
	return s.buf
}

// withID returns template with the placeholder replaced by id.
func withID(template string, id int64) []byte {
	s := newIDStamper(template)
	s.n = id - 1
	return append([]byte(nil), s.next()...)
}

// benchClient returns a Client that is never logged in and a dispatcher for it whose loop is not
// running: benchmarks call its handlers directly on their own goroutine.
func benchClient(tb testing.TB) (*Client, *dispatcher) {
	tb.Helper()
	c, err := Init(AppSettings{AppID: "app", Region: RegionEU})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	d := &dispatcher{c: c, q: newEventQueue(16), ctx: context.Background(), stop: func() {}, done: make(chan struct{}),
		seen: newWindow[MessageID](defaultDedupeWindow), receipts: newWindow[string](defaultDedupeWindow)}
	return c, d
}

// mustFrame decodes a frame envelope or fails.
func mustFrame(tb testing.TB, b []byte) realtime.Frame {
	tb.Helper()
	f, err := realtime.DecodeFrame(b)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// TestBenchCorpusIsValid keeps the corpus honest: every template is valid JSON once stamped, every
// message decodes to the category it names, and every frame reaches a listener callback.
func TestBenchCorpusIsValid(t *testing.T) {
	want := map[string]string{"text": "*cometchat.TextMessage", "media": "*cometchat.MediaMessage", "custom": "*cometchat.CustomMessage",
		"interactive": "*cometchat.InteractiveMessage", "action_member": "*cometchat.ActionMessage", "action_edited": "*cometchat.ActionMessage",
		"call": "*cometchat.CallMessage", "agentic": "*cometchat.AgenticMessage", "card": "*cometchat.CardMessage", "unknown": "*cometchat.UnknownMessage"}
	for _, s := range benchMessages {
		raw := withID(s.json, 42)
		if !json.Valid(raw) {
			t.Fatalf("%s: invalid JSON", s.name)
		}
		m, err := decodeMessage(raw)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := fmt.Sprintf("%T", m); got != want[s.name] {
			t.Errorf("%s decodes to %s, want %s", s.name, got, want[s.name])
		}
		if m.ID() != 42 {
			t.Errorf("%s: id %d, want 42", s.name, m.ID())
		}
	}
	c, d := benchClient(t)
	hits := map[string]int{}
	registerAll(c, "corpus", func(cb string) { hits[cb]++ })
	wantCB := map[string]string{"message": "OnTextMessageReceived", "typing_indicator": "OnTypingStarted", "receipts": "OnMessagesRead",
		"presence": "OnUserOnline", "reaction": "OnMessageReactionAdded", "transient_message": "OnTransientMessageReceived",
		"interaction_completed": "OnInteractionGoalCompleted", "streamed_message": "OnAIAssistantEventReceived", "message_pin": "OnMessagePinned"}
	for i, fr := range benchFrames {
		d.handleFrame(mustFrame(t, withID(fr.json, int64(1000+i))))
		if hits[wantCB[fr.name]] == 0 {
			t.Errorf("frame %s did not reach %s (hits %v)", fr.name, wantCB[fr.name], hits)
		}
	}
}

// registerAll registers one listener of every kind whose every callback reports its name to hit.
func registerAll(c *Client, id string, hit func(callback string)) {
	c.AddMessageListener(id, MessageListener{
		OnTextMessageReceived:        func(*TextMessage) { hit("OnTextMessageReceived") },
		OnMediaMessageReceived:       func(*MediaMessage) { hit("OnMediaMessageReceived") },
		OnCustomMessageReceived:      func(*CustomMessage) { hit("OnCustomMessageReceived") },
		OnInteractiveMessageReceived: func(*InteractiveMessage) { hit("OnInteractiveMessageReceived") },
		OnInteractionGoalCompleted:   func(*InteractionReceipt) { hit("OnInteractionGoalCompleted") },
		OnTypingStarted:              func(*TypingIndicator) { hit("OnTypingStarted") },
		OnTypingEnded:                func(*TypingIndicator) { hit("OnTypingEnded") },
		OnMessagesDelivered:          func(*MessageReceipt) { hit("OnMessagesDelivered") },
		OnMessagesRead:               func(*MessageReceipt) { hit("OnMessagesRead") },
		OnMessagesDeliveredToAll:     func(*MessageReceipt) { hit("OnMessagesDeliveredToAll") },
		OnMessagesReadByAll:          func(*MessageReceipt) { hit("OnMessagesReadByAll") },
		OnMessageEdited:              func(Message) { hit("OnMessageEdited") },
		OnMessageDeleted:             func(Message) { hit("OnMessageDeleted") },
		OnTransientMessageReceived:   func(*TransientMessage) { hit("OnTransientMessageReceived") },
		OnMessageReactionAdded:       func(*ReactionEvent) { hit("OnMessageReactionAdded") },
		OnMessageReactionRemoved:     func(*ReactionEvent) { hit("OnMessageReactionRemoved") },
		OnMessageModerated:           func(Message) { hit("OnMessageModerated") },
		OnAIAssistantMessageReceived: func(*AgenticMessage) { hit("OnAIAssistantMessageReceived") },
		OnAIToolResultReceived:       func(*AgenticMessage) { hit("OnAIToolResultReceived") },
		OnAIToolArgumentsReceived:    func(*AgenticMessage) { hit("OnAIToolArgumentsReceived") },
		OnCardMessageReceived:        func(*CardMessage) { hit("OnCardMessageReceived") },
		OnMessagePinned:              func(Message) { hit("OnMessagePinned") },
		OnMessageUnpinned:            func(Message) { hit("OnMessageUnpinned") },
		OnMessageSaved:               func(Message) { hit("OnMessageSaved") },
		OnMessageUnsaved:             func(Message) { hit("OnMessageUnsaved") },
		OnUnknownMessageReceived:     func(*UnknownMessage) { hit("OnUnknownMessageReceived") },
	})
	c.AddUserListener(id, UserListener{
		OnUserOnline:  func(*User) { hit("OnUserOnline") },
		OnUserOffline: func(*User) { hit("OnUserOffline") },
	})
	c.AddGroupListener(id, GroupListener{
		OnGroupMemberJoined:   func(*ActionMessage, *User, *Group) { hit("OnGroupMemberJoined") },
		OnGroupMemberLeft:     func(*ActionMessage, *User, *Group) { hit("OnGroupMemberLeft") },
		OnGroupMemberKicked:   func(*ActionMessage, *User, *User, *Group) { hit("OnGroupMemberKicked") },
		OnGroupMemberBanned:   func(*ActionMessage, *User, *User, *Group) { hit("OnGroupMemberBanned") },
		OnGroupMemberUnbanned: func(*ActionMessage, *User, *User, *Group) { hit("OnGroupMemberUnbanned") },
		OnGroupMemberScopeChanged: func(*ActionMessage, *User, *User, Scope, Scope, *Group) {
			hit("OnGroupMemberScopeChanged")
		},
		OnMemberAddedToGroup: func(*ActionMessage, *User, *User, *Group) { hit("OnMemberAddedToGroup") },
	})
	c.AddCallListener(id, CallListener{
		OnIncomingCallReceived:     func(*CallMessage) { hit("OnIncomingCallReceived") },
		OnOutgoingCallAccepted:     func(*CallMessage) { hit("OnOutgoingCallAccepted") },
		OnOutgoingCallRejected:     func(*CallMessage) { hit("OnOutgoingCallRejected") },
		OnIncomingCallCancelled:    func(*CallMessage) { hit("OnIncomingCallCancelled") },
		OnCallEndedMessageReceived: func(*CallMessage) { hit("OnCallEndedMessageReceived") },
	})
	c.AddAIAssistantListener(id, AIAssistantListener{OnAIAssistantEventReceived: func(*AIAssistantEvent) { hit("OnAIAssistantEventReceived") }})
	c.AddNotificationFeedListener(id, NotificationFeedListener{OnFeedItemReceived: func(json.RawMessage) { hit("OnFeedItemReceived") }})
}
