package emulator

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests of the WebSocket hub with a bare coder/websocket client: the emulator is checked against the
// protocol of client-protocol.md §7, not against the SDK.

// wsTestTimeout bounds every wait for a frame.
const wsTestTimeout = 5 * time.Second

// wsClient is one test socket with a reader goroutine.
type wsClient struct {
	t      *testing.T
	c      *websocket.Conn
	frames chan map[string]any
	closed chan error
}

// login logs uid in over REST (PUT me) and returns its headers and JWT.
func (e *env) login(uid, name string) (h, string) {
	e.t.Helper()
	hdr := e.user(uid, name)
	r := e.do("PUT", "/v3.0/me", hdr, map[string]any{"platform": "GO", "deviceId": "dev-" + uid})
	require.Equal(e.t, 200, r.status, string(r.raw))
	jwt, _ := r.data()["jwt"].(string)
	require.NotEmpty(e.t, jwt)
	return hdr, jwt
}

// wsURL is the emulator's WebSocket URL.
func (e *env) wsURL() string { return "ws" + strings.TrimPrefix(e.ts.URL, "http") + "/" }

// dial opens a socket and sends the auth frame; it does not wait for the reply.
func (e *env) dial(jwt, device, presence string, roles ...string) *wsClient {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wsTestTimeout)
	defer cancel()
	c, _, err := websocket.Dial(ctx, e.wsURL(), nil)
	require.NoError(e.t, err)
	c.SetReadLimit(1 << 20)
	w := &wsClient{t: e.t, c: c, frames: make(chan map[string]any, 256), closed: make(chan error, 1)}
	go func() {
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				w.closed <- err
				close(w.frames)
				return
			}
			var m map[string]any
			if json.Unmarshal(b, &m) == nil {
				w.frames <- m
			}
		}
	}()
	e.t.Cleanup(func() {
		_ = c.CloseNow()
		for range w.frames { // wait for the reader
		}
	})
	body := map[string]any{"auth": jwt, "deviceId": device,
		"params": map[string]any{"appInfo": map[string]any{"version": "4.2.0", "apiVersion": "v3.0"}, "deviceId": "d", "platform": "javascript"}}
	if presence != "" {
		body["presenceSubscription"] = presence
	}
	if len(roles) > 0 {
		body["roles"] = roles
	}
	w.send(map[string]any{"appId": e.s.AppID(), "deviceId": device, "type": "auth", "body": body})
	return w
}

// connect dials and waits for the OK auth reply.
func (e *env) connect(jwt, device, presence string, roles ...string) *wsClient {
	e.t.Helper()
	w := e.dial(jwt, device, presence, roles...)
	reply := w.next("auth")
	body := reply["body"].(map[string]any)
	require.Equal(e.t, "OK", body["status"])
	require.Equal(e.t, "200", body["code"])
	require.Equal(e.t, device, reply["deviceId"])
	return w
}

func (w *wsClient) send(v any) {
	w.t.Helper()
	b, err := json.Marshal(v)
	require.NoError(w.t, err)
	ctx, cancel := context.WithTimeout(context.Background(), wsTestTimeout)
	defer cancel()
	require.NoError(w.t, w.c.Write(ctx, websocket.MessageText, b))
}

// next returns the next frame of type typ (or with action typ), skipping presence frames unless asked.
func (w *wsClient) next(typ string) map[string]any {
	w.t.Helper()
	timeout := time.NewTimer(wsTestTimeout)
	defer timeout.Stop()
	for {
		select {
		case f, ok := <-w.frames:
			if !ok {
				w.t.Fatalf("socket closed while waiting for %q", typ)
			}
			if f["type"] == typ || f["action"] == typ {
				return f
			}
		case <-timeout.C:
			w.t.Fatalf("no %q frame", typ)
		}
	}
}

// none asserts that no frame of type typ arrives before a marker frame (a pong for a ping sent now):
// the hub answers in order, so anything queued earlier arrives before the pong.
func (w *wsClient) none(typ string) {
	w.t.Helper()
	w.send(map[string]any{"action": "ping", "ack": "true"})
	timeout := time.NewTimer(wsTestTimeout)
	defer timeout.Stop()
	for {
		select {
		case f, ok := <-w.frames:
			if !ok {
				w.t.Fatalf("socket closed")
			}
			if f["action"] == "pong" {
				return
			}
			if f["type"] == typ {
				w.t.Fatalf("unexpected %q frame: %v", typ, f)
			}
		case <-timeout.C:
			w.t.Fatal("no pong")
		}
	}
}

