package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Config configures a [Server]. The zero value is ready to use: every empty
// field gets the default named in its comment. A Config is copied by [New];
// changing it afterwards has no effect.
type Config struct {
	// AppID is the App ID. Default: 16 random hex characters. Client calls
	// that send an appId header must send this value (compared
	// case-insensitively); calls without the header are accepted.
	AppID string
	// Region is the region reported in the settings map (lower-cased).
	// Default "eu".
	Region string
	// AuthKey is the authOnly API key ("Auth Key"). Default: 40 random hex
	// characters (rules-and-limits.md §1).
	AuthKey string
	// RESTAPIKey is the fullAccess API key ("REST API Key"). Default: 40
	// random hex characters. It must differ from AuthKey.
	RESTAPIKey string

	// TLS makes Start serve HTTPS with a self-signed ECDSA certificate for
	// 127.0.0.1, ::1 and localhost (see Server.CertPEM). Default plain HTTP.
	TLS bool
	// Addr is the listen address of Start. Default "127.0.0.1:0" (a free
	// port on the loopback interface).
	Addr string
	// PublicAddr is the host:port the settings map advertises (CLIENT_API_HOST,
	// CHAT_HOST, …). Default: the bound listener address, or the request's
	// Host when the listener is unspecified (0.0.0.0) or Handler is served
	// by someone else (httptest).
	PublicAddr string

	// Logger receives debug logs (one line per request, never headers or
	// credentials). Default: discard.
	Logger *slog.Logger
	// Now is the clock for every timestamp the emulator records. Default
	// time.Now. Inject a fake clock in tests.
	Now func() time.Time

	// AuthOnlyMayUpdateUsers also lets the Auth Key call PUT users/{uid}
	// ([openapi-fork] reading, server-api.md §1.3). Default false: 403
	// AUTH_ERR_NO_ACCESS.
	AuthOnlyMayUpdateUsers bool
	// AuthKeyTokensOnly restricts the Auth Key to POST users/{uid}/auth_tokens
	// ([docs: properties-and-constraints] reading). Default false: the Auth
	// Key may also create users, as the JS SDK's createUser(user, authKey)
	// expects.
	AuthKeyTokensOnly bool

	// Mode is the settings MODE: "DEFAULT", "LIMITED_TRANSIENT" or
	// "NO_TRANSIENT" (client-protocol.md §7.10). Default "DEFAULT".
	Mode string
	// Settings is merged over the default settings map (client-protocol.md
	// §4) in every GET settings / Me payload. A nil value removes the key, so
	// tests can reproduce a server that omits one.
	Settings map[string]any
	// MaxAuthTokensPerUser is the rolling limit of auth tokens per user; the
	// oldest token is dropped (and stops working) beyond it. Default 100.
	MaxAuthTokensPerUser int
	// GroupFeatureLimit is the group size (members) up to which a group
	// gets every realtime feature (rules-and-limits.md §7): typing relay,
	// receipts frames, deliveredToAll / readByAll and unread counts
	// (unreadMessageCount, unreadMentionsCount, unreadRepliesCount). Larger
	// groups get none of them (grouplimits.go). Default 300.
	GroupFeatureLimit int

	// PresenceFanoutLimit is the number of online users above which the
	// service stops fanning out presence frames (rules-and-limits.md §7;
	// presencecap.go). Default 1,000.
	PresenceFanoutLimit int

	// RateLimit turns on rate limiting (ratelimit.go). Default off.
	RateLimit RateLimitConfig
	// Webhooks are the outgoing webhooks (webhooks.go). Default none.
	Webhooks []WebhookConfig
	// WebhookRetryDelays are the waits before each retry of a failed
	// delivery with RetryOnFailure. Default 10 s, 30 s (server-api.md §6.2).
	WebhookRetryDelays []time.Duration
	// WebhookClient sends webhook deliveries. Default: a client with a 5 s
	// timeout.
	WebhookClient *http.Client

	// CORSOrigins are the browser origins (e.g. "http://localhost:3000")
	// allowed to call the REST API cross-origin; "*" allows every origin
	// (cors.go). Default (nil): every origin when Addr is a loopback address,
	// else only loopback origins (localhost, 127.0.0.1, [::1]). An empty,
	// non-nil slice allows none.
	CORSOrigins []string
	// AllowAnyWebSocketOrigin accepts WebSocket upgrades whatever their Origin
	// header. Default false: a browser upgrade must be same-origin or from an
	// origin CORSOrigins allows (cors.go, Server.webSocketOriginAllowed).
	AllowAnyWebSocketOrigin bool
	// DataDir makes the state persistent (persist.go): it is loaded from
	// DataDir/state.json at New and every state-changing REST call is written
	// there, durably, before its response is sent. Default "": in memory.
	DataDir string
	// Snapshot is a snapshot (Server.Export) to start from (snapshot.go). It
	// replaces whatever DataDir held. Default nil: an empty app.
	Snapshot []byte
	// DisableDashboard turns off the web dashboard at /emulator/
	// (dashboard.go). Default false: served.
	DisableDashboard bool
}

// validModes are the settings MODE values (rules-and-limits.md §2.1).
var validModes = map[string]bool{"DEFAULT": true, "LIMITED_TRANSIENT": true, "NO_TRANSIENT": true}

// withDefaults returns a copy of c with every default filled in, or an error
// for a value the emulator cannot honour.
func (c Config) withDefaults() (Config, error) {
	if c.AppID == "" {
		c.AppID = randomHex(8)
	}
	c.Region = strings.ToLower(strings.TrimSpace(c.Region))
	if c.Region == "" {
		c.Region = "eu"
	}
	if c.AuthKey == "" {
		c.AuthKey = randomHex(20)
	}
	if c.RESTAPIKey == "" {
		c.RESTAPIKey = randomHex(20)
	}
	if c.AuthKey == c.RESTAPIKey {
		return c, errors.New("emulator: AuthKey and RESTAPIKey must differ")
	}
	if c.Addr == "" {
		c.Addr = "127.0.0.1:0"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Mode = strings.ToUpper(strings.TrimSpace(c.Mode))
	if c.Mode == "" {
		c.Mode = "DEFAULT"
	}
	if !validModes[c.Mode] {
		return c, fmt.Errorf("emulator: unknown Mode %q", c.Mode)
	}
	if c.MaxAuthTokensPerUser <= 0 {
		c.MaxAuthTokensPerUser = 100
	}
	if c.GroupFeatureLimit <= 0 {
		c.GroupFeatureLimit = defaultGroupFeatureLimit
	}
	if c.PresenceFanoutLimit <= 0 {
		c.PresenceFanoutLimit = defaultPresenceFanoutLimit
	}
	// Checked again by initServerAPI; checking here refuses a bad value before
	// New touches Config.DataDir.
	if err := c.RateLimit.validate(); err != nil {
		return c, err
	}
	if _, err := validateWebhooks(c.Webhooks, c.WebhookRetryDelays); err != nil {
		return c, err
	}
	// Copy the map so later changes by the caller do not race with requests.
	if c.Settings != nil {
		m := make(map[string]any, len(c.Settings))
		for k, v := range c.Settings {
			m[k] = v
		}
		c.Settings = m
	}
	return c, nil
}

// randomHex returns 2*n random lower-case hex characters. crypto/rand.Read
// never fails (since Go 1.24 it crashes the program instead).
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
