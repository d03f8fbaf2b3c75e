// Package rest is the HTTP transport shared by the client SDK and the admin client: JSON bodies, the
// CometChat response envelope, typed errors, retries with full-jitter back-off and Retry-After handling,
// and redaction of secrets. It knows nothing about endpoints; callers build the URL and the headers.
package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"

	"github.com/cometchat-go/cometchat/internal/apierr"
)

// Error codes the transport raises itself.
const (
	// CodeFailedToFetch marks a network failure (no usable HTTP response), as the JS SDK names it.
	CodeFailedToFetch = "FAILED_TO_FETCH"
	// CodeUnparseableResponse marks a response whose body is not the CometChat envelope.
	CodeUnparseableResponse = "UNPARSEABLE_RESPONSE"
	// CodeTooManyRequests is the service's rate-limit code.
	CodeTooManyRequests = "ERR_TOO_MANY_REQUESTS"
)

// maxResponseBytes bounds how much of a response body is read; chat pages are far smaller.
const maxResponseBytes = 32 << 20

// Config configures a Client. Zero values take the documented defaults.
type Config struct {
	// HTTPClient sends the requests. Default: a pooled client of its own (never http.DefaultClient).
	HTTPClient *http.Client
	// Logger receives debug records of each request (method, path, status, attempts). Default: discard.
	Logger *slog.Logger
	// Retry is the retry policy.
	Retry RetryPolicy
	// DefaultTimeout applies to a call whose context has no deadline. Default 30 s; negative disables it.
	DefaultTimeout time.Duration
}

// Client sends requests. It is safe for concurrent use.
type Client struct {
	rc      *retryablehttp.Client
	ownHTTP bool // the transport created its own *http.Client and may close its idle connections
	log     *slog.Logger
	policy  RetryPolicy
	timeout time.Duration
}

// New returns a Client for cfg.
func New(cfg Config) *Client {
	hc := cfg.HTTPClient
	own := hc == nil
	if own {
		hc = DefaultHTTPClient()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	timeout := cfg.DefaultTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	c := &Client{log: log, policy: cfg.Retry.withDefaults(), timeout: timeout, ownHTTP: own}
	c.rc = &retryablehttp.Client{
		HTTPClient:   hc,
		Logger:       nil, // retryablehttp would log URLs and errors in its own format; we log ourselves.
		RetryWaitMin: c.policy.BaseDelay,
		RetryWaitMax: c.policy.MaxDelay,
		RetryMax:     c.policy.MaxAttempts - 1,
		CheckRetry:   c.checkRetry,
		Backoff:      c.backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
		RequestLogHook: func(_ retryablehttp.Logger, r *http.Request, attempt int) {
			if st := stateFrom(r.Context()); st != nil {
				st.attempts = attempt + 1
			}
		},
	}
	return c
}

// MaxIdleConnsPerHost is how many idle keep-alive connections the default HTTP client keeps per host.
// cleanhttp's default (GOMAXPROCS+1) is too small for concurrent sends: with 16 requests in flight on
// a 2-core machine, 13 connections were closed after every response and re-dialled (BENCHMARKS.md).
const MaxIdleConnsPerHost = 64

// DefaultHTTPClient is the pooled client the SDK uses when the caller gives none.
func DefaultHTTPClient() *http.Client {
	hc := cleanhttp.DefaultPooledClient()
	if t, ok := hc.Transport.(*http.Transport); ok {
		t.MaxIdleConnsPerHost = MaxIdleConnsPerHost
	}
	return hc
}

// Close releases idle connections of the HTTP client the transport created itself; a caller's
// *http.Client is left alone.
func (c *Client) Close() {
	if c.ownHTTP {
		c.rc.HTTPClient.CloseIdleConnections()
	}
}

// Request describes one call.
type Request struct {
	// Method is the HTTP method.
	Method string
	// BaseURL is the API base with scheme and version, e.g. https://app.apiclient-eu.cometchat.io/v3.0.
	BaseURL string
	// Path is relative to BaseURL, with its segments already escaped.
	Path string
	// Query is encoded properly (the JS SDK does not; see client-protocol.md §2.2).
	Query url.Values
	// Header carries the per-request headers (appId, authToken or apiKey, sdk, resource, …).
	Header http.Header
	// Body is encoded as JSON when not nil.
	Body any
	// RetrySafe marks a non-idempotent request that the server de-duplicates (a send with a muid), so
	// it may be retried on network errors and 5xx responses like an idempotent one.
	RetrySafe bool
	// Secrets are values to redact from any error text (tokens, keys).
	Secrets []string
}

// Response is a successful envelope.
type Response struct {
	// Status is the HTTP status.
	Status int
	// Header is the response header (rate-limit headers live here).
	Header http.Header
	// Data is the raw "data" value.
	Data json.RawMessage
	// Meta is the raw "meta" value, or nil.
	Meta json.RawMessage
}

// envelope is the CometChat body: {"data":…,"meta":…} or {"error":{…}}.
type envelope struct {
	Data  json.RawMessage `json:"data"`
	Meta  json.RawMessage `json:"meta"`
	Error *wireError      `json:"error"`
}

type wireError struct {
	Code       flexString      `json:"code"`
	Message    string          `json:"message"`
	DevMessage string          `json:"devMessage"`
	Source     string          `json:"source"`
	Name       string          `json:"name"`
	Details    json.RawMessage `json:"details"`
}

// flexString accepts a JSON string or number (a few SDK codes are numbers: -1, 401).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	*f = flexString(strings.TrimSpace(string(b)))
	return nil
}

