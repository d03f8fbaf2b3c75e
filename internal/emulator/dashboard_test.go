package emulator

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// feedStream reads the dashboard's SSE feed.
type feedStream struct {
	t      *testing.T
	resp   *http.Response
	sc     *bufio.Scanner
	cancel context.CancelFunc
}

// openFeed subscribes to /emulator/api/events?query. The stream ends with
// the test or after 20 s, so a missing item fails instead of hanging.
func openFeed(t *testing.T, e *env, query string) *feedStream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	req, err := http.NewRequestWithContext(ctx, "GET", e.ts.URL+"/emulator/api/events"+query, nil)
	require.NoError(t, err)
	resp, err := e.ts.Client().Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	f := &feedStream{t: t, resp: resp, sc: bufio.NewScanner(resp.Body), cancel: cancel}
	f.sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	t.Cleanup(f.close)
	return f
}

func (f *feedStream) close() {
	f.cancel()
	f.resp.Body.Close()
}

// next returns the next feed item.
func (f *feedStream) next() feedItem {
	f.t.Helper()
	for f.sc.Scan() {
		line := f.sc.Text()
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			var it feedItem
			require.NoError(f.t, json.Unmarshal([]byte(data), &it))
			return it
		}
	}
	f.t.Fatalf("feed ended: %v", f.sc.Err())
	return feedItem{}
}

// until returns the first item for which match is true.
func (f *feedStream) until(match func(feedItem) bool) feedItem {
	f.t.Helper()
	for {
		if it := f.next(); match(it) {
			return it
		}
	}
}

// wsLogin logs uid in (PUT me) and opens an authenticated WebSocket.
func wsLogin(t *testing.T, e *env, hdr h) *websocket.Conn {
	t.Helper()
	r := e.ok("PUT", "/v3.0/me", hdr, map[string]any{"platform": "WEB"})
	jwt := r.data()["jwt"].(string)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.ts.URL, "http")+"/", nil)
	require.NoError(t, err)
	t.Cleanup(func() { c.CloseNow() })
	auth, _ := json.Marshal(map[string]any{"appId": e.s.AppID(), "deviceId": hdr["resource"], "type": "auth",
		"sender": "", "body": map[string]any{"auth": jwt, "deviceId": hdr["resource"], "presenceSubscription": "ALL_USERS"}})
	require.NoError(t, c.Write(ctx, websocket.MessageText, auth))
	_, reply, err := c.Read(ctx)
	require.NoError(t, err)
	require.Contains(t, string(reply), `"status":"OK"`)
	return c
}

func TestDashboardState(t *testing.T) {
	e := newEnv(t, Config{})
	alice, bob := populate(t, e)
	ws := wsLogin(t, e, bob)
	_ = ws

	var st dashState
	r := e.do("GET", "/emulator/api/state", nil, nil)
	require.Equal(t, http.StatusOK, r.status)
	require.NoError(t, json.Unmarshal(r.raw, &st))
	assert.Equal(t, e.s.AppID(), st.App.AppID)
	uids := map[string]dashUser{}
	for _, u := range st.Users {
		uids[u.UID] = u
	}
	require.Len(t, uids, 4)
	assert.True(t, uids["bob"].Online, "bob has a socket")
	assert.False(t, uids["alice"].Online)
	assert.Equal(t, "moderator-role", uids["dave"].Role)

	require.Len(t, st.Groups, 1)
	g := st.Groups[0]
	assert.Equal(t, "g1", g.GUID)
	scopes := map[string]string{}
	for _, m := range g.Members {
		scopes[m.UID] = m.Scope
	}
	assert.Equal(t, map[string]string{"alice": "admin", "bob": "participant", "carol": "moderator"}, scopes)
	assert.Equal(t, []string{"dave"}, g.Banned)

	convs := map[string]dashConv{}
	for _, c := range st.Conversations {
		convs[c.ConversationID] = c
	}
	require.Contains(t, convs, "alice_user_bob")
	assert.Equal(t, 2, convs["alice_user_bob"].Messages)
	assert.Equal(t, "hi alice", convs["alice_user_bob"].Last.Text)
	assert.Contains(t, convs, "group_g1")

	require.Len(t, st.Sockets, 1)
	assert.Equal(t, "bob", st.Sockets[0].UID)
	assert.Equal(t, bob["resource"], st.Sockets[0].Session)

	var msgs struct {
		Messages []dashMsg `json:"messages"`
	}
	r = e.do("GET", "/emulator/api/conversations/alice_user_bob/messages", nil, nil)
	require.NoError(t, json.Unmarshal(r.raw, &msgs))
	require.Len(t, msgs.Messages, 2)
	assert.Equal(t, "hello bob", msgs.Messages[0].Text, "oldest first")
	assert.Equal(t, "alice", msgs.Messages[0].Sender)
	_ = alice
}

