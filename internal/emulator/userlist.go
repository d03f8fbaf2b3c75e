package emulator

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// GET users on the client API with every filter and sort of the official
// UsersRequestBuilder (client-protocol.md §6.1), plus the page-number
// pagination and query helpers every client list shares (users, groups,
// members, banned members, blocked users).

func (s *Server) registerUserListRoutes() {
	s.clientRoute("GET users", s.clientListUsers)
}

// Client list page sizes (rules-and-limits.md §3).
const (
	listDefaultPerPage = 30
	listMaxPerPage     = 100
)

// paging is a validated per_page / page pair.
type paging struct{ perPage, page int }

// parsePaging reads per_page (perPage is accepted too; default 30, clamped
// to 100, rules-and-limits.md §3) and page (1-based, default 1). Values that
// are not positive integers are ERR_BAD_REQUEST.
func parsePaging(q url.Values) (paging, error) {
	pg := paging{perPage: listDefaultPerPage, page: 1}
	var v validator
	perPage := q.Get("per_page")
	if perPage == "" {
		perPage = q.Get("perPage")
	}
	for _, f := range []struct {
		key, raw string
		dst      *int
	}{{"per_page", perPage, &pg.perPage}, {"page", q.Get("page"), &pg.page}} {
		if f.raw == "" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(f.raw))
		if err != nil || n < 1 {
			v.add(f.key, "The "+f.key+" must be a positive integer.")
			continue
		}
		*f.dst = n
	}
	if err := v.err(); err != nil {
		return pg, err
	}
	pg.perPage = min(pg.perPage, listMaxPerPage)
	return pg, nil
}

// paginationMeta is meta.pagination (client-protocol.md §6.1).
type paginationMeta struct {
	Total       int `json:"total"`
	Count       int `json:"count"`
	PerPage     int `json:"per_page"`
	CurrentPage int `json:"current_page"`
	TotalPages  int `json:"total_pages"`
}

// pageOf cuts page pg out of the full, filtered and ordered list and wraps
// it with meta.pagination. data is always an array, empty past the end.
func pageOf[T any](all []T, pg paging) *page {
	total := len(all)
	start := min((pg.page-1)*pg.perPage, total)
	end := min(start+pg.perPage, total)
	items := all[start:end:end]
	if items == nil {
		items = []T{}
	}
	return &page{Data: items, Meta: map[string]any{"pagination": paginationMeta{
		Total: total, Count: len(items), PerPage: pg.perPage, CurrentPage: pg.page,
		TotalPages: max(1, (total+pg.perPage-1)/pg.perPage),
	}}}
}

// queryFlag and queryList are in messagequery.go.

// matchesKeyword reports whether u's name or uid (or only the fields in
// searchIn) contains the keyword, ignoring case. "" matches everyone.
func matchesKeyword(u *userRecord, keyword string, searchIn []string) bool {
	if keyword == "" {
		return true
	}
	keyword = strings.ToLower(keyword)
	inName := len(searchIn) == 0 || slices.Contains(searchIn, "name")
	inUID := len(searchIn) == 0 || slices.Contains(searchIn, "uid")
	return (inName && strings.Contains(strings.ToLower(u.Name), keyword)) ||
		(inUID && strings.Contains(u.UID, keyword))
}

// containsFold reports whether s contains the keyword, ignoring case.
func containsFold(s, keyword string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(keyword))
}

// hasAnyTag reports whether tags shares an element with want; an empty want
// matches everything.
func hasAnyTag(tags, want []string) bool {
	if len(want) == 0 {
		return true
	}
	for _, w := range want {
		if slices.Contains(tags, w) {
			return true
		}
	}
	return false
}

