package cometchat

import (
	"encoding/json"
	"sync"
	"sync/atomic"
)

// Listeners receive realtime events. Each listener is a struct of optional callbacks (nil ones are
// skipped) registered under an id, as in the official SDKs:
//
//	remove := client.AddMessageListener("bot", cometchat.MessageListener{
//		OnTextMessageReceived: func(m *cometchat.TextMessage) { … },
//	})
//	defer remove()
//
// Adding a listener with an id already in use replaces the old one; the remove function returned by
// an Add call removes only the listener it added. Removal is final: once it returns, the callback is
// not called again (a call already running on another goroutine finishes).
//
// Every callback runs on the Client's single dispatcher goroutine, one event at a time, in the order
// the events arrived, and never under an SDK lock: a callback may send messages, add or remove
// listeners (itself included), disconnect, log out or close the Client. A callback that blocks holds
// up the events behind it (they queue; see WithEventBuffer). A panicking callback is recovered and
// reported to ConnectionListener.OnError as a *HandlerPanicError.

// MessageListener receives messages and everything about them (surface.md §18). Messages delivered
// by the catch-up after a reconnect have Base().Replayed set.
type MessageListener struct {
	OnTextMessageReceived        func(m *TextMessage)
	OnMediaMessageReceived       func(m *MediaMessage)
	OnCustomMessageReceived      func(m *CustomMessage)
	OnInteractiveMessageReceived func(m *InteractiveMessage)
	OnInteractionGoalCompleted   func(r *InteractionReceipt)
	OnTypingStarted              func(t *TypingIndicator)
	OnTypingEnded                func(t *TypingIndicator)
	OnMessagesDelivered          func(r *MessageReceipt)
	OnMessagesRead               func(r *MessageReceipt)
	OnMessagesDeliveredToAll     func(r *MessageReceipt)
	OnMessagesReadByAll          func(r *MessageReceipt)
	// OnMessageEdited and OnMessageDeleted receive the affected message (the "on" entity of the
	// edited / deleted action message), or the action message itself if it carries none.
	OnMessageEdited            func(m Message)
	OnMessageDeleted           func(m Message)
	OnTransientMessageReceived func(t *TransientMessage)
	OnMessageReactionAdded     func(r *ReactionEvent)
	OnMessageReactionRemoved   func(r *ReactionEvent)
	// OnMessageModerated receives a message whose moderation status changed.
	OnMessageModerated           func(m Message)
	OnAIAssistantMessageReceived func(m *AgenticMessage)
	OnAIToolResultReceived       func(m *AgenticMessage)
	OnAIToolArgumentsReceived    func(m *AgenticMessage)
	OnCardMessageReceived        func(m *CardMessage)
	OnMessagePinned              func(m Message)
	OnMessageUnpinned            func(m Message)
	OnMessageSaved               func(m Message)
	OnMessageUnsaved             func(m Message)
	// OnUnknownMessageReceived receives messages of categories this SDK does not know yet (the
	// official SDKs drop them).
	OnUnknownMessageReceived func(m *UnknownMessage)
}

// UserListener receives presence changes of the users the AppSettings presence subscription covers.
type UserListener struct {
	OnUserOnline  func(u *User)
	OnUserOffline func(u *User)
}

// GroupListener receives group membership changes. Each callback gets the action message and the
// users and group it names.
type GroupListener struct {
	// OnGroupMemberJoined also receives the service's "invited" action.
	OnGroupMemberJoined func(action *ActionMessage, joinedUser *User, group *Group)
	OnGroupMemberLeft   func(action *ActionMessage, leftUser *User, group *Group)
	OnGroupMemberKicked func(action *ActionMessage, kickedUser, kickedBy *User, group *Group)
	OnGroupMemberBanned func(action *ActionMessage, bannedUser, bannedBy *User, group *Group)
	// OnGroupMemberUnbanned reports that unbannedUser may join again.
	OnGroupMemberUnbanned func(action *ActionMessage, unbannedUser, unbannedBy *User, group *Group)
	// OnGroupMemberScopeChanged carries the actor too (the JS SDK omits it; Android and Flutter have
	// it).
	OnGroupMemberScopeChanged func(action *ActionMessage, changedUser, changedBy *User, newScope, oldScope Scope, group *Group)
	OnMemberAddedToGroup      func(action *ActionMessage, addedUser, addedBy *User, group *Group)
}

