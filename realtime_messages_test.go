package cometchat_test

import (
	"encoding/json"
	"errors"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/cometchattest"
)

// End-to-end tests of the message listener: every event is produced through the emulator and
// checked at the listener.

func TestTextMessageArrivesAndEchoIsSuppressed(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice := e.client("alice")
	bob := e.client("bob")
	bobElsewhere := e.client("bob") // the same user on another device

	got, onText := sink[*cometchat.TextMessage]()
	alice.AddMessageListener("t", cometchat.MessageListener{OnTextMessageReceived: onText})
	own, onOwn := sink[*cometchat.TextMessage]()
	bob.AddMessageListener("t", cometchat.MessageListener{OnTextMessageReceived: onOwn})
	other, onOther := sink[*cometchat.TextMessage]()
	bobElsewhere.AddMessageListener("t", cometchat.MessageListener{OnTextMessageReceived: onOther})

	ctx := rtCtx(t)
	sent, err := bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, "hello alice")
	require.NoError(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("alice %+v", alice.RealtimeStats())
			t.Logf("bob %+v", bob.RealtimeStats())
		}
	})
	m := recv(t, got)
	assert.Equal(t, sent.ID(), m.ID())
	assert.Equal(t, "hello alice", m.Text)
	assert.Equal(t, "bob", m.SenderUID())
	require.NotNil(t, m.Sender())
	assert.Equal(t, "Bob", m.Sender().Name)
	assert.Equal(t, "alice", m.ReceiverID())
	assert.False(t, m.Replayed)
	assert.Equal(t, sent.ID(), recv(t, other).ID(), "the sender's other session receives its message")

	// A marker proves bob's own session got nothing before it.
	_, err = alice.SendText(ctx, "bob", cometchat.ReceiverTypeUser, "marker")
	require.NoError(t, err)
	assert.Equal(t, "marker", recv(t, own).Text, "the sending session drops its own echo")
	assert.EqualValues(t, 1, bob.RealtimeStats().Echoes)
}

func TestMediaCustomAndInteractiveMessages(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice, bob := e.client("alice"), e.client("bob")
	media, onMedia := sink[*cometchat.MediaMessage]()
	custom, onCustom := sink[*cometchat.CustomMessage]()
	inter, onInter := sink[*cometchat.InteractiveMessage]()
	alice.AddMessageListener("l", cometchat.MessageListener{OnMediaMessageReceived: onMedia,
		OnCustomMessageReceived: onCustom, OnInteractiveMessageReceived: onInter})
	goals, onGoal := sink[*cometchat.InteractionReceipt]()
	bob.AddMessageListener("l", cometchat.MessageListener{OnInteractionGoalCompleted: onGoal})
	ctx := rtCtx(t)

	_, err := bob.SendMessage(ctx, cometchat.NewMediaMessage("alice", cometchat.ReceiverTypeUser, cometchat.MessageTypeImage, "https://example.com/cat.png"))
	require.NoError(t, err)
	mm := recv(t, media)
	assert.Equal(t, "image", mm.Type())
	assert.Equal(t, "https://example.com/cat.png", mm.URL)

	_, err = bob.SendMessage(ctx, cometchat.NewCustomMessage("alice", cometchat.ReceiverTypeUser, "location", map[string]any{"lat": 1.5}))
	require.NoError(t, err)
	cm := recv(t, custom)
	assert.Equal(t, "location", cm.Type())
	assert.Equal(t, 1.5, cm.CustomData["lat"])

	im := cometchat.NewInteractiveMessage("alice", cometchat.ReceiverTypeUser, "form", map[string]any{"title": "Pick"})
	im.InteractionGoal = &cometchat.InteractionGoal{Type: cometchat.GoalAnyOf, ElementIDs: []string{"yes"}}
	sent, err := bob.SendMessage(ctx, im)
	require.NoError(t, err)
	got := recv(t, inter)
	assert.Equal(t, sent.ID(), got.ID())
	assert.Equal(t, "Pick", got.InteractiveData["title"])

	require.NoError(t, alice.MarkAsInteracted(ctx, sent.ID(), "yes"))
	r := recv(t, goals)
	assert.Equal(t, sent.ID(), r.MessageID)
	require.NotNil(t, r.Sender)
	assert.Equal(t, "alice", r.Sender.UID)
	require.Len(t, r.Interactions, 1)
	assert.Equal(t, "yes", r.Interactions[0].ElementID)
}

