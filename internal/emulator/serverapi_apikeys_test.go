package emulator

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var hex40 = regexp.MustCompile(`^[0-9a-f]{40}$`)

func keyNames(t *testing.T, r reply) []string {
	t.Helper()
	items, ok := r.body["data"].([]any)
	require.True(t, ok, "data is a list: %s", r.raw)
	out := make([]string, len(items))
	for i, it := range items {
		out[i], _ = it.(map[string]any)["name"].(string)
	}
	return out
}

func TestAPIKeysCreateAndUseAtOnce(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.do("POST", "/v3/apikeys", e.admin(), map[string]any{"name": "Ops"})
	require.Equal(t, 200, r.status, string(r.raw))
	k := r.data()
	assert.Regexp(t, hex40, k["apiKey"])
	assert.Equal(t, "Ops", k["name"])
	assert.Equal(t, "authOnly", k["scope"], "scope defaults to authOnly")
	assert.Equal(t, float64(testNow.Unix()), k["createdAt"])
	authOnly := k["apiKey"].(string)

	r = e.do("POST", "/v3/apikeys", e.admin(), map[string]any{"name": "Backend", "scope": "fullAccess"})
	require.Equal(t, 200, r.status, string(r.raw))
	full := r.data()["apiKey"].(string)
	assert.NotEqual(t, authOnly, full)

	// New keys authenticate the next request, with their scope.
	assert.Equal(t, 200, e.do("GET", "/v3/users", h{"apikey": full}, nil).status)
	assert.Equal(t, "AUTH_ERR_NO_ACCESS", e.do("GET", "/v3/users", h{"APIKEY": authOnly}, nil).code())
	r = e.do("POST", "/v3/users", h{"apiKey": authOnly}, map[string]any{"uid": "ada", "name": "Ada"})
	assert.Equal(t, 200, r.status, "an authOnly key may create users: %s", r.raw)
	// Key management needs fullAccess.
	assert.Equal(t, "AUTH_ERR_NO_ACCESS", e.do("GET", "/v3/apikeys", h{"apikey": authOnly}, nil).code())
	assert.Equal(t, "AUTH_ERR_NO_ACCESS", e.do("POST", "/v3/apikeys", e.authKey(), map[string]any{"name": "x"}).code())
	// The v3.0 alias serves the same endpoints.
	assert.Equal(t, 200, e.do("GET", "/v3.0/apikeys/"+full, e.admin(), nil).status)
}

func TestAPIKeysValidation(t *testing.T) {
	e := newEnv(t, Config{})
	for name, body := range map[string]map[string]any{
		"name":        {},
		"name ":       {"name": "  "},
		"name long":   {"name": strings.Repeat("é", 101)},
		"name type":   {"name": 5},
		"scope":       {"name": "k", "scope": "admin"},
		"scope null":  {"name": "k", "scope": nil},
		"scope empty": {"name": "k", "scope": ""},
	} {
		r := e.do("POST", "/v3/apikeys", e.admin(), body)
		assert.Equal(t, http.StatusBadRequest, r.status, name)
		assert.Equal(t, "ERR_BAD_REQUEST", r.code(), name)
		field := strings.Fields(name)[0]
		assert.Contains(t, r.errObj()["details"], field, name)
	}
	r := e.do("POST", "/v3/apikeys", e.admin(), map[string]any{"name": strings.Repeat("é", 100)})
	assert.Equal(t, 200, r.status, "100 characters are allowed")
	assert.Equal(t, "ERR_BAD_REQUEST", e.do("GET", "/v3/apikeys?scope=owner", e.admin(), nil).code())
	assert.Equal(t, "ERR_BAD_REQUEST", e.do("PUT", "/v3/apikeys/"+e.s.AuthKey(), e.admin(), map[string]any{"scope": "all"}).code())
}

