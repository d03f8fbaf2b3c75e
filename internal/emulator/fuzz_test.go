package emulator

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Fuzz targets for the emulator's input parsing (issue 7):
//
//   - FuzzRESTBody: an arbitrary body sent to one of the body-taking endpoints, client and server
//     API. The answer must be a success or a 4xx error with a code of errors.md §3 (never a 5xx: a
//     recovered panic is a 500 ERR_MISSION_FAILED), and a rejected request must leave the state as
//     it was.
//   - FuzzHubFrame: an arbitrary frame from an authenticated WebSocket client, handled by the hub
//     exactly as its reader does. It must not panic, and the hub's bookkeeping (online counts,
//     authenticated connections) must stay consistent.
//
// Crashers are kept under testdata/fuzz/<target>/ and rerun by every `go test`.

// fuzzFixture is an emulator without a listener and the headers of its two users.
type fuzzFixture struct {
	s          *Server
	alice, bob h
}

func newFuzzFixture(tb testing.TB) *fuzzFixture {
	tb.Helper()
	s, err := New(Config{AppID: "app1", Now: func() time.Time { return testNow }, DisableDashboard: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	f := &fuzzFixture{s: s}
	for _, uid := range []string{"alice", "bob"} {
		if err := s.CreateUser(uid, strings.ToUpper(uid[:1])+uid[1:]); err != nil {
			tb.Fatal(err)
		}
		tok, err := s.IssueAuthToken(uid)
		if err != nil {
			tb.Fatal(err)
		}
		hdr := h{"authToken": tok, "appId": "app1", "resource": "WEB-" + uid}
		if uid == "alice" {
			f.alice = hdr
		} else {
			f.bob = hdr
		}
	}
	for _, step := range []struct {
		method, path string
		hdr          h
		body         string
	}{
		{"POST", "/v3.0/groups", f.alice, `{"guid":"g1","name":"G1","type":"public"}`},
		{"POST", "/v3.0/groups/g1/members", f.bob, `{"guid":"g1","name":"name","type":"public"}`},
		{"POST", "/v3.0/messages", f.alice, `{"receiver":"bob","receiverType":"user","category":"message","type":"text","data":{"text":"hi"}}`},
	} {
		if st, raw := serveRaw(s, step.method, step.path, step.hdr, []byte(step.body)); st != 200 {
			tb.Fatalf("%s %s: %d %s", step.method, step.path, st, raw)
		}
	}
	return f
}

// serveRaw runs one request through the handler without a network.
func serveRaw(s *Server, method, path string, hdr h, body []byte) (int, []byte) {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// fuzzRoutes are body-taking endpoints that keep the fixture usable when they succeed.
var fuzzRoutes = []struct {
	method, path string
	admin        bool
}{
	{"PUT", "/v3.0/me", false}, {"POST", "/v3.0/messages", false}, {"POST", "/v3.0/messages/1/thread", false},
	{"PUT", "/v3.0/messages/1", false}, {"PATCH", "/v3.0/messages/1/interacted", false}, {"POST", "/v3.0/groups", false},
	{"PUT", "/v3.0/groups/g1", false}, {"PUT", "/v3.0/groups/g1/members", false}, {"PUT", "/v3.0/groups/g1/members/bob", false},
	{"POST", "/v3.0/blockedusers", false}, {"DELETE", "/v3.0/blockedusers", false}, {"PUT", "/v3.0/users/bob/conversation", false},
	{"DELETE", "/v3.0/users/bob/conversation/read", false}, {"POST", "/v3.0/calls", false}, {"POST", "/v3.0/files/upload-url", false},
	{"POST", "/v3/users", true}, {"PUT", "/v3/users/bob", true}, {"POST", "/v3/groups", true}, {"POST", "/v3/messages", true},
	{"POST", "/v3/users/bob/friends", true}, {"POST", "/v3/roles", true}, {"POST", "/v3/groups/g1/members", true},
}

func FuzzRESTBody(f *testing.F) {
	for i := range fuzzRoutes {
		for _, b := range hostileBodies() {
			if len(b) < 4096 {
				f.Add(uint8(i), []byte(b))
			}
		}
	}
	f.Add(uint8(1), []byte(`{"receiver":"bob","receiverType":"user","category":"message","type":"text","data":{"text":"x","metadata":{"a":[1,{"b":null}]},"mentions":7},"tags":["a",1],"muid":5}`))
	f.Add(uint8(15), []byte(`{"uid":"NEW-User_1","name":"N","metadata":{"x":"y"},"tags":["t"],"withAuthToken":"true"}`))
	f.Add(uint8(5), []byte(`{"guid":"g2","name":"G","type":"password","password":"","members":{"admins":["bob",5],"usersToBan":{}}}`))
	fx := newFuzzFixture(f)
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		hdr := fx.alice
		if r.admin {
			hdr = h{"apikey": fx.s.RESTAPIKey()}
		}
		before, err := fx.s.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		var status int
		var raw []byte
		done := make(chan struct{})
		go func() { status, raw = serveRaw(fx.s, r.method, r.path, hdr, body); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("HUNG %s %s %q\n%s", r.method, r.path, body, buf[:n])
		}
		if checkErrorEnvelope(t, r.method+" "+r.path, status, raw) {
			after, err := fx.s.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Fatalf("%s %s rejected the body (%s) but changed the state", r.method, r.path, raw)
			}
		}
	})
}

