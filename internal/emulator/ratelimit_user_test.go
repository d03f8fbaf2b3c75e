package emulator

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rlHeaders are the values of the rate-limit headers, checked to agree in both spellings.
type rlHeaders struct{ limit, remaining, reset, retryAfter string }

// rlDo sends a request and returns its reply and rate-limit headers (both spellings must agree).
func rlDo(t *testing.T, e *env, method, path string, hdr h, body any) (reply, rlHeaders) {
	t.Helper()
	var resp *http.Response
	c := *e.ts.Client()
	inner := c.Transport
	c.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		res, err := inner.RoundTrip(r)
		resp = res
		return res, err
	})
	r := doRequest(t, &c, method, e.ts.URL+path, hdr, body)
	for _, names := range [][2]string{
		{"X-RateLimit-Limit", "X-Rate-Limit"},
		{"X-RateLimit-Remaining", "X-Rate-Limit-Remaining"},
		{"X-RateLimit-Reset", "X-Rate-Limit-Reset"},
	} {
		assert.Equal(t, resp.Header.Get(names[0]), resp.Header.Get(names[1]), "both spellings agree")
	}
	return r, rlHeaders{limit: resp.Header.Get("X-RateLimit-Limit"), remaining: resp.Header.Get("X-RateLimit-Remaining"),
		reset: resp.Header.Get("X-RateLimit-Reset"), retryAfter: resp.Header.Get("Retry-After")}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestPerUserSendLimit(t *testing.T) {
	start := time.Unix(1717000040, 500_000_000) // 20.5 s into the minute [1717000020, 1717000080)
	clock := &rlClock{t: start}
	e := newEnv(t, Config{Now: clock.now, RateLimit: RateLimitConfig{PerUser: true}})
	alice, bob := e.user("alice", "Alice"), e.user("bob", "Bob")
	require.NoError(t, e.s.CreateUser("bot1", "Bot"))
	windowEnd := strconv.FormatInt(1717000080, 10)
	send := func(hdr h, path string) (reply, rlHeaders) {
		return rlDo(t, e, "POST", path, hdr, map[string]any{"receiver": "bob", "receiverType": "user",
			"category": "message", "type": "text", "data": map[string]any{"text": "hi"}})
	}

	var first string
	for i := range DefaultSendLimit {
		r, hd := send(alice, "/v3.0/messages")
		require.Equal(t, http.StatusOK, r.status, "send %d: %s", i+1, r.raw)
		if first == "" {
			first = r.data()["id"].(string)
		}
		assert.Equal(t, rlHeaders{limit: "30", remaining: strconv.Itoa(DefaultSendLimit - 1 - i), reset: windowEnd}, hd, i)
	}
	r, hd := send(alice, "/v3.0/messages")
	assert.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Equal(t, "ERR_TOO_MANY_REQUESTS", r.code())
	assert.Equal(t, rlHeaders{limit: "30", remaining: "0", reset: windowEnd, retryAfter: "40"}, hd, "39.5 s rounded up")

	// Every kind of send by alice is refused now; bob, the bot and app_system have their own budgets.
	r, _ = send(alice, "/v3.0/messages/"+first+"/thread")
	assert.Equal(t, "ERR_TOO_MANY_REQUESTS", r.code(), "a thread reply is a send")
	r, _ = send(h{"apikey": e.s.RESTAPIKey(), "onBehalfOf": "ALICE"}, "/v3/messages")
	assert.Equal(t, "ERR_TOO_MANY_REQUESTS", r.code(), "the server API on behalf of alice")
	r, hd = send(h{"apikey": e.s.RESTAPIKey(), "onBehalfOf": "bob"}, "/v3/messages")
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, "29", hd.remaining)
	r, hd = send(bob, "/v3.0/messages")
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, "28", hd.remaining, "bob's sends through both APIs share his budget")
	r, hd = send(h{"apikey": e.s.RESTAPIKey()}, "/v3/bots/bot1/messages")
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, "29", hd.remaining, "the bot is the user of a bot send")
	r, hd = send(h{"apikey": e.s.RESTAPIKey()}, "/v3/messages")
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, rlHeaders{}, hd, "app_system is not a user: no limit applies")
	r, hd = rlDo(t, e, "GET", "/v3.0/users/bob/messages?per_page=5", alice, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, rlHeaders{}, hd, "reads are not limited per user")
	assert.Equal(t, RateLimitStats{Allowed: DefaultSendLimit + 3, Limited: 3}, e.s.RateLimitStats(), "requests no limit applies to are not counted")

	clock.set(time.Unix(1717000080, 0))
	r, hd = send(alice, "/v3.0/messages")
	require.Equal(t, http.StatusOK, r.status, "a new window: %s", r.raw)
	assert.Equal(t, "29", hd.remaining)
}