// waitClosed waits for the socket to close and returns the close status.
func (w *wsClient) waitClosed() websocket.StatusCode {
	w.t.Helper()
	select {
	case err := <-w.closed:
		return websocket.CloseStatus(err)
	case <-time.After(wsTestTimeout):
		w.t.Fatal("socket not closed")
	}
	return 0
}

func sendText(e *env, hdr h, receiver, receiverType, text string) reply {
	e.t.Helper()
	r := e.do("POST", "/v3.0/messages", hdr, map[string]any{"receiver": receiver, "receiverType": receiverType,
		"category": "message", "type": "text", "data": map[string]any{"text": text}})
	require.Equal(e.t, 200, r.status, string(r.raw))
	return r
}

func TestHubAuthReplyAndPong(t *testing.T) {
	e := newEnv(t, Config{})
	_, jwt := e.login("alice", "Alice")
	w := e.connect(jwt, "WEB-4_2_0-alice-1", "")
	assert.Equal(t, 1, e.s.OnlineSessions("alice"))
	w.send(map[string]any{"action": "ping", "ack": "true"})
	pong := w.next("pong")
	assert.Equal(t, map[string]any{"action": "pong"}, pong)
}

func TestHubRejectsBadJWTWith401And1008(t *testing.T) {
	e := newEnv(t, Config{})
	e.login("alice", "Alice")
	w := e.dial("not-a-jwt", "dev-x", "")
	reply := w.next("auth")
	assert.Equal(t, map[string]any{"status": "ERROR", "code": "401"}, reply["body"])
	assert.Equal(t, websocket.StatusPolicyViolation, w.waitClosed())
}

func TestHubRejectsAFrameBeforeAuth(t *testing.T) {
	e := newEnv(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), wsTestTimeout)
	defer cancel()
	c, _, err := websocket.Dial(ctx, e.wsURL(), nil)
	require.NoError(t, err)
	defer c.CloseNow()
	require.NoError(t, c.Write(ctx, websocket.MessageText, []byte(`{"action":"ping","ack":"true"}`)))
	_, b, err := c.Read(ctx)
	require.NoError(t, err)
	assert.JSONEq(t, `{"appId":"app1","type":"auth","body":{"status":"ERROR","code":"401"}}`, string(b))
	_, _, err = c.Read(ctx)
	assert.Equal(t, websocket.StatusPolicyViolation, websocket.CloseStatus(err))
}

func TestHubMessageFanOutKeepsTheOriginatingDevice(t *testing.T) {
	e := newEnv(t, Config{})
	aliceHdr, aliceJWT := e.login("alice", "Alice")
	_, bobJWT := e.login("bob", "Bob")
	aliceHere := e.connect(aliceJWT, aliceHdr["resource"], "")
	aliceThere := e.connect(aliceJWT, "WEB-other-alice", "")
	bob := e.connect(bobJWT, "WEB-bob", "")
	sendText(e, aliceHdr, "bob", "user", "hi bob")
	for _, w := range []*wsClient{bob, aliceThere, aliceHere} {
		f := w.next("message")
		assert.Equal(t, aliceHdr["resource"], f["deviceId"], "the sender's session id, so its own socket drops the echo")
		assert.Equal(t, "alice", f["sender"])
		assert.Equal(t, "bob", f["receiver"])
		assert.Equal(t, "user", f["receiverType"])
		body := f["body"].(map[string]any)
		assert.Equal(t, "hi bob", body["data"].(map[string]any)["text"])
	}
}

