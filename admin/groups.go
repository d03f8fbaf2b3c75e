package admin

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cometchat-go/cometchat"
)

// GroupType is a group's visibility and joining rule.
type GroupType string

// Group types (rules-and-limits.md §5).
const (
	GroupPublic   GroupType = "public"
	GroupPassword GroupType = "password"
	GroupPrivate  GroupType = "private"
)

// Scope is a member's scope in a group.
type Scope string

// Member scopes.
const (
	ScopeAdmin       Scope = "admin"
	ScopeModerator   Scope = "moderator"
	ScopeParticipant Scope = "participant"
)

// Group is a group (model.md §3). HasJoined, JoinedAt and Scope are relative to the acting user
// (As); the password is never returned.
type Group struct {
	GUID           string             `json:"guid"`
	Name           string             `json:"name"`
	Type           GroupType          `json:"type"`
	Icon           string             `json:"icon,omitempty"`
	Description    string             `json:"description,omitempty"`
	Owner          string             `json:"owner,omitempty"`
	Metadata       map[string]any     `json:"metadata,omitempty"`
	Tags           []string           `json:"tags,omitempty"`
	MembersCount   int                `json:"membersCount,omitempty"`
	CreatedAt      cometchat.UnixTime `json:"createdAt,omitempty"`
	UpdatedAt      cometchat.UnixTime `json:"updatedAt,omitempty"`
	UpdatedBy      string             `json:"updatedBy,omitempty"`
	ConversationID string             `json:"conversationId,omitempty"`
	HasJoined      bool               `json:"hasJoined,omitempty"`
	JoinedAt       cometchat.UnixTime `json:"joinedAt,omitempty"`
	Scope          Scope              `json:"scope,omitempty"`
	IsBanned       bool               `json:"isBanned,omitempty"`
}

// MembersInput lists users to add to a group per scope; UsersToBan are banned instead. A uid in
// several lists gets the highest scope (admin > moderator > participant). At most 25 users in all
// per request.
type MembersInput struct {
	Admins       []string `json:"admins,omitempty"`
	Moderators   []string `json:"moderators,omitempty"`
	Participants []string `json:"participants,omitempty"`
	UsersToBan   []string `json:"usersToBan,omitempty"`
}

func (m *MembersInput) check() error {
	n := 0
	for _, list := range [][]string{m.Admins, m.Moderators, m.Participants, m.UsersToBan} {
		for i, uid := range list {
			if err := cometchat.ValidateUID(uid); err != nil {
				return err
			}
			list[i] = strings.ToLower(uid)
			n++
		}
	}
	if n == 0 {
		return missing("no member given")
	}
	if n > 25 {
		return invalidValue("at most 25 members per request, got " + strconv.Itoa(n))
	}
	return nil
}

// GroupInput is a group to create. GUID and Name are required; Type defaults to public; Password is
// required for password groups. Owner defaults to the acting user (As), else the app.
type GroupInput struct {
	GUID        string         `json:"guid"`
	Name        string         `json:"name"`
	Type        GroupType      `json:"type,omitempty"`
	Password    string         `json:"password,omitempty"`
	Icon        string         `json:"icon,omitempty"`
	Description string         `json:"description,omitempty"`
	Metadata    map[string]any `json:"metadata,omitempty"`
	Owner       string         `json:"owner,omitempty"`
	Tags        []string       `json:"tags,omitempty"`
	Members     *MembersInput  `json:"members,omitempty"`
}

func checkGroupType(t GroupType) error {
	switch t {
	case GroupPublic, GroupPassword, GroupPrivate:
		return nil
	}
	return invalidValue("group type must be public, password or private, not " + string(t))
}

// CreateGroup creates a group (POST /groups); on a Client made by As the acting user becomes its
// owner and admin. Members in in.Members that cannot be added do not fail the call.
func (c *Client) CreateGroup(ctx context.Context, in GroupInput) (*Group, error) {
	if err := cometchat.ValidateGUID(in.GUID); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Name) == "" {
		return nil, missing("group name is required")
	}
	if in.Type != "" {
		if err := checkGroupType(in.Type); err != nil {
			return nil, err
		}
	}
	if in.Type == GroupPassword && in.Password == "" {
		return nil, &cometchat.Error{Code: cometchat.ErrEmptyGroupPassword.Code, Message: "a password group needs a password", Local: true}
	}
	if in.Owner != "" {
		if err := cometchat.ValidateUID(in.Owner); err != nil {
			return nil, err
		}
		in.Owner = strings.ToLower(in.Owner)
	}
	if in.Members != nil {
		m := *in.Members
		if err := m.check(); err != nil {
			return nil, err
		}
		in.Members = &m
	}
	in.GUID = strings.ToLower(in.GUID)
	return fetch[Group](c, ctx, &call{method: http.MethodPost, path: "groups", body: in, obo: oboOptional})
}

// GetGroup fetches a group (GET /groups/{guid}).
func (c *Client) GetGroup(ctx context.Context, guid string) (*Group, error) {
	if err := cometchat.ValidateGUID(guid); err != nil {
		return nil, err
	}
	return fetch[Group](c, ctx, &call{method: http.MethodGet, path: "groups/" + esc(guid), obo: oboOptional})
}

