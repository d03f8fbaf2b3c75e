package emulator

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewState(t *testing.T) {
	cfg, err := Config{AuthKey: "a", RESTAPIKey: "r"}.withDefaults()
	require.NoError(t, err)
	st := newState(cfg, 42)
	assert.Equal(t, scopeAuthOnly, st.APIKeys["a"].Scope)
	assert.Equal(t, scopeFullAccess, st.APIKeys["r"].Scope)
	require.Contains(t, st.Roles, "default")
	assert.Equal(t, int64(42), st.CreatedAt)
}

func TestMessagesStayInIDOrder(t *testing.T) {
	cfg, _ := Config{}.withDefaults()
	st := newState(cfg, 1)
	for range 3 {
		id := st.nextMessageID()
		st.appendMessage(&messageRecord{ID: id, Category: "message", Type: "text"})
	}
	require.Len(t, st.Messages, 3)
	for i, m := range st.Messages {
		assert.Equal(t, int64(i+1), m.ID)
	}
	m, ok := st.message(2)
	require.True(t, ok)
	assert.Equal(t, int64(2), m.ID)
	_, ok = st.message(9)
	assert.False(t, ok)
}

// The whole state survives a JSON round trip, including the derived indexes
// once reindexed: the basis of snapshot export/import.
func TestStateSnapshotRoundTrip(t *testing.T) {
	e := newEnv(t, Config{})
	hdr := e.user("alice", "Alice")
	e.s.mu.Lock()
	st := e.s.st
	st.appendMessage(&messageRecord{ID: st.nextMessageID(), Sender: "alice", Receiver: "bob",
		ReceiverType: "user", Category: "message", Type: "text", Data: json.RawMessage(`{"text":"hi"}`)})
	st.Friends["alice"] = map[string]int64{"bob": 5}
	st.Receipts[1] = map[string]*receiptRecord{"bob": {UID: "bob", DeliveredAt: 7}}
	b, err := st.snapshot()
	e.s.mu.Unlock()
	require.NoError(t, err)

	back, err := restoreState(b)
	require.NoError(t, err)
	assert.Equal(t, "alice", back.Users["alice"].UID)
	u, ok := back.tokenUser(hdr["authToken"])
	require.True(t, ok)
	assert.Equal(t, "alice", u.UID)
	m, ok := back.message(1)
	require.True(t, ok)
	assert.JSONEq(t, `{"text":"hi"}`, string(m.Data))
	assert.Equal(t, int64(1), back.LastMessageID)
	assert.Equal(t, int64(7), back.Receipts[1]["bob"].DeliveredAt)

	b2, err := back.snapshot()
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(b2))
}

func TestActiveUser(t *testing.T) {
	cfg, _ := Config{}.withDefaults()
	st := newState(cfg, 1)
	st.Users["a"] = &userRecord{UID: "a"}
	st.Users["d"] = &userRecord{UID: "d", DeactivatedAt: 1}
	st.Users["x"] = &userRecord{UID: "x", DeletedAt: 1}
	_, ok := st.activeUser("A")
	assert.True(t, ok, "lookup is case-insensitive")
	_, ok = st.activeUser("d")
	assert.False(t, ok)
	_, ok = st.activeUser("x")
	assert.False(t, ok)
}

// A retried send (same sender and muid) returns the first message, also after a snapshot import
// rebuilt the indexes; the same muid from another sender is another message.
func TestMUIDDeduplicationSurvivesImport(t *testing.T) {
	e := newEnv(t, Config{})
	alice := e.user("alice", "Alice")
	bob := e.user("bob", "Bob")
	send := func(hdr h, to string) string {
		t.Helper()
		r := e.do("POST", "/v3.0/messages", hdr, map[string]any{"receiver": to, "receiverType": "user",
			"category": "message", "type": "text", "data": map[string]any{"text": "hi"}, "muid": "m-1"})
		require.Equal(t, 200, r.status, string(r.raw))
		id, _ := r.data()["id"].(string)
		return id
	}
	first := send(alice, "bob")
	assert.Equal(t, first, send(alice, "bob"))
	assert.NotEqual(t, first, send(bob, "alice"), "muids are per sender")

	snap, err := e.s.Snapshot()
	require.NoError(t, err)
	require.NoError(t, e.s.Import(bytes.NewReader(snap)))
	assert.Equal(t, first, send(alice, "bob"))
}
