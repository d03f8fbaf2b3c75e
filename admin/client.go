// Package admin is the server-side client of CometChat's REST API v3, authenticated with a REST API
// key: backends and bots use it to create and sync users, mint auth tokens for
// cometchat.Client.LoginWithAuthToken, manage roles, friends, blocks, groups and members, and send
// messages on behalf of users. It never opens a WebSocket.
//
//	c, err := admin.New(appID, "eu", os.Getenv("COMETCHAT_REST_API_KEY"))
//	u, err := c.CreateUser(ctx, admin.UserInput{UID: "ada", Name: "Ada Lovelace"})
//	tok, err := c.CreateAuthToken(ctx, "ada", false)
//
// Calls that the service documents with an onBehalfOf header run as a user through As:
//
//	msg, err := c.As("acme-bot").SendMessage(ctx, admin.TextMessage("ada", admin.ReceiverUser, "hi"))
//
// Every call takes a context first; UIDs and GUIDs are checked locally before any request; lists are
// iterators that fetch pages lazily; errors are *cometchat.Error values that match the
// cometchat.Err… sentinels with errors.Is. The REST API key never appears in errors, logs or String.
//
// SyncUsers upserts any number of users with bounded concurrency, pacing itself by the service's
// rate-limit headers so it stays under the limit instead of collecting 429 responses.
package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/internal/rest"
)

// Regions the server API is hosted in (server-api.md §1.1).
const (
	RegionUS = "us"
	RegionEU = "eu"
	RegionIN = "in"
)

// Client calls the server REST API with one REST API key. It is safe for concurrent use. A Client
// returned by As shares its transport and counters with the Client it came from.
type Client struct {
	*core
	// actor is the onBehalfOf uid ("" for the API key itself); actorErr is set when As got an invalid
	// uid, and is returned by every call of that Client.
	actor    string
	actorErr error
}

// core is what every view of a Client shares.
type core struct {
	appID  string
	region string
	apiKey string
	base   string
	rest   *rest.Client
	meter  *meter
}

// New returns a Client for the app appID in region (us, eu or in) using the REST API key restAPIKey
// (a fullAccess key; an authOnly "Auth Key" may only create users and auth tokens). It validates its
// arguments and options and does no I/O.
func New(appID, region, restAPIKey string, opts ...Option) (*Client, error) {
	o := options{}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, invalid(err.Error())
		}
	}
	appID = strings.TrimSpace(appID)
	region = strings.ToLower(strings.TrimSpace(region))
	switch {
	case appID == "":
		return nil, invalid("app ID is required")
	case strings.ContainsAny(appID, "/:?#@ "):
		return nil, invalid(fmt.Sprintf("app ID %q has characters that cannot appear in a host name", appID))
	case restAPIKey == "":
		return nil, &cometchat.Error{Code: cometchat.ErrAPIKeyNotSet.Code, Message: "the REST API key is required", Local: true}
	}
	if o.baseURL == "" {
		switch region {
		case RegionUS, RegionEU, RegionIN:
		default:
			return nil, invalid(fmt.Sprintf("region %q is not one of us, eu, in", region))
		}
	}
	if err := o.checkBase(); err != nil {
		return nil, invalid(err.Error())
	}
	base := o.baseURL
	if base == "" {
		base = fmt.Sprintf("https://%s.api-%s.cometchat.io/v3", appID, region)
	}
	hc := o.httpClient
	if hc == nil {
		hc = rest.DefaultHTTPClient()
	}
	m := &meter{base: hc.Transport}
	if m.base == nil {
		m.base = http.DefaultTransport
	}
	wrapped := *hc
	wrapped.Transport = m
	return &Client{core: &core{
		appID:  appID,
		region: region,
		apiKey: restAPIKey,
		base:   base,
		meter:  m,
		rest: rest.New(rest.Config{HTTPClient: &wrapped, Logger: o.logger, Retry: o.retry,
			DefaultTimeout: o.timeout}),
	}}, nil
}

