package cometchat_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/cometchattest"
)

// End-to-end tests of the derived conversation updates (surface.md §23 #16): every message is sent
// through the emulator and every update checked at the listener.

// convEvent is one callback as the listeners saw it, in order.
type convEvent struct {
	kind string // "text", "custom", "edited", "deleted" or "conv"
	id   cometchat.MessageID
	u    *cometchat.ConversationUpdate
}

// convRecorder records message callbacks and conversation updates of c in one ordered channel.
func convRecorder(c *cometchat.Client) chan convEvent {
	ch, put := sink[convEvent]()
	c.AddMessageListener("conv-test", cometchat.MessageListener{
		OnTextMessageReceived:   func(m *cometchat.TextMessage) { put(convEvent{kind: "text", id: m.ID()}) },
		OnCustomMessageReceived: func(m *cometchat.CustomMessage) { put(convEvent{kind: "custom", id: m.ID()}) },
		OnMessageEdited:         func(m cometchat.Message) { put(convEvent{kind: "edited", id: m.ID()}) },
		OnMessageDeleted:        func(m cometchat.Message) { put(convEvent{kind: "deleted", id: m.ID()}) },
	})
	c.AddConversationListener("conv-test", cometchat.ConversationListener{
		OnConversationUpdated: func(u *cometchat.ConversationUpdate) {
			put(convEvent{kind: "conv", id: u.LastMessage.ID(), u: u})
		},
	})
	return ch
}

// nextUpdate skips message callbacks up to the next conversation update.
func nextUpdate(t *testing.T, ch <-chan convEvent) *cometchat.ConversationUpdate {
	t.Helper()
	for {
		if ev := recv(t, ch); ev.kind == "conv" {
			return ev.u
		}
	}
}

