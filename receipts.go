package cometchat

import (
	"context"
	"errors"
	"net/http"
)

// Delivery and read receipts (surface.md §8). They go over the realtime connection, exactly as the
// official SDK sends them (client-protocol.md §7.4); marking a message marks every earlier message of
// its conversation too.
//
// When the realtime connection is down the official SDK fails with NO_WEBSOCKET_CONNECTION. This
// Client falls back to the REST conversation marks instead (POST users/{uid}/conversation/read or
// …/delivered with the message id, which also mark "up to" that message), so a receipt is never lost
// to a reconnect (surface.md §23 #11). A MODE of LIMITED_TRANSIENT or NO_TRANSIENT blocks receipts:
// ErrReceiptsBlocked, no fallback.

type receiptFrameBody struct {
	Action    string    `json:"action"`
	MessageID string    `json:"messageId"`
	User      frameUser `json:"user"`
}

// MarkAsDelivered tells the sender of m that the logged-in user received it.
func (c *Client) MarkAsDelivered(ctx context.Context, m Message) error {
	return c.markMessage(ctx, "delivered", m)
}

// MarkAsRead tells the sender of m that the logged-in user read it (and every earlier message of the
// conversation).
func (c *Client) MarkAsRead(ctx context.Context, m Message) error {
	return c.markMessage(ctx, "read", m)
}

// MarkAsDeliveredByID is MarkAsDelivered for a message known by its id: receiverID is the other user
// of the 1:1 conversation (or the group), senderUID the message's sender.
func (c *Client) MarkAsDeliveredByID(ctx context.Context, messageID MessageID, receiverID string, receiverType ReceiverType, senderUID string) error {
	return c.mark(ctx, "delivered", messageID, receiverID, receiverType, senderUID)
}

// MarkAsReadByID is MarkAsRead for a message known by its id (see MarkAsDeliveredByID).
func (c *Client) MarkAsReadByID(ctx context.Context, messageID MessageID, receiverID string, receiverType ReceiverType, senderUID string) error {
	return c.mark(ctx, "read", messageID, receiverID, receiverType, senderUID)
}

func (c *Client) markMessage(ctx context.Context, action string, m Message) error {
	if m == nil || m.ID() == 0 {
		return localError(ErrMissingParameters, "the message has no id")
	}
	me, ok := c.LoggedInUser()
	if !ok {
		return localError(ErrNotLoggedIn, "receipts need a logged-in user")
	}
	receiver := m.ReceiverID()
	if m.ReceiverType() == ReceiverTypeUser && !equalID(m.SenderUID(), me.UID) {
		receiver = m.SenderUID() // in 1:1 the receipt goes to the other party
	}
	return c.mark(ctx, action, m.ID(), receiver, m.ReceiverType(), m.SenderUID())
}

func (c *Client) mark(ctx context.Context, action string, id MessageID, receiverID string, rt ReceiverType, senderUID string) (err error) {
	defer func() {
		if err == nil && action == "read" {
			c.noteRead(rt, receiverID, id) // conversationupdates.go: the local unread count
		}
	}()
	if id <= 0 || senderUID == "" {
		return localError(ErrMissingParameters, "a receipt needs the message id, the receiver and the sender")
	}
	if err := checkReceiver(receiverID, rt); err != nil {
		return err
	}
	me, err := c.frameSelf()
	if err != nil {
		return err
	}
	if c.throttled(false) {
		return localError(ErrReceiptsBlocked, "the app's MODE does not allow receipts")
	}
	frame, err := c.outboundFrame("receipts", me.UID, receiverID, rt, normID(senderUID),
		receiptFrameBody{Action: action, MessageID: id.String(), User: me})
	if err != nil {
		return err
	}
	err = c.sendFrame(ctx, frame)
	if err == nil || !errors.Is(err, ErrNoWebSocketConnection) {
		return err
	}
	// The socket is down: the REST conversation mark covers this message and every earlier one.
	path := "users/" + normID(receiverID)
	if rt == ReceiverTypeGroup {
		path = "groups/" + normID(receiverID)
	}
	return c.do(ctx, &call{method: http.MethodPost, path: path + "/conversation/" + action,
		body: map[string]any{"messageId": int64(id)}}, nil)
}

// equalID compares two uids or guids as the service does (case-insensitively).
func equalID(a, b string) bool { return normID(a) == normID(b) }
