package emulator

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBlockUsersPerUIDResults(t *testing.T) {
	e := newEnv(t, Config{})
	alice := e.user("alice", "Alice")
	e.user("bob", "Bob")
	e.user("carol", "Carol")
	var events []Event
	remove := e.s.OnEvent(func(ev Event) {
		if ev.Kind == EventUserBlocked || ev.Kind == EventUserUnblocked {
			events = append(events, ev)
		}
	})
	defer remove()

	r := e.do("POST", "/v3.0/blockedusers", alice, map[string]any{"blockedUids": []string{"BOB", "ghost", "carol", "bob"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	d := r.data()
	require.Len(t, d, 3, "one entry per distinct lower-cased uid: %s", r.raw)
	require.Equal(t, true, d["bob"].(map[string]any)["success"])
	require.Equal(t, true, d["carol"].(map[string]any)["success"])
	ghost := d["ghost"].(map[string]any)
	require.Equal(t, false, ghost["success"])
	require.Equal(t, "ERR_UID_NOT_FOUND", ghost["error"].(map[string]any)["code"])

	// Blocking again succeeds and publishes nothing new.
	r = e.do("POST", "/v3.0/blockedusers", alice, map[string]any{"blockedUids": []string{"bob"}})
	require.Equal(t, true, r.data()["bob"].(map[string]any)["success"])
	require.Len(t, events, 1)
	require.Equal(t, "user_blocked", events[0].Trigger)
	users := events[0].WebhookData.(map[string]any)["users"].(map[string]any)
	require.Contains(t, users, "bob")
	require.Contains(t, users, "carol")

	// The blocked user sees hasBlockedMe; the blocker sees blockedByMe.
	e.user("dave", "Dave")
	r = e.do("GET", "/v3.0/users/bob", alice, nil)
	require.Equal(t, true, r.data()["blockedByMe"])

	r = e.do("DELETE", "/v3.0/blockedusers", alice, map[string]any{"blockedUids": []string{"carol", "dave"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	require.Equal(t, true, r.data()["carol"].(map[string]any)["success"])
	require.Equal(t, true, r.data()["dave"].(map[string]any)["success"], "unblocking a user who is not blocked succeeds")
	require.Len(t, events, 2)
	require.Equal(t, "user_unblocked", events[1].Trigger)
}

func TestBlockUsersRefusals(t *testing.T) {
	e := newEnv(t, Config{})
	alice := e.user("alice", "Alice")
	r := e.do("POST", "/v3.0/blockedusers", alice, map[string]any{"blockedUids": []string{"bob", "Alice"}})
	require.Equal(t, "ERR_CANNOT_BLOCK_SELF", r.code())
	for _, body := range []any{map[string]any{}, map[string]any{"blockedUids": []string{}},
		map[string]any{"blockedUids": "bob"}, map[string]any{"blockedUids": []string{"bad uid"}}} {
		r = e.do("POST", "/v3.0/blockedusers", alice, body)
		require.Equal(t, 400, r.status, "%v → %s", body, r.raw)
		require.Equal(t, "ERR_BAD_REQUEST", r.code())
		require.Contains(t, string(r.raw), "blockedUids")
	}
}

func TestBlockedUsersList(t *testing.T) {
	e := newEnv(t, Config{})
	alice := e.user("alice", "Alice")
	bob := e.user("bob", "Bob")
	e.user("carol", "Carol")
	e.user("dan", "Dan")
	require.Equal(t, 200, e.do("POST", "/v3.0/blockedusers", alice, map[string]any{"blockedUids": []string{"carol", "dan"}}).status)
	require.Equal(t, 200, e.do("POST", "/v3.0/blockedusers", bob, map[string]any{"blockedUids": []string{"alice"}}).status)

	uids := func(r reply) []string {
		var out []string
		for _, it := range r.body["data"].([]any) {
			out = append(out, it.(map[string]any)["uid"].(string))
		}
		return out
	}
	r := e.do("GET", "/v3.0/blockedusers?per_page=10&page=1", alice, nil)
	require.Equal(t, []string{"bob", "carol", "dan"}, uids(r), "both directions by default, by name")
	first := r.body["data"].([]any)[0].(map[string]any)
	require.Equal(t, true, first["hasBlockedMe"])
	require.Equal(t, testNow.Unix(), int64(first["blockedAt"].(float64)))
	meta := r.body["meta"].(map[string]any)["pagination"].(map[string]any)
	require.Equal(t, float64(3), meta["total"])

	require.Equal(t, []string{"carol", "dan"}, uids(e.do("GET", "/v3.0/blockedusers?direction=blockedByMe", alice, nil)))
	require.Equal(t, []string{"bob"}, uids(e.do("GET", "/v3.0/blockedusers?direction=hasBlockedMe", alice, nil)))
	require.Equal(t, []string{"dan"}, uids(e.do("GET", "/v3.0/blockedusers?searchKey=DA", alice, nil)))

	r = e.do("GET", "/v3.0/blockedusers?per_page=2&page=2", alice, nil)
	require.Equal(t, []string{"dan"}, uids(r))
	r = e.do("GET", "/v3.0/blockedusers?direction=sideways", alice, nil)
	require.Equal(t, "ERR_BAD_REQUEST", r.code())
}
