package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// Server API, roles and restricted features (server-api.md §3.4).

// maxRoles is the per-app role limit (rules-and-limits.md §4), default role
// included.
const maxRoles = 25

// unsettableRoleFields are the values PUT roles/{role} accepts in unset[].
var unsettableRoleFields = []string{"settings", "description", "metadata"}

func (s *Server) registerServerRoleRoutes() {
	s.adminRoute("POST roles", fullAccessOnly, s.adminCreateRole)
	s.adminRoute("GET roles", fullAccessOnly, s.adminListRoles)
	s.adminRoute("GET roles/{role}", fullAccessOnly, s.adminGetRole)
	s.adminRoute("PUT roles/{role}", fullAccessOnly, s.adminUpdateRole)
	s.adminRoute("DELETE roles/{role}", fullAccessOnly, s.adminDeleteRole)
	s.adminRoute("POST roles/{role}/restrictedfeatures", fullAccessOnly, s.adminRestrictFeatures)
	s.adminRoute("GET roles/{role}/restrictedfeatures", fullAccessOnly, s.adminListRestrictedFeatures)
	s.adminRoute("DELETE roles/{role}/restrictedfeatures", fullAccessOnly, s.adminAllowFeatures)
}

// roleJSON is the wire Role (model.md §12).
type roleJSON struct {
	Role        string          `json:"role"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
	Settings    roleSettings    `json:"settings"`
	CreatedAt   int64           `json:"createdAt"`
	UpdatedAt   int64           `json:"updatedAt,omitempty"`
}

func renderRole(r *roleRecord) roleJSON {
	return roleJSON{Role: r.Role, Name: r.Name, Description: r.Description, Metadata: r.Metadata,
		Settings: r.Settings, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func errRoleNotFound(role string) *Error {
	return newError("ERR_ROLE_NOT_FOUND", "The role %s does not exist.", role)
}

// roleFields is a validated role body; nil pointers are absent fields.
type roleFields struct {
	role        string
	name        *string
	description *string
	metadata    json.RawMessage
	settings    *roleSettings
	unset       []string
}

func parseRoleFields(body map[string]json.RawMessage, create bool) (*roleFields, error) {
	var v validator
	f := &roleFields{}
	if create {
		f.role = v.newID(body, "role")
	}
	f.name = v.name(body, create)
	if raw, ok := body["description"]; ok {
		if d, ok := v.str("description", raw); ok {
			f.description = &d
		}
	}
	if raw, ok := body["metadata"]; ok {
		var obj map[string]json.RawMessage
		if isNull(raw) || json.Unmarshal(raw, &obj) != nil {
			v.add("metadata", "The metadata must be an object.") // role metadata is unlimited
		} else {
			f.metadata = raw
		}
	}
	if raw, ok := body["settings"]; ok {
		var st map[string]json.RawMessage
		if isNull(raw) || json.Unmarshal(raw, &st) != nil {
			v.add("settings", "The settings must be an object.")
		} else {
			rs := roleSettings{ListUsers: "all", SendMessagesTo: "all"}
			for key, dst := range map[string]*string{"listUsers": &rs.ListUsers, "sendMessagesTo": &rs.SendMessagesTo} {
				if raw, ok := st[key]; ok {
					if val, ok := v.str("settings."+key, raw); ok {
						if val != "all" && val != "friendsOnly" {
							v.add("settings."+key, "The selected settings."+key+" is invalid.")
						}
						*dst = val
					}
				}
			}
			f.settings = &rs
		}
	}
	if raw, ok := body["unset"]; ok && !create {
		f.unset = v.unset(raw, unsettableRoleFields)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *roleFields) applyTo(r *roleRecord) {
	if f.name != nil {
		r.Name = *f.name
	}
	if f.description != nil {
		r.Description = *f.description
	}
	if f.metadata != nil {
		r.Metadata = f.metadata
	}
	if f.settings != nil {
		r.Settings = *f.settings
	}
	for _, name := range f.unset {
		switch name {
		case "settings":
			r.Settings = roleSettings{ListUsers: "all", SendMessagesTo: "all"}
		case "description":
			r.Description = ""
		case "metadata":
			r.Metadata = nil
		}
	}
}

// adminCreateRole: POST roles.
func (s *Server) adminCreateRole(r *http.Request, _ *adminCaller) (any, error) {
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	f, err := parseRoleFields(body, true)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.Roles[f.role]; ok {
		return nil, newError("ERR_ROLE_ALREADY_EXISTS", "The role %s already exists.", f.role)
	}
	if len(s.st.Roles) >= maxRoles {
		return nil, newError("ERR_PLAN_QUOTA_RESTRICTION", "An app can have at most %d roles.", maxRoles)
	}
	rec := &roleRecord{Role: f.role, Settings: roleSettings{ListUsers: "all", SendMessagesTo: "all"},
		CreatedAt: s.now().Unix()}
	f.applyTo(rec)
	s.st.Roles[rec.Role] = rec
	return renderRole(rec), nil
}

// adminListRoles: GET roles, ordered by creation then id.
func (s *Server) adminListRoles(r *http.Request, _ *adminCaller) (any, error) {
	p, err := parseSAPaging(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	recs := make([]*roleRecord, 0, len(s.st.Roles))
	for _, rec := range s.st.Roles {
		recs = append(recs, rec)
	}
	slices.SortFunc(recs, func(a, b *roleRecord) int {
		if a.CreatedAt != b.CreatedAt {
			return int(a.CreatedAt - b.CreatedAt)
		}
		return strings.Compare(a.Role, b.Role)
	})
	list := make([]roleJSON, len(recs))
	for i, rec := range recs {
		list[i] = renderRole(rec)
	}
	data, meta := saPageOf(list, p)
	return &page{Data: data, Meta: meta}, nil
}

// adminGetRole: GET roles/{role}.
func (s *Server) adminGetRole(r *http.Request, _ *adminCaller) (any, error) {
	role := normID(r.PathValue("role"))
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.st.Roles[role]
	if !ok {
		return nil, errRoleNotFound(role)
	}
	return renderRole(rec), nil
}

// adminUpdateRole: PUT roles/{role}.
func (s *Server) adminUpdateRole(r *http.Request, _ *adminCaller) (any, error) {
	role := normID(r.PathValue("role"))
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	f, err := parseRoleFields(body, false)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.st.Roles[role]
	if !ok {
		return nil, errRoleNotFound(role)
	}
	f.applyTo(rec)
	rec.UpdatedAt = s.now().Unix()
	return renderRole(rec), nil
}

// adminDeleteRole: DELETE roles/{role}. The default role cannot be deleted;
// users of a deleted role fall back to the default role.
func (s *Server) adminDeleteRole(r *http.Request, _ *adminCaller) (any, error) {
	role := normID(r.PathValue("role"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if role == defaultRole {
		return nil, newError("ERR_ROLE_DELETE_DENIED", "The default role cannot be deleted.")
	}
	if _, ok := s.st.Roles[role]; !ok {
		return nil, errRoleNotFound(role)
	}
	delete(s.st.Roles, role)
	delete(s.st.RestrictedFeatures, role)
	for _, u := range s.st.Users {
		if u.Role == role {
			u.Role = defaultRole
		}
	}
	return okAck("The role " + role + " has been deleted successfully."), nil
}

// readStringList reads an array of strings from body[key].
func readStringList(body map[string]json.RawMessage, key string, required bool) ([]string, error) {
	raw, ok := body[key]
	if !ok && !required {
		return nil, nil
	}
	var list []string
	if !ok || isNull(raw) || json.Unmarshal(raw, &list) != nil || (required && len(list) == 0) {
		return nil, errBadRequest(map[string][]string{key: {"The " + key + " field is required and must be an array of strings."}})
	}
	return list, nil
}

// adminRestrictFeatures: POST roles/{role}/restrictedfeatures
// {featuresToRestrict[]} → {key: {success, message}}.
func (s *Server) adminRestrictFeatures(r *http.Request, _ *adminCaller) (any, error) {
	role := normID(r.PathValue("role"))
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	keys, err := readStringList(body, "featuresToRestrict", true)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.Roles[role]; !ok {
		return nil, errRoleNotFound(role)
	}
	if s.st.RestrictedFeatures == nil {
		s.st.RestrictedFeatures = map[string]map[string]int64{}
	}
	m := innerMap(s.st.RestrictedFeatures, role)
	out := map[string]any{}
	now := s.now().Unix()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			m[k] = now
		}
		out[k] = okAck("The feature " + k + " has been restricted for the role " + role + ".")
	}
	return out, nil
}

// restrictedFeatureJSON is a list item of GET roles/{role}/restrictedfeatures.
type restrictedFeatureJSON struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Key         string `json:"key"`
	Path        string `json:"path"`
	CreatedAt   int64  `json:"createdAt"`
}

// adminListRestrictedFeatures: GET roles/{role}/restrictedfeatures, by key.
func (s *Server) adminListRestrictedFeatures(r *http.Request, _ *adminCaller) (any, error) {
	role := normID(r.PathValue("role"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.Roles[role]; !ok {
		return nil, errRoleNotFound(role)
	}
	m := s.st.RestrictedFeatures[role]
	list := []restrictedFeatureJSON{}
	for _, k := range sortedKeys(m) {
		_, name, _ := strings.Cut(k, ".")
		list = append(list, restrictedFeatureJSON{Title: name, Description: "Restricts " + k + ".", Key: k,
			Path: strings.ReplaceAll(k, ".", "/"), CreatedAt: m[k]})
	}
	return list, nil
}

// adminAllowFeatures: DELETE roles/{role}/restrictedfeatures
// {featuresToAllow[]} or {allowAll:true}.
func (s *Server) adminAllowFeatures(r *http.Request, _ *adminCaller) (any, error) {
	role := normID(r.PathValue("role"))
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	all := false
	if raw, ok := body["allowAll"]; ok {
		all, _ = parseFlag(raw)
	}
	keys, err := readStringList(body, "featuresToAllow", !all)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.Roles[role]; !ok {
		return nil, errRoleNotFound(role)
	}
	if all {
		delete(s.st.RestrictedFeatures, role)
	} else {
		for _, k := range keys {
			delete(s.st.RestrictedFeatures[role], k)
		}
	}
	return okAck("The features have been allowed for the role " + role + "."), nil
}
