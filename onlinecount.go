package cometchat

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/cometchat-go/cometchat/internal/rest"
)

// GetOnlineUserCount returns how many of the app's users are online. It calls the realtime service's
// own endpoint, POST https://{CHAT_HOST}/api/{WS_API_VERSION}/online-members, with the session's JWT
// (client-protocol.md §5.8); with pinned endpoints, the host and port of the pinned WebSocket URL.
func (c *Client) GetOnlineUserCount(ctx context.Context) (int, error) {
	var out struct {
		Count Count `json:"onlineUsersCount"`
	}
	if err := c.onlineMembers(ctx, struct{}{}, &out); err != nil {
		return 0, err
	}
	return int(out.Count), nil
}

// GetOnlineGroupMemberCount returns, for each group, how many of its members are online. Every GUID
// is checked locally first.
func (c *Client) GetOnlineGroupMemberCount(ctx context.Context, guids []string) (map[string]int, error) {
	if len(guids) == 0 {
		return nil, localError(ErrMissingParameters, "GetOnlineGroupMemberCount needs at least one GUID")
	}
	norm := make([]string, len(guids))
	for i, g := range guids {
		if err := ValidateGUID(g); err != nil {
			return nil, err
		}
		norm[i] = normID(g)
	}
	var out struct {
		Groups map[string]Count `json:"groups"`
	}
	if err := c.onlineMembers(ctx, map[string]any{"groups": norm}, &out); err != nil {
		return nil, err
	}
	counts := make(map[string]int, len(out.Groups))
	for k, v := range out.Groups {
		counts[k] = int(v)
	}
	return counts, nil
}

// onlineMembers posts body to the online-members endpoint and decodes data into out.
func (c *Client) onlineMembers(ctx context.Context, body, out any) error {
	if err := c.checkOpen(); err != nil {
		return err
	}
	c.mu.RLock()
	sess := c.sess
	secrets := append([]string(nil), c.secrets...)
	c.mu.RUnlock()
	if sess == nil {
		return localError(ErrNotLoggedIn, "online counts need a logged-in user")
	}
	base, err := c.onlineMembersBase(sess)
	if err != nil {
		return err
	}
	h := http.Header{}
	h.Set("appId", c.settings.AppID)
	h.Set("Authorization", sess.jwt) // a bare JWT, no "Bearer", as the official SDK sends it
	resp, err := c.rest.Do(ctx, &rest.Request{Method: http.MethodPost, BaseURL: base, Path: "online-members",
		Header: h, Body: body, Secrets: secrets})
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp.Data, out); err != nil {
		return &Error{Status: resp.Status, Code: ErrUnparseableResponse.Code, Message: err.Error(), Method: http.MethodPost, Path: "online-members"}
	}
	return nil
}

// onlineMembersBase is https://{chat host}/api/{WS_API_VERSION}, or the pinned WebSocket URL's host
// with the matching http(s) scheme.
func (c *Client) onlineMembersBase(sess *session) (string, error) {
	version := sess.settings.String(SettingWSAPIVersion)
	if version == "" {
		return "", &Error{Code: ErrMissingParameters.Code, Message: "the server settings have no WS_API_VERSION", Local: true}
	}
	if ws := c.settings.Endpoints.WebSocket; ws != "" {
		u, err := url.Parse(ws)
		if err != nil {
			return "", localError(ErrInvalidAppSettings, "the pinned WebSocket URL does not parse")
		}
		scheme := "https"
		if u.Scheme == "ws" {
			scheme = "http"
		}
		return scheme + "://" + u.Host + "/api/" + version, nil
	}
	host := sess.settings.ChatHost()
	if host == "" {
		return "", &Error{Code: ErrMissingParameters.Code, Message: "the server settings name no chat host", Local: true}
	}
	return "https://" + strings.TrimSuffix(host, "/") + "/api/" + version, nil
}
