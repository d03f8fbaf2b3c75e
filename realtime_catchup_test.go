package cometchat_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
)

// Catch-up, de-duplication and the event buffer.

// delivery is one text message as a listener saw it.
type delivery struct {
	id       cometchat.MessageID
	text     string
	replayed bool
}

func textSink(c *cometchat.Client) chan delivery {
	ch, put := sink[delivery]()
	c.AddMessageListener("texts", cometchat.MessageListener{OnTextMessageReceived: func(m *cometchat.TextMessage) {
		put(delivery{id: m.ID(), text: m.Text, replayed: m.Replayed})
	}})
	return ch
}

func TestMessagesMissedWhileDisconnectedAreReplayedInOrder(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice, bob := e.client("alice"), e.client("bob")
	got := textSink(alice)
	resynced, onResync := sink[cometchat.ResyncInfo]()
	alice.AddConnectionListener("l", cometchat.ConnectionListener{OnResynced: onResync})
	ctx := rtCtx(t)
	_, err := bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, "before")
	require.NoError(t, err)
	assert.Equal(t, delivery{text: "before"}, withoutID(recv(t, got)))

	// An outage: alice's socket is dropped and cannot come back for a while.
	e.emu.RefuseConnections(time.Hour)
	require.Equal(t, 2, e.emu.DropAllConnections())
	for i := range 25 {
		_, err := bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, fmt.Sprintf("missed %02d", i))
		require.NoError(t, err)
	}
	e.emu.RefuseConnections(0)
	var last cometchat.MessageID
	for i := range 25 {
		d := recv(t, got)
		assert.Equal(t, fmt.Sprintf("missed %02d", i), d.text)
		assert.True(t, d.replayed, "marked as replayed")
		assert.Greater(t, d.id, last)
		last = d.id
	}
	info := recv(t, resynced)
	for info.Replayed == 0 { // the resync of the first connection may come first
		info = recv(t, resynced)
	}
	assert.Equal(t, 25, info.Replayed)
	assert.Equal(t, last, info.Last)
	assert.Less(t, info.After, info.Last)
	assert.Positive(t, info.Downtime, "the outage's length")
	_, err = bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, "after")
	require.NoError(t, err)
	assert.Equal(t, delivery{text: "after"}, withoutID(recv(t, got)), "live again, not replayed")
	assert.EqualValues(t, 25, alice.RealtimeStats().Replayed)
}

func withoutID(d delivery) delivery {
	d.id = 0
	return d
}

func TestDuplicateFramesAreDeliveredOnce(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice, bob := e.client("alice"), e.client("bob")
	got := textSink(alice)
	receipts, onReceipt := sink[*cometchat.MessageReceipt]()
	bob.AddMessageListener("l", cometchat.MessageListener{OnMessagesRead: onReceipt})
	ctx := rtCtx(t)
	e.emu.DuplicateNextFrame()
	m, err := bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, "once")
	require.NoError(t, err)
	assert.Equal(t, "once", recv(t, got).text)
	e.emu.DuplicateNextFrame()
	require.NoError(t, alice.MarkAsReadByID(ctx, m.ID(), "bob", cometchat.ReceiverTypeUser, "bob"))
	assert.Equal(t, m.ID(), recv(t, receipts).MessageID)
	_, err = bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, "marker")
	require.NoError(t, err)
	assert.Equal(t, "marker", recv(t, got).text, "the duplicate message was dropped")
	assert.GreaterOrEqual(t, alice.RealtimeStats().Duplicates, int64(1))
	bobTexts := textSink(bob) // a marker for bob too: its duplicate receipt was handled before it
	_, err = alice.SendText(ctx, "bob", cometchat.ReceiverTypeUser, "marker")
	require.NoError(t, err)
	recv(t, bobTexts)
	assert.GreaterOrEqual(t, bob.RealtimeStats().Duplicates, int64(1), "the duplicate receipt was dropped")
}

