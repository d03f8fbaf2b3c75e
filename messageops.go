package cometchat

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// Operations on one message: get, receipts, edit, delete, interactions, pins, saves and thread
// subscriptions (client-protocol.md §5.3).

// checkMessageID validates a message id argument.
func checkMessageID(id MessageID) error {
	if id <= 0 {
		return localError(ErrInvalidValue, "message id must be positive")
	}
	return nil
}

// GetMessage fetches one message (GET messages/{id}).
func (c *Client) GetMessage(ctx context.Context, id MessageID) (Message, error) {
	if err := checkMessageID(id); err != nil {
		return nil, err
	}
	var out messageOut
	q := url.Values{"withThreadSubscribed": {"true"}}
	if err := c.do(ctx, &call{method: http.MethodGet, path: "messages/" + id.String(), query: q}, &out); err != nil {
		return nil, err
	}
	return out.m, nil
}

// GetMessageReceipts returns the delivery and read receipts of a message, one per recipient that has
// any (GET messages/{id} → receipts).
func (c *Client) GetMessageReceipts(ctx context.Context, id MessageID) ([]MessageReceipt, error) {
	m, err := c.GetMessage(ctx, id)
	if err != nil {
		return nil, err
	}
	return m.Base().Receipts, nil
}

// EditMessage sends the edited msg (PUT messages/{id}; msg.ID() must be set) and returns the edited
// message as stored. Only the sender may edit (ErrMessageNotASender). Text, custom data, caption,
// metadata and tags can change.
func (c *Client) EditMessage(ctx context.Context, msg Message) (Message, error) {
	if msg == nil {
		return nil, localError(ErrMissingParameters, "message is nil")
	}
	if err := checkMessageID(msg.ID()); err != nil {
		return nil, err
	}
	body, err := sendBodyOf(msg, msg.ID())
	if err != nil {
		return nil, err
	}
	var out messageOut
	if err := c.do(ctx, &call{method: http.MethodPut, path: "messages/" + msg.ID().String(), body: body}, &out); err != nil {
		return nil, err
	}
	c.noteChanged(out.m) // conversationupdates.go
	return actionTarget(out.m)
}

// DeleteMessage soft-deletes a message (DELETE messages/{id}) and returns it with DeletedAt and
// DeletedBy set. The sender may delete its messages, and group admins and moderators any message of
// their group; others get ErrMessageNotASender.
func (c *Client) DeleteMessage(ctx context.Context, id MessageID) (Message, error) {
	if err := checkMessageID(id); err != nil {
		return nil, err
	}
	var out messageOut
	if err := c.do(ctx, &call{method: http.MethodDelete, path: "messages/" + id.String(), body: map[string]string{"id": id.String()}}, &out); err != nil {
		return nil, err
	}
	c.noteChanged(out.m) // conversationupdates.go
	return actionTarget(out.m)
}

// actionTarget unwraps the edited / deleted message of an action answer (the official SDK returns
// its actionOn). A service that answers the message itself is accepted too.
func actionTarget(m Message) (Message, error) {
	if a, ok := m.(*ActionMessage); ok {
		if target, ok := a.ActionOnMessage(); ok {
			return target, nil
		}
		return nil, &Error{Code: ErrUnparseableResponse.Code, Message: "the action message has no message entity"}
	}
	return m, nil
}

// MarkAsInteracted records that the logged-in user interacted with elementID of an interactive
// message (PATCH messages/{id}/interacted).
func (c *Client) MarkAsInteracted(ctx context.Context, id MessageID, elementID string) error {
	if err := checkMessageID(id); err != nil {
		return err
	}
	if strings.TrimSpace(elementID) == "" {
		return localError(ErrMissingParameters, "element id is empty")
	}
	return c.do(ctx, &call{method: http.MethodPatch, path: "messages/" + id.String() + "/interacted",
		body: map[string][]string{"interactions": {elementID}}}, nil)
}

// messageAction runs POST or DELETE messages/{id}/{what} and returns the message.
func (c *Client) messageAction(ctx context.Context, method string, id MessageID, what string) (Message, error) {
	if err := checkMessageID(id); err != nil {
		return nil, err
	}
	var out messageOut
	if err := c.do(ctx, &call{method: method, path: "messages/" + id.String() + "/" + what}, &out); err != nil {
		return nil, err
	}
	return out.m, nil
}

// PinMessage pins a message in its conversation and returns it with PinnedAt and PinnedBy. In groups
// only admins and moderators may pin (ErrActionNotAllowed).
func (c *Client) PinMessage(ctx context.Context, id MessageID) (Message, error) {
	return c.messageAction(ctx, http.MethodPost, id, "pin")
}

// UnpinMessage removes a pin.
func (c *Client) UnpinMessage(ctx context.Context, id MessageID) (Message, error) {
	return c.messageAction(ctx, http.MethodDelete, id, "pin")
}

// SaveMessage bookmarks a message for the logged-in user and returns it with SavedAt.
func (c *Client) SaveMessage(ctx context.Context, id MessageID) (Message, error) {
	return c.messageAction(ctx, http.MethodPost, id, "save")
}

// UnsaveMessage removes a bookmark.
func (c *Client) UnsaveMessage(ctx context.Context, id MessageID) (Message, error) {
	return c.messageAction(ctx, http.MethodDelete, id, "save")
}

// SubscribeToThread subscribes the logged-in user to the thread under a parent message.
func (c *Client) SubscribeToThread(ctx context.Context, parentID MessageID) error {
	if err := checkMessageID(parentID); err != nil {
		return err
	}
	return c.do(ctx, &call{method: http.MethodPost, path: "messages/" + parentID.String() + "/thread/subscription", body: map[string]any{}}, nil)
}

// UnsubscribeFromThread ends a thread subscription.
func (c *Client) UnsubscribeFromThread(ctx context.Context, parentID MessageID) error {
	if err := checkMessageID(parentID); err != nil {
		return err
	}
	return c.do(ctx, &call{method: http.MethodDelete, path: "messages/" + parentID.String() + "/thread/subscription", body: map[string]any{}}, nil)
}
