package cometchat

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeService is a scripted stand-in for the service in unit tests that check exact requests. The
// emulator (cometchattest) covers behaviour; this covers the bytes on the wire.
type fakeService struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	requests []recorded
	handlers map[string]func(w http.ResponseWriter, r *http.Request, body []byte)
}

type recorded struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

func newFakeService(t *testing.T) *fakeService {
	f := &fakeService{t: t, handlers: map[string]func(http.ResponseWriter, *http.Request, []byte){}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// handle registers a handler for "METHOD /path".
func (f *fakeService) handle(pattern string, h func(w http.ResponseWriter, r *http.Request, body []byte)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[pattern] = h
}

// reply registers a fixed JSON answer.
func (f *fakeService) reply(pattern string, status int, body string) {
	f.handle(pattern, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	})
}

func (f *fakeService) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
	h := f.handlers[r.Method+" "+r.URL.Path]
	f.mu.Unlock()
	if h == nil {
		w.WriteHeader(404)
		_, _ = io.WriteString(w, `{"error":{"code":"ERR_API_NOT_FOUND","message":"no route"}}`)
		return
	}
	h(w, r, body)
}

func (f *fakeService) recorded() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

// settings returns AppSettings pinned at the fake service.
func (f *fakeService) settings() AppSettings {
	// No realtime connection: these tests check the exact REST requests.
	return AppSettings{AppID: "app1", Region: RegionUS, AllowInsecure: true, DisableAutoConnect: true,
		Endpoints: Endpoints{ClientAPI: f.srv.URL + "/v3.0", AdminAPI: f.srv.URL + "/v3.0", WebSocket: strings.Replace(f.srv.URL, "http", "ws", 1) + "/"}}
}

// mePayloadJSON is a PUT me answer for uid with token.
func mePayloadJSON(uid, token string) string {
	b, _ := json.Marshal(map[string]any{"data": map[string]any{
		"uid": uid, "name": strings.ToUpper(uid), "status": "available", "role": "default", "createdAt": 1700000000,
		"authToken": token, "jwt": "jwt-" + token,
		"settings": map[string]any{"CLIENT_API_HOST": "h:1", "CHAT_API_VERSION": "v3.0", "CHAT_WSS_PORT": "443", "MODE": "DEFAULT"},
	}})
	return string(b)
}
