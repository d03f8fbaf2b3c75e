package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Auth tokens: POST users/{uid}/auth_tokens (server-api.md §3.3,
// client-protocol.md §3.2). The rest of the auth-token family (list, get,
// flush, delete) belongs to the admin-endpoints work and goes in this file.

func (s *Server) registerAuthTokenRoutes() {
	s.adminRoute("POST users/{uid}/auth_tokens", authOnlyAllowed, s.adminCreateAuthToken)
}

// authTokenJSON is the wire AuthToken (model.md §12).
type authTokenJSON struct {
	UID       string `json:"uid"`
	AuthToken string `json:"authToken"`
	CreatedAt int64  `json:"createdAt"`
}

// deviceInfo is the device part of the JS login bodies:
// {"platform","deviceId","appInfo":{…}} (client-protocol.md §3.2-§3.3).
type deviceInfo struct {
	platform  string
	deviceID  string
	userAgent string
	appInfo   json.RawMessage
}

// parseDeviceInfo reads the device fields leniently: wrong types are ignored
// (the real service's checks are unknown).
func parseDeviceInfo(body map[string]json.RawMessage) deviceInfo {
	var d deviceInfo
	_ = json.Unmarshal(body["platform"], &d.platform)
	_ = json.Unmarshal(body["deviceId"], &d.deviceID)
	_ = json.Unmarshal(body["userAgent"], &d.userAgent)
	var obj map[string]json.RawMessage
	if raw := body["appInfo"]; raw != nil && json.Unmarshal(raw, &obj) == nil && obj != nil {
		d.appInfo = raw
		if d.userAgent == "" {
			_ = json.Unmarshal(obj["userAgent"], &d.userAgent)
		}
	}
	return d
}

func (d deviceInfo) empty() bool {
	return d.platform == "" && d.deviceID == "" && d.userAgent == "" && d.appInfo == nil
}

// applyTo records the device on a token (the last device that used it).
func (d deviceInfo) applyTo(t *authTokenRecord) {
	if d.empty() {
		return
	}
	t.Platform, t.DeviceID, t.UserAgent, t.AppInfo = d.platform, d.deviceID, d.userAgent, d.appInfo
}

// adminCreateAuthToken: POST users/{uid}/auth_tokens. Accepts {"force":bool}
// and the JS SDK's device body. Without force it returns the user's newest
// token when there is one (server-api.md §3.3 emulator default).
func (s *Server) adminCreateAuthToken(r *http.Request, _ *adminCaller) (any, error) {
	uid := normID(r.PathValue("uid"))
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	force := false
	if raw, ok := body["force"]; ok {
		if force, ok = parseFlag(raw); !ok {
			return nil, errBadRequest(map[string][]string{"force": {"The force field must be true or false."}})
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.activeUser(uid); !ok {
		return nil, errUIDNotFound(uid)
	}
	t := s.issueTokenLocked(uid, force, parseDeviceInfo(body))
	return authTokenJSON{UID: t.UID, AuthToken: t.AuthToken, CreatedAt: t.CreatedAt}, nil
}

// issueTokenLocked returns the user's newest token (unless force or there is
// none) or a new one, recording dev on it. New tokens have the documented
// format {uid}_{10-digit ts}{32 hex}; beyond Config.MaxAuthTokensPerUser the
// oldest tokens are dropped and stop working. Caller holds s.mu and has
// checked that the user is active.
func (s *Server) issueTokenLocked(uid string, force bool, dev deviceInfo) *authTokenRecord {
	toks := s.st.AuthTokens[uid]
	if !force && len(toks) > 0 {
		dev.applyTo(toks[0])
		return toks[0]
	}
	now := s.now().Unix()
	t := &authTokenRecord{
		AuthToken: fmt.Sprintf("%s_%010d%s", uid, now, randomHex(16)),
		UID:       uid,
		CreatedAt: now,
	}
	dev.applyTo(t)
	toks = append([]*authTokenRecord{t}, toks...)
	var dropped []string
	if limit := s.cfg.MaxAuthTokensPerUser; len(toks) > limit {
		for _, old := range toks[limit:] {
			dropped = append(dropped, old.AuthToken)
			s.forgetTokenLocked(old.AuthToken)
		}
		toks = toks[:limit:limit]
	}
	s.st.AuthTokens[uid] = toks
	s.st.tokenOwner[t.AuthToken] = uid
	s.publish(Event{Kind: EventAuthTokenCreated, UID: uid, AuthTokens: []string{t.AuthToken}})
	if len(dropped) > 0 {
		s.publish(Event{Kind: EventAuthTokensDropped, UID: uid, AuthTokens: dropped})
	}
	return t
}

// forgetTokenLocked removes a token from the indexes and invalidates the JWTs
// issued for it. The caller removes it from AuthTokens. Caller holds s.mu.
func (s *Server) forgetTokenLocked(token string) {
	delete(s.st.tokenOwner, token)
	for jwt, rec := range s.st.JWTs {
		if rec.AuthToken == token {
			delete(s.st.JWTs, jwt)
		}
	}
}