func invalid(msg string) error {
	return &cometchat.Error{Code: cometchat.ErrInvalidAppSettings.Code, Message: "admin: " + msg, Local: true}
}

// As returns a view of c whose calls carry onBehalfOf: uid, for the endpoints that document the
// header (server-api.md §3): the service then acts as that user, with that user's permissions (for
// example as the sender of a message, or with the user's group scope). Endpoints that do not
// document onBehalfOf ignore it. An invalid uid makes every call of the returned Client fail with
// cometchat.ErrInvalidUID.
func (c *Client) As(uid string) *Client {
	v := &Client{core: c.core, actor: strings.ToLower(uid)}
	if err := cometchat.ValidateUID(uid); err != nil {
		v.actorErr = err
	}
	return v
}

// Actor returns the onBehalfOf uid of this view, or "" for the API key itself.
func (c *Client) Actor() string { return c.actor }

// AppID returns the App ID.
func (c *Client) AppID() string { return c.appID }

// BaseURL returns the API base URL the Client calls.
func (c *Client) BaseURL() string { return c.base }

// String describes the Client without the API key.
func (c *Client) String() string {
	s := fmt.Sprintf("admin.Client{app %s, %s", c.appID, c.base)
	if c.actor != "" {
		s += ", on behalf of " + c.actor
	}
	return s + "}"
}

// GoString is String, so %#v does not print the API key either.
func (c *Client) GoString() string { return c.String() }

// Stats counts the HTTP exchanges of a Client (retries included) since New.
type Stats struct {
	// Requests is the number of HTTP requests that got a response.
	Requests int64
	// RateLimited is how many of them were answered 429.
	RateLimited int64
	// RateLimit is what the latest response that carried rate-limit headers said.
	RateLimit RateLimit
}

// RateLimit is what the service's rate-limit headers said (both spellings are read:
// X-RateLimit-* and X-Rate-Limit*). Limit and Remaining are -1 when the service did not say.
type RateLimit struct {
	Limit, Remaining int
	// Reset is when the current window ends; zero when unknown.
	Reset time.Time
	// RetryAfter is the Retry-After of a 429 (or 503).
	RetryAfter time.Duration
}

// Stats returns the counters of c (shared with every view made by As).
func (c *Client) Stats() Stats {
	c.meter.mu.Lock()
	rl := c.meter.last
	c.meter.mu.Unlock()
	return Stats{Requests: c.meter.requests.Load(), RateLimited: c.meter.limited.Load(), RateLimit: rl}
}

// meter wraps the transport: it counts exchanges and passes every response's rate-limit headers to
// the observer found in the request context (SyncUsers' pacer).
type meter struct {
	base     http.RoundTripper
	requests atomic.Int64
	limited  atomic.Int64
	mu       sync.Mutex
	last     RateLimit
}

type observerKey struct{}

// responseObserver is told about every HTTP response of a call made with its context.
type responseObserver interface {
	observe(status int, rl RateLimit)
}

func withObserver(ctx context.Context, o responseObserver) context.Context {
	return context.WithValue(ctx, observerKey{}, o)
}

// RoundTrip implements http.RoundTripper.
func (m *meter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := m.base.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	m.requests.Add(1)
	if resp.StatusCode == http.StatusTooManyRequests {
		m.limited.Add(1)
	}
	prl := rest.ParseRateLimit(resp.Header)
	rl := RateLimit{Limit: prl.Limit, Remaining: prl.Remaining, Reset: prl.Reset, RetryAfter: prl.RetryAfter}
	if rl.Limit >= 0 || rl.Remaining >= 0 || rl.RetryAfter > 0 {
		m.mu.Lock()
		m.last = rl
		m.mu.Unlock()
	}
	if o, ok := r.Context().Value(observerKey{}).(responseObserver); ok {
		o.observe(resp.StatusCode, rl)
	}
	return resp, nil
}

// obo says how an endpoint treats the onBehalfOf header (server-api.md §3 legend).
type obo int

