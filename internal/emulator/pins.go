package emulator

import "net/http"

// Pins, saves and thread subscriptions of messages (client-protocol.md
// §5.3, rules-and-limits.md §2 and §6). Pin and save answers are the
// message with pinnedAt / pinnedBy or savedAt; pushes use the emulator
// default frame types message_pin and message_save (client-protocol.md
// §7.5).

// Pin and save limits (rules-and-limits.md §2).
const (
	maxPinsPerConversation = 100
	maxSavesPerUser        = 100
)

// Event kinds of pins and saves.
const (
	EventMessagePinned   EventKind = "message_pinned"
	EventMessageUnpinned EventKind = "message_unpinned"
	EventMessageSaved    EventKind = "message_saved"
	EventMessageUnsaved  EventKind = "message_unsaved"
)

// pinMessage: POST / DELETE messages/{id}/pin. In groups only admins and
// moderators pin and unpin (ERR_ACTION_NOT_ALLOWED); in 1:1 either party.
func (s *Server) pinMessage(pin bool) clientHandler {
	return func(r *http.Request, c *clientCaller) (any, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		m, err := s.visibleMessageLocked(r.PathValue("id"), c.uid)
		if err != nil {
			return nil, err
		}
		if m.ReceiverType == receiverTypeGroup {
			if scope, _ := s.st.memberScope(m.Receiver, c.uid); scope != scopeAdmin && scope != scopeModerator {
				return nil, newError("ERR_ACTION_NOT_ALLOWED", "Only group admins and moderators may pin or unpin messages.")
			}
		}
		pins := s.st.Pins[m.ConversationID]
		action, kind := "unpinned", EventMessageUnpinned
		if pin {
			pins = innerMap(s.st.Pins, m.ConversationID)
			if pins[m.ID] == nil {
				if len(pins) >= maxPinsPerConversation {
					return nil, newError("ERR_PINNED_MESSAGES_LIMIT_EXCEEDED", "A conversation may have at most %d pinned messages.", maxPinsPerConversation)
				}
				pins[m.ID] = &pinRecord{MessageID: m.ID, PinnedBy: c.uid, PinnedAt: s.now().Unix()}
			}
			action, kind = "pinned", EventMessagePinned
		} else {
			delete(pins, m.ID)
		}
		s.publish(Event{Kind: kind, UID: c.uid, Session: c.session,
			Frame: s.messageFrame(m, c.session, "message_pin", c.uid,
				map[string]any{"action": action, "message": s.renderMessageLocked(m, "")}),
			Recipients: s.recipientsLocked(m)})
		return s.renderMessageLocked(m, c.uid), nil
	}
}

// saveMessage: POST / DELETE messages/{id}/save, a private bookmark.
func (s *Server) saveMessage(save bool) clientHandler {
	return func(r *http.Request, c *clientCaller) (any, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		m, err := s.visibleMessageLocked(r.PathValue("id"), c.uid)
		if err != nil {
			return nil, err
		}
		saves := s.st.Saves[c.uid]
		action, kind := "unsaved", EventMessageUnsaved
		if save {
			saves = innerMap(s.st.Saves, c.uid)
			if saves[m.ID] == 0 {
				if len(saves) >= maxSavesPerUser {
					return nil, newError("ERR_SAVED_MESSAGES_LIMIT_EXCEEDED", "A user may save at most %d messages.", maxSavesPerUser)
				}
				saves[m.ID] = s.now().Unix()
			}
			action, kind = "saved", EventMessageSaved
		} else {
			delete(saves, m.ID)
		}
		s.publish(Event{Kind: kind, UID: c.uid, Session: c.session,
			Frame: s.messageFrame(m, c.session, "message_save", c.uid,
				map[string]any{"action": action, "message": s.renderMessageLocked(m, c.uid)}),
			Recipients: []string{c.uid}})
		return s.renderMessageLocked(m, c.uid), nil
	}
}

// subscribeThread: POST / DELETE messages/{id}/thread/subscription →
// {"message": …}.
func (s *Server) subscribeThread(on bool) clientHandler {
	return func(r *http.Request, c *clientCaller) (any, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		m, err := s.visibleMessageLocked(r.PathValue("id"), c.uid)
		if err != nil {
			return nil, err
		}
		if m.ParentID != 0 {
			return nil, newError("ERR_WRONG_MESSAGE_THREAD", "Message %d is a reply, not a thread parent.", m.ID)
		}
		subs := s.st.ThreadSubscriptions[c.uid]
		if on {
			subs = innerMap(s.st.ThreadSubscriptions, c.uid)
			subs[m.ID] = s.now().Unix()
			return map[string]string{"message": "Subscribed to the thread of message " + idString(m.ID) + "."}, nil
		}
		delete(subs, m.ID)
		return map[string]string{"message": "Unsubscribed from the thread of message " + idString(m.ID) + "."}, nil
	}
}
