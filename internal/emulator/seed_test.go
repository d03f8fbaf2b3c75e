package emulator

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSeedSampleUsers(t *testing.T) {
	e := newEnv(t, Config{})
	require.NoError(t, e.s.SeedSampleUsers())
	require.NoError(t, e.s.SeedSampleUsers(), "idempotent")
	r := e.do("GET", "/v3/users/cometchat-uid-3", e.admin(), nil)
	require.Equal(t, 200, r.status)
	assert.Equal(t, "Nancy Grace", r.data()["name"])
	assert.Len(t, SampleUsers(), 5)
}

func TestSeedingErrors(t *testing.T) {
	s, err := New(Config{})
	require.NoError(t, err)
	var e *Error
	require.ErrorAs(t, s.CreateUser("bad uid", "X"), &e)
	assert.Equal(t, "ERR_BAD_REQUEST", e.Code)
	require.NoError(t, s.CreateUser("Ok", "X"))
	require.ErrorAs(t, s.CreateUser("ok", "Y"), &e)
	assert.Equal(t, "ERR_UID_ALREADY_EXISTS", e.Code)
	_, err = s.IssueAuthToken("ghost")
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "ERR_UID_NOT_FOUND", e.Code)
	tok, err := s.IssueAuthToken("OK")
	require.NoError(t, err)
	assert.Regexp(t, `^ok_\d{10}[0-9a-f]{32}$`, tok)

	require.NoError(t, s.AddUser(UserSpec{UID: "full", Name: "Full", Avatar: "https://a.test/x.png",
		Link: "https://a.test", Role: "Admins", StatusMessage: "hi", Metadata: map[string]any{"a": 1}, Tags: []string{"t"}}))
	s.mu.Lock()
	u := s.st.Users["full"]
	assert.Equal(t, "admins", u.Role, "role ids are lower-cased")
	assert.JSONEq(t, `{"a":1}`, string(u.Metadata))
	s.mu.Unlock()
}
