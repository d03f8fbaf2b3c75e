package cometchat

import (
	"context"
	"iter"
	"net/url"
)

// GroupsRequestBuilder configures a GroupsRequest (GET groups): public and password groups plus the
// private groups the logged-in user belongs to. See UsersRequestBuilder for how builders work.
type GroupsRequestBuilder struct {
	limit      int
	page       int
	keyword    string
	joinedOnly bool
	tags       []string
	withTags   bool
}

// NewGroupsRequestBuilder starts a groups list with the default page size.
func NewGroupsRequestBuilder() *GroupsRequestBuilder { return &GroupsRequestBuilder{} }

// SetLimit sets the page size: 1 to MaxPageSize (100); 0 means DefaultPageSize.
func (b *GroupsRequestBuilder) SetLimit(n int) *GroupsRequestBuilder { b.limit = n; return b }

// SetPage sets the page to start from; 0 (the default) is the first page.
func (b *GroupsRequestBuilder) SetPage(page int) *GroupsRequestBuilder { b.page = page; return b }

// SetSearchKeyword keeps groups whose name or guid contains s, ignoring case.
func (b *GroupsRequestBuilder) SetSearchKeyword(s string) *GroupsRequestBuilder {
	b.keyword = s
	return b
}

// JoinedOnly keeps only the groups the logged-in user is a member of.
func (b *GroupsRequestBuilder) JoinedOnly(only bool) *GroupsRequestBuilder {
	b.joinedOnly = only
	return b
}

// SetTags keeps only groups carrying at least one of these tags.
func (b *GroupsRequestBuilder) SetTags(tags ...string) *GroupsRequestBuilder {
	b.tags = append([]string(nil), tags...)
	return b
}

// WithTags asks the service to include each group's tags.
func (b *GroupsRequestBuilder) WithTags(with bool) *GroupsRequestBuilder { b.withTags = with; return b }

// Build validates the settings and returns the request for client. It sends nothing.
func (b *GroupsRequestBuilder) Build(c *Client) (*GroupsRequest, error) {
	limit, err := buildLimit(c, b.limit, MaxPageSize)
	if err != nil {
		return nil, err
	}
	if err := firstErr(checkPage(b.page), checkKeyword(b.keyword), checkTags(b.tags)); err != nil {
		return nil, err
	}
	q := url.Values{}
	if b.keyword != "" {
		q.Set("searchKey", b.keyword)
	}
	setFlag(q, "hasJoined", b.joinedOnly)
	setList(q, "tags", b.tags)
	setFlag(q, "withTags", b.withTags)
	return &GroupsRequest{p: newPager[*Group](c, "groups", q, limit, b.page)}, nil
}

// GroupsRequest is a built groups list. It is safe for concurrent use.
type GroupsRequest struct{ p *pager[*Group] }

// FetchNext returns the next page of groups; an empty page once the list is exhausted.
func (r *GroupsRequest) FetchNext(ctx context.Context) ([]*Group, error) { return r.p.fetchNext(ctx) }

// HasMore reports whether FetchNext may return more groups.
func (r *GroupsRequest) HasMore() bool { return r.p.hasMore() }

// Page returns the number of pages fetched so far, counting from the starting page.
func (r *GroupsRequest) Page() int { return r.p.currentPage() }

// All iterates over every remaining group; on error it yields (nil, err) once and stops.
func (r *GroupsRequest) All(ctx context.Context) iter.Seq2[*Group, error] { return r.p.all(ctx) }

// GroupMembersRequestBuilder configures a GroupMembersRequest (GET groups/{guid}/members).
type GroupMembersRequestBuilder struct {
	guid    string
	limit   int
	page    int
	keyword string
	scopes  []Scope
	status  UserStatus
}

// NewGroupMembersRequestBuilder starts a members list of group guid.
func NewGroupMembersRequestBuilder(guid string) *GroupMembersRequestBuilder {
	return &GroupMembersRequestBuilder{guid: guid}
}

// SetGUID sets the group.
func (b *GroupMembersRequestBuilder) SetGUID(guid string) *GroupMembersRequestBuilder {
	b.guid = guid
	return b
}

// SetLimit sets the page size: 1 to MaxPageSize (100); 0 means DefaultPageSize.
func (b *GroupMembersRequestBuilder) SetLimit(n int) *GroupMembersRequestBuilder {
	b.limit = n
	return b
}

// SetPage sets the page to start from; 0 (the default) is the first page.
func (b *GroupMembersRequestBuilder) SetPage(page int) *GroupMembersRequestBuilder {
	b.page = page
	return b
}

// SetSearchKeyword keeps members whose name or uid contains s, ignoring case.
func (b *GroupMembersRequestBuilder) SetSearchKeyword(s string) *GroupMembersRequestBuilder {
	b.keyword = s
	return b
}

// SetScopes keeps members with one of these scopes.
func (b *GroupMembersRequestBuilder) SetScopes(scopes ...Scope) *GroupMembersRequestBuilder {
	b.scopes = append([]Scope(nil), scopes...)
	return b
}

// SetStatus keeps only online (StatusOnline) or offline (StatusOffline) members.
func (b *GroupMembersRequestBuilder) SetStatus(s UserStatus) *GroupMembersRequestBuilder {
	b.status = s
	return b
}

// Build validates the settings and returns the request for client. It sends nothing.
func (b *GroupMembersRequestBuilder) Build(c *Client) (*GroupMembersRequest, error) {
	q, limit, err := memberListQuery(c, b.guid, b.limit, b.page, b.keyword, b.scopes)
	if err != nil {
		return nil, err
	}
	if err := checkStatus(b.status); err != nil {
		return nil, err
	}
	if b.status != "" {
		q.Set("status", statusQuery(b.status))
	}
	guid := normID(b.guid)
	return &GroupMembersRequest{memberList{guid: guid, p: newPager[*GroupMember](c, "groups/"+guid+"/members", q, limit, b.page)}}, nil
}

