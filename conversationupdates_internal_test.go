package cometchat

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trackerFixture is a dispatcher of a Client logged in as "me", driven directly (no goroutine):
// the tracker's rules without the network.
type trackerFixture struct {
	t       *testing.T
	d       *dispatcher
	updates []ConversationUpdate
}

func newTrackerFixture(t *testing.T, settings string) *trackerFixture {
	c := &Client{log: slog.New(slog.DiscardHandler)}
	var st ServerSettings
	require.NoError(t, json.Unmarshal([]byte(settings), &st))
	c.sess = &session{user: &User{UID: "me"}, settings: st}
	f := &trackerFixture{t: t, d: &dispatcher{c: c}}
	c.AddConversationListener("l", ConversationListener{OnConversationUpdated: func(u *ConversationUpdate) {
		f.updates = append(f.updates, *u)
	}})
	return f
}

// msg decodes a 1:1 message from sender to receiver.
func (f *trackerFixture) msg(id int, sender, receiver, extra string) Message {
	f.t.Helper()
	a, b := sender, receiver
	if b < a {
		a, b = b, a
	}
	doc := fmt.Sprintf(`{"id":"%d","sender":%q,"receiver":%q,"receiverType":"user","conversationId":"%s_user_%s",
		"category":"message","type":"text","data":{"text":"m%d"}%s}`, id, sender, receiver, a, b, id, extra)
	m, err := decodeMessage(json.RawMessage(doc))
	require.NoError(f.t, err)
	return m
}

func (f *trackerFixture) last() ConversationUpdate {
	f.t.Helper()
	require.NotEmpty(f.t, f.updates)
	return f.updates[len(f.updates)-1]
}

func TestTrackerUnreadBoundAndPartialReads(t *testing.T) {
	f := newTrackerFixture(t, `{}`)
	n := maxTrackedUnread + 10
	for i := 1; i <= n; i++ {
		f.d.conversationMessage(f.msg(i, "bob", "me", ""), ConversationUpdateMessage)
	}
	assert.Equal(t, n, f.last().UnreadCount, "ids beyond the bound are still counted")
	st := f.d.conv.convs[convKey(ReceiverTypeUser, "bob")]
	assert.Len(t, st.unread, maxTrackedUnread)
	assert.Equal(t, 10, st.older)

	count := len(f.updates)
	// Up to an id among the dropped ones: which of them it covers is not known, so they stay
	// counted (an over-count, never an under-count) and nothing changes.
	f.d.conversationRead(ReceiverTypeUser, "BOB", 5)
	assert.Len(t, f.updates, count)
	assert.Equal(t, 10, st.older)
	f.d.conversationRead(ReceiverTypeUser, "bob", MessageID(n-3))
	assert.Equal(t, 3, f.last().UnreadCount, "past the dropped ids: exact again")
	assert.Equal(t, ConversationUpdateRead, f.last().Reason)
	count = len(f.updates)
	f.d.conversationRead(ReceiverTypeUser, "bob", 2)
	assert.Len(t, f.updates, count, "a mark that changes nothing sends no update")

	// A message the app already marked read (queued behind the mark) does not count.
	f.d.conversationRead(ReceiverTypeUser, "bob", MessageID(n+5))
	f.d.conversationMessage(f.msg(n+4, "bob", "me", ""), ConversationUpdateMessage)
	assert.Equal(t, 0, f.last().UnreadCount)
	f.d.conversationMessage(f.msg(n+6, "bob", "me", ""), ConversationUpdateMessage)
	assert.Equal(t, 1, f.last().UnreadCount)
}

func TestTrackerIgnoresOlderAndDuplicateMessages(t *testing.T) {
	f := newTrackerFixture(t, `{}`)
	f.d.conversationMessage(f.msg(10, "bob", "me", ""), ConversationUpdateMessage)
	f.d.conversationMessage(f.msg(9, "me", "bob", ""), ConversationUpdateSent) // a send that raced a newer message
	f.d.conversationMessage(f.msg(10, "bob", "me", ""), ConversationUpdateMessage)
	require.Len(t, f.updates, 1)
	assert.Equal(t, MessageID(10), f.last().LastMessage.ID())
	assert.Equal(t, 1, f.last().UnreadCount)
}

func TestTrackerFollowsTheLoggedInUser(t *testing.T) {
	f := newTrackerFixture(t, `{}`)
	f.d.conversationMessage(f.msg(1, "bob", "me", ""), ConversationUpdateMessage)
	f.d.c.sess = &session{user: &User{UID: "bob"}} // another user logged in on the same Client
	f.d.conversationMessage(f.msg(2, "me", "bob", ""), ConversationUpdateMessage)
	u := f.last()
	assert.Equal(t, "me", u.With, "bob's view: the other party is me")
	assert.Equal(t, 1, u.UnreadCount, "me's counts are not bob's")
	assert.Equal(t, "bob_user_me", u.ConversationID)
}

func TestConversationOf(t *testing.T) {
	f := newTrackerFixture(t, `{}`)
	for _, tc := range []struct {
		m        Message
		id, with string
	}{
		{f.msg(1, "bob", "me", ""), "bob_user_me", "bob"},
		{f.msg(2, "me", "Bob", ""), "bob_user_me", "bob"},
		// app_system acting on the conversation: the id names the parties.
		{f.msg(3, "app_system", "bob", `,"conversationId":"bob_user_me"`), "bob_user_me", "bob"},
	} {
		id, typ, with := conversationOf(tc.m, "me")
		assert.Equal(t, ReceiverTypeUser, typ)
		assert.Equal(t, tc.with, with, tc.m.ID())
		if tc.m.ID() != 2 {
			assert.Equal(t, tc.id, id, tc.m.ID())
		}
	}
	g, err := decodeMessage(json.RawMessage(`{"id":"4","sender":"bob","receiver":"Team","receiverType":"group",
		"category":"message","type":"text","data":{"text":"x"}}`))
	require.NoError(t, err)
	id, typ, with := conversationOf(g, "me")
	assert.Equal(t, []string{"group_team", "group", "team"}, []string{id, string(typ), with})
}