const (
	oboNone     obo = iota // not defined: never sent
	oboOptional            // sent when the Client has an actor
	oboRequired            // the call fails locally without an actor
)

// call is one request.
type call struct {
	method    string
	path      string
	query     url.Values
	body      any
	obo       obo
	retrySafe bool
	// secrets are redacted from errors and logs besides the API key (a key in the path).
	secrets []string
}

// send runs cl and returns the response envelope.
func (c *Client) send(ctx context.Context, cl *call) (*rest.Response, error) {
	if ctx == nil {
		return nil, missing("nil context")
	}
	h := http.Header{}
	h.Set("apikey", c.apiKey)
	switch cl.obo {
	case oboOptional, oboRequired:
		if c.actorErr != nil {
			return nil, c.actorErr
		}
		if c.actor != "" {
			h.Set("onBehalfOf", c.actor)
		} else if cl.obo == oboRequired {
			return nil, missing(cl.method + " " + cl.path + " needs onBehalfOf: call it on c.As(uid)")
		}
	}
	return c.rest.Do(ctx, &rest.Request{Method: cl.method, BaseURL: c.base, Path: cl.path, Query: cl.query,
		Header: h, Body: cl.body, RetrySafe: cl.retrySafe, Secrets: append([]string{c.apiKey}, cl.secrets...)})
}

// do runs cl and decodes data into out (when not nil).
func (c *Client) do(ctx context.Context, cl *call, out any) error {
	resp, err := c.send(ctx, cl)
	if err != nil {
		return err
	}
	return decodeInto(cl, resp, out)
}

