package emulator

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
)

// The logged-in user's session: PUT/GET/DELETE me, POST me/jwt and
// POST user_sessions (client-protocol.md §3).

func (s *Server) registerMeRoutes() {
	s.clientRoute("PUT me", s.putMe)
	s.clientRoute("GET me", s.getMe)
	s.clientRoute("DELETE me", s.deleteMe)
	s.clientRoute("POST me/jwt", s.postMeJWT)
	s.clientRoute("POST user_sessions", s.postUserSessions)
}

// meJSON is the Me payload (model.md §2): the User plus authToken (always the
// token the call carried), a fresh jwt and the settings map. wsChannel and
// fat are omitted (client-protocol.md §3.3 emulator default).
type meJSON struct {
	userJSON
	JWT      string         `json:"jwt"`
	Settings map[string]any `json:"settings"`
}

// profileKeys are the User JSON keys that make a PUT me body a profile update
// (updateCurrentUserDetails) rather than the login / push-token device body.
var profileKeys = []string{"name", "avatar", "link", "metadata", "statusMessage", "tags", "role", "unset"}

// putMe: login with an auth token (device body) or a profile update (User
// JSON). Both answer the full Me payload, a superset of the User the SDK
// expects for the profile update.
func (s *Server) putMe(r *http.Request, c *clientCaller) (any, error) {
	body, err := readObject(r, maxUserBody)
	if err != nil {
		return nil, err
	}
	var f *userFields
	for _, k := range profileKeys {
		if _, ok := body[k]; ok {
			if f, err = parseUserFields(body, false); err != nil {
				return nil, err
			}
			break
		}
	}
	settings := s.settingsFor(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if f != nil {
		if _, err := s.updateUserLocked(c.uid, f, c.session); err != nil {
			return nil, err
		}
	}
	if dev := parseDeviceInfo(body); !dev.empty() {
		for _, t := range s.st.AuthTokens[c.uid] {
			if t.AuthToken == c.token {
				dev.applyTo(t)
			}
		}
	}
	return s.meLocked(c, settings)
}

// getMe: refresh of jwt and settings.
func (s *Server) getMe(r *http.Request, c *clientCaller) (any, error) {
	settings := s.settingsFor(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.meLocked(c, settings)
}

// meLocked renders the Me payload with a newly issued jwt. Caller holds s.mu.
func (s *Server) meLocked(c *clientCaller, settings map[string]any) (any, error) {
	u, ok := s.st.activeUser(c.uid)
	if !ok { // deactivated or deleted since authClient checked the token
		return nil, errAuthTokenNotFound(c.token)
	}
	j := s.renderUserLocked(u, "")
	j.AuthToken = c.token
	return meJSON{userJSON: j, JWT: s.issueJWTLocked(c), Settings: settings}, nil
}

// deleteMe: logout. The session named by the resource header ends (the hub
// closes its sockets on EventSessionEnded); the auth token stays valid
// (client-protocol.md §3.5 emulator default).
func (s *Server) deleteMe(_ *http.Request, c *clientCaller) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess, ok := s.st.Sessions[c.session]; ok && c.session != "" && sess.EndedAt == 0 {
		sess.EndedAt = s.now().Unix()
	}
	s.publish(Event{Kind: EventSessionEnded, UID: c.uid, Session: c.session, AuthTokens: []string{c.token}})
	return okAck("User logged out successfully."), nil
}

// postMeJWT: a JWT for the calls SDK; emulator default {"jwt":"<opaque>"}
// (client-protocol.md §3.8). The passthrough body is ignored.
func (s *Server) postMeJWT(_ *http.Request, c *clientCaller) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return map[string]string{"jwt": s.issueJWTLocked(c)}, nil
}

// postUserSessions: telemetry; echoes {"sessionId": <sent>} (§3.9, §11).
func (s *Server) postUserSessions(r *http.Request, _ *clientCaller) (any, error) {
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	id, ok := body["sessionId"]
	if !ok || isNull(id) {
		return nil, errBadRequest(map[string][]string{"sessionId": {"The sessionId field is required."}})
	}
	return map[string]json.RawMessage{"sessionId": id}, nil
}

// issueJWTLocked issues an opaque, unique JWT bound to the caller's user,
// token and session. It looks like a JWT (header.payload.random) so logs and
// Bearer headers are readable, but nothing verifies it: the emulator looks it
// up (userForJWT). Caller holds s.mu.
func (s *Server) issueJWTLocked(c *clientCaller) string {
	now := s.now().Unix()
	enc := base64.RawURLEncoding
	payload, _ := json.Marshal(map[string]any{"uid": c.uid, "appId": s.cfg.AppID, "iat": now, "sid": c.session})
	jwt := enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		enc.EncodeToString(payload) + "." + randomHex(16)
	s.st.JWTs[jwt] = &jwtRecord{JWT: jwt, UID: c.uid, AuthToken: c.token, Session: c.session, IssuedAt: now}
	return jwt
}

// userForJWT resolves a JWT from a Me payload (the WebSocket auth frame's
// body.auth) to its user. ok is false for an unknown JWT, or when its auth
// token was dropped or its user deactivated or deleted. Do not call with
// s.mu held; the hub's locked paths use jwtUserLocked.
func (s *Server) userForJWT(jwt string) (uid string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.jwtUserLocked(jwt)
	if !ok {
		return "", false
	}
	return rec.UID, true
}

// jwtUserLocked is userForJWT returning the whole grant (user, token,
// session). Caller holds s.mu.
func (s *Server) jwtUserLocked(jwt string) (*jwtRecord, bool) {
	rec, ok := s.st.JWTs[jwt]
	if !ok || s.st.tokenOwner[rec.AuthToken] != rec.UID {
		return nil, false
	}
	if _, ok := s.st.activeUser(rec.UID); !ok {
		return nil, false
	}
	return rec, true
}
