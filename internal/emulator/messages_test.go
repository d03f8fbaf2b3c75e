package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// text is a text send body as the official SDK serialises it (client-protocol.md §5.4).
func text(receiver, receiverType, body string) map[string]any {
	return map[string]any{"type": "text", "receiverType": receiverType, "category": "message",
		"data": map[string]any{"text": body}, "text": body, "receiver": receiver}
}

// send posts a message and requires success.
func (e *groupEnv) send(from h, body map[string]any) map[string]any {
	e.t.Helper()
	r := e.do("POST", "/v3.0/messages", from, body)
	require.Equal(e.t, http.StatusOK, r.status, "%s", r.raw)
	return r.data()
}

// keyPaths lists every object key path of v ("data.entities.sender.entity.uid", …).
func keyPaths(prefix string, v any, out map[string]bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	for k, child := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		out[p] = true
		keyPaths(p, child, out)
	}
}

// TestSendTextMatchesSpecExample checks the POST messages answer against
// the spec example's shape: every key of the example is present, with the
// same types (id a string, sentAt a number).
func TestSendTextMatchesSpecExample(t *testing.T) {
	e := newGroupEnv(t)
	body := text("bob", "user", "hello")
	body["data"].(map[string]any)["metadata"] = map[string]any{"k": "v"}
	got := e.send(e.alice, body)

	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "client_send_text_message_response.json"))
	require.NoError(t, err)
	var example map[string]any
	require.NoError(t, json.Unmarshal(raw, &example))
	want, have := map[string]bool{}, map[string]bool{}
	keyPaths("", example["data"], want)
	keyPaths("", got, have)
	for p := range want {
		if strings.HasSuffix(p, ".avatar") || strings.HasSuffix(p, ".lastActiveAt") {
			continue // optional user fields alice does not have here
		}
		assert.True(t, have[p], "missing %s", p)
	}
	assert.Equal(t, "alice_user_bob", got["conversationId"])
	assert.IsType(t, "", got["id"])
	assert.IsType(t, float64(0), got["sentAt"])
	assert.Equal(t, "hello", dig(got, "data", "text"))
	assert.Equal(t, "v", dig(got, "data", "metadata", "k"))
	assert.Equal(t, "user", dig(got, "data", "entities", "receiver", "entityType"))
}

func TestMessageIDsIncreaseAndMUIDDeduplicates(t *testing.T) {
	e := newGroupEnv(t)
	a := e.send(e.alice, text("bob", "user", "one"))
	body := text("bob", "user", "two")
	body["muid"] = "m-1"
	b := e.send(e.alice, body)
	again := e.send(e.alice, body) // a retry after a lost response
	assert.Equal(t, b["id"], again["id"], "the retry returns the stored message")
	assert.Equal(t, "m-1", again["muid"])
	assert.Less(t, a["id"].(string), b["id"].(string))
	// The muid is per sender: bob may use the same one.
	bb := text("alice", "user", "bob's")
	bb["muid"] = "m-1"
	c := e.send(e.bob, bb)
	assert.NotEqual(t, b["id"], c["id"])
	e.s.mu.Lock()
	n := len(e.s.st.Messages)
	e.s.mu.Unlock()
	assert.Equal(t, 3, n)
}

