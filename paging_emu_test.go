package cometchat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/cometchattest"
)

// Pagination through the builders and All against the emulator: at least 250 users and 250
// members, no gaps, no duplicates, every filter narrowing, and no empty round trip at the end.

// countingTransport counts the requests whose path ends with suffix.
type countingTransport struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet {
		c.n.Add(1)
	}
	return c.next.RoundTrip(r)
}

// pagingWorld is an emulator with numUsers users u000…, plus "alice" who lists them.
type pagingWorld struct {
	srv   *cometchattest.Server
	alice *cometchat.Client
	gets  *countingTransport
}

const numUsers = 260

// userName gives every tenth user a name containing "Zed", to search for.
func userName(i int) string {
	if i%10 == 3 {
		return fmt.Sprintf("Zed %03d", i)
	}
	return fmt.Sprintf("User %03d", i)
}

func userRole(i int) string {
	if i%5 == 0 {
		return "vip"
	}
	return ""
}

func userTags(i int) []string {
	if i%4 == 0 {
		return []string{"four"}
	}
	return nil
}

func newPagingWorld(t *testing.T) *pagingWorld {
	t.Helper()
	srv := cometchattest.NewServer(t)
	for i := range numUsers {
		require.NoError(t, srv.AddUser(cometchat.User{UID: fmt.Sprintf("u%03d", i), Name: userName(i), Role: userRole(i), Tags: userTags(i)}))
	}
	srv.CreateUser(t, "alice", "Alice")
	st := srv.Settings()
	st.DisableAutoConnect = true // count only the paging requests, not the realtime connection's
	hc := *st.HTTPClient
	gets := &countingTransport{next: hc.Transport}
	hc.Transport = gets
	st.HTTPClient = &hc
	alice, err := cometchat.Init(st)
	require.NoError(t, err)
	t.Cleanup(func() { _ = alice.Close() })
	_, err = alice.Login(t.Context(), "alice", srv.AuthKey())
	require.NoError(t, err)
	return &pagingWorld{srv: srv, alice: alice, gets: gets}
}

// collect runs All and returns the uids in order, failing on duplicates.
func collect[T any](t *testing.T, seq func(func(T, error) bool), uid func(T) string) []string {
	t.Helper()
	var out []string
	seen := map[string]bool{}
	for v, err := range seq {
		require.NoError(t, err)
		id := uid(v)
		require.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
		out = append(out, id)
	}
	return out
}

func userUID(u *cometchat.User) string          { return u.UID }
func memberUID(m *cometchat.GroupMember) string { return m.UID }

// expectUsers lists the uids u000… for which keep is true, in name order (the emulator's order for
// users who are all offline).
func expectUsers(keep func(i int) bool) []string {
	type row struct{ name, uid string }
	var rows []row
	for i := range numUsers {
		if keep(i) {
			rows = append(rows, row{strings.ToLower(userName(i)), fmt.Sprintf("u%03d", i)})
		}
	}
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.name+a.uid, b.name+b.uid) })
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.uid
	}
	return out
}

