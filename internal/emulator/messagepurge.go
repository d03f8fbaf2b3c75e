package emulator

import (
	"context"
	"net/http"
	"slices"
	"strconv"
)

// Permanent message delete (server-api.md §3.9; rules-and-limits.md §9):
// DELETE messages/{id} on the server API with {"permanent":true} (or
// ?permanent=true) removes the message instead of soft-deleting it. The
// rights are those of a soft delete (deleteMessage in messages.go: the
// sender, a group admin or moderator, or the API key without onBehalfOf); a
// message already soft-deleted can still be removed.
//
// What goes with it: its receipts, reactions, flags, pins, saves and thread
// subscriptions; its thread replies (with theirs) when it is a thread
// parent; and the edit / delete action messages about it. Conversations are
// derived from the stored messages (conversations.go), so each
// conversation's last message, latest id and unread counts are recomputed
// by the next read. Message ids are never reused.
//
// Connected clients learn of it as of a soft delete: a "deleted" action
// message (its "on" entity is the message with deletedAt set) is pushed and
// sent to the message_deleted webhooks, but not stored, so history and the
// SDK's catch-up never show it [spec decision: the real service's
// notification is not documented]. The response is {success, message}.

// permanentKey marks a request whose delete is permanent (set by
// withPermanentFlag, read by deleteMessage).
type permanentKey struct{}

// withPermanentFlag reads the server API's permanent flag (JSON body or
// query) and hands the request on with the flag in its context.
func (s *Server) withPermanentFlag(h adminHandler) adminHandler {
	return func(r *http.Request, a *adminCaller) (any, error) {
		permanent, err := readPermanentFlag(r)
		if err != nil {
			return nil, err
		}
		if permanent {
			r = r.WithContext(context.WithValue(r.Context(), permanentKey{}, true))
		}
		return h(r, a)
	}
}

// permanentDelete reports whether withPermanentFlag marked r.
func permanentDelete(r *http.Request) bool {
	v, _ := r.Context().Value(permanentKey{}).(bool)
	return v
}

// purgeMessageLocked notifies the recipients of m's removal, removes it and
// everything that hangs off it, and returns the acknowledgement. Caller holds
// s.mu and has checked the rights of actor (session: its session id, "" for
// the API key).
func (s *Server) purgeMessageLocked(m *messageRecord, actor, session string) ack {
	now := s.now().Unix()
	if m.DeletedAt == 0 {
		m.DeletedAt, m.DeletedBy = now, actor
	}
	m.UpdatedAt = now
	// The notice is rendered while m still exists, so its "on" entity is m.
	notice := &messageRecord{
		ID: s.st.nextMessageID(), ConversationID: m.ConversationID, Sender: actor, Receiver: m.Receiver,
		ReceiverType: m.ReceiverType, Category: categoryAction, Type: actionTypeMessage, ParentID: m.ParentID,
		SentAt: now, UpdatedAt: now, SenderDevice: session,
		Action: &actionRecord{Action: "deleted", By: actor, On: idString(m.ID), OnType: entityTypeMessage,
			For: m.Receiver, ForType: m.ReceiverType},
	}
	if m.ReceiverType == receiverTypeUser && m.Receiver == actor {
		notice.Receiver = m.Sender // as storeActionLocked: the other party of the 1:1 conversation
	}
	j := s.renderMessageLocked(notice, "")
	s.publish(Event{
		Kind:    EventMessageDeleted,
		UID:     actor,
		Session: session,
		Frame:   s.messageFrame(notice, session, "message", actor, j),
		// Whoever could see the message, also when app_system is not a party of it.
		Recipients:  s.recipientsLocked(m),
		Trigger:     string(EventMessageDeleted),
		WebhookData: map[string]any{"message": j},
	})

	st := s.st
	gone := map[int64]bool{m.ID: true}
	for _, x := range st.Messages {
		if x.ParentID == m.ID {
			gone[x.ID] = true // its thread
		}
	}
	target := idString(m.ID)
	for _, x := range st.Messages {
		if a := x.Action; a != nil && x.Type == actionTypeMessage && a.OnType == entityTypeMessage && a.On != "" {
			if id, err := strconv.ParseInt(a.On, 10, 64); err == nil && gone[id] {
				gone[x.ID] = true // "edited" / "deleted" notices about a removed message
			}
		}
	}
	for id := range gone {
		delete(st.Receipts, id)
		delete(st.Reactions, id)
		delete(st.Flags, id) // flags.go
		for _, pins := range st.Pins {
			delete(pins, id)
		}
		for _, saves := range st.Saves {
			delete(saves, id)
		}
		for _, subs := range st.ThreadSubscriptions {
			delete(subs, id)
		}
	}
	st.Messages = slices.DeleteFunc(st.Messages, func(x *messageRecord) bool { return gone[x.ID] })
	st.indexMessages()
	return okAck("The message " + target + " has been deleted permanently.")
}
