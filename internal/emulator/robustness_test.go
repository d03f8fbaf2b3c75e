package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Robustness of the emulator's REST and WebSocket endpoints against hostile input (issue 7):
// malformed JSON, wrong types, huge bodies, unknown frame types and abrupt closes. Whatever arrives,
// the emulator answers with an error code the spec lists, never panics (a recovered panic would show
// as 500 ERR_MISSION_FAILED), and a rejected request leaves the state exactly as it was.

// specErrorCodes are the server error codes of errors.md §3 (copied here: the tests must not need
// /work/shared). The client-side names of §3.12 (ERR_PERMISSION_DENIED, ERR_API_KEY_NOT_FOUND) and
// the 5xx codes are left out on purpose: bad input must never produce them.
var specErrorCodes = map[string]bool{}

func init() {
	for _, c := range strings.Fields(`AUTH_ERR_EMPTY_APPID AUTH_ERR_INVALID_APPID AUTH_ERR_EMPTY_APIKEY AUTH_ERR_APIKEY_NOT_FOUND
		AUTH_ERR_NO_ACCESS AUTH_ERR_EMPTY_AUTH_HEADER AUTH_ERR_EMPTY_AUTH_TOKEN AUTH_ERR_AUTH_TOKEN_NOT_FOUND
		ERR_APIKEY_NOT_FOUND ERR_APIKEY_NO_SELF_ACTION ERR_AUTH_TOKEN_NOT_FOUND ERR_AUTHTOKEN_UNAVAILABLE ERR_AUTHTOKEN_NOT_ACCESSIBLE
		ERR_PLAN_RESTRICTION ERR_SUBSCRIPTION_EXPIRED ERR_PLAN_QUOTA_RESTRICTION ERR_ROLE_NOT_FOUND ERR_ROLE_DELETE_DENIED ERR_ROLE_ALREADY_EXISTS
		ERR_UID_NOT_FOUND ERR_UID_ALREADY_EXISTS ERR_BOT_NOT_FOUND ERR_BOT_ALREADY_EXISTS
		ERR_GUID_NOT_FOUND ERR_GUID_ALREADY_EXISTS ERR_EMPTY_GROUP_PASS ERR_WRONG_GROUP_PASS ERR_NOT_A_MEMBER ERR_ALREADY_JOINED
		ERR_GROUP_NOT_JOINED ERR_GROUP_JOIN_NOT_ALLOWED ERR_NO_VACANCY ERR_SAME_SCOPE ERR_NOT_A_BANNED_USER ERR_BANNED_GROUPMEMBER
		ERR_ALREADY_BANNED ERR_GROUP_NO_CLEARANCE ERR_GROUP_NO_ADMIN_SCOPE ERR_GROUP_NO_MODERATOR_SCOPE ERR_GROUP_NO_SCOPE_CLEARANCE
		ERR_GROUP_NO_SELF_ACTION ERR_EMPTY_RECEIVER ERR_INVALID_RECEIVER_TYPE ERR_MESSAGE_ID_NOT_FOUND ERR_INVALID_MESSAGE_DATA
		ERR_EMPTY_MESSAGE_TEXT ERR_INVALID_MESSAGE_TEXT ERR_EMPTY_MESSAGE_CATEGORY ERR_INVALID_MESSAGE_CATEGORY ERR_EMPTY_MESSAGE_TYPE
		ERR_INVALID_MESSAGE_TYPE ERR_EMPTY_MESSAGE_FILE ERR_INVALID_MEDIA_MESSAGE ERR_EMPTY_CUSTOM_DATA ERR_INVALID_CUSTOM_DATA
		ERR_INVALID_METADATA ERR_MESSAGE_NOT_A_SENDER ERR_MESSAGE_NO_ACCESS ERR_MESSAGE_ACTION_NOT_ALLOWED ERR_WRONG_MESSAGE_THREAD
		ERR_MESSAGE_THREAD_NESTING ERR_WRONG_MESSAGE_THREAD_CATEGORY ERR_CONVERSATION_NOT_FOUND ERR_CONVERSATION_NOT_ACCESSIBLE
		ERR_PINNED_MESSAGES_LIMIT_EXCEEDED ERR_SAVED_MESSAGES_LIMIT_EXCEEDED ERR_PINNED_CONVERSATIONS_LIMIT_EXCEEDED
		ERR_SYSTEM_PINNED_CONVERSATIONS_LIMIT_EXCEEDED ERR_SYSTEM_PINNED_CONVERSATION ERR_ACTION_NOT_ALLOWED
		ERR_CALLING_SELF ERR_CALL_BUSY_SELF ERR_CALL_BUSY_GROUP ERR_CALL_BUSY_USER ERR_EMPTY_CALL_SESSION_ID ERR_CALL_SESSION_NOT_FOUND
		ERR_CALL_TERMINATED ERR_CALL_GROUP_ALREADY_JOINED ERR_CALL_GROUP_ALREADY_LEFT ERR_CALL_INVALID_INIT ERR_CALL_USER_ALREADY_JOINED
		ERR_CALL_GROUP_INVALID_STATUS ERR_CALL_ONGOING_TO_INVALID ERR_CALL_NOT_A_PART ERR_CALL_EMPTY_JOINED_AT ERR_CALL_NOT_STARTED
		ERR_ALREADY_FRIEND ERR_NOT_A_FRIEND ERR_CANNOT_FORM_SELF_RELATION ERR_CANNOT_BLOCK_SELF ERR_BLOCKED_RECEIVER ERR_BLOCKED_SENDER
		ERR_EXTENSION_NOT_FOUND ERR_BLOCKED_BY_EXTENSION ERR_WEBHOOK_NOT_FOUND ERR_BLOCKED_BY_WEBHOOK ERR_TRIGGER_NOT_FOUND
		ERR_INVALID_API_VERSION ERR_API_NOT_FOUND ERR_BAD_REQUEST ERR_TOO_MANY_REQUESTS`) {
		specErrorCodes[c] = true
	}
}

