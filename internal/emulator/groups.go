package emulator

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// Groups on the client API: POST/GET groups, GET/PUT/DELETE groups/{guid},
// PATCH groups/{guid}/owner (client-protocol.md §5.2, rules-and-limits.md
// §5-§6). Members, joining and the action messages are in members.go, bans in
// bans.go, the scope matrix in permissions.go.
//
// Helpers other resources use (stable names): st.activeGroup, st.isMember,
// st.memberScope, st.memberUIDs, s.renderGroupLocked,
// s.permittedGroupLocked, groupConversationID.

// Group types (rules-and-limits.md §2.1).
const (
	groupPublic   = "public"
	groupPassword = "password"
	groupPrivate  = "private"
)

var validGroupTypes = map[string]bool{groupPublic: true, groupPassword: true, groupPrivate: true}

// Group limits (rules-and-limits.md §2, §4, §7).
const (
	maxDescriptionLen = 255
	maxPasswordLen    = 100
	maxGroupsPerUser  = 2000
	maxGroupMembers   = 100000
	maxMembersPerAdd  = 25
	maxGroupBody      = 10 * 1024
)

// Event kinds of groups and members. Each member event carries the action
// message as its Frame.
const (
	EventGroupCreated            EventKind = "group_created"
	EventGroupUpdated            EventKind = "group_updated"
	EventGroupDeleted            EventKind = "group_deleted"
	EventGroupOwnerTransferred   EventKind = "group_owner_transferred"
	EventGroupMemberJoined       EventKind = "group_member_joined"
	EventGroupMemberLeft         EventKind = "group_member_left"
	EventGroupMemberAdded        EventKind = "group_member_added"
	EventGroupMemberKicked       EventKind = "group_member_kicked"
	EventGroupMemberBanned       EventKind = "group_member_banned"
	EventGroupMemberUnbanned     EventKind = "group_member_unbanned"
	EventGroupMemberScopeChanged EventKind = "group_member_scope_changed"
)

func (s *Server) registerGroupRoutes() {
	s.clientRoute("POST groups", s.clientCreateGroup)
	s.clientRoute("GET groups", s.clientListGroups)
	s.clientRoute("GET groups/{guid}", s.clientGetGroup)
	s.clientRoute("PUT groups/{guid}", s.clientUpdateGroup)
	s.clientRoute("DELETE groups/{guid}", s.clientDeleteGroup)
	s.clientRoute("PATCH groups/{guid}/owner", s.clientTransferOwnership)
}

// groupJSON is the wire Group (model.md §3). The password is never
// rendered; hasJoined, joinedAt, scope and isBanned are relative to the
// viewer.
type groupJSON struct {
	GUID           string          `json:"guid"`
	Name           string          `json:"name"`
	Type           string          `json:"type"`
	Icon           string          `json:"icon,omitempty"`
	Description    string          `json:"description,omitempty"`
	Owner          string          `json:"owner"`
	Metadata       json.RawMessage `json:"metadata,omitempty"`
	Tags           []string        `json:"tags,omitempty"`
	MembersCount   int             `json:"membersCount"`
	CreatedAt      int64           `json:"createdAt"`
	UpdatedAt      int64           `json:"updatedAt,omitempty"`
	UpdatedBy      string          `json:"updatedBy,omitempty"`
	ConversationID string          `json:"conversationId"`
	HasJoined      bool            `json:"hasJoined"`
	JoinedAt       int64           `json:"joinedAt,omitempty"`
	Scope          string          `json:"scope,omitempty"`
	IsBanned       bool            `json:"isBanned,omitempty"`
}

// renderGroupLocked renders g as viewer sees it; viewer "" leaves out the
// relative keys (hasJoined is then false). Caller holds s.mu.
func (s *Server) renderGroupLocked(g *groupRecord, viewer string) groupJSON {
	j := groupJSON{
		GUID: g.GUID, Name: g.Name, Type: g.Type, Icon: g.Icon, Description: g.Description, Owner: g.Owner,
		Metadata: g.Metadata, Tags: slices.Clone(g.Tags), MembersCount: len(s.st.Members[g.GUID]),
		CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt, UpdatedBy: g.UpdatedBy,
		ConversationID: groupConversationID(g.GUID),
	}
	if viewer == "" {
		return j
	}
	if m, ok := s.st.Members[g.GUID][viewer]; ok {
		j.HasJoined, j.JoinedAt, j.Scope = true, m.JoinedAt, m.Scope
	}
	if _, ok := s.st.Bans[g.GUID][viewer]; ok {
		j.IsBanned = true
	}
	return j
}

