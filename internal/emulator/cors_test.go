package emulator

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawRequest sends a request and returns the response with its body read.
func rawRequest(t *testing.T, c *http.Client, method, url string, hdr h) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp
}

// headerList splits a comma-separated header into lower-cased names.
func headerList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// TestCORSPreflightAsBrowserSendsIt is the "must show": the
// preflight a browser sends before a CometChat JS SDK call.
func TestCORSPreflightAsBrowserSendsIt(t *testing.T) {
	e := newEnv(t, Config{})
	const origin = "http://localhost:5173"
	for _, path := range []string{"/v3.0/me", "/v3.0/users/alice/messages", "/v3/users", "/any/path/at/all", "/"} {
		resp := rawRequest(t, e.ts.Client(), http.MethodOptions, e.ts.URL+path, h{
			"Origin":                         origin,
			"Access-Control-Request-Method":  "PUT",
			"Access-Control-Request-Headers": "appid,authtoken,sdk,resource",
		})
		assert.Equal(t, http.StatusNoContent, resp.StatusCode, path)
		assert.Equal(t, origin, resp.Header.Get("Access-Control-Allow-Origin"), path)
		allowed := headerList(resp.Header.Get("Access-Control-Allow-Headers"))
		for _, want := range []string{"appid", "authtoken", "sdk", "resource", "apikey", "content-type", "onbehalfof", "chatapiversion"} {
			assert.Contains(t, allowed, want, path)
		}
		methods := headerList(resp.Header.Get("Access-Control-Allow-Methods"))
		for _, want := range []string{"get", "post", "put", "patch", "delete"} {
			assert.Contains(t, methods, want, path)
		}
		assert.Equal(t, "7200", resp.Header.Get("Access-Control-Max-Age"))
		assert.Contains(t, resp.Header.Values("Vary"), "Origin")
	}
}

func TestCORSHeadersOnEveryRESTResponse(t *testing.T) {
	e := newEnv(t, Config{})
	hdr := e.user("alice", "Alice")
	hdr["Origin"] = "http://127.0.0.1:3000"
	// Success, client error and an unknown path all carry the headers, so a
	// browser script can read error bodies too.
	for _, c := range []struct {
		path   string
		status int
	}{{"/v3.0/me", 200}, {"/v3.0/users/nobody", 404}, {"/v3.0/nope", 404}} {
		resp := rawRequest(t, e.ts.Client(), http.MethodGet, e.ts.URL+c.path, hdr)
		assert.Equal(t, c.status, resp.StatusCode, c.path)
		assert.Equal(t, "http://127.0.0.1:3000", resp.Header.Get("Access-Control-Allow-Origin"), c.path)
		assert.Contains(t, resp.Header.Get("Access-Control-Expose-Headers"), "Retry-After")
		assert.Contains(t, resp.Header.Get("Access-Control-Expose-Headers"), "X-RateLimit-Remaining")
	}
	// No Origin (not a browser): no CORS headers.
	delete(hdr, "Origin")
	resp := rawRequest(t, e.ts.Client(), http.MethodGet, e.ts.URL+"/v3.0/me", hdr)
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
}

func TestCORSConfiguredOrigins(t *testing.T) {
	e := newEnv(t, Config{CORSOrigins: []string{"https://app.example.test/"}})
	pre := func(origin string) *http.Response {
		return rawRequest(t, e.ts.Client(), http.MethodOptions, e.ts.URL+"/v3.0/me", h{
			"Origin": origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authtoken",
		})
	}
	resp := pre("https://app.example.test")
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Equal(t, "https://app.example.test", resp.Header.Get("Access-Control-Allow-Origin"))

	resp = pre("https://evil.example.test")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))

	// A non-preflight request from a refused origin is served (CORS is
	// enforced by the browser), but without the Allow-Origin header.
	resp = rawRequest(t, e.ts.Client(), http.MethodGet, e.ts.URL+"/v3.0/nope", h{"Origin": "https://evil.example.test"})
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))

	// "*" allows all; an empty list allows none.
	all := newEnv(t, Config{CORSOrigins: []string{"*"}})
	assert.True(t, all.s.corsOriginAllowed("https://anything.test"))
	none := newEnv(t, Config{CORSOrigins: []string{}})
	assert.False(t, none.s.corsOriginAllowed("http://localhost:3000"))
}

