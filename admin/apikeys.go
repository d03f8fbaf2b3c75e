package admin

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/cometchat-go/cometchat"
)

// API keys (server-api.md §3.1, §1.3). Managing keys needs a fullAccess key (the REST API key). A
// new key works at once; a key cannot update or delete itself (cometchat.ErrAPIKeyNoSelfAction); an
// app has at most 25 keys (cometchat.ErrPlanQuotaRestriction); an unknown key is
// cometchat.ErrAPIKeyNotFound.
//
// Key values are credentials: APIKey prints them redacted (String, every fmt verb, slog), and a key
// passed to GetAPIKey, UpdateAPIKey or DeleteAPIKey is redacted from the errors and logs of that call
// like the Client's own key. Only the Key field itself, and JSON encoding, carry the full value.

// APIKeyScope is what a key may do.
type APIKeyScope string

// API key scopes.
const (
	// ScopeAuthOnly keys (the dashboard's "Auth Key") may create users and auth tokens only; they are
	// the keys client apps may hold.
	ScopeAuthOnly APIKeyScope = "authOnly"
	// ScopeFullAccess keys (the "REST API Key") may call every endpoint; keep them on servers.
	ScopeFullAccess APIKeyScope = "fullAccess"
)

// MaxAPIKeyNameChars is the longest key name the service accepts.
const MaxAPIKeyNameChars = 100

// APIKey is an API key of the app (model.md §12).
type APIKey struct {
	// Key is the key value: 40 hex characters for keys the service generated.
	Key       string             `json:"apiKey"`
	Name      string             `json:"name"`
	Scope     APIKeyScope        `json:"scope"`
	CreatedAt cometchat.UnixTime `json:"createdAt,omitempty"`
}

// Redacted returns the key value with all but its first four characters hidden ("0123…"), enough
// to tell keys apart in logs.
func (k APIKey) Redacted() string { return redactKey(k.Key) }

func redactKey(key string) string {
	if utf8.RuneCountInString(key) <= 8 {
		return "…"
	}
	return string([]rune(key)[:4]) + "…"
}

// String describes the key without its value.
func (k APIKey) String() string {
	return fmt.Sprintf("APIKey{%s %q %s created %d}", k.Redacted(), k.Name, k.Scope, k.CreatedAt)
}

// GoString is String, so %#v does not print the value either.
func (k APIKey) GoString() string { return k.String() }

// Format prints String for every verb (%v, %+v, %s, %q, …), so the value never reaches a formatted
// string.
func (k APIKey) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", k.String())
		return
	}
	_, _ = f.Write([]byte(k.String()))
}

// LogValue logs the key redacted.
func (k APIKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("apiKey", k.Redacted()), slog.String("name", k.Name),
		slog.String("scope", string(k.Scope)), slog.Int64("createdAt", int64(k.CreatedAt)))
}

func checkKeyScope(s APIKeyScope, optional bool) error {
	switch {
	case s == "" && optional, s == ScopeAuthOnly, s == ScopeFullAccess:
		return nil
	}
	return invalidValue("API key scope must be authOnly or fullAccess, not " + fmt.Sprintf("%q", string(s)))
}

func checkKeyName(name string, required bool) error {
	switch {
	case strings.TrimSpace(name) == "" && required:
		return missing("API key name is required")
	case utf8.RuneCountInString(name) > MaxAPIKeyNameChars:
		return invalidValue(fmt.Sprintf("API key name is longer than %d characters", MaxAPIKeyNameChars))
	}
	return nil
}

// keyCall is a call on apikeys/{key}, with the key redacted from its errors and logs.
func keyCall(method, key string) (*call, error) {
	if strings.TrimSpace(key) == "" {
		return nil, missing("API key is required")
	}
	return &call{method: method, path: "apikeys/" + url.PathEscape(key), secrets: []string{key, url.PathEscape(key)}}, nil
}

// CreateAPIKey creates a key named name with scope (empty: ScopeAuthOnly) and returns it with its
// value (POST /apikeys).
func (c *Client) CreateAPIKey(ctx context.Context, name string, scope APIKeyScope) (*APIKey, error) {
	if err := checkKeyName(name, true); err != nil {
		return nil, err
	}
	if err := checkKeyScope(scope, true); err != nil {
		return nil, err
	}
	body := map[string]string{"name": name}
	if scope != "" {
		body["scope"] = string(scope)
	}
	return fetch[APIKey](c, ctx, &call{method: http.MethodPost, path: "apikeys", body: body})
}

// ListAPIKeysOptions filters GET /apikeys. The zero value lists every key.
type ListAPIKeysOptions struct {
	// Scope keeps the keys of one scope.
	Scope APIKeyScope
	// SearchKey matches the key names.
	SearchKey string
	// PerPage is the page size (default 100, at most 1000); Page the first page fetched (default 1).
	PerPage int
	Page    int
}

// ListAPIKeys iterates the app's keys, fetching pages lazily:
//
//	for k, err := range c.ListAPIKeys(ctx, admin.ListAPIKeysOptions{Scope: admin.ScopeFullAccess}) {
//		if err != nil { return err }
//		fmt.Println(k) // the value is redacted
//	}
func (c *Client) ListAPIKeys(ctx context.Context, opts ListAPIKeysOptions) iter.Seq2[*APIKey, error] {
	if err := checkKeyScope(opts.Scope, true); err != nil {
		return failed[*APIKey](err)
	}
	q := url.Values{}
	if opts.Scope != "" {
		q.Set("scope", string(opts.Scope))
	}
	if opts.SearchKey != "" {
		q.Set("searchKey", opts.SearchKey)
	}
	return pages[*APIKey](c, ctx, call{method: http.MethodGet, path: "apikeys", query: q}, opts.PerPage, opts.Page)
}

// GetAPIKey fetches one key by its value.
func (c *Client) GetAPIKey(ctx context.Context, key string) (*APIKey, error) {
	cl, err := keyCall(http.MethodGet, key)
	if err != nil {
		return nil, err
	}
	return fetch[APIKey](c, ctx, cl)
}

// APIKeyUpdate changes a key's name and / or scope; empty fields are left as they are.
type APIKeyUpdate struct {
	Name  string      `json:"name,omitempty"`
	Scope APIKeyScope `json:"scope,omitempty"`
}

// UpdateAPIKey applies upd to another key than the Client's own and returns the stored key.
func (c *Client) UpdateAPIKey(ctx context.Context, key string, upd APIKeyUpdate) (*APIKey, error) {
	cl, err := keyCall(http.MethodPut, key)
	if err != nil {
		return nil, err
	}
	if upd.Name == "" && upd.Scope == "" {
		return nil, missing("nothing to update: set Name or Scope")
	}
	if err := checkKeyName(upd.Name, false); err != nil {
		return nil, err
	}
	if err := checkKeyScope(upd.Scope, true); err != nil {
		return nil, err
	}
	cl.body = upd
	return fetch[APIKey](c, ctx, cl)
}

// DeleteAPIKey deletes another key than the Client's own; it stops working at once.
func (c *Client) DeleteAPIKey(ctx context.Context, key string) error {
	cl, err := keyCall(http.MethodDelete, key)
	if err != nil {
		return err
	}
	return c.do(ctx, cl, nil)
}
