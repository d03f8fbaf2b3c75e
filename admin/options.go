package admin

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cometchat-go/cometchat"
)

// Option configures a Client. Options are validated by New; an invalid one makes New fail.
type Option func(*options) error

type options struct {
	httpClient    *http.Client
	logger        *slog.Logger
	baseURL       string
	allowInsecure bool
	retry         cometchat.RetryPolicy
	timeout       time.Duration
}

// WithHTTPClient sends the requests with hc. Its Transport is wrapped (never modified) so the Client
// can read the rate-limit headers of every response. Default: a pooled client of the package's own,
// never http.DefaultClient.
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) error {
		if hc == nil {
			return errors.New("WithHTTPClient: nil *http.Client")
		}
		o.httpClient = hc
		return nil
	}
}

// WithLogger sends debug records of each request (method, path, status, attempts; never the API key)
// to l. Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("WithLogger: nil *slog.Logger")
		}
		o.logger = l
		return nil
	}
}

// WithBaseURL replaces https://{appId}.api-{region}.cometchat.io/v3 with base, e.g. the emulator's
// http://127.0.0.1:8080/v3. The URL must be absolute and https, unless WithAllowInsecure is given too.
func WithBaseURL(base string) Option {
	return func(o *options) error {
		o.baseURL = strings.TrimRight(strings.TrimSpace(base), "/")
		if o.baseURL == "" {
			return errors.New("WithBaseURL: empty URL")
		}
		return nil
	}
}

// WithAllowInsecure permits an http:// base URL. Use it only for a local emulator: the real service is
// TLS-only and the REST API key would otherwise travel in clear text.
func WithAllowInsecure() Option {
	return func(o *options) error {
		o.allowInsecure = true
		return nil
	}
}

// WithRetryPolicy sets when and how long the transport waits before trying a request again
// (idempotent requests on network errors and 5xx; any request on 429 within MaxRetryAfter).
func WithRetryPolicy(p cometchat.RetryPolicy) Option {
	return func(o *options) error {
		if p.MaxAttempts < 0 || p.BaseDelay < 0 || p.MaxDelay < 0 || p.MaxRetryAfter < 0 {
			return errors.New("WithRetryPolicy: negative value")
		}
		o.retry = p
		return nil
	}
}

// WithTimeout bounds each call whose context has no deadline. Default 30 s; a negative value turns
// the default off (the caller's context then decides alone).
func WithTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d == 0 {
			return errors.New("WithTimeout: zero duration (use a negative value to disable)")
		}
		o.timeout = d
		return nil
	}
}

// checkBase validates a base URL override.
func (o *options) checkBase() error {
	if o.baseURL == "" {
		return nil
	}
	u, err := url.Parse(o.baseURL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("base URL %q is not an absolute URL", o.baseURL)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if o.allowInsecure {
			return nil
		}
		return fmt.Errorf("base URL %q is not encrypted; add WithAllowInsecure to use it (emulator only)", o.baseURL)
	}
	return fmt.Errorf("base URL %q: scheme must be https", o.baseURL)
}
