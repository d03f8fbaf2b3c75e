package cometchat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/cometchat-go/cometchat/internal/rest"
)

// Version is the SDK's version, sent in the sdk header as go@Version.
const Version = "0.1.0"

// apiVersion is the client API version the SDK speaks.
const apiVersion = "v3.0"

// Client is one application's connection to CometChat, logged in as at most one user at a time. Create
// it with Init. It is safe for concurrent use, and any number of Clients may live in one process (one
// per bot, per tenant, per test).
type Client struct {
	settings AppSettings
	opts     options
	log      *slog.Logger
	rest     *rest.Client

	// sessionID is the per-Client "resource" header and realtime deviceId; echo suppression uses it.
	sessionID string
	// deviceID is the persistent device id sent in login bodies and the realtime auth frame.
	deviceID string

	// loginMu serialises Login, LoginWithAuthToken and Logout so concurrent calls cannot interleave.
	loginMu sync.Mutex

	mu     sync.RWMutex
	sess   *session // nil when logged out
	closed bool
	// secrets are the keys and tokens this Client has sent, newest last, redacted from every error
	// text whatever call it comes from (a service message may echo any of them).
	secrets []string

	// rt is the realtime connection, listeners and dispatch (realtime.go).
	rt realtimeState
}

// maxRememberedSecrets bounds the redaction list; a Client sees one key and a few tokens in practice.
const maxRememberedSecrets = 16

// rememberSecret adds s to the redaction list. The caller holds c.mu.
func (c *Client) rememberSecret(s string) {
	if s == "" {
		return
	}
	for _, have := range c.secrets {
		if have == s {
			return
		}
	}
	c.secrets = append(c.secrets, s)
	if len(c.secrets) > maxRememberedSecrets {
		c.secrets = c.secrets[len(c.secrets)-maxRememberedSecrets:]
	}
}

// session is what login returns and the Client keeps: the Me payload.
type session struct {
	user      *User
	authToken string
	jwt       string
	settings  ServerSettings
	wsChannel json.RawMessage
	fat       string
}

// Init validates settings and opts and returns a Client. It does no network I/O (the official SDK's
// init does none either); call Login or LoginWithAuthToken next.
func Init(settings AppSettings, opts ...Option) (*Client, error) {
	s, err := settings.validate()
	if err != nil {
		return nil, err
	}
	o := defaultOptions()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, &Error{Code: ErrInvalidAppSettings.Code, Message: err.Error(), Local: true}
		}
	}
	log := s.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := time.Now().UnixMilli()
	c := &Client{
		settings:  s,
		opts:      o,
		log:       log,
		sessionID: fmt.Sprintf("%s-%s-%d", o.sessionPrefix, uuid.NewString(), now),
		deviceID:  o.deviceID,
	}
	if c.deviceID == "" {
		c.deviceID = fmt.Sprintf("%s_%s_%d", s.AppID, uuid.NewString(), now)
	}
	c.rest = rest.New(rest.Config{HTTPClient: s.HTTPClient, Logger: log, Retry: o.retry, DefaultTimeout: o.defaultTimeout})
	return c, nil
}

// AppID returns the App ID the Client was initialised with.
func (c *Client) AppID() string { return c.settings.AppID }

// SessionID returns this Client's session id: the resource header of its requests and the deviceId
// of its realtime frames. Frames carrying it are this Client's own echoes.
func (c *Client) SessionID() string { return c.sessionID }

// String describes the Client without any secret.
func (c *Client) String() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	who := "logged out"
	if c.sess != nil {
		who = "user " + c.sess.user.UID
	}
	return fmt.Sprintf("cometchat.Client{app %s, region %s, %s}", c.settings.AppID, c.settings.Region, who)
}

// LoggedInUser returns the logged-in user from the local session, without a request, and whether
// there is one.
func (c *Client) LoggedInUser() (*User, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.sess == nil {
		return nil, false
	}
	u := *c.sess.user
	return &u, true
}

// Me is LoggedInUser's short name.
func (c *Client) Me() (*User, bool) { return c.LoggedInUser() }

// AuthToken returns the session's auth token, or "" when logged out. It is a secret: store it as
// one (for example to resume with LoginWithAuthToken after a restart), never log it.
func (c *Client) AuthToken() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.sess == nil {
		return ""
	}
	return c.sess.authToken
}

// ServerSettings returns the app settings the service sent at login (zero value when logged out).
func (c *Client) ServerSettings() ServerSettings {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.sess == nil {
		return ServerSettings{}
	}
	return c.sess.settings
}