func TestHubTypingAndTransientRelay(t *testing.T) {
	e := newEnv(t, Config{})
	_, aliceJWT := e.login("alice", "Alice")
	_, bobJWT := e.login("bob", "Bob")
	alice := e.connect(aliceJWT, "dev-alice", "")
	bob := e.connect(bobJWT, "dev-bob", "")
	// The official SDK's endTyping quirk: receiverType "chat".
	alice.send(map[string]any{"appId": "app1", "receiver": "bob", "receiverType": "chat", "deviceId": "dev-alice",
		"type": "typing_indicator", "sender": "mallory", "body": map[string]any{"action": "ended", "user": map[string]any{"uid": "alice"}}})
	f := bob.next("typing_indicator")
	assert.Equal(t, "alice", f["sender"], "the sender is the authenticated user")
	assert.Equal(t, "user", f["receiverType"])
	assert.Equal(t, "bob", f["receiver"])
	assert.Equal(t, "dev-alice", f["deviceId"])
	assert.Equal(t, "ended", f["body"].(map[string]any)["action"])
	alice.none("typing_indicator")

	alice.send(map[string]any{"receiver": "bob", "receiverType": "user", "deviceId": "dev-alice", "type": "transient_message",
		"body": map[string]any{"data": map[string]any{"LIVE_REACTION": "heart"}}})
	f = bob.next("transient_message")
	assert.Equal(t, map[string]any{"LIVE_REACTION": "heart"}, f["body"].(map[string]any)["data"])
}

func TestHubReceiptsAreRecordedAndRelayedToTheSender(t *testing.T) {
	e := newEnv(t, Config{})
	aliceHdr, aliceJWT := e.login("alice", "Alice")
	_, bobJWT := e.login("bob", "Bob")
	alice := e.connect(aliceJWT, "dev-alice", "")
	bob := e.connect(bobJWT, "dev-bob", "")
	r := sendText(e, aliceHdr, "bob", "user", "read me")
	id := r.data()["id"].(string)
	bob.next("message")
	bob.send(map[string]any{"receiver": "alice", "receiverType": "user", "deviceId": "dev-bob", "type": "receipts",
		"sender": "bob", "messageSender": "alice", "body": map[string]any{"action": "read", "messageId": id}})
	f := alice.next("receipts")
	assert.Equal(t, "alice", f["messageSender"])
	assert.Equal(t, "bob", f["sender"])
	body := f["body"].(map[string]any)
	assert.Equal(t, "read", body["action"])
	assert.Equal(t, id, body["messageId"])
	assert.Equal(t, float64(testNow.Unix()), body["timestamp"], "the server adds the timestamp, in seconds")
	assert.Equal(t, "bob", body["user"].(map[string]any)["uid"])

	e.s.mu.Lock()
	var mid int64
	_ = json.Unmarshal([]byte(id), &mid)
	rec := e.s.st.Receipts[mid]["bob"]
	e.s.mu.Unlock()
	require.NotNil(t, rec)
	assert.NotZero(t, rec.ReadAt)
	assert.NotZero(t, rec.DeliveredAt, "read implies delivered")
}

func TestHubGroupReceiptsAggregate(t *testing.T) {
	e := newEnv(t, Config{})
	aliceHdr, aliceJWT := e.login("alice", "Alice")
	bobHdr, bobJWT := e.login("bob", "Bob")
	carolHdr, carolJWT := e.login("carol", "Carol")
	r := e.do("POST", "/v3.0/groups", aliceHdr, map[string]any{"guid": "team", "name": "Team", "type": "public"})
	require.Equal(t, 200, r.status, string(r.raw))
	for _, hdr := range []h{bobHdr, carolHdr} {
		r = e.do("POST", "/v3.0/groups/team/members", hdr, map[string]any{"guid": "team", "type": "public"})
		require.Equal(t, 200, r.status, string(r.raw))
	}
	alice := e.connect(aliceJWT, "dev-alice", "")
	bob := e.connect(bobJWT, "dev-bob", "")
	carol := e.connect(carolJWT, "dev-carol", "")
	id := sendText(e, aliceHdr, "team", "group", "all read?").data()["id"].(string)
	receipt := func(w *wsClient, uid, action string) {
		w.send(map[string]any{"receiver": "team", "receiverType": "group", "deviceId": "dev-" + uid, "type": "receipts",
			"messageSender": "alice", "body": map[string]any{"action": action, "messageId": id}})
	}
	receipt(bob, "bob", "delivered")
	assert.Equal(t, "delivered", alice.next("receipts")["body"].(map[string]any)["action"])
	receipt(carol, "carol", "read")
	assert.Equal(t, "read", alice.next("receipts")["body"].(map[string]any)["action"])
	f := alice.next("receipts")
	assert.Equal(t, "deliveredToAll", f["body"].(map[string]any)["action"], "carol's read completes delivery to all")
	assert.Equal(t, "carol", f["body"].(map[string]any)["user"].(map[string]any)["uid"])
	receipt(bob, "bob", "read")
	assert.Equal(t, "read", alice.next("receipts")["body"].(map[string]any)["action"])
	assert.Equal(t, "readByAll", alice.next("receipts")["body"].(map[string]any)["action"])
	receipt(bob, "bob", "read") // again: nothing new to report
	alice.none("receipts")
}

