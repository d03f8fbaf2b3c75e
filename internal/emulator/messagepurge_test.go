package emulator

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPermanentDeleteRemovesTheMessageAndWhatHangsOffIt(t *testing.T) {
	e := newGroupEnv(t)
	rec := e.record()
	first := e.send(e.alice, text("bob", "user", "first"))["id"].(string)
	doomed := e.send(e.alice, text("bob", "user", "doomed"))["id"].(string)
	id, _ := strconv.ParseInt(doomed, 10, 64)
	reply := e.send(e.bob, map[string]any{"receiver": "alice", "receiverType": "user", "category": "message",
		"type": "text", "data": map[string]any{"text": "in the thread"}, "parentId": doomed})["id"].(string)
	replyID, _ := strconv.ParseInt(reply, 10, 64)
	for _, call := range []struct {
		method, path string
		hdr          h
		body         any
	}{
		{"POST", "/v3.0/messages/" + doomed + "/reactions/%F0%9F%91%8D", e.bob, nil},
		{"POST", "/v3.0/messages/" + reply + "/reactions/%E2%9D%A4", e.alice, nil},
		{"POST", "/v3.0/messages/" + doomed + "/pin", e.bob, nil},
		{"POST", "/v3.0/messages/" + doomed + "/save", e.bob, nil},
		{"POST", "/v3.0/messages/" + doomed + "/thread/subscription", e.alice, nil},
		{"POST", "/v3.0/users/alice/conversation/delivered", e.bob, map[string]any{"messageId": doomed}},
		{"PUT", "/v3.0/messages/" + doomed, e.alice, map[string]any{"data": map[string]any{"text": "doomed!"}}},
	} {
		r := e.do(call.method, call.path, call.hdr, call.body)
		require.Equal(t, http.StatusOK, r.status, "%s %s: %s", call.method, call.path, r.raw)
	}
	conv := e.do("GET", "/v3.0/users/alice/conversation", e.bob, nil).data()
	assert.Equal(t, "doomed!", dig(conv, "lastMessage", "data", "text"), "the edited message is the last one")

	r := e.do("DELETE", "/v3/messages/"+doomed, e.admin(), map[string]any{"permanent": true})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, map[string]any{"success": true, "message": "The message " + doomed + " has been deleted permanently."}, r.data())

	for _, gone := range []string{doomed, reply} {
		r = e.do("GET", "/v3.0/messages/"+gone, e.alice, nil)
		assert.Equal(t, "ERR_MESSAGE_ID_NOT_FOUND", r.code(), gone)
		r = e.do("GET", "/v3/messages/"+gone, e.admin(), nil)
		assert.Equal(t, "ERR_MESSAGE_ID_NOT_FOUND", r.code(), gone)
	}
	// History keeps only the first message: the reply and the "edited" notice went with it.
	r = e.do("GET", "/v3.0/users/bob/messages?per_page=50", e.alice, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, []string{first}, ids(r))
	// Both sides' conversation falls back to the message before.
	for _, who := range []struct {
		hdr  h
		with string
	}{{e.alice, "bob"}, {e.bob, "alice"}} {
		conv := e.do("GET", "/v3.0/users/"+who.with+"/conversation", who.hdr, nil).data()
		assert.Equal(t, first, dig(conv, "lastMessage", "id"), who.with)
		assert.Equal(t, first, conv["latestMessageId"], who.with)
	}
	conv = e.do("GET", "/v3.0/users/alice/conversation", e.bob, nil).data()
	assert.Equal(t, "1", conv["unreadMessageCount"], "the removed message no longer counts as unread")
	assert.Len(t, e.do("GET", "/v3.0/messages?saved=1&per_page=30", e.bob, nil).body["data"], 0)

	e.s.mu.Lock()
	for _, x := range []int64{id, replyID} {
		assert.NotContains(t, e.s.st.Reactions, x)
		assert.NotContains(t, e.s.st.Receipts, x)
		_, ok := e.s.st.message(x)
		assert.False(t, ok)
	}
	for _, pins := range e.s.st.Pins {
		assert.NotContains(t, pins, id)
	}
	for _, subs := range e.s.st.ThreadSubscriptions {
		assert.NotContains(t, subs, id)
	}
	for i, m := range e.s.st.Messages {
		assert.Equal(t, i, e.s.st.messageIndex[m.ID], "the index follows the shorter list")
	}
	e.s.mu.Unlock()

	// Connected clients hear of it as of a delete, through a notice that is not stored.
	evs := rec.of(EventMessageDeleted)
	require.Len(t, evs, 1)
	f := frameJSON(t, evs[0])
	assert.Equal(t, "deleted", dig(f, "body", "data", "action"))
	assert.Equal(t, doomed, dig(f, "body", "data", "entities", "on", "entity", "id"))
	assert.NotNil(t, dig(f, "body", "data", "entities", "on", "entity", "deletedAt"))
	assert.Equal(t, "app_system", dig(f, "body", "sender"))
	assert.ElementsMatch(t, []string{"alice", "bob"}, evs[0].Recipients, "both parties, though app_system deleted it")
	assert.Equal(t, "message_deleted", evs[0].Trigger)
	notice := dig(f, "body", "id").(string)
	assert.Equal(t, "ERR_MESSAGE_ID_NOT_FOUND", e.do("GET", "/v3.0/messages/"+notice, e.alice, nil).code())

	// Ids are never reused.
	next := e.send(e.alice, text("bob", "user", "next"))["id"].(string)
	n, _ := strconv.ParseInt(next, 10, 64)
	nid, _ := strconv.ParseInt(notice, 10, 64)
	assert.Greater(t, n, nid)
	assert.Equal(t, "ERR_MESSAGE_ID_NOT_FOUND", e.do("DELETE", "/v3/messages/"+doomed, e.admin(), map[string]any{"permanent": true}).code())
}