// Login logs uid in with an Auth Key: it mints an auth token on the admin host
// (POST users/{uid}/auth_tokens) and then logs in with it (PUT me). Auth Keys belong in development
// only, as CometChat's docs warn; production apps mint tokens on their server and call
// LoginWithAuthToken.
//
// Logging in again as the same user returns the session's user without a request. Logging in as a
// different user first ends the current session locally.
func (c *Client) Login(ctx context.Context, uid, authKey string) (user *User, err error) {
	defer func() { c.reportLogin(user, err) }()
	if err := ValidateUID(uid); err != nil {
		return nil, err
	}
	if authKey == "" {
		return nil, localError(ErrAPIKeyNotSet, "Login needs an Auth Key")
	}
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	if u, ok := c.sameUser(uid); ok {
		return u, nil
	}
	var tok struct {
		AuthToken string `json:"authToken"`
	}
	err = c.do(ctx, &call{method: http.MethodPost, path: "users/" + normID(uid) + "/auth_tokens", admin: true,
		apiKey: authKey, body: c.deviceBody()}, &tok)
	if err != nil {
		return nil, err
	}
	if tok.AuthToken == "" {
		return nil, &Error{Code: ErrUnparseableResponse.Code, Message: "the auth_tokens response has no authToken",
			Method: http.MethodPost, Path: "users/{uid}/auth_tokens"}
	}
	return c.loginWithToken(ctx, tok.AuthToken)
}

// LoginWithAuthToken logs in with an auth token minted by the application's server (PUT me). This is
// the production login.
func (c *Client) LoginWithAuthToken(ctx context.Context, authToken string) (user *User, err error) {
	defer func() { c.reportLogin(user, err) }()
	if strings.TrimSpace(authToken) == "" {
		return nil, localError(ErrMissingParameters, "auth token is empty")
	}
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	return c.loginWithToken(ctx, authToken)
}

// sameUser returns the session user when uid is already logged in.
func (c *Client) sameUser(uid string) (*User, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.sess != nil && strings.EqualFold(c.sess.user.UID, uid) {
		u := *c.sess.user
		return &u, true
	}
	return nil, false
}

// mePayload is the data of PUT me / GET me: a User plus the session fields (model.md §2).
type mePayload struct {
	User
	meSession
}

// meSession is the session part of the Me payload.
type meSession struct {
	AuthToken string          `json:"authToken"`
	JWT       string          `json:"jwt"`
	Settings  ServerSettings  `json:"settings"`
	WSChannel json.RawMessage `json:"wsChannel"`
	FAT       string          `json:"fat"`
}

// UnmarshalJSON is needed because the embedded User's own UnmarshalJSON would otherwise swallow the
// session fields.
func (m *mePayload) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &m.meSession); err != nil {
		return err
	}
	return json.Unmarshal(b, &m.User)
}

// loginWithToken runs PUT me and installs the session. The caller holds loginMu.
func (c *Client) loginWithToken(ctx context.Context, token string) (*User, error) {
	if err := c.checkOpen(); err != nil {
		return nil, err
	}
	var me mePayload
	err := c.do(ctx, &call{method: http.MethodPut, path: "me", token: token, body: c.deviceBody(), noExpiry: true}, &me)
	if err != nil {
		return nil, err
	}
	if me.UID == "" {
		return nil, &Error{Code: ErrUnparseableResponse.Code, Message: "the me response has no uid", Method: http.MethodPut, Path: "me"}
	}
	user := me.User
	user.Status = StatusOnline // the official SDK marks the logged-in user online locally
	sess := &session{user: &user, authToken: token, jwt: me.JWT, settings: me.Settings, wsChannel: me.WSChannel, fat: me.FAT}
	c.mu.Lock()
	c.sess = sess
	c.rememberSecret(token)
	c.rememberSecret(me.JWT)
	c.mu.Unlock()
	c.log.Info("cometchat: logged in", "uid", user.UID)
	c.afterLogin(ctx)
	out := user
	return &out, nil
}

// deviceBody is the login body of the official SDK (client-protocol.md §3.2–3.3) with this SDK's
// identity.
func (c *Client) deviceBody() map[string]any {
	return map[string]any{
		"platform": c.opts.platform,
		"deviceId": c.deviceID,
		"appInfo": map[string]any{
			"version":    "v" + Version,
			"apiVersion": apiVersion,
			"userAgent":  "cometchat-go/" + Version,
		},
	}
}

// Logout ends the session: DELETE me, then the Client forgets the user and token. The local session
// is forgotten even when the request fails (the caller asked to log out, and a half-logged-out Client
// helps nobody); the request's error is still returned, except AUTH_ERR_AUTH_TOKEN_NOT_FOUND, which
// means the session was already gone.
func (c *Client) Logout(ctx context.Context) error {
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	c.mu.RLock()
	sess := c.sess
	c.mu.RUnlock()
	if sess == nil {
		return localError(ErrNotLoggedIn, "Logout needs a logged-in user")
	}
	c.beforeLogout()
	err := c.do(ctx, &call{method: http.MethodDelete, path: "me", token: sess.authToken, noExpiry: true}, nil)
	if errors.Is(err, ErrAuthTokenNotFound) {
		err = nil
	}
	c.endSession(sess)
	c.log.Info("cometchat: logged out", "uid", sess.user.UID)
	c.reportLogout(err)
	return err
}

// endSession forgets sess if it is still the current one.
func (c *Client) endSession(sess *session) {
	c.mu.Lock()
	if c.sess == sess {
		c.sess = nil
	}
	c.mu.Unlock()
}