func TestTypingIndicators(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice, bob := e.client("alice"), e.client("bob")
	typing, onTyping := sink[*cometchat.TypingIndicator]()
	alice.AddMessageListener("l", cometchat.MessageListener{OnTypingStarted: onTyping, OnTypingEnded: onTyping})
	ctx := rtCtx(t)
	require.NoError(t, bob.StartTyping(ctx, "alice", cometchat.ReceiverTypeUser, map[string]any{"draft": true}))
	require.NoError(t, bob.StartTyping(ctx, "alice", cometchat.ReceiverTypeUser, nil)) // not re-sent
	require.NoError(t, bob.EndTyping(ctx, "alice", cometchat.ReceiverTypeUser, nil))
	started := recv(t, typing)
	assert.Equal(t, cometchat.TypingStarted, started.Action)
	assert.Equal(t, "bob", started.Sender.UID)
	assert.Equal(t, "alice", started.ReceiverID)
	assert.Equal(t, cometchat.ReceiverTypeUser, started.ReceiverType)
	assert.Equal(t, true, started.Metadata["draft"])
	assert.Equal(t, cometchat.TypingEnded, recv(t, typing).Action, "the repeated start was not sent")
	require.NoError(t, bob.StartTyping(ctx, "alice", cometchat.ReceiverTypeUser, nil)) // sent again after the end
	assert.Equal(t, cometchat.TypingStarted, recv(t, typing).Action)
}

func TestReceiptsDeliveredAndRead(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice, bob := e.client("alice"), e.client("bob")
	receipts, onReceipt := sink[*cometchat.MessageReceipt]()
	bob.AddMessageListener("l", cometchat.MessageListener{OnMessagesDelivered: onReceipt, OnMessagesRead: onReceipt})
	texts, onText := sink[*cometchat.TextMessage]()
	alice.AddMessageListener("l", cometchat.MessageListener{OnTextMessageReceived: onText})
	ctx := rtCtx(t)
	_, err := bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, "did you get it?")
	require.NoError(t, err)
	m := recv(t, texts)
	require.NoError(t, alice.MarkAsDelivered(ctx, m))
	d := recv(t, receipts)
	assert.Equal(t, cometchat.ReceiptTypeDelivery, d.ReceiptType)
	assert.Equal(t, m.ID(), d.MessageID)
	assert.Equal(t, "alice", d.Sender.UID)
	assert.NotZero(t, d.DeliveredAt)
	require.NoError(t, alice.MarkAsRead(ctx, m))
	r := recv(t, receipts)
	assert.Equal(t, cometchat.ReceiptTypeRead, r.ReceiptType)
	assert.NotZero(t, r.ReadAt)
}

func TestGroupReceiptsDeliveredToAllAndReadByAll(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob", "Carol")
	alice, bob, carol := e.client("alice"), e.client("bob"), e.client("carol")
	ctx := rtCtx(t)
	_, err := alice.CreateGroup(ctx, &cometchat.Group{GUID: "team", Name: "Team", Type: cometchat.GroupTypePublic})
	require.NoError(t, err)
	for _, c := range []*cometchat.Client{bob, carol} {
		_, err := c.JoinGroup(ctx, "team", cometchat.GroupTypePublic, "")
		require.NoError(t, err)
	}
	all, onAll := sink[*cometchat.MessageReceipt]()
	alice.AddMessageListener("l", cometchat.MessageListener{OnMessagesDeliveredToAll: onAll, OnMessagesReadByAll: onAll})
	sent, err := alice.SendText(ctx, "team", cometchat.ReceiverTypeGroup, "everyone?")
	require.NoError(t, err)
	for _, c := range []*cometchat.Client{bob, carol} {
		require.NoError(t, c.MarkAsDelivered(ctx, sent))
	}
	d := recv(t, all)
	assert.Equal(t, cometchat.ReceiptTypeDeliveredToAll, d.ReceiptType)
	assert.Equal(t, sent.ID(), d.MessageID)
	assert.Equal(t, "team", d.ReceiverID)
	assert.Equal(t, cometchat.ReceiverTypeGroup, d.ReceiverType)
	for _, c := range []*cometchat.Client{bob, carol} {
		require.NoError(t, c.MarkAsRead(ctx, sent))
	}
	assert.Equal(t, cometchat.ReceiptTypeReadByAll, recv(t, all).ReceiptType)
}

