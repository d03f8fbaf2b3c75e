package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// Server API, API keys (server-api.md §3.1, §1.3; rules-and-limits.md §1, §2, §4).
//
// Only a fullAccess key may manage keys. A new key is 40 random hex
// characters and authenticates the very next request (authAdmin reads
// state.APIKeys). Rules:
//
//   - name: required, ≤ 100 characters; scope: authOnly (default) or fullAccess;
//   - at most 25 keys per app (ERR_PLAN_QUOTA_RESTRICTION);
//   - the key a request authenticates with cannot update or delete itself
//     (ERR_APIKEY_NO_SELF_ACTION);
//   - the app always keeps a fullAccess key: deleting it, or demoting it to
//     authOnly, is ERR_ACTION_NOT_ALLOWED [spec decision: the code is not
//     documented]. Through the API this only happens when the caller's own key
//     was deleted by a concurrent request, since the caller is fullAccess;
//   - an unknown key in the path is ERR_APIKEY_NOT_FOUND.
//
// Deleting the key Config.RESTAPIKey or Config.AuthKey names works like any
// other; Server.RESTAPIKey / AuthKey then return a key the emulator refuses
// (AUTH_ERR_APIKEY_NOT_FOUND). Keys in paths are redacted from the request
// feed and the logs (redactRequestPath).

// maxAPIKeys is the per-app API-key limit, the configured keys included.
const maxAPIKeys = 25

func (s *Server) registerServerAPIKeyRoutes() {
	s.adminRoute("POST apikeys", fullAccessOnly, s.adminCreateAPIKey)
	s.adminRoute("GET apikeys", fullAccessOnly, s.adminListAPIKeys)
	s.adminRoute("GET apikeys/{apiKey}", fullAccessOnly, s.adminGetAPIKey)
	s.adminRoute("PUT apikeys/{apiKey}", fullAccessOnly, s.adminUpdateAPIKey)
	s.adminRoute("DELETE apikeys/{apiKey}", fullAccessOnly, s.adminDeleteAPIKey)
}

// apiKeyJSON is the wire API key (model.md §12).
type apiKeyJSON struct {
	APIKey    string `json:"apiKey"`
	Name      string `json:"name"`
	Scope     string `json:"scope"`
	CreatedAt int64  `json:"createdAt"`
}

func renderAPIKey(k *apiKeyRecord) apiKeyJSON {
	return apiKeyJSON{APIKey: k.APIKey, Name: k.Name, Scope: k.Scope, CreatedAt: k.CreatedAt}
}

func errAPIKeyNotFound(key string) *Error {
	return newError("ERR_APIKEY_NOT_FOUND", "The API key %s does not exist.", redact(key))
}

// apiKeyFields is a validated POST / PUT body; nil pointers are absent fields.
type apiKeyFields struct {
	name  *string
	scope *string
}