// fetch runs cl and returns its data decoded into a new T.
func fetch[T any](c *Client, ctx context.Context, cl *call) (*T, error) {
	var v T
	if err := c.do(ctx, cl, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// decodeInto decodes the data of resp into out (when not nil).
func decodeInto(cl *call, resp *rest.Response, out any) error {
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(resp.Data, out); err != nil {
		return &cometchat.Error{Status: resp.Status, Code: cometchat.ErrUnparseableResponse.Code,
			Message: err.Error(), Method: cl.method, Path: cl.path}
	}
	return nil
}

func missing(msg string) error {
	return &cometchat.Error{Code: cometchat.ErrMissingParameters.Code, Message: msg, Local: true}
}

func invalidValue(msg string) error {
	return &cometchat.Error{Code: cometchat.ErrInvalidValue.Code, Message: msg, Local: true}
}

// esc lower-cases and path-escapes an identifier (validated by the caller).
func esc(id string) string { return url.PathEscape(strings.ToLower(id)) }

// checkUIDs validates every uid and returns them lower-cased.
func checkUIDs(uids []string) ([]string, error) {
	if len(uids) == 0 {
		return nil, missing("at least one uid is required")
	}
	out := make([]string, len(uids))
	for i, u := range uids {
		if err := cometchat.ValidateUID(u); err != nil {
			return nil, err
		}
		out[i] = strings.ToLower(u)
	}
	return out, nil
}

// checkUnset refuses an Unset entry that is not one of allowed (an update's removable fields).
func checkUnset[F ~string](unset []F, allowed ...F) error {
	for _, f := range unset {
		if slices.Contains(allowed, f) {
			continue
		}
		names := make([]string, len(allowed))
		for i, a := range allowed {
			names[i] = string(a)
		}
		last := len(names) - 1
		return invalidValue("Unset accepts " + strings.Join(names[:last], ", ") + " and " + names[last] + ", not " + string(f))
	}
	return nil
}

func flexBool(b []byte) bool {
	switch strings.Trim(strings.TrimSpace(string(b)), `"`) {
	case "true", "1":
		return true
	}
	return false
}

// ItemResult is the outcome for one uid of a bulk operation (add friends, block users, add members):
// either Success with the service's Message, or Err.
type ItemResult struct {
	Success bool
	Message string
	// Data is the item's payload when the service sends one (the action message of an added member).
	Data json.RawMessage
	// Err is the item's error; nil on success.
	Err *cometchat.Error
}

// UnmarshalJSON decodes {"success":true,"message":…,"data":…} or {"error":{…}}.
func (r *ItemResult) UnmarshalJSON(b []byte) error {
	var w struct {
		Success json.RawMessage `json:"success"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
		Error   *struct {
			Code       string              `json:"code"`
			Message    string              `json:"message"`
			DevMessage string              `json:"devMessage"`
			Source     string              `json:"source"`
			Details    map[string][]string `json:"details"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	r.Success, r.Message, r.Data = flexBool(w.Success), w.Message, w.Data
	if w.Error != nil {
		r.Success = false
		r.Err = &cometchat.Error{Code: w.Error.Code, Message: w.Error.Message, DevMessage: w.Error.DevMessage,
			Source: w.Error.Source, Details: w.Error.Details}
		if r.Err.Code == "" {
			r.Err.Code = cometchat.ErrOperationFailed.Code
		}
	}
	return nil
}

// pagination is meta.pagination of page-based lists (server-api.md §4). Total may be 0 when the
// service did not compute it.
type pagination struct {
	Total       int `json:"total"`
	Count       int `json:"count"`
	PerPage     int `json:"per_page"`
	CurrentPage int `json:"current_page"`
	TotalPages  int `json:"total_pages"`
}

// Documented page-size bounds of the server API.
const (
	defaultPerPage = 100
	maxPerPage     = 1000
)

func perPageOf(n int) (int, error) {
	switch {
	case n == 0:
		return defaultPerPage, nil
	case n < 0:
		return 0, invalidValue("PerPage must not be negative")
	case n > maxPerPage:
		return 0, &cometchat.Error{Code: cometchat.ErrLimitExceeded.Code, Local: true,
			Message: "PerPage " + strconv.Itoa(n) + " is above the maximum of 1000"}
	}
	return n, nil
}

// pages iterates a page-based list: it requests page after page (from start, default 1) until a page
// is short, empty or the last one the service announced. The first error is yielded and ends the
// sequence. Stopping the range loop stops the fetching.
func pages[T any](c *Client, ctx context.Context, cl call, perPage, start int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		pp, err := perPageOf(perPage)
		if err != nil {
			yield(zero, err)
			return
		}
		page := max(start, 1)
		for {
			q := cloneQuery(cl.query)
			q.Set("perPage", strconv.Itoa(pp))
			q.Set("page", strconv.Itoa(page))
			var meta struct {
				Pagination *pagination `json:"pagination"`
			}
			items, err := fetchPage[T](c, ctx, cl, q, &meta)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if len(items) == 0 || len(items) < pp {
				return
			}
			if p := meta.Pagination; p != nil && p.TotalPages > 0 && p.CurrentPage >= p.TotalPages {
				return
			}
			page++
		}
	}
}

// fetchPage sends cl with query q and returns the page of items in its data; the response's meta,
// when present, is decoded leniently into meta.
func fetchPage[T any](c *Client, ctx context.Context, cl call, q url.Values, meta any) ([]T, error) {
	cl.query = q
	resp, err := c.send(ctx, &cl)
	if err != nil {
		return nil, err
	}
	var items []T
	if err := decodeInto(&cl, resp, &items); err != nil {
		return nil, err
	}
	if len(resp.Meta) > 0 {
		_ = json.Unmarshal(resp.Meta, meta)
	}
	return items, nil
}

// cloneQuery copies q into a new, non-nil url.Values.
func cloneQuery(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, v := range q {
		out[k] = v
	}
	return out
}

// Collect drains a list iterator into a slice, stopping at the first error (returned with the items
// read before it).
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// commaList joins values for the comma-separated array query parameters (server-api.md §2.2).
func commaList(q url.Values, key string, vals []string) {
	if len(vals) > 0 {
		q.Set(key, strings.Join(vals, ","))
	}
}

func setBool(q url.Values, key string, v bool) {
	if v {
		q.Set(key, "true")
	}
}