func TestHubPresenceFollowsTheSubscription(t *testing.T) {
	e := newEnv(t, Config{})
	require.NoError(t, e.s.AddUser(UserSpec{UID: "vip1", Name: "V", Role: "vip"}))
	_, allJWT := e.login("watcher", "W")
	_, rolesJWT := e.login("roleswatcher", "R")
	_, noneJWT := e.login("nobody", "N")
	all := e.connect(allJWT, "dev-all", "ALL_USERS")
	roles := e.connect(rolesJWT, "dev-roles", "ROLES", "vip")
	none := e.connect(noneJWT, "dev-none", "")
	// roleswatcher and nobody came online after watcher: it saw both.
	assert.Equal(t, "roleswatcher", all.next("presence")["sender"])
	assert.Equal(t, "nobody", all.next("presence")["sender"])

	vipTok, err := e.s.IssueAuthToken("vip1")
	require.NoError(t, err)
	r := e.do("PUT", "/v3.0/me", h{"authToken": vipTok, "resource": "dev-vip"}, map[string]any{})
	vip := e.connect(r.data()["jwt"].(string), "dev-vip", "")
	for _, w := range []*wsClient{all, roles} {
		f := w.next("presence")
		body := f["body"].(map[string]any)
		assert.Equal(t, "online", body["action"])
		assert.Equal(t, "vip1", body["user"].(map[string]any)["uid"])
		assert.Equal(t, float64(testNow.Unix()), body["timestamp"])
	}
	none.none("presence")
	require.NoError(t, vip.c.Close(websocket.StatusNormalClosure, "bye"))
	for _, w := range []*wsClient{all, roles} {
		assert.Equal(t, "offline", w.next("presence")["body"].(map[string]any)["action"])
	}
	none.none("presence")
	e.s.mu.Lock()
	assert.False(t, e.s.st.isOnline("vip1"))
	e.s.mu.Unlock()
}

func TestHubClosesTheSocketsOfALoggedOutSession(t *testing.T) {
	e := newEnv(t, Config{})
	hdr, jwt := e.login("alice", "Alice")
	w := e.connect(jwt, hdr["resource"], "")
	other := e.connect(jwt, "another-session", "")
	r := e.do("DELETE", "/v3.0/me", hdr, nil)
	require.Equal(t, 200, r.status)
	assert.Equal(t, websocket.StatusNormalClosure, w.waitClosed())
	other.none("message") // other sessions stay up
	// The logged-out session's JWT no longer opens a socket.
	again := e.dial(jwt, hdr["resource"], "")
	assert.Equal(t, "ERROR", again.next("auth")["body"].(map[string]any)["status"])
}

func TestHubClosesSocketsOfRevokedTokens(t *testing.T) {
	e := newEnv(t, Config{})
	hdr, jwt := e.login("alice", "Alice")
	w := e.connect(jwt, hdr["resource"], "")
	r := e.do("DELETE", "/v3/users/alice/auth_tokens/"+hdr["authToken"], e.admin(), nil)
	require.Equal(t, 200, r.status, string(r.raw))
	assert.Equal(t, websocket.StatusPolicyViolation, w.waitClosed())
}

