package emulator

import "strconv"

// Receipts: per-user delivered / read positions and per-message receipts
// (model.md §7, client-protocol.md §7.12). Marking message N delivered or
// read marks every earlier message of the conversation
// (rules-and-limits.md §9). REST conversation marks and (through
// RecordReceipt) WebSocket receipts frames both end here.

// Event kinds of receipts.
const (
	// EventMessageDelivered: a user marked messages delivered.
	EventMessageDelivered EventKind = "message_delivery_receipt"
	// EventMessageRead: a user marked messages read.
	EventMessageRead EventKind = "message_read_receipt"
	// EventDeliveredToAll / EventReadByAll: every member of a group (of at
	// most Config.GroupFeatureLimit members) has the message.
	EventDeliveredToAll EventKind = "message_delivered_to_all"
	EventReadByAll      EventKind = "message_read_by_all"
)

// receiptBody is the body of a receipts frame.
type receiptBody struct {
	Action    string `json:"action"`
	MessageID string `json:"messageId"`
	User      any    `json:"user,omitempty"`
	Timestamp int64  `json:"timestamp"`
}

// recordReceiptLocked records that uid received (read=false) or read the
// message with this id and everything before it in its conversation, and
// publishes the receipt to the message's sender. session is the device the
// receipt came from. It is the entry point for WebSocket receipts frames.
// Caller holds s.mu.
func (s *Server) recordReceiptLocked(uid string, messageID int64, read bool, session string) error {
	m, ok := s.st.message(messageID)
	if !ok || !s.visibleLocked(m, uid) {
		return errMessageNotFound(strconv.FormatInt(messageID, 10))
	}
	with := m.Receiver
	if m.ReceiverType == receiverTypeUser && m.Receiver == uid {
		with = m.Sender
	}
	s.markUpToLocked(uid, session, m.ConversationID, m.ReceiverType, with, messageID, read)
	return nil
}

// markUpToLocked advances uid's positions in a conversation to upTo,
// stamps the receipts of the messages it covers and publishes one receipts
// frame (for the newest covered message from someone else) to its sender.
// Caller holds s.mu.
func (s *Server) markUpToLocked(uid, session, convID, typ, with string, upTo int64, read bool) {
	rec := s.convRecordLocked(uid, convID, typ, with)
	from := rec.LastDeliveredID
	if read {
		from = min(rec.LastReadMessageID, rec.LastDeliveredID)
	}
	now := s.now().Unix()
	var newest *messageRecord
	var touched []receiptChange
	for _, m := range s.st.Messages {
		// Action messages (member events, edits, deletes) get no receipts.
		if m.ID <= from || m.ID > upTo || m.ConversationID != convID || m.Sender == uid || m.Action != nil || !s.visibleLocked(m, uid) {
			continue
		}
		byUID := innerMap(s.st.Receipts, m.ID)
		r := byUID[uid]
		if r == nil {
			r = &receiptRecord{UID: uid}
			byUID[uid] = r
		}
		ch := receiptChange{m: m}
		if r.DeliveredAt == 0 {
			r.DeliveredAt, ch.delivered = now, true
		}
		if read && r.ReadAt == 0 {
			r.ReadAt, ch.read = now, true
		}
		if ch.delivered || ch.read {
			newest = m
			touched = append(touched, ch)
		}
	}
	rec.LastDeliveredID = max(rec.LastDeliveredID, upTo)
	if read {
		rec.LastReadMessageID = max(rec.LastReadMessageID, upTo)
	}
	if newest == nil || (typ == receiverTypeGroup && !s.groupFeaturesLocked(with)) {
		return // positions move, but large groups get no receipts frames (grouplimits.go)
	}
	action, kind := "delivered", EventMessageDelivered
	if read {
		action, kind = "read", EventMessageRead
	}
	s.publishReceiptLocked(newest, uid, session, action, kind, now)
	if typ == receiverTypeGroup {
		for _, ch := range touched {
			s.checkAllReceiptsLocked(ch, uid, session, now)
		}
	}
}

// publishReceiptLocked sends a receipts frame about m to its sender.
func (s *Server) publishReceiptLocked(m *messageRecord, uid, session, action string, kind EventKind, now int64) {
	receiver := m.Sender
	if m.ReceiverType == receiverTypeGroup {
		receiver = m.Receiver
	}
	frame := wsFrame{AppID: s.cfg.AppID, Receiver: receiver, ReceiverType: m.ReceiverType, DeviceID: session,
		Type: "receipts", Sender: uid, MessageSender: m.Sender,
		Body: receiptBody{Action: action, MessageID: idString(m.ID), User: s.userEntityLocked(uid, ""), Timestamp: now}}
	s.publish(Event{Kind: kind, UID: uid, Session: session, Frame: frame, Recipients: []string{m.Sender},
		Trigger: string(kind), WebhookData: frame})
}

// receiptChange is what one mark changed on one message for the marking user.
type receiptChange struct {
	m               *messageRecord
	delivered, read bool
}

// checkAllReceiptsLocked publishes deliveredToAll / readByAll once every
// other member of the (small enough) group has delivered / read the message.
func (s *Server) checkAllReceiptsLocked(ch receiptChange, uid, session string, now int64) {
	m := ch.m
	members := s.st.Members[m.Receiver]
	if !s.groupFeaturesLocked(m.Receiver) {
		return // no aggregates above Config.GroupFeatureLimit (grouplimits.go)
	}
	countDone := func(readOnly bool, except string) (done, total int) {
		for member := range members {
			if member == m.Sender {
				continue
			}
			total++
			if member == except {
				continue
			}
			if r := s.st.Receipts[m.ID][member]; r != nil && (r.ReadAt != 0 || (!readOnly && r.DeliveredAt != 0)) {
				done++
			}
		}
		return done, total
	}
	// The set completes with this receipt when everyone but uid was done
	// before and uid is done now.
	for _, readOnly := range []bool{false, true} {
		if (readOnly && !ch.read) || (!readOnly && !ch.delivered) {
			continue
		}
		before, total := countDone(readOnly, uid)
		if total == 0 || before != total-1 {
			continue
		}
		action, kind := "deliveredToAll", EventDeliveredToAll
		if readOnly {
			action, kind = "readByAll", EventReadByAll
		}
		s.publishReceiptLocked(m, uid, session, action, kind, now)
	}
}