// ListGroupsOptions filters, sorts and pages GET /groups.
type ListGroupsOptions struct {
	SearchKey string
	// SearchIn restricts SearchKey to some of: name, guid, description.
	SearchIn []string
	// SortBy is name, guid or createdAt; SortOrder asc or desc.
	SortBy, SortOrder string
	// Types keeps groups of these types.
	Types []GroupType
	// Tags keeps groups with these tags; WithTags returns each group's tags.
	Tags     []string
	WithTags bool
	// HasJoined keeps only the groups the acting user (As) has joined.
	HasJoined bool
	// PerPage is the page size (default 100, at most 1000); Page the first page (default 1).
	PerPage, Page int
}

// ListGroups iterates the groups matching opts.
func (c *Client) ListGroups(ctx context.Context, opts ListGroupsOptions) iter.Seq2[*Group, error] {
	q := url.Values{}
	if opts.SearchKey != "" {
		q.Set("searchKey", opts.SearchKey)
	}
	commaList(q, "searchIn", opts.SearchIn)
	switch opts.SortBy {
	case "", "name", "guid", "createdAt":
	default:
		return failed[*Group](invalidValue("SortBy must be name, guid or createdAt"))
	}
	switch opts.SortOrder {
	case "", "asc", "desc":
	default:
		return failed[*Group](invalidValue("SortOrder must be asc or desc"))
	}
	if opts.SortBy != "" {
		q.Set("sortBy", opts.SortBy)
	}
	if opts.SortOrder != "" {
		q.Set("sortOrder", opts.SortOrder)
	}
	var types []string
	for _, t := range opts.Types {
		if err := checkGroupType(t); err != nil {
			return failed[*Group](err)
		}
		types = append(types, string(t))
	}
	commaList(q, "types", types)
	commaList(q, "tags", opts.Tags)
	setBool(q, "withTags", opts.WithTags)
	if opts.HasJoined {
		if c.actor == "" {
			return failed[*Group](missing("HasJoined needs an acting user: call ListGroups on c.As(uid)"))
		}
		q.Set("hasJoined", "true")
	}
	return pages[*Group](c, ctx, call{method: http.MethodGet, path: "groups", query: q, obo: oboOptional},
		opts.PerPage, opts.Page)
}

// GroupField names a field that UpdateGroup can remove.
type GroupField string

// Fields GroupUpdate.Unset accepts.
const (
	GroupIcon        GroupField = "icon"
	GroupDescription GroupField = "description"
	GroupMetadata    GroupField = "metadata"
)

// GroupUpdate is a partial update of a group: empty values are left as they are; Metadata and Tags
// replace the stored value (a non-nil empty Tags removes every tag); Unset removes icon, description
// or metadata.
type GroupUpdate struct {
	Name        string         `json:"name,omitempty"`
	Type        GroupType      `json:"type,omitempty"`
	Password    string         `json:"password,omitempty"`
	Icon        string         `json:"icon,omitempty"`
	Description string         `json:"description,omitempty"`
	Metadata    map[string]any `json:"metadata,omitempty"`
	Tags        []string       `json:"tags,omitempty"`
	Unset       []GroupField   `json:"unset,omitempty"`
}

// MarshalJSON keeps a non-nil empty Tags (clear all tags), which omitempty would drop.
func (g GroupUpdate) MarshalJSON() ([]byte, error) {
	type plain GroupUpdate
	return marshalUpdate(plain(g), g.Tags)
}

// UpdateGroup applies upd to a group and returns the stored group. On a Client made by As the acting
// user's scope is enforced.
func (c *Client) UpdateGroup(ctx context.Context, guid string, upd GroupUpdate) (*Group, error) {
	if err := cometchat.ValidateGUID(guid); err != nil {
		return nil, err
	}
	if upd.Type != "" {
		if err := checkGroupType(upd.Type); err != nil {
			return nil, err
		}
	}
	if err := checkUnset(upd.Unset, GroupIcon, GroupDescription, GroupMetadata); err != nil {
		return nil, err
	}
	return c.putGroup(ctx, guid, upd, oboOptional)
}

func (c *Client) putGroup(ctx context.Context, guid string, body any, mode obo) (*Group, error) {
	return fetch[Group](c, ctx, &call{method: http.MethodPut, path: "groups/" + esc(guid), body: body, obo: mode})
}

// TransferOwnership makes newOwner (a member) the owner of the group: PUT /groups/{guid} with
// {"owner":…} and no onBehalfOf (the service ignores owner when onBehalfOf is present).
func (c *Client) TransferOwnership(ctx context.Context, guid, newOwner string) (*Group, error) {
	if err := cometchat.ValidateGUID(guid); err != nil {
		return nil, err
	}
	if err := cometchat.ValidateUID(newOwner); err != nil {
		return nil, err
	}
	return c.putGroup(ctx, guid, map[string]any{"owner": strings.ToLower(newOwner)}, oboNone)
}

// DeleteGroup deletes a group with its messages, members, bans and conversation.
func (c *Client) DeleteGroup(ctx context.Context, guid string) error {
	if err := cometchat.ValidateGUID(guid); err != nil {
		return err
	}
	return c.do(ctx, &call{method: http.MethodDelete, path: "groups/" + esc(guid), obo: oboOptional}, nil)
}