// activeGroup returns the group with this guid unless it is unknown or
// deleted.
func (st *state) activeGroup(guid string) (*groupRecord, bool) {
	g, ok := st.Groups[normID(guid)]
	if !ok || g.DeletedAt != 0 {
		return nil, false
	}
	return g, true
}

// isMember reports whether uid is a member of guid.
func (st *state) isMember(guid, uid string) bool {
	_, ok := st.Members[normID(guid)][normID(uid)]
	return ok
}

// memberScope returns uid's scope in guid, and whether it is a member.
func (st *state) memberScope(guid, uid string) (string, bool) {
	m, ok := st.Members[normID(guid)][normID(uid)]
	if !ok {
		return "", false
	}
	return m.Scope, true
}

// memberUIDs returns the uids of guid's members in ascending order.
func (st *state) memberUIDs(guid string) []string { return sortedKeys(st.Members[normID(guid)]) }

// groupsJoinedLocked counts the groups uid is a member of. Caller holds s.mu.
func (s *Server) groupsJoinedLocked(uid string) int {
	n := 0
	for _, members := range s.st.Members {
		if _, ok := members[uid]; ok {
			n++
		}
	}
	return n
}

// visibleGroupLocked returns a group the caller may see: unknown or deleted
// → ERR_GUID_NOT_FOUND; private and the caller not a member →
// ERR_GROUP_NOT_JOINED (rules-and-limits.md §5). Caller holds s.mu.
func (s *Server) visibleGroupLocked(guid, uid string) (*groupRecord, error) {
	g, ok := s.st.activeGroup(guid)
	if !ok {
		return nil, errGUIDNotFound(normID(guid))
	}
	if g.Type == groupPrivate && uid != systemUID && !s.st.isMember(g.GUID, uid) {
		return nil, errGroupNotJoined(g.GUID)
	}
	return g, nil
}

// permittedGroupLocked returns the group guid as visibleGroupLocked does,
// once the matrix allows actor to do act in it, to target ("" for actions
// without one; permissions.go). Caller holds s.mu.
func (s *Server) permittedGroupLocked(guid, actor string, act groupAct, target string) (*groupRecord, error) {
	g, err := s.visibleGroupLocked(guid, actor)
	if err != nil {
		return nil, err
	}
	if err := s.checkPermissionLocked(g, actor, act, target); err != nil {
		return nil, err
	}
	return g, nil
}

// checkGroupQuotaLocked refuses one more group to a user who has joined
// the most a user may. Caller holds s.mu.
func (s *Server) checkGroupQuotaLocked(uid string) error {
	if s.groupsJoinedLocked(uid) >= maxGroupsPerUser {
		return newError("ERR_PLAN_QUOTA_RESTRICTION", "The user %s has reached the limit of %d groups.", uid, maxGroupsPerUser)
	}
	return nil
}

// checkNewGUIDLocked refuses a guid that is taken. Caller holds s.mu.
func (s *Server) checkNewGUIDLocked(guid string) error {
	if _, exists := s.st.Groups[guid]; exists {
		return newError("ERR_GUID_ALREADY_EXISTS", "The group with GUID %s already exists. Please use another GUID.", guid)
	}
	return nil
}

// groupFields is a validated group body. Pointer fields are nil when absent.
type groupFields struct {
	guid        string
	name        *string
	typ         *string
	password    *string
	icon        *string
	description *string
	metadata    json.RawMessage
	tags        []string
	unset       []string
}

// unsettableGroupFields are the values unset[] accepts (rules-and-limits.md §2).
var unsettableGroupFields = []string{"icon", "description", "metadata"}