func FuzzHubFrame(f *testing.F) {
	for _, s := range []string{
		`{"action":"ping","ack":"true"}`, `{"type":"auth","body":{"auth":"x"}}`,
		`{"type":"typing_indicator","receiver":"bob","receiverType":"user","body":{"action":"started","user":{"uid":"alice"}}}`,
		`{"type":"typing_indicator","receiver":"g1","receiverType":"groupchat","body":{"action":"ended"}}`,
		`{"type":"transient_message","receiver":"bob","receiverType":"chat","body":{"data":{"x":1}}}`,
		`{"type":"receipts","receiver":"bob","receiverType":"user","messageSender":"alice","body":{"action":"read","messageId":"1"}}`,
		`{"type":"receipts","receiver":"g1","receiverType":"group","body":{"action":"delivered","messageId":1}}`,
		`{"type":"receipts","receiver":"bob","receiverType":"user","body":{"action":"read","messageId":"-1"}}`,
		`{"type":"hologram"}`, `[]`, `not json`, `{"type":"typing_indicator","body":null}`,
	} {
		f.Add([]byte(s))
	}
	fx := newFuzzFixture(f)
	jwts := map[string]string{}
	for uid, hdr := range map[string]h{"alice": fx.alice, "bob": fx.bob} {
		st, raw := serveRaw(fx.s, "PUT", "/v3.0/me", hdr, []byte(`{"platform":"WEB","deviceId":"d"}`))
		var me struct {
			Data struct {
				JWT string `json:"jwt"`
			} `json:"data"`
		}
		if st != 200 || json.Unmarshal(raw, &me) != nil || me.Data.JWT == "" {
			f.Fatalf("PUT me for %s: %d %s", uid, st, raw)
		}
		jwts[uid] = me.Data.JWT
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		hb := fx.s.hub
		// Two authenticated connections without sockets: the frame goes through handle, the same code
		// the reader goroutine runs; what the hub queues lands in their queues.
		conns := map[string]*wsConn{}
		for _, uid := range []string{"alice", "bob"} {
			c := &wsConn{h: hb, wake: make(chan struct{}, 1), kill: make(chan struct{}), done: make(chan struct{})}
			fx.s.mu.Lock()
			hb.nextID++
			c.id = hb.nextID
			hb.conns[c] = struct{}{}
			fx.s.mu.Unlock()
			c.handle([]byte(`{"type":"auth","deviceId":"WEB-` + uid + `","body":{"auth":"` + jwts[uid] + `","deviceId":"WEB-` + uid + `"}}`))
			if !c.isAuthed() {
				t.Fatalf("%s did not authenticate", uid)
			}
			conns[uid] = c
		}
		conns["alice"].handle(frame)
		for _, c := range conns {
			for it, ok := c.pop(); ok; it, ok = c.pop() {
				if !it.close && !json.Valid(it.frame) {
					t.Fatalf("the hub queued invalid JSON %q", it.frame)
				}
			}
		}
		fx.s.mu.Lock()
		for _, c := range conns {
			hb.removeLocked(c)
		}
		leftConns, online := len(hb.conns), len(fx.s.st.online)
		fx.s.mu.Unlock()
		if leftConns != 0 || online != 0 {
			t.Fatalf("after the connections closed: %d connections and %d users still online", leftConns, online)
		}
	})
}
