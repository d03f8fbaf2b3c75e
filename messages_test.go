package cometchat

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readTestdata returns a spec example copied into testdata/.
func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// normaliseStatus rewrites the server's "available" to "online", the one value the SDK normalises
// on purpose (model.md §0.2), so round trips can be compared.
func normaliseStatus(b []byte) string {
	return strings.ReplaceAll(string(b), `"available"`, `"online"`)
}

// roundTrip decodes raw, encodes the result and checks that nothing was lost or changed.
func roundTrip(t *testing.T, raw json.RawMessage) Message {
	t.Helper()
	m, err := decodeMessage(raw)
	require.NoError(t, err)
	enc, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, normaliseStatus(raw), normaliseStatus(enc), "decode → encode must give the same JSON")
	assert.JSONEq(t, string(raw), string(m.Raw()), "Raw keeps the JSON as received")
	return m
}

func TestGoldenTextMessage(t *testing.T) {
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	require.NoError(t, json.Unmarshal(readTestdata(t, "client_send_text_message_response.json"), &env))
	m := roundTrip(t, env.Data)
	tm, ok := m.(*TextMessage)
	require.True(t, ok, "%T", m)
	assert.Equal(t, MessageID(12), tm.ID())
	assert.Equal(t, "hello", tm.Text)
	assert.Equal(t, "alice_user_bob", tm.ConversationID())
	assert.Equal(t, ReceiverTypeUser, tm.ReceiverType())
	assert.Equal(t, "bob", tm.ReceiverID())
	assert.Equal(t, "Alice", tm.Sender().Name)
	assert.Equal(t, "https://example.com/alice.png", tm.Sender().Avatar)
	assert.Equal(t, UnixTime(1700000600), tm.SentAt())
	assert.Equal(t, map[string]any{"k": "v"}, tm.Metadata)
	require.NotNil(t, tm.Receiver)
	assert.Equal(t, EntityTypeUser, tm.Receiver.Type)
	assert.Equal(t, "Bob", tm.Receiver.User.Name)
}

func TestGoldenCursorListMessages(t *testing.T) {
	var env struct {
		Data []json.RawMessage `json:"data"`
		Meta json.RawMessage   `json:"meta"`
	}
	require.NoError(t, json.Unmarshal(readTestdata(t, "client_list_messages_cursor_response.json"), &env))
	require.Len(t, env.Data, 2)
	img, ok := roundTrip(t, env.Data[0]).(*MediaMessage)
	require.True(t, ok)
	assert.Equal(t, MessageTypeImage, img.Type())
	assert.Equal(t, "look", img.Caption)
	assert.Equal(t, "https://example.com/files/cat.png", img.URL)
	require.Len(t, img.Attachments, 1)
	assert.Equal(t, Attachment{Name: "cat.png", Extension: "png", Size: 20480, MimeType: "image/png", URL: "https://example.com/files/cat.png"}, img.Attachments[0])
	assert.Equal(t, UnixTime(1700000551), img.DeliveredAt)
	assert.Equal(t, UnixTime(1700000560), img.ReadAt)
	_, ok = roundTrip(t, env.Data[1]).(*TextMessage)
	assert.True(t, ok)
}

func TestGoldenActionMessage(t *testing.T) {
	m := roundTrip(t, readTestdata(t, "client_action_message_member_added.json"))
	a, ok := m.(*ActionMessage)
	require.True(t, ok)
	assert.Equal(t, ActionAdded, a.Action)
	assert.Equal(t, ActionTypeGroupMember, a.Type())
	assert.Equal(t, "alice", a.By.User.UID)
	assert.Equal(t, "carol", a.On.User.UID)
	require.NotNil(t, a.For.Group)
	assert.Equal(t, "team-1", a.For.Group.GUID)
	assert.Equal(t, Count(4), a.For.Group.MembersCount)
}

func TestGoldenServerListAndMentions(t *testing.T) {
	var env struct {
		Data []json.RawMessage `json:"data"`
	}
	require.NoError(t, json.Unmarshal(readTestdata(t, "server_list_messages_response.json"), &env))
	m := roundTrip(t, env.Data[0])
	assert.Equal(t, "bot-1717000600-001", m.MUID())
	assert.Equal(t, StatusOnline, m.Base().Receiver.User.Status, "available decodes as online")
}

