package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFlagReasonsAreInTheSettings(t *testing.T) {
	e := newEnv(t, Config{})
	hdr := e.user("alice", "Alice")
	r := e.do("GET", "/v3.0/settings", hdr, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	reasons, ok := r.data()["flagReasons"].([]any)
	require.True(t, ok, "%s", r.raw)
	var got []string
	for _, it := range reasons {
		m := it.(map[string]any)
		assert.NotEmpty(t, m["name"])
		assert.NotEmpty(t, m["description"])
		assert.Equal(t, true, m["default"])
		got = append(got, m["id"].(string))
	}
	assert.Equal(t, []string{"spam", "harassment", "other"}, got)
}

func TestFlagMessageStoresTheFlag(t *testing.T) {
	e := newGroupEnv(t)
	id := e.send(e.alice, text("bob", "user", "buy now"))["id"].(string)
	rec := e.record()

	r := e.do("POST", "/v3.0/messages/"+id+"/flagged", e.bob, map[string]any{"id": "spam", "remark": "ads"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, true, r.data()["success"])
	assert.Contains(t, r.data()["message"], id)
	require.Len(t, rec.of(EventMessageFlagged), 1)
	assert.Equal(t, "bob", rec.of(EventMessageFlagged)[0].UID)

	// Flagging again replaces bob's flag; the snapshot keeps it.
	r = e.do("POST", "/v3.0/messages/"+id+"/flagged", e.bob, map[string]any{"id": "other"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	var snap bytes.Buffer
	require.NoError(t, e.s.Export(&snap))
	var st struct {
		Flags map[string]map[string]flagRecord `json:"flags"`
	}
	require.NoError(t, json.Unmarshal(snap.Bytes(), &st))
	mid, _ := strconv.ParseInt(id, 10, 64)
	assert.Equal(t, map[string]map[string]flagRecord{id: {"bob": {MessageID: mid, UID: "bob", ReasonID: "other", FlaggedAt: testNow.Unix()}}}, st.Flags)
}

func TestFlagMessageValidates(t *testing.T) {
	e := newGroupEnv(t)
	id := e.send(e.alice, text("bob", "user", "hi"))["id"].(string)
	for name, tc := range map[string]struct {
		who    h
		path   string
		body   any
		code   string
		detail string
	}{
		"no reason":      {e.bob, id, map[string]any{"remark": "x"}, "ERR_BAD_REQUEST", "id"},
		"unknown reason": {e.bob, id, map[string]any{"id": "rude"}, "ERR_BAD_REQUEST", "id"},
		"remark type":    {e.bob, id, map[string]any{"id": "spam", "remark": 5}, "ERR_BAD_REQUEST", "remark"},
		"long remark":    {e.bob, id, map[string]any{"id": "spam", "remark": strings.Repeat("x", maxFlagRemark+1)}, "ERR_BAD_REQUEST", "remark"},
		"not visible":    {e.carol, id, map[string]any{"id": "spam"}, "ERR_MESSAGE_ID_NOT_FOUND", ""},
		"no message":     {e.bob, "999", map[string]any{"id": "spam"}, "ERR_MESSAGE_ID_NOT_FOUND", ""},
	} {
		r := e.do("POST", "/v3.0/messages/"+tc.path+"/flagged", tc.who, tc.body)
		assert.Equal(t, tc.code, r.code(), "%s: %s", name, r.raw)
		if tc.detail != "" {
			assert.Contains(t, r.errObj()["details"], tc.detail, "%s: %s", name, r.raw)
		}
	}
	e.s.mu.Lock()
	defer e.s.mu.Unlock()
	assert.Empty(t, e.s.st.Flags, "nothing stored")
}

func TestFlagReasonsFromConfigSettings(t *testing.T) {
	e := newEnv(t, Config{Settings: map[string]any{"flagReasons": []map[string]any{{"id": 7, "name": "Seven"}}}})
	alice, bob := e.user("alice", "Alice"), e.user("bob", "Bob")
	r := e.do("POST", "/v3.0/messages", alice, text("bob", "user", "hi"))
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	id := r.data()["id"].(string)
	r = e.do("POST", "/v3.0/messages/"+id+"/flagged", bob, map[string]any{"id": "spam"})
	assert.Equal(t, "ERR_BAD_REQUEST", r.code(), "the defaults are replaced")
	r = e.do("POST", "/v3.0/messages/"+id+"/flagged", bob, map[string]any{"id": 7})
	assert.Equal(t, http.StatusOK, r.status, "a numeric id: %s", r.raw)
	r = e.do("POST", "/v3.0/messages/"+id+"/flagged", bob, map[string]any{"id": "7"})
	assert.Equal(t, http.StatusOK, r.status, "the same id as a string: %s", r.raw)
}
