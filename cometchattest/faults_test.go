package cometchattest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/cometchattest"
)

// waitFor receives from ch or fails the test after a generous bound (a hang, not a timing check).
func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func TestFaultInjectionThroughTheTestServer(t *testing.T) {
	srv := cometchattest.NewServer(t)
	srv.CreateUser(t, "bot", "Bot")
	srv.CreateUser(t, "alice", "Alice")

	connected := make(chan struct{}, 16)
	texts := make(chan *cometchat.TextMessage, 16)
	bot := srv.NewClient(t)
	bot.AddConnectionListener("t", cometchat.ConnectionListener{OnConnected: func() { connected <- struct{}{} }})
	bot.AddMessageListener("t", cometchat.MessageListener{OnTextMessageReceived: func(m *cometchat.TextMessage) { texts <- m }})
	_, err := bot.Login(context.Background(), "bot", srv.AuthKey())
	require.NoError(t, err)
	waitFor(t, connected, "the first connection")
	assert.Equal(t, 1, srv.OnlineSessions("bot"))

	// A dropped link comes back by itself.
	assert.Equal(t, 1, srv.DropConnections("bot"))
	waitFor(t, connected, "the reconnection")
	assert.Equal(t, cometchat.StatusConnected, bot.ConnectionStatus())

	// A message sent while the socket is refused arrives once it is back (catch-up).
	srv.RefuseConnections(time.Hour)
	assert.GreaterOrEqual(t, srv.DropAllConnections(), 1)
	alice := srv.Login(t, "alice")
	_, err = alice.SendText(context.Background(), "bot", cometchat.ReceiverTypeUser, "while you were away")
	require.NoError(t, err)
	srv.RefuseConnections(0)
	m := waitFor(t, texts, "the missed message")
	assert.Equal(t, "while you were away", m.Text)
	assert.True(t, m.Replayed, "delivered by catch-up, marked as replayed")

	// PushFrame reaches the listener like a frame of the service.
	n, err := srv.PushFrame("bot", map[string]any{"type": "message", "sender": "alice", "receiver": "bot", "receiverType": "user",
		"body": map[string]any{"id": "9999", "category": "message", "type": "text", "sender": "alice", "receiver": "bot",
			"receiverType": "user", "sentAt": 1700000000, "data": map[string]any{"text": "pushed"}}})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, "pushed", waitFor(t, texts, "the pushed frame").Text)
}
