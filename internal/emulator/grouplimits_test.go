package emulator

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// limitEnv is an emulator with Config.GroupFeatureLimit 3: group "small" has
// 3 members (at the limit: every feature), group "big" has 4 (above it).
type limitEnv struct {
	*env
	hdr map[string]h
	jwt map[string]string
}

func newLimitEnv(t *testing.T) *limitEnv {
	e := &limitEnv{env: newEnv(t, Config{GroupFeatureLimit: 3}), hdr: map[string]h{}, jwt: map[string]string{}}
	for _, uid := range []string{"alice", "bob", "carol", "dave"} {
		e.hdr[uid], e.jwt[uid] = e.login(uid, uid)
	}
	for guid, members := range map[string][]string{"small": {"bob", "carol"}, "big": {"bob", "carol", "dave"}} {
		r := e.do("POST", "/v3.0/groups", e.hdr["alice"], map[string]any{"guid": guid, "name": guid, "type": "public"})
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		for _, uid := range members {
			r = e.do("POST", "/v3.0/groups/"+guid+"/members", e.hdr[uid], map[string]any{"guid": guid, "type": "public"})
			require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		}
	}
	return e
}

func TestGroupFeatureLimitDefaultsTo300(t *testing.T) {
	cfg, err := Config{}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, 300, cfg.GroupFeatureLimit)
	cfg, err = Config{GroupFeatureLimit: 3}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, 3, cfg.GroupFeatureLimit)
}

func TestGroupFeatureLimitStopsTypingRelay(t *testing.T) {
	e := newLimitEnv(t)
	alice := e.connect(e.jwt["alice"], "dev-alice", "")
	bob := e.connect(e.jwt["bob"], "dev-bob", "")
	typing := func(guid string) {
		alice.send(map[string]any{"receiver": guid, "receiverType": "group", "deviceId": "dev-alice",
			"type": "typing_indicator", "body": map[string]any{"action": "started"}})
	}
	// Frames of one connection are handled in order, so had "big" been
	// relayed it would reach bob before "small".
	typing("big")
	typing("small")
	f := bob.next("typing_indicator")
	assert.Equal(t, "small", f["receiver"], "typing in a group above the limit is not relayed")
}

func TestGroupFeatureLimitStopsReceiptsAndAggregates(t *testing.T) {
	e := newLimitEnv(t)
	alice := e.connect(e.jwt["alice"], "dev-alice", "")
	bob := e.connect(e.jwt["bob"], "dev-bob", "")
	carol := e.connect(e.jwt["carol"], "dev-carol", "")
	bigID := sendText(e.env, e.hdr["alice"], "big", "group", "big news").data()["id"].(string)
	smallID := sendText(e.env, e.hdr["alice"], "small", "group", "small news").data()["id"].(string)
	read := func(w *wsClient, uid, guid, id string) {
		w.send(map[string]any{"receiver": guid, "receiverType": "group", "deviceId": "dev-" + uid, "type": "receipts",
			"messageSender": "alice", "body": map[string]any{"action": "read", "messageId": id}})
	}
	// Everyone but alice reads the big group's message: no receipts, no readByAll.
	dave := e.connect(e.jwt["dave"], "dev-dave", "")
	read(dave, "dave", "big", bigID)
	dave.none("receipts") // the pong proves dave's receipt was handled
	read(bob, "bob", "big", bigID)
	read(carol, "carol", "big", bigID)
	// The small group still gets both. Each connection's frames are handled in
	// order, so anything the big group produced would reach alice first.
	read(bob, "bob", "small", smallID)
	read(carol, "carol", "small", smallID)
	var actions []string
	for range 3 {
		f := alice.next("receipts")
		assert.Equal(t, "small", f["receiver"], "no receipts frame for the big group: %v", f)
		actions = append(actions, f["body"].(map[string]any)["action"].(string))
	}
	assert.Equal(t, []string{"read", "read", "deliveredToAll"}, actions[:3])
	assert.Equal(t, "readByAll", alice.next("receipts")["body"].(map[string]any)["action"])

	// The read position still moved in the big group.
	r := e.do("GET", "/v3.0/groups/big/conversation", e.hdr["bob"], nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, bigID, r.data()["lastReadMessageId"])
}

func TestGroupFeatureLimitStopsUnreadCounts(t *testing.T) {
	e := newLimitEnv(t)
	for _, guid := range []string{"big", "small"} {
		sendText(e.env, e.hdr["alice"], guid, "group", "hello <@uid:bob>")
	}
	unread := func() map[string]any {
		r := e.do("GET", "/v3.0/conversations", e.hdr["bob"], nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		out := map[string]any{}
		for _, c := range r.body["data"].([]any) {
			cm := c.(map[string]any)
			out[cm["conversationId"].(string)] = []any{cm["unreadMessageCount"], cm["unreadMentionsCount"]}
		}
		return out
	}
	assert.Equal(t, map[string]any{
		"group_big":   []any{"0", float64(0)},
		"group_small": []any{"1", float64(1)},
	}, unread())

	r := e.do("GET", "/v3.0/messages?unread=1&count=1", e.hdr["bob"], nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, []any{map[string]any{"entityId": "small", "entityType": "group", "count": float64(1)}}, r.body["data"])

	// Once dave leaves, the big group is at the limit and counts come back.
	r = e.do("DELETE", "/v3.0/groups/big/members", e.hdr["dave"], nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, []any{"1", float64(1)}, unread()["group_big"])
}
