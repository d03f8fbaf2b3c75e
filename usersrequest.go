package cometchat

import (
	"context"
	"iter"
	"net/url"
	"strconv"
	"strings"
)

// List requests follow one pattern, the official SDKs' builders made Go-shaped:
//
//	req, err := cometchat.NewUsersRequestBuilder().
//		SetLimit(50).
//		SetStatus(cometchat.StatusOnline).
//		Build(client)
//	if err != nil { … } // a local *Error: nothing was sent
//	for user, err := range req.All(ctx) { … }
//
// Setters never fail and return the builder for chaining; Build checks every value at once and
// returns a local *Error (ErrLimitExceeded, ErrInvalidValue, ErrInvalidUID, ErrInvalidGUID, …) before
// any request is made. The built request keeps its position like the official request objects:
// FetchNext returns the next page each time, HasMore says whether another page may follow, and All
// iterates over everything that is left. A request is safe for concurrent use: calls are serialised
// (the official SDKs fail with REQUEST_IN_PROGRESS instead).

// SearchField is where a users search keyword is looked for.
type SearchField string

// Search fields of UsersRequestBuilder.SearchIn.
const (
	SearchInName SearchField = "name"
	SearchInUID  SearchField = "uid"
)

// UserSortBy is the sort key of a users list.
type UserSortBy string

// Sort keys of UsersRequestBuilder.SortBy. The service's default is SortByStatus (online users
// first).
const (
	SortByName   UserSortBy = "name"
	SortByStatus UserSortBy = "status"
)

// SortOrder is ascending or descending.
type SortOrder string

// Sort orders. The service's default is SortAsc.
const (
	SortAsc  SortOrder = "asc"
	SortDesc SortOrder = "desc"
)

// statusQuery maps a status filter to its wire value: the client says online, the service available.
func statusQuery(s UserStatus) string {
	if s == StatusOnline {
		return "available"
	}
	return string(s)
}

// checkStatus validates an optional status filter.
func checkStatus(s UserStatus) error {
	switch s {
	case "", StatusOnline, StatusOffline:
		return nil
	}
	return localError(ErrInvalidValue, "status "+strconv.Quote(string(s))+" is not online or offline")
}

// checkPage validates a starting page (0 is the first page, as in the official SDKs).
func checkPage(page int) error {
	if page < 0 {
		return localError(ErrInvalidValue, "page must not be negative")
	}
	return nil
}

// checkKeyword validates a search keyword: any text, but not only spaces (the service would treat it
// as a search for spaces, which is never what was meant).
func checkKeyword(s string) error {
	if s != "" && strings.TrimSpace(s) == "" {
		return localError(ErrInvalidValue, "search keyword is only spaces")
	}
	return nil
}

// checkTags validates a tag filter: no empty tags.
func checkTags(tags []string) error {
	for _, t := range tags {
		if strings.TrimSpace(t) == "" {
			return localError(ErrInvalidValue, "tags must not be empty")
		}
	}
	return nil
}

// UsersRequestBuilder configures a UsersRequest (GET users); see the package documentation on list
// requests. The zero value is not usable: start from NewUsersRequestBuilder.
type UsersRequestBuilder struct {
	limit       int
	keyword     string
	searchIn    []SearchField
	status      UserStatus
	hideBlocked bool
	roles       []string
	friendsOnly bool
	tags        []string
	withTags    bool
	uids        []string
	sortBy      UserSortBy
	sortOrder   SortOrder
	page        int
}

// NewUsersRequestBuilder starts a users list with the default page size (DefaultPageSize).
func NewUsersRequestBuilder() *UsersRequestBuilder { return &UsersRequestBuilder{} }

// SetLimit sets the page size: 1 to MaxPageSize (100); 0 means DefaultPageSize.
func (b *UsersRequestBuilder) SetLimit(n int) *UsersRequestBuilder { b.limit = n; return b }

// SetSearchKeyword keeps users whose name or uid (see SearchIn) contains s, ignoring case.
func (b *UsersRequestBuilder) SetSearchKeyword(s string) *UsersRequestBuilder {
	b.keyword = s
	return b
}

// SearchIn restricts the keyword search to these fields; by default both name and uid are searched.
func (b *UsersRequestBuilder) SearchIn(fields ...SearchField) *UsersRequestBuilder {
	b.searchIn = append([]SearchField(nil), fields...)
	return b
}

// SetStatus keeps only online (StatusOnline) or offline (StatusOffline) users.
func (b *UsersRequestBuilder) SetStatus(s UserStatus) *UsersRequestBuilder { b.status = s; return b }

// HideBlockedUsers leaves out the users the logged-in user has blocked.
func (b *UsersRequestBuilder) HideBlockedUsers(hide bool) *UsersRequestBuilder {
	b.hideBlocked = hide
	return b
}

// SetRole keeps only users with this role. It replaces any roles set before.
func (b *UsersRequestBuilder) SetRole(role string) *UsersRequestBuilder {
	b.roles = []string{role}
	return b
}

