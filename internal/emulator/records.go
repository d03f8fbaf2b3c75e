package emulator

import "encoding/json"

// The record types below are the stored form of each entity of model.md.
// They are not wire types: handlers render them into the JSON shapes of the
// spec (see userJSON). Timestamps are Unix seconds; 0 means "not set".

// API-key scopes (server-api.md §1.3).
const (
	scopeAuthOnly   = "authOnly"
	scopeFullAccess = "fullAccess"
)

// defaultRole is the role every user gets unless told otherwise.
const defaultRole = "default"

// userRecord is a user (model.md §1).
type userRecord struct {
	UID           string          `json:"uid"`
	Name          string          `json:"name"`
	Avatar        string          `json:"avatar,omitempty"`
	Link          string          `json:"link,omitempty"`
	Role          string          `json:"role"`
	Metadata      json.RawMessage `json:"metadata,omitempty"`
	StatusMessage string          `json:"statusMessage,omitempty"`
	Tags          []string        `json:"tags,omitempty"`
	LastActiveAt  int64           `json:"lastActiveAt,omitempty"`
	CreatedAt     int64           `json:"createdAt"`
	UpdatedAt     int64           `json:"updatedAt,omitempty"`
	// DeactivatedAt != 0: deactivated (hidden, tokens refused, reactivatable).
	DeactivatedAt int64 `json:"deactivatedAt,omitempty"`
	// DeletedAt != 0: soft-deleted; the uid stays reserved.
	DeletedAt int64 `json:"deletedAt,omitempty"`
}

// authTokenRecord is an auth token (model.md §12) plus the device it was last
// used from.
type authTokenRecord struct {
	AuthToken string          `json:"authToken"`
	UID       string          `json:"uid"`
	CreatedAt int64           `json:"createdAt"`
	Platform  string          `json:"platform,omitempty"`
	DeviceID  string          `json:"deviceId,omitempty"`
	UserAgent string          `json:"userAgent,omitempty"`
	AppInfo   json.RawMessage `json:"appInfo,omitempty"`
}

// apiKeyRecord is an API key (model.md §12).
type apiKeyRecord struct {
	APIKey    string `json:"apiKey"`
	Name      string `json:"name"`
	Scope     string `json:"scope"`
	CreatedAt int64  `json:"createdAt"`
	// Seq orders keys created in the same second (serverapi_apikeys.go); 0 for the configured keys.
	Seq int64 `json:"seq,omitempty"`
}

// roleSettings are a role's list / send restrictions ("all" or "friendsOnly").
type roleSettings struct {
	ListUsers      string `json:"listUsers,omitempty"`
	SendMessagesTo string `json:"sendMessagesTo,omitempty"`
}

// roleRecord is a role (model.md §12).
type roleRecord struct {
	Role        string          `json:"role"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
	Settings    roleSettings    `json:"settings"`
	CreatedAt   int64           `json:"createdAt"`
	UpdatedAt   int64           `json:"updatedAt,omitempty"`
}

// groupRecord is a group (model.md §3). Requester-relative keys (hasJoined,
// scope, …) are computed when rendering.
type groupRecord struct {
	GUID        string          `json:"guid"`
	Name        string          `json:"name"`
	Type        string          `json:"type"`
	Password    string          `json:"password,omitempty"` // stored, never rendered
	Icon        string          `json:"icon,omitempty"`
	Description string          `json:"description,omitempty"`
	Owner       string          `json:"owner"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
	Tags        []string        `json:"tags,omitempty"`
	CreatedAt   int64           `json:"createdAt"`
	UpdatedAt   int64           `json:"updatedAt,omitempty"`
	UpdatedBy   string          `json:"updatedBy,omitempty"`
	DeletedAt   int64           `json:"deletedAt,omitempty"`
}

// memberRecord is one group membership (model.md §4).
type memberRecord struct {
	UID      string `json:"uid"`
	Scope    string `json:"scope"`
	JoinedAt int64  `json:"joinedAt"`
}

// banRecord is a ban from a group.
type banRecord struct {
	UID      string `json:"uid"`
	Scope    string `json:"scope,omitempty"` // scope held when banned
	BannedAt int64  `json:"bannedAt"`
	BannedBy string `json:"bannedBy,omitempty"`
}

