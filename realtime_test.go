package cometchat

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat/internal/realtime"
)

// Wire-exact tests of the frames the Client writes, over an in-memory connection.

// memConn is a realtime.Conn whose server side is the test.
type memConn struct {
	toClient chan []byte
	written  chan []byte
	once     sync.Once
	closed   chan struct{}
}

func newMemConn() *memConn {
	return &memConn{toClient: make(chan []byte, 16), written: make(chan []byte, 64), closed: make(chan struct{})}
}

func (m *memConn) Read(ctx context.Context) ([]byte, error) {
	select {
	case b := <-m.toClient:
		return b, nil
	case <-m.closed:
		return nil, net.ErrClosed
	case <-ctx.Done():
		_ = m.CloseNow()
		return nil, ctx.Err()
	}
}

func (m *memConn) Write(ctx context.Context, b []byte) error {
	select {
	case <-m.closed:
		return net.ErrClosed
	default:
	}
	var f map[string]any
	_ = json.Unmarshal(b, &f)
	switch {
	case f["type"] == "auth":
		m.toClient <- []byte(`{"type":"auth","body":{"status":"OK","code":"200"}}`)
	case f["action"] == "ping":
		m.toClient <- []byte(`{"action":"pong"}`)
	}
	m.written <- append([]byte(nil), b...)
	return nil
}

func (m *memConn) Close(int, string) error { return m.CloseNow() }

func (m *memConn) CloseNow() error {
	m.once.Do(func() { close(m.closed) })
	return nil
}

// memClient returns a Client logged in as alice on the fake service, whose realtime connection is
// conn.
func memClient(t *testing.T, conn *memConn, presence PresenceSubscription) *Client {
	t.Helper()
	f := newFakeService(t)
	f.reply("PUT /v3.0/me", 200, mePayloadJSON("alice", "tok"))
	st := f.settings()
	st.DisableAutoConnect = false
	st.Presence = presence
	c, err := Init(st, WithCatchUp(false), WithDeviceID("app1_device_1"),
		withDialer(func(context.Context, string) (realtime.Conn, error) { return conn, nil }))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err = c.LoginWithAuthToken(ctx, "tok")
	require.NoError(t, err)
	require.NoError(t, c.Connect(ctx))
	return c
}

func nextWritten(t *testing.T, conn *memConn) map[string]any {
	t.Helper()
	select {
	case b := <-conn.written:
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("nothing written")
	}
	return nil
}

func TestClientAuthFrame(t *testing.T) {
	conn := newMemConn()
	c := memClient(t, conn, PresenceSubscription{Mode: PresenceRoles, Roles: []string{"vip", "staff"}})
	f := nextWritten(t, conn)
	assert.Equal(t, "auth", f["type"])
	assert.Equal(t, "app1", f["appId"])
	assert.Equal(t, "alice", f["sender"])
	assert.Equal(t, c.SessionID(), f["deviceId"])
	body := f["body"].(map[string]any)
	assert.Equal(t, "jwt-tok", body["auth"], "the JWT of the Me payload")
	assert.Equal(t, c.SessionID(), body["deviceId"])
	assert.Equal(t, "ROLES", body["presenceSubscription"])
	assert.Equal(t, []any{"vip", "staff"}, body["roles"])
	params := body["params"].(map[string]any)
	assert.Equal(t, "app1_device_1", params["deviceId"])
	assert.Equal(t, "go", params["platform"])
	info := params["appInfo"].(map[string]any)
	assert.Equal(t, Version, info["version"])
	assert.Equal(t, "v3.0", info["apiVersion"])
	assert.InDelta(t, float64(time.Now().UnixMilli()), info["uts"], 60_000)
}

// exampleFrame loads a client frame of the spec's examples.
func exampleFrame(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile("testdata/ws_client_frames.json")
	require.NoError(t, err)
	var all map[string]map[string]any
	require.NoError(t, json.Unmarshal(b, &all))
	return all[name]
}

// optionalUserKeys are the keys of {me} in frames that appear only when set.
var optionalUserKeys = map[string]bool{"avatar": true, "link": true, "role": true, "metadata": true,
	"statusMessage": true, "tags": true, "lastActiveAt": true}

// sameKeys asserts that got has exactly the keys of want, recursively for objects.
func sameKeys(t *testing.T, want, got map[string]any, path string) {
	t.Helper()
	for k, wv := range want {
		gv, ok := got[k]
		if !assert.True(t, ok, "%s.%s missing", path, k) {
			continue
		}
		if wm, ok := wv.(map[string]any); ok {
			if gm, ok := gv.(map[string]any); assert.True(t, ok, "%s.%s is not an object", path, k) {
				sameKeys(t, wm, gm, path+"."+k)
			}
		}
	}
	for k := range got {
		_, ok := want[k]
		if strings.HasSuffix(path, ".body.user") && optionalUserKeys[k] {
			continue // {me} carries these only when set (client-protocol.md §7.4)
		}
		assert.True(t, ok, "%s.%s is not in the spec's frame", path, k)
	}
}

