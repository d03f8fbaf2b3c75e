package emulator

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOnRequest(t *testing.T) {
	e := newEnv(t, Config{})
	hdr := e.user("alice", "Alice")
	var mu sync.Mutex
	var recs []RequestRecord
	remove := e.s.OnRequest(func(r RequestRecord) {
		mu.Lock()
		defer mu.Unlock()
		recs = append(recs, r)
	})

	e.do("GET", "/v3.0/me?x=1", hdr, nil)
	adm := e.admin()
	adm["onBehalfOf"] = "Alice"
	e.do("GET", "/v3/users/alice", adm, nil)
	e.do("GET", "/v3/nothing", nil, nil)
	e.do("POST", "/v3/users", e.authKey(), map[string]any{})
	remove()
	e.do("GET", "/v3.0/me", hdr, nil)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, recs, 4)
	assert.Equal(t, RequestRecord{Time: testNow, Method: "GET", Path: "/v3.0/me", API: "client", UID: "alice",
		Status: 200, Duration: recs[0].Duration}, recs[0])
	assert.Equal(t, "admin", recs[1].API)
	assert.Equal(t, "alice", recs[1].UID)
	assert.Equal(t, "", recs[2].API)
	assert.Equal(t, 404, recs[2].Status)
	assert.Equal(t, 400, recs[3].Status)
}
