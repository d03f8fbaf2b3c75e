package cometchat

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// GroupType says who may see and join a group (rules-and-limits.md §5).
type GroupType string

// Group types as the wire spells them.
const (
	// GroupTypePublic: anyone may see and join.
	GroupTypePublic GroupType = "public"
	// GroupTypePassword: anyone may see it; joining needs the password. The official SDKs also call
	// it "protected"; the wire value is "password".
	GroupTypePassword GroupType = "password"
	// GroupTypePrivate: only members see it; an admin adds users, who cannot join on their own.
	GroupTypePrivate GroupType = "private"
)

func (t GroupType) valid() bool {
	return t == GroupTypePublic || t == GroupTypePassword || t == GroupTypePrivate
}

// Scope is a member's rank in a group. The group's owner is an admin who also owns it.
type Scope string

// Member scopes. The wire value of the lowest is "participant" (the JS enum's "member" is a
// different, wrong string).
const (
	ScopeAdmin       Scope = "admin"
	ScopeModerator   Scope = "moderator"
	ScopeParticipant Scope = "participant"
)

func (s Scope) valid() bool { return s == ScopeAdmin || s == ScopeModerator || s == ScopeParticipant }

// checkScope is the local validation of a scope argument.
func checkScope(s Scope) error {
	if !s.valid() {
		return localError(ErrInvalidValue, "scope "+strconv.Quote(string(s))+" is not admin, moderator or participant")
	}
	return nil
}

// Limits the SDK checks locally (rules-and-limits.md §2).
const (
	maxNameRunes        = 100
	maxDescriptionRunes = 255
	maxPasswordRunes    = 100
)

