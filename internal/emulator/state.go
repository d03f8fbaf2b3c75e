package emulator

import (
	"encoding/json"
	"strings"
)

// stateVersion is bumped when the snapshot layout of state changes
// incompatibly, so an import can refuse an old snapshot.
const stateVersion = 1

// state is the emulator's whole data set. One instance lives in each Server
// and is guarded by Server.mu: every read and write of state (and of the
// records it points to) happens with that mutex held.
//
// Every exported field is part of the JSON snapshot (export/import of a
// snapshot is json.Marshal / json.Unmarshal of this struct followed by
// reindex). Unexported fields are derived indexes or runtime-only data and
// are rebuilt or reset on import.
//
// Keys: uids and guids are lower-cased (rules-and-limits.md §1); message ids
// are the int64 ids the emulator issues; conversation ids follow model.md §8.
type state struct {
	Version   int    `json:"version"`
	AppID     string `json:"appId"`
	Region    string `json:"region"`
	CreatedAt int64  `json:"createdAt"`

	// LastMessageID is the monotonic message-id counter: the last id issued.
	// Ids are never reused, even after a permanent delete.
	LastMessageID int64 `json:"lastMessageId"`
	// LastReactionID is the reaction-id counter, like LastMessageID.
	LastReactionID int64 `json:"lastReactionId,omitempty"`
	// Calls by session id (calls.go); created lazily.
	Calls map[string]*callRecord `json:"calls,omitempty"`

	// Users by lower-cased uid, including soft-deleted and deactivated users
	// (their flags are on the record).
	Users map[string]*userRecord `json:"users"`
	// AuthTokens by uid, newest first, at most Config.MaxAuthTokensPerUser.
	AuthTokens map[string][]*authTokenRecord `json:"authTokens"`
	// APIKeys by key value.
	APIKeys map[string]*apiKeyRecord `json:"apiKeys"`
	// Roles by role id; "default" always exists.
	Roles map[string]*roleRecord `json:"roles"`
	// RestrictedFeatures: role id → feature key → restricted-since (seconds).
	// Nil until the first restriction (serverapi_roles.go).
	RestrictedFeatures map[string]map[string]int64 `json:"restrictedFeatures,omitempty"`
	// Friends: uid → friend uid → friends-since (seconds). Symmetric: both
	// directions are stored.
	Friends map[string]map[string]int64 `json:"friends"`
	// Blocks: blocker uid → blocked uid → blockedAt (seconds).
	Blocks map[string]map[string]int64 `json:"blocks"`
	// Groups by lower-cased guid.
	Groups map[string]*groupRecord `json:"groups"`
	// Members: guid → uid → membership.
	Members map[string]map[string]*memberRecord `json:"members"`
	// Bans: guid → uid → ban.
	Bans map[string]map[string]*banRecord `json:"bans"`
	// Messages in ascending id order (appendMessage keeps it so).
	Messages []*messageRecord `json:"messages"`
	// Conversations: uid → conversation id → that user's view of it.
	Conversations map[string]map[string]*conversationRecord `json:"conversations"`
	// Receipts: message id → recipient uid → receipt.
	Receipts map[int64]map[string]*receiptRecord `json:"receipts"`
	// Reactions: message id → reactions in the order they were added.
	Reactions map[int64][]*reactionRecord `json:"reactions"`
	// Pins: conversation id → message id → pin.
	Pins map[string]map[int64]*pinRecord `json:"pins"`
	// Saves: uid → message id → savedAt (seconds).
	Saves map[string]map[int64]int64 `json:"saves"`
	// PinnedConversations: uid → conversation id → pinnedAt; app-wide pins
	// are stored under the uid "app_system".
	PinnedConversations map[string]map[string]int64 `json:"pinnedConversations"`
	// ThreadSubscriptions: uid → parent message id → subscribedAt.
	ThreadSubscriptions map[string]map[int64]int64 `json:"threadSubscriptions"`
	// Flags: message id → uid → that user's flag (report) of the message
	// (flags.go); created lazily.
	Flags map[int64]map[string]*flagRecord `json:"flags,omitempty"`
	// Webhooks by id (server-api.md §6).
	Webhooks map[string]*webhookRecord `json:"webhooks"`
	// Sessions by the client's session id (the REST resource header, also the
	// WebSocket deviceId).
	Sessions map[string]*sessionRecord `json:"sessions"`
	// JWTs issued in Me payloads, by value.
	JWTs map[string]*jwtRecord `json:"jwts"`

	// tokenOwner maps an auth token to its uid (derived from AuthTokens).
	tokenOwner map[string]string
	// messageIndex maps a message id to its position in Messages (derived).
	messageIndex map[int64]int
	// muids maps a sender's muid to the message it created (derived), so a retried send is found
	// without scanning every message.
	muids map[muidKey]int64
	// online counts authenticated sockets per uid. Runtime only: presence is
	// not part of a snapshot; the WebSocket hub maintains it.
	online map[string]int
	// uploads holds presigned uploads by file id (uploads.go). Runtime only.
	uploads map[string]*uploadRecord
}

