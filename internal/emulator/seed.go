package emulator

import (
	"encoding/json"
	"errors"
)

// Seeding helpers for tests and the cmd: the same validation and state
// changes as the REST endpoints, without HTTP.

// UserSpec describes a user to create with [Server.AddUser]. Empty optional
// fields are left unset.
type UserSpec struct {
	UID           string
	Name          string
	Avatar        string
	Link          string
	Role          string
	StatusMessage string
	Metadata      map[string]any
	Tags          []string
}

// CreateUser creates a user with just a uid and a name, as POST users would
// (the uid is lower-cased). It returns an *Error (ERR_BAD_REQUEST,
// ERR_UID_ALREADY_EXISTS) on failure.
func (s *Server) CreateUser(uid, name string) error {
	return s.AddUser(UserSpec{UID: uid, Name: name})
}

// AddUser creates a user from spec with the validation of POST users.
func (s *Server) AddUser(spec UserSpec) error {
	body := map[string]any{"uid": spec.UID, "name": spec.Name}
	for k, v := range map[string]string{
		"avatar": spec.Avatar, "link": spec.Link, "role": spec.Role, "statusMessage": spec.StatusMessage,
	} {
		if v != "" {
			body[k] = v
		}
	}
	if spec.Metadata != nil {
		body["metadata"] = spec.Metadata
	}
	if spec.Tags != nil {
		body["tags"] = spec.Tags
	}
	raw, err := toRawObject(body)
	if err != nil {
		return err
	}
	f, err := parseUserFields(raw, true)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err = s.createUserLocked(f)
	return err
}

// IssueAuthToken issues a new auth token for an active user, as
// POST users/{uid}/auth_tokens with {"force":true} would. Unknown,
// deactivated or deleted users give ERR_UID_NOT_FOUND.
func (s *Server) IssueAuthToken(uid string) (string, error) {
	uid = normID(uid)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.activeUser(uid); !ok {
		return "", errUIDNotFound(uid)
	}
	return s.issueTokenLocked(uid, true, deviceInfo{}).AuthToken, nil
}

// SampleUsers returns the five users of CometChat's sample apps
// (cometchat-uid-1 … cometchat-uid-5), seeded by [Server.SeedSampleUsers].
func SampleUsers() []UserSpec {
	return []UserSpec{
		{UID: "cometchat-uid-1", Name: "Andrew Joseph"},
		{UID: "cometchat-uid-2", Name: "George Alan"},
		{UID: "cometchat-uid-3", Name: "Nancy Grace"},
		{UID: "cometchat-uid-4", Name: "Susan Marie"},
		{UID: "cometchat-uid-5", Name: "John Paul"},
	}
}

// SeedSampleUsers creates the users of [SampleUsers], skipping those that
// already exist.
func (s *Server) SeedSampleUsers() error {
	for _, u := range SampleUsers() {
		if err := s.AddUser(u); err != nil {
			if e := (*Error)(nil); errors.As(err, &e) && e.Code == "ERR_UID_ALREADY_EXISTS" {
				continue
			}
			return err
		}
	}
	return nil
}

// toRawObject turns a Go map into the raw form request bodies are parsed in.
func toRawObject(m map[string]any) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	err = json.Unmarshal(b, &raw)
	return raw, err
}
