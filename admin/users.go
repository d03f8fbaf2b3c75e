package admin

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strings"

	"github.com/cometchat-go/cometchat"
)

// UserInput is a user to create (or, in SyncUsers, the desired state of a user). UID and Name are
// required; empty optional fields are omitted from the request, never sent as null.
type UserInput struct {
	UID           string         `json:"uid"`
	Name          string         `json:"name"`
	Avatar        string         `json:"avatar,omitempty"`
	Link          string         `json:"link,omitempty"`
	Role          string         `json:"role,omitempty"`
	StatusMessage string         `json:"statusMessage,omitempty"`
	Metadata      map[string]any `json:"metadata,omitempty"`
	Tags          []string       `json:"tags,omitempty"`
}

// validate checks the fields the service would reject, locally.
func (in *UserInput) validate() error {
	if err := cometchat.ValidateUID(in.UID); err != nil {
		return err
	}
	if strings.TrimSpace(in.Name) == "" {
		return missing("user " + in.UID + ": name is required")
	}
	if in.Role != "" {
		if err := cometchat.ValidateUID(in.Role); err != nil {
			return invalidValue("user " + in.UID + ": role " + in.Role + " is not a valid role id")
		}
	}
	return nil
}

type createUserBody struct {
	UserInput
	WithAuthToken bool `json:"withAuthToken,omitempty"`
}

// CreateUser creates a user (POST /users). The uid is stored lower-cased. A uid that exists, even a
// soft-deleted one, fails with cometchat.ErrUIDAlreadyExists.
func (c *Client) CreateUser(ctx context.Context, in UserInput) (*cometchat.User, error) {
	u, _, err := c.createUser(ctx, in, false)
	return u, err
}

// CreateUserWithAuthToken creates a user and an auth token for it in one request
// (POST /users with withAuthToken:true). The token is what the user's app passes to
// cometchat.Client.LoginWithAuthToken; treat it as a secret.
func (c *Client) CreateUserWithAuthToken(ctx context.Context, in UserInput) (*cometchat.User, *AuthToken, error) {
	u, tok, err := c.createUser(ctx, in, true)
	if err != nil {
		return nil, nil, err
	}
	if tok == "" {
		return nil, nil, &cometchat.Error{Code: cometchat.ErrUnparseableResponse.Code,
			Message: "the create-user response has no authToken", Method: http.MethodPost, Path: "users"}
	}
	return u, &AuthToken{UID: u.UID, Token: tok, CreatedAt: u.CreatedAt}, nil
}

func (c *Client) createUser(ctx context.Context, in UserInput, withToken bool) (*cometchat.User, string, error) {
	if err := in.validate(); err != nil {
		return nil, "", err
	}
	in.UID = strings.ToLower(in.UID)
	u, err := fetch[cometchat.User](c, ctx, &call{method: http.MethodPost, path: "users", body: createUserBody{in, withToken}})
	if err != nil || !withToken {
		return u, "", err
	}
	// The token sits beside the user fields; u.Raw is the object as received.
	var tok struct {
		AuthToken string `json:"authToken"`
	}
	_ = json.Unmarshal(u.Raw, &tok)
	return u, tok.AuthToken, nil
}

// GetUser fetches a user (GET /users/{uid}). On a Client made by As, the block fields (BlockedByMe,
// HasBlockedMe, …) are relative to the acting user. Deactivated and deleted users are
// cometchat.ErrUIDNotFound.
func (c *Client) GetUser(ctx context.Context, uid string) (*cometchat.User, error) {
	if err := cometchat.ValidateUID(uid); err != nil {
		return nil, err
	}
	return fetch[cometchat.User](c, ctx, &call{method: http.MethodGet, path: "users/" + esc(uid), obo: oboOptional})
}

// UserStatusFilter filters ListUsers by presence; the server API spells online "available".
type UserStatusFilter string

// Presence filters of ListUsers.
const (
	FilterAvailable UserStatusFilter = "available"
	FilterOffline   UserStatusFilter = "offline"
)

// set adds the filter, if any, to q as the status parameter.
func (f UserStatusFilter) set(q url.Values) error {
	switch f {
	case "":
	case FilterAvailable, FilterOffline:
		q.Set("status", string(f))
	default:
		return invalidValue("Status must be available or offline, not " + string(f))
	}
	return nil
}

// ListUsersOptions filters and pages GET /users. The zero value lists every active user.
type ListUsersOptions struct {
	// SearchKey matches a prefix of the uid or name; SearchIn restricts it to "uid" and/or "name".
	SearchKey string
	SearchIn  []string
	// Status keeps only available (online) or offline users.
	Status UserStatusFilter
	// Role keeps users of one role; Roles users of any of several.
	Role  string
	Roles []string
	// Tags keeps users carrying the tags; WithTags returns each user's tags.
	Tags     []string
	WithTags bool
	// OnlyDeactivated lists only deactivated users; WithDeactivated includes them.
	OnlyDeactivated bool
	WithDeactivated bool
	// PerPage is the page size (default 100, at most 1000); Page the first page fetched (default 1).
	PerPage int
	Page    int
}