// CallListener receives call signalling (client-protocol.md §7.6 maps statuses to callbacks).
type CallListener struct {
	OnIncomingCallReceived     func(c *CallMessage)
	OnOutgoingCallAccepted     func(c *CallMessage)
	OnOutgoingCallRejected     func(c *CallMessage)
	OnIncomingCallCancelled    func(c *CallMessage)
	OnCallEndedMessageReceived func(c *CallMessage)
}

// LoginListener receives the outcome of Login, LoginWithAuthToken and Logout.
type LoginListener struct {
	OnLoginSuccess  func(u *User)
	OnLoginFailure  func(err error)
	OnLogoutSuccess func()
	OnLogoutFailure func(err error)
}

// ConnectionListener receives the realtime connection's state. OnConnected fires only once the
// service accepted the connection's credentials (the official SDK fires it when the socket opens).
type ConnectionListener struct {
	OnConnected  func()
	OnConnecting func()
	// OnDisconnected fires when the link is lost (the Client then reconnects) or closed by
	// Disconnect, Logout or Close.
	OnDisconnected func()
	// OnFeatureThrottled fires on connect when the app's MODE setting blocks typing and receipts.
	OnFeatureThrottled func()
	// OnReconnecting fires before each reconnect wait, with the attempt and back-off.
	OnReconnecting func(info ReconnectInfo)
	// OnResynced fires after a catch-up delivered the messages missed while disconnected (or lost to
	// a full event buffer).
	OnResynced func(info ResyncInfo)
	// OnEventsDropped reports events lost to a full buffer (messages among them are then recovered by
	// catch-up).
	OnEventsDropped func(n int)
	// OnError receives connection errors (*ConnectionError), panicking callbacks
	// (*HandlerPanicError) and catch-up failures.
	OnError func(err error)
}

// AIAssistantListener receives the streamed events of AI assistant runs.
type AIAssistantListener struct {
	OnAIAssistantEventReceived func(e *AIAssistantEvent)
}

// ConversationListener receives pins and unpins of the logged-in user's conversations (made on
// another of the user's sessions, or by the app).
type ConversationListener struct {
	OnConversationPinned   func(c *Conversation)
	OnConversationUnpinned func(c *Conversation)
	// OnConversationUpdated receives the conversation a message moved (derived by this SDK from live,
	// replayed and sent messages, honouring ConversationUpdateSettings; see conversationupdates.go),
	// right after that message's callbacks.
	OnConversationUpdated func(u *ConversationUpdate)
}

// NotificationFeedListener receives campaign feed items; their fields are not specified, so each
// arrives as raw JSON.
type NotificationFeedListener struct {
	OnFeedItemReceived func(item json.RawMessage)
}

// registry is a copy-on-write table of listeners of one type: readers take a snapshot without a lock.
type registry[L any] struct {
	mu   sync.Mutex
	snap atomic.Pointer[[]*regEntry[L]]
}

type regEntry[L any] struct {
	id      string
	l       L
	removed atomic.Bool
}

// add installs l under id, replacing a listener with the same id, and returns its remove function.
func (r *registry[L]) add(id string, l L) func() {
	e := &regEntry[L]{id: id, l: l}
	r.mu.Lock()
	defer r.mu.Unlock()
	var next []*regEntry[L]
	replaced := false
	if cur := r.snap.Load(); cur != nil {
		next = make([]*regEntry[L], 0, len(*cur)+1)
		for _, old := range *cur {
			if old.id == id {
				old.removed.Store(true)
				next = append(next, e)
				replaced = true
				continue
			}
			next = append(next, old)
		}
	}
	if !replaced {
		next = append(next, e)
	}
	r.snap.Store(&next)
	return func() { r.removeEntry(e) }
}

// remove removes the listener with id, if any.
func (r *registry[L]) remove(id string) {
	r.removeWhere(func(e *regEntry[L]) bool { return e.id == id })
}

func (r *registry[L]) removeEntry(target *regEntry[L]) {
	r.removeWhere(func(e *regEntry[L]) bool { return e == target })
}