func TestDashboardFeed(t *testing.T) {
	e := newEnv(t, Config{})
	alice := e.user("alice", "Alice")
	bob := e.user("bob", "Bob")
	feed := openFeed(t, e, "")
	// The backlog: alice's creation is already there.
	it := feed.until(func(it feedItem) bool { return it.Kind == "event" && it.Event == string(EventUserCreated) })
	assert.Equal(t, "alice", it.UID)

	ws := wsLogin(t, e, bob)
	e.ok("POST", "/v3.0/messages", alice, map[string]any{
		"receiver": "bob", "receiverType": "user", "category": "message", "type": "text", "data": map[string]any{"text": "hello live"},
	})

	// The items come in the order the emulator handled them; pick out the
	// four this test is about.
	var in, ev, out, rest feedItem
	for in.Seq == 0 || ev.Seq == 0 || out.Seq == 0 || rest.Seq == 0 {
		it := feed.next()
		switch {
		case it.Kind == "frame" && it.Dir == frameIn && it.FrameType == "auth":
			in = it
		case it.Kind == "event" && it.Event == string(EventMessageSent):
			ev = it
		case it.Kind == "frame" && it.Dir == frameOut && it.FrameType == "message":
			out = it
		case it.Kind == "rest" && it.Method == "POST" && it.Path == "/v3.0/messages":
			rest = it
		}
	}
	// The auth frame in, with its JWT redacted.
	assert.Contains(t, string(in.Detail), `"auth":"[redacted]"`)
	assert.NotContains(t, string(in.Detail), "eyJ", "no JWT in the feed")
	// The state event and the frame out to bob.
	assert.Equal(t, "alice_user_bob", ev.Conversation)
	assert.Contains(t, ev.Summary, "hello live")
	assert.Contains(t, out.UIDs, "bob")
	assert.Equal(t, "alice_user_bob", out.Conversation)
	assert.Contains(t, out.Summary, "hello live")
	// And the REST call with its status.
	assert.Equal(t, http.StatusOK, rest.Status)
	assert.Equal(t, "alice", rest.UID)
	_ = ws

	// Dashboard calls are not in the feed; failed calls are, with status.
	e.do("GET", "/emulator/api/state", nil, nil)
	e.do("GET", "/v3.0/users/nobody", alice, nil)
	rest = feed.until(func(it feedItem) bool { return it.Kind == "rest" })
	assert.Equal(t, "/v3.0/users/nobody", rest.Path)
	assert.Equal(t, http.StatusNotFound, rest.Status)
}

func TestDashboardFeedFilters(t *testing.T) {
	e := newEnv(t, Config{})
	alice := e.user("alice", "Alice")
	e.user("bob", "Bob")
	carol := e.user("carol", "Carol")
	send := func(from h, to, text string) {
		e.ok("POST", "/v3.0/messages", from, map[string]any{
			"receiver": to, "receiverType": "user", "category": "message", "type": "text", "data": map[string]any{"text": text},
		})
	}
	byConv := openFeed(t, e, "?conversation=alice_user_bob")
	byUser := openFeed(t, e, "?uid=Carol")
	send(carol, "bob", "carol to bob")
	send(alice, "bob", "alice to bob")

	it := byConv.next()
	assert.Equal(t, "alice_user_bob", it.Conversation, "nothing of carol's conversation")
	it = byUser.next()
	assert.Contains(t, it.UIDs, "carol")
	for {
		it = byUser.next()
		require.Contains(t, it.UIDs, "carol", "only carol's items: %+v", it)
		if it.Kind == "rest" && it.Method == "POST" {
			break
		}
	}
}

func TestDashboardFeedResumesAfterLastEventID(t *testing.T) {
	e := newEnv(t, Config{})
	e.user("alice", "Alice")
	first := openFeed(t, e, "")
	last := first.next().Seq
	first.close()
	e.user("bob", "Bob")
	req, err := http.NewRequest("GET", e.ts.URL+"/emulator/api/events", nil)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req = req.WithContext(ctx)
	req.Header.Set("Last-Event-ID", "1")
	resp, err := e.ts.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	f := &feedStream{t: t, resp: resp, sc: bufio.NewScanner(resp.Body), cancel: cancel}
	it := f.next()
	assert.Equal(t, uint64(2), it.Seq, "resumes right after id 1")
	assert.GreaterOrEqual(t, last, uint64(1))
}

