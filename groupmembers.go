package cometchat

import (
	"context"
	"encoding/json"
	"net/http"
)

// GroupMember is a user as a member (or banned member) of a group (model.md §4): the User plus the
// member's scope and when it joined. GUID is filled in by the SDK from the request.
type GroupMember struct {
	User
	Scope    Scope    `json:"scope,omitempty"`
	JoinedAt UnixTime `json:"joinedAt,omitempty"`
	GUID     string   `json:"guid,omitempty"`
	// IsBanned is set on banned-members lists.
	IsBanned bool `json:"isBanned,omitempty"`
}

// NewGroupMember describes a user to add to a group with a scope, for AddMembersToGroup and
// CreateGroupWithMembers.
func NewGroupMember(uid string, scope Scope) *GroupMember {
	return &GroupMember{User: User{UID: uid}, Scope: scope}
}

// UnmarshalJSON is needed because the embedded User's own UnmarshalJSON would otherwise swallow the
// member fields. Raw (on the User) keeps the whole object.
func (m *GroupMember) UnmarshalJSON(b []byte) error {
	var extra struct {
		Scope    Scope           `json:"scope"`
		JoinedAt UnixTime        `json:"joinedAt"`
		GUID     string          `json:"guid"`
		IsBanned json.RawMessage `json:"isBanned"`
	}
	if err := json.Unmarshal(b, &extra); err != nil {
		return err
	}
	if err := json.Unmarshal(b, &m.User); err != nil {
		return err
	}
	m.Scope, m.JoinedAt, m.GUID, m.IsBanned = extra.Scope, extra.JoinedAt, extra.GUID, flexBool(extra.IsBanned)
	return nil
}

// MarshalJSON encodes the User fields plus the member fields (the embedded User's Raw is not
// encoded).
func (m GroupMember) MarshalJSON() ([]byte, error) {
	type plainUser User
	return json.Marshal(struct {
		plainUser
		Scope    Scope    `json:"scope,omitempty"`
		JoinedAt UnixTime `json:"joinedAt,omitempty"`
		GUID     string   `json:"guid,omitempty"`
		IsBanned bool     `json:"isBanned,omitempty"`
	}{plainUser(m.User), m.Scope, m.JoinedAt, m.GUID, m.IsBanned})
}

// membersInput is the members object of add-members and create-with-members: only non-empty keys.
type membersInput struct {
	Admins       []string `json:"admins,omitempty"`
	Moderators   []string `json:"moderators,omitempty"`
	Participants []string `json:"participants,omitempty"`
	UsersToBan   []string `json:"usersToBan,omitempty"`
}