func TestPerUserMarkUnreadLimit(t *testing.T) {
	clock := &rlClock{t: time.Unix(1717000020, 0)}
	e := newEnv(t, Config{Now: clock.now, RateLimit: RateLimitConfig{PerUser: true}})
	alice, bob := e.user("alice", "Alice"), e.user("bob", "Bob")
	r := e.do("POST", "/v3.0/groups", alice, map[string]any{"guid": "g1", "name": "G", "type": "public"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	require.Equal(t, http.StatusOK, e.do("POST", "/v3.0/groups/g1/members", bob, nil).status)
	direct := sendText(e, alice, "bob", "user", "one").data()["id"]
	inGroup := sendText(e, alice, "g1", "group", "two").data()["id"]
	unread := func(hdr h, path string, id any) (reply, rlHeaders) {
		return rlDo(t, e, "DELETE", path, hdr, map[string]any{"messageId": id})
	}

	for i := range DefaultMarkUnreadLimit {
		path, id := "/v3.0/users/alice/conversation/read", direct
		if i%2 == 1 {
			path, id = "/v3.0/groups/g1/conversation/read", inGroup
		}
		r, hd := unread(bob, path, id)
		require.Equal(t, http.StatusOK, r.status, "%d: %s", i, r.raw)
		assert.Equal(t, "5", hd.limit)
		assert.Equal(t, strconv.Itoa(DefaultMarkUnreadLimit-1-i), hd.remaining)
	}
	r, hd := unread(bob, "/v3.0/users/alice/conversation/read", direct)
	assert.Equal(t, "ERR_TOO_MANY_REQUESTS", r.code())
	assert.Equal(t, "60", hd.retryAfter)
	r, _ = unread(h{"apikey": e.s.RESTAPIKey(), "onBehalfOf": "bob"}, "/v3/groups/g1/conversation/read", inGroup)
	assert.Equal(t, "ERR_TOO_MANY_REQUESTS", r.code(), "the server API on behalf of bob")

	// Other users, and bob's sends, are not affected.
	back := sendText(e, bob, "alice", "user", "three").data()["id"]
	r, hd = unread(alice, "/v3.0/users/bob/conversation/read", back)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, "4", hd.remaining)
	r, _ = unread(bob, "/v3.0/users/alice/conversation/read", "not a number")
	assert.Equal(t, "ERR_TOO_MANY_REQUESTS", r.code(), "limited before the body is even read")
}

func TestPerUserLimitWithTheAppWideLimit(t *testing.T) {
	clock := &rlClock{t: time.Unix(1717000020, 0)}
	e := newEnv(t, Config{Now: clock.now, RateLimit: RateLimitConfig{Limit: 100, SendLimit: 2}})
	alice := e.user("alice", "Alice")
	e.user("bob", "Bob")
	for i, want := range []rlHeaders{{limit: "2", remaining: "1"}, {limit: "2", remaining: "0"}} {
		r, hd := rlDo(t, e, "POST", "/v3.0/messages", alice, text("bob", "user", fmt.Sprint(i)))
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		hd.reset = ""
		assert.Equal(t, want, hd, "the most constrained limit is reported")
	}
	r, hd := rlDo(t, e, "POST", "/v3.0/messages", alice, text("bob", "user", "over"))
	assert.Equal(t, "ERR_TOO_MANY_REQUESTS", r.code())
	assert.Equal(t, "2", hd.limit)
	r, hd = rlDo(t, e, "GET", "/v3.0/users/bob", alice, nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, rlHeaders{limit: "100", remaining: "97", reset: hd.reset}, hd,
		"two sends and this read: the refused send was not charged to the app")
	assert.Equal(t, RateLimitStats{Allowed: 3, Limited: 1}, e.s.RateLimitStats())
	r, hd = rlDo(t, e, "DELETE", "/v3.0/users/bob/conversation/read", alice, map[string]any{"messageId": 1})
	assert.Equal(t, "100", hd.limit, "no mark-as-unread limit without PerUser or MarkUnreadLimit: %s", r.raw)
}

func TestPerUserConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg              RateLimitConfig
		send, markUnread int
	}{
		{RateLimitConfig{}, 0, 0},
		{RateLimitConfig{PerUser: true}, 30, 5},
		{RateLimitConfig{PerUser: true, SendLimit: 10}, 10, 5},
		{RateLimitConfig{MarkUnreadLimit: 1}, 0, 1},
		{RateLimitConfig{Limit: 5}, 0, 0},
	} {
		assert.Equal(t, tc.send, tc.cfg.sendLimit(), "%+v", tc.cfg)
		assert.Equal(t, tc.markUnread, tc.cfg.markUnreadLimit(), "%+v", tc.cfg)
		assert.Equal(t, tc.send+tc.markUnread > 0 || tc.cfg.Limit > 0, tc.cfg.enabled(), "%+v", tc.cfg)
	}
	_, err := New(Config{RateLimit: RateLimitConfig{MarkUnreadLimit: -1}})
	assert.Error(t, err)

	for _, tc := range []struct{ method, path, op, uid string }{
		{"POST", "messages", opSend, ""},
		{"POST", "messages/12/thread", opSend, ""},
		{"POST", "bots/Bot1/messages", opSend, "bot1"},
		{"DELETE", "users/x/conversation/read", opMarkUnread, ""},
		{"DELETE", "groups/g/conversation/read", opMarkUnread, ""},
		{"POST", "users/x/conversation/read", "", ""},
		{"GET", "messages", "", ""},
		{"PUT", "messages/12", "", ""},
		{"POST", "messages/12/reactions/x", "", ""},
	} {
		op, uid := perUserOp(tc.method, tc.path)
		assert.Equal(t, tc.op, op, tc.method+" "+tc.path)
		assert.Equal(t, tc.uid, uid, tc.method+" "+tc.path)
	}
}