// parseGroupFields validates a create (guid and name required, type
// defaulting to public) or update body. The client-side defaults the JS SDK
// sends (hasJoined, membersCount, isBanned, scope, owner, …) are ignored.
func parseGroupFields(body map[string]json.RawMessage, create bool) (*groupFields, error) {
	var v validator
	f := &groupFields{}
	if create {
		f.guid = v.newID(body, "guid")
	}
	f.name = v.name(body, create)
	if raw, ok := body["type"]; ok {
		if t, ok := v.str("type", raw); ok {
			t = strings.ToLower(t)
			if !validGroupTypes[t] {
				v.add("type", "The selected type is invalid.")
			} else {
				f.typ = &t
			}
		}
	} else if create {
		t := groupPublic // optional, default public (server-api.md §3.7)
		f.typ = &t
	}
	if raw, ok := body["password"]; ok {
		if p, ok := v.str("password", raw); ok && v.maxRunes("password", p, maxPasswordLen) {
			f.password = &p
		}
	}
	f.icon = v.optionalURL(body, "icon")
	if raw, ok := body["description"]; ok {
		if s, ok := v.str("description", raw); ok && v.maxRunes("description", s, maxDescriptionLen) {
			f.description = &s
		}
	}
	f.metadata, f.tags = v.metadataAndTags(body)
	if raw, ok := body["unset"]; ok && !create {
		f.unset = v.unset(raw, unsettableGroupFields)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return f, nil
}

// checkPassword enforces ERR_EMPTY_GROUP_PASS for a group that is (or
// becomes) a password group without a password.
func (f *groupFields) checkPassword(current *groupRecord) error {
	typ, pass := "", ""
	if current != nil {
		typ, pass = current.Type, current.Password
	}
	if f.typ != nil {
		typ = *f.typ
	}
	if f.password != nil {
		pass = *f.password
	}
	if typ == groupPassword && pass == "" {
		return newError("ERR_EMPTY_GROUP_PASS", "A password is required for a password-protected group.")
	}
	return nil
}

// applyTo writes the present fields onto g, then removes the unset ones.
func (f *groupFields) applyTo(g *groupRecord) {
	if f.name != nil {
		g.Name = *f.name
	}
	if f.typ != nil {
		g.Type = *f.typ
	}
	if f.password != nil {
		g.Password = *f.password
	}
	if g.Type != groupPassword {
		g.Password = "" // only password groups keep one
	}
	if f.icon != nil {
		g.Icon = *f.icon
	}
	if f.description != nil {
		g.Description = *f.description
	}
	if f.metadata != nil {
		g.Metadata = f.metadata
	}
	if f.tags != nil {
		g.Tags = f.tags
	}
	for _, name := range f.unset {
		switch name {
		case "icon":
			g.Icon = ""
		case "description":
			g.Description = ""
		case "metadata":
			g.Metadata = nil
		}
	}
}

// groupWebhookJSON is the webhook data of group events (server-api.md §6.6).
type groupWebhookJSON struct {
	Group groupHookJSON `json:"group"`
	By    any           `json:"by,omitempty"`
}

// groupHookJSON is the group of a group webhook: the viewer-less group plus
// onlineMembersCount, and oldOwner for group_owner_transferred.
type groupHookJSON struct {
	groupJSON
	OnlineMembersCount int    `json:"onlineMembersCount"`
	OldOwner           string `json:"oldOwner,omitempty"`
}

// groupWebhookLocked renders the webhook data of a group event by the user
// by ("" for none). Caller holds s.mu.
func (s *Server) groupWebhookLocked(g *groupRecord, by string) *groupWebhookJSON {
	d := &groupWebhookJSON{Group: groupHookJSON{groupJSON: s.renderGroupLocked(g, "")}}
	for uid := range s.st.Members[g.GUID] {
		if s.st.isOnline(uid) {
			d.Group.OnlineMembersCount++
		}
	}
	if by != "" {
		d.By = s.userEntityLocked(by, "")
	}
	return d
}

// readGroupCreate reads and validates a group create body (the password
// rule included) for the client and server APIs.
func readGroupCreate(r *http.Request) (map[string]json.RawMessage, *groupFields, error) {
	body, err := readObject(r, maxGroupBody)
	if err != nil {
		return nil, nil, err
	}
	f, err := parseGroupFields(body, true)
	if err != nil {
		return nil, nil, err
	}
	if err := f.checkPassword(nil); err != nil {
		return nil, nil, err
	}
	return body, f, nil
}

// parseCreateMembers reads the optional members of a group create; nil
// when absent.
func parseCreateMembers(body map[string]json.RawMessage) (*addRequest, error) {
	raw, ok := body["members"]
	if !ok {
		return nil, nil
	}
	return parseAddRequest(raw, "members.")
}

// clientCreateGroup: POST groups. The caller becomes owner and admin; with
// members, the per-uid results come back under members.data
// (client-protocol.md §5.2) and member failures do not fail the create.
func (s *Server) clientCreateGroup(r *http.Request, c *clientCaller) (any, error) {
	body, f, err := readGroupCreate(r)
	if err != nil {
		return nil, err
	}
	req, err := parseCreateMembers(body)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkNewGUIDLocked(f.guid); err != nil {
		return nil, err
	}
	if err := s.checkGroupQuotaLocked(c.uid); err != nil {
		return nil, err
	}
	now := s.now().Unix()
	g := &groupRecord{GUID: f.guid, Owner: c.uid, CreatedAt: now}
	f.applyTo(g)
	s.st.Groups[g.GUID] = g
	s.st.Members[g.GUID] = map[string]*memberRecord{c.uid: {UID: c.uid, Scope: scopeAdmin, JoinedAt: now}}
	s.publish(Event{Kind: EventGroupCreated, UID: c.uid, Session: c.session, Trigger: string(EventGroupCreated),
		WebhookData: s.groupWebhookLocked(g, c.uid)})
	return s.createdGroupLocked(g, c.uid, c.session, req, c.uid), nil
}

// createdGroupJSON answers a group create: the group, plus the per-uid
// results under members.data when the body had members.
type createdGroupJSON struct {
	groupJSON
	Members *createdMembersJSON `json:"members,omitempty"`
}

type createdMembersJSON struct {
	Data addResults `json:"data"`
}

// createdGroupLocked adds the members of req (nil: none) to the new group g
// as actor, then renders the create answer as viewer sees it. Caller holds
// s.mu.
func (s *Server) createdGroupLocked(g *groupRecord, actor, device string, req *addRequest, viewer string) createdGroupJSON {
	var out createdGroupJSON
	if req != nil {
		out.Members = &createdMembersJSON{Data: s.addMembersLocked(g, actor, device, req)}
	}
	out.groupJSON = s.renderGroupLocked(g, viewer)
	return out
}

// clientGetGroup: GET groups/{guid}.
func (s *Server) clientGetGroup(r *http.Request, c *clientCaller) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.visibleGroupLocked(r.PathValue("guid"), c.uid)
	if err != nil {
		return nil, err
	}
	return s.renderGroupLocked(g, c.uid), nil
}