func TestAPIKeysListGetUpdate(t *testing.T) {
	e := newEnv(t, Config{})
	for i, name := range []string{"Deploy bot", "Support desk", "deploy staging"} {
		scope := "authOnly"
		if i == 1 {
			scope = "fullAccess"
		}
		r := e.do("POST", "/v3/apikeys", e.admin(), map[string]any{"name": name, "scope": scope})
		require.Equal(t, 200, r.status, string(r.raw))
	}
	r := e.do("GET", "/v3/apikeys", e.admin(), nil)
	require.Equal(t, 200, r.status, string(r.raw))
	assert.Equal(t, []string{"Auth Key", "REST API Key", "Deploy bot", "Support desk", "deploy staging"}, keyNames(t, r),
		"the configured keys, then the new ones in creation order (all in the same second)")
	assert.Equal(t, 5.0, r.body["meta"].(map[string]any)["pagination"].(map[string]any)["total"])

	for q, want := range map[string][]string{
		"searchKey=DEPLOY":                  {"Deploy bot", "deploy staging"},
		"searchKey=deploy&scope=fullAccess": {},
		"scope=fullAccess&searchKey=e":      {"REST API Key", "Support desk"},
		"searchKey=nothing":                 {},
	} {
		r := e.do("GET", "/v3/apikeys?"+q, e.admin(), nil)
		require.Equal(t, 200, r.status, q)
		assert.ElementsMatch(t, want, keyNames(t, r), q)
	}
	r = e.do("GET", "/v3/apikeys?perPage=2&page=3", e.admin(), nil)
	require.Equal(t, 200, r.status)
	assert.Len(t, keyNames(t, r), 1)
	assert.Equal(t, 3.0, r.body["meta"].(map[string]any)["pagination"].(map[string]any)["total_pages"])

	r = e.do("GET", "/v3/apikeys/"+e.s.AuthKey(), e.admin(), nil)
	require.Equal(t, 200, r.status, string(r.raw))
	assert.Equal(t, map[string]any{"apiKey": e.s.AuthKey(), "name": "Auth Key", "scope": "authOnly",
		"createdAt": float64(testNow.Unix())}, r.data())
	r = e.do("GET", "/v3/apikeys/0123456789abcdef0123456789abcdef01234567", e.admin(), nil)
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "ERR_APIKEY_NOT_FOUND", r.code())
	assert.NotContains(t, string(r.raw), "0123456789abcdef0123456789abcdef01234567", "the key is not echoed")

	r = e.do("PUT", "/v3/apikeys/"+e.s.AuthKey(), e.admin(), map[string]any{"name": "Mobile", "scope": "fullAccess"})
	require.Equal(t, 200, r.status, string(r.raw))
	assert.Equal(t, "Mobile", r.data()["name"])
	assert.Equal(t, "fullAccess", r.data()["scope"])
	assert.Equal(t, 200, e.do("GET", "/v3/users", e.authKey(), nil).status, "the promotion applies at once")
	r = e.do("PUT", "/v3/apikeys/"+e.s.AuthKey(), e.admin(), map[string]any{"scope": "authOnly"})
	require.Equal(t, 200, r.status, string(r.raw))
	assert.Equal(t, "Mobile", r.data()["name"], "an absent field is kept")
	assert.Equal(t, "ERR_APIKEY_NOT_FOUND", e.do("PUT", "/v3/apikeys/nope", e.admin(), map[string]any{"name": "x"}).code())

	r = e.do("PUT", "/v3/apikeys/"+e.s.RESTAPIKey(), e.admin(), map[string]any{"name": "Me"})
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "ERR_APIKEY_NO_SELF_ACTION", r.code())
}

func TestAPIKeysDelete(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.do("POST", "/v3/apikeys", e.admin(), map[string]any{"name": "Second admin", "scope": "fullAccess"})
	require.Equal(t, 200, r.status)
	second := r.data()["apiKey"].(string)

	r = e.do("DELETE", "/v3/apikeys/"+e.s.RESTAPIKey(), e.admin(), nil)
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "ERR_APIKEY_NO_SELF_ACTION", r.code())

	r = e.do("DELETE", "/v3/apikeys/"+second, e.admin(), nil)
	require.Equal(t, 200, r.status, string(r.raw))
	assert.Equal(t, true, r.data()["success"])
	assert.NotContains(t, string(r.raw), second)
	r = e.do("GET", "/v3/users", h{"apikey": second}, nil)
	assert.Equal(t, "AUTH_ERR_APIKEY_NOT_FOUND", r.code(), "a deleted key stops working at once")
	assert.Equal(t, "ERR_APIKEY_NOT_FOUND", e.do("DELETE", "/v3/apikeys/"+second, e.admin(), nil).code())

	// Another fullAccess key may delete the configured Auth Key or the REST API key.
	r = e.do("POST", "/v3/apikeys", e.admin(), map[string]any{"name": "Third admin", "scope": "fullAccess"})
	third := r.data()["apiKey"].(string)
	require.Equal(t, 200, e.do("DELETE", "/v3/apikeys/"+e.s.RESTAPIKey(), h{"apikey": third}, nil).status)
	assert.Equal(t, "AUTH_ERR_APIKEY_NOT_FOUND", e.do("GET", "/v3/apikeys", e.admin(), nil).code())
}