// robustFixture is an emulator with two users, a group and a message, and the body-taking
// endpoints to attack.
type robustFixture struct {
	e            *env
	alice, bob   h
	msgID        string
	clientRoutes []string // "METHOD /path" with the alice headers
	adminRoutes  []string // "METHOD /path" with the REST API key
}

func newRobustFixture(t *testing.T) *robustFixture {
	e := newEnv(t, Config{})
	f := &robustFixture{e: e}
	f.alice, _ = e.login("alice", "Alice")
	f.bob, _ = e.login("bob", "Bob")
	r := e.do("POST", "/v3.0/groups", f.alice, map[string]any{"guid": "g1", "name": "G1", "type": "public"})
	require.Equal(t, 200, r.status, string(r.raw))
	r = e.do("POST", "/v3.0/groups/g1/members", f.bob, map[string]any{"guid": "g1", "name": "name", "type": "public"})
	require.Equal(t, 200, r.status, string(r.raw))
	sent := sendText(e, f.alice, "bob", "user", "hello")
	f.msgID = fmt.Sprint(sent.data()["id"])
	id := f.msgID
	f.clientRoutes = []string{
		"PUT /v3.0/me", "POST /v3.0/me/jwt", "POST /v3.0/user_sessions",
		"POST /v3.0/messages", "POST /v3.0/messages/" + id + "/thread", "PUT /v3.0/messages/" + id, "DELETE /v3.0/messages/" + id,
		"PATCH /v3.0/messages/" + id + "/interacted", "POST /v3.0/messages/" + id + "/thread/subscription",
		"POST /v3.0/groups", "PUT /v3.0/groups/g1", "POST /v3.0/groups/g1/members", "PUT /v3.0/groups/g1/members",
		"PUT /v3.0/groups/g1/members/bob", "PATCH /v3.0/groups/g1/owner",
		"POST /v3.0/blockedusers", "DELETE /v3.0/blockedusers",
		"PUT /v3.0/users/bob/conversation", "POST /v3.0/users/bob/conversation/read", "DELETE /v3.0/users/bob/conversation/read",
		"POST /v3.0/users/bob/conversation/delivered", "POST /v3.0/calls", "PUT /v3.0/calls/nosuchsession", "PATCH /v3.0/calls/nosuchsession/type",
		"POST /v3.0/files/upload-url",
	}
	f.adminRoutes = []string{
		"POST /v3/users", "PUT /v3/users/bob", "PUT /v3/users", "DELETE /v3/users", "DELETE /v3/users/bob",
		"POST /v3/users/bob/auth_tokens", "POST /v3/users/bob/friends", "DELETE /v3/users/bob/friends",
		"POST /v3/users/bob/blockedusers", "DELETE /v3/users/bob/blockedusers",
		"POST /v3/groups", "PUT /v3/groups/g1", "POST /v3/groups/g1/members", "PUT /v3/groups/g1/members/bob",
		"POST /v3/messages", "PUT /v3/messages/" + id, "DELETE /v3/messages/" + id, "POST /v3/roles", "PUT /v3/roles/default",
		"POST /v3/bots/bob/messages",
	}
	return f
}