// clientUpdateGroup: PUT groups/{guid}; owners, admins and moderators.
func (s *Server) clientUpdateGroup(r *http.Request, c *clientCaller) (any, error) {
	body, err := readObject(r, maxGroupBody)
	if err != nil {
		return nil, err
	}
	f, err := parseGroupFields(body, false)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.permittedGroupLocked(r.PathValue("guid"), c.uid, actUpdate, "")
	if err != nil {
		return nil, err
	}
	if err := f.checkPassword(g); err != nil {
		return nil, err
	}
	f.applyTo(g)
	g.UpdatedAt, g.UpdatedBy = s.now().Unix(), c.uid
	s.publish(Event{Kind: EventGroupUpdated, UID: c.uid, Session: c.session, Trigger: string(EventGroupUpdated),
		WebhookData: s.groupWebhookLocked(g, c.uid)})
	return s.renderGroupLocked(g, c.uid), nil
}

// clientDeleteGroup: DELETE groups/{guid}; admins (the owner included). The
// group, its members and its bans go; its guid may be reused.
func (s *Server) clientDeleteGroup(r *http.Request, c *clientCaller) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.permittedGroupLocked(r.PathValue("guid"), c.uid, actDelete, "")
	if err != nil {
		return nil, err
	}
	hook := s.groupWebhookLocked(g, c.uid)
	delete(s.st.Groups, g.GUID)
	delete(s.st.Members, g.GUID)
	delete(s.st.Bans, g.GUID)
	s.publish(Event{Kind: EventGroupDeleted, UID: c.uid, Session: c.session, Trigger: string(EventGroupDeleted), WebhookData: hook})
	return okAck("Group " + g.GUID + " has been deleted successfully."), nil
}