func TestClientFramesMatchTheSpec(t *testing.T) {
	conn := newMemConn()
	c := memClient(t, conn, PresenceSubscription{})
	nextWritten(t, conn) // auth
	ctx := t.Context()

	require.NoError(t, c.StartTyping(ctx, "bob", ReceiverTypeUser, map[string]any{"draft": true}))
	typing := nextWritten(t, conn)
	sameKeys(t, exampleFrame(t, "typing_started"), typing, "typing")
	assert.Equal(t, "typing_indicator", typing["type"])
	assert.Equal(t, "bob", typing["receiver"])
	assert.Equal(t, "user", typing["receiverType"])
	assert.Equal(t, c.SessionID(), typing["deviceId"])
	assert.Equal(t, "started", typing["body"].(map[string]any)["action"])
	require.NoError(t, c.StartTyping(ctx, "bob", ReceiverTypeUser, nil)) // not re-sent
	require.NoError(t, c.EndTyping(ctx, "bob", ReceiverTypeUser, nil))
	ended := nextWritten(t, conn)
	assert.Equal(t, "ended", ended["body"].(map[string]any)["action"])
	assert.Equal(t, "user", ended["receiverType"], "never the official SDK's chat/groupchat")

	require.NoError(t, c.MarkAsReadByID(ctx, 11, "bob", ReceiverTypeUser, "bob"))
	receipt := nextWritten(t, conn)
	sameKeys(t, exampleFrame(t, "receipt_read"), receipt, "receipt")
	assert.Equal(t, "bob", receipt["messageSender"])
	assert.Equal(t, "11", receipt["body"].(map[string]any)["messageId"], "the message id travels as a string")

	require.NoError(t, c.SendTransientMessage(ctx, "team-1", ReceiverTypeGroup, map[string]any{"LIVE_REACTION": "heart"}))
	transient := nextWritten(t, conn)
	sameKeys(t, exampleFrame(t, "transient"), transient, "transient")
	assert.Equal(t, "group", transient["receiverType"])
}

func TestRealtimeOptionsValidation(t *testing.T) {
	st := AppSettings{AppID: "a"}
	for name, opt := range map[string]Option{
		"negative backoff":     WithReconnectPolicy(ReconnectPolicy{BaseDelay: -1}),
		"pong after interval":  WithHeartbeat(Heartbeat{Interval: time.Second, PongTimeout: 2 * time.Second}),
		"empty buffer":         WithEventBuffer(0),
		"tiny read limit":      WithReadLimit(10),
		"zero ring timeout":    WithRingTimeout(0),
		"factor below one":     WithReconnectPolicy(ReconnectPolicy{Factor: 0.5}),
		"read idle too short":  WithHeartbeat(Heartbeat{Interval: 10 * time.Second, ReadIdle: time.Second}),
		"base above the cap":   WithReconnectPolicy(ReconnectPolicy{BaseDelay: time.Minute, MaxDelay: time.Second}),
		"negative max attempt": WithReconnectPolicy(ReconnectPolicy{MaxAttempts: -1}),
	} {
		_, err := Init(st, opt)
		assert.ErrorIs(t, err, ErrInvalidAppSettings, name)
	}
	_, err := Init(st, WithReconnectPolicy(ReconnectPolicy{BaseDelay: time.Second, MaxDelay: time.Minute, MaxAttempts: 5}),
		WithHeartbeat(Heartbeat{Interval: 20 * time.Second}), WithEventBuffer(10), WithReadLimit(1<<16), WithRingTimeout(time.Minute))
	assert.NoError(t, err)
}

func TestRealtimeNeedsALogin(t *testing.T) {
	c, err := Init(AppSettings{AppID: "a"})
	require.NoError(t, err)
	defer c.Close()
	assert.ErrorIs(t, c.Connect(t.Context()), ErrNotLoggedIn)
	assert.ErrorIs(t, c.StartTyping(t.Context(), "bob", ReceiverTypeUser, nil), ErrNotLoggedIn)
	assert.Equal(t, StatusDisconnected, c.ConnectionStatus())
	assert.ErrorIs(t, c.StartTyping(t.Context(), "bob", "chat", nil), ErrInvalidReceiverType)
}

func TestWebSocketURLFromSettings(t *testing.T) {
	c, err := Init(AppSettings{AppID: "a"})
	require.NoError(t, err)
	defer c.Close()
	var s ServerSettings
	require.NoError(t, json.Unmarshal([]byte(`{"CHAT_HOST":"a.websocket-eu.cometchat.io","CHAT_HOST_OVERRIDE":"","CHAT_WSS_PORT":443}`), &s))
	u, err := c.websocketURL(&session{settings: s})
	require.NoError(t, err)
	assert.Equal(t, "wss://a.websocket-eu.cometchat.io:443", u)
	_, err = c.websocketURL(&session{})
	assert.ErrorIs(t, err, ErrNoWebSocketConnection)
}
