package cometchat

import "context"

type transientFrameBody struct {
	User frameUser      `json:"user"`
	Data map[string]any `json:"data"`
}

// SendTransientMessage sends data to the online sessions of receiverID (a user, or a group's other
// members) over the realtime connection. Transient messages are not stored and get no receipts. It
// fails with ErrNoWebSocketConnection while disconnected (nothing is queued) and with
// ErrReceiptsBlocked when the app's MODE is NO_TRANSIENT.
func (c *Client) SendTransientMessage(ctx context.Context, receiverID string, receiverType ReceiverType, data map[string]any) error {
	if err := checkReceiver(receiverID, receiverType); err != nil {
		return err
	}
	me, err := c.frameSelf()
	if err != nil {
		return err
	}
	if c.throttled(true) {
		return localError(ErrReceiptsBlocked, "the app's MODE does not allow transient messages")
	}
	if data == nil {
		data = map[string]any{}
	}
	frame, err := c.outboundFrame("transient_message", me.UID, receiverID, receiverType, "", transientFrameBody{User: me, Data: data})
	if err != nil {
		return localError(ErrInvalidValue, "transient data: "+err.Error())
	}
	return c.sendFrame(ctx, frame)
}
