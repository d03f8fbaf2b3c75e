package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dirEnv is an emulator on a data directory, served by httptest, that the
// test closes itself (to restart it).
type dirEnv struct {
	*env
	closed bool
}

// waitIdle waits until no flush runs and every counted change is on disk,
// so that flush counts are stable.
func (p *persister) waitIdle() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.flushing || p.flushed.Load() < p.changes.Load() {
		if !p.flushing {
			p.mu.Unlock()
			_ = p.syncPending()
			p.mu.Lock()
			continue
		}
		p.cond.Wait()
	}
}

// fixedKeys is a configuration with known App ID and keys.
func fixedKeys(dir string) Config {
	return Config{
		AppID: "app1", DataDir: dir, Now: func() time.Time { return testNow },
		AuthKey:    "authkey0000000000000000000000000000000001",
		RESTAPIKey: "restkey0000000000000000000000000000000001",
	}
}

// openDir starts an emulator on cfg.DataDir.
func openDir(t *testing.T, cfg Config) *dirEnv {
	t.Helper()
	s, err := New(cfg)
	require.NoError(t, err)
	ts := httptest.NewServer(s.Handler())
	d := &dirEnv{env: &env{t: t, s: s, ts: ts}}
	t.Cleanup(d.close)
	return d
}

// close stops the emulator (as a clean shutdown would).
func (d *dirEnv) close() {
	if d.closed {
		return
	}
	d.closed = true
	d.ts.Close()
	require.NoError(d.t, d.s.Close())
}

// ok asserts a 200 and returns the reply.
func (e *env) ok(method, path string, hdr h, body any) reply {
	e.t.Helper()
	r := e.do(method, path, hdr, body)
	require.Equal(e.t, http.StatusOK, r.status, "%s %s: %s", method, path, r.raw)
	return r
}

// populate creates, through the REST API, one or more of everything the
// issue lists: users, tokens, groups, members with scopes, bans, messages,
// conversations, receipts, reactions, friends, roles (and a block). It
// returns the client headers of alice and bob.
func populate(t *testing.T, e *env) (alice, bob h) {
	t.Helper()
	for _, u := range []string{"alice", "bob", "carol", "dave"} {
		e.ok("POST", "/v3/users", e.admin(), map[string]any{"uid": u, "name": u + " Smith", "metadata": map[string]any{"n": u}})
	}
	tok := func(uid string) h {
		r := e.ok("POST", "/v3/users/"+uid+"/auth_tokens", e.admin(), map[string]any{"force": true})
		return h{"authToken": r.data()["authToken"].(string), "appId": e.s.AppID(), "resource": "WEB-4_2_0-" + uid + "-1"}
	}
	alice, bob = tok("alice"), tok("bob")
	carol := tok("carol")

	e.ok("POST", "/v3/roles", e.admin(), map[string]any{"role": "moderator-role", "name": "Moderators"})
	e.ok("PUT", "/v3/users/dave", e.admin(), map[string]any{"role": "moderator-role"})
	e.ok("POST", "/v3/users/alice/friends", e.admin(), map[string]any{"accepted": []string{"bob"}})
	e.ok("POST", "/v3/users/carol/blockedusers", e.admin(), map[string]any{"blockedUids": []string{"dave"}})

	e.ok("POST", "/v3.0/groups", alice, map[string]any{"guid": "g1", "name": "Group One", "type": "public"})
	e.ok("POST", "/v3.0/groups/g1/members", bob, map[string]any{})
	e.ok("PUT", "/v3.0/groups/g1/members", alice, map[string]any{"moderators": []string{"carol"}})
	e.ok("POST", "/v3.0/groups/g1/bannedusers/dave", alice, nil)

	text := func(from h, to, rtype, s string) string {
		r := e.ok("POST", "/v3.0/messages", from, map[string]any{
			"receiver": to, "receiverType": rtype, "category": "message", "type": "text", "data": map[string]any{"text": s},
		})
		return fmt.Sprint(r.data()["id"]) // a number or a numeric string
	}
	first := text(alice, "bob", "user", "hello bob")
	text(bob, "alice", "user", "hi alice")
	text(carol, "g1", "group", "hello group")
	e.ok("POST", "/v3.0/users/alice/conversation/read", bob, map[string]any{})
	e.ok("POST", fmt.Sprintf("/v3.0/messages/%s/reactions/%s", first, url.PathEscape("👍")), bob, nil)
	return alice, bob
}