// newState returns an empty state with the two configured API keys and the
// default role.
func newState(cfg Config, now int64) *state {
	st := &state{
		Version:             stateVersion,
		AppID:               cfg.AppID,
		Region:              cfg.Region,
		CreatedAt:           now,
		Users:               map[string]*userRecord{},
		AuthTokens:          map[string][]*authTokenRecord{},
		APIKeys:             map[string]*apiKeyRecord{},
		Roles:               map[string]*roleRecord{},
		Friends:             map[string]map[string]int64{},
		Blocks:              map[string]map[string]int64{},
		Groups:              map[string]*groupRecord{},
		Members:             map[string]map[string]*memberRecord{},
		Bans:                map[string]map[string]*banRecord{},
		Conversations:       map[string]map[string]*conversationRecord{},
		Receipts:            map[int64]map[string]*receiptRecord{},
		Reactions:           map[int64][]*reactionRecord{},
		Pins:                map[string]map[int64]*pinRecord{},
		Saves:               map[string]map[int64]int64{},
		PinnedConversations: map[string]map[string]int64{},
		ThreadSubscriptions: map[string]map[int64]int64{},
		Webhooks:            map[string]*webhookRecord{},
		Sessions:            map[string]*sessionRecord{},
		JWTs:                map[string]*jwtRecord{},
	}
	st.APIKeys[cfg.AuthKey] = &apiKeyRecord{APIKey: cfg.AuthKey, Name: "Auth Key", Scope: scopeAuthOnly, CreatedAt: now}
	st.APIKeys[cfg.RESTAPIKey] = &apiKeyRecord{APIKey: cfg.RESTAPIKey, Name: "REST API Key", Scope: scopeFullAccess, CreatedAt: now}
	st.Roles[defaultRole] = &roleRecord{
		Role: defaultRole, Name: "Default", Description: "Default role",
		Settings: roleSettings{ListUsers: "all", SendMessagesTo: "all"}, CreatedAt: now,
	}
	st.reindex()
	return st
}

// reindex rebuilds the derived indexes and resets runtime-only data. Call it
// after unmarshalling a snapshot into a state.
func (st *state) reindex() {
	st.tokenOwner = map[string]string{}
	for uid, toks := range st.AuthTokens {
		for _, t := range toks {
			st.tokenOwner[t.AuthToken] = uid
		}
	}
	st.indexMessages()
	if st.online == nil {
		st.online = map[string]int{}
	}
}

// snapshot returns the JSON form of the state. Caller holds Server.mu.
func (st *state) snapshot() ([]byte, error) { return json.Marshal(st) }

// restoreState parses a snapshot produced by snapshot.
func restoreState(b []byte) (*state, error) {
	st := &state{}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, err
	}
	st.reindex()
	return st, nil
}

// normID lower-cases a uid or guid for storage and lookup.
func normID(id string) string { return strings.ToLower(id) }

// activeUser returns the user with this uid unless it is unknown, soft-deleted
// or deactivated — the cases the service reports as ERR_UID_NOT_FOUND.
func (st *state) activeUser(uid string) (*userRecord, bool) {
	u, ok := st.Users[normID(uid)]
	if !ok || u.DeletedAt != 0 || u.DeactivatedAt != 0 {
		return nil, false
	}
	return u, true
}

// tokenUser resolves an auth token to an active user.
func (st *state) tokenUser(token string) (*userRecord, bool) {
	uid, ok := st.tokenOwner[token]
	if !ok {
		return nil, false
	}
	return st.activeUser(uid)
}

// nextMessageID issues the next message id.
func (st *state) nextMessageID() int64 {
	st.LastMessageID++
	return st.LastMessageID
}

// muidKey identifies a send by its sender and client message id.
type muidKey struct{ sender, muid string }

// indexMessages rebuilds the derived message indexes after Messages changed other than by
// appendMessage (a snapshot import, a permanent delete).
func (st *state) indexMessages() {
	st.messageIndex = make(map[int64]int, len(st.Messages))
	st.muids = map[muidKey]int64{}
	for i, m := range st.Messages {
		st.messageIndex[m.ID] = i
		if m.MUID != "" {
			st.muids[muidKey{m.Sender, m.MUID}] = m.ID
		}
	}
}

// appendMessage stores a new message; its id must come from nextMessageID so
// Messages stays in ascending id order.
func (st *state) appendMessage(m *messageRecord) {
	st.messageIndex[m.ID] = len(st.Messages)
	st.Messages = append(st.Messages, m)
	if m.MUID != "" {
		st.muids[muidKey{m.Sender, m.MUID}] = m.ID
	}
}

// messageByMUID returns the message sender created with muid, if any.
func (st *state) messageByMUID(sender, muid string) (*messageRecord, bool) {
	id, ok := st.muids[muidKey{sender, muid}]
	if !ok {
		return nil, false
	}
	return st.message(id)
}

// message returns the message with this id.
func (st *state) message(id int64) (*messageRecord, bool) {
	i, ok := st.messageIndex[id]
	if !ok {
		return nil, false
	}
	return st.Messages[i], true
}

// isOnline reports whether the user has an authenticated socket.
func (st *state) isOnline(uid string) bool { return st.online[uid] > 0 }