// messageRecord is a message of any category (model.md §5). Data holds the
// category-specific data object as sent (text, attachments, customData,
// metadata, action, …); entities are added when rendering.
type messageRecord struct {
	ID              int64           `json:"id"`
	MUID            string          `json:"muid,omitempty"`
	ConversationID  string          `json:"conversationId"`
	Sender          string          `json:"sender"`
	Receiver        string          `json:"receiver"`
	ReceiverType    string          `json:"receiverType"`
	Category        string          `json:"category"`
	Type            string          `json:"type"`
	Data            json.RawMessage `json:"data,omitempty"`
	Tags            []string        `json:"tags,omitempty"`
	ParentID        int64           `json:"parentId,omitempty"`
	QuotedMessageID int64           `json:"quotedMessageId,omitempty"`
	SentAt          int64           `json:"sentAt"`
	UpdatedAt       int64           `json:"updatedAt,omitempty"`
	EditedAt        int64           `json:"editedAt,omitempty"`
	EditedBy        string          `json:"editedBy,omitempty"`
	DeletedAt       int64           `json:"deletedAt,omitempty"`
	DeletedBy       string          `json:"deletedBy,omitempty"`
	// SenderDevice is the session id that sent it (echo suppression).
	SenderDevice string `json:"senderDevice,omitempty"`
	// Action is set on action messages (category action): who did what to
	// what (rendered as data.action and data.entities.by/on/for).
	Action *actionRecord `json:"action,omitempty"`
	// CallSession is set on call messages: the call they report.
	CallSession string `json:"callSession,omitempty"`
}

// actionRecord is the action part of an action message (model.md §5.9):
// By is the actor's uid; On / For are a uid, guid or message id (decimal)
// with their entity types (user, group, message).
type actionRecord struct {
	Action  string          `json:"action"`
	By      string          `json:"by"`
	On      string          `json:"on,omitempty"`
	OnType  string          `json:"onType,omitempty"`
	For     string          `json:"for,omitempty"`
	ForType string          `json:"forType,omitempty"`
	Extras  json.RawMessage `json:"extras,omitempty"`
}

// conversationRecord is one user's view of a conversation (model.md §8).
type conversationRecord struct {
	ConversationID    string   `json:"conversationId"`
	ConversationType  string   `json:"conversationType"`
	With              string   `json:"with"` // uid or guid
	LastMessageID     int64    `json:"lastMessageId,omitempty"`
	LastReadMessageID int64    `json:"lastReadMessageId,omitempty"`
	LastDeliveredID   int64    `json:"lastDeliveredMessageId,omitempty"`
	UnreadCount       int      `json:"unreadMessageCount"`
	UnreadMentions    int      `json:"unreadMentionsCount"`
	Tags              []string `json:"tags,omitempty"`
	CreatedAt         int64    `json:"createdAt"`
	UpdatedAt         int64    `json:"updatedAt,omitempty"`
	DeletedAt         int64    `json:"deletedAt,omitempty"` // hidden until a new message
	// ClearedUpTo is the last message id when the user deleted the
	// conversation: older messages stay hidden from that user.
	ClearedUpTo int64 `json:"clearedUpTo,omitempty"`
}

// receiptRecord is one recipient's receipt of a message (model.md §7).
type receiptRecord struct {
	UID         string `json:"uid"`
	DeliveredAt int64  `json:"deliveredAt,omitempty"`
	ReadAt      int64  `json:"readAt,omitempty"`
}

// reactionRecord is a reaction (model.md §6).
type reactionRecord struct {
	ID        int64  `json:"id"`
	MessageID int64  `json:"messageId"`
	Reaction  string `json:"reaction"`
	UID       string `json:"uid"`
	ReactedAt int64  `json:"reactedAt"`
}

// pinRecord is a pinned message; PinnedBy "app_system" marks an app pin.
type pinRecord struct {
	MessageID int64  `json:"messageId"`
	PinnedBy  string `json:"pinnedBy"`
	PinnedAt  int64  `json:"pinnedAt"`
}

// webhookRecord is a webhook (model.md §12).
type webhookRecord struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	WebhookURL   string   `json:"webhookURL"`
	UseBasicAuth bool     `json:"useBasicAuth"`
	Username     string   `json:"username,omitempty"`
	Password     string   `json:"password,omitempty"`
	Enabled      bool     `json:"enabled"`
	Triggers     []string `json:"triggers,omitempty"`
	CreatedAt    int64    `json:"createdAt"`
	UpdatedAt    int64    `json:"updatedAt,omitempty"`
}

// sessionRecord is a client session, identified by the resource header (the
// WebSocket deviceId).
type sessionRecord struct {
	ID         string `json:"id"`
	UID        string `json:"uid"`
	AuthToken  string `json:"authToken"`
	StartedAt  int64  `json:"startedAt"`
	LastSeenAt int64  `json:"lastSeenAt"`
	EndedAt    int64  `json:"endedAt,omitempty"` // DELETE me
}

// jwtRecord ties an issued JWT to the login it came from, so the WebSocket
// hub can authenticate the auth frame (see Server.userForJWT).
type jwtRecord struct {
	JWT       string `json:"jwt"`
	UID       string `json:"uid"`
	AuthToken string `json:"authToken"`
	Session   string `json:"session,omitempty"`
	IssuedAt  int64  `json:"issuedAt"`
}