func TestSendValidationCodes(t *testing.T) {
	e := newGroupEnv(t)
	huge := strings.Repeat("x", maxMessageChars)
	cases := []struct {
		name string
		body map[string]any
		code string
	}{
		{"no receiver", text("", "user", "hi"), "ERR_EMPTY_RECEIVER"},
		{"bad receiver type", text("bob", "chat", "hi"), "ERR_INVALID_RECEIVER_TYPE"},
		{"empty text", text("bob", "user", "  "), "ERR_EMPTY_MESSAGE_TEXT"},
		{"action category", map[string]any{"receiver": "bob", "receiverType": "user", "category": "action", "type": "x"}, "ERR_INVALID_MESSAGE_CATEGORY"},
		{"no type", map[string]any{"receiver": "bob", "receiverType": "user", "category": "message"}, "ERR_EMPTY_MESSAGE_TYPE"},
		{"bad media type", map[string]any{"receiver": "bob", "receiverType": "user", "category": "message", "type": "gif", "data": map[string]any{"url": "https://x/y"}}, "ERR_INVALID_MESSAGE_TYPE"},
		{"media without file", map[string]any{"receiver": "bob", "receiverType": "user", "category": "message", "type": "image", "data": map[string]any{}}, "ERR_EMPTY_MESSAGE_FILE"},
		{"custom without data", map[string]any{"receiver": "bob", "receiverType": "user", "category": "custom", "type": "poll"}, "ERR_EMPTY_CUSTOM_DATA"},
		{"custom data not an object", map[string]any{"receiver": "bob", "receiverType": "user", "category": "custom", "type": "poll", "data": map[string]any{"customData": "x"}}, "ERR_INVALID_CUSTOM_DATA"},
		{"metadata not an object", map[string]any{"receiver": "bob", "receiverType": "user", "category": "message", "type": "text", "data": map[string]any{"text": "x", "metadata": 3}}, "ERR_INVALID_METADATA"},
		{"oversized", text("bob", "user", huge), "ERR_BAD_REQUEST"},
		{"unknown receiver", text("nobody", "user", "hi"), "ERR_UID_NOT_FOUND"},
		{"unknown group", text("nogroup", "group", "hi"), "ERR_GUID_NOT_FOUND"},
		{"too many mentions", text("bob", "user", mentions(11)), "ERR_BAD_REQUEST"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", "/v3.0/messages", e.alice, tc.body)
			assert.Equal(t, tc.code, r.code(), "%s", r.raw)
			assert.Equal(t, statusFor(tc.code), r.status)
		})
	}
}

func mentions(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "<@uid:u%d> ", i)
	}
	return b.String()
}