// Close releases the Client's resources. It does not log out (the session stays valid on the server
// and can be resumed with LoginWithAuthToken). Close is idempotent; calls after it fail with ErrClosed.
func (c *Client) Close() error {
	c.mu.Lock()
	already := c.closed
	c.closed = true
	c.mu.Unlock()
	c.closeRealtime()
	if !already {
		c.rest.Close()
	}
	return nil
}

func (c *Client) checkOpen() error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return localError(ErrClosed, "the Client is closed")
	}
	return nil
}

// call describes one REST call.
type call struct {
	method string
	path   string
	query  url.Values
	body   any
	// admin sends the call to the admin host with apiKey instead of the client host with authToken.
	admin  bool
	apiKey string
	// token overrides the session's auth token (login and logout use it).
	token string
	// retrySafe marks a POST that the service de-duplicates (carries a muid).
	retrySafe bool
	// noExpiry skips the session-expiry handling (login, logout).
	noExpiry bool
	// meta receives the raw meta object when not nil.
	meta *json.RawMessage
}

// do runs cl, decodes data into out (when not nil) and handles a rejected auth token.
func (c *Client) do(ctx context.Context, cl *call, out any) error {
	if err := c.checkOpen(); err != nil {
		return err
	}
	resp, sess, err := c.send(ctx, cl)
	if err != nil && !cl.admin && !cl.noExpiry && errors.Is(err, ErrAuthTokenNotFound) {
		resp, err = c.recoverSession(ctx, cl, sess, err)
	}
	if err != nil {
		return err
	}
	if cl.meta != nil {
		*cl.meta = resp.Meta
	}
	if out != nil {
		if err := json.Unmarshal(resp.Data, out); err != nil {
			return &Error{Status: resp.Status, Code: ErrUnparseableResponse.Code, Message: err.Error(), Method: cl.method, Path: cl.path}
		}
	}
	return nil
}

// send performs one REST call with the session's token (or cl's) and returns the session it used.
func (c *Client) send(ctx context.Context, cl *call) (*rest.Response, *session, error) {
	c.mu.Lock()
	sess := c.sess
	c.rememberSecret(cl.apiKey)
	c.rememberSecret(cl.token)
	secrets := append([]string(nil), c.secrets...)
	c.mu.Unlock()
	h := http.Header{}
	h.Set("appId", c.settings.AppID)
	h.Set("sdk", c.opts.sdkName+"@"+Version)
	h.Set("resource", c.sessionID)
	switch {
	case cl.admin:
		h.Set("apiKey", cl.apiKey)
	case cl.token != "":
		h.Set("authToken", cl.token)
	case sess != nil:
		h.Set("authToken", sess.authToken)
	default:
		return nil, nil, localError(ErrNotLoggedIn, cl.method+" "+cl.path+" needs a logged-in user")
	}
	base := c.clientBase(sess)
	if cl.admin {
		base = c.adminBase(sess)
	}
	resp, err := c.rest.Do(ctx, &rest.Request{Method: cl.method, BaseURL: base, Path: cl.path, Query: cl.query,
		Header: h, Body: cl.body, RetrySafe: cl.retrySafe, Secrets: secrets})
	return resp, sess, err
}

// recoverSession handles AUTH_ERR_AUTH_TOKEN_NOT_FOUND on a session call: with a TokenSource it logs
// in again with a fresh token and retries cl once; otherwise (or if that fails) it ends the session
// and reports it through the session-expired callback. The official SDK logs out silently here.
func (c *Client) recoverSession(ctx context.Context, cl *call, sess *session, cause error) (*rest.Response, error) {
	if sess == nil {
		return nil, cause
	}
	if ts := c.opts.tokenSource; ts != nil {
		if err := c.refreshSession(ctx, ts, sess); err != nil {
			cause = errors.Join(cause, err)
		} else {
			resp, used, err := c.send(ctx, cl)
			if err == nil || !errors.Is(err, ErrAuthTokenNotFound) {
				return resp, err
			}
			cause, sess = err, used
		}
	}
	// End the session the rejected call used; one installed meanwhile by another login stays.
	c.endSession(sess)
	expired := &Error{Code: ErrSessionExpired.Code, Message: "the service rejected the auth token; the session has ended", Local: true, Err: cause}
	c.log.Warn("cometchat: session expired", "error", cause)
	if fn := c.opts.onSessionExpired; fn != nil {
		fn(expired)
	}
	return nil, expired
}

// refreshSession logs in again with a token from ts unless another call already replaced sess.
func (c *Client) refreshSession(ctx context.Context, ts TokenSource, sess *session) error {
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	c.mu.RLock()
	current := c.sess
	c.mu.RUnlock()
	if current != sess {
		return nil // refreshed (or logged out) meanwhile; the retry uses whatever is current
	}
	tok, err := ts(ctx, sess.user.UID)
	if err != nil {
		return err
	}
	_, err = c.loginWithToken(ctx, tok)
	return err
}
