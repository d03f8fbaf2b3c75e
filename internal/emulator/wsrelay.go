package emulator

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Frames a client sends for other clients (client-protocol.md §7.4, §7.12): typing indicators and
// transient messages are relayed to the receiver or the group's other members; delivered / read
// receipts are recorded and relayed to the message's sender (receipts.go), and in groups aggregated
// into deliveredToAll / readByAll once every other member has delivered / read.

// receiverTypeOf maps the wire receiverType, including the official SDK's endTyping quirk
// ("chat" / "groupchat"), to user or group.
func receiverTypeOf(rt string) string {
	switch strings.ToLower(rt) {
	case "user", "chat":
		return receiverTypeUser
	case "group", "groupchat":
		return receiverTypeGroup
	}
	return ""
}

// relayLocked relays a typing or transient frame with the sender and deviceId of this connection.
// Typing is not relayed in groups above the realtime threshold. Caller holds s.mu.
func (c *wsConn) relayLocked(f clientFrame, kind EventKind, typing bool) {
	s := c.h.s
	rt, recv := receiverTypeOf(f.ReceiverType), normID(f.Receiver)
	var recipients []string
	switch rt {
	case receiverTypeUser:
		if _, ok := s.st.activeUser(recv); !ok || recv == c.uid {
			return
		}
		if _, ok := s.st.Blocks[recv][c.uid]; ok {
			return
		}
		if _, ok := s.st.Blocks[c.uid][recv]; ok {
			return
		}
		recipients = []string{recv}
	case receiverTypeGroup:
		members := s.st.Members[recv]
		// No typing above Config.GroupFeatureLimit members (grouplimits.go).
		if members[c.uid] == nil || (typing && !s.groupFeaturesLocked(recv)) {
			return
		}
		for _, uid := range sortedKeys(members) {
			if uid != c.uid {
				recipients = append(recipients, uid)
			}
		}
	default:
		return
	}
	body := f.Body
	if len(body) == 0 {
		body = json.RawMessage(`{}`)
	}
	s.publish(Event{Kind: kind, UID: c.uid, Session: c.device, Recipients: recipients,
		Frame: wsFrame{AppID: s.cfg.AppID, Receiver: recv, ReceiverType: rt, DeviceID: c.device, Type: f.Type,
			Sender: c.uid, Body: body}})
}

// receiptBodyJSON is the body of a client receipts frame.
type receiptBodyJSON struct {
	Action    string          `json:"action"`
	MessageID json.RawMessage `json:"messageId"`
}

// receiptLocked records a delivered / read receipt of this connection's user (for the message and
// every earlier one of its conversation) with the receipts code shared with the REST conversation
// marks (receipts.go), which relays it to the message's sender with a server timestamp and sends the
// group aggregates. Receipts for unknown or invisible messages and for one's own messages are
// ignored, as the service gives a socket no error channel. Caller holds s.mu.
func (c *wsConn) receiptLocked(f clientFrame) {
	s := c.h.s
	var body receiptBodyJSON
	if json.Unmarshal(f.Body, &body) != nil || (body.Action != "delivered" && body.Action != "read") {
		return
	}
	id, err := strconv.ParseInt(strings.Trim(string(body.MessageID), `"`), 10, 64)
	if err != nil {
		return
	}
	if m, ok := s.st.message(id); !ok || m.Sender == c.uid {
		return
	}
	_ = s.recordReceiptLocked(c.uid, id, body.Action == "read", c.device)
}