// SetRoles keeps only users with one of these roles.
func (b *UsersRequestBuilder) SetRoles(roles ...string) *UsersRequestBuilder {
	b.roles = append([]string(nil), roles...)
	return b
}

// FriendsOnly keeps only the logged-in user's friends.
func (b *UsersRequestBuilder) FriendsOnly(only bool) *UsersRequestBuilder {
	b.friendsOnly = only
	return b
}

// SetTags keeps only users carrying at least one of these tags.
func (b *UsersRequestBuilder) SetTags(tags ...string) *UsersRequestBuilder {
	b.tags = append([]string(nil), tags...)
	return b
}

// WithTags asks the service to include each user's tags.
func (b *UsersRequestBuilder) WithTags(with bool) *UsersRequestBuilder { b.withTags = with; return b }

// SetUIDs fetches only these users.
func (b *UsersRequestBuilder) SetUIDs(uids ...string) *UsersRequestBuilder {
	b.uids = append([]string(nil), uids...)
	return b
}

// SortBy sets the sort key (SortByName or SortByStatus).
func (b *UsersRequestBuilder) SortBy(by UserSortBy) *UsersRequestBuilder { b.sortBy = by; return b }

// SortOrder sets the sort direction (SortAsc or SortDesc).
func (b *UsersRequestBuilder) SortOrder(o SortOrder) *UsersRequestBuilder { b.sortOrder = o; return b }

// SetPage sets the page to start from; 0 (the default) is the first page, as in the official SDKs.
func (b *UsersRequestBuilder) SetPage(page int) *UsersRequestBuilder { b.page = page; return b }

// Build validates the settings and returns the request for client. It sends nothing.
func (b *UsersRequestBuilder) Build(c *Client) (*UsersRequest, error) {
	limit, err := buildLimit(c, b.limit, MaxPageSize)
	if err != nil {
		return nil, err
	}
	if err := firstErr(checkStatus(b.status), checkPage(b.page), checkKeyword(b.keyword), checkTags(b.tags)); err != nil {
		return nil, err
	}
	q := url.Values{}
	if b.keyword != "" {
		q.Set("searchKey", b.keyword)
	}
	in := make([]string, 0, len(b.searchIn))
	for _, f := range b.searchIn {
		if f != SearchInName && f != SearchInUID {
			return nil, localError(ErrInvalidValue, "search field "+strconv.Quote(string(f))+" is not name or uid")
		}
		in = append(in, string(f))
	}
	setList(q, "searchIn", in)
	if b.status != "" {
		q.Set("status", statusQuery(b.status))
	}
	setFlag(q, "hideBlockedUsers", b.hideBlocked)
	for _, r := range b.roles {
		if strings.TrimSpace(r) == "" {
			return nil, localError(ErrInvalidValue, "role must not be empty")
		}
	}
	setList(q, "roles", b.roles)
	setFlag(q, "friendsOnly", b.friendsOnly)
	setList(q, "tags", b.tags)
	setFlag(q, "withTags", b.withTags)
	uids := make([]string, 0, len(b.uids))
	for _, u := range b.uids {
		if err := ValidateUID(u); err != nil {
			return nil, err
		}
		uids = append(uids, normID(u))
	}
	setList(q, "uids", uids)
	switch b.sortBy {
	case "", SortByName, SortByStatus:
	default:
		return nil, localError(ErrInvalidValue, "sort key "+strconv.Quote(string(b.sortBy))+" is not name or status")
	}
	if b.sortBy != "" {
		q.Set("sortBy", string(b.sortBy))
	}
	if err := checkSortOrder(b.sortOrder); err != nil {
		return nil, err
	}
	if b.sortOrder != "" {
		q.Set("sortOrder", string(b.sortOrder))
	}
	return &UsersRequest{p: newPager[*User](c, "users", q, limit, b.page)}, nil
}

// checkSortOrder validates an optional sort order.
func checkSortOrder(o SortOrder) error {
	switch o {
	case "", SortAsc, SortDesc:
		return nil
	}
	return localError(ErrInvalidValue, "sort order "+strconv.Quote(string(o))+" is not asc or desc")
}

// UsersRequest is a built users list (GET users). Create it with NewUsersRequestBuilder.
type UsersRequest struct {
	p *pager[*User]
}

// FetchNext returns the next page of users; an empty page once the list is exhausted. A failed call
// leaves the position unchanged, so it can simply be retried.
func (r *UsersRequest) FetchNext(ctx context.Context) ([]*User, error) { return r.p.fetchNext(ctx) }

// HasMore reports whether FetchNext may return more users.
func (r *UsersRequest) HasMore() bool { return r.p.hasMore() }

// Page returns the number of pages fetched so far, counting from the starting page; pass it to
// SetPage to resume the list in another request.
func (r *UsersRequest) Page() int { return r.p.currentPage() }

// All iterates over every remaining user, fetching pages as needed. On error it yields (nil, err)
// once and stops.
func (r *UsersRequest) All(ctx context.Context) iter.Seq2[*User, error] { return r.p.all(ctx) }
