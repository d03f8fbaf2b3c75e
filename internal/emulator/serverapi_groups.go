package emulator

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// Server API, groups, members and bans (server-api.md §3.7-§3.8). With
// onBehalfOf the acting user's rights apply, exactly as on the client API
// (the client handlers run with that user as the caller); without it the
// API key acts as app_system, which has every right (permissions.go).

// asActor adapts a client handler to the server API: the caller is the
// onBehalfOf user (who must be active), or app_system when the header is
// absent and not required.
func (s *Server) asActor(h clientHandler, required bool) adminHandler {
	return func(r *http.Request, a *adminCaller) (any, error) {
		uid := a.onBehalfOf
		if uid == "" {
			if required {
				return nil, errBadRequest(map[string][]string{"onBehalfOf": {"The onBehalfOf header is required."}})
			}
			uid = systemUID
		} else if err := s.checkActor(uid); err != nil {
			return nil, err
		}
		return h(r, &clientCaller{uid: uid})
	}
}

// checkActor reports ERR_UID_NOT_FOUND for an onBehalfOf user that is not
// active.
func (s *Server) checkActor(uid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.activeUser(uid); !ok {
		return errUIDNotFound(uid)
	}
	return nil
}

// parseOwner reads the optional owner uid of a server API group body,
// normalised; fallback when absent.
func parseOwner(body map[string]json.RawMessage, fallback string) (string, error) {
	raw, ok := body["owner"]
	if !ok {
		return fallback, nil
	}
	var v validator
	owner := fallback
	if o, ok := v.str("owner", raw); ok && v.id("owner", o) {
		owner = normID(o)
	}
	return owner, v.err()
}

func (s *Server) registerServerGroupRoutes() {
	s.adminRoute("POST groups", fullAccessOnly, s.adminCreateGroup)
	s.adminRoute("GET groups", fullAccessOnly, s.adminListGroups)
	s.adminRoute("GET groups/{guid}", fullAccessOnly, s.asActor(s.clientGetGroup, false))
	s.adminRoute("PUT groups/{guid}", fullAccessOnly, s.adminUpdateGroup)
	s.adminRoute("DELETE groups/{guid}", fullAccessOnly, s.asActor(s.clientDeleteGroup, false))
	s.adminRoute("POST groups/{guid}/members", fullAccessOnly, s.asActor(s.clientAddMembers, false))
	s.adminRoute("GET groups/{guid}/members", fullAccessOnly, s.asActor(s.clientListMembers, false))
	s.adminRoute("PUT groups/{guid}/members/{uid}", fullAccessOnly, s.asActor(s.clientChangeScope, false))
	s.adminRoute("DELETE groups/{guid}/members/{uid}", fullAccessOnly, s.asActor(s.clientKickMember, false))
	s.adminRoute("POST groups/{guid}/bannedusers/{uid}", fullAccessOnly, s.asActor(s.clientBanMember, false))
	s.adminRoute("DELETE groups/{guid}/bannedusers/{uid}", fullAccessOnly, s.asActor(s.clientUnbanMember, false))
	s.adminRoute("GET groups/{guid}/bannedusers", fullAccessOnly, s.asActor(s.clientListBanned, false))
}

// adminCreateGroup: POST groups. The owner is body.owner, else the
// onBehalfOf user, else app_system (server-api.md §3.7 emulator default); a
// user owner is added as admin. Member failures do not fail the create: the
// per-uid results are under members.data, as on the client API.
func (s *Server) adminCreateGroup(r *http.Request, a *adminCaller) (any, error) {
	body, f, err := readGroupCreate(r)
	if err != nil {
		return nil, err
	}
	owner, err := parseOwner(body, a.onBehalfOf)
	if err != nil {
		return nil, err
	}
	req, err := parseCreateMembers(body)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, uid := range []string{a.onBehalfOf, owner} {
		if _, ok := s.st.activeUser(uid); uid != "" && !ok {
			return nil, errUIDNotFound(uid)
		}
	}
	if err := s.checkNewGUIDLocked(f.guid); err != nil {
		return nil, err
	}
	actor := cmp.Or(a.onBehalfOf, systemUID)
	now := s.now().Unix()
	g := &groupRecord{GUID: f.guid, Owner: cmp.Or(owner, systemUID), CreatedAt: now}
	f.applyTo(g)
	s.st.Groups[g.GUID] = g
	s.st.Members[g.GUID] = map[string]*memberRecord{}
	if owner != "" {
		if err := s.checkGroupQuotaLocked(owner); err != nil {
			delete(s.st.Groups, g.GUID)
			return nil, err
		}
		s.st.Members[g.GUID][owner] = &memberRecord{UID: owner, Scope: scopeAdmin, JoinedAt: now}
	}
	s.publish(Event{Kind: EventGroupCreated, UID: actor, Trigger: string(EventGroupCreated),
		WebhookData: s.groupWebhookLocked(g, actor)})
	return s.createdGroupLocked(g, actor, "", req, cmp.Or(a.onBehalfOf, owner)), nil
}