func TestConversationUpdatesFromLiveMessages(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice, bob := e.client("alice"), e.client("bob")
	assert.Equal(t, cometchat.ConversationUpdateSettings{UpdateOnCallActivities: true, UpdateOnGroupActions: true,
		UpdateOnCustomMessages: true, UpdateOnMessageReplies: true}, alice.ConversationUpdateSettings(),
		"the emulator sends no core.conversations.* keys: every setting defaults to on")
	got := convRecorder(alice)
	ctx := rtCtx(t)

	// Each message's callback comes first, then the update it caused.
	first, err := bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, "one")
	require.NoError(t, err)
	second, err := bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, "two")
	require.NoError(t, err)
	var order []string
	var updates []*cometchat.ConversationUpdate
	for range 4 {
		ev := recv(t, got)
		order = append(order, fmt.Sprintf("%s %d", ev.kind, ev.id))
		if ev.u != nil {
			updates = append(updates, ev.u)
		}
	}
	assert.Equal(t, []string{fmt.Sprintf("text %d", first.ID()), fmt.Sprintf("conv %d", first.ID()),
		fmt.Sprintf("text %d", second.ID()), fmt.Sprintf("conv %d", second.ID())}, order)
	u := updates[1]
	assert.Equal(t, "alice_user_bob", u.ConversationID)
	assert.Equal(t, cometchat.ReceiverTypeUser, u.ConversationType)
	assert.Equal(t, "bob", u.With)
	require.NotNil(t, u.User)
	assert.Equal(t, "Bob", u.User.Name)
	assert.Nil(t, u.Group)
	assert.Equal(t, "two", rtText(u.LastMessage))
	assert.False(t, u.LastMessage.Base().Replayed)
	assert.Equal(t, 1, updates[0].UnreadCount)
	assert.Equal(t, 2, u.UnreadCount)
	assert.Equal(t, cometchat.ConversationUpdateMessage, u.Reason)

	// The app's own read marks lower the count, in order with the messages.
	require.NoError(t, alice.MarkAsRead(ctx, first))
	u = nextUpdate(t, got)
	assert.Equal(t, cometchat.ConversationUpdateRead, u.Reason)
	assert.Equal(t, 1, u.UnreadCount)
	assert.Equal(t, second.ID(), u.LastMessage.ID())
	require.NoError(t, alice.MarkConversationAsRead(ctx, "bob", cometchat.ReceiverTypeUser))
	u = nextUpdate(t, got)
	assert.Equal(t, cometchat.ConversationUpdateRead, u.Reason)
	assert.Equal(t, 0, u.UnreadCount)

	// A send of this Client moves the conversation (the service does not echo it back).
	mine, err := alice.SendText(ctx, "bob", cometchat.ReceiverTypeUser, "mine")
	require.NoError(t, err)
	u = nextUpdate(t, got)
	assert.Equal(t, cometchat.ConversationUpdateSent, u.Reason)
	assert.Equal(t, mine.ID(), u.LastMessage.ID())
	assert.Equal(t, "bob", u.With)
	assert.Equal(t, 0, u.UnreadCount, "own messages are never unread")

	// Custom messages count; an edit or delete of the last message shows in the update.
	custom, err := bob.SendMessage(ctx, cometchat.NewCustomMessage("alice", cometchat.ReceiverTypeUser, "location", map[string]any{"lat": 1}))
	require.NoError(t, err)
	u = nextUpdate(t, got)
	assert.Equal(t, custom.ID(), u.LastMessage.ID())
	assert.Equal(t, 1, u.UnreadCount)
	third, err := bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, "thrid")
	require.NoError(t, err)
	assert.Equal(t, 2, nextUpdate(t, got).UnreadCount)
	third.Text = "third"
	_, err = bob.EditMessage(ctx, third)
	require.NoError(t, err)
	u = nextUpdate(t, got)
	assert.Equal(t, cometchat.ConversationUpdateEdited, u.Reason)
	assert.Equal(t, "third", rtText(u.LastMessage))
	assert.Equal(t, 2, u.UnreadCount)
	_, err = bob.DeleteMessage(ctx, third.ID())
	require.NoError(t, err)
	u = nextUpdate(t, got)
	assert.Equal(t, cometchat.ConversationUpdateDeleted, u.Reason)
	assert.Equal(t, third.ID(), u.LastMessage.ID())
	assert.NotZero(t, u.LastMessage.Base().DeletedAt)
	assert.Equal(t, 1, u.UnreadCount, "a deleted message is no longer unread")

	// Groups: the other party is the group; member actions and replies move it, replies do not count.
	g, err := alice.CreateGroup(ctx, &cometchat.Group{GUID: "team", Name: "Team", Type: cometchat.GroupTypePublic})
	require.NoError(t, err)
	require.Equal(t, "team", g.GUID)
	_, err = bob.JoinGroup(ctx, "team", cometchat.GroupTypePublic, "")
	require.NoError(t, err)
	u = nextUpdate(t, got)
	assert.Equal(t, "group_team", u.ConversationID)
	assert.Equal(t, cometchat.ReceiverTypeGroup, u.ConversationType)
	assert.Equal(t, "team", u.With)
	require.NotNil(t, u.Group)
	assert.Equal(t, "Team", u.Group.Name)
	joined, ok := u.LastMessage.(*cometchat.ActionMessage)
	require.True(t, ok, "the join action is the last message: %T", u.LastMessage)
	assert.Equal(t, cometchat.ActionJoined, joined.Action)
	assert.Equal(t, 0, u.UnreadCount, "actions are not unread messages")
	post, err := bob.SendText(ctx, "team", cometchat.ReceiverTypeGroup, "hello team")
	require.NoError(t, err)
	assert.Equal(t, 1, nextUpdate(t, got).UnreadCount)
	reply := cometchat.NewTextMessage("team", cometchat.ReceiverTypeGroup, "in a thread")
	reply.ParentMessageID = post.ID()
	sent, err := bob.SendMessage(ctx, reply)
	require.NoError(t, err)
	u = nextUpdate(t, got)
	assert.Equal(t, sent.ID(), u.LastMessage.ID())
	assert.Equal(t, post.ID(), u.LastMessage.Base().ParentMessageID)
	assert.Equal(t, 1, u.UnreadCount, "replies are not counted, as the service does not count them")
	require.NoError(t, alice.MarkConversationReadUpTo(ctx, "team", cometchat.ReceiverTypeGroup, post.ID()))
	u = nextUpdate(t, got)
	assert.Equal(t, cometchat.ConversationUpdateRead, u.Reason)
	assert.Equal(t, 0, u.UnreadCount)
	assert.Equal(t, "group_team", u.ConversationID)

	// The 1:1 conversation kept its own count all along.
	_, err = bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, "back to you")
	require.NoError(t, err)
	u = nextUpdate(t, got)
	assert.Equal(t, "alice_user_bob", u.ConversationID)
	assert.Equal(t, 2, u.UnreadCount)
}

