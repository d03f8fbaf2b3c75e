package admin

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"

	"github.com/cometchat-go/cometchat"
)

// Member is a user in a group: the user plus the scope and when they joined (model.md §4). In the
// banned list IsBanned is set.
type Member struct {
	cometchat.User
	Scope    Scope
	JoinedAt cometchat.UnixTime
	IsBanned bool
}

// UnmarshalJSON decodes the user and the membership fields.
func (m *Member) UnmarshalJSON(b []byte) error {
	var extra struct {
		Scope    Scope              `json:"scope"`
		JoinedAt cometchat.UnixTime `json:"joinedAt"`
		IsBanned json.RawMessage    `json:"isBanned"`
	}
	if err := json.Unmarshal(b, &extra); err != nil {
		return err
	}
	if err := json.Unmarshal(b, &m.User); err != nil {
		return err
	}
	m.Scope, m.JoinedAt, m.IsBanned = extra.Scope, extra.JoinedAt, flexBool(extra.IsBanned)
	return nil
}

// AddMembersResult is the outcome of AddMembers per list ("admins", "moderators", "participants",
// "usersToBan") and uid. A successful item's Data is the groupMember "added" action message.
type AddMembersResult map[string]map[string]ItemResult

// Failed returns the uids whose addition (or ban) failed, with their errors.
func (r AddMembersResult) Failed() map[string]*cometchat.Error {
	out := map[string]*cometchat.Error{}
	for _, items := range r {
		for uid, it := range items {
			if it.Err != nil {
				out[uid] = it.Err
			}
		}
	}
	return out
}

func groupPath(guid string) string { return "groups/" + esc(guid) }

// AddMembers adds users to a group with the given scopes (POST /groups/{guid}/members). Per-user
// failures (already a member, banned, unknown) are in the result, not an error of the call. On a
// Client made by As the acting user must be an admin of the group.
func (c *Client) AddMembers(ctx context.Context, guid string, in MembersInput) (AddMembersResult, error) {
	if err := cometchat.ValidateGUID(guid); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	var out AddMembersResult
	err := c.do(ctx, &call{method: http.MethodPost, path: groupPath(guid) + "/members", body: in, obo: oboOptional}, &out)
	return out, err
}

// ListMembersOptions filters and pages a member list.
type ListMembersOptions struct {
	// Status keeps available (online) or offline members.
	Status UserStatusFilter
	// Scopes keeps members with any of these scopes.
	Scopes []Scope
	// PerPage is the page size (default 100, at most 1000); Page the first page (default 1).
	PerPage, Page int
}

// ListMembers iterates the members of a group.
func (c *Client) ListMembers(ctx context.Context, guid string, opts ListMembersOptions) iter.Seq2[*Member, error] {
	if err := cometchat.ValidateGUID(guid); err != nil {
		return failed[*Member](err)
	}
	q := url.Values{}
	if err := opts.Status.set(q); err != nil {
		return failed[*Member](err)
	}
	var scopes []string
	for _, s := range opts.Scopes {
		if err := checkScope(s); err != nil {
			return failed[*Member](err)
		}
		scopes = append(scopes, string(s))
	}
	commaList(q, "scopes", scopes)
	return pages[*Member](c, ctx, call{method: http.MethodGet, path: groupPath(guid) + "/members", query: q},
		opts.PerPage, opts.Page)
}

func checkScope(s Scope) error {
	switch s {
	case ScopeAdmin, ScopeModerator, ScopeParticipant:
		return nil
	}
	return invalidValue("scope must be admin, moderator or participant, not " + string(s))
}

func checkMember(guid, uid string) error {
	if err := cometchat.ValidateGUID(guid); err != nil {
		return err
	}
	return cometchat.ValidateUID(uid)
}

// ScopeChange is the result of ChangeScope.
type ScopeChange struct {
	GUID     string             `json:"guid"`
	UID      string             `json:"uid"`
	Scope    Scope              `json:"scope"`
	JoinedAt cometchat.UnixTime `json:"joinedAt"`
}

// ChangeScope sets a member's scope (PUT /groups/{guid}/members/{uid}). The same scope is
// cometchat.ErrSameScope; on a Client made by As the acting user's clearance is enforced.
func (c *Client) ChangeScope(ctx context.Context, guid, uid string, scope Scope) (*ScopeChange, error) {
	if err := checkMember(guid, uid); err != nil {
		return nil, err
	}
	if err := checkScope(scope); err != nil {
		return nil, err
	}
	return fetch[ScopeChange](c, ctx, &call{method: http.MethodPut, path: groupPath(guid) + "/members/" + esc(uid),
		body: map[string]any{"scope": scope}, obo: oboOptional})
}

// KickMember removes a member from a group; a kicked user may join again.
func (c *Client) KickMember(ctx context.Context, guid, uid string) error {
	if err := checkMember(guid, uid); err != nil {
		return err
	}
	return c.do(ctx, &call{method: http.MethodDelete, path: groupPath(guid) + "/members/" + esc(uid), obo: oboOptional}, nil)
}

// BanMember bans a user from a group (removing the membership); a banned user cannot join again
// until unbanned.
func (c *Client) BanMember(ctx context.Context, guid, uid string) error {
	if err := checkMember(guid, uid); err != nil {
		return err
	}
	return c.do(ctx, &call{method: http.MethodPost, path: groupPath(guid) + "/bannedusers/" + esc(uid), obo: oboOptional}, nil)
}

// UnbanMember lifts a ban; a user who is not banned is cometchat.ErrNotABannedUser.
func (c *Client) UnbanMember(ctx context.Context, guid, uid string) error {
	if err := checkMember(guid, uid); err != nil {
		return err
	}
	return c.do(ctx, &call{method: http.MethodDelete, path: groupPath(guid) + "/bannedusers/" + esc(uid), obo: oboOptional}, nil)
}

// ListBannedUsers iterates the users banned from a group.
func (c *Client) ListBannedUsers(ctx context.Context, guid string) iter.Seq2[*Member, error] {
	if err := cometchat.ValidateGUID(guid); err != nil {
		return failed[*Member](err)
	}
	return pages[*Member](c, ctx, call{method: http.MethodGet, path: groupPath(guid) + "/bannedusers"}, 0, 1)
}
