package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
)

// Users: POST users, GET/PUT users/{uid} on the server API, GET users/{uid}
// on the client API (server-api.md §3.2, client-protocol.md §5.1). The
// rendering helper renderUserLocked is shared by every resource that embeds
// a User.

// reservedUIDs cannot be created: app_system is the system actor
// (rules-and-limits.md §1).
var reservedUIDs = map[string]bool{"app_system": true}

// unsettableUserFields are the values PUT users/{uid} accepts in unset[]
// (rules-and-limits.md §2, "Update semantics").
var unsettableUserFields = []string{"avatar", "link", "metadata"}

func (s *Server) registerUserRoutes() {
	create := authOnlyAllowed
	if s.cfg.AuthKeyTokensOnly {
		create = fullAccessOnly
	}
	update := fullAccessOnly
	if s.cfg.AuthOnlyMayUpdateUsers {
		update = authOnlyAllowed
	}
	s.adminRoute("POST users", create, s.adminCreateUser)
	s.adminRoute("GET users/{uid}", fullAccessOnly, s.adminGetUser)
	s.adminRoute("PUT users/{uid}", update, s.adminUpdateUser)
	s.clientRoute("GET users/{uid}", s.clientGetUser)
}

// userJSON is the wire User (model.md §1). Optional fields are omitted,
// never null.
type userJSON struct {
	UID            string          `json:"uid"`
	Name           string          `json:"name"`
	Avatar         string          `json:"avatar,omitempty"`
	Link           string          `json:"link,omitempty"`
	Role           string          `json:"role"`
	Metadata       json.RawMessage `json:"metadata,omitempty"`
	Status         string          `json:"status"`
	StatusMessage  string          `json:"statusMessage,omitempty"`
	LastActiveAt   int64           `json:"lastActiveAt,omitempty"`
	Tags           []string        `json:"tags,omitempty"`
	CreatedAt      int64           `json:"createdAt"`
	UpdatedAt      int64           `json:"updatedAt,omitempty"`
	DeactivatedAt  int64           `json:"deactivatedAt,omitempty"`
	BlockedByMe    bool            `json:"blockedByMe,omitempty"`
	HasBlockedMe   bool            `json:"hasBlockedMe,omitempty"`
	BlockedByMeAt  int64           `json:"blockedByMeAt,omitempty"`
	BlockedAt      int64           `json:"blockedAt,omitempty"`
	ConversationID string          `json:"conversationId,omitempty"`
	AuthToken      string          `json:"authToken,omitempty"`
}

// renderUserLocked renders u; viewer (a uid, or "") adds the fields relative
// to that user: block flags and the 1:1 conversationId. Caller holds s.mu.
func (s *Server) renderUserLocked(u *userRecord, viewer string) userJSON {
	j := userJSON{
		UID: u.UID, Name: u.Name, Avatar: u.Avatar, Link: u.Link, Role: u.Role,
		Metadata: u.Metadata, StatusMessage: u.StatusMessage, LastActiveAt: u.LastActiveAt,
		Tags: slices.Clone(u.Tags), CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
		DeactivatedAt: u.DeactivatedAt, Status: "offline",
	}
	if s.st.isOnline(u.UID) {
		j.Status = "available"
	}
	if viewer != "" && viewer != u.UID {
		if at, ok := s.st.Blocks[viewer][u.UID]; ok {
			j.BlockedByMe, j.BlockedByMeAt = true, at
		}
		if at, ok := s.st.Blocks[u.UID][viewer]; ok {
			j.HasBlockedMe, j.BlockedAt = true, at
		}
		j.ConversationID = userConversationID(viewer, u.UID)
	}
	return j
}

// userConversationID is the 1:1 conversation id: both lower-cased uids in
// ascending byte order (model.md §8).
func userConversationID(a, b string) string {
	a, b = normID(a), normID(b)
	if b < a {
		a, b = b, a
	}
	return a + "_user_" + b
}

// userFields is a validated user body. Pointer fields are nil when absent.
type userFields struct {
	uid           string
	name          *string
	avatar        *string
	link          *string
	role          *string
	statusMessage *string
	metadata      json.RawMessage // nil when absent
	tags          []string        // nil when absent
	withAuthToken bool
	unset         []string
}

