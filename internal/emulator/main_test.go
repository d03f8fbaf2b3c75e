package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind (Close
// must stop everything it started).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testNow is the fixed clock of the tests.
var testNow = time.Unix(1717000000, 0)

// env is an emulator served by httptest, with request helpers.
type env struct {
	t  *testing.T
	s  *Server
	ts *httptest.Server
}

// newEnv serves a new emulator (fixed clock, known keys unless cfg sets them).
func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return testNow }
	}
	if cfg.AppID == "" {
		cfg.AppID = "app1"
	}
	if cfg.AuthKey == "" {
		cfg.AuthKey = "authkey0000000000000000000000000000000001"
	}
	if cfg.RESTAPIKey == "" {
		cfg.RESTAPIKey = "restkey0000000000000000000000000000000001"
	}
	s, err := New(cfg)
	require.NoError(t, err)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ts.Close()
		require.NoError(t, s.Close())
	})
	return &env{t: t, s: s, ts: ts}
}

// reply is a decoded response.
type reply struct {
	status int
	body   map[string]any
	raw    []byte
}

// data returns body["data"] as an object.
func (r reply) data() map[string]any {
	d, _ := r.body["data"].(map[string]any)
	return d
}

// code returns the error code, or "".
func (r reply) code() string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// errObj returns body["error"].
func (r reply) errObj() map[string]any {
	e, _ := r.body["error"].(map[string]any)
	return e
}

// h is a header set.
type h map[string]string

// do sends a request; body is JSON-encoded unless it is a string or nil.
func (e *env) do(method, path string, hdr h, body any) reply {
	e.t.Helper()
	return doRequest(e.t, e.ts.Client(), method, e.ts.URL+path, hdr, body)
}

func doRequest(t *testing.T, c *http.Client, method, url string, hdr h, body any) reply {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		enc, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	r := reply{status: resp.StatusCode, raw: raw}
	require.NoError(t, json.Unmarshal(raw, &r.body), "body: %s", raw)
	return r
}

// admin returns headers for the REST API key.
func (e *env) admin() h { return h{"apikey": e.s.RESTAPIKey()} }

// authKey returns headers for the Auth Key, spelt as the JS SDK does.
func (e *env) authKey() h { return h{"apiKey": e.s.AuthKey()} }

// user creates a user and returns client headers with a fresh token.
func (e *env) user(uid, name string) h {
	e.t.Helper()
	require.NoError(e.t, e.s.CreateUser(uid, name))
	tok, err := e.s.IssueAuthToken(uid)
	require.NoError(e.t, err)
	return h{"authToken": tok, "appId": e.s.AppID(), "resource": "WEB-4_2_0-" + uid + "-1"}
}

// serveOnce runs one request through s.Handler() without a network.
func serveOnce(t *testing.T, s *Server, method, path string, hdr h) reply {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	r := reply{status: rec.Code, raw: rec.Body.Bytes()}
	require.NoError(t, json.Unmarshal(r.raw, &r.body), "body: %s", r.raw)
	return r
}