func TestEditedAndDeleted(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice, bob := e.client("alice"), e.client("bob")
	edited, onEdited := sink[cometchat.Message]()
	deleted, onDeleted := sink[cometchat.Message]()
	alice.AddMessageListener("l", cometchat.MessageListener{OnMessageEdited: onEdited, OnMessageDeleted: onDeleted})
	ctx := rtCtx(t)
	sent, err := bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, "typo")
	require.NoError(t, err)
	sent.Text = "fixed"
	_, err = bob.EditMessage(ctx, sent)
	require.NoError(t, err)
	m := recv(t, edited)
	assert.Equal(t, sent.ID(), m.ID(), "the listener gets the edited message, not the action")
	assert.Equal(t, "fixed", rtText(m))
	assert.NotZero(t, m.Base().EditedAt)
	_, err = bob.DeleteMessage(ctx, sent.ID())
	require.NoError(t, err)
	d := recv(t, deleted)
	assert.Equal(t, sent.ID(), d.ID())
	assert.NotZero(t, d.Base().DeletedAt)
}

func TestTransientMessages(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice, bob := e.client("alice"), e.client("bob")
	got, onTransient := sink[*cometchat.TransientMessage]()
	alice.AddMessageListener("l", cometchat.MessageListener{OnTransientMessageReceived: onTransient})
	require.NoError(t, bob.SendTransientMessage(rtCtx(t), "alice", cometchat.ReceiverTypeUser, map[string]any{"LIVE_REACTION": "heart"}))
	tm := recv(t, got)
	assert.Equal(t, "heart", tm.Data["LIVE_REACTION"])
	assert.Equal(t, "bob", tm.Sender.UID)
	assert.Equal(t, "alice", tm.ReceiverID)
}

func TestReactionsAddedAndRemoved(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice, bob := e.client("alice"), e.client("bob")
	reactions, onReaction := sink[*cometchat.ReactionEvent]()
	alice.AddMessageListener("l", cometchat.MessageListener{OnMessageReactionAdded: onReaction, OnMessageReactionRemoved: onReaction})
	ctx := rtCtx(t)
	sent, err := alice.SendText(ctx, "bob", cometchat.ReceiverTypeUser, "react to me")
	require.NoError(t, err)
	_, err = bob.AddReaction(ctx, sent.ID(), "👍")
	require.NoError(t, err)
	r := recv(t, reactions)
	assert.Equal(t, cometchat.ReactionAdded, r.Action)
	assert.Equal(t, sent.ID(), r.MessageID)
	assert.Equal(t, "👍", r.Reaction)
	assert.Equal(t, "bob", r.UID)
	require.NotNil(t, r.ReactedBy)
	assert.Equal(t, "bob", r.ReactedBy.UID)
	assert.NotEmpty(t, r.ConversationID)
	_, err = bob.RemoveReaction(ctx, sent.ID(), "👍")
	require.NoError(t, err)
	assert.Equal(t, cometchat.ReactionRemoved, recv(t, reactions).Action)
}

func TestPinsAndSaves(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice, bob := e.client("alice"), e.client("bob")
	pins, onPin := sink[string]()
	alice.AddMessageListener("l", cometchat.MessageListener{
		OnMessagePinned:   func(m cometchat.Message) { onPin("pinned " + m.ID().String()) },
		OnMessageUnpinned: func(m cometchat.Message) { onPin("unpinned " + m.ID().String()) },
	})
	ctx := rtCtx(t)
	sent, err := alice.SendText(ctx, "bob", cometchat.ReceiverTypeUser, "pin me")
	require.NoError(t, err)
	_, err = bob.PinMessage(ctx, sent.ID())
	require.NoError(t, err)
	assert.Equal(t, "pinned "+sent.ID().String(), recv(t, pins))
	_, err = bob.UnpinMessage(ctx, sent.ID())
	require.NoError(t, err)
	assert.Equal(t, "unpinned "+sent.ID().String(), recv(t, pins))

	// Saves are private: the emulator tells the saving user's other sessions.
	saves, onSave := sink[string]()
	bobPhone := e.client("bob")
	bobPhone.AddMessageListener("l", cometchat.MessageListener{
		OnMessageSaved:   func(m cometchat.Message) { onSave("saved " + m.ID().String()) },
		OnMessageUnsaved: func(m cometchat.Message) { onSave("unsaved " + m.ID().String()) },
	})
	_, err = bob.SaveMessage(ctx, sent.ID())
	require.NoError(t, err)
	assert.Equal(t, "saved "+sent.ID().String(), recv(t, saves))
	_, err = bob.UnsaveMessage(ctx, sent.ID())
	require.NoError(t, err)
	assert.Equal(t, "unsaved "+sent.ID().String(), recv(t, saves))
}