// TestAPIKeysLastFullAccessKeyStays covers the race the rule exists for: the caller's own key was
// deleted by a concurrent request after it authenticated, so the target is the app's only
// fullAccess key.
func TestAPIKeysLastFullAccessKeyStays(t *testing.T) {
	e := newEnv(t, Config{})
	gone := &adminCaller{key: "a-key-deleted-meanwhile", scope: scopeFullAccess}
	call := func(method string, body string) (any, error) {
		req := httptest.NewRequest(method, "/v3/apikeys/"+e.s.RESTAPIKey(), strings.NewReader(body))
		req.SetPathValue("apiKey", e.s.RESTAPIKey())
		if method == http.MethodDelete {
			return e.s.adminDeleteAPIKey(req, gone)
		}
		return e.s.adminUpdateAPIKey(req, gone)
	}
	for _, tc := range []struct{ method, body string }{
		{http.MethodDelete, ""},
		{http.MethodPut, `{"scope":"authOnly"}`},
	} {
		_, err := call(tc.method, tc.body)
		var ee *Error
		require.ErrorAs(t, err, &ee, tc.method)
		assert.Equal(t, "ERR_ACTION_NOT_ALLOWED", ee.Code, tc.method)
		assert.Equal(t, http.StatusForbidden, ee.Status)
	}
	v, err := call(http.MethodPut, `{"name":"Renamed"}`)
	require.NoError(t, err, "a rename keeps the scope")
	assert.Equal(t, "Renamed", v.(apiKeyJSON).Name)
	assert.Equal(t, 200, e.do("GET", "/v3/users", e.admin(), nil).status, "the key still works")
}

func TestAPIKeysQuota(t *testing.T) {
	e := newEnv(t, Config{})
	for i := 2; i < maxAPIKeys; i++ { // two configured keys
		r := e.do("POST", "/v3/apikeys", e.admin(), map[string]any{"name": fmt.Sprintf("k%d", i)})
		require.Equal(t, 200, r.status, string(r.raw))
	}
	r := e.do("POST", "/v3/apikeys", e.admin(), map[string]any{"name": "one too many"})
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, "ERR_PLAN_QUOTA_RESTRICTION", r.code())
	keys := e.do("GET", "/v3/apikeys", e.admin(), nil)
	assert.Len(t, keyNames(t, keys), maxAPIKeys)
}

func TestAPIKeysAreRedactedFromTheRequestFeed(t *testing.T) {
	e := newEnv(t, Config{})
	var mu sync.Mutex
	var paths []string
	defer e.s.OnRequest(func(rec RequestRecord) {
		mu.Lock()
		defer mu.Unlock()
		paths = append(paths, rec.Path)
	})()
	key := e.s.AuthKey()
	e.do("GET", "/v3/apikeys/"+key, e.admin(), nil)
	e.do("PUT", "/v3.0/apikeys/"+key, e.admin(), map[string]any{"name": "x"})
	e.do("GET", "/v3/apikeys", e.admin(), nil)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"/v3/apikeys/" + redact(key), "/v3.0/apikeys/" + redact(key), "/v3/apikeys"}, paths)
	assert.Equal(t, "/v3/apikeys/"+redact(key)+"/x", redactRequestPath("/v3/apikeys/"+key+"/x"))
	assert.Equal(t, "/v3/users/ada", redactRequestPath("/v3/users/ada"))
	const tok = "ada_1717000000abcdef0123456789abcdef0123"
	assert.Equal(t, "/v3/users/ada/auth_tokens/"+redact(tok), redactRequestPath("/v3/users/ada/auth_tokens/"+tok))
	assert.Equal(t, "/v3.0/users/ada/auth_tokens", redactRequestPath("/v3.0/users/ada/auth_tokens"))
}

func TestAPIKeysSurviveASnapshot(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.do("POST", "/v3/apikeys", e.admin(), map[string]any{"name": "Kept", "scope": "fullAccess"})
	require.Equal(t, 200, r.status)
	kept := r.data()["apiKey"].(string)
	snap, err := e.s.Snapshot()
	require.NoError(t, err)
	e2 := newEnv(t, Config{Snapshot: snap})
	assert.Equal(t, 200, e2.do("GET", "/v3/apikeys/"+kept, h{"apikey": kept}, nil).status)
}