// parseUserFields validates a create (create=true: uid and name required) or
// update body against rules-and-limits.md §1-§2.
func parseUserFields(body map[string]json.RawMessage, create bool) (*userFields, error) {
	var v validator
	f := &userFields{}
	if create {
		f.uid = v.newID(body, "uid")
		if reservedUIDs[f.uid] {
			v.add("uid", "The uid "+f.uid+" is reserved.")
		}
	}
	f.name = v.name(body, create)
	f.avatar = v.optionalURL(body, "avatar")
	f.link = v.optionalURL(body, "link")
	if raw, ok := body["role"]; ok {
		if role, ok := v.str("role", raw); ok && (role == "" || v.id("role", role)) {
			role = normID(role)
			f.role = &role
		}
	}
	if raw, ok := body["statusMessage"]; ok {
		if msg, ok := v.str("statusMessage", raw); ok {
			f.statusMessage = &msg
		}
	}
	f.metadata, f.tags = v.metadataAndTags(body)
	if raw, ok := body["withAuthToken"]; ok && create {
		b, ok := parseFlag(raw)
		if !ok {
			v.add("withAuthToken", "The withAuthToken field must be true or false.")
		}
		f.withAuthToken = b
	}
	if raw, ok := body["unset"]; ok && !create {
		f.unset = v.unset(raw, unsettableUserFields)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return f, nil
}

// applyTo writes the present fields onto u (replace semantics: metadata
// and tags are replaced wholesale), then removes the unset ones.
func (f *userFields) applyTo(u *userRecord) {
	if f.name != nil {
		u.Name = *f.name
	}
	if f.avatar != nil {
		u.Avatar = *f.avatar
	}
	if f.link != nil {
		u.Link = *f.link
	}
	if f.role != nil {
		u.Role = *f.role
		if u.Role == "" {
			u.Role = defaultRole
		}
	}
	if f.statusMessage != nil {
		u.StatusMessage = *f.statusMessage
	}
	if f.metadata != nil {
		u.Metadata = f.metadata
	}
	if f.tags != nil {
		u.Tags = f.tags
	}
	for _, name := range f.unset {
		switch name {
		case "avatar":
			u.Avatar = ""
		case "link":
			u.Link = ""
		case "metadata":
			u.Metadata = nil
		}
	}
}

// createUserLocked stores a new user from validated fields. A uid that
// exists, even soft-deleted or deactivated, is ERR_UID_ALREADY_EXISTS.
// Caller holds s.mu.
func (s *Server) createUserLocked(f *userFields) (*userRecord, error) {
	if _, exists := s.st.Users[f.uid]; exists {
		return nil, errUIDAlreadyExists(f.uid)
	}
	u := &userRecord{UID: f.uid, Role: defaultRole, CreatedAt: s.now().Unix()}
	f.applyTo(u)
	s.st.Users[u.UID] = u
	s.publish(Event{Kind: EventUserCreated, UID: u.UID})
	return u, nil
}

// updateUserLocked applies validated fields to an active user.
// Caller holds s.mu.
func (s *Server) updateUserLocked(uid string, f *userFields, session string) (*userRecord, error) {
	u, ok := s.st.activeUser(uid)
	if !ok {
		return nil, errUIDNotFound(uid)
	}
	f.applyTo(u)
	u.UpdatedAt = s.now().Unix()
	s.publish(Event{Kind: EventUserUpdated, UID: u.UID, Session: session})
	return u, nil
}

// adminCreateUser: POST users. withAuthToken:true adds a fresh authToken.
func (s *Server) adminCreateUser(r *http.Request, _ *adminCaller) (any, error) {
	body, err := readObject(r, maxUserBody)
	if err != nil {
		return nil, err
	}
	f, err := parseUserFields(body, true)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.createUserLocked(f)
	if err != nil {
		return nil, err
	}
	j := s.renderUserLocked(u, "")
	if f.withAuthToken {
		j.AuthToken = s.issueTokenLocked(u.UID, true, deviceInfo{}).AuthToken
	}
	return j, nil
}

// adminGetUser: GET users/{uid}; with onBehalfOf the block flags are relative
// to that user.
func (s *Server) adminGetUser(r *http.Request, a *adminCaller) (any, error) {
	uid := normID(r.PathValue("uid"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.onBehalfOf != "" {
		if _, ok := s.st.activeUser(a.onBehalfOf); !ok {
			return nil, errUIDNotFound(a.onBehalfOf)
		}
	}
	u, ok := s.st.activeUser(uid)
	if !ok {
		return nil, errUIDNotFound(uid)
	}
	return s.renderUserLocked(u, a.onBehalfOf), nil
}

// adminUpdateUser: PUT users/{uid}.
func (s *Server) adminUpdateUser(r *http.Request, _ *adminCaller) (any, error) {
	uid := normID(r.PathValue("uid"))
	body, err := readObject(r, maxUserBody)
	if err != nil {
		return nil, err
	}
	f, err := parseUserFields(body, false)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.updateUserLocked(uid, f, "")
	if err != nil {
		return nil, err
	}
	return s.renderUserLocked(u, ""), nil
}

// clientGetUser: GET users/{uid} as the logged-in user. Unknown, deleted and
// deactivated users are ERR_UID_NOT_FOUND.
func (s *Server) clientGetUser(r *http.Request, c *clientCaller) (any, error) {
	uid := normID(r.PathValue("uid"))
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.st.activeUser(uid)
	if !ok {
		return nil, errUIDNotFound(uid)
	}
	return s.renderUserLocked(u, c.uid), nil
}