// TestRestartKeepsEverything: the state after a restart on the same data
// directory is exactly the state before it, and it works (tokens log in,
// lists answer).
func TestRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	first := openDir(t, fixedKeys(dir))
	alice, bob := populate(t, first.env)
	before, err := first.s.Snapshot()
	require.NoError(t, err)
	first.close()

	second := openDir(t, fixedKeys(dir))
	after, err := second.s.Snapshot()
	require.NoError(t, err)
	assert.JSONEq(t, string(before), string(after))

	var st state
	require.NoError(t, json.Unmarshal(after, &st))
	assert.Len(t, st.Users, 4)
	assert.Contains(t, st.Roles, "moderator-role")
	assert.NotEmpty(t, st.Friends["alice"])
	assert.NotEmpty(t, st.Blocks["carol"])
	assert.Len(t, st.Members["g1"], 3)
	assert.Contains(t, st.Bans["g1"], "dave")
	var texts int
	for _, m := range st.Messages {
		if m.Category == categoryMessage {
			texts++
		}
	}
	assert.Equal(t, 3, texts, "plus the group action messages")
	assert.NotEmpty(t, st.Conversations)
	assert.NotEmpty(t, st.Receipts)
	assert.NotEmpty(t, st.Reactions)

	// The restarted emulator serves the old tokens and data.
	r := second.ok("GET", "/v3.0/me", alice, nil)
	assert.Equal(t, "alice", r.data()["uid"])
	r = second.ok("GET", "/v3.0/users/alice/messages?per_page=10", bob, nil)
	assert.Len(t, r.body["data"], 2)
	r = second.ok("GET", "/v3.0/groups/g1/members", alice, nil)
	assert.Len(t, r.body["data"], 3)
	// New ids continue after the old ones.
	r = second.ok("POST", "/v3.0/messages", alice, map[string]any{
		"receiver": "bob", "receiverType": "user", "category": "message", "type": "text", "data": map[string]any{"text": "again"},
	})
	assert.Equal(t, fmt.Sprint(st.LastMessageID+1), fmt.Sprint(r.data()["id"]))
}

func TestDataDirKeepsGeneratedAppIDAndKeys(t *testing.T) {
	dir := t.TempDir()
	first := openDir(t, Config{DataDir: dir})
	appID, authKey, restKey := first.s.AppID(), first.s.AuthKey(), first.s.RESTAPIKey()
	first.close()
	second := openDir(t, Config{DataDir: dir})
	assert.Equal(t, appID, second.s.AppID())
	assert.Equal(t, authKey, second.s.AuthKey())
	assert.Equal(t, restKey, second.s.RESTAPIKey())
	second.close()

	// Keys given explicitly win, and work; the old ones stay valid.
	cfg := Config{DataDir: dir, AppID: "other", AuthKey: "a-new-auth-key", RESTAPIKey: "a-new-rest-key"}
	third := openDir(t, cfg)
	assert.Equal(t, "other", third.s.AppID())
	third.ok("POST", "/v3/users", h{"apikey": "a-new-rest-key"}, map[string]any{"uid": "x", "name": "X"})
	third.ok("GET", "/v3/users/x", h{"apikey": restKey}, nil)
}

func TestWritesAreDurableBeforeTheResponse(t *testing.T) {
	dir := t.TempDir()
	e := openDir(t, fixedKeys(dir))
	e.ok("POST", "/v3/users", e.admin(), map[string]any{"uid": "alice", "name": "Alice"})
	// The response is in: the file already has alice, without any close.
	b, err := os.ReadFile(filepath.Join(dir, stateFileName))
	require.NoError(t, err)
	st, err := decodeSnapshot(b)
	require.NoError(t, err)
	assert.Contains(t, st.Users, "alice")
	info, err := os.Stat(filepath.Join(dir, stateFileName))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the state holds credentials")

	// A read does not write.
	e.s.persist.waitIdle()
	before := e.s.PersistStats().Flushes
	e.ok("GET", "/v3/users/alice", e.admin(), nil)
	assert.Equal(t, before, e.s.PersistStats().Flushes)
	// A failed write does not write either.
	e.do("POST", "/v3/users", e.admin(), map[string]any{"uid": "alice", "name": "Again"})
	assert.Equal(t, before, e.s.PersistStats().Flushes)
}

func TestGoHelpersPersistAtClose(t *testing.T) {
	dir := t.TempDir()
	e := openDir(t, fixedKeys(dir))
	require.NoError(t, e.s.CreateUser("seeded", "Seeded"))
	e.close()
	again := openDir(t, fixedKeys(dir))
	again.ok("GET", "/v3/users/seeded", again.admin(), nil)
}