// adminListGroups: GET groups. Without onBehalfOf every group; with it, what
// that user may see (public and password groups, its private ones), and
// hasJoined=true keeps the joined ones. Filters: searchKey (searchIn name,
// guid, description), type / types (protected = password), tags (any),
// withTags, sortBy (name, guid, createdAt), sortOrder, page, perPage.
func (s *Server) adminListGroups(r *http.Request, a *adminCaller) (any, error) {
	p, err := parseSAPaging(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	search := strings.ToLower(q.Get("searchKey"))
	searchIn := saList(r, "searchIn")
	if len(searchIn) == 0 {
		searchIn = []string{"name", "guid"}
	}
	types := saList(r, "types")
	if t := q.Get("type"); t != "" {
		types = append(types, t)
	}
	for i, t := range types {
		if t == "protected" {
			types[i] = groupPassword
		}
	}
	tags := saList(r, "tags")
	sortBy, order := cmp.Or(q.Get("sortBy"), "name"), cmp.Or(q.Get("sortOrder"), "asc")
	var v validator
	if sortBy != "name" && sortBy != "guid" && sortBy != "createdAt" {
		v.add("sortBy", "The selected sortBy is invalid.")
	}
	if order != "asc" && order != "desc" {
		v.add("sortOrder", "The selected sortOrder is invalid.")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	viewer := a.onBehalfOf
	if viewer != "" {
		if err := s.checkActor(viewer); err != nil {
			return nil, err
		}
	}
	joinedOnly := viewer != "" && saFlag(r, "hasJoined")
	withTags := saFlag(r, "withTags")
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []groupJSON
	for _, guid := range sortedKeys(s.st.Groups) {
		g := s.st.Groups[guid]
		member := viewer != "" && s.st.isMember(guid, viewer)
		if g.DeletedAt != 0 || (viewer != "" && g.Type == groupPrivate && !member) || (joinedOnly && !member) {
			continue
		}
		if len(types) > 0 && !slices.Contains(types, g.Type) {
			continue
		}
		if len(tags) > 0 && !slices.ContainsFunc(tags, func(t string) bool { return slices.Contains(g.Tags, t) }) {
			continue
		}
		if search != "" && !slices.ContainsFunc(searchIn, func(f string) bool {
			field := map[string]string{"name": g.Name, "guid": g.GUID, "description": g.Description}[f]
			return strings.Contains(strings.ToLower(field), search)
		}) {
			continue
		}
		j := s.renderGroupLocked(g, viewer)
		if !withTags {
			j.Tags = nil
		}
		list = append(list, j)
	}
	slices.SortStableFunc(list, func(x, y groupJSON) int {
		var c int
		switch sortBy {
		case "guid":
			c = cmp.Compare(x.GUID, y.GUID)
		case "createdAt":
			c = cmp.Compare(x.CreatedAt, y.CreatedAt)
		default:
			c = cmp.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name))
		}
		if order == "desc" {
			c = -c
		}
		return cmp.Or(c, cmp.Compare(x.GUID, y.GUID))
	})
	data, meta := saPageOf(list, p)
	var cursor int64
	for _, g := range data {
		cursor = max(cursor, g.UpdatedAt, g.CreatedAt)
	}
	meta.Cursor = &saCursorJSON{UpdatedAt: cursor, Affix: "append"}
	return &page{Data: data, Meta: meta}, nil
}

// adminUpdateGroup: PUT groups/{guid}. With onBehalfOf it is the client
// update (owner is ignored, server-api.md §3.7); without it a body with
// owner transfers the ownership (the new owner must be a member and becomes
// admin; group_owner_transferred carries oldOwner), and the other fields are
// applied with the key's full rights.
func (s *Server) adminUpdateGroup(r *http.Request, a *adminCaller) (any, error) {
	if a.onBehalfOf != "" {
		return s.asActor(s.clientUpdateGroup, false)(r, a)
	}
	body, err := readObject(r, maxGroupBody)
	if err != nil {
		return nil, err
	}
	f, err := parseGroupFields(body, false)
	if err != nil {
		return nil, err
	}
	owner, err := parseOwner(body, "")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.st.activeGroup(r.PathValue("guid"))
	if !ok {
		return nil, errGUIDNotFound(normID(r.PathValue("guid")))
	}
	if err := f.checkPassword(g); err != nil {
		return nil, err
	}
	if owner != "" && owner != g.Owner {
		if !s.st.isMember(g.GUID, owner) {
			return nil, errNotAMember(g.GUID, owner)
		}
		old := g.Owner
		g.Owner = owner
		s.ownerTransferredLocked(g, old, systemUID, "")
	}
	f.applyTo(g)
	g.UpdatedAt, g.UpdatedBy = s.now().Unix(), systemUID
	s.publish(Event{Kind: EventGroupUpdated, UID: systemUID, Trigger: string(EventGroupUpdated),
		WebhookData: s.groupWebhookLocked(g, "")})
	return s.renderGroupLocked(g, ""), nil
}