// parseAPIKeyFields validates name (required on create) and scope.
func parseAPIKeyFields(body map[string]json.RawMessage, create bool) (*apiKeyFields, error) {
	var v validator
	f := &apiKeyFields{}
	f.name = v.name(body, create)
	if raw, ok := body["scope"]; ok {
		if sc, ok := v.str("scope", raw); ok {
			if sc != scopeAuthOnly && sc != scopeFullAccess {
				v.add("scope", "The selected scope is invalid. It must be authOnly or fullAccess.")
			} else {
				f.scope = &sc
			}
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return f, nil
}

// adminCreateAPIKey: POST apikeys.
func (s *Server) adminCreateAPIKey(r *http.Request, _ *adminCaller) (any, error) {
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	f, err := parseAPIKeyFields(body, true)
	if err != nil {
		return nil, err
	}
	scope := scopeAuthOnly
	if f.scope != nil {
		scope = *f.scope
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.st.APIKeys) >= maxAPIKeys {
		return nil, newError("ERR_PLAN_QUOTA_RESTRICTION", "An app can have at most %d API keys.", maxAPIKeys)
	}
	key := randomHex(20)
	for s.st.APIKeys[key] != nil { // 160 random bits: never in practice
		key = randomHex(20)
	}
	var seq int64
	for _, k := range s.st.APIKeys {
		seq = max(seq, k.Seq)
	}
	rec := &apiKeyRecord{APIKey: key, Name: *f.name, Scope: scope, CreatedAt: s.now().Unix(), Seq: seq + 1}
	s.st.APIKeys[key] = rec
	return renderAPIKey(rec), nil
}

// adminListAPIKeys: GET apikeys, in creation order; scope filters by scope and
// searchKey matches a part of the name (case-insensitively).
func (s *Server) adminListAPIKeys(r *http.Request, _ *adminCaller) (any, error) {
	p, err := parseSAPaging(r)
	if err != nil {
		return nil, err
	}
	scope := r.URL.Query().Get("scope")
	if scope != "" && scope != scopeAuthOnly && scope != scopeFullAccess {
		return nil, errBadRequest(map[string][]string{"scope": {"The selected scope is invalid. It must be authOnly or fullAccess."}})
	}
	search := strings.ToLower(r.URL.Query().Get("searchKey"))
	s.mu.Lock()
	defer s.mu.Unlock()
	recs := make([]*apiKeyRecord, 0, len(s.st.APIKeys))
	for _, k := range s.st.APIKeys {
		if (scope == "" || k.Scope == scope) && strings.Contains(strings.ToLower(k.Name), search) {
			recs = append(recs, k)
		}
	}
	slices.SortFunc(recs, func(a, b *apiKeyRecord) int {
		if a.CreatedAt != b.CreatedAt {
			return sign(a.CreatedAt - b.CreatedAt)
		}
		if a.Seq != b.Seq {
			return sign(a.Seq - b.Seq)
		}
		return strings.Compare(a.APIKey, b.APIKey)
	})
	list := make([]apiKeyJSON, len(recs))
	for i, k := range recs {
		list[i] = renderAPIKey(k)
	}
	data, meta := saPageOf(list, p)
	return &page{Data: data, Meta: meta}, nil
}

// adminGetAPIKey: GET apikeys/{apiKey}.
func (s *Server) adminGetAPIKey(r *http.Request, _ *adminCaller) (any, error) {
	key := r.PathValue("apiKey")
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.st.APIKeys[key]
	if !ok {
		return nil, errAPIKeyNotFound(key)
	}
	return renderAPIKey(k), nil
}

// adminUpdateAPIKey: PUT apikeys/{apiKey} with name and / or scope.
func (s *Server) adminUpdateAPIKey(r *http.Request, a *adminCaller) (any, error) {
	key := r.PathValue("apiKey")
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	f, err := parseAPIKeyFields(body, false)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.otherAPIKeyLocked(key, a.key)
	if err != nil {
		return nil, err
	}
	if f.scope != nil && *f.scope != scopeFullAccess && s.lastFullAccessLocked(k) {
		return nil, errLastFullAccessKey()
	}
	if f.name != nil {
		k.Name = *f.name
	}
	if f.scope != nil {
		k.Scope = *f.scope
	}
	return renderAPIKey(k), nil
}

// otherAPIKeyLocked returns the key to change or delete, which must exist
// and not be the caller's own key. Caller holds s.mu.
func (s *Server) otherAPIKeyLocked(key, callerKey string) (*apiKeyRecord, error) {
	k, ok := s.st.APIKeys[key]
	if !ok {
		return nil, errAPIKeyNotFound(key)
	}
	if key == callerKey {
		return nil, errAPIKeyNoSelfAction()
	}
	return k, nil
}

// adminDeleteAPIKey: DELETE apikeys/{apiKey}. The key stops working at once.
func (s *Server) adminDeleteAPIKey(r *http.Request, a *adminCaller) (any, error) {
	key := r.PathValue("apiKey")
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.otherAPIKeyLocked(key, a.key)
	if err != nil {
		return nil, err
	}
	if s.lastFullAccessLocked(k) {
		return nil, errLastFullAccessKey()
	}
	delete(s.st.APIKeys, key)
	return okAck("The API key " + redact(key) + " has been deleted successfully."), nil
}

// lastFullAccessLocked reports whether k is the app's only fullAccess key.
func (s *Server) lastFullAccessLocked(k *apiKeyRecord) bool {
	if k.Scope != scopeFullAccess {
		return false
	}
	for _, other := range s.st.APIKeys {
		if other != k && other.Scope == scopeFullAccess {
			return false
		}
	}
	return true
}

func errAPIKeyNoSelfAction() *Error {
	return newError("ERR_APIKEY_NO_SELF_ACTION",
		"An API key cannot update or delete itself. Please use another fullAccess API key.")
}

func errLastFullAccessKey() *Error {
	return newError("ERR_ACTION_NOT_ALLOWED",
		"The last fullAccess API key of the app cannot be deleted or demoted to authOnly.")
}

// redactRequestPath hides the API key of an apikeys/{apiKey} path and the auth
// token of a users/{uid}/auth_tokens/{authToken} path, for the request feed, the
// dashboard and the logs, which never show credentials.
func redactRequestPath(path string) string {
	segs := strings.Split(path, "/")
	for i := 1; i < len(segs); i++ {
		switch segs[i-1] {
		case "apikeys", "auth_tokens": // the next segment is an API key or an auth token
			if segs[i] != "" {
				segs[i] = redact(segs[i])
			}
		}
	}
	return strings.Join(segs, "/")
}