func TestHubShutdownClosesWith1001(t *testing.T) {
	s, err := New(Config{AppID: "app1", Now: func() time.Time { return testNow }})
	require.NoError(t, err)
	require.NoError(t, s.Start())
	tok, err := func() (string, error) {
		if err := s.CreateUser("alice", "Alice"); err != nil {
			return "", err
		}
		return s.IssueAuthToken("alice")
	}()
	require.NoError(t, err)
	r := doRequest(t, &http.Client{}, "PUT", s.URL()+"/v3.0/me", h{"authToken": tok, "resource": "dev"}, map[string]any{})
	jwt := r.data()["jwt"].(string)
	ctx, cancel := context.WithTimeout(context.Background(), wsTestTimeout)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL(), "http")+"/", nil)
	require.NoError(t, err)
	defer c.CloseNow()
	auth, _ := json.Marshal(map[string]any{"type": "auth", "body": map[string]any{"auth": jwt, "deviceId": "dev"}})
	require.NoError(t, c.Write(ctx, websocket.MessageText, auth))
	_, _, err = c.Read(ctx)
	require.NoError(t, err)
	closed := make(chan error, 1)
	go func() {
		_, _, err := c.Read(context.Background())
		closed <- err
	}()
	require.NoError(t, s.Close())
	assert.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(<-closed))
}

func TestHubFaultInjection(t *testing.T) {
	e := newEnv(t, Config{})
	aliceHdr, aliceJWT := e.login("alice", "Alice")
	_, bobJWT := e.login("bob", "Bob")
	bob := e.connect(bobJWT, "dev-bob", "")

	t.Run("push frame", func(t *testing.T) {
		n, err := e.s.PushFrame("bob", map[string]any{"type": "custom_test", "body": map[string]any{"x": 1}})
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Equal(t, map[string]any{"x": float64(1)}, bob.next("custom_test")["body"])
	})
	t.Run("duplicate next frame", func(t *testing.T) {
		e.s.DuplicateNextFrame()
		sendText(e, aliceHdr, "bob", "user", "twice")
		a, b := bob.next("message"), bob.next("message")
		assert.Equal(t, a["body"].(map[string]any)["id"], b["body"].(map[string]any)["id"])
		sendText(e, aliceHdr, "bob", "user", "once")
		assert.Equal(t, "once", bob.next("message")["body"].(map[string]any)["data"].(map[string]any)["text"])
		bob.none("message")
	})
	t.Run("stall pongs", func(t *testing.T) {
		e.s.StallPongs(-1)
		bob.send(map[string]any{"action": "ping", "ack": "true"})
		e.s.StallPongs(0)
		bob.send(map[string]any{"action": "ping", "ack": "true"})
		bob.next("pong") // only the second ping is answered…
		sendText(e, aliceHdr, "bob", "user", "marker")
		bob.next("message") // …and nothing else was queued before this message
	})
	t.Run("delay frames", func(t *testing.T) {
		e.s.DelayFrames(50 * time.Millisecond)
		start := time.Now()
		sendText(e, aliceHdr, "bob", "user", "slow")
		bob.next("message")
		assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
		e.s.DelayFrames(0)
	})
	t.Run("refuse and drop", func(t *testing.T) {
		e.s.RefuseConnections(time.Hour)
		ctx, cancel := context.WithTimeout(context.Background(), wsTestTimeout)
		defer cancel()
		_, resp, err := websocket.Dial(ctx, e.wsURL(), nil)
		require.Error(t, err)
		require.NotNil(t, resp)
		assert.Equal(t, 503, resp.StatusCode)
		e.s.RefuseConnections(0)
		assert.Equal(t, 1, e.s.DropAllConnections())
		assert.Equal(t, websocket.StatusCode(-1), bob.waitClosed(), "a drop sends no close frame")
		again := e.connect(bobJWT, "dev-bob", "")
		again.none("message")
		_ = aliceJWT
	})
}

func TestHubClosesSocketsOfDeactivatedUsers(t *testing.T) {
	e := newEnv(t, Config{})
	hdr, jwt := e.login("alice", "Alice")
	w := e.connect(jwt, hdr["resource"], "")
	r := e.do("DELETE", "/v3/users", e.admin(), map[string]any{"uidsToDeactivate": []string{"alice"}})
	require.Equal(t, 200, r.status, string(r.raw))
	assert.Equal(t, websocket.StatusPolicyViolation, w.waitClosed())
	assert.Equal(t, 0, e.s.OnlineSessions("alice"))
}
