package emulator

import (
	"net/http"
	"slices"
)

// Server API, auth tokens beyond create (authtokens.go): list, flush, get,
// update, delete (server-api.md §3.3).

func (s *Server) registerServerAuthTokenRoutes() {
	s.adminRoute("GET users/{uid}/auth_tokens", fullAccessOnly, s.adminListAuthTokens)
	s.adminRoute("DELETE users/{uid}/auth_tokens", fullAccessOnly, s.adminFlushAuthTokens)
	s.adminRoute("GET users/{uid}/auth_tokens/{authToken}", fullAccessOnly, s.adminGetAuthToken)
	s.adminRoute("PUT users/{uid}/auth_tokens/{authToken}", fullAccessOnly, s.adminUpdateAuthToken)
	s.adminRoute("DELETE users/{uid}/auth_tokens/{authToken}", fullAccessOnly, s.adminDeleteAuthToken)
}

func tokenJSON(t *authTokenRecord) authTokenJSON {
	return authTokenJSON{UID: t.UID, AuthToken: t.AuthToken, CreatedAt: t.CreatedAt}
}

// adminListAuthTokens: GET users/{uid}/auth_tokens, newest first.
func (s *Server) adminListAuthTokens(r *http.Request, _ *adminCaller) (any, error) {
	uid := normID(r.PathValue("uid"))
	p, err := parseSAPaging(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.activeUser(uid); !ok {
		return nil, errUIDNotFound(uid)
	}
	list := []authTokenJSON{}
	for _, t := range s.st.AuthTokens[uid] {
		list = append(list, tokenJSON(t))
	}
	data, meta := saPageOf(list, p)
	return &page{Data: data, Meta: meta}, nil
}

// adminFlushAuthTokens: DELETE users/{uid}/auth_tokens revokes every token.
func (s *Server) adminFlushAuthTokens(r *http.Request, _ *adminCaller) (any, error) {
	uid := normID(r.PathValue("uid"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.activeUser(uid); !ok {
		return nil, errUIDNotFound(uid)
	}
	var dropped []string
	for _, t := range s.st.AuthTokens[uid] {
		dropped = append(dropped, t.AuthToken)
		s.forgetTokenLocked(t.AuthToken)
	}
	delete(s.st.AuthTokens, uid)
	if len(dropped) > 0 {
		s.publish(Event{Kind: EventAuthTokensDropped, UID: uid, AuthTokens: dropped})
	}
	return okAck("All the auth tokens of the user " + uid + " have been deleted successfully."), nil
}

// findTokenLocked returns the token record of an active user. Caller holds s.mu.
func (s *Server) findTokenLocked(uid, token string) (*authTokenRecord, int, error) {
	if _, ok := s.st.activeUser(uid); !ok {
		return nil, -1, errUIDNotFound(uid)
	}
	i := slices.IndexFunc(s.st.AuthTokens[uid], func(t *authTokenRecord) bool { return t.AuthToken == token })
	if i < 0 {
		return nil, -1, newError("ERR_AUTH_TOKEN_NOT_FOUND",
			"The auth token %s does not exist for the user %s.", redact(token), uid)
	}
	return s.st.AuthTokens[uid][i], i, nil
}

// adminGetAuthToken: GET users/{uid}/auth_tokens/{authToken}.
func (s *Server) adminGetAuthToken(r *http.Request, _ *adminCaller) (any, error) {
	uid := normID(r.PathValue("uid"))
	s.mu.Lock()
	defer s.mu.Unlock()
	t, _, err := s.findTokenLocked(uid, r.PathValue("authToken"))
	if err != nil {
		return nil, err
	}
	return tokenJSON(t), nil
}

// adminUpdateAuthToken: PUT users/{uid}/auth_tokens/{authToken} with a
// device body (platform, userAgent, appInfo); at least one is required.
func (s *Server) adminUpdateAuthToken(r *http.Request, _ *adminCaller) (any, error) {
	uid := normID(r.PathValue("uid"))
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	dev := parseDeviceInfo(body)
	if dev.platform == "" && dev.userAgent == "" && dev.appInfo == nil {
		return nil, errBadRequest(map[string][]string{
			"platform": {"The platform field is required when none of userAgent / appInfo are present."},
		})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, _, err := s.findTokenLocked(uid, r.PathValue("authToken"))
	if err != nil {
		return nil, err
	}
	dev.applyTo(t)
	return tokenJSON(t), nil
}

// adminDeleteAuthToken: DELETE users/{uid}/auth_tokens/{authToken}; the token
// stops working at once.
func (s *Server) adminDeleteAuthToken(r *http.Request, _ *adminCaller) (any, error) {
	uid := normID(r.PathValue("uid"))
	token := r.PathValue("authToken")
	s.mu.Lock()
	defer s.mu.Unlock()
	_, i, err := s.findTokenLocked(uid, token)
	if err != nil {
		return nil, err
	}
	s.forgetTokenLocked(token)
	s.st.AuthTokens[uid] = slices.Delete(s.st.AuthTokens[uid], i, i+1)
	s.publish(Event{Kind: EventAuthTokensDropped, UID: uid, AuthTokens: []string{token}})
	return okAck("The auth token has been deleted successfully."), nil
}