func TestGoldenWebSocketAndWebhookMessages(t *testing.T) {
	var frames map[string]struct {
		Body json.RawMessage `json:"body"`
	}
	require.NoError(t, json.Unmarshal(readTestdata(t, "ws_server_frames.json"), &frames))
	m := roundTrip(t, frames["message"].Body)
	assert.Equal(t, "hi alice", m.(*TextMessage).Text)

	var hook struct {
		Data struct {
			Message json.RawMessage `json:"message"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(readTestdata(t, "webhook_message_sent.json"), &hook))
	roundTrip(t, hook.Data.Message)
}

func TestGoldenConversationItem(t *testing.T) {
	var c Conversation
	require.NoError(t, json.Unmarshal(readTestdata(t, "client_conversation_item.json"), &c))
	assert.Equal(t, "group_team-1", c.ConversationID)
	assert.Equal(t, ReceiverTypeGroup, c.ConversationType)
	assert.Equal(t, 2, c.UnreadMessageCount, "the string count decodes")
	require.NotNil(t, c.Group)
	assert.Equal(t, ScopeParticipant, c.Group.Scope)
	assert.True(t, c.Group.HasJoined)
	assert.Equal(t, "team-1", c.With())
	require.NotNil(t, c.LastMessage)
	assert.Equal(t, "standup in 5", c.LastMessage.(*TextMessage).Text)
	assert.Equal(t, EntityTypeGroup, c.LastMessage.Base().Receiver.Type)
}

// Every category, in the shapes of model.md §5, survives a round trip with no field lost.
func TestEveryCategoryRoundTrips(t *testing.T) {
	sender := `"entities":{"sender":{"entity":{"uid":"alice","name":"Alice","status":"online"},"entityType":"user"},"receiver":{"entity":{"guid":"g1","name":"G","type":"public","conversationId":"group_g1"},"entityType":"group"}}`
	cases := map[string]struct {
		json  string
		check func(t *testing.T, m Message)
	}{
		"custom": {`{"id":"5","muid":"m5","conversationId":"group_g1","sender":"alice","receiver":"g1","receiverType":"group","category":"custom","type":"poll",
			"data":{"customData":{"q":"lunch?","options":["a","b"]},"subType":"s1","text":"A poll","updateConversation":true,"sendNotification":false,"metadata":{"x":1},` + sender + `},
			"sentAt":1,"updatedAt":2,"tags":["t"],"parentId":"3","quotedMessageId":"2","pinnedAt":5,"pinnedBy":"app_system","savedAt":6,"threadSubscribed":true,
			"myReceipt":{"deliveredAt":7,"readAt":8}}`,
			func(t *testing.T, m Message) {
				c := m.(*CustomMessage)
				assert.Equal(t, "lunch?", c.CustomData["q"])
				assert.Equal(t, "A poll", c.ConversationText)
				assert.Equal(t, "s1", c.SubType)
				require.NotNil(t, c.UpdateConversation)
				assert.True(t, *c.UpdateConversation)
				require.NotNil(t, c.SendNotification)
				assert.False(t, *c.SendNotification)
				assert.Equal(t, MessageID(3), c.ParentMessageID)
				assert.Equal(t, MessageID(2), c.QuotedMessageID)
				assert.Equal(t, "app_system", c.PinnedBy)
				assert.True(t, c.ThreadSubscribed)
				assert.Equal(t, UnixTime(8), c.ReadByMeAt)
				assert.Equal(t, "g1", c.Receiver.Group.GUID)
			}},
		"interactive": {`{"id":"6","sender":"alice","receiver":"g1","receiverType":"group","category":"interactive","type":"form",
			"data":{"interactiveData":{"title":"T"},"interactionGoal":{"type":"allOf","elementIds":["a","b"]},"interactions":[{"elementId":"a","interactedAt":9}],"allowSenderInteraction":true,` + sender + `},"sentAt":1}`,
			func(t *testing.T, m Message) {
				i := m.(*InteractiveMessage)
				assert.Equal(t, &InteractionGoal{Type: GoalAllOf, ElementIDs: []string{"a", "b"}}, i.InteractionGoal)
				assert.Equal(t, []Interaction{{ElementID: "a", InteractedAt: 9}}, i.Interactions)
				assert.True(t, i.AllowSenderInteraction)
			}},
		"edited action": {`{"id":"7","sender":"alice","receiver":"bob","receiverType":"user","category":"action","type":"message",
			"data":{"action":"edited","entities":{"by":{"entity":{"uid":"alice","name":"Alice"},"entityType":"user"},
			"on":{"entity":{"id":"4","sender":"alice","receiver":"bob","receiverType":"user","category":"message","type":"text","data":{"text":"fixed"},"sentAt":1,"editedAt":3,"editedBy":"alice"},"entityType":"message"},
			"for":{"entity":{"uid":"bob","name":"Bob"},"entityType":"user"}}},"sentAt":3}`,
			func(t *testing.T, m Message) {
				a := m.(*ActionMessage)
				on, ok := a.ActionOnMessage()
				require.True(t, ok)
				assert.Equal(t, "fixed", on.(*TextMessage).Text)
				assert.True(t, on.Base().IsEdited())
				assert.Equal(t, "bob", a.For.User.UID)
			}},
		"scope changed": {`{"id":"8","sender":"alice","receiver":"g1","receiverType":"group","category":"action","type":"groupMember",
			"data":{"action":"scopeChanged","extras":{"scope":{"old":"participant","new":"moderator"}}},"sentAt":3}`,
			func(t *testing.T, m Message) {
				a := m.(*ActionMessage)
				assert.Equal(t, "participant", a.OldScope)
				assert.Equal(t, "moderator", a.NewScope)
			}},
		"call": {`{"id":"9","sender":"bob","receiver":"alice","receiverType":"user","category":"call","type":"video",
			"data":{"action":"ongoing","entities":{"by":{"entity":{"uid":"bob"},"entityType":"user"},"for":{"entity":{"uid":"alice"},"entityType":"user"},
			"on":{"entity":{"sessionid":"s-1","status":"ongoing","type":"video","sender":"alice","receiver":"bob","receiverType":"user","conversationId":"alice_user_bob",
			"initiatedAt":1,"joinedAt":2,"wsChannel":{"secret":"x","service":"y","identity":"z"},
			"data":{"entities":{"sender":{"entity":{"uid":"alice"},"entityType":"user"},"receiver":{"entity":{"uid":"bob"},"entityType":"user"}},"metadata":{"m":1}}},"entityType":"call"}}},"sentAt":2}`,
			func(t *testing.T, m Message) {
				c := m.(*CallMessage)
				assert.Equal(t, CallStatusOngoing, c.Status)
				require.NotNil(t, c.Call)
				assert.Equal(t, "s-1", c.Call.SessionID, "the lower-case sessionid")
				assert.Equal(t, "alice", c.Call.Initiator.UID)
				assert.Equal(t, "bob", c.Call.Receiver.User.UID)
				assert.Equal(t, map[string]any{"m": float64(1)}, c.Call.Metadata)
			}},
		"agentic": {`{"id":"10","sender":"bot","receiver":"alice","receiverType":"user","category":"agentic","type":"assistant","data":{"text":"hi","runId":"r1"},"sentAt":1}`,
			func(t *testing.T, m Message) {
				assert.JSONEq(t, `{"text":"hi","runId":"r1"}`, string(m.(*AgenticMessage).Data))
			}},
		"card": {`{"id":"11","sender":"bot","receiver":"alice","receiverType":"user","category":"card","type":"card","data":{"card":{"x":1}},"sentAt":1}`,
			func(t *testing.T, m Message) { assert.NotEmpty(t, m.(*CardMessage).Data) }},
		"unknown": {`{"id":"12","sender":"x","receiver":"y","receiverType":"user","category":"hologram","type":"3d","data":{"mesh":[1,2]},"sentAt":1}`,
			func(t *testing.T, m Message) {
				u := m.(*UnknownMessage)
				assert.Equal(t, Category("hologram"), u.Category())
				assert.JSONEq(t, `{"mesh":[1,2]}`, string(u.Data))
			}},
		"reactions and mentions": {`{"id":"13","sender":"alice","receiver":"bob","receiverType":"user","category":"message","type":"text",
			"data":{"text":"hi <@uid:bob>","mentions":{"bob":{"uid":"bob","name":"Bob"}},"reactions":[{"reaction":"👍","count":2,"reactedByMe":true}],"moderation":{"status":"approved"}},"sentAt":1}`,
			func(t *testing.T, m Message) {
				b := m.Base()
				assert.True(t, b.HasMentioned("bob"))
				assert.False(t, b.HasMentioned("alice"))
				assert.Equal(t, "Bob", b.MentionedUsers()[0].Name)
				assert.Equal(t, []ReactionCount{{Reaction: "👍", Count: 2, ReactedByMe: true}}, b.Reactions)
				assert.Equal(t, ModerationApproved, b.ModerationStatus)
			}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) { tc.check(t, roundTrip(t, json.RawMessage(tc.json))) })
	}
}

// Values that arrive as strings or numbers decode the same (model.md §0.2).
func TestTolerantDecoding(t *testing.T) {
	m, err := decodeMessage(json.RawMessage(`{"id":41,"sender":{"uid":"alice"},"receiver":"bob","receiverType":"USER","category":"message","type":"text",
		"data":{"text":"x","reactions":[{"reaction":"a","count":"3","reactedByMe":1}],"attachments":[{"size":"12"}]},"sentAt":"1700000000","replyCount":"4","parentMessageId":7,"threadSubscribed":"true"}`))
	require.NoError(t, err)
	b := m.Base()
	assert.Equal(t, MessageID(41), m.ID())
	assert.Equal(t, "alice", m.SenderUID())
	assert.Equal(t, ReceiverTypeUser, m.ReceiverType())
	assert.Equal(t, UnixTime(1700000000), m.SentAt())
	assert.Equal(t, 4, b.ReplyCount)
	assert.Equal(t, MessageID(7), b.ParentMessageID)
	assert.True(t, b.ThreadSubscribed)
	assert.Equal(t, ReactionCount{Reaction: "a", Count: 3, ReactedByMe: true}, b.Reactions[0])

	_, err = decodeMessage(json.RawMessage(`[1]`))
	assert.Error(t, err)
	_, err = decodeMessage(json.RawMessage(`{"id":"x"}`))
	assert.Error(t, err)
}

func TestUnmarshalMessageReadsMarshalledMessages(t *testing.T) {
	in := NewTextMessage("bob", ReceiverTypeUser, "hello")
	in.Tags = []string{"t"}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	out, err := UnmarshalMessage(b)
	require.NoError(t, err)
	assert.Equal(t, "hello", out.(*TextMessage).Text)
	assert.Equal(t, []string{"t"}, out.Base().Tags)
}