// TestGroupCommit: concurrent writers share flushes, and every
// acknowledged write is in the file.
func TestGroupCommit(t *testing.T) {
	dir := t.TempDir()
	e := openDir(t, fixedKeys(dir))
	start := e.s.PersistStats().Flushes
	const n = 64
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, _ := json.Marshal(map[string]any{"uid": fmt.Sprintf("u%02d", i), "name": "U"})
			req, _ := http.NewRequest("POST", e.ts.URL+"/v3/users", bytes.NewReader(body))
			req.Header.Set("apikey", e.s.RESTAPIKey())
			resp, err := e.ts.Client().Do(req)
			if assert.NoError(t, err) {
				resp.Body.Close()
				assert.Equal(t, http.StatusOK, resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	stats := e.s.PersistStats()
	flushes := stats.Flushes - start
	t.Logf("%d concurrent writes → %d flushes (state %d bytes, %v per flush)",
		n, flushes, stats.Bytes, stats.Total/time.Duration(stats.Flushes))
	assert.LessOrEqual(t, flushes, uint64(n), "never more than one flush per write")
	assert.Zero(t, stats.Failures)
	b, err := os.ReadFile(filepath.Join(dir, stateFileName))
	require.NoError(t, err)
	st, err := decodeSnapshot(b)
	require.NoError(t, err)
	for i := range n {
		assert.Contains(t, st.Users, fmt.Sprintf("u%02d", i))
	}
}

func TestCorruptOrUnknownStateIsRefusedAndKept(t *testing.T) {
	for name, content := range map[string]string{
		"truncated":     `{"version":1,"appId":"app1","users":{"alice":{"uid":"ali`,
		"not json":      "this is not a snapshot\n",
		"no version":    `{"appId":"app1","users":{}}`,
		"newer version": `{"version":99,"appId":"app1"}`,
		"null record":   `{"version":1,"appId":"app1","users":{"alice":null}}`,
		"bad key":       `{"version":1,"appId":"app1","users":{"alice":{"uid":"bob","name":"B","role":"default","createdAt":1}}}`,
		"message order": `{"version":1,"lastMessageId":5,"messages":[{"id":2},{"id":1}]}`,
		"empty file":    ``,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, stateFileName)
			require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
			_, err := New(fixedKeys(dir))
			require.Error(t, err)
			assert.Contains(t, err.Error(), path, "the message names the file")
			assert.Contains(t, err.Error(), "nothing was changed")
			if name == "newer version" {
				assert.ErrorIs(t, err, ErrSnapshotVersion)
				assert.Contains(t, err.Error(), "version 99")
			} else {
				assert.ErrorIs(t, err, ErrSnapshotCorrupt)
			}
			b, rerr := os.ReadFile(path)
			require.NoError(t, rerr)
			assert.Equal(t, content, string(b), "the file is untouched")
			entries, _ := os.ReadDir(dir)
			for _, en := range entries {
				assert.Contains(t, []string{stateFileName, "lock"}, en.Name())
			}
			// The directory is not left locked.
			_, err = New(Config{DataDir: dir, Snapshot: mustSnapshot(t)})
			require.NoError(t, err, "a valid import can replace it")
		})
	}
}

// mustSnapshot returns the snapshot of a fresh emulator with one user.
func mustSnapshot(t *testing.T) []byte {
	t.Helper()
	s, err := New(Config{AppID: "fixture"})
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.CreateUser("fixture-user", "Fixture"))
	b, err := s.Snapshot()
	require.NoError(t, err)
	return b
}

func TestDataDirIsLocked(t *testing.T) {
	dir := t.TempDir()
	first := openDir(t, fixedKeys(dir))
	_, err := New(fixedKeys(dir))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "in use by another emulator")
	first.close()
	second := openDir(t, fixedKeys(dir))
	second.close()
}

func TestLeftoverTempFilesFromACrashAreIgnored(t *testing.T) {
	dir := t.TempDir()
	first := openDir(t, fixedKeys(dir))
	first.ok("POST", "/v3/users", first.admin(), map[string]any{"uid": "alice", "name": "Alice"})
	first.close()
	// A crash in the middle of a write leaves a partial temporary file.
	tmp := filepath.Join(dir, stateFileName+".tmp-123456")
	require.NoError(t, os.WriteFile(tmp, []byte(`{"version":1,"users":{"ali`), 0o600))
	second := openDir(t, fixedKeys(dir))
	second.ok("GET", "/v3/users/alice", second.admin(), nil)
	_, err := os.Stat(tmp)
	assert.True(t, errors.Is(err, os.ErrNotExist), "removed at start")
}

