package admin

import (
	"context"
	"iter"
	"net/http"
	"net/url"

	"github.com/cometchat-go/cometchat"
)

// AuthToken is an auth token of a user (model.md §12): what a user's app passes to
// cometchat.Client.LoginWithAuthToken. Token is a secret; String and the %v verbs never print it.
type AuthToken struct {
	UID       string             `json:"uid"`
	Token     string             `json:"authToken"`
	CreatedAt cometchat.UnixTime `json:"createdAt"`
}

// String names the token's user and creation time, not the token.
func (t *AuthToken) String() string {
	if t == nil {
		return "<nil auth token>"
	}
	return "auth token of " + t.UID + " created " + t.CreatedAt.Time().UTC().Format("2006-01-02T15:04:05Z")
}

// GoString is String, so %#v does not print the token either.
func (t *AuthToken) GoString() string { return t.String() }

// CreateAuthToken issues an auth token for uid (POST /users/{uid}/auth_tokens). Without force the
// service may return the user's existing token; with force it always issues a new one. A user keeps
// at most 100 active tokens; beyond that the oldest stop working.
func (c *Client) CreateAuthToken(ctx context.Context, uid string, force bool) (*AuthToken, error) {
	if err := cometchat.ValidateUID(uid); err != nil {
		return nil, err
	}
	var body any
	if force {
		body = map[string]any{"force": true}
	}
	return fetch[AuthToken](c, ctx, &call{method: http.MethodPost, path: tokensPath(uid), body: body})
}

func tokensPath(uid string) string { return "users/" + esc(uid) + "/auth_tokens" }

func tokenPath(uid, token string) string { return tokensPath(uid) + "/" + url.PathEscape(token) }

// ListAuthTokens iterates the active auth tokens of uid, newest first.
func (c *Client) ListAuthTokens(ctx context.Context, uid string) iter.Seq2[*AuthToken, error] {
	if err := cometchat.ValidateUID(uid); err != nil {
		return failed[*AuthToken](err)
	}
	return pages[*AuthToken](c, ctx, call{method: http.MethodGet, path: tokensPath(uid)}, 0, 1)
}

// GetAuthToken fetches one token of uid; an unknown token is cometchat.ErrAuthTokenIDNotFound.
func (c *Client) GetAuthToken(ctx context.Context, uid, token string) (*AuthToken, error) {
	if err := checkToken(uid, token); err != nil {
		return nil, err
	}
	return fetch[AuthToken](c, ctx, &call{method: http.MethodGet, path: tokenPath(uid, token)})
}

func checkToken(uid, token string) error {
	if err := cometchat.ValidateUID(uid); err != nil {
		return err
	}
	if token == "" {
		return missing("auth token is empty")
	}
	return nil
}

// TokenDevice describes the device a token is used on (PUT /users/{uid}/auth_tokens/{authToken}).
type TokenDevice struct {
	Platform  string         `json:"platform,omitempty"`
	UserAgent string         `json:"userAgent,omitempty"`
	AppInfo   map[string]any `json:"appInfo,omitempty"`
}

// UpdateAuthToken records the device a token is used on and returns the token.
func (c *Client) UpdateAuthToken(ctx context.Context, uid, token string, dev TokenDevice) (*AuthToken, error) {
	if err := checkToken(uid, token); err != nil {
		return nil, err
	}
	if dev.Platform == "" && dev.UserAgent == "" && dev.AppInfo == nil {
		return nil, missing("UpdateAuthToken needs at least one of Platform, UserAgent, AppInfo")
	}
	return fetch[AuthToken](c, ctx, &call{method: http.MethodPut, path: tokenPath(uid, token), body: dev})
}

// DeleteAuthToken revokes one token of uid; it stops working at once.
func (c *Client) DeleteAuthToken(ctx context.Context, uid, token string) error {
	if err := checkToken(uid, token); err != nil {
		return err
	}
	return c.do(ctx, &call{method: http.MethodDelete, path: tokenPath(uid, token)}, nil)
}

// FlushAuthTokens revokes every token of uid (DELETE /users/{uid}/auth_tokens): all of the user's
// sessions end.
func (c *Client) FlushAuthTokens(ctx context.Context, uid string) error {
	if err := cometchat.ValidateUID(uid); err != nil {
		return err
	}
	return c.do(ctx, &call{method: http.MethodDelete, path: tokensPath(uid)}, nil)
}