// hostileBodies are request bodies no endpoint should accept as valid.
func hostileBodies() map[string]string {
	wrongTypes := `{"receiver":5,"receiverType":[],"category":{},"type":true,"data":"x","name":7,"guid":false,"uid":{},"scope":[],` +
		`"owner":1,"members":"x","blockedUids":"bob","tags":"t","metadata":"m","status":3,"text":[],"admins":{},"participants":5,` +
		`"moderators":1,"usersToBan":true,"interactions":"a","messageId":{},"files":[],"sessionId":{},"passthrough":7,"customData":"c",` +
		`"password":9,"avatar":false,"link":[],"role":{},"friends":"x","accepted":"y","platform":3,"deviceId":[],"appInfo":"a","onBehalfOf":4}`
	nulls := strings.NewReplacer(`5`, `null`, `[]`, `null`, `{}`, `null`, `true`, `null`, `"x"`, `null`, `7`, `null`, `false`, `null`,
		`"bob"`, `null`, `"t"`, `null`, `"m"`, `null`, `3`, `null`, `"a"`, `null`, `1`, `null`, `9`, `null`, `4`, `null`,
		`"c"`, `null`, `"y"`, `null`).Replace(wrongTypes)
	return map[string]string{
		"truncated":     `{"receiver":"bob","data":{"text":`,
		"array":         `[1,2,3]`,
		"string":        `"hello"`,
		"number":        `42`,
		"null":          `null`,
		"garbage":       "\x00\x01\x02not json at all",
		"wrong types":   wrongTypes,
		"nulls":         nulls,
		"deep nesting":  strings.Repeat(`{"data":`, 20000) + `1` + strings.Repeat(`}`, 20000),
		"invalid utf-8": "{\"receiver\":\"b\xffob\",\"receiverType\":\"user\",\"category\":\"message\",\"type\":\"text\",\"data\":{\"text\":\"\xfe\"},\"uid\":\"\xff\",\"name\":\"\xff\"}",
		"huge":          `{"receiver":"bob","receiverType":"user","category":"message","type":"text","data":{"text":"` + strings.Repeat("a", 2<<20) + `"}}`,
		"trailing data": `{"receiver":"bob"} {"receiver":"bob"}`,
	}
}

