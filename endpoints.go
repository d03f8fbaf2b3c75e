package cometchat

import (
	"fmt"
	"strings"
)

// clientBase returns the client API base URL for the next call (client-protocol.md §1.1, §1.3):
// pinned endpoints win; else the server's settings once logged in; else the ClientHost override;
// else the region template.
func (c *Client) clientBase(sess *session) string {
	return c.apiBase(sess, c.settings.Endpoints.ClientAPI, SettingClientAPIHost, c.settings.ClientHost, "apiclient")
}

// adminBase is the same for the admin host (login with an Auth Key, create and update user).
func (c *Client) adminBase(sess *session) string {
	return c.apiBase(sess, c.settings.Endpoints.AdminAPI, SettingAdminAPIHost, c.settings.AdminHost, "api")
}

// apiBase picks a base URL in the order clientBase describes; hostPrefix names the host in the region
// template (https://{appId}.{hostPrefix}-{region}.cometchat.io/v3.0).
func (c *Client) apiBase(sess *session, pinned, hostSetting, override, hostPrefix string) string {
	if !c.settings.Endpoints.IsZero() {
		return pinned
	}
	if sess != nil {
		if h, v := sess.settings.String(hostSetting), sess.settings.String(SettingChatAPIVersion); h != "" && v != "" {
			return "https://" + h + "/" + v
		}
	}
	if override != "" {
		return hostURL(override)
	}
	return fmt.Sprintf("https://%s.%s-%s.cometchat.io/%s", c.settings.AppID, hostPrefix, c.regionHost(), apiVersion)
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