// ids returns every uid of in, in request order.
func (in *membersInput) ids() []string {
	var out []string
	seen := map[string]bool{}
	for _, list := range [][]string{in.Admins, in.Moderators, in.Participants, in.UsersToBan} {
		for _, id := range list {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}

// maxMembersPerRequest is the service's limit of users per add-members request, all scopes
// together (rules-and-limits.md §4).
const maxMembersPerRequest = 25

// buildMembersInput validates members and banUIDs locally and sorts them by scope.
func buildMembersInput(members []*GroupMember, banUIDs []string) (*membersInput, error) {
	in := &membersInput{}
	for _, m := range members {
		if m == nil {
			return nil, localError(ErrMissingParameters, "a member is nil")
		}
		if err := ValidateUID(m.UID); err != nil {
			return nil, err
		}
		scope := m.Scope
		if scope == "" {
			scope = ScopeParticipant
		}
		if err := checkScope(scope); err != nil {
			return nil, err
		}
		id := normID(m.UID)
		switch scope {
		case ScopeAdmin:
			in.Admins = append(in.Admins, id)
		case ScopeModerator:
			in.Moderators = append(in.Moderators, id)
		default:
			in.Participants = append(in.Participants, id)
		}
	}
	for _, uid := range banUIDs {
		if err := ValidateUID(uid); err != nil {
			return nil, err
		}
		in.UsersToBan = append(in.UsersToBan, normID(uid))
	}
	n := len(in.ids())
	if n > maxMembersPerRequest {
		return nil, localError(ErrLimitExceeded, "at most 25 users may be added or banned per request")
	}
	return in, nil
}

// memberResults is the per-scope result object of add members: scope key → uid → result.
type memberResults struct {
	Admins       map[string]json.RawMessage `json:"admins"`
	Moderators   map[string]json.RawMessage `json:"moderators"`
	Participants map[string]json.RawMessage `json:"participants"`
	UsersToBan   map[string]json.RawMessage `json:"usersToBan"`
}

// flatten merges the four maps (the official SDK reads all four) into uid → error.
func (r *memberResults) flatten(ids []string, method, path string) map[string]error {
	all := map[string]json.RawMessage{}
	for _, m := range []map[string]json.RawMessage{r.Admins, r.Moderators, r.Participants, r.UsersToBan} {
		for k, v := range m {
			all[k] = v
		}
	}
	return perIDResults(all, ids, method, path)
}

// AddMembersToGroup adds users to a group with the given scopes and bans banUIDs from it (PUT
// groups/{guid}/members). It returns one entry per uid: nil when that user was added (or banned),
// else an *Error with the service's code (ErrAlreadyJoined, ErrBannedGroupMember, ErrUIDNotFound, …).
// The error return is for the call as a whole; only admins may add members (ErrGroupNoAdminScope).
// At most 25 users per call, checked locally.
func (c *Client) AddMembersToGroup(ctx context.Context, guid string, members []*GroupMember, banUIDs []string) (map[string]error, error) {
	if err := ValidateGUID(guid); err != nil {
		return nil, err
	}
	in, err := buildMembersInput(members, banUIDs)
	if err != nil {
		return nil, err
	}
	ids := in.ids()
	if len(ids) == 0 {
		return nil, localError(ErrMissingParameters, "no members to add or ban")
	}
	path := "groups/" + normID(guid) + "/members"
	var res memberResults
	if err := c.do(ctx, &call{method: http.MethodPut, path: path, body: in}, &res); err != nil {
		return nil, err
	}
	return res.flatten(ids, http.MethodPut, "groups/{guid}/members"), nil
}

// CreateGroupWithMembers creates a group (the logged-in user becomes admin and owner), adds members
// with their scopes and bans banUIDs, in one request (POST groups with members). Member failures do
// not fail the create: they are reported per uid as in AddMembersToGroup.
func (c *Client) CreateGroupWithMembers(ctx context.Context, group *Group, members []*GroupMember, banUIDs []string) (*Group, map[string]error, error) {
	if err := validateGroup(group, true); err != nil {
		return nil, nil, err
	}
	in, err := buildMembersInput(members, banUIDs)
	if err != nil {
		return nil, nil, err
	}
	body := groupInputOf(group, true)
	ids := in.ids()
	if len(ids) > 0 {
		body.Members = in
	}
	var raw json.RawMessage
	if err := c.do(ctx, &call{method: http.MethodPost, path: "groups", body: body}, &raw); err != nil {
		return nil, nil, err
	}
	var g Group
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, nil, &Error{Code: ErrUnparseableResponse.Code, Message: err.Error(), Method: http.MethodPost, Path: "groups"}
	}
	var wrap struct {
		Members json.RawMessage `json:"members"`
	}
	_ = json.Unmarshal(raw, &wrap)
	var res memberResults
	if len(wrap.Members) > 0 {
		var nested struct {
			Data *memberResults `json:"data"`
		}
		if json.Unmarshal(wrap.Members, &nested) == nil && nested.Data != nil {
			res = *nested.Data
		} else {
			_ = json.Unmarshal(wrap.Members, &res)
		}
	}
	markJoinedAsCreator(&g)
	return &g, res.flatten(ids, http.MethodPost, "groups"), nil
}

// memberPath returns groups/{guid}/{kind}/{uid} after validating both ids.
func memberPath(guid, kind, uid string) (string, error) {
	if err := ValidateGUID(guid); err != nil {
		return "", err
	}
	if err := ValidateUID(uid); err != nil {
		return "", err
	}
	return "groups/" + normID(guid) + "/" + kind + "/" + normID(uid), nil
}

// KickGroupMember removes uid from the group (DELETE groups/{guid}/members/{uid}); the user may
// rejoin. Who may kick whom is the scope matrix of rules-and-limits.md §6.
func (c *Client) KickGroupMember(ctx context.Context, guid, uid string) error {
	path, err := memberPath(guid, "members", uid)
	if err != nil {
		return err
	}
	return c.do(ctx, &call{method: http.MethodDelete, path: path}, nil)
}

// BanGroupMember removes uid from the group and keeps it out until unbanned (POST
// groups/{guid}/bannedusers/{uid}).
func (c *Client) BanGroupMember(ctx context.Context, guid, uid string) error {
	path, err := memberPath(guid, "bannedusers", uid)
	if err != nil {
		return err
	}
	return c.do(ctx, &call{method: http.MethodPost, path: path}, nil)
}

// UnbanGroupMember lifts a ban (DELETE groups/{guid}/bannedusers/{uid}); the user may then join
// or be added again. A user who is not banned is ErrNotABannedUser.
func (c *Client) UnbanGroupMember(ctx context.Context, guid, uid string) error {
	path, err := memberPath(guid, "bannedusers", uid)
	if err != nil {
		return err
	}
	return c.do(ctx, &call{method: http.MethodDelete, path: path}, nil)
}

// UpdateGroupMemberScope changes a member's scope (PUT groups/{guid}/members/{uid}). The same scope
// again is ErrSameScope; one's own scope is ErrGroupNoSelfAction; the owner's scope cannot change.
func (c *Client) UpdateGroupMemberScope(ctx context.Context, guid, uid string, scope Scope) error {
	path, err := memberPath(guid, "members", uid)
	if err != nil {
		return err
	}
	if err := checkScope(scope); err != nil {
		return err
	}
	return c.do(ctx, &call{method: http.MethodPut, path: path, body: map[string]Scope{"scope": scope}}, nil)
}