// checkErrorEnvelope asserts that a response to bad input is a 4xx spec error (or a plain success
// where the body's shape does not matter to the endpoint) and reports whether it was an error.
func checkErrorEnvelope(t *testing.T, what string, status int, raw []byte) bool {
	t.Helper()
	var body struct {
		Data  json.RawMessage `json:"data"`
		Error *struct {
			Code, Message, DevMessage, Source string
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Errorf("%s: status %d, body is not JSON: %.200s", what, status, raw)
		return true
	}
	if body.Error == nil {
		if status != http.StatusOK || body.Data == nil {
			t.Errorf("%s: status %d without an error envelope: %.200s", what, status, raw)
		}
		return false
	}
	e := body.Error
	switch {
	case status >= 500:
		t.Errorf("%s: status %d %s %q (a crash or a bug; bad input is a 4xx)", what, status, e.Code, e.Message)
	case status < 400:
		t.Errorf("%s: error %s with status %d", what, e.Code, status)
	case !specErrorCodes[e.Code]:
		t.Errorf("%s: code %q is not a server code of errors.md §3", what, e.Code)
	case e.Message == "" || e.DevMessage != e.Message || e.Source != "chat-api":
		t.Errorf("%s: incomplete error envelope %+v", what, *e)
	}
	return true
}

func TestRobustRESTRejectsHostileBodiesWithoutChangingState(t *testing.T) {
	f := newRobustFixture(t)
	e := f.e
	before, err := e.s.Snapshot()
	require.NoError(t, err)
	for _, group := range []struct {
		routes []string
		hdr    h
	}{{f.clientRoutes, f.alice}, {f.adminRoutes, e.admin()}} {
		for _, route := range group.routes {
			method, path, _ := strings.Cut(route, " ")
			for name, body := range hostileBodies() {
				what := route + " with " + name
				r := hostileRequest(t, e, method, path, group.hdr, []byte(body))
				if checkErrorEnvelope(t, what, r.status, r.raw) {
					after, err := e.s.Snapshot()
					require.NoError(t, err)
					if !bytes.Equal(before, after) {
						t.Errorf("%s: rejected (%s) but the state changed", what, r.raw[:min(len(r.raw), 200)])
						before = after
					}
				} else {
					// Accepted (e.g. PUT me ignores unknown fields): the new state is the reference.
					t.Logf("ACCEPTED %s: %.150s", what, r.raw)
					before, err = e.s.Snapshot()
					require.NoError(t, err)
				}
			}
		}
	}
	// Still serving. (Some attacked endpoints ignore their body, so the fixture itself may have been
	// edited or deleted by an accepted call, e.g. DELETE /v3/users/bob: that is not checked here.)
	r := e.do("GET", "/v3.0/me", f.alice, nil)
	require.Equal(t, 200, r.status, string(r.raw))
	sent := sendText(e, f.alice, "g1", "group", "after the storm")
	r = e.do("GET", "/v3.0/messages/"+fmt.Sprint(sent.data()["id"]), f.alice, nil)
	require.Equal(t, 200, r.status, string(r.raw))
	assert.Equal(t, "after the storm", r.data()["data"].(map[string]any)["text"])
}

func TestRobustRESTHugeBodyIsBadRequest(t *testing.T) {
	f := newRobustFixture(t)
	// Over the 65,536-character message limit (rules-and-limits.md §2) but under the 1 MiB cap, and
	// over the cap: both are ERR_BAD_REQUEST naming the body.
	for _, n := range []int{70_000, 3 << 20} {
		body := `{"receiver":"bob","receiverType":"user","category":"message","type":"text","data":{"text":"` + strings.Repeat("x", n) + `"}}`
		r := hostileRequest(t, f.e, "POST", "/v3.0/messages", f.alice, []byte(body))
		require.Equal(t, 400, r.status, "%d bytes: %.300s", n, r.raw)
		assert.Equal(t, "ERR_BAD_REQUEST", r.code())
	}
}

func TestRobustRESTWrongMethodsAndPaths(t *testing.T) {
	f := newRobustFixture(t)
	for _, route := range []string{"GET /v3.0/nosuch", "PATCH /v3.0/me", "TRACE /v3.0/users", "GET /v9/users", "GET /v3.0/users/" + strings.Repeat("a", 5000),
		"GET /v3.0/users/%ff%fe", "GET /v3.0/messages/abc", "GET /v3.0/messages/-1", "GET /v3.0/messages/99999999999999999999999",
		"GET /v3.0/users?per_page=-5&page=abc", "GET /v3.0/messages?per_page=1e9&id=x&affix=sideways", "GET /v3.0/conversations?conversationType=planet"} {
		method, path, _ := strings.Cut(route, " ")
		r := hostileRequest(t, f.e, method, path, f.alice, nil)
		checkErrorEnvelope(t, route, r.status, r.raw)
	}
}

// rawRequest sends body as is and returns the reply without requiring it to be JSON.
func hostileRequest(t *testing.T, e *env, method, path string, hdr h, body []byte) reply {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.s.Handler().ServeHTTP(rec, req)
	r := reply{status: rec.Code, raw: rec.Body.Bytes()}
	_ = json.Unmarshal(r.raw, &r.body)
	return r
}

func TestRobustWebSocketSurvivesGarbageFrames(t *testing.T) {
	e := newEnv(t, Config{})
	alice, ajwt := e.login("alice", "Alice")
	_, bjwt := e.login("bob", "Bob")
	a := e.connect(ajwt, "WEB-alice", "")
	b := e.connect(bjwt, "WEB-bob", "")
	sent := sendText(e, alice, "bob", "user", "hi")
	b.next("message")
	id := fmt.Sprint(sent.data()["id"])

	ctx := context.Background()
	garbage := []string{
		`not json`, `[]`, `null`, `"auth"`, `42`, `{}`, `{"type":"hologram","body":{"x":1}}`, `{"type":"auth","body":{"auth":"again"}}`,
		`{"type":"typing_indicator","receiver":"bob","receiverType":"planet","body":{"action":"started"}}`,
		`{"type":"typing_indicator","receiver":5,"receiverType":"user","body":"started"}`,
		`{"type":"typing_indicator","receiver":"nosuchuser","receiverType":"user","body":{"action":"started"}}`,
		`{"type":"transient_message","receiver":"g-missing","receiverType":"group","body":[1]}`,
		`{"type":"receipts","receiver":"bob","receiverType":"user","messageSender":"bob","body":{"action":"read","messageId":"abc"}}`,
		`{"type":"receipts","receiver":"bob","receiverType":"user","body":{"action":"teleported","messageId":"` + id + `"}}`,
		`{"type":"receipts","receiver":"bob","receiverType":"user","body":{"action":"read","messageId":{"id":1}}}`,
		`{"type":"receipts","receiver":"bob","receiverType":"user","body":{"action":"delivered","messageId":"99999999999999999999999"}}`,
		`{"action":"ping","ack":true}`, `{"action":7}`, strings.Repeat(`[`, 100000),
		"{\"type\":\"typing_indicator\",\"receiver\":\"b\xffob\",\"receiverType\":\"user\",\"body\":{}}",
	}
	for _, g := range garbage {
		require.NoError(t, a.c.Write(ctx, websocket.MessageText, []byte(g)), g)
	}
	require.NoError(t, a.c.Write(ctx, websocket.MessageBinary, []byte{0xff, 0x00, 0x13}))
	// The connection is still served in order: the pong of a ping sent after the garbage arrives, and
	// a real message still flows.
	a.none("hologram")
	sendText(e, alice, "bob", "user", "still here")
	m := b.next("message")
	assert.Equal(t, "still here", m["body"].(map[string]any)["data"].(map[string]any)["text"])
	assert.Equal(t, 1, e.s.OnlineSessions("alice"))
}

func TestRobustWebSocketOversizedFrameClosesOnlyThatConnection(t *testing.T) {
	e := newEnv(t, Config{})
	_, ajwt := e.login("alice", "Alice")
	_, bjwt := e.login("bob", "Bob")
	a := e.connect(ajwt, "WEB-alice", "")
	b := e.connect(bjwt, "WEB-bob", "ALL_USERS")
	a.c.SetReadLimit(1 << 22)
	big := `{"type":"transient_message","receiver":"bob","receiverType":"user","body":{"data":"` + strings.Repeat("z", 2<<20) + `"}}`
	_ = a.c.Write(context.Background(), websocket.MessageText, []byte(big))
	assert.Equal(t, websocket.StatusMessageTooBig, a.waitClosed())
	// Bob sees alice go offline: her connection was removed and the online count is consistent.
	p := b.next("presence")
	assert.Equal(t, "offline", p["body"].(map[string]any)["action"])
	assert.Equal(t, 0, e.s.OnlineSessions("alice"))
	assert.Equal(t, 1, e.s.OnlineSessions("bob"))
	b.none("message")
}

func TestRobustWebSocketAbruptCloses(t *testing.T) {
	e := newEnv(t, Config{})
	_, wjwt := e.login("watcher", "Watcher")
	w := e.connect(wjwt, "WEB-watcher", "ALL_USERS")
	const n = 20
	jwts := make([]string, n)
	for i := range n {
		_, jwts[i] = e.login(fmt.Sprintf("u%d", i), "U")
	}
	// Connections are dropped at every stage: before the upgrade completes its first frame, half-way
	// through the auth frame (a TCP close with no close frame), right after auth, and while frames are
	// being written to them.
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			c, _, err := websocket.Dial(ctx, e.wsURL(), nil)
			if err != nil {
				t.Error(err)
				return
			}
			switch i % 4 {
			case 0: // no frame at all
			case 1: // half a frame is not possible with the API; send a non-auth frame then vanish
				_ = c.Write(ctx, websocket.MessageText, []byte(`{"type":"typing_indicator"`))
			default: // authenticate, then vanish (case 3 after asking for a pong)
				auth := fmt.Sprintf(`{"type":"auth","deviceId":"WEB-u%d","body":{"auth":%q,"deviceId":"WEB-u%d"}}`, i, jwts[i], i)
				_ = c.Write(ctx, websocket.MessageText, []byte(auth))
				_, _, _ = c.Read(ctx) // the auth reply
				if i%4 == 3 {
					for range 50 {
						_ = c.Write(ctx, websocket.MessageText, []byte(`{"action":"ping","ack":"true"}`))
					}
				}
			}
			_ = c.CloseNow()
		}()
	}
	wg.Wait()
	// Every authenticated user that vanished is reported offline to the watcher, once.
	online := map[string]int{}
	for range 2 * (n / 2) {
		p := w.next("presence")
		uid := p["sender"].(string)
		switch p["body"].(map[string]any)["action"] {
		case "online":
			online[uid]++
		case "offline":
			online[uid]--
		}
	}
	for uid, v := range online {
		assert.Zero(t, v, "%s: online and offline do not pair up", uid)
		assert.Zero(t, e.s.OnlineSessions(uid), uid)
	}
	assert.Len(t, online, n/2)
	// The hub still serves: a new session of a dropped user connects and gets its messages.
	c := e.connect(jwts[2], "WEB-u2-again", "")
	c.none("message")
	assert.Equal(t, 1, e.s.OnlineSessions("u2"))
}