// memberListQuery validates and encodes what members and banned-members lists share.
func memberListQuery(c *Client, guid string, limit, page int, keyword string, scopes []Scope) (url.Values, int, error) {
	limit, err := buildLimit(c, limit, MaxPageSize)
	if err != nil {
		return nil, 0, err
	}
	if err := ValidateGUID(guid); err != nil {
		return nil, 0, err
	}
	if err := firstErr(checkPage(page), checkKeyword(keyword)); err != nil {
		return nil, 0, err
	}
	q := url.Values{}
	if keyword != "" {
		q.Set("searchKey", keyword)
	}
	list := make([]string, 0, len(scopes))
	for _, s := range scopes {
		if err := checkScope(s); err != nil {
			return nil, 0, err
		}
		list = append(list, string(s))
	}
	setList(q, "scopes", list)
	return q, limit, nil
}

// memberList is the engine of both member lists: the pager plus the guid it stamps on each member.
type memberList struct {
	guid string
	p    *pager[*GroupMember]
}

func (l memberList) fetchNext(ctx context.Context) ([]*GroupMember, error) {
	ms, err := l.p.fetchNext(ctx)
	for _, m := range ms {
		if m != nil && m.GUID == "" {
			m.GUID = l.guid
		}
	}
	return ms, err
}

func (l memberList) all(ctx context.Context) iter.Seq2[*GroupMember, error] {
	return allPages(ctx, l.fetchNext, nil)
}

// GroupMembersRequest is a built members list. It is safe for concurrent use.
type GroupMembersRequest struct{ l memberList }

// FetchNext returns the next page of members; an empty page once the list is exhausted.
func (r *GroupMembersRequest) FetchNext(ctx context.Context) ([]*GroupMember, error) {
	return r.l.fetchNext(ctx)
}

// HasMore reports whether FetchNext may return more members.
func (r *GroupMembersRequest) HasMore() bool { return r.l.p.hasMore() }

// Page returns the number of pages fetched so far, counting from the starting page.
func (r *GroupMembersRequest) Page() int { return r.l.p.currentPage() }

// All iterates over every remaining member; on error it yields (nil, err) once and stops.
func (r *GroupMembersRequest) All(ctx context.Context) iter.Seq2[*GroupMember, error] {
	return r.l.all(ctx)
}

// BannedMembersRequestBuilder configures a BannedMembersRequest (GET groups/{guid}/bannedusers).
// Any member may list a group's bans.
type BannedMembersRequestBuilder struct {
	guid    string
	limit   int
	page    int
	keyword string
	scopes  []Scope
}

// NewBannedMembersRequestBuilder starts a banned-members list of group guid.
func NewBannedMembersRequestBuilder(guid string) *BannedMembersRequestBuilder {
	return &BannedMembersRequestBuilder{guid: guid}
}

// SetGUID sets the group.
func (b *BannedMembersRequestBuilder) SetGUID(guid string) *BannedMembersRequestBuilder {
	b.guid = guid
	return b
}

// SetLimit sets the page size: 1 to MaxPageSize (100); 0 means DefaultPageSize.
func (b *BannedMembersRequestBuilder) SetLimit(n int) *BannedMembersRequestBuilder {
	b.limit = n
	return b
}

// SetPage sets the page to start from; 0 (the default) is the first page.
func (b *BannedMembersRequestBuilder) SetPage(page int) *BannedMembersRequestBuilder {
	b.page = page
	return b
}

// SetSearchKeyword keeps banned users whose name or uid contains s, ignoring case.
func (b *BannedMembersRequestBuilder) SetSearchKeyword(s string) *BannedMembersRequestBuilder {
	b.keyword = s
	return b
}

// SetScopes keeps banned users who held one of these scopes when banned.
func (b *BannedMembersRequestBuilder) SetScopes(scopes ...Scope) *BannedMembersRequestBuilder {
	b.scopes = append([]Scope(nil), scopes...)
	return b
}

// Build validates the settings and returns the request for client. It sends nothing.
func (b *BannedMembersRequestBuilder) Build(c *Client) (*BannedMembersRequest, error) {
	q, limit, err := memberListQuery(c, b.guid, b.limit, b.page, b.keyword, b.scopes)
	if err != nil {
		return nil, err
	}
	guid := normID(b.guid)
	return &BannedMembersRequest{memberList{guid: guid, p: newPager[*GroupMember](c, "groups/"+guid+"/bannedusers", q, limit, b.page)}}, nil
}

// BannedMembersRequest is a built banned-members list. It is safe for concurrent use.
type BannedMembersRequest struct{ l memberList }

// FetchNext returns the next page of banned users; an empty page once the list is exhausted.
func (r *BannedMembersRequest) FetchNext(ctx context.Context) ([]*GroupMember, error) {
	return r.l.fetchNext(ctx)
}

// HasMore reports whether FetchNext may return more banned users.
func (r *BannedMembersRequest) HasMore() bool { return r.l.p.hasMore() }

// Page returns the number of pages fetched so far, counting from the starting page.
func (r *BannedMembersRequest) Page() int { return r.l.p.currentPage() }

// All iterates over every remaining banned user; on error it yields (nil, err) once and stops.
func (r *BannedMembersRequest) All(ctx context.Context) iter.Seq2[*GroupMember, error] {
	return r.l.all(ctx)
}
