package emulator

import (
	"net/http"
	"strings"
)

// clientCaller is the authenticated user of a client-API call.
type clientCaller struct {
	// uid is the user's lower-cased uid.
	uid string
	// token is the auth token the call carried.
	token string
	// session is the resource header (the client session id; also the
	// WebSocket deviceId); "" when absent.
	session string
}

// adminCaller is the API key of a server-API call.
type adminCaller struct {
	key   string
	scope string
	// onBehalfOf is the lower-cased onBehalfOf header, "" when absent.
	// Endpoints that use it check that the user exists.
	onBehalfOf string
}

// checkAppID rejects a request whose appId header names another app. The
// header is optional (the v3 server API does not need it and the emulator is
// lenient about clients that omit it); when present it must match,
// case-insensitively, so a misconfigured SDK fails loudly.
func (s *Server) checkAppID(r *http.Request) error {
	if id := r.Header.Get("appId"); id != "" && !strings.EqualFold(id, s.cfg.AppID) {
		return newError("AUTH_ERR_INVALID_APPID", "The app id %s does not exist. Please check the app id.", id)
	}
	return nil
}

// authClient authenticates a client-API call by its authToken header. A
// missing header is AUTH_ERR_EMPTY_AUTH_TOKEN; an unknown or deleted token,
// or one whose user is deactivated or deleted, is
// AUTH_ERR_AUTH_TOKEN_NOT_FOUND (which makes the JS SDK log out). The
// session named by the resource header is recorded as active.
func (s *Server) authClient(r *http.Request) (*clientCaller, error) {
	if err := s.checkAppID(r); err != nil {
		return nil, err
	}
	token := r.Header.Get("authToken")
	if token == "" {
		return nil, newError("AUTH_ERR_EMPTY_AUTH_TOKEN",
			"The auth token is missing. Please send the authToken header with a valid auth token.")
	}
	c := &clientCaller{token: token, session: r.Header.Get("resource")}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.st.tokenUser(token)
	if !ok {
		return nil, errAuthTokenNotFound(token)
	}
	c.uid = u.UID
	if c.session != "" {
		s.touchSessionLocked(c)
	}
	return c, nil
}

// touchSessionLocked records that session c.session is in use by c. A
// session that was ended by DELETE me starts again. Caller holds s.mu.
func (s *Server) touchSessionLocked(c *clientCaller) {
	now := s.now().Unix()
	sess, ok := s.st.Sessions[c.session]
	if !ok || sess.EndedAt != 0 || sess.UID != c.uid {
		sess = &sessionRecord{ID: c.session, UID: c.uid, AuthToken: c.token, StartedAt: now}
		s.st.Sessions[c.session] = sess
	}
	sess.AuthToken = c.token
	sess.LastSeenAt = now
}

// authAdmin authenticates a server-API call by its apikey header (any case:
// apikey, apiKey, APIKEY). Missing → AUTH_ERR_EMPTY_APIKEY; unknown →
// AUTH_ERR_APIKEY_NOT_FOUND; an authOnly key on an endpoint that needs
// fullAccess → 403 AUTH_ERR_NO_ACCESS (server-api.md §1.3).
func (s *Server) authAdmin(r *http.Request, acc access) (*adminCaller, error) {
	if err := s.checkAppID(r); err != nil {
		return nil, err
	}
	key := r.Header.Get("apikey")
	if key == "" {
		return nil, newError("AUTH_ERR_EMPTY_APIKEY",
			"The API key is missing. Please send the apikey header with a valid API key.")
	}
	s.mu.Lock()
	rec, ok := s.st.APIKeys[key]
	var scope string
	if ok {
		scope = rec.Scope
	}
	s.mu.Unlock()
	if !ok {
		return nil, newError("AUTH_ERR_APIKEY_NOT_FOUND",
			"The API key %s does not exist. Please make sure you are using a valid API key.", redact(key))
	}
	if scope != scopeFullAccess && acc != authOnlyAllowed {
		return nil, errNoAccess(key)
	}
	return &adminCaller{key: key, scope: scope, onBehalfOf: normID(r.Header.Get("onBehalfOf"))}, nil
}