func TestBufferOverflowIsRecoveredByCatchUp(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice := e.client("alice", cometchat.WithEventBuffer(2))
	bob := e.client("bob")
	release := make(chan struct{})
	got, put := sink[delivery]()
	alice.AddMessageListener("slow", cometchat.MessageListener{OnTextMessageReceived: func(m *cometchat.TextMessage) {
		<-release // the first message blocks the dispatcher until everything is sent
		put(delivery{id: m.ID(), text: m.Text, replayed: m.Replayed})
	}})
	dropped, onDropped := sink[int]()
	alice.AddConnectionListener("l", cometchat.ConnectionListener{OnEventsDropped: onDropped})
	ctx := rtCtx(t)
	const n = 40
	for i := range n {
		_, err := bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, fmt.Sprintf("m%02d", i))
		require.NoError(t, err)
	}
	// The dispatcher is stuck in the first callback, so the reader must drop what does not fit (it
	// never blocks the socket). Wait until all n frames have been read.
	require.Eventually(t, func() bool { return alice.RealtimeStats().FramesIn >= n }, rtTimeout, time.Millisecond)
	close(release)
	for i := range n {
		d := recv(t, got)
		require.Equal(t, fmt.Sprintf("m%02d", i), d.text, "every message exactly once, in order")
	}
	assert.Positive(t, recv(t, dropped))
	st := alice.RealtimeStats()
	assert.Positive(t, st.Replayed)
	assert.Positive(t, st.Dropped)
}

// memoryCursorStore is a CursorStore in memory, shared by two Clients in the test.
type memoryCursorStore struct {
	mu sync.Mutex
	m  map[string]cometchat.MessageID
}

func (s *memoryCursorStore) LoadCursor(_ context.Context, appID, uid string) (cometchat.MessageID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[appID+"/"+uid], nil
}

func (s *memoryCursorStore) SaveCursor(_ context.Context, appID, uid string, id cometchat.MessageID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]cometchat.MessageID{}
	}
	s.m[appID+"/"+uid] = id
	return nil
}

func TestCursorStoreResumesARestartedBot(t *testing.T) {
	e := newRTEnv(t)
	e.users("Bot", "Bob")
	store := &memoryCursorStore{}
	bob := e.client("bob")
	ctx := rtCtx(t)

	first := e.client("bot", cometchat.WithCursorStore(store))
	got := textSink(first)
	_, err := bob.SendText(ctx, "bot", cometchat.ReceiverTypeUser, "seen by the first run")
	require.NoError(t, err)
	recv(t, got)
	require.NoError(t, first.Close()) // saves the position

	for i := range 3 {
		_, err := bob.SendText(ctx, "bot", cometchat.ReceiverTypeUser, fmt.Sprintf("while down %d", i))
		require.NoError(t, err)
	}
	st := e.settings()
	st.DisableAutoConnect = true // the listener is in place before the catch-up runs
	second := e.loginWith(st, "bot", cometchat.WithCursorStore(store))
	got = textSink(second)
	require.NoError(t, second.Connect(ctx))
	for i := range 3 {
		d := recv(t, got)
		assert.Equal(t, fmt.Sprintf("while down %d", i), d.text)
		assert.True(t, d.replayed)
	}
	_, err = bob.SendText(ctx, "bot", cometchat.ReceiverTypeUser, "live")
	require.NoError(t, err)
	assert.Equal(t, "live", recv(t, got).text, "nothing from the first run is delivered again")
}

func TestCatchUpCanBeTurnedOff(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice := e.client("alice", cometchat.WithCatchUp(false))
	bob := e.client("bob")
	got := textSink(alice)
	down, onDown := sink[bool]()
	up, onUp := sink[bool]()
	alice.AddConnectionListener("t", cometchat.ConnectionListener{
		OnDisconnected: func() { onDown(true) },
		OnConnected:    func() { onUp(true) },
	})
	ctx := rtCtx(t)
	e.emu.RefuseConnections(time.Hour)
	e.emu.DropConnections("alice")
	recv(t, down) // the Client noticed: a Connect now would not return on the stale link
	_, err := bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, "lost")
	require.NoError(t, err)
	e.emu.RefuseConnections(0)
	recv(t, up)
	_, err = bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, "live")
	require.NoError(t, err)
	assert.Equal(t, "live", recv(t, got).text)
}