// Frames the emulator does not produce on its own (moderation, AI agents, cards) are pushed through
// its hub with PushFrame, in the shapes of client-protocol.md §7.5.
func TestModerationAIAndCardFrames(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice")
	alice := e.client("alice")
	moderated, onModerated := sink[cometchat.Message]()
	agentic, onAgentic := sink[string]()
	cards, onCard := sink[*cometchat.CardMessage]()
	events, onEvent := sink[*cometchat.AIAssistantEvent]()
	unknown, onUnknown := sink[*cometchat.UnknownMessage]()
	alice.AddMessageListener("l", cometchat.MessageListener{
		OnMessageModerated:           onModerated,
		OnAIAssistantMessageReceived: func(m *cometchat.AgenticMessage) { onAgentic("assistant") },
		OnAIToolResultReceived:       func(m *cometchat.AgenticMessage) { onAgentic("tool-result") },
		OnAIToolArgumentsReceived:    func(m *cometchat.AgenticMessage) { onAgentic("tool-arguments") },
		OnCardMessageReceived:        onCard,
		OnUnknownMessageReceived:     onUnknown,
	})
	alice.AddAIAssistantListener("l", cometchat.AIAssistantListener{OnAIAssistantEventReceived: onEvent})
	msg := func(id, category, typ string) map[string]any {
		return map[string]any{"type": "message", "sender": "agent", "receiver": "alice", "receiverType": "user",
			"body": map[string]any{"id": id, "sender": "agent", "receiver": "alice", "receiverType": "user",
				"category": category, "type": typ, "data": map[string]any{"text": "x"}, "sentAt": 1700000000}}
	}
	push := func(frame any) {
		n, err := e.emu.PushFrame("alice", frame)
		require.NoError(t, err)
		require.Equal(t, 1, n)
	}
	mod := msg("900", "message", "text")
	mod["type"] = "on_moderation_status_changed"
	mod["deviceId"] = alice.SessionID() // moderation updates about one's own message are not echoes
	mod["body"].(map[string]any)["data"].(map[string]any)["moderation"] = map[string]any{"status": "disapproved"}
	push(mod)
	m := recv(t, moderated)
	assert.EqualValues(t, 900, m.ID())
	assert.Equal(t, cometchat.ModerationDisapproved, m.Base().ModerationStatus)

	for i, typ := range []string{"assistant", "tool-result", "tool-arguments"} {
		push(msg(strconv.Itoa(901+i), "agentic", typ))
	}
	assert.Equal(t, []string{"assistant", "tool-result", "tool-arguments"}, []string{recv(t, agentic), recv(t, agentic), recv(t, agentic)})
	push(msg("910", "card", "card"))
	assert.EqualValues(t, 910, recv(t, cards).ID())
	push(msg("911", "hologram", "3d"))
	assert.Equal(t, cometchat.Category("hologram"), recv(t, unknown).Category())

	push(map[string]any{"type": "streamed_message", "body": map[string]any{"type": "text_message_content",
		"conversationId": "agent_user_alice", "id": "912", "data": map[string]any{"runId": "r1", "threadId": "t1", "delta": "Hel", "timestamp": 1700000001}}})
	ev := recv(t, events)
	assert.Equal(t, "text_message_content", ev.Type)
	assert.Equal(t, "Hel", ev.Delta)
	assert.Equal(t, "r1", ev.RunID)
	assert.Equal(t, "912", ev.MessageID)
}

