package emulator

import (
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPresenceFanoutStopsAboveTheCap(t *testing.T) {
	e := newEnv(t, Config{PresenceFanoutLimit: 2})
	_, watcherJWT := e.login("watcher", "W")
	_, aJWT := e.login("ann", "A")
	_, bJWT := e.login("ben", "B")
	watcher := e.connect(watcherJWT, "dev-w", "ALL_USERS")
	ann := e.connect(aJWT, "dev-a", "ALL_USERS")
	assert.Equal(t, "ann", watcher.next("presence")["sender"], "two online: at the cap, fan-out on")

	var online []Event
	defer e.s.OnEvent(func(ev Event) {
		if ev.Kind == EventUserOnline || ev.Kind == EventUserOffline {
			online = append(online, ev) // runs under the state lock, like every sink
		}
	})()
	ben := e.connect(bJWT, "dev-b", "ALL_USERS")
	watcher.none("presence")
	ann.none("presence")
	require.NoError(t, ben.c.Close(websocket.StatusNormalClosure, "bye"))
	// Back at two online users: the offline of ben is fanned out again.
	f := watcher.next("presence")
	assert.Equal(t, "ben", f["sender"])
	assert.Equal(t, "offline", f["body"].(map[string]any)["action"])
	assert.Equal(t, "offline", ann.next("presence")["body"].(map[string]any)["action"])

	e.s.mu.Lock()
	defer e.s.mu.Unlock()
	require.Len(t, online, 2, "the events are published whatever the cap")
	assert.Equal(t, EventUserOnline, online[0].Kind)
	assert.Equal(t, EventUserOffline, online[1].Kind)
}

func TestPresenceFanoutLimitDefault(t *testing.T) {
	s, err := New(Config{})
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, 1000, s.cfg.PresenceFanoutLimit)
}