// parseStatusFilter reads status: available (or online) → "available",
// offline → "offline", absent → "".
func parseStatusFilter(q url.Values) (string, error) {
	switch st := strings.ToLower(strings.TrimSpace(q.Get("status"))); st {
	case "":
		return "", nil
	case "available", "online":
		return "available", nil
	case "offline":
		return "offline", nil
	}
	return "", errBadRequest(map[string][]string{"status": {"The selected status is invalid."}})
}

// matchesStatusLocked applies a parsed status filter. Caller holds s.mu.
func (s *Server) matchesStatusLocked(uid, status string) bool {
	switch status {
	case "available":
		return s.st.isOnline(uid)
	case "offline":
		return !s.st.isOnline(uid)
	}
	return true
}

// clientListUsers: GET users. Active users (the caller included), filtered
// by searchKey / searchIn (name, uid; both by default), status,
// hideBlockedUsers (users the caller has blocked), roles, friendsOnly, tags
// (any of), uids, and sorted by sortBy (status: online first, the default;
// or name) and sortOrder (asc, the default; desc), ties broken by name then
// uid. Tags are listed only with withTags=1.
func (s *Server) clientListUsers(r *http.Request, c *clientCaller) (any, error) {
	q := r.URL.Query()
	pg, err := parsePaging(q)
	if err != nil {
		return nil, err
	}
	status, err := parseStatusFilter(q)
	if err != nil {
		return nil, err
	}
	var v validator
	searchIn := queryList(q, "searchIn")
	for _, f := range searchIn {
		if f != "name" && f != "uid" {
			v.add("searchIn", "The selected searchIn is invalid.")
		}
	}
	sortBy := q.Get("sortBy")
	if sortBy != "" && sortBy != "name" && sortBy != "status" {
		v.add("sortBy", "The selected sortBy is invalid.")
	}
	sortOrder := strings.ToLower(q.Get("sortOrder"))
	if sortOrder != "" && sortOrder != "asc" && sortOrder != "desc" {
		v.add("sortOrder", "The selected sortOrder is invalid.")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	keyword := q.Get("searchKey")
	hideBlocked, friendsOnly, withTags := queryFlag(q, "hideBlockedUsers"), queryFlag(q, "friendsOnly"), queryFlag(q, "withTags")
	roles, tags := queryList(q, "roles"), queryList(q, "tags")
	for i := range roles {
		roles[i] = normID(roles[i])
	}
	var uids []string
	for _, id := range queryList(q, "uids") {
		uids = append(uids, normID(id))
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	type item struct {
		j      userJSON
		online bool
	}
	var items []item
	for _, uid := range sortedKeys(s.st.Users) {
		u, ok := s.st.activeUser(uid)
		if !ok {
			continue
		}
		_, blocked := s.st.Blocks[c.uid][uid]
		_, friend := s.st.Friends[c.uid][uid]
		switch {
		case !matchesKeyword(u, keyword, searchIn),
			!s.matchesStatusLocked(uid, status),
			hideBlocked && blocked,
			friendsOnly && !friend,
			len(roles) > 0 && !slices.Contains(roles, u.Role),
			!hasAnyTag(u.Tags, tags),
			len(uids) > 0 && !slices.Contains(uids, uid):
			continue
		}
		j := s.renderUserLocked(u, c.uid)
		if !withTags {
			j.Tags = nil
		}
		items = append(items, item{j: j, online: s.st.isOnline(uid)})
	}
	byName := func(a, b item) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.j.Name), strings.ToLower(b.j.Name)), cmp.Compare(a.j.UID, b.j.UID))
	}
	order := byName
	if sortBy != "name" {
		order = func(a, b item) int {
			if a.online != b.online { // online first in ascending order
				if a.online {
					return -1
				}
				return 1
			}
			return byName(a, b)
		}
	}
	if sortOrder == "desc" {
		asc := order
		order = func(a, b item) int { return asc(b, a) }
	}
	slices.SortStableFunc(items, order)
	out := make([]userJSON, len(items))
	for i, it := range items {
		out[i] = it.j
	}
	return pageOf(out, pg), nil
}