func TestCORSDefaultDependsOnListenAddress(t *testing.T) {
	loop, err := New(Config{Addr: "127.0.0.1:0"})
	require.NoError(t, err)
	defer loop.Close()
	assert.True(t, loop.corsOriginAllowed("https://some-site.test"), "loopback listener: every origin")

	wide, err := New(Config{Addr: "0.0.0.0:8080"})
	require.NoError(t, err)
	defer wide.Close()
	assert.False(t, wide.corsOriginAllowed("https://some-site.test"), "public listener: loopback origins only")
	for _, o := range []string{"http://localhost:3000", "http://127.0.0.1:8081", "https://[::1]:4443", "http://app.localhost:5173"} {
		assert.True(t, wide.corsOriginAllowed(o), o)
	}
	assert.False(t, wide.corsOriginAllowed("file://"))
}

func TestCORSPrivateNetworkAndReflectedHeaders(t *testing.T) {
	e := newEnv(t, Config{})
	resp := rawRequest(t, e.ts.Client(), http.MethodOptions, e.ts.URL+"/v3.0/me", h{
		"Origin":                                 "https://public.example.test",
		"Access-Control-Request-Method":          "GET",
		"Access-Control-Request-Headers":         "authtoken, X-Custom-Thing, bad header, (x)",
		"Access-Control-Request-Private-Network": "true",
	})
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Equal(t, "true", resp.Header.Get("Access-Control-Allow-Private-Network"))
	allowed := headerList(resp.Header.Get("Access-Control-Allow-Headers"))
	assert.Contains(t, allowed, "x-custom-thing")
	for _, a := range allowed {
		assert.True(t, isHeaderToken(a), "%q", a)
	}
	// OPTIONS without Origin is not CORS: a plain Allow.
	resp = rawRequest(t, e.ts.Client(), http.MethodOptions, e.ts.URL+"/v3.0/me", nil)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Allow"), "PUT")
}

func TestCORSNotOnDashboard(t *testing.T) {
	e := newEnv(t, Config{})
	resp := rawRequest(t, e.ts.Client(), http.MethodGet, e.ts.URL+"/emulator/api/state", h{"Origin": "https://other.test"})
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"), "other sites must not read the dashboard")
}

func TestWebSocketOrigin(t *testing.T) {
	req := func(origin, host string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "http://"+host+"/", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		return r
	}
	restricted, err := New(Config{CORSOrigins: []string{"http://localhost:3000"}})
	require.NoError(t, err)
	defer restricted.Close()
	assert.True(t, restricted.webSocketOriginAllowed(req("", "127.0.0.1:9")), "no Origin: not a browser")
	assert.True(t, restricted.webSocketOriginAllowed(req("http://127.0.0.1:9", "127.0.0.1:9")), "same origin")
	assert.True(t, restricted.webSocketOriginAllowed(req("http://localhost:3000", "127.0.0.1:9")), "a CORS origin")
	assert.False(t, restricted.webSocketOriginAllowed(req("https://evil.test", "127.0.0.1:9")))

	anyOrigin, err := New(Config{CORSOrigins: []string{}, AllowAnyWebSocketOrigin: true})
	require.NoError(t, err)
	defer anyOrigin.Close()
	assert.True(t, anyOrigin.webSocketOriginAllowed(req("https://evil.test", "127.0.0.1:9")))

	// Through the hub: a refused origin gets 403 before the upgrade, an
	// allowed one is upgraded.
	e := newEnv(t, Config{CORSOrigins: []string{"http://localhost:3000"}})
	ctx := context.Background()
	wsURL := "ws" + strings.TrimPrefix(e.ts.URL, "http") + "/"
	_, resp, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://evil.test"}}})
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	c, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"http://localhost:3000"}}})
	require.NoError(t, err)
	c.Close(websocket.StatusNormalClosure, "")
}