// clientTransferOwnership: PATCH groups/{guid}/owner {"owner": uid}; the
// owner only, to a member, who becomes an admin (a scopeChanged action when
// it was not one). The old owner stays an admin.
func (s *Server) clientTransferOwnership(r *http.Request, c *clientCaller) (any, error) {
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	var v validator
	raw, ok := body["owner"]
	owner, ok := v.required("owner", raw, ok)
	if ok {
		v.id("owner", owner)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	owner = normID(owner)
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.permittedGroupLocked(r.PathValue("guid"), c.uid, actTransfer, owner)
	if err != nil {
		return nil, err
	}
	old := g.Owner
	g.Owner = owner
	g.UpdatedAt, g.UpdatedBy = s.now().Unix(), c.uid
	s.ownerTransferredLocked(g, old, c.uid, c.session)
	return okAck("Ownership of the group " + g.GUID + " has been transferred to " + owner + "."), nil
}

// ownerTransferredLocked completes a transfer of g from old to g.Owner (a
// member) by actor from device ("" for the server API): the new owner
// becomes an admin (a scopeChanged action when it was not one), then
// group_owner_transferred is published with oldOwner. The webhook names no
// "by" for app_system. Caller holds s.mu.
func (s *Server) ownerTransferredLocked(g *groupRecord, old, actor, device string) {
	m := s.st.Members[g.GUID][g.Owner]
	if m.Scope != scopeAdmin {
		prev := m.Scope
		m.Scope = scopeAdmin
		s.groupActionLocked(g, memberAction{actor: actor, device: device, action: "scopeChanged", on: g.Owner,
			oldScope: prev, newScope: scopeAdmin, kind: EventGroupMemberScopeChanged})
	}
	by := actor
	if actor == systemUID {
		by = ""
	}
	hook := s.groupWebhookLocked(g, by)
	hook.Group.OldOwner = old
	s.publish(Event{Kind: EventGroupOwnerTransferred, UID: g.Owner, Session: device,
		Trigger: string(EventGroupOwnerTransferred), WebhookData: hook})
}

// clientListGroups: GET groups. Public and password groups plus the private
// groups the caller belongs to, ordered by name then guid. Filters:
// searchKey (name or guid, any case), hasJoined=1, tags (any of), withTags=1
// (tags are only listed with it).
func (s *Server) clientListGroups(r *http.Request, c *clientCaller) (any, error) {
	pg, err := parsePaging(r.URL.Query())
	if err != nil {
		return nil, err
	}
	joinedOnly, withTags := queryFlag(r.URL.Query(), "hasJoined"), queryFlag(r.URL.Query(), "withTags")
	keyword := r.URL.Query().Get("searchKey")
	tags := queryList(r.URL.Query(), "tags")
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []groupJSON
	for _, guid := range sortedKeys(s.st.Groups) {
		g := s.st.Groups[guid]
		member := s.st.isMember(guid, c.uid)
		switch {
		case g.DeletedAt != 0,
			g.Type == groupPrivate && !member,
			joinedOnly && !member,
			!containsFold(g.Name, keyword) && !containsFold(g.GUID, keyword),
			!hasAnyTag(g.Tags, tags):
			continue
		}
		j := s.renderGroupLocked(g, c.uid)
		if !withTags {
			j.Tags = nil
		}
		out = append(out, j)
	}
	slices.SortStableFunc(out, func(a, b groupJSON) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.GUID, b.GUID))
	})
	return pageOf(out, pg), nil
}
