package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// threadEnv is a group "g1" of alice (owner), bob and carol.
type threadEnv struct{ *groupEnv }

func newThreadEnv(t *testing.T) *threadEnv {
	e := &threadEnv{newGroupEnv(t)}
	e.group("g1", "public", "")
	e.add("g1", "bob", "carol")
	return e
}

// post sends a text message and returns its id.
func (e *threadEnv) post(from h, receiver, receiverType, body string) string {
	e.t.Helper()
	return e.send(from, text(receiver, receiverType, body))["id"].(string)
}

// reply sends a thread reply and returns its id.
func (e *threadEnv) reply(from h, parent, receiver, receiverType, body string) string {
	e.t.Helper()
	r := e.do("POST", "/v3.0/messages/"+parent+"/thread", from, text(receiver, receiverType, body))
	require.Equal(e.t, http.StatusOK, r.status, "%s", r.raw)
	return r.data()["id"].(string)
}

// threads lists threads at path (with query) and returns the items and meta.
func (e *threadEnv) threads(who h, path string) ([]map[string]any, map[string]any) {
	e.t.Helper()
	r := e.do("GET", "/v3.0/"+path, who, nil)
	require.Equal(e.t, http.StatusOK, r.status, "%s", r.raw)
	var items []map[string]any
	for _, it := range r.body["data"].([]any) {
		items = append(items, it.(map[string]any))
	}
	meta, _ := r.body["meta"].(map[string]any)
	return items, meta
}

func threadIDs(items []map[string]any) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it["id"].(string))
	}
	return out
}

func TestThreadsListParentsByLastActivityWithThreadKeys(t *testing.T) {
	e := newThreadEnv(t)
	p1 := e.post(e.alice, "g1", "group", "first topic")
	p2 := e.post(e.alice, "g1", "group", "second topic")
	e.post(e.bob, "g1", "group", "no thread here")
	e.reply(e.bob, p1, "g1", "group", "re 1")
	e.reply(e.carol, p2, "g1", "group", "re 2")
	e.reply(e.bob, p2, "g1", "group", "re 2 again")
	last1 := e.reply(e.alice, p1, "g1", "group", "alice on 1") // p1 is now the most recent thread

	items, meta := e.threads(e.alice, "threads")
	require.Equal(t, []string{p1, p2}, threadIDs(items), "last activity first")
	assert.Equal(t, false, meta["hasMore"])
	assert.NotContains(t, meta, "cursor", "no cursor on the last page")

	one := items[0]
	assert.Equal(t, "first topic", dig(one, "data", "text"), "the item is the parent message")
	assert.Equal(t, float64(2), one["replyCount"])
	assert.Equal(t, last1, dig(one, "lastReply", "id"))
	assert.Equal(t, p1, dig(one, "lastReply", "parentId"))
	assert.Equal(t, float64(1), one["unreadReplyCount"], "bob's reply; alice's own does not count")
	assert.Equal(t, float64(1), one["unreadRepliesCount"])
	assert.Equal(t, "group_g1", one["conversationId"])
	assert.Equal(t, float64(2), items[1]["unreadReplyCount"])

	// Reading the conversation reads the replies too.
	r := e.do("POST", "/v3.0/groups/g1/conversation/read", e.alice, map[string]any{})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	items, _ = e.threads(e.alice, "threads")
	assert.Equal(t, float64(0), items[0]["unreadReplyCount"])
	assert.Equal(t, float64(0), items[1]["unreadReplyCount"])
	assert.NotContains(t, items[1], "unreadRepliesCount", "0 is left out like replyCount")
}