func TestPermanentDeleteRightsAndModes(t *testing.T) {
	e := newGroupEnv(t)
	e.group("g1", "public", "")
	e.add("g1", "bob", "carol")
	m := e.send(e.bob, text("g1", "group", "by bob"))["id"].(string)

	// onBehalfOf applies the soft delete's rights: a participant may not remove another's message.
	r := e.do("DELETE", "/v3/messages/"+m, h{"apikey": e.s.RESTAPIKey(), "onBehalfOf": "carol"}, map[string]any{"permanent": true})
	assert.Equal(t, "ERR_MESSAGE_NOT_A_SENDER", r.code())
	assert.Equal(t, http.StatusOK, e.do("GET", "/v3.0/messages/"+m, e.bob, nil).status, "still there")

	// Without the flag the server API soft-deletes and answers the action message.
	r = e.do("DELETE", "/v3/messages/"+m, e.admin(), map[string]any{"permanent": false})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, "deleted", dig(r.data(), "data", "action"))
	assert.NotNil(t, dig(e.do("GET", "/v3.0/messages/"+m, e.bob, nil).data(), "deletedAt"))
	// A soft-deleted message can still be removed, by the group owner on behalf, with the query flag.
	r = e.do("DELETE", "/v3/messages/"+m+"?permanent=true", h{"apikey": e.s.RESTAPIKey(), "onBehalfOf": "alice"}, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, true, r.data()["success"])
	assert.Equal(t, "ERR_MESSAGE_ID_NOT_FOUND", e.do("GET", "/v3.0/messages/"+m, e.bob, nil).code())

	// The client API has no permanent delete: the flag is ignored there.
	c := e.send(e.carol, text("g1", "group", "by carol"))["id"].(string)
	r = e.do("DELETE", "/v3.0/messages/"+c, e.carol, map[string]any{"permanent": true})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, "deleted", dig(r.data(), "data", "action"))
	assert.Equal(t, http.StatusOK, e.do("GET", "/v3.0/messages/"+c, e.carol, nil).status, "soft-deleted, still stored")

	r = e.do("DELETE", "/v3/messages/"+c, e.admin(), map[string]any{"permanent": "maybe"})
	assert.Equal(t, "ERR_BAD_REQUEST", r.code())
	assert.Contains(t, r.errObj()["details"], "permanent")
}

func TestPermanentDeleteInAGroupReachesTheMembers(t *testing.T) {
	e := newGroupEnv(t)
	e.group("g1", "public", "")
	e.add("g1", "bob", "carol")
	keep := e.send(e.alice, text("g1", "group", "keep"))["id"].(string)
	m := e.send(e.bob, text("g1", "group", "oops"))["id"].(string)
	rec := e.record()
	r := e.do("DELETE", "/v3/messages/"+m, h{"apikey": e.s.RESTAPIKey(), "onBehalfOf": "bob"}, map[string]any{"permanent": true})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	evs := rec.of(EventMessageDeleted)
	require.Len(t, evs, 1)
	assert.ElementsMatch(t, []string{"alice", "bob", "carol"}, evs[0].Recipients)
	assert.Equal(t, "bob", dig(frameJSON(t, evs[0]), "body", "data", "entities", "by", "entity", "uid"))
	conv := e.do("GET", "/v3.0/groups/g1/conversation", e.carol, nil).data()
	assert.Equal(t, keep, dig(conv, "lastMessage", "id"))
}