// Group is a CometChat group (model.md §3). HasJoined, JoinedAt, Scope and IsBanned are relative to
// the logged-in user.
type Group struct {
	GUID string    `json:"guid"`
	Name string    `json:"name,omitempty"`
	Type GroupType `json:"type,omitempty"`
	// Password is sent when creating, updating or joining a password group; the service never
	// returns it. It is a secret: String never shows it.
	Password       string         `json:"password,omitempty"`
	Icon           string         `json:"icon,omitempty"`
	Description    string         `json:"description,omitempty"`
	Owner          string         `json:"owner,omitempty"`
	Metadata       map[string]any `json:"metadata,omitempty"`
	Tags           []string       `json:"tags,omitempty"`
	MembersCount   Count          `json:"membersCount,omitempty"`
	CreatedAt      UnixTime       `json:"createdAt,omitempty"`
	UpdatedAt      UnixTime       `json:"updatedAt,omitempty"`
	UpdatedBy      string         `json:"updatedBy,omitempty"`
	ConversationID string         `json:"conversationId,omitempty"`
	HasJoined      bool           `json:"hasJoined,omitempty"`
	JoinedAt       UnixTime       `json:"joinedAt,omitempty"`
	Scope          Scope          `json:"scope,omitempty"`
	IsBanned       bool           `json:"isBanned,omitempty"`

	// Raw is the object as received, so fields the service adds later are not lost.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes leniently (booleans as true/1/"1", counts and times as numbers or strings)
// and keeps a copy of the raw object.
func (g *Group) UnmarshalJSON(b []byte) error {
	type plain Group
	var p struct {
		plain
		HasJoined json.RawMessage `json:"hasJoined"`
		IsBanned  json.RawMessage `json:"isBanned"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*g = Group(p.plain)
	g.HasJoined = flexBool(p.HasJoined)
	g.IsBanned = flexBool(p.IsBanned)
	g.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// String names the group without its password or data beyond guid and name.
func (g *Group) String() string {
	if g == nil {
		return "<nil group>"
	}
	return displayName(g.Name, g.GUID)
}

// groupInput is what create and update send: the writable fields only.
type groupInput struct {
	GUID        string         `json:"guid,omitempty"`
	Name        string         `json:"name,omitempty"`
	Type        GroupType      `json:"type,omitempty"`
	Password    string         `json:"password,omitempty"`
	Icon        string         `json:"icon,omitempty"`
	Description string         `json:"description,omitempty"`
	Metadata    map[string]any `json:"metadata,omitempty"`
	Tags        []string       `json:"tags,omitempty"`
	Members     *membersInput  `json:"members,omitempty"`
}

// validateGroup checks what can be checked locally before create (create=true) or update.
func validateGroup(g *Group, create bool) error {
	if g == nil {
		return localError(ErrMissingParameters, "group is nil")
	}
	if err := ValidateGUID(g.GUID); err != nil {
		return err
	}
	name := strings.TrimSpace(g.Name)
	if create && name == "" {
		return localError(ErrMissingParameters, "group name is required")
	}
	if utf8.RuneCountInString(g.Name) > maxNameRunes {
		return localError(ErrInvalidValue, "group name is longer than 100 characters")
	}
	if utf8.RuneCountInString(g.Description) > maxDescriptionRunes {
		return localError(ErrInvalidValue, "group description is longer than 255 characters")
	}
	if utf8.RuneCountInString(g.Password) > maxPasswordRunes {
		return localError(ErrInvalidValue, "group password is longer than 100 characters")
	}
	switch {
	case g.Type == "" && create:
		return localError(ErrMissingParameters, "group type is required")
	case g.Type != "" && !g.Type.valid():
		return localError(ErrInvalidValue, "group type "+strconv.Quote(string(g.Type))+" is not public, password or private")
	case create && g.Type == GroupTypePassword && g.Password == "":
		return localError(ErrEmptyGroupPassword, "a password group needs a password")
	}
	return nil
}

func groupInputOf(g *Group, withGUID bool) groupInput {
	in := groupInput{Name: g.Name, Type: g.Type, Password: g.Password, Icon: g.Icon, Description: g.Description,
		Metadata: g.Metadata, Tags: g.Tags}
	if withGUID {
		in.GUID = normID(g.GUID)
	}
	return in
}

// CreateGroup creates a group (POST groups); the logged-in user becomes its admin and owner.
// GUID, Name and Type are required, and a password group needs a Password; these are checked
// locally and nothing is sent when they are missing.
func (c *Client) CreateGroup(ctx context.Context, group *Group) (*Group, error) {
	if err := validateGroup(group, true); err != nil {
		return nil, err
	}
	var out Group
	if err := c.do(ctx, &call{method: http.MethodPost, path: "groups", body: groupInputOf(group, true)}, &out); err != nil {
		return nil, err
	}
	markJoinedAsCreator(&out)
	return &out, nil
}

// markJoinedAsCreator fills the requester-relative fields the official SDK sets after a create.
func markJoinedAsCreator(g *Group) {
	g.HasJoined = true
	if g.Scope == "" {
		g.Scope = ScopeAdmin
	}
}

// GetGroup fetches one group (GET groups/{guid}). A private group the user is not a member of is
// ErrGroupNotJoined.
func (c *Client) GetGroup(ctx context.Context, guid string) (*Group, error) {
	if err := ValidateGUID(guid); err != nil {
		return nil, err
	}
	var g Group
	if err := c.do(ctx, &call{method: http.MethodGet, path: "groups/" + normID(guid)}, &g); err != nil {
		return nil, err
	}
	return &g, nil
}

// UpdateGroup updates a group (PUT groups/{guid}) from the writable fields of group that are set
// and returns the stored group. Owners, admins and moderators may update a group.
func (c *Client) UpdateGroup(ctx context.Context, group *Group) (*Group, error) {
	if err := validateGroup(group, false); err != nil {
		return nil, err
	}
	if group.Name != "" && strings.TrimSpace(group.Name) == "" {
		return nil, localError(ErrMissingParameters, "group name is blank")
	}
	var out Group
	err := c.do(ctx, &call{method: http.MethodPut, path: "groups/" + normID(group.GUID), body: groupInputOf(group, false)}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteGroup deletes a group (DELETE groups/{guid}); only its admins (the owner included) may.
func (c *Client) DeleteGroup(ctx context.Context, guid string) error {
	if err := ValidateGUID(guid); err != nil {
		return err
	}
	return c.do(ctx, &call{method: http.MethodDelete, path: "groups/" + normID(guid)}, nil)
}

// JoinGroup joins a public group, or a password group with its password (POST
// groups/{guid}/members), and returns the group as the service describes it in the resulting
// "joined" action message. typ is the group's type as the caller knows it; a password group with an
// empty password fails locally with ErrEmptyGroupPassword. The service refuses private groups with
// ErrGroupJoinNotAllowed, a wrong password with ErrWrongGroupPassword and banned users with
// ErrBannedGroupMember.
func (c *Client) JoinGroup(ctx context.Context, guid string, typ GroupType, password string) (*Group, error) {
	if err := ValidateGUID(guid); err != nil {
		return nil, err
	}
	if !typ.valid() {
		return nil, localError(ErrInvalidValue, "group type "+strconv.Quote(string(typ))+" is not public, password or private")
	}
	if typ == GroupTypePassword && password == "" {
		return nil, localError(ErrEmptyGroupPassword, "joining a password group needs the password")
	}
	body := map[string]any{"guid": normID(guid), "type": typ}
	if password != "" {
		body["password"] = password
	}
	// The answer is the "joined" action message; the group is its data.entities.for.entity, which
	// is where the official SDK takes it from too.
	var msg struct {
		SentAt UnixTime `json:"sentAt"`
		Data   struct {
			Entities struct {
				For struct {
					Entity *Group `json:"entity"`
				} `json:"for"`
			} `json:"entities"`
		} `json:"data"`
	}
	err := c.do(ctx, &call{method: http.MethodPost, path: "groups/" + normID(guid) + "/members", body: body}, &msg)
	if err != nil {
		return nil, err
	}
	g := msg.Data.Entities.For.Entity
	if g == nil {
		return nil, &Error{Code: ErrUnparseableResponse.Code, Message: "the join response has no group entity",
			Method: http.MethodPost, Path: "groups/{guid}/members"}
	}
	g.HasJoined = true
	if g.Scope == "" {
		g.Scope = ScopeParticipant
	}
	if g.JoinedAt == 0 {
		g.JoinedAt = msg.SentAt
	}
	return g, nil
}

// LeaveGroup leaves a group (DELETE groups/{guid}/members). The owner must transfer ownership
// first; the service answers ErrGroupNoClearance otherwise.
func (c *Client) LeaveGroup(ctx context.Context, guid string) error {
	if err := ValidateGUID(guid); err != nil {
		return err
	}
	return c.do(ctx, &call{method: http.MethodDelete, path: "groups/" + normID(guid) + "/members"}, nil)
}

// TransferGroupOwnership makes uid, a member, the owner of the group (PATCH groups/{guid}/owner).
// Only the owner may; the new owner becomes an admin and the old owner stays an admin.
func (c *Client) TransferGroupOwnership(ctx context.Context, guid, uid string) error {
	if err := ValidateGUID(guid); err != nil {
		return err
	}
	if err := ValidateUID(uid); err != nil {
		return err
	}
	return c.do(ctx, &call{method: http.MethodPatch, path: "groups/" + normID(guid) + "/owner",
		body: map[string]string{"owner": normID(uid)}}, nil)
}