func TestSendRights(t *testing.T) {
	e := newGroupEnv(t)
	e.group("g1", "public", "")
	e.add("g1", "bob")

	r := e.do("POST", "/v3.0/messages", e.carol, text("g1", "group", "hi"))
	assert.Equal(t, "ERR_GROUP_NOT_JOINED", r.code(), "only members post")
	e.send(e.bob, text("g1", "group", "member post"))

	e.s.mu.Lock()
	e.s.st.Blocks["alice"] = map[string]int64{"carol": 1}
	e.s.mu.Unlock()
	r = e.do("POST", "/v3.0/messages", e.alice, text("carol", "user", "hi"))
	assert.Equal(t, "ERR_BLOCKED_RECEIVER", r.code(), "sending to a user one blocked")
	r = e.do("POST", "/v3.0/messages", e.carol, text("alice", "user", "hi"))
	assert.Equal(t, "ERR_BLOCKED_SENDER", r.code(), "sending to a user who blocked one")

	r = e.do("POST", "/v3.0/groups/g1/bannedusers/bob", e.alice, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	r = e.do("POST", "/v3.0/messages", e.bob, text("g1", "group", "hi"))
	assert.Equal(t, "ERR_BANNED_GROUPMEMBER", r.code())
}

func TestEditAndDeleteRights(t *testing.T) {
	e := newGroupEnv(t)
	e.group("g1", "public", "")
	e.add("g1", "bob", "carol")
	rec := e.record()
	m := e.send(e.bob, text("g1", "group", "typo"))
	id := m["id"].(string)

	r := e.do("PUT", "/v3.0/messages/"+id, e.carol, map[string]any{"data": map[string]any{"text": "hijack"}})
	assert.Equal(t, "ERR_MESSAGE_NOT_A_SENDER", r.code(), "only the sender edits")
	r = e.do("PUT", "/v3.0/messages/"+id, e.alice, map[string]any{"data": map[string]any{"text": "admin edit"}})
	assert.Equal(t, "ERR_MESSAGE_NOT_A_SENDER", r.code(), "not even an admin edits")

	r = e.do("PUT", "/v3.0/messages/"+id, e.bob, map[string]any{"id": id, "type": "text", "data": map[string]any{"text": "fixed"}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	act := r.data()
	assert.Equal(t, "action", act["category"])
	assert.Equal(t, "message", act["type"])
	assert.Equal(t, "edited", dig(act, "data", "action"))
	assert.Equal(t, "fixed", dig(act, "data", "entities", "on", "entity", "data", "text"))
	assert.NotNil(t, dig(act, "data", "entities", "on", "entity", "editedAt"))
	assert.Equal(t, "bob", dig(act, "data", "entities", "on", "entity", "editedBy"))
	require.Len(t, rec.of(EventMessageEdited), 1)
	assert.Equal(t, "message_edited", rec.of(EventMessageEdited)[0].Trigger)

	r = e.do("DELETE", "/v3.0/messages/"+id, e.carol, map[string]any{"id": id})
	assert.Equal(t, "ERR_MESSAGE_NOT_A_SENDER", r.code(), "a participant cannot delete others' messages")
	r = e.do("PUT", "/v3.0/groups/g1/members/carol", e.alice, map[string]any{"scope": "moderator"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	r = e.do("DELETE", "/v3.0/messages/"+id, e.carol, map[string]any{"id": id})
	require.Equal(t, http.StatusOK, r.status, "a moderator deletes: %s", r.raw)
	assert.Equal(t, "deleted", dig(r.data(), "data", "action"))
	assert.Equal(t, "carol", dig(r.data(), "data", "entities", "on", "entity", "deletedBy"))
	require.Len(t, rec.of(EventMessageDeleted), 1)

	// 1:1: only the sender deletes.
	d := e.send(e.alice, text("bob", "user", "mine"))
	r = e.do("DELETE", "/v3.0/messages/"+d["id"].(string), e.bob, nil)
	assert.Equal(t, "ERR_MESSAGE_NOT_A_SENDER", r.code())
	r = e.do("DELETE", "/v3.0/messages/"+d["id"].(string), e.carol, nil)
	assert.Equal(t, "ERR_MESSAGE_ID_NOT_FOUND", r.code(), "strangers do not see the message")
}

func TestMessageFramesReachBothPartiesWithTheSendingDevice(t *testing.T) {
	e := newGroupEnv(t)
	rec := e.record()
	e.send(e.alice, text("bob", "user", "hi"))
	evs := rec.of(EventMessageSent)
	require.Len(t, evs, 1)
	ev := evs[0]
	assert.ElementsMatch(t, []string{"alice", "bob"}, ev.Recipients)
	f := frameJSON(t, ev)
	assert.Equal(t, "message", f["type"])
	assert.Equal(t, e.alice["resource"], f["deviceId"])
	assert.Equal(t, "bob", f["receiver"])
	assert.Equal(t, "user", f["receiverType"])
	assert.Equal(t, "alice", f["sender"])
	assert.Equal(t, "hi", dig(f, "body", "data", "text"))
	assert.Equal(t, "message_sent", ev.Trigger)
	assert.Equal(t, "hi", dig(mustJSON(t, ev.WebhookData), "message", "data", "text"))
}

func mustJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func TestThreadsCountRepliesAndRefuseNesting(t *testing.T) {
	e := newGroupEnv(t)
	p := e.send(e.alice, text("bob", "user", "parent"))
	pid := p["id"].(string)
	r := e.do("POST", "/v3.0/messages/"+pid+"/thread", e.bob, text("alice", "user", "reply 1"))
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	reply := r.data()
	assert.Equal(t, pid, reply["parentId"])
	e.do("POST", "/v3.0/messages/"+pid+"/thread", e.alice, text("bob", "user", "reply 2"))
	r = e.do("POST", "/v3.0/messages/"+reply["id"].(string)+"/thread", e.alice, text("bob", "user", "nested"))
	assert.Equal(t, "ERR_MESSAGE_THREAD_NESTING", r.code())
	r = e.do("POST", "/v3.0/messages/"+pid+"/thread", e.carol, text("alice", "user", "wrong thread"))
	assert.Equal(t, "ERR_MESSAGE_ID_NOT_FOUND", r.code(), "carol cannot see the parent")

	got := e.do("GET", "/v3.0/messages/"+pid, e.alice, nil)
	assert.EqualValues(t, 2, got.data()["replyCount"])
	list := e.do("GET", "/v3.0/messages/"+pid+"/thread?per_page=10", e.alice, nil)
	assert.Len(t, list.body["data"], 2)
	list = e.do("GET", "/v3.0/users/bob/messages?per_page=10&hideReplies=true", e.alice, nil)
	assert.Len(t, list.body["data"], 1)
}

// ids returns the ids of a list answer.
func ids(r reply) []string {
	var out []string
	for _, m := range r.body["data"].([]any) {
		out = append(out, m.(map[string]any)["id"].(string))
	}
	return out
}

func TestCursorListsBothAffixes(t *testing.T) {
	e := newGroupEnv(t)
	var all []string
	for i := range 7 {
		all = append(all, e.send(e.alice, text("bob", "user", fmt.Sprint("m", i)))["id"].(string))
	}
	r := e.do("GET", "/v3.0/users/bob/messages?per_page=3&affix=prepend", e.alice, nil)
	assert.Equal(t, all[4:], ids(r), "the newest page, ascending")
	meta := r.body["meta"].(map[string]any)
	assert.EqualValues(t, 3, dig(meta, "pagination", "total_pages"))
	assert.Equal(t, "prepend", dig(meta, "cursor", "affix"))
	assert.Equal(t, all[4], fmt.Sprint(dig(meta, "cursor", "id")))

	r = e.do("GET", "/v3.0/users/bob/messages?per_page=3&affix=prepend&id="+all[4], e.alice, nil)
	assert.Equal(t, all[1:4], ids(r))
	r = e.do("GET", "/v3.0/users/bob/messages?per_page=3&affix=prepend&id="+all[1], e.alice, nil)
	assert.Equal(t, all[:1], ids(r))
	assert.Nil(t, dig(r.body["meta"], "cursor"), "no cursor on the last page")

	r = e.do("GET", "/v3.0/users/bob/messages?per_page=4&affix=append&id="+all[1], e.alice, nil)
	assert.Equal(t, all[2:6], ids(r))
	assert.Equal(t, all[5], fmt.Sprint(dig(r.body["meta"], "cursor", "id")))
	r = e.do("GET", "/v3.0/users/bob/messages?per_page=500&affix=append&id="+all[5], e.alice, nil)
	assert.Equal(t, all[6:], ids(r))
	assert.EqualValues(t, maxMessagePage, dig(r.body["meta"], "pagination", "per_page"), "per_page is clamped")
}

func TestListFiltersNarrow(t *testing.T) {
	e := newGroupEnv(t)
	e.send(e.alice, text("bob", "user", "plain"))
	e.send(e.alice, text("bob", "user", "see https://example.com"))
	e.send(e.alice, text("bob", "user", "hey <@uid:bob>"))
	tagged := text("bob", "user", "tagged")
	tagged["tags"] = []string{"urgent"}
	e.send(e.alice, tagged)
	e.send(e.alice, map[string]any{"receiver": "bob", "receiverType": "user", "category": "message", "type": "image",
		"data": map[string]any{"url": "https://x/cat.png", "attachments": []any{map[string]any{"name": "cat.png", "url": "https://x/cat.png"}}}})
	e.send(e.alice, map[string]any{"receiver": "bob", "receiverType": "user", "category": "custom", "type": "poll",
		"data": map[string]any{"customData": map[string]any{"q": "?"}}})
	react := e.send(e.bob, text("alice", "user", "react to me"))
	e.do("POST", "/v3.0/messages/"+react["id"].(string)+"/reactions/%F0%9F%91%8D", e.alice, nil)

	count := func(query string) int {
		r := e.do("GET", "/v3.0/users/bob/messages?per_page=100&"+query, e.alice, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		return len(r.body["data"].([]any))
	}
	assert.Equal(t, 7, count(""))
	assert.Equal(t, 1, count("hasLinks=1"))
	assert.Equal(t, 1, count("hasMentions=1"))
	assert.Equal(t, 1, count("mentionedUids=bob"))
	assert.Equal(t, 1, count("tags=urgent"))
	assert.Equal(t, 1, count("hasAttachments=1"))
	assert.Equal(t, 1, count("attachmentTypes=image"))
	assert.Equal(t, 0, count("attachmentTypes=video"))
	assert.Equal(t, 1, count("categories=custom"))
	assert.Equal(t, 6, count("categories=message"))
	assert.Equal(t, 5, count("types=text"))
	assert.Equal(t, 1, count("hasReactions=1"))
	assert.Equal(t, 1, count("searchKey=PLAIN"))
	assert.Equal(t, 1, count("searchKey=cat.png"), "search covers attachment names")
	assert.Equal(t, 1, count("unread=1"), "alice has one unread message from bob")
}

func TestConversationsUnreadAndMarks(t *testing.T) {
	e := newGroupEnv(t)
	rec := e.record()
	e.group("g1", "public", "")
	e.add("g1", "bob")
	var last string
	for i := range 3 {
		last = e.send(e.alice, text("bob", "user", fmt.Sprint("hi ", i)))["id"].(string)
	}
	e.send(e.alice, text("g1", "group", "group hi"))

	r := e.do("GET", "/v3.0/conversations?per_page=10", e.bob, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	convs := r.body["data"].([]any)
	require.Len(t, convs, 2)
	first := convs[0].(map[string]any)
	assert.Equal(t, "group_g1", first["conversationId"], "newest first")
	assert.Equal(t, "1", first["unreadMessageCount"], "counts are strings")
	second := convs[1].(map[string]any)
	assert.Equal(t, "alice_user_bob", second["conversationId"])
	assert.Equal(t, "3", second["unreadMessageCount"])
	assert.Equal(t, "hi 2", dig(second, "lastMessage", "data", "text"))
	assert.Equal(t, "alice", dig(second, "conversationWith", "uid"))

	counts := e.do("GET", "/v3.0/messages?unread=1&count=1&hideMessagesFromBlockedUsers=0", e.bob, nil)
	assert.ElementsMatch(t, []any{
		map[string]any{"entityId": "alice", "entityType": "user", "count": float64(3)},
		map[string]any{"entityId": "g1", "entityType": "group", "count": float64(1)},
	}, counts.body["data"])
	counts = e.do("GET", "/v3.0/messages?unread=1&count=1&receiverType=group", e.bob, nil)
	assert.Len(t, counts.body["data"], 1)

	r = e.do("POST", "/v3.0/users/alice/conversation/read", e.bob, map[string]any{})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	reads := rec.of(EventMessageRead)
	require.Len(t, reads, 1)
	f := frameJSON(t, reads[0])
	assert.Equal(t, "receipts", f["type"])
	assert.Equal(t, "read", dig(f, "body", "action"))
	assert.Equal(t, last, dig(f, "body", "messageId"))
	assert.Equal(t, "alice", f["messageSender"])
	assert.Equal(t, []string{"alice"}, reads[0].Recipients)
	got := e.do("GET", "/v3.0/messages/"+last, e.alice, nil)
	assert.NotNil(t, got.data()["readAt"], "the 1:1 message carries the receiver's read time")
	assert.Equal(t, "bob", dig(got.data()["receipts"], "data").([]any)[0].(map[string]any)["recipient"].(map[string]any)["uid"])

	conv := e.do("GET", "/v3.0/users/alice/conversation", e.bob, nil)
	assert.Equal(t, "0", conv.data()["unreadMessageCount"])

	// Mark unread from the second message: two unread again.
	second2 := e.do("GET", "/v3.0/users/alice/messages?per_page=3", e.bob, nil)
	secondID := ids(second2)[1]
	r = e.do("DELETE", "/v3.0/users/alice/conversation/read", e.bob, map[string]any{"messageId": secondID})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, "2", dig(r.data(), "conversation", "unreadMessageCount"))

	r = e.do("GET", "/v3.0/users/carol/conversation", e.bob, nil)
	assert.Equal(t, "ERR_CONVERSATION_NOT_ACCESSIBLE", r.code())

	r = e.do("PUT", "/v3.0/users/alice/conversation", e.bob, map[string]any{"tags": []string{"work"}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, []any{"work"}, r.data()["tags"])
	assert.Len(t, e.do("GET", "/v3.0/conversations?tags=work", e.bob, nil).body["data"], 1)

	r = e.do("DELETE", "/v3.0/users/alice/conversation", e.bob, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Len(t, e.do("GET", "/v3.0/conversations?conversationType=user", e.bob, nil).body["data"], 0, "deleted for bob")
	assert.Len(t, e.do("GET", "/v3.0/users/alice/messages?per_page=30", e.bob, nil).body["data"], 0)
	assert.Len(t, e.do("GET", "/v3.0/conversations?conversationType=user", e.alice, nil).body["data"], 1, "not for alice")
	e.send(e.alice, text("bob", "user", "again"))
	assert.Len(t, e.do("GET", "/v3.0/users/alice/messages?per_page=30", e.bob, nil).body["data"], 1, "a new message brings it back")
}

func TestGroupReadByAll(t *testing.T) {
	e := newGroupEnv(t)
	rec := e.record()
	e.group("g1", "public", "")
	e.add("g1", "bob", "carol")
	m := e.send(e.alice, text("g1", "group", "everyone read this"))
	e.s.mu.Lock()
	require.NoError(t, e.s.recordReceiptLocked("bob", mustID(t, m["id"]), true, "dev-bob"))
	e.s.mu.Unlock()
	assert.Empty(t, rec.of(EventReadByAll))
	e.s.mu.Lock()
	require.NoError(t, e.s.recordReceiptLocked("carol", mustID(t, m["id"]), true, "dev-carol"))
	e.s.mu.Unlock()
	require.Len(t, rec.of(EventReadByAll), 1)
	require.Len(t, rec.of(EventDeliveredToAll), 1)
	assert.Equal(t, "readByAll", dig(frameJSON(t, rec.of(EventReadByAll)[0]), "body", "action"))
}

func mustID(t *testing.T, v any) int64 {
	t.Helper()
	var id int64
	_, err := fmt.Sscan(v.(string), &id)
	require.NoError(t, err)
	return id
}

func TestReactionsCountsAndList(t *testing.T) {
	e := newGroupEnv(t)
	e.group("g1", "public", "")
	e.add("g1", "bob", "carol")
	rec := e.record()
	m := e.send(e.alice, text("g1", "group", "vote"))
	id := m["id"].(string)
	for _, who := range []h{e.alice, e.bob, e.carol} {
		r := e.do("POST", "/v3.0/messages/"+id+"/reactions/%F0%9F%91%8D", who, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	}
	r := e.do("POST", "/v3.0/messages/"+id+"/reactions/%E2%9D%A4", e.bob, nil)
	reactions := dig(r.data(), "data", "reactions").([]any)
	require.Len(t, reactions, 2)
	assert.Equal(t, map[string]any{"reaction": "👍", "count": float64(3), "reactedByMe": true}, reactions[0])
	assert.Equal(t, map[string]any{"reaction": "❤", "count": float64(1), "reactedByMe": true}, reactions[1])
	viewed := e.do("GET", "/v3.0/messages/"+id, e.alice, nil)
	assert.Equal(t, false, dig(viewed.data(), "data", "reactions").([]any)[1].(map[string]any)["reactedByMe"])

	require.Len(t, rec.of(EventReactionAdded), 4)
	f := frameJSON(t, rec.of(EventReactionAdded)[0])
	assert.Equal(t, "reaction", f["type"])
	assert.Equal(t, "message_reaction_added", dig(f, "body", "action"))
	assert.Equal(t, "👍", dig(f, "body", "reaction"))
	assert.Equal(t, "group_g1", dig(f, "body", "conversationId"))

	// Lists: 4 reactions, pages of 3 forwards and backwards.
	page1 := e.do("GET", "/v3.0/messages/"+id+"/reactions?limit=3&affix=append", e.alice, nil)
	assert.Len(t, page1.body["data"], 3)
	next := dig(page1.body["meta"], "next", "id").(string)
	page2 := e.do("GET", "/v3.0/messages/"+id+"/reactions?limit=3&affix=append&id="+next, e.alice, nil)
	assert.Len(t, page2.body["data"], 1)
	assert.Nil(t, dig(page2.body["meta"], "next"))
	only := e.do("GET", "/v3.0/messages/"+id+"/reactions/%E2%9D%A4?limit=20", e.alice, nil)
	assert.Len(t, only.body["data"], 1)
	back := e.do("GET", "/v3.0/messages/"+id+"/reactions?limit=3&affix=prepend", e.alice, nil)
	assert.Len(t, back.body["data"], 3)
	assert.NotNil(t, dig(back.body["meta"], "previous"))

	r = e.do("DELETE", "/v3.0/messages/"+id+"/reactions/%F0%9F%91%8D", e.bob, nil)
	assert.EqualValues(t, 2, dig(r.data(), "data", "reactions").([]any)[0].(map[string]any)["count"])
	require.Len(t, rec.of(EventReactionRemoved), 1)

	r = e.do("POST", "/v3.0/messages/"+id+"/reactions/"+strings.Repeat("a", 46), e.bob, nil)
	assert.Equal(t, "ERR_BAD_REQUEST", r.code())
}

func TestPinsSavesAndLists(t *testing.T) {
	e := newGroupEnv(t)
	e.group("g1", "public", "")
	e.add("g1", "bob")
	m := e.send(e.alice, text("g1", "group", "pin me"))
	id := m["id"].(string)
	r := e.do("POST", "/v3.0/messages/"+id+"/pin", e.bob, nil)
	assert.Equal(t, "ERR_ACTION_NOT_ALLOWED", r.code(), "participants do not pin")
	r = e.do("POST", "/v3.0/messages/"+id+"/pin", e.alice, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, "alice", r.data()["pinnedBy"])
	r = e.do("POST", "/v3.0/messages/"+id+"/save", e.bob, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.NotNil(t, r.data()["savedAt"])
	e.send(e.alice, text("g1", "group", "not pinned"))
	assert.Len(t, e.do("GET", "/v3.0/groups/g1/messages?pinned=1&per_page=30", e.bob, nil).body["data"], 1)
	assert.Len(t, e.do("GET", "/v3.0/messages?saved=1&per_page=30", e.bob, nil).body["data"], 1)
	assert.Len(t, e.do("GET", "/v3.0/messages?saved=1&per_page=30", e.alice, nil).body["data"], 0)
}

func TestInteractiveGoalCompletion(t *testing.T) {
	e := newGroupEnv(t)
	rec := e.record()
	m := e.send(e.alice, map[string]any{"receiver": "bob", "receiverType": "user", "category": "interactive", "type": "form",
		"data": map[string]any{"interactiveData": map[string]any{"title": "t"},
			"interactionGoal": map[string]any{"type": "allOf", "elementIds": []string{"a", "b"}}, "allowSenderInteraction": false}})
	id := m["id"].(string)
	r := e.do("PATCH", "/v3.0/messages/"+id+"/interacted", e.alice, map[string]any{"interactions": []string{"a"}})
	assert.Equal(t, "ERR_MESSAGE_ACTION_NOT_ALLOWED", r.code(), "the sender may not interact")
	e.do("PATCH", "/v3.0/messages/"+id+"/interacted", e.bob, map[string]any{"interactions": []string{"a"}})
	assert.Empty(t, rec.of(EventInteractionCompleted))
	assert.Len(t, e.do("GET", "/v3.0/users/alice/messages?onlyInteractionGoalCompleted=1", e.bob, nil).body["data"], 0)
	e.do("PATCH", "/v3.0/messages/"+id+"/interacted", e.bob, map[string]any{"interactions": []string{"b"}})
	require.Len(t, rec.of(EventInteractionCompleted), 1)
	assert.Equal(t, []string{"alice"}, rec.of(EventInteractionCompleted)[0].Recipients)
	assert.Len(t, e.do("GET", "/v3.0/users/alice/messages?onlyInteractionGoalCompleted=1", e.bob, nil).body["data"], 1)
}

func TestUpdatesOnlySync(t *testing.T) {
	e := newGroupEnv(t)
	a := e.send(e.alice, text("bob", "user", "a"))
	e.send(e.alice, text("bob", "user", "b"))
	e.do("PUT", "/v3.0/messages/"+a["id"].(string), e.alice, map[string]any{"data": map[string]any{"text": "a2"}})
	r := e.do("GET", fmt.Sprintf("/v3.0/users/bob/messages?affix=append&updatedAt=%d&onlyUpdates=1", testNow.Unix()), e.alice, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, []string{a["id"].(string)}, ids(r), "only the edited message")
}

func TestUploadFlow(t *testing.T) {
	e := newGroupEnv(t)
	r := e.do("POST", "/v3.0/files/upload-url", e.alice, map[string]any{
		"files":    map[string]any{"f1": map[string]any{"fileId": "f1", "name": "note.txt", "size": 5, "mimeType": "text/plain"}},
		"receiver": "bob", "receiverType": "user"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	target := r.data()["f1"].(map[string]any)
	url := dig(target, "request", "url").(string)
	fields := dig(target, "request", "body").(map[string]any)
	attURL := dig(target, "attachment", "url").(string)
	assert.Equal(t, "5", dig(target, "attachment", "size"), "sizes are strings")
	assert.Equal(t, "txt", dig(target, "attachment", "extension"))

	status, _ := multipartPost(t, e.ts.Client(), url, fields, "note.txt", []byte("hello"))
	assert.Equal(t, http.StatusNoContent, status)
	resp, err := e.ts.Client().Get(attURL)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/plain", resp.Header.Get("Content-Type"))

	fields["token"] = "wrong"
	status, body := multipartPost(t, e.ts.Client(), url, fields, "note.txt", []byte("hello"))
	assert.Equal(t, http.StatusForbidden, status)
	assert.Contains(t, body, "<Code>AccessDenied</Code>")
}

func TestCallTransitions(t *testing.T) {
	e := newGroupEnv(t)
	rec := e.record()
	r := e.do("POST", "/v3.0/calls", e.alice, map[string]any{"type": "audio", "receiverType": "user", "category": "call", "status": "initiated", "receiver": "bob"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	call := r.data()
	assert.Equal(t, "call", call["category"])
	assert.Equal(t, "initiated", dig(call, "data", "action"))
	session := dig(call, "data", "entities", "on", "entity", "sessionid").(string)
	assert.NotEmpty(t, session)
	assert.Equal(t, "alice", dig(call, "data", "entities", "on", "entity", "data", "entities", "sender", "entity", "uid"))

	r = e.do("POST", "/v3.0/calls", e.carol, map[string]any{"type": "audio", "receiverType": "user", "receiver": "bob"})
	assert.Equal(t, "ERR_CALL_BUSY_USER", r.code())
	r = e.do("PUT", "/v3.0/calls/"+session, e.carol, map[string]any{"status": "ongoing"})
	assert.Equal(t, "ERR_CALL_NOT_A_PART", r.code())
	r = e.do("PUT", "/v3.0/calls/"+session, e.bob, map[string]any{"status": "ongoing"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	r = e.do("PUT", "/v3.0/calls/"+session, e.bob, map[string]any{"status": "rejected"})
	assert.Equal(t, "ERR_CALL_ONGOING_TO_INVALID", r.code())
	r = e.do("PUT", "/v3.0/calls/"+session, e.alice, map[string]any{"status": "ended"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	r = e.do("PUT", "/v3.0/calls/"+session, e.alice, map[string]any{"status": "ended"})
	assert.Equal(t, "ERR_CALL_TERMINATED", r.code())
	assert.Len(t, rec.of(EventCallStatus), 3)
	r = e.do("PUT", "/v3.0/calls/nope", e.alice, map[string]any{"status": "ended"})
	assert.Equal(t, "ERR_CALL_SESSION_NOT_FOUND", r.code())
	r = e.do("POST", "/v3.0/calls", e.alice, map[string]any{"type": "audio", "receiverType": "user", "receiver": "alice"})
	assert.Equal(t, "ERR_CALLING_SELF", r.code())
}

// multipartPost posts fields and a file as the presigned-upload client does.
func multipartPost(t *testing.T, c *http.Client, url string, fields map[string]any, name string, data []byte) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, fmt.Sprint(v)))
	}
	fw, err := mw.CreateFormFile("file", name)
	require.NoError(t, err)
	_, err = fw.Write(data)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	resp, err := c.Post(url, mw.FormDataContentType(), &buf)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}
