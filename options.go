package cometchat

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cometchat-go/cometchat/internal/rest"
)

// RetryPolicy says when and how long the REST transport waits before trying a request again:
// idempotent requests on network errors, 5xx and 429; a POST only on 429/503 (the server did not
// process it) or when it carries a muid. Zero fields take the defaults documented on each field.
type RetryPolicy = rest.RetryPolicy

// TokenSource returns a fresh auth token for uid. The Client calls it when the service rejects the
// current token (AUTH_ERR_AUTH_TOKEN_NOT_FOUND), logs in again with the new token and retries the
// call once. Production apps mint tokens on their server with the REST API key (see package admin).
type TokenSource func(ctx context.Context, uid string) (string, error)

// Option configures runtime behaviour that does not belong in AppSettings. Options are validated by
// Init.
type Option func(*options) error

type options struct {
	retry            RetryPolicy
	defaultTimeout   time.Duration
	tokenSource      TokenSource
	onSessionExpired func(err error)
	sdkName          string
	platform         string
	sessionPrefix    string
	deviceID         string
	// realtime holds the realtime connection's options (rtoptions.go).
	realtime realtimeOptions
}

func defaultOptions() options {
	return options{
		defaultTimeout: 30 * time.Second,
		sdkName:        "go",
		platform:       "GO",
		sessionPrefix:  "GO-" + strings.ReplaceAll(Version, ".", "_"),
	}
}

// WithRetryPolicy replaces the REST retry policy.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(o *options) error {
		if p.MaxAttempts < 0 || p.BaseDelay < 0 || p.MaxDelay < 0 || p.MaxRetryAfter < 0 {
			return fmt.Errorf("retry policy values must not be negative")
		}
		o.retry = p
		return nil
	}
}

// WithDefaultTimeout sets the timeout applied to a call whose context has no deadline. Default 30 s;
// 0 disables it (the context alone then bounds the call).
func WithDefaultTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 {
			return fmt.Errorf("default timeout must not be negative")
		}
		o.defaultTimeout = d
		if d == 0 {
			o.defaultTimeout = -1
		}
		return nil
	}
}

// WithTokenSource installs the hook that replaces a rejected auth token (see TokenSource).
func WithTokenSource(ts TokenSource) Option {
	return func(o *options) error {
		o.tokenSource = ts
		return nil
	}
}

// WithSessionExpired installs a callback run when the service rejects the auth token and no
// TokenSource could replace it. The session is gone by then; err matches ErrAuthTokenNotFound and
// ErrSessionExpired. The official SDKs log out silently instead; this lets the application react. The
// callback runs on the goroutine of the call that found out, so it must not block for long.
func WithSessionExpired(fn func(err error)) Option {
	return func(o *options) error {
		o.onSessionExpired = fn
		return nil
	}
}

// WithSDKIdentity sets what the SDK calls itself on the wire: the sdk header's name part (default
// "go", sent as go@<Version>), the platform field of login bodies (default "GO") and the prefix of the
// per-session resource id (default "GO-<version>"). Whether the real service checks these is unknown
// (client-protocol.md §2.1); this exists so they can be set to the JavaScript SDK's values if it ever
// does.
func WithSDKIdentity(sdkName, platform, sessionPrefix string) Option {
	return func(o *options) error {
		if sdkName == "" || platform == "" || sessionPrefix == "" {
			return fmt.Errorf("SDK identity values must not be empty")
		}
		o.sdkName, o.platform, o.sessionPrefix = sdkName, platform, sessionPrefix
		return nil
	}
}

// WithDeviceID sets the persistent device id sent at login and in the realtime auth frame. Default:
// a new "{appId}_{uuid}_{ms}" per Client. Keep one per installation to let the service recognise it.
func WithDeviceID(id string) Option {
	return func(o *options) error {
		if strings.TrimSpace(id) == "" {
			return fmt.Errorf("device id must not be empty")
		}
		o.deviceID = id
		return nil
	}
}