func TestFailedFlushFailsTheRequest(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	e := openDir(t, fixedKeys(dir))
	// The directory disappears under the emulator: writes cannot be durable.
	require.NoError(t, os.RemoveAll(dir))
	r := e.do("POST", "/v3/users", e.admin(), map[string]any{"uid": "alice", "name": "Alice"})
	assert.Equal(t, http.StatusInternalServerError, r.status)
	assert.Equal(t, "ERR_MISSION_FAILED", r.code())
	assert.Contains(t, r.errObj()["message"], "could not save its state")
	assert.NotZero(t, e.s.PersistStats().Failures)
	require.NoError(t, os.MkdirAll(dir, 0o700))
	e.ok("POST", "/v3/users", e.admin(), map[string]any{"uid": "bob", "name": "Bob"})
}

func TestFlushAfterCloseIsRefused(t *testing.T) {
	e := openDir(t, fixedKeys(t.TempDir()))
	e.close()
	assert.ErrorIs(t, e.s.Flush(), errPersistClosed)
	var none *Server
	none, err := New(Config{})
	require.NoError(t, err)
	defer none.Close()
	assert.NoError(t, none.Flush(), "no data dir: nothing to do")
	assert.Zero(t, none.PersistStats())
}

// BenchmarkPersistedWrite measures the cost of durability per write: POST
// users on an emulator with and without a data directory, with a state of
// about 1,000 users (about 300 KB) and of about 10,000 users.
func BenchmarkPersistedWrite(b *testing.B) {
	for _, size := range []int{1000, 10000} {
		for _, persisted := range []bool{false, true} {
			b.Run(fmt.Sprintf("users=%d/persisted=%v", size, persisted), func(b *testing.B) {
				cfg := Config{RESTAPIKey: "bench-rest-key"}
				if persisted {
					cfg.DataDir = b.TempDir()
				}
				s, err := New(cfg)
				require.NoError(b, err)
				defer s.Close()
				for i := range size {
					require.NoError(b, s.CreateUser(fmt.Sprintf("seed-%05d", i), "Seed User"))
				}
				require.NoError(b, s.Flush())
				h := s.Handler()
				var n int
				b.ResetTimer()
				for b.Loop() {
					n++
					body := fmt.Sprintf(`{"uid":"bench-%d","name":"Bench"}`, n)
					req := httptest.NewRequest("POST", "/v3/users", bytes.NewReader([]byte(body)))
					req.Header.Set("apikey", "bench-rest-key")
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
				}
				b.StopTimer()
				if persisted {
					st := s.PersistStats()
					b.ReportMetric(float64(st.Bytes), "state-bytes")
				}
			})
		}
	}
}

// BenchmarkPersistedWriteParallel measures durable writes under concurrent
// load (1,000-user state): group commit shares each flush among the writers
// waiting for it, so the cost per write falls below one flush.
func BenchmarkPersistedWriteParallel(b *testing.B) {
	s, err := New(Config{RESTAPIKey: "bench-rest-key", DataDir: b.TempDir()})
	require.NoError(b, err)
	defer s.Close()
	for i := range 1000 {
		require.NoError(b, s.CreateUser(fmt.Sprintf("seed-%05d", i), "Seed User"))
	}
	require.NoError(b, s.Flush())
	h := s.Handler()
	start := s.PersistStats().Flushes
	var n atomic.Int64
	b.SetParallelism(8) // 8 × GOMAXPROCS concurrent writers
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := fmt.Sprintf(`{"uid":"bench-%d","name":"Bench"}`, n.Add(1))
			req := httptest.NewRequest("POST", "/v3/users", bytes.NewReader([]byte(body)))
			req.Header.Set("apikey", "bench-rest-key")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Errorf("status %d: %s", rec.Code, rec.Body)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/float64(s.PersistStats().Flushes-start), "writes/flush")
}

// BenchmarkSnapshotEncode is the CPU part of a flush: encoding the state.
func BenchmarkSnapshotEncode(b *testing.B) {
	for _, size := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("users=%d", size), func(b *testing.B) {
			s, err := New(Config{})
			require.NoError(b, err)
			defer s.Close()
			for i := range size {
				require.NoError(b, s.CreateUser(fmt.Sprintf("seed-%05d", i), "Seed User"))
			}
			for b.Loop() {
				s.mu.Lock()
				_, err := s.st.snapshot()
				s.mu.Unlock()
				require.NoError(b, err)
			}
		})
	}
}
