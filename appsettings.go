package cometchat

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Region is the data centre an app lives in.
type Region string

// Regions known to the service. RegionPrivate is an on-premise deployment; the official SDK then uses
// the App ID in place of the region in host names, and so does this one.
const (
	RegionUS      Region = "us"
	RegionEU      Region = "eu"
	RegionIN      Region = "in"
	RegionPrivate Region = "private"
)

// PresenceMode selects whose online/offline events the realtime connection receives.
type PresenceMode string

// Presence subscription modes, as the auth frame spells them (client-protocol.md §7.4).
const (
	// PresenceNone receives no presence events (the default, as in the official SDKs).
	PresenceNone PresenceMode = "NONE"
	// PresenceAllUsers receives every user's presence.
	PresenceAllUsers PresenceMode = "ALL_USERS"
	// PresenceRoles receives presence of users whose role is in PresenceSubscription.Roles.
	PresenceRoles PresenceMode = "ROLES"
	// PresenceFriends receives presence of the logged-in user's friends.
	PresenceFriends PresenceMode = "FRIENDS"
)

// PresenceSubscription is the presence part of AppSettings.
type PresenceSubscription struct {
	// Mode defaults to PresenceNone.
	Mode PresenceMode
	// Roles lists the roles to follow; required with PresenceRoles, not allowed otherwise.
	Roles []string
}

// Endpoints pins the service's URLs. When set, they are used for every call and the hosts in the
// server's settings are ignored (client-protocol.md §1.3). This is how the SDK talks to the emulator
// over plain HTTP; cometchattest fills it in.
type Endpoints struct {
	// ClientAPI is the client REST API base with scheme and version, e.g. http://127.0.0.1:8080/v3.0.
	ClientAPI string
	// AdminAPI is the base for the admin endpoints the client calls (login with an Auth Key, create
	// and update user), e.g. http://127.0.0.1:8080/v3.0.
	AdminAPI string
	// WebSocket is the realtime URL, e.g. ws://127.0.0.1:8080/.
	WebSocket string
}

// IsZero reports whether no endpoint is pinned.
func (e Endpoints) IsZero() bool { return e == Endpoints{} }

// AppSettings configures a Client. The zero value is not valid: AppID is required.
type AppSettings struct {
	// AppID is the CometChat App ID (required).
	AppID string
	// Region is us, eu, in or private. Default eu, as in the official SDK.
	Region Region
	// Presence selects which presence events the realtime connection receives. Default none.
	Presence PresenceSubscription
	// DisableAutoConnect keeps the realtime connection closed after login until Client.Connect is
	// called. Auto-connect is on by default, as in the official SDKs.
	DisableAutoConnect bool
	// ClientHost and AdminHost override the REST hosts until the server's settings arrive at login,
	// in the official SDKs' form: host[:port][/version] without a scheme, e.g.
	// "myapp.apiclient-us.cometchat.io/v3.0". The version path must be included.
	ClientHost, AdminHost string
	// Endpoints pins full URLs (scheme included) for REST and realtime; see Endpoints.
	Endpoints Endpoints
	// AllowInsecure permits http:// and ws:// endpoints. Off by default: the real service is TLS-only.
	// Turn it on only for a local emulator.
	AllowInsecure bool
	// HTTPClient sends REST requests and dials the WebSocket. Default: a pooled client of the SDK's
	// own (never http.DefaultClient).
	HTTPClient *http.Client
	// Logger receives the SDK's structured logs. Default: discard. Secrets are never logged.
	Logger *slog.Logger
}

// idPattern is the UID/GUID rule: alphanumeric, underscore and hyphen (rules-and-limits.md §1).
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// maxIDLength is the longest UID or GUID the service accepts.
const maxIDLength = 100

// validate checks s and fills defaults into a copy.
func (s AppSettings) validate() (AppSettings, error) {
	bad := func(format string, a ...any) (AppSettings, error) {
		return s, localError(ErrInvalidAppSettings, fmt.Sprintf(format, a...))
	}
	s.AppID = strings.TrimSpace(s.AppID)
	if s.AppID == "" {
		return bad("AppID is required")
	}
	if strings.ContainsAny(s.AppID, "/:?#@ ") {
		return bad("AppID %q has characters that cannot appear in a host name", s.AppID)
	}
	s.Region = Region(strings.ToLower(string(s.Region)))
	switch s.Region {
	case "":
		s.Region = RegionEU
	case RegionUS, RegionEU, RegionIN, RegionPrivate:
	default:
		return bad("region %q is not one of us, eu, in, private", s.Region)
	}
	switch s.Presence.Mode {
	case "":
		s.Presence.Mode = PresenceNone
		fallthrough
	case PresenceNone, PresenceAllUsers, PresenceFriends:
		if len(s.Presence.Roles) > 0 {
			return bad("presence roles are only allowed with PresenceRoles")
		}
	case PresenceRoles:
		if len(s.Presence.Roles) == 0 {
			return bad("PresenceRoles needs at least one role")
		}
	default:
		return bad("presence mode %q is not one of NONE, ALL_USERS, ROLES, FRIENDS", s.Presence.Mode)
	}
	for _, h := range []struct{ name, v string }{{"ClientHost", s.ClientHost}, {"AdminHost", s.AdminHost}} {
		if h.v == "" {
			continue
		}
		if strings.Contains(h.v, "://") {
			u, err := url.Parse(h.v)
			if err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && s.AllowInsecure)) {
				return bad("%s %q: use host[:port]/version without a scheme (http needs AllowInsecure)", h.name, h.v)
			}
		}
	}
	if !s.Endpoints.IsZero() {
		for _, e := range []struct{ name, v string }{{"ClientAPI", s.Endpoints.ClientAPI}, {"AdminAPI", s.Endpoints.AdminAPI}} {
			if err := checkURL(e.v, "https", "http", s.AllowInsecure); err != nil {
				return bad("Endpoints.%s: %v", e.name, err)
			}
		}
		if s.Endpoints.WebSocket != "" {
			if err := checkURL(s.Endpoints.WebSocket, "wss", "ws", s.AllowInsecure); err != nil {
				return bad("Endpoints.WebSocket: %v", err)
			}
		}
	}
	return s, nil
}

func checkURL(raw, secure, insecure string, allowInsecure bool) error {
	if raw == "" {
		return fmt.Errorf("required when Endpoints is set")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", raw)
	}
	switch u.Scheme {
	case secure:
		return nil
	case insecure:
		if allowInsecure {
			return nil
		}
		return fmt.Errorf("%q is not encrypted; set AllowInsecure to use it (emulator only)", raw)
	}
	return fmt.Errorf("%q: scheme must be %s", raw, secure)
}

// ValidateUID reports whether uid follows the service's rule: 1 to 100 characters, each a letter,
// digit, underscore or hyphen. The error is an *Error matching ErrInvalidUID.
func ValidateUID(uid string) error {
	if err := validateID(uid); err != "" {
		return localError(ErrInvalidUID, "UID "+err)
	}
	return nil
}

// ValidateGUID applies the same rule to a group id; the error matches ErrInvalidGUID.
func ValidateGUID(guid string) error {
	if err := validateID(guid); err != "" {
		return localError(ErrInvalidGUID, "GUID "+err)
	}
	return nil
}

func validateID(id string) string {
	switch {
	case id == "":
		return "is empty"
	case len(id) > maxIDLength:
		return fmt.Sprintf("is %d characters long; the maximum is %d", len(id), maxIDLength)
	case !idPattern.MatchString(id):
		return fmt.Sprintf("%q may contain only letters, digits, underscore and hyphen", id)
	}
	return ""
}