func TestConversationUpdateSettingsTurnKindsOff(t *testing.T) {
	e := newRTEnv(t, cometchattest.WithSettings(map[string]any{
		cometchat.SettingUpdateOnCallActivity:  false,
		cometchat.SettingUpdateOnGroupActions:  "false",
		cometchat.SettingUpdateOnCustomMessage: 0,
		cometchat.SettingUpdateOnReplies:       "0",
	}))
	e.users("Alice", "Bob")
	alice, bob := e.client("alice"), e.client("bob")
	assert.Equal(t, cometchat.ConversationUpdateSettings{}, alice.ConversationUpdateSettings())
	got := convRecorder(alice)
	ctx := rtCtx(t)

	_, err := alice.CreateGroup(ctx, &cometchat.Group{GUID: "team", Name: "Team", Type: cometchat.GroupTypePublic})
	require.NoError(t, err)
	_, err = bob.JoinGroup(ctx, "team", cometchat.GroupTypePublic, "")
	require.NoError(t, err)
	_, err = bob.SendMessage(ctx, cometchat.NewCustomMessage("alice", cometchat.ReceiverTypeUser, "location", map[string]any{"lat": 1}))
	require.NoError(t, err)
	post, err := alice.SendText(ctx, "team", cometchat.ReceiverTypeGroup, "root")
	require.NoError(t, err)
	assert.Equal(t, cometchat.ConversationUpdateSent, nextUpdate(t, got).Reason, "a plain message still moves it")
	reply := cometchat.NewTextMessage("team", cometchat.ReceiverTypeGroup, "reply")
	reply.ParentMessageID = post.ID()
	_, err = bob.SendMessage(ctx, reply)
	require.NoError(t, err)
	call, err := bob.InitiateCall(ctx, "alice", cometchat.ReceiverTypeUser, cometchat.CallTypeAudio, nil)
	require.NoError(t, err)
	require.NotNil(t, call.Call)
	_, err = bob.CancelCall(ctx, call.Call.SessionID)
	require.NoError(t, err)
	marker, err := bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, "marker")
	require.NoError(t, err)

	// Everything before the marker was a kind the settings turned off: the next update is the marker's.
	u := nextUpdate(t, got)
	assert.Equal(t, marker.ID(), u.LastMessage.ID())
	assert.Equal(t, 1, u.UnreadCount, "the custom message was not counted either")
}

func TestConversationUpdatesFromReplayedMessages(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice, bob := e.client("alice"), e.client("bob")
	got := convRecorder(alice)
	ctx := rtCtx(t)
	_, err := bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, "live")
	require.NoError(t, err)
	assert.Equal(t, 1, nextUpdate(t, got).UnreadCount)

	e.emu.RefuseConnections(time.Hour)
	require.Equal(t, 2, e.emu.DropAllConnections())
	var missed []cometchat.MessageID
	for i := range 3 {
		m, err := bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, fmt.Sprintf("missed %d", i))
		require.NoError(t, err)
		missed = append(missed, m.ID())
	}
	e.emu.RefuseConnections(0)
	for i, id := range missed {
		u := nextUpdate(t, got)
		assert.Equal(t, id, u.LastMessage.ID())
		assert.True(t, u.LastMessage.Base().Replayed, "the update carries the replayed message")
		assert.Equal(t, cometchat.ConversationUpdateMessage, u.Reason)
		assert.Equal(t, 2+i, u.UnreadCount)
	}
}

func TestConversationUpdateSettingsParsing(t *testing.T) {
	for raw, want := range map[string]bool{
		`{}`:   true,
		`null`: true, `true`: true, `"true"`: true, `1`: true, `"yes"`: true, `"1"`: true,
		`false`: false, `"false"`: false, `0`: false, `"0"`: false, `"OFF"`: false, `"no"`: false,
	} {
		doc := `{}`
		if raw != `{}` {
			doc = `{"core.conversations.updateOnReplies":` + raw + `}`
		}
		var s cometchat.ServerSettings
		require.NoError(t, json.Unmarshal([]byte(doc), &s))
		got := s.ConversationUpdateSettings()
		assert.Equal(t, want, got.UpdateOnMessageReplies, raw)
		assert.True(t, got.UpdateOnCallActivities && got.UpdateOnGroupActions && got.UpdateOnCustomMessages, raw)
	}
	c, err := cometchat.Init(cometchat.AppSettings{AppID: "app", Region: cometchat.RegionEU})
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, cometchat.ConversationUpdateSettings{UpdateOnCallActivities: true, UpdateOnGroupActions: true,
		UpdateOnCustomMessages: true, UpdateOnMessageReplies: true}, c.ConversationUpdateSettings(), "logged out: defaults")
}
