package admin

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"

	"github.com/cometchat-go/cometchat"
)

// Peer names the other side of a conversation: a user or a group.
type Peer struct {
	Type ReceiverType
	ID   string
}

// UserPeer is the 1:1 conversation with uid.
func UserPeer(uid string) Peer { return Peer{Type: ReceiverUser, ID: uid} }

// GroupPeer is the conversation of group guid.
func GroupPeer(guid string) Peer { return Peer{Type: ReceiverGroup, ID: guid} }

func (p Peer) path() (string, error) {
	switch p.Type {
	case ReceiverUser:
		if err := cometchat.ValidateUID(p.ID); err != nil {
			return "", err
		}
		return "users/" + esc(p.ID) + "/conversation", nil
	case ReceiverGroup:
		if err := cometchat.ValidateGUID(p.ID); err != nil {
			return "", err
		}
		return "groups/" + esc(p.ID) + "/conversation", nil
	}
	return "", &cometchat.Error{Code: cometchat.ErrInvalidReceiverType.Code, Local: true,
		Message: "peer type must be user or group, not " + string(p.Type)}
}

// Conversation is one user's view of a conversation (model.md §8).
type Conversation struct {
	ConversationID   string       `json:"conversationId"`
	ConversationType ReceiverType `json:"conversationType"`
	// ConversationWith is the user or group object; see WithUser and WithGroup.
	ConversationWith    json.RawMessage     `json:"conversationWith"`
	LastMessage         *Message            `json:"lastMessage,omitempty"`
	UnreadMessageCount  cometchat.Count     `json:"unreadMessageCount"`
	UnreadMentionsCount cometchat.Count     `json:"unreadMentionsCount"`
	LastReadMessageID   cometchat.MessageID `json:"lastReadMessageId,omitempty"`
	Tags                []string            `json:"tags,omitempty"`
	CreatedAt           cometchat.UnixTime  `json:"createdAt,omitempty"`
	UpdatedAt           cometchat.UnixTime  `json:"updatedAt,omitempty"`
	PinnedAt            cometchat.UnixTime  `json:"pinnedAt,omitempty"`
	PinnedBy            string              `json:"pinnedBy,omitempty"`
}

// WithUser decodes ConversationWith of a user conversation, else nil.
func (c *Conversation) WithUser() *cometchat.User {
	if c.ConversationType != ReceiverUser {
		return nil
	}
	var u cometchat.User
	if json.Unmarshal(c.ConversationWith, &u) != nil {
		return nil
	}
	return &u
}

// WithGroup decodes ConversationWith of a group conversation, else nil.
func (c *Conversation) WithGroup() *Group {
	if c.ConversationType != ReceiverGroup {
		return nil
	}
	var g Group
	if json.Unmarshal(c.ConversationWith, &g) != nil {
		return nil
	}
	return &g
}

// ListConversationsOptions filters and pages GET /conversations.
type ListConversationsOptions struct {
	SearchKey string
	// Type keeps user or group conversations only.
	Type ReceiverType
	// Unread keeps conversations with unread messages.
	Unread bool
	// Tags keeps conversations with these tags; WithTags returns them.
	Tags     []string
	WithTags bool
	// PerPage is the page size (default 100, at most 1000); Page the first page (default 1).
	PerPage, Page int
}

// ListConversations iterates conversations: the acting user's on a Client made by As, else every
// conversation of the app.
func (c *Client) ListConversations(ctx context.Context, opts ListConversationsOptions) iter.Seq2[*Conversation, error] {
	q := url.Values{}
	if opts.SearchKey != "" {
		q.Set("searchKey", opts.SearchKey)
	}
	switch opts.Type {
	case "":
	case ReceiverUser, ReceiverGroup:
		q.Set("conversationType", string(opts.Type))
	default:
		return failed[*Conversation](invalidValue("conversation type must be user or group"))
	}
	setBool(q, "unread", opts.Unread)
	commaList(q, "tags", opts.Tags)
	setBool(q, "withTags", opts.WithTags)
	return pages[*Conversation](c, ctx, call{method: http.MethodGet, path: "conversations", query: q, obo: oboOptional},
		opts.PerPage, opts.Page)
}

// GetConversation returns the acting user's conversation with peer (onBehalfOf required). Before the
// first message it is cometchat.ErrConversationNotAccessible.
func (c *Client) GetConversation(ctx context.Context, peer Peer) (*Conversation, error) {
	p, err := peer.path()
	if err != nil {
		return nil, err
	}
	return fetch[Conversation](c, ctx, &call{method: http.MethodGet, path: p, obo: oboRequired})
}

// TagConversation replaces the tags of the acting user's conversation with peer (at most 25).
func (c *Client) TagConversation(ctx context.Context, peer Peer, tags []string) (*Conversation, error) {
	p, err := peer.path()
	if err != nil {
		return nil, err
	}
	if tags == nil {
		tags = []string{}
	}
	return fetch[Conversation](c, ctx, &call{method: http.MethodPut, path: p, body: map[string]any{"tags": tags}, obo: oboRequired})
}

// ResetConversation deletes the conversation with peer for the acting user only; with
// deleteMessages the user's copies of its messages go too.
func (c *Client) ResetConversation(ctx context.Context, peer Peer, deleteMessages bool) error {
	p, err := peer.path()
	if err != nil {
		return err
	}
	var body any
	if peer.Type == ReceiverUser {
		body = map[string]any{"conversationWith": peer.ID, "deleteMessagesPermanently": deleteMessages}
	}
	return c.do(ctx, &call{method: http.MethodDelete, path: p, body: body, obo: oboRequired}, nil)
}

func (c *Client) mark(ctx context.Context, method string, peer Peer, suffix string, upTo cometchat.MessageID) error {
	p, err := peer.path()
	if err != nil {
		return err
	}
	if err := checkID(upTo); err != nil {
		return err
	}
	return c.do(ctx, &call{method: method, path: p + "/" + suffix, body: map[string]any{"messageId": int64(upTo)},
		obo: oboRequired}, nil)
}

// MarkRead marks the conversation with peer read up to message upTo for the acting user.
func (c *Client) MarkRead(ctx context.Context, peer Peer, upTo cometchat.MessageID) error {
	return c.mark(ctx, http.MethodPost, peer, "read", upTo)
}

// MarkDelivered marks the conversation with peer delivered up to message upTo for the acting user.
func (c *Client) MarkDelivered(ctx context.Context, peer Peer, upTo cometchat.MessageID) error {
	return c.mark(ctx, http.MethodPost, peer, "delivered", upTo)
}

// MarkUnread marks the messages after after as unread for the acting user (5 requests a minute per
// user on the service).
func (c *Client) MarkUnread(ctx context.Context, peer Peer, after cometchat.MessageID) error {
	return c.mark(ctx, http.MethodDelete, peer, "read", after)
}
