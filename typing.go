package cometchat

import (
	"context"
	"encoding/json"

	"github.com/cometchat-go/cometchat/internal/realtime"
)

// Typing indicators travel only over the realtime connection (client-protocol.md §7.4). The Client
// de-duplicates like the official SDK: a second StartTyping for the same receiver is not sent until
// EndTyping. Unlike the official SDK, which drops them silently, an indicator that cannot be sent
// returns an error (ErrNoWebSocketConnection while disconnected, ErrReceiptsBlocked when the app's
// MODE forbids typing) and is counted in RealtimeStats.TypingDropped; it is never queued for later.

// frameUser is the logged-in user as the official SDK puts it in outgoing frames: the cached user
// without authToken, with the block flags and deactivatedAt always present and status online.
type frameUser struct {
	HasBlockedMe  bool           `json:"hasBlockedMe"`
	BlockedByMe   bool           `json:"blockedByMe"`
	DeactivatedAt int64          `json:"deactivatedAt"`
	UID           string         `json:"uid"`
	Name          string         `json:"name"`
	Status        string         `json:"status"`
	Avatar        string         `json:"avatar,omitempty"`
	Link          string         `json:"link,omitempty"`
	Role          string         `json:"role,omitempty"`
	Metadata      map[string]any `json:"metadata,omitempty"`
	StatusMessage string         `json:"statusMessage,omitempty"`
	Tags          []string       `json:"tags,omitempty"`
	LastActiveAt  UnixTime       `json:"lastActiveAt,omitempty"`
}

// frameSelf returns the logged-in user for a frame, or ErrNotLoggedIn.
func (c *Client) frameSelf() (frameUser, error) {
	u, ok := c.LoggedInUser()
	if !ok {
		return frameUser{}, localError(ErrNotLoggedIn, "realtime frames need a logged-in user")
	}
	return frameUser{UID: u.UID, Name: u.Name, Status: string(StatusOnline), Avatar: u.Avatar, Link: u.Link, Role: u.Role,
		Metadata: u.Metadata, StatusMessage: u.StatusMessage, Tags: u.Tags, LastActiveAt: u.LastActiveAt}, nil
}

// outboundFrame encodes a frame of type typ from the logged-in user (uid) to receiverID in the
// official SDK's envelope; messageSender is set only on receipts.
func (c *Client) outboundFrame(typ, uid, receiverID string, rt ReceiverType, messageSender string, body any) ([]byte, error) {
	return json.Marshal(realtime.Outbound{AppID: c.settings.AppID, Receiver: normID(receiverID), ReceiverType: string(rt),
		DeviceID: c.sessionID, Type: typ, Sender: uid, MessageSender: messageSender, Body: body})
}

// throttled reports whether the app's MODE blocks typing and receipts (and, for NO_TRANSIENT,
// transient messages).
func (c *Client) throttled(transient bool) bool {
	switch c.ServerSettings().Mode() {
	case ModeNoTransient:
		return true
	case ModeLimitedTransient:
		return !transient
	}
	return false
}

type typingFrameBody struct {
	Action   string         `json:"action"`
	User     frameUser      `json:"user"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

// StartTyping tells receiverID (a user or a group) that the logged-in user is typing. metadata may
// be nil. Repeated calls for the same receiver send nothing until EndTyping.
func (c *Client) StartTyping(ctx context.Context, receiverID string, receiverType ReceiverType, metadata map[string]any) error {
	return c.typing(ctx, TypingStarted, receiverID, receiverType, metadata)
}

// EndTyping tells receiverID that the logged-in user stopped typing.
func (c *Client) EndTyping(ctx context.Context, receiverID string, receiverType ReceiverType, metadata map[string]any) error {
	return c.typing(ctx, TypingEnded, receiverID, receiverType, metadata)
}

func (c *Client) typing(ctx context.Context, action, receiverID string, rt ReceiverType, metadata map[string]any) error {
	if err := checkReceiver(receiverID, rt); err != nil {
		return err
	}
	me, err := c.frameSelf()
	if err != nil {
		return err
	}
	if c.throttled(false) {
		c.rt.typingDropped.Add(1)
		return localError(ErrReceiptsBlocked, "the app's MODE does not allow typing indicators")
	}
	key := string(rt) + ":" + normID(receiverID)
	if action == TypingStarted {
		c.rt.mu.Lock()
		started := c.rt.typing[key]
		c.rt.mu.Unlock()
		if started {
			return nil
		}
	}
	frame, err := c.outboundFrame("typing_indicator", me.UID, receiverID, rt, "", typingFrameBody{Action: action, User: me, Metadata: metadata})
	if err != nil {
		return localError(ErrInvalidValue, "typing metadata: "+err.Error())
	}
	if err := c.sendFrame(ctx, frame); err != nil {
		c.rt.typingDropped.Add(1)
		return err
	}
	c.rt.mu.Lock()
	if c.rt.typing == nil {
		c.rt.typing = map[string]bool{}
	}
	if action == TypingStarted {
		c.rt.typing[key] = true
	} else {
		delete(c.rt.typing, key)
	}
	c.rt.mu.Unlock()
	return nil
}
