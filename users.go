package cometchat

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
)

// UserStatus is a user's presence. The server API says "available"; the client API and presence
// events say "online". Anything that is not "offline" decodes as StatusOnline, as in the official SDK.
type UserStatus string

// User statuses.
const (
	StatusOnline  UserStatus = "online"
	StatusOffline UserStatus = "offline"
)

// UnmarshalJSON normalises "available" (and any other non-offline value) to StatusOnline.
func (s *UserStatus) UnmarshalJSON(b []byte) error {
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v {
	case "":
		*s = ""
	case string(StatusOffline):
		*s = StatusOffline
	default:
		*s = StatusOnline
	}
	return nil
}

// User is a CometChat user (model.md §1).
type User struct {
	UID           string         `json:"uid"`
	Name          string         `json:"name,omitempty"`
	Avatar        string         `json:"avatar,omitempty"`
	Link          string         `json:"link,omitempty"`
	Role          string         `json:"role,omitempty"`
	Metadata      map[string]any `json:"metadata,omitempty"`
	Status        UserStatus     `json:"status,omitempty"`
	StatusMessage string         `json:"statusMessage,omitempty"`
	LastActiveAt  UnixTime       `json:"lastActiveAt,omitempty"`
	Tags          []string       `json:"tags,omitempty"`
	CreatedAt     UnixTime       `json:"createdAt,omitempty"`
	UpdatedAt     UnixTime       `json:"updatedAt,omitempty"`
	DeactivatedAt UnixTime       `json:"deactivatedAt,omitempty"`
	BlockedByMe   bool           `json:"blockedByMe,omitempty"`
	HasBlockedMe  bool           `json:"hasBlockedMe,omitempty"`
	BlockedByMeAt UnixTime       `json:"blockedByMeAt,omitempty"`
	BlockedAt     UnixTime       `json:"blockedAt,omitempty"`
	// ConversationID is the 1:1 conversation id with the requester, when the list sets it.
	ConversationID string `json:"conversationId,omitempty"`

	// Raw is the object as received, so fields the service adds later are not lost.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes the known fields and keeps a copy of the raw object.
func (u *User) UnmarshalJSON(b []byte) error {
	type plain User
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*u = User(p)
	u.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// IsOnline reports whether the user's status is online.
func (u *User) IsOnline() bool { return u != nil && u.Status == StatusOnline }

// String names the user without any of its data beyond uid and name.
func (u *User) String() string {
	if u == nil {
		return "<nil user>"
	}
	return displayName(u.Name, u.UID)
}

// displayName is "name (id)", or the id alone when there is no name: how String names users and
// groups.
func displayName(name, id string) string {
	if name == "" {
		return id
	}
	return name + " (" + id + ")"
}

// userInput is what create and update send: only the writable fields, never null (model.md §0.3).
type userInput struct {
	UID           string         `json:"uid,omitempty"`
	Name          string         `json:"name,omitempty"`
	Avatar        string         `json:"avatar,omitempty"`
	Link          string         `json:"link,omitempty"`
	Role          string         `json:"role,omitempty"`
	Metadata      map[string]any `json:"metadata,omitempty"`
	StatusMessage string         `json:"statusMessage,omitempty"`
	Tags          []string       `json:"tags,omitempty"`
}

func inputOf(u *User, withUID bool) userInput {
	in := userInput{Name: u.Name, Avatar: u.Avatar, Link: u.Link, Role: u.Role, Metadata: u.Metadata,
		StatusMessage: u.StatusMessage, Tags: u.Tags}
	if withUID {
		in.UID = u.UID
	}
	return in
}

// normID lower-cases a UID or GUID: the service stores them lower-cased and the official SDK
// lower-cases them in paths (rules-and-limits.md §1).
func normID(id string) string { return strings.ToLower(id) }

// GetUser fetches one user (GET users/{uid}).
func (c *Client) GetUser(ctx context.Context, uid string) (*User, error) {
	if err := ValidateUID(uid); err != nil {
		return nil, err
	}
	var u User
	if err := c.do(ctx, &call{method: http.MethodGet, path: "users/" + normID(uid)}, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// CreateUser creates a user on the admin host with an Auth Key or REST API key, as the official
// SDK's createUser does. It is meant for development; production backends create users with package
// admin. It needs no logged-in user.
func (c *Client) CreateUser(ctx context.Context, user *User, authKey string) (*User, error) {
	if user == nil {
		return nil, localError(ErrMissingParameters, "user is nil")
	}
	if err := ValidateUID(user.UID); err != nil {
		return nil, err
	}
	if strings.TrimSpace(user.Name) == "" {
		return nil, localError(ErrMissingParameters, "user name is required")
	}
	if authKey == "" {
		return nil, localError(ErrAPIKeyNotSet, "CreateUser needs an Auth Key or REST API key")
	}
	in := inputOf(user, true)
	in.UID = normID(in.UID)
	var out User
	err := c.do(ctx, &call{method: http.MethodPost, path: "users", admin: true, apiKey: authKey, body: in}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateUser updates a user on the admin host with an API key, as the official SDK's updateUser does.
// Whether an Auth Key may do this depends on the app (server-api.md §1.3); a REST API key always may.
func (c *Client) UpdateUser(ctx context.Context, user *User, apiKey string) (*User, error) {
	if user == nil {
		return nil, localError(ErrMissingParameters, "user is nil")
	}
	if err := ValidateUID(user.UID); err != nil {
		return nil, err
	}
	if apiKey == "" {
		return nil, localError(ErrAPIKeyNotSet, "UpdateUser needs an API key")
	}
	var out User
	err := c.do(ctx, &call{method: http.MethodPut, path: "users/" + normID(user.UID), admin: true, apiKey: apiKey,
		body: inputOf(user, false)}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateMe updates the logged-in user's own profile (PUT me) and returns the stored user. The UID of
// user is ignored; the session's user is updated.
func (c *Client) UpdateMe(ctx context.Context, user *User) (*User, error) {
	if user == nil {
		return nil, localError(ErrMissingParameters, "user is nil")
	}
	var out User
	if err := c.do(ctx, &call{method: http.MethodPut, path: "me", body: inputOf(user, false)}, &out); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.sess != nil {
		u := out
		c.sess.user = &u
	}
	c.mu.Unlock()
	return &out, nil
}