func TestThreadsUnreadRepliesCountFollowsTheReadPosition(t *testing.T) {
	e := newThreadEnv(t)
	p := e.post(e.alice, "g1", "group", "topic")
	r1 := e.reply(e.bob, p, "g1", "group", "one")
	e.reply(e.carol, p, "g1", "group", "two")
	get := func() map[string]any {
		r := e.do("GET", "/v3.0/messages/"+p, e.alice, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		return r.data()
	}
	assert.Equal(t, float64(2), get()["unreadRepliesCount"])
	// Marking unread from r1 puts the read position just before it.
	r := e.do("POST", "/v3.0/groups/g1/conversation/read", e.alice, map[string]any{})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.NotContains(t, get(), "unreadRepliesCount")
	r = e.do("DELETE", "/v3.0/groups/g1/conversation/read", e.alice, map[string]any{"messageId": r1})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, float64(2), get()["unreadRepliesCount"])

	// Deleted replies do not count; the counts are per viewer.
	r = e.do("DELETE", "/v3.0/messages/"+r1, e.bob, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, float64(1), get()["unreadRepliesCount"])
	r = e.do("GET", "/v3.0/groups/g1/messages?per_page=10&categories=message&hideReplies=true", e.bob, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	first := r.body["data"].([]any)[0].(map[string]any)
	require.Equal(t, p, first["id"])
	assert.Equal(t, float64(1), first["unreadRepliesCount"], "bob has not read carol's reply")
}

func TestThreadsParticipatedByMe(t *testing.T) {
	e := newThreadEnv(t)
	p1 := e.post(e.alice, "g1", "group", "alice's")
	p2 := e.post(e.bob, "g1", "group", "bob's")
	e.reply(e.bob, p1, "g1", "group", "bob in alice's")
	e.reply(e.alice, p2, "g1", "group", "alice in bob's")

	items, _ := e.threads(e.carol, "threads")
	assert.Empty(t, items, "participatedByMe defaults to true; carol took part in none")
	items, _ = e.threads(e.carol, "threads?participatedByMe=0")
	assert.Equal(t, []string{p2, p1}, threadIDs(items))
	e.reply(e.carol, p1, "g1", "group", "carol joins")
	items, _ = e.threads(e.carol, "threads?participatedByMe=true")
	assert.Equal(t, []string{p1}, threadIDs(items))
	items, _ = e.threads(e.bob, "threads?participatedByMe=1")
	assert.Equal(t, []string{p1, p2}, threadIDs(items), "bob wrote p2 and replied in p1")
}

func TestThreadsCursorPaging(t *testing.T) {
	e := newThreadEnv(t)
	var want []string
	for i := range 7 {
		p := e.post(e.alice, "g1", "group", fmt.Sprintf("topic %d", i))
		e.reply(e.bob, p, "g1", "group", "re")
		want = append([]string{p}, want...) // newest activity first
	}
	var got []string
	q := url.Values{"limit": {"3"}, "affix": {"prepend"}, "participatedByMe": {"1"}}
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5, "paging does not end")
		items, meta := e.threads(e.alice, "threads?"+q.Encode())
		got = append(got, threadIDs(items)...)
		assert.Equal(t, float64(3), dig(meta, "pagination", "per_page"))
		if meta["hasMore"] != true {
			assert.NotContains(t, meta, "cursor")
			break
		}
		require.Len(t, items, 3)
		cur := meta["cursor"].(map[string]any)
		assert.Equal(t, "prepend", cur["affix"])
		assert.Equal(t, dig(items[2], "lastReply", "id"), fmt.Sprint(cur["id"]), "the edge is the last item's newest reply")
		q.Set("updatedAt", fmt.Sprint(cur["updatedAt"]))
		q.Set("id", fmt.Sprint(cur["id"]))
	}
	assert.Equal(t, want, got)

	// A thread that gets a new reply moves to the front.
	e.reply(e.carol, want[6], "g1", "group", "revived")
	items, _ := e.threads(e.alice, "threads?limit=1")
	assert.Equal(t, []string{want[6]}, threadIDs(items))

	// Page sizes above the cap are clamped (rules-and-limits.md §3).
	_, meta := e.threads(e.alice, "threads?limit=5000")
	assert.Equal(t, float64(maxThreadPage), dig(meta, "pagination", "per_page"))
}

func TestThreadsScopeAndVisibility(t *testing.T) {
	e := newThreadEnv(t)
	dave := e.user("dave", "Dave")
	g := e.post(e.alice, "g1", "group", "group topic")
	e.reply(e.bob, g, "g1", "group", "re group")
	u := e.post(e.alice, "bob", "user", "1:1 topic")
	e.reply(e.bob, u, "alice", "user", "re 1:1")
	other := e.post(e.carol, "dave", "user", "carol and dave")
	e.reply(dave, other, "carol", "user", "re")

	items, _ := e.threads(e.alice, "threads")
	assert.Equal(t, []string{u, g}, threadIDs(items), "not carol and dave's thread")
	items, _ = e.threads(e.alice, "users/bob/threads")
	assert.Equal(t, []string{u}, threadIDs(items))
	items, _ = e.threads(e.alice, "groups/g1/threads")
	assert.Equal(t, []string{g}, threadIDs(items))
	items, _ = e.threads(dave, "threads?participatedByMe=0")
	assert.Equal(t, []string{other}, threadIDs(items), "dave is not in g1")

	for path, code := range map[string]string{
		"groups/g1/threads":    "ERR_GROUP_NOT_JOINED",
		"groups/nope/threads":  "ERR_GUID_NOT_FOUND",
		"users/nobody/threads": "ERR_UID_NOT_FOUND",
	} {
		r := e.do("GET", "/v3.0/"+path, dave, nil)
		assert.Equal(t, code, r.code(), "%s: %s", path, r.raw)
	}

	// Deleting the parent, or every reply, removes the thread.
	r := e.do("DELETE", "/v3.0/messages/"+u, e.alice, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	items, _ = e.threads(e.alice, "threads")
	assert.Equal(t, []string{g}, threadIDs(items))

	// The server API without onBehalfOf sees every thread.
	r = e.do("GET", "/v3/threads", e.admin(), nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Len(t, r.body["data"], 2)
}

func TestThreadsCarrySubscription(t *testing.T) {
	e := newThreadEnv(t)
	p := e.post(e.bob, "g1", "group", "topic")
	e.reply(e.alice, p, "g1", "group", "re")
	items, _ := e.threads(e.alice, "threads")
	require.Len(t, items, 1)
	assert.NotContains(t, items[0], "threadSubscribed")
	r := e.do("POST", "/v3.0/messages/"+p+"/thread/subscription", e.alice, map[string]any{})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	items, _ = e.threads(e.alice, "threads")
	assert.Equal(t, true, items[0]["threadSubscribed"])
}
