package cometchat_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
)

// Callbacks may call back into the Client: none of this may deadlock. (The package's TestMain checks
// with goleak that no goroutine outlives the tests.)

func TestHandlerRemovesItselfAndRepliesWithoutDeadlock(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice, bob := e.client("alice"), e.client("bob")
	ctx := rtCtx(t)
	calls := 0
	var remove func()
	replied, onReply := sink[error]()
	remove = alice.AddMessageListener("once", cometchat.MessageListener{OnTextMessageReceived: func(m *cometchat.TextMessage) {
		calls++
		remove() // removes itself mid-dispatch
		alice.AddMessageListener("added-from-handler", cometchat.MessageListener{})
		assert.NoError(t, alice.StartTyping(ctx, m.SenderUID(), cometchat.ReceiverTypeUser, nil))
		_, err := alice.SendText(ctx, m.SenderUID(), cometchat.ReceiverTypeUser, "reply to "+m.Text)
		onReply(err)
	}})
	got := textSink(bob)
	_, err := bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, "first")
	require.NoError(t, err)
	require.NoError(t, recv(t, replied))
	assert.Equal(t, "reply to first", recv(t, got).text)
	// A marker listener registered before the next messages proves they were dispatched, while the
	// removed listener is not called for them.
	aliceTexts := textSink(alice)
	for _, text := range []string{"second", "third"} {
		_, err = bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, text)
		require.NoError(t, err)
	}
	assert.Equal(t, "second", recv(t, aliceTexts).text)
	assert.Equal(t, "third", recv(t, aliceTexts).text)
	assert.Equal(t, 1, calls, "a removed listener is not called again")
}

func TestSameIDReplacesAndStaleRemoveIsHarmless(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice, bob := e.client("alice"), e.client("bob")
	got, put := sink[string]()
	removeOld := alice.AddMessageListener("x", cometchat.MessageListener{OnTextMessageReceived: func(*cometchat.TextMessage) { put("old") }})
	alice.AddMessageListener("x", cometchat.MessageListener{OnTextMessageReceived: func(*cometchat.TextMessage) { put("new") }})
	removeOld() // the replaced listener's remove func does not remove its replacement
	_, err := bob.SendText(rtCtx(t), "alice", cometchat.ReceiverTypeUser, "hi")
	require.NoError(t, err)
	assert.Equal(t, "new", recv(t, got))
	alice.RemoveMessageListener("x")
	marker := textSink(alice)
	_, err = bob.SendText(rtCtx(t), "alice", cometchat.ReceiverTypeUser, "bye")
	require.NoError(t, err)
	recv(t, marker)
	assert.Empty(t, got)
}

func TestHandlerClosesTheClient(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice, bob := e.client("alice"), e.client("bob")
	closed, onClosed := sink[error]()
	disconnected, onDisconnected := sink[bool]()
	alice.AddConnectionListener("l", cometchat.ConnectionListener{OnDisconnected: func() { onDisconnected(true) }})
	alice.AddMessageListener("closer", cometchat.MessageListener{OnTextMessageReceived: func(*cometchat.TextMessage) {
		onClosed(alice.Close()) // must not wait for the dispatcher running this very callback
	}})
	_, err := bob.SendText(rtCtx(t), "alice", cometchat.ReceiverTypeUser, "close please")
	require.NoError(t, err)
	require.NoError(t, recv(t, closed))
	assert.Equal(t, cometchat.StatusDisconnected, alice.ConnectionStatus())
	assert.ErrorIs(t, alice.Connect(rtCtx(t)), cometchat.ErrClosed)
	_, err = alice.SendText(rtCtx(t), "bob", cometchat.ReceiverTypeUser, "after close")
	assert.ErrorIs(t, err, cometchat.ErrClosed)
	assert.Empty(t, disconnected, "no callbacks after Close")
}

func TestHandlerLogsOutAndDisconnects(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice, bob := e.client("alice"), e.client("bob")
	done, onDone := sink[error]()
	alice.AddMessageListener("l", cometchat.MessageListener{OnTextMessageReceived: func(m *cometchat.TextMessage) {
		if m.Text == "disconnect" {
			onDone(alice.Disconnect())
			return
		}
		onDone(alice.Logout(rtCtx(t)))
	}})
	logout, onLogout := sink[bool]()
	alice.AddLoginListener("l", cometchat.LoginListener{OnLogoutSuccess: func() { onLogout(true) }})
	ctx := rtCtx(t)
	_, err := bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, "disconnect")
	require.NoError(t, err)
	require.NoError(t, recv(t, done))
	require.NoError(t, alice.Connect(ctx))
	_, err = bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, "logout")
	require.NoError(t, err)
	require.NoError(t, recv(t, done))
	assert.True(t, recv(t, logout))
	_, ok := alice.LoggedInUser()
	assert.False(t, ok)
}

func TestPanickingHandlerIsRecoveredAndReported(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice, bob := e.client("alice"), e.client("bob")
	errs, onErr := sink[error]()
	alice.AddConnectionListener("l", cometchat.ConnectionListener{OnError: onErr})
	alice.AddMessageListener("a-panics", cometchat.MessageListener{OnTextMessageReceived: func(*cometchat.TextMessage) { panic("boom") }})
	got := textSink(alice) // registered after the panicking one: still called
	_, err := bob.SendText(rtCtx(t), "alice", cometchat.ReceiverTypeUser, "trigger")
	require.NoError(t, err)
	assert.Equal(t, "trigger", recv(t, got).text)
	var pe *cometchat.HandlerPanicError
	require.True(t, errors.As(recv(t, errs), &pe))
	assert.Equal(t, "a-panics", pe.Listener)
	assert.Equal(t, "OnTextMessageReceived", pe.Callback)
	assert.Equal(t, "boom", pe.Value)
	assert.EqualValues(t, 1, alice.RealtimeStats().HandlerPanics)
}