func (r *registry[L]) removeWhere(match func(*regEntry[L]) bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur := r.snap.Load()
	if cur == nil {
		return
	}
	next := make([]*regEntry[L], 0, len(*cur))
	for _, e := range *cur {
		if match(e) {
			e.removed.Store(true)
			continue
		}
		next = append(next, e)
	}
	r.snap.Store(&next)
}

// entries returns the current snapshot.
func (r *registry[L]) entries() []*regEntry[L] {
	if cur := r.snap.Load(); cur != nil {
		return *cur
	}
	return nil
}

// listenerSet holds every registry of a Client. The zero value is ready.
type listenerSet struct {
	message      registry[MessageListener]
	user         registry[UserListener]
	group        registry[GroupListener]
	call         registry[CallListener]
	login        registry[LoginListener]
	connection   registry[ConnectionListener]
	ai           registry[AIAssistantListener]
	conversation registry[ConversationListener]
	feed         registry[NotificationFeedListener]
}

// AddMessageListener registers l under id and returns a function that removes it.
func (c *Client) AddMessageListener(id string, l MessageListener) (remove func()) {
	return c.rt.listeners.message.add(id, l)
}

// RemoveMessageListener removes the message listener registered under id.
func (c *Client) RemoveMessageListener(id string) { c.rt.listeners.message.remove(id) }

// AddUserListener registers l under id and returns a function that removes it.
func (c *Client) AddUserListener(id string, l UserListener) (remove func()) {
	return c.rt.listeners.user.add(id, l)
}

// RemoveUserListener removes the user listener registered under id.
func (c *Client) RemoveUserListener(id string) { c.rt.listeners.user.remove(id) }

// AddGroupListener registers l under id and returns a function that removes it.
func (c *Client) AddGroupListener(id string, l GroupListener) (remove func()) {
	return c.rt.listeners.group.add(id, l)
}

// RemoveGroupListener removes the group listener registered under id.
func (c *Client) RemoveGroupListener(id string) { c.rt.listeners.group.remove(id) }

// AddCallListener registers l under id and returns a function that removes it.
func (c *Client) AddCallListener(id string, l CallListener) (remove func()) {
	return c.rt.listeners.call.add(id, l)
}

// RemoveCallListener removes the call listener registered under id.
func (c *Client) RemoveCallListener(id string) { c.rt.listeners.call.remove(id) }

// AddLoginListener registers l under id and returns a function that removes it.
func (c *Client) AddLoginListener(id string, l LoginListener) (remove func()) {
	return c.rt.listeners.login.add(id, l)
}

// RemoveLoginListener removes the login listener registered under id.
func (c *Client) RemoveLoginListener(id string) { c.rt.listeners.login.remove(id) }

// AddConnectionListener registers l under id and returns a function that removes it.
func (c *Client) AddConnectionListener(id string, l ConnectionListener) (remove func()) {
	return c.rt.listeners.connection.add(id, l)
}

// RemoveConnectionListener removes the connection listener registered under id.
func (c *Client) RemoveConnectionListener(id string) { c.rt.listeners.connection.remove(id) }

// AddAIAssistantListener registers l under id and returns a function that removes it.
func (c *Client) AddAIAssistantListener(id string, l AIAssistantListener) (remove func()) {
	return c.rt.listeners.ai.add(id, l)
}

// RemoveAIAssistantListener removes the AI assistant listener registered under id.
func (c *Client) RemoveAIAssistantListener(id string) { c.rt.listeners.ai.remove(id) }

// AddConversationListener registers l under id and returns a function that removes it.
func (c *Client) AddConversationListener(id string, l ConversationListener) (remove func()) {
	return c.rt.listeners.conversation.add(id, l)
}

// RemoveConversationListener removes the conversation listener registered under id.
func (c *Client) RemoveConversationListener(id string) { c.rt.listeners.conversation.remove(id) }

// AddNotificationFeedListener registers l under id and returns a function that removes it.
func (c *Client) AddNotificationFeedListener(id string, l NotificationFeedListener) (remove func()) {
	return c.rt.listeners.feed.add(id, l)
}

// RemoveNotificationFeedListener removes the notification feed listener registered under id.
func (c *Client) RemoveNotificationFeedListener(id string) { c.rt.listeners.feed.remove(id) }
