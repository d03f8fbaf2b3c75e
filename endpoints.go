package cometchat

import (
	"fmt"
	"strings"
)

// clientBase returns the client API base URL for the next call (client-protocol.md §1.1, §1.3):
// pinned endpoints win; else the server's settings once logged in; else the ClientHost override;
// else the region template.
func (c *Client) clientBase(sess *session) string {
	if !c.settings.Endpoints.IsZero() {
		return c.settings.Endpoints.ClientAPI
	}
	if sess != nil {
		if h, v := sess.settings.String(SettingClientAPIHost), sess.settings.String(SettingChatAPIVersion); h != "" && v != "" {
			return "https://" + h + "/" + v
		}
	}
	if c.settings.ClientHost != "" {
		return hostURL(c.settings.ClientHost)
	}
	return fmt.Sprintf("https://%s.apiclient-%s.cometchat.io/%s", c.settings.AppID, c.regionHost(), apiVersion)
}

// adminBase is the same for the admin host (login with an Auth Key, create and update user).
func (c *Client) adminBase(sess *session) string {
	if !c.settings.Endpoints.IsZero() {
		return c.settings.Endpoints.AdminAPI
	}
	if sess != nil {
		if h, v := sess.settings.String(SettingAdminAPIHost), sess.settings.String(SettingChatAPIVersion); h != "" && v != "" {
			return "https://" + h + "/" + v
		}
	}
	if c.settings.AdminHost != "" {
		return hostURL(c.settings.AdminHost)
	}
	return fmt.Sprintf("https://%s.api-%s.cometchat.io/%s", c.settings.AppID, c.regionHost(), apiVersion)
}

// regionHost is the region as it appears in host names; for private deployments the official SDK
// uses the App ID there.
func (c *Client) regionHost() string {
	if c.settings.Region == RegionPrivate {
		return c.settings.AppID
	}
	return string(c.settings.Region)
}

// hostURL turns a JS-style override (host[:port]/version) into a URL. An explicit scheme is kept
// (validate only lets http through with AllowInsecure).
func hostURL(h string) string {
	if strings.Contains(h, "://") {
		return strings.TrimRight(h, "/")
	}
	return "https://" + strings.TrimRight(h, "/")
}