// Do sends r and decodes the envelope. The result is decided by the body, as the official SDK does:
// "data" is success and "error" is failure whatever the status; only 429 is special.
func (c *Client) Do(ctx context.Context, r *Request) (*Response, error) {
	if _, ok := ctx.Deadline(); !ok && c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	st := &callState{idempotent: isIdempotent(r.Method) || r.RetrySafe}
	ctx = context.WithValue(ctx, stateKey{}, st)
	// A path may carry a secret (admin apikeys/{apiKey}): logs and errors show it redacted.
	rawPath := r.Path
	if shown := redact(r.Path, r.Secrets); shown != r.Path {
		cp := *r
		cp.Path = shown
		r = &cp
	}

	var body []byte
	if r.Body != nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // keep "<@uid:…>" mentions readable, as JSON.stringify does
		if err := enc.Encode(r.Body); err != nil {
			return nil, &apierr.Error{Code: "ERROR_JSON_EXCEPTION", Method: r.Method, Path: r.Path, Local: true, Err: err}
		}
		body = bytes.TrimRight(buf.Bytes(), "\n")
	}
	u := strings.TrimRight(r.BaseURL, "/") + "/" + strings.TrimLeft(rawPath, "/")
	if len(r.Query) > 0 {
		u += "?" + r.Query.Encode()
	}
	var rb any
	if body != nil {
		rb = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.Method, u, rb)
	if err != nil {
		return nil, &apierr.Error{Code: CodeFailedToFetch, Method: r.Method, Path: r.Path, Local: true, Err: err}
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	start := time.Now()
	resp, err := c.rc.Do(req)
	if err != nil {
		c.log.DebugContext(ctx, "cometchat request failed", "method", r.Method, "path", r.Path,
			"attempts", st.attempts, "elapsed", time.Since(start), "error", redact(err.Error(), r.Secrets))
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		}
		return nil, &apierr.Error{Code: CodeFailedToFetch, Message: "the request did not complete",
			Method: r.Method, Path: r.Path, Err: scrubbed{err, r.Secrets}}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	c.log.DebugContext(ctx, "cometchat request", "method", r.Method, "path", r.Path, "status", resp.StatusCode,
		"attempts", st.attempts, "elapsed", time.Since(start))
	if err != nil {
		return nil, &apierr.Error{Status: resp.StatusCode, Code: CodeFailedToFetch, Message: "reading the response failed",
			Method: r.Method, Path: r.Path, Err: err}
	}
	return decode(r, resp, raw)
}

func decode(r *Request, resp *http.Response, raw []byte) (*Response, error) {
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil || (env.Error == nil && env.Data == nil) {
		e := &apierr.Error{Status: resp.StatusCode, Code: CodeUnparseableResponse,
			Message: "the response is not a CometChat envelope", Method: r.Method, Path: r.Path}
		if resp.StatusCode == http.StatusTooManyRequests {
			e.Code = CodeTooManyRequests
			return nil, rateLimitError(e, resp.Header)
		}
		return nil, e
	}
	if env.Error != nil {
		e := &apierr.Error{
			Status:     resp.StatusCode,
			Code:       string(env.Error.Code),
			Message:    redact(env.Error.Message, r.Secrets),
			DevMessage: redact(env.Error.DevMessage, r.Secrets),
			Source:     env.Error.Source,
			Method:     r.Method,
			Path:       r.Path,
		}
		if len(env.Error.Details) > 0 && string(env.Error.Details) != "null" {
			var d map[string][]string
			if json.Unmarshal(env.Error.Details, &d) == nil {
				e.Details = d
			} else {
				e.RawDetails = json.RawMessage(redact(string(env.Error.Details), r.Secrets))
			}
		}
		if e.Code == "" {
			e.Code = CodeUnparseableResponse
		}
		if resp.StatusCode == http.StatusTooManyRequests || e.Code == CodeTooManyRequests {
			return nil, rateLimitError(e, resp.Header)
		}
		return nil, e
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Data: env.Data, Meta: env.Meta}, nil
}

func rateLimitError(e *apierr.Error, h http.Header) error {
	rl := ParseRateLimit(h)
	wait := rl.RetryAfter
	if wait <= 0 {
		wait = DefaultRetryAfter
	}
	return &apierr.RateLimitError{RetryAfter: wait, Limit: rl.Limit, Remaining: rl.Remaining, Reset: rl.Reset, Err: e}
}

func isIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// redact replaces every secret in s. Secrets shorter than 6 bytes are left alone: they cannot be told
// apart from ordinary words, and real keys and tokens are far longer.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= 6 && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "[REDACTED]")
		}
	}
	return s
}

// scrubbed wraps a transport error so that its text never shows a secret while errors.Is/As still
// reach the cause (context.DeadlineExceeded, *url.Error, …).
type scrubbed struct {
	err     error
	secrets []string
}

func (s scrubbed) Error() string { return redact(s.err.Error(), s.secrets) }
func (s scrubbed) Unwrap() error { return s.err }

// Redact is exported for the packages that build their own error text from service input.
func Redact(s string, secrets ...string) string { return redact(s, secrets) }