func TestDashboardStreamsEndAtClose(t *testing.T) {
	s, err := New(Config{})
	require.NoError(t, err)
	require.NoError(t, s.Start())
	resp, err := http.Get(s.URL() + "/emulator/api/events")
	require.NoError(t, err)
	defer resp.Body.Close()
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, resp.Body)
		done <- err
	}()
	require.NoError(t, s.Close(), "Close does not wait for open streams")
	<-done
}

func TestDashboardGuard(t *testing.T) {
	s, err := New(Config{RESTAPIKey: "the-rest-key"})
	require.NoError(t, err)
	defer s.Close()
	get := func(remote, host string, user, pass *string) int {
		req := httptest.NewRequest("GET", "http://"+host+"/emulator/api/state", nil)
		req.RemoteAddr = remote
		if pass != nil {
			req.SetBasicAuth(*user, *pass)
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code == http.StatusUnauthorized {
			assert.Contains(t, rec.Header().Get("WWW-Authenticate"), "Basic")
		}
		return rec.Code
	}
	anyUser, key, wrong := "", "the-rest-key", "nope"
	assert.Equal(t, http.StatusOK, get("127.0.0.1:5000", "127.0.0.1:8080", nil, nil), "local")
	assert.Equal(t, http.StatusOK, get("[::1]:5000", "localhost:8080", nil, nil), "local, IPv6")
	assert.Equal(t, http.StatusUnauthorized, get("127.0.0.1:5000", "rebind.evil.test:8080", nil, nil), "DNS rebinding")
	assert.Equal(t, http.StatusUnauthorized, get("192.0.2.7:5000", "192.0.2.1:8080", nil, nil), "remote")
	assert.Equal(t, http.StatusUnauthorized, get("192.0.2.7:5000", "192.0.2.1:8080", &anyUser, &wrong))
	assert.Equal(t, http.StatusOK, get("192.0.2.7:5000", "192.0.2.1:8080", &anyUser, &key), "remote with the key")

	off, err := New(Config{DisableDashboard: true})
	require.NoError(t, err)
	defer off.Close()
	r := serveOnce(t, off, "GET", "/emulator/api/state", nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "ERR_API_NOT_FOUND", r.code())
}

func TestDashboardPageIsSelfContained(t *testing.T) {
	e := newEnv(t, Config{})
	for path, ctype := range map[string]string{
		"/emulator/":                 "text/html",
		"/emulator/static/app.js":    "text/javascript",
		"/emulator/static/style.css": "text/css",
	} {
		resp, err := e.ts.Client().Get(e.ts.URL + path)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.Contains(t, resp.Header.Get("Content-Type"), ctype, path)
		assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'self'", path)
		// No external assets: nothing is loaded from another host.
		for _, ref := range []string{"http://", "https://", "//cdn", "@import"} {
			assert.NotContains(t, string(body), ref, path)
		}
	}
	resp, err := e.ts.Client().Get(e.ts.URL + "/emulator/nothing-here")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestFeedRingIsBounded(t *testing.T) {
	d := &dashboard{nextSeq: 1, changed: make(chan struct{}), done: make(chan struct{})}
	for range feedCapacity + 10 {
		d.add(&feedItem{Kind: "event"})
	}
	items, _ := d.since(0)
	require.Len(t, items, feedCapacity)
	assert.Equal(t, uint64(11), items[0].Seq)
	items, _ = d.since(uint64(feedCapacity + 5))
	assert.Len(t, items, 5)
}

func TestRedactJSON(t *testing.T) {
	got := string(redactJSON([]byte(`{"type":"auth","body":{"auth":"jwt","nested":[{"authToken":"t","apiKey":"k","keep":"v"}]}}`)))
	assert.NotContains(t, got, `"jwt"`)
	assert.NotContains(t, got, `"t"`)
	assert.NotContains(t, got, `"k"`)
	assert.Contains(t, got, `"keep":"v"`)
	assert.Nil(t, redactJSON([]byte("not json")))
	assert.Equal(t, "ab…", truncateRunes("abc", 2))
	assert.Equal(t, "äö", truncateRunes("äö", 2))
}
