package emulator

import (
	"net/http"
)

// Server API, messages and conversations (server-api.md §3.9-§3.10). The
// client handlers of messages.go, messagequery.go, reactions.go, pins.go and
// conversations.go run with the onBehalfOf user as the caller; endpoints
// where onBehalfOf is optional run as app_system without it (every right;
// sends come from app_system, the emulator default of §3.9).

func (s *Server) registerServerMessageRoutes() {
	opt := func(h clientHandler) adminHandler { return s.asActor(h, false) }
	req := func(h clientHandler) adminHandler { return s.asActor(h, true) }

	s.adminRoute("POST messages", fullAccessOnly, s.adminSendMessage)
	s.adminRoute("POST bots/{uid}/messages", fullAccessOnly, s.adminSendBotMessage)
	s.adminRoute("GET messages", fullAccessOnly, opt(s.listMessages(func(*http.Request) listScope { return listScope{} })))
	s.adminRoute("GET users/{uid}/messages", fullAccessOnly, opt(s.listMessages(func(r *http.Request) listScope {
		return listScope{uid: normID(r.PathValue("uid"))}
	})))
	s.adminRoute("GET groups/{guid}/messages", fullAccessOnly, opt(s.listMessages(func(r *http.Request) listScope {
		return listScope{guid: normID(r.PathValue("guid"))}
	})))
	s.adminRoute("GET messages/{id}", fullAccessOnly, opt(s.getMessage))
	s.adminRoute("PUT messages/{id}", fullAccessOnly, opt(s.putMessage))
	s.adminRoute("DELETE messages/{id}", fullAccessOnly, s.withPermanentFlag(opt(s.deleteMessage))) // messagepurge.go
	s.adminRoute("PATCH messages/{id}/interacted", fullAccessOnly, req(s.patchInteracted))
	s.adminRoute("POST messages/{id}/thread", fullAccessOnly, req(s.postThreadMessage))
	s.adminRoute("GET messages/{id}/thread", fullAccessOnly, opt(s.listMessages(func(r *http.Request) listScope {
		id, _ := parseMessageID(r.PathValue("id"))
		return listScope{parent: id, parentText: r.PathValue("id")}
	})))
	s.adminRoute("GET messages/{id}/reactions", fullAccessOnly, opt(s.listReactions))
	s.adminRoute("GET messages/{id}/reactions/{reaction}", fullAccessOnly, opt(s.listReactions))
	s.adminRoute("POST messages/{id}/reactions/{reaction}", fullAccessOnly, req(s.react(true)))
	s.adminRoute("DELETE messages/{id}/reactions/{reaction}", fullAccessOnly, req(s.react(false)))
	s.adminRoute("POST messages/{id}/pin", fullAccessOnly, opt(s.pinMessage(true)))
	s.adminRoute("DELETE messages/{id}/pin", fullAccessOnly, opt(s.pinMessage(false)))
	s.adminRoute("POST messages/{id}/save", fullAccessOnly, req(s.saveMessage(true)))
	s.adminRoute("DELETE messages/{id}/save", fullAccessOnly, req(s.saveMessage(false)))
	s.adminRoute("POST messages/{id}/thread/subscription", fullAccessOnly, req(s.subscribeThread(true)))
	s.adminRoute("DELETE messages/{id}/thread/subscription", fullAccessOnly, req(s.subscribeThread(false)))

	s.adminRoute("GET conversations", fullAccessOnly, opt(s.listConversations))
	for _, kind := range []string{"users/{uid}", "groups/{guid}"} {
		s.adminRoute("GET "+kind+"/conversation", fullAccessOnly, req(s.withConversation(s.getConversation)))
		s.adminRoute("PUT "+kind+"/conversation", fullAccessOnly, req(s.withConversation(s.tagConversation)))
		s.adminRoute("DELETE "+kind+"/conversation", fullAccessOnly, req(s.withConversation(s.deleteConversation)))
		s.adminRoute("POST "+kind+"/conversation/read", fullAccessOnly, req(s.withConversation(s.markConversation(true))))
		s.adminRoute("POST "+kind+"/conversation/delivered", fullAccessOnly, req(s.withConversation(s.markConversation(false))))
		s.adminRoute("DELETE "+kind+"/conversation/read", fullAccessOnly, req(s.withConversation(s.markUnread)))
		s.adminRoute("POST "+kind+"/conversation/pin", fullAccessOnly, req(s.withConversation(s.pinConversation(true))))
		s.adminRoute("DELETE "+kind+"/conversation/pin", fullAccessOnly, req(s.withConversation(s.pinConversation(false))))
	}
}

// parseMessageID parses a path message id.
func parseMessageID(text string) (int64, bool) {
	id := rawID([]byte(`"` + text + `"`))
	return id, id > 0
}

// adminSendMessage: POST messages. With onBehalfOf the user sends (with the
// client's rules: membership, blocks); without it the app sends as
// app_system to any existing user or group.
func (s *Server) adminSendMessage(r *http.Request, a *adminCaller) (any, error) {
	if a.onBehalfOf != "" {
		return s.asActor(s.postMessage, true)(r, a)
	}
	o, err := readOutgoing(r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if o.receiverType == receiverTypeGroup {
		if _, ok := s.st.activeGroup(o.receiver); !ok {
			return nil, errGUIDNotFound(o.receiver)
		}
	} else if _, ok := s.st.activeUser(o.receiver); !ok {
		return nil, errUIDNotFound(o.receiver)
	}
	if o.muid != "" {
		for i := len(s.st.Messages) - 1; i >= 0; i-- {
			if m := s.st.Messages[i]; m.MUID == o.muid && m.Sender == systemUID {
				return s.renderMessageLocked(m, systemUID), nil
			}
		}
	}
	now := s.now().Unix()
	m := &messageRecord{
		ID: s.st.nextMessageID(), MUID: o.muid, ConversationID: conversationIDFor(systemUID, o.receiver, o.receiverType),
		Sender: systemUID, Receiver: o.receiver, ReceiverType: o.receiverType, Category: o.category, Type: o.typ,
		Data: o.data, Tags: o.tags, SentAt: now, UpdatedAt: now,
	}
	s.appendAndPublishLocked(m, EventMessageSent, "")
	return s.renderMessageLocked(m, systemUID), nil
}

// adminSendBotMessage: POST bots/{uid}/messages, a send on behalf of the bot
// named in the path.
func (s *Server) adminSendBotMessage(r *http.Request, a *adminCaller) (any, error) {
	bot := normID(r.PathValue("uid"))
	if err := s.checkActor(bot); err != nil {
		return nil, err
	}
	return s.postMessage(r, &clientCaller{uid: bot})
}