func TestTypingAndReceiptsNeedTheConnection(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice := e.client("alice")
	bob := e.offline("bob", cometchat.WithCatchUp(false))
	require.NoError(t, bob.Disconnect())
	ctx := rtCtx(t)
	err := bob.StartTyping(ctx, "alice", cometchat.ReceiverTypeUser, nil)
	assert.ErrorIs(t, err, cometchat.ErrNoWebSocketConnection)
	assert.ErrorIs(t, bob.SendTransientMessage(ctx, "alice", cometchat.ReceiverTypeUser, nil), cometchat.ErrNoWebSocketConnection)
	assert.EqualValues(t, 1, bob.RealtimeStats().TypingDropped)

	// Receipts fall back to the REST conversation marks while the socket is down.
	sent, err := alice.SendText(ctx, "bob", cometchat.ReceiverTypeUser, "read me later")
	require.NoError(t, err)
	receipts, onReceipt := sink[*cometchat.MessageReceipt]()
	alice.AddMessageListener("l", cometchat.MessageListener{OnMessagesRead: onReceipt})
	require.NoError(t, bob.MarkAsReadByID(ctx, sent.ID(), "alice", cometchat.ReceiverTypeUser, "alice"))
	r := recv(t, receipts)
	assert.Equal(t, sent.ID(), r.MessageID)
	assert.Equal(t, "bob", r.Sender.UID)
}

func TestThrottledModes(t *testing.T) {
	for _, mode := range []string{"LIMITED_TRANSIENT", "NO_TRANSIENT"} {
		t.Run(mode, func(t *testing.T) {
			e := newRTEnv(t, cometchattest.WithMode(mode))
			e.users("Alice", "Bob")
			throttled, onThrottled := sink[bool]()
			st := e.settings()
			st.DisableAutoConnect = true // the listener is in place before the first event
			bob := e.loginWith(st, "bob")
			bob.AddConnectionListener("l", cometchat.ConnectionListener{OnFeatureThrottled: func() { onThrottled(true) }})
			require.NoError(t, bob.Connect(rtCtx(t)))
			assert.True(t, recv(t, throttled))
			ctx := rtCtx(t)
			assert.ErrorIs(t, bob.StartTyping(ctx, "alice", cometchat.ReceiverTypeUser, nil), cometchat.ErrReceiptsBlocked)
			err := bob.MarkAsReadByID(ctx, 1, "alice", cometchat.ReceiverTypeUser, "alice")
			assert.ErrorIs(t, err, cometchat.ErrReceiptsBlocked)
			err = bob.SendTransientMessage(ctx, "alice", cometchat.ReceiverTypeUser, map[string]any{"x": 1})
			if mode == "NO_TRANSIENT" {
				assert.ErrorIs(t, err, cometchat.ErrReceiptsBlocked)
			} else {
				assert.NoError(t, err, "LIMITED_TRANSIENT still allows transient messages")
			}
			var ce *cometchat.Error
			assert.True(t, errors.As(bob.StartTyping(ctx, "alice", cometchat.ReceiverTypeUser, nil), &ce) && ce.Local)
		})
	}
}

func TestConversationPinAndFeedFrames(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice")
	alice := e.client("alice")
	pins, onPin := sink[string]()
	alice.AddConversationListener("l", cometchat.ConversationListener{
		OnConversationPinned:   func(c *cometchat.Conversation) { onPin("pinned " + c.ConversationID) },
		OnConversationUnpinned: func(c *cometchat.Conversation) { onPin("unpinned " + c.ConversationID) },
	})
	feed, onFeed := sink[string]()
	alice.AddNotificationFeedListener("l", cometchat.NotificationFeedListener{OnFeedItemReceived: func(item json.RawMessage) { onFeed(string(item)) }})
	conv := map[string]any{"conversationId": "alice_user_bob", "conversationType": "user",
		"conversationWith": map[string]any{"uid": "bob", "name": "Bob"}, "pinnedAt": 1700000000, "pinnedBy": "alice"}
	// The spellings the official SDK accepts (client-protocol.md §7.5).
	for _, f := range []map[string]any{
		{"type": "conversation_pin", "body": map[string]any{"action": "pinned", "conversation": conv}},
		{"type": "conversation_unpinned", "body": conv},
	} {
		_, err := e.emu.PushFrame("alice", f)
		require.NoError(t, err)
	}
	assert.Equal(t, "pinned alice_user_bob", recv(t, pins))
	assert.Equal(t, "unpinned alice_user_bob", recv(t, pins))
	_, err := e.emu.PushFrame("alice", map[string]any{"type": "notification_feed_item", "deviceId": alice.SessionID(),
		"body": map[string]any{"action": "sent", "feedItem": map[string]any{"id": "f1"}}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"f1"}`, recv(t, feed), "feed items are not echoes even with this device id")
}