func TestUsersPagingAllFilters(t *testing.T) {
	w := newPagingWorld(t)
	ctx := t.Context()
	build := func(b *cometchat.UsersRequestBuilder) *cometchat.UsersRequest {
		req, err := b.Build(w.alice)
		require.NoError(t, err)
		return req
	}
	all := func(i int) bool { return true }

	t.Run("every user once, last page ends the list", func(t *testing.T) {
		before := w.gets.n.Load()
		got := collect(t, build(cometchat.NewUsersRequestBuilder().SetLimit(30)).All(ctx), userUID)
		want := append(expectUsers(all), "alice")
		require.ElementsMatch(t, want, got)
		require.Len(t, got, numUsers+1)
		// ceil(261/30) = 9 pages, and no empty 10th request: meta.pagination says when it ends.
		require.Equal(t, int64(9), w.gets.n.Load()-before)
	})

	t.Run("FetchNext keeps its position", func(t *testing.T) {
		req := build(cometchat.NewUsersRequestBuilder().SetLimit(100).SortBy(cometchat.SortByName))
		var got []string
		for req.HasMore() {
			page, err := req.FetchNext(ctx)
			require.NoError(t, err)
			for _, u := range page {
				got = append(got, u.UID)
			}
		}
		require.Equal(t, 3, req.Page())
		want := append([]string{"alice"}, expectUsers(all)...) // "Alice" sorts before "User" and "Zed"
		require.Equal(t, want, got)
		page, err := req.FetchNext(ctx)
		require.NoError(t, err)
		require.Empty(t, page, "an exhausted request returns an empty page")
	})

	t.Run("SetPage starts later", func(t *testing.T) {
		got := collect(t, build(cometchat.NewUsersRequestBuilder().SetLimit(50).SortBy(cometchat.SortByName).SetPage(5)).All(ctx), userUID)
		full := append([]string{"alice"}, expectUsers(all)...)
		require.Equal(t, full[250:], got)
	})

	t.Run("sort by name descending", func(t *testing.T) {
		got := collect(t, build(cometchat.NewUsersRequestBuilder().SetLimit(64).SortBy(cometchat.SortByName).SortOrder(cometchat.SortDesc)).All(ctx), userUID)
		want := append([]string{"alice"}, expectUsers(all)...)
		slices.Reverse(want)
		require.Equal(t, want, got)
	})

	t.Run("search keyword in name and uid", func(t *testing.T) {
		got := collect(t, build(cometchat.NewUsersRequestBuilder().SetLimit(7).SetSearchKeyword("zed")).All(ctx), userUID)
		require.Equal(t, expectUsers(func(i int) bool { return i%10 == 3 }), got)
		got = collect(t, build(cometchat.NewUsersRequestBuilder().SetSearchKeyword("U25")).All(ctx), userUID)
		require.Equal(t, expectUsers(func(i int) bool { return i >= 250 && i < 260 }), got)
		got = collect(t, build(cometchat.NewUsersRequestBuilder().SetSearchKeyword("u25").SearchIn(cometchat.SearchInName)).All(ctx), userUID)
		require.Empty(t, got, "searching names only does not look at uids")
	})

	t.Run("roles, tags, withTags", func(t *testing.T) {
		got := collect(t, build(cometchat.NewUsersRequestBuilder().SetLimit(13).SetRole("vip")).All(ctx), userUID)
		require.Equal(t, expectUsers(func(i int) bool { return i%5 == 0 }), got)
		req := build(cometchat.NewUsersRequestBuilder().SetTags("four").WithTags(true))
		var tagged []string
		for u, err := range req.All(ctx) {
			require.NoError(t, err)
			require.Equal(t, []string{"four"}, u.Tags)
			tagged = append(tagged, u.UID)
		}
		require.Equal(t, expectUsers(func(i int) bool { return i%4 == 0 }), tagged)
		for u, err := range build(cometchat.NewUsersRequestBuilder().SetTags("four")).All(ctx) {
			require.NoError(t, err)
			require.Empty(t, u.Tags, "tags only come with WithTags")
		}
	})

	t.Run("uids", func(t *testing.T) {
		got := collect(t, build(cometchat.NewUsersRequestBuilder().SetUIDs("U007", "u100", "nobody")).All(ctx), userUID)
		require.ElementsMatch(t, []string{"u007", "u100"}, got)
	})

	t.Run("status", func(t *testing.T) {
		// Only alice's client may hold a realtime connection; the u… users never log in.
		online := collect(t, build(cometchat.NewUsersRequestBuilder().SetStatus(cometchat.StatusOnline)).All(ctx), userUID)
		require.Subset(t, []string{"alice"}, online)
		offline := collect(t, build(cometchat.NewUsersRequestBuilder().SetLimit(100).SetStatus(cometchat.StatusOffline)).All(ctx), userUID)
		require.Len(t, offline, numUsers+1-len(online))
		require.ElementsMatch(t, append(expectUsers(all), "alice"), append(offline, online...))
	})

	t.Run("hide blocked users and friends only", func(t *testing.T) {
		res, err := w.alice.BlockUsers(ctx, "u001", "u002", "u003")
		require.NoError(t, err)
		for uid, e := range res {
			require.NoError(t, e, uid)
		}
		got := collect(t, build(cometchat.NewUsersRequestBuilder().SetLimit(100).HideBlockedUsers(true)).All(ctx), userUID)
		require.Len(t, got, numUsers+1-3)
		require.NotContains(t, got, "u002")
		blocked := collect(t, build(cometchat.NewUsersRequestBuilder().SetUIDs("u002")).All(ctx), userUID)
		require.Equal(t, []string{"u002"}, blocked, "without the filter blocked users are listed")

		addFriends(t, w.srv, "alice", "u010", "u020")
		got = collect(t, build(cometchat.NewUsersRequestBuilder().FriendsOnly(true)).All(ctx), userUID)
		require.ElementsMatch(t, []string{"u010", "u020"}, got)
	})

	t.Run("concurrent FetchNext on one request", func(t *testing.T) {
		req := build(cometchat.NewUsersRequestBuilder().SetLimit(10))
		var (
			mu  sync.Mutex
			got []string
			wg  sync.WaitGroup
		)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					page, err := req.FetchNext(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if len(page) == 0 {
						return
					}
					mu.Lock()
					for _, u := range page {
						got = append(got, u.UID)
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		require.Len(t, got, numUsers+1)
		require.ElementsMatch(t, append(expectUsers(all), "alice"), got)
	})
}

// addFriends makes uid friends with others through the server API (the client API has none).
func addFriends(t *testing.T, srv *cometchattest.Server, uid string, others ...string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"accepted": others})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL()+"/v3/users/"+uid+"/friends", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("apikey", srv.RESTAPIKey())
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.HTTPClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestMembersPagingAllFilters(t *testing.T) {
	w := newPagingWorld(t)
	ctx := t.Context()
	_, err := w.alice.CreateGroup(ctx, &cometchat.Group{GUID: "big", Name: "Big", Type: cometchat.GroupTypePrivate})
	require.NoError(t, err)
	scopeOf := func(i int) cometchat.Scope {
		switch i % 10 {
		case 0:
			return cometchat.ScopeAdmin
		case 1, 2:
			return cometchat.ScopeModerator
		}
		return cometchat.ScopeParticipant
	}
	for start := 0; start < numUsers; start += 25 {
		var batch []*cometchat.GroupMember
		for i := start; i < min(start+25, numUsers); i++ {
			batch = append(batch, cometchat.NewGroupMember(fmt.Sprintf("u%03d", i), scopeOf(i)))
		}
		res, err := w.alice.AddMembersToGroup(ctx, "big", batch, nil)
		require.NoError(t, err)
		require.Len(t, res, len(batch))
		for uid, e := range res {
			require.NoError(t, e, uid)
		}
	}
	members := func(b *cometchat.GroupMembersRequestBuilder) []string {
		req, err := b.Build(w.alice)
		require.NoError(t, err)
		return collect(t, req.All(ctx), memberUID)
	}
	uidsWhere := func(keep func(i int) bool) []string {
		var out []string
		for i := range numUsers {
			if keep(i) {
				out = append(out, fmt.Sprintf("u%03d", i))
			}
		}
		return out
	}

	before := w.gets.n.Load()
	got := members(cometchat.NewGroupMembersRequestBuilder("big").SetLimit(25))
	require.ElementsMatch(t, append(uidsWhere(func(int) bool { return true }), "alice"), got)
	require.Equal(t, int64(11), w.gets.n.Load()-before, "ceil(261/25) pages, no empty round trip")

	require.ElementsMatch(t, append(uidsWhere(func(i int) bool { return i%10 == 0 }), "alice"),
		members(cometchat.NewGroupMembersRequestBuilder("big").SetScopes(cometchat.ScopeAdmin)))
	require.ElementsMatch(t, uidsWhere(func(i int) bool { return i%10 == 1 || i%10 == 2 }),
		members(cometchat.NewGroupMembersRequestBuilder("big").SetLimit(9).SetScopes(cometchat.ScopeModerator)))
	require.ElementsMatch(t, uidsWhere(func(i int) bool { return i%10 == 3 }),
		members(cometchat.NewGroupMembersRequestBuilder("big").SetSearchKeyword("ZED")))
	online := members(cometchat.NewGroupMembersRequestBuilder("big").SetStatus(cometchat.StatusOnline))
	require.Subset(t, []string{"alice"}, online, "only alice may be connected")
	require.Len(t, members(cometchat.NewGroupMembersRequestBuilder("big").SetLimit(100).SetStatus(cometchat.StatusOffline)), numUsers+1-len(online))

	req, err := cometchat.NewGroupMembersRequestBuilder("big").SetLimit(100).Build(w.alice)
	require.NoError(t, err)
	for m, err := range req.All(ctx) {
		require.NoError(t, err)
		if m.UID != "alice" {
			var i int
			_, _ = fmt.Sscanf(m.UID, "u%03d", &i)
			require.Equal(t, scopeOf(i), m.Scope, m.UID)
		}
		require.NotZero(t, m.JoinedAt)
	}

	// Ban 40 members (every admin among them keeps its scope in the banned list).
	for i := 0; i < 40; i++ {
		require.NoError(t, w.alice.BanGroupMember(ctx, "big", fmt.Sprintf("u%03d", i)))
	}
	banned := func(b *cometchat.BannedMembersRequestBuilder) []string {
		req, err := b.Build(w.alice)
		require.NoError(t, err)
		return collect(t, req.All(ctx), memberUID)
	}
	require.ElementsMatch(t, uidsWhere(func(i int) bool { return i < 40 }), banned(cometchat.NewBannedMembersRequestBuilder("big").SetLimit(7)))
	require.ElementsMatch(t, uidsWhere(func(i int) bool { return i < 40 && i%10 == 0 }),
		banned(cometchat.NewBannedMembersRequestBuilder("big").SetScopes(cometchat.ScopeAdmin)))
	require.ElementsMatch(t, []string{"u003", "u013", "u023", "u033"}, banned(cometchat.NewBannedMembersRequestBuilder("big").SetSearchKeyword("zed")))
	require.Len(t, members(cometchat.NewGroupMembersRequestBuilder("big").SetLimit(100)), numUsers+1-40)
}

func TestGroupsPagingFilters(t *testing.T) {
	srv := cometchattest.NewServer(t)
	ctx := t.Context()
	srv.CreateUser(t, "alice", "Alice")
	srv.CreateUser(t, "bob", "Bob")
	alice, bob := srv.Login(t, "alice"), srv.Login(t, "bob")
	var public []string
	for i := range 45 {
		g := &cometchat.Group{GUID: fmt.Sprintf("g%02d", i), Name: fmt.Sprintf("Group %02d", i), Type: cometchat.GroupTypePublic}
		switch {
		case i%3 == 0:
			g.Type, g.Password = cometchat.GroupTypePassword, "pw"
		case i%3 == 1 && i%2 == 0:
			g.Type = cometchat.GroupTypePrivate
		}
		if i%5 == 0 {
			g.Tags = []string{"five"}
		}
		_, err := alice.CreateGroup(ctx, g)
		require.NoError(t, err)
		if g.Type != cometchat.GroupTypePrivate {
			public = append(public, g.GUID)
		}
	}
	_, err := bob.JoinGroup(ctx, "g01", cometchat.GroupTypePublic, "")
	require.NoError(t, err)
	list := func(c *cometchat.Client, b *cometchat.GroupsRequestBuilder) []string {
		req, err := b.Build(c)
		require.NoError(t, err)
		return collect(t, req.All(ctx), func(g *cometchat.Group) string { return g.GUID })
	}
	require.Len(t, list(alice, cometchat.NewGroupsRequestBuilder().SetLimit(10)), 45, "the owner sees its private groups")
	require.Equal(t, public, list(bob, cometchat.NewGroupsRequestBuilder().SetLimit(4)), "others do not")
	require.Equal(t, []string{"g01"}, list(bob, cometchat.NewGroupsRequestBuilder().JoinedOnly(true)))
	require.Equal(t, []string{"g10", "g11", "g12", "g13", "g14", "g15", "g16", "g17", "g18", "g19"},
		list(alice, cometchat.NewGroupsRequestBuilder().SetSearchKeyword("group 1")))
	req, err := cometchat.NewGroupsRequestBuilder().SetTags("five").WithTags(true).Build(alice)
	require.NoError(t, err)
	n := 0
	for g, err := range req.All(ctx) {
		require.NoError(t, err)
		require.Equal(t, []string{"five"}, g.Tags)
		require.True(t, g.HasJoined)
		require.Equal(t, cometchat.ScopeAdmin, g.Scope)
		n++
	}
	require.Equal(t, 9, n)
}

// ExampleUsersRequestBuilder lists users page by page against the embedded emulator.
func ExampleUsersRequestBuilder() {
	ctx := context.Background()
	srv, err := cometchattest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	for _, u := range []cometchat.User{{UID: "alice", Name: "Alice"}, {UID: "bob", Name: "Bob"}, {UID: "carol", Name: "Carol", Role: "vip"}} {
		if err := srv.AddUser(u); err != nil {
			panic(err)
		}
	}
	client, err := cometchat.Init(srv.Settings())
	if err != nil {
		panic(err)
	}
	defer client.Close()
	if _, err := client.Login(ctx, "alice", srv.AuthKey()); err != nil {
		panic(err)
	}

	req, err := cometchat.NewUsersRequestBuilder().SetLimit(2).SortBy(cometchat.SortByName).Build(client)
	if err != nil {
		panic(err) // a local *Error: nothing was sent
	}
	for user, err := range req.All(ctx) {
		if err != nil {
			panic(err)
		}
		fmt.Println(user.UID, user.Name)
	}
	fmt.Println("pages:", req.Page())

	vips, _ := cometchat.NewUsersRequestBuilder().SetRole("vip").Build(client)
	page, _ := vips.FetchNext(ctx)
	fmt.Println("vip:", page[0].Name)
	// Output:
	// alice Alice
	// bob Bob
	// carol Carol
	// pages: 2
	// vip: Carol
}
