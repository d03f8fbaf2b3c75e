package admin

import (
	"context"
	"iter"
	"net/http"
	"strings"

	"github.com/cometchat-go/cometchat"
)

// DefaultRole is the built-in role every user has unless told otherwise; it cannot be deleted.
const DefaultRole = "default"

// Audience is a role setting's value: everyone, or the user's friends only.
type Audience string

// Role setting values.
const (
	AudienceAll     Audience = "all"
	AudienceFriends Audience = "friendsOnly"
)

// RoleSettings restricts whom users of a role see in user lists and may message.
type RoleSettings struct {
	ListUsers      Audience `json:"listUsers,omitempty"`
	SendMessagesTo Audience `json:"sendMessagesTo,omitempty"`
}

func (s *RoleSettings) validate() error {
	for _, a := range []Audience{s.ListUsers, s.SendMessagesTo} {
		switch a {
		case "", AudienceAll, AudienceFriends:
		default:
			return invalidValue("role settings accept all and friendsOnly, not " + string(a))
		}
	}
	return nil
}

// Role is a user role (model.md §12).
type Role struct {
	Role        string             `json:"role"`
	Name        string             `json:"name"`
	Description string             `json:"description,omitempty"`
	Metadata    map[string]any     `json:"metadata,omitempty"`
	Settings    RoleSettings       `json:"settings"`
	CreatedAt   cometchat.UnixTime `json:"createdAt,omitempty"`
	UpdatedAt   cometchat.UnixTime `json:"updatedAt,omitempty"`
}

// RoleInput is a role to create. Role (the id: letters, digits, _ and -) and Name are required.
type RoleInput struct {
	Role        string         `json:"role"`
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Metadata    map[string]any `json:"metadata,omitempty"`
	Settings    *RoleSettings  `json:"settings,omitempty"`
}

func checkRoleID(role string) error {
	if err := cometchat.ValidateUID(role); err != nil {
		return invalidValue("role id " + role + " must be 1-100 letters, digits, _ or -")
	}
	return nil
}

// CreateRole creates a role (POST /roles); an existing id is cometchat.ErrRoleAlreadyExists.
func (c *Client) CreateRole(ctx context.Context, in RoleInput) (*Role, error) {
	if err := checkRoleID(in.Role); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Name) == "" {
		return nil, missing("role name is required")
	}
	if in.Settings != nil {
		if err := in.Settings.validate(); err != nil {
			return nil, err
		}
	}
	in.Role = strings.ToLower(in.Role)
	return fetch[Role](c, ctx, &call{method: http.MethodPost, path: "roles", body: in})
}

// ListRoles iterates every role, the built-in default role included.
func (c *Client) ListRoles(ctx context.Context) iter.Seq2[*Role, error] {
	return pages[*Role](c, ctx, call{method: http.MethodGet, path: "roles"}, 0, 1)
}

// GetRole fetches a role; an unknown id is cometchat.ErrRoleNotFound.
func (c *Client) GetRole(ctx context.Context, role string) (*Role, error) {
	if err := checkRoleID(role); err != nil {
		return nil, err
	}
	return fetch[Role](c, ctx, &call{method: http.MethodGet, path: "roles/" + esc(role)})
}

// RoleField names a field that UpdateRole can remove.
type RoleField string

// Fields RoleUpdate.Unset accepts.
const (
	RoleSettingsField    RoleField = "settings"
	RoleDescriptionField RoleField = "description"
	RoleMetadataField    RoleField = "metadata"
)

// RoleUpdate is a partial update of a role: empty values are left as they are; Metadata and
// Settings replace the stored value; Unset removes settings, description or metadata.
type RoleUpdate struct {
	Name        string         `json:"name,omitempty"`
	Description string         `json:"description,omitempty"`
	Metadata    map[string]any `json:"metadata,omitempty"`
	Settings    *RoleSettings  `json:"settings,omitempty"`
	Unset       []RoleField    `json:"unset,omitempty"`
}

// UpdateRole applies upd to a role and returns the stored role.
func (c *Client) UpdateRole(ctx context.Context, role string, upd RoleUpdate) (*Role, error) {
	if err := checkRoleID(role); err != nil {
		return nil, err
	}
	if upd.Settings != nil {
		if err := upd.Settings.validate(); err != nil {
			return nil, err
		}
	}
	if err := checkUnset(upd.Unset, RoleSettingsField, RoleDescriptionField, RoleMetadataField); err != nil {
		return nil, err
	}
	return fetch[Role](c, ctx, &call{method: http.MethodPut, path: "roles/" + esc(role), body: upd})
}

// DeleteRole deletes a role. The default role cannot be deleted (ERR_ROLE_DELETE_DENIED).
func (c *Client) DeleteRole(ctx context.Context, role string) error {
	if err := checkRoleID(role); err != nil {
		return err
	}
	return c.do(ctx, &call{method: http.MethodDelete, path: "roles/" + esc(role)}, nil)
}

// RestrictedFeature is a feature denied to a role (e.g. key "u.listUsers").
type RestrictedFeature struct {
	Title       string             `json:"title"`
	Description string             `json:"description,omitempty"`
	Key         string             `json:"key"`
	Path        string             `json:"path,omitempty"`
	CreatedAt   cometchat.UnixTime `json:"createdAt,omitempty"`
}

// RestrictFeatures denies features (keys such as "u.listUsers", "u.deleteGroup") to a role and
// returns the service's result per key.
func (c *Client) RestrictFeatures(ctx context.Context, role string, keys ...string) (map[string]ItemResult, error) {
	if err := checkRoleID(role); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, missing("at least one feature key is required")
	}
	var out map[string]ItemResult
	err := c.do(ctx, &call{method: http.MethodPost, path: "roles/" + esc(role) + "/restrictedfeatures",
		body: map[string]any{"featuresToRestrict": keys}}, &out)
	return out, err
}

// ListRestrictedFeatures returns the features denied to a role.
func (c *Client) ListRestrictedFeatures(ctx context.Context, role string) ([]RestrictedFeature, error) {
	if err := checkRoleID(role); err != nil {
		return nil, err
	}
	var out []RestrictedFeature
	err := c.do(ctx, &call{method: http.MethodGet, path: "roles/" + esc(role) + "/restrictedfeatures"}, &out)
	return out, err
}

// AllowFeatures lifts restrictions of a role: the given keys, or every restriction when keys is empty.
func (c *Client) AllowFeatures(ctx context.Context, role string, keys ...string) error {
	if err := checkRoleID(role); err != nil {
		return err
	}
	body := map[string]any{"allowAll": true}
	if len(keys) > 0 {
		body = map[string]any{"featuresToAllow": keys}
	}
	return c.do(ctx, &call{method: http.MethodDelete, path: "roles/" + esc(role) + "/restrictedfeatures", body: body}, nil)
}
