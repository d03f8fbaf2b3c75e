package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExportImportRoundTrip(t *testing.T) {
	src := newEnv(t, Config{})
	alice, _ := populate(t, src)
	var buf bytes.Buffer
	require.NoError(t, src.s.Export(&buf))
	assert.True(t, json.Valid(buf.Bytes()))
	assert.Contains(t, buf.String(), "\n  \"version\": 1,", "indented, version first")

	// Into a running emulator with other keys: the state is replaced, the
	// emulator keeps its App ID and keys, and the imported keys and tokens work.
	dst := newEnv(t, Config{AppID: "dst", AuthKey: "dst-auth-key", RESTAPIKey: "dst-rest-key"})
	require.NoError(t, dst.s.CreateUser("gone", "Gone"))
	require.NoError(t, dst.s.Import(bytes.NewReader(buf.Bytes())))
	assert.Equal(t, "dst", dst.s.AppID())
	r := dst.do("GET", "/v3/users/gone", h{"apikey": "dst-rest-key"}, nil)
	assert.Equal(t, "ERR_UID_NOT_FOUND", r.code(), "the old state is gone")
	dst.ok("GET", "/v3/users/alice", h{"apikey": "dst-rest-key"}, nil)
	dst.ok("GET", "/v3/users/alice", h{"apikey": src.s.RESTAPIKey()}, nil)
	alice["appId"] = "dst"
	r = dst.ok("GET", "/v3.0/me", alice, nil)
	assert.Equal(t, "alice", r.data()["uid"])

	again, err := dst.s.Snapshot()
	require.NoError(t, err)
	var a, b state
	require.NoError(t, json.Unmarshal(buf.Bytes(), &a))
	require.NoError(t, json.Unmarshal(again, &b))
	assert.Equal(t, a.Messages, b.Messages)
	assert.Equal(t, a.Members, b.Members)
	assert.Equal(t, a.Users, b.Users)
	assert.Equal(t, "dst", b.AppID)
	assert.Contains(t, b.APIKeys, "dst-rest-key")
}

func TestImportRefusalChangesNothing(t *testing.T) {
	e := newEnv(t, Config{})
	require.NoError(t, e.s.CreateUser("alice", "Alice"))
	before, err := e.s.Snapshot()
	require.NoError(t, err)
	for _, bad := range []string{`{"version":2}`, `{"version":1,"users":{"x":null}}`, `[1,2]`, `{"version":1,"apiKeys":{"k":{"apiKey":"k","scope":"root"}}}`} {
		err := e.s.Import(strings.NewReader(bad))
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "nothing was changed")
	}
	after, err := e.s.Snapshot()
	require.NoError(t, err)
	assert.Equal(t, string(before), string(after))
}

func TestConfigSnapshotAdoptsAppIDAndKeys(t *testing.T) {
	snap := mustSnapshot(t)
	var fixture state
	require.NoError(t, json.Unmarshal(snap, &fixture))

	s, err := New(Config{Snapshot: snap})
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, "fixture", s.AppID(), "not given: taken from the snapshot")
	assert.Equal(t, fixture.APIKeys[s.RESTAPIKey()].Scope, scopeFullAccess)
	assert.Equal(t, fixture.APIKeys[s.AuthKey()].Scope, scopeAuthOnly)

	s2, err := New(Config{Snapshot: snap, AppID: "mine", AuthKey: "my-auth", RESTAPIKey: "my-rest"})
	require.NoError(t, err)
	defer s2.Close()
	assert.Equal(t, "mine", s2.AppID())
	assert.Equal(t, "my-rest", s2.RESTAPIKey())
	rep := serveOnce(t, s2, "GET", "/v3/users/fixture-user", h{"apikey": "my-rest"})
	assert.Equal(t, http.StatusOK, rep.status, string(rep.raw))

	_, err = New(Config{Snapshot: []byte(`{"version":7}`)})
	assert.ErrorIs(t, err, ErrSnapshotVersion)
	assert.Contains(t, err.Error(), "Config.Snapshot")
}

func TestImportWithDataDirKeepsABackup(t *testing.T) {
	dir := t.TempDir()
	e := openDir(t, fixedKeys(dir))
	e.ok("POST", "/v3/users", e.admin(), map[string]any{"uid": "old", "name": "Old"})
	old, err := os.ReadFile(filepath.Join(dir, stateFileName))
	require.NoError(t, err)
	require.NoError(t, e.s.Import(bytes.NewReader(mustSnapshot(t))))
	bak, err := os.ReadFile(filepath.Join(dir, stateFileName+".bak"))
	require.NoError(t, err)
	assert.Equal(t, old, bak)
	cur, err := os.ReadFile(filepath.Join(dir, stateFileName))
	require.NoError(t, err)
	st, err := decodeSnapshot(cur)
	require.NoError(t, err)
	assert.Contains(t, st.Users, "fixture-user")
	assert.NotContains(t, st.Users, "old")
}

func TestSnapshotEndpoint(t *testing.T) {
	e := newEnv(t, Config{})
	require.NoError(t, e.s.CreateUser("alice", "Alice"))

	get := func(hdr h) *http.Response {
		req, err := http.NewRequest("GET", e.ts.URL+"/emulator/snapshot", nil)
		require.NoError(t, err)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := e.ts.Client().Do(req)
		require.NoError(t, err)
		return resp
	}
	resp := get(nil)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp = get(h{"apikey": e.s.AuthKey()})
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "the Auth Key is not enough")
	resp = get(e.admin())
	var buf bytes.Buffer
	_, err := buf.ReadFrom(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	st, err := decodeSnapshot(buf.Bytes())
	require.NoError(t, err)
	assert.Contains(t, st.Users, "alice")

	// PUT imports; a bad snapshot is a 400 and changes nothing.
	r := e.do("PUT", "/emulator/snapshot", e.admin(), `{"version":3}`)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, r.errObj()["message"], "unsupported emulator snapshot version 3")
	e.ok("GET", "/v3/users/alice", e.admin(), nil)
	r = e.do("PUT", "/emulator/snapshot", e.admin(), string(mustSnapshot(t)))
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	e.ok("GET", "/v3/users/fixture-user", e.admin(), nil)
	assert.Equal(t, "ERR_UID_NOT_FOUND", e.do("GET", "/v3/users/alice", e.admin(), nil).code())
}

func TestConfigSnapshotReplacesDataDirWithABackup(t *testing.T) {
	dir := t.TempDir()
	first := openDir(t, fixedKeys(dir))
	first.ok("POST", "/v3/users", first.admin(), map[string]any{"uid": "old", "name": "Old"})
	first.close()
	old, err := os.ReadFile(filepath.Join(dir, stateFileName))
	require.NoError(t, err)

	cfg := fixedKeys(dir)
	cfg.Snapshot = mustSnapshot(t)
	second := openDir(t, cfg)
	second.ok("GET", "/v3/users/fixture-user", second.admin(), nil)
	assert.Equal(t, "ERR_UID_NOT_FOUND", second.do("GET", "/v3/users/old", second.admin(), nil).code())
	bak, err := os.ReadFile(filepath.Join(dir, stateFileName+".bak"))
	require.NoError(t, err)
	assert.Equal(t, old, bak, "the replaced state is kept")
	second.close()

	// The import is on disk: a plain restart finds it.
	third := openDir(t, fixedKeys(dir))
	third.ok("GET", "/v3/users/fixture-user", third.admin(), nil)
}