func (o *ListUsersOptions) query() (url.Values, error) {
	q := url.Values{}
	if o.SearchKey != "" {
		q.Set("searchKey", o.SearchKey)
	}
	for _, f := range o.SearchIn {
		if f != "uid" && f != "name" {
			return nil, invalidValue("SearchIn accepts uid and name, not " + f)
		}
	}
	commaList(q, "searchIn", o.SearchIn)
	if err := o.Status.set(q); err != nil {
		return nil, err
	}
	if o.Role != "" {
		q.Set("role", o.Role)
	}
	commaList(q, "roles", o.Roles)
	commaList(q, "tags", o.Tags)
	setBool(q, "withTags", o.WithTags)
	setBool(q, "onlyDeactivated", o.OnlyDeactivated)
	setBool(q, "withDeactivated", o.WithDeactivated)
	return q, nil
}

// ListUsers iterates the users matching opts, fetching pages as the loop advances:
//
//	for u, err := range c.ListUsers(ctx, admin.ListUsersOptions{Role: "staff"}) {
//		if err != nil { return err }
//		fmt.Println(u.UID)
//	}
func (c *Client) ListUsers(ctx context.Context, opts ListUsersOptions) iter.Seq2[*cometchat.User, error] {
	q, err := opts.query()
	if err != nil {
		return failed[*cometchat.User](err)
	}
	return pages[*cometchat.User](c, ctx, call{method: http.MethodGet, path: "users", query: q}, opts.PerPage, opts.Page)
}

// failed is a sequence that yields only err.
func failed[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

// UserField names a field that UpdateUser can remove.
type UserField string

// Fields UserUpdate.Unset accepts (server-api.md §3.2).
const (
	UserAvatar   UserField = "avatar"
	UserLink     UserField = "link"
	UserMetadata UserField = "metadata"
)

// UserUpdate is a partial update of a user (PUT /users/{uid}). Empty strings and nil values leave
// the field as it is. Metadata and Tags replace the stored value as a whole; a non-nil empty Tags
// removes every tag. Unset removes avatar, link or metadata.
type UserUpdate struct {
	Name          string         `json:"name,omitempty"`
	Avatar        string         `json:"avatar,omitempty"`
	Link          string         `json:"link,omitempty"`
	Role          string         `json:"role,omitempty"`
	StatusMessage string         `json:"statusMessage,omitempty"`
	Metadata      map[string]any `json:"metadata,omitempty"`
	Tags          []string       `json:"tags,omitempty"`
	Unset         []UserField    `json:"unset,omitempty"`
}

// MarshalJSON keeps a non-nil empty Tags (clear all tags), which omitempty would drop.
func (u UserUpdate) MarshalJSON() ([]byte, error) {
	type plain UserUpdate
	return marshalUpdate(plain(u), u.Tags)
}

// marshalUpdate encodes an update (without its MarshalJSON) and adds "tags":[] when tags is non-nil
// and empty: the way to clear every tag, which omitempty would drop.
func marshalUpdate(v any, tags []string) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || tags == nil || len(tags) > 0 {
		return b, err
	}
	return addEmptyTags(b)
}

// addEmptyTags sets "tags":[] in the JSON object b.
func addEmptyTags(b []byte) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["tags"] = json.RawMessage("[]")
	return json.Marshal(m)
}

// UpdateUser applies upd to a user and returns the stored user.
func (c *Client) UpdateUser(ctx context.Context, uid string, upd UserUpdate) (*cometchat.User, error) {
	if err := cometchat.ValidateUID(uid); err != nil {
		return nil, err
	}
	if err := checkUnset(upd.Unset, UserAvatar, UserLink, UserMetadata); err != nil {
		return nil, err
	}
	return fetch[cometchat.User](c, ctx, &call{method: http.MethodPut, path: "users/" + esc(uid), body: upd})
}

// DeactivateUsers deactivates users in bulk (DELETE /users with uidsToDeactivate) and returns the uids
// the service deactivated; unknown and already deactivated uids are skipped. Deactivated users are
// hidden from lists, answer ErrUIDNotFound and their auth tokens stop working until reactivated.
func (c *Client) DeactivateUsers(ctx context.Context, uids ...string) ([]string, error) {
	ids, err := checkUIDs(uids)
	if err != nil {
		return nil, err
	}
	var out struct {
		DeactivatedUIDs []string `json:"deactivatedUids"`
	}
	err = c.do(ctx, &call{method: http.MethodDelete, path: "users", body: map[string]any{"uidsToDeactivate": ids}}, &out)
	return out.DeactivatedUIDs, err
}

// ReactivateUsers reactivates users in bulk (PUT /users with uidsToActivate). It returns the
// service's nonDeactivatedUids: the uids of the request that were not deactivated (so there was
// nothing to reactivate).
func (c *Client) ReactivateUsers(ctx context.Context, uids ...string) ([]string, error) {
	ids, err := checkUIDs(uids)
	if err != nil {
		return nil, err
	}
	var out struct {
		NonDeactivatedUIDs []string `json:"nonDeactivatedUids"`
	}
	err = c.do(ctx, &call{method: http.MethodPut, path: "users", body: map[string]any{"uidsToActivate": ids}}, &out)
	return out.NonDeactivatedUIDs, err
}

// DeleteUser deletes a user (DELETE /users/{uid}). A soft delete (permanent false) keeps the user's
// history and reserves the uid; a permanent delete removes the user's messages, conversations and
// memberships and frees the uid.
func (c *Client) DeleteUser(ctx context.Context, uid string, permanent bool) error {
	if err := cometchat.ValidateUID(uid); err != nil {
		return err
	}
	return c.do(ctx, &call{method: http.MethodDelete, path: "users/" + esc(uid), body: map[string]any{"permanent": permanent}}, nil)
}
