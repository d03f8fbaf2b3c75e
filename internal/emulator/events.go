package emulator

import (
	"encoding/json"
	"time"
)

// EventKind names what happened in an [Event].
type EventKind string

// Event kinds emitted so far. Resource files add their own (message_sent,
// group_member_joined, …) next to the code that publishes them.
const (
	// EventUserCreated: a user was created (POST users or a seeding helper).
	EventUserCreated EventKind = "user_created"
	// EventUserUpdated: a user's profile changed (PUT users/{uid}, PUT me).
	EventUserUpdated EventKind = "user_updated"
	// EventAuthTokenCreated: an auth token was issued.
	EventAuthTokenCreated EventKind = "auth_token_created"
	// EventAuthTokensDropped: tokens fell off the rolling limit; AuthTokens
	// lists them. The hub closes their sockets.
	EventAuthTokensDropped EventKind = "auth_tokens_dropped"
	// EventSessionEnded: DELETE me ended the session Session of user UID
	// (Session is "" when the call had no resource header). The hub closes
	// that session's sockets; AuthTokens holds the token used.
	EventSessionEnded EventKind = "session_ended"
)

// Event is one state change, published at the single fan-out point
// (Server.publish) that the WebSocket hub and the webhook dispatcher hang
// off. An Event describes both what happened (Kind, UID, …) and, once the
// resource code knows it, what to deliver: a WebSocket Frame to the sessions
// of Recipients, and/or a webhook Trigger with its WebhookData.
//
// Events are published with the state mutex held, so they reach every sink in
// exactly the order of the state changes they describe.
type Event struct {
	// Kind says what happened.
	Kind EventKind
	// At is when it happened (the Server's clock).
	At time.Time

	// UID is the subject user, when there is one.
	UID string
	// Session is the client session id (resource header / deviceId) the
	// change came from, when known.
	Session string
	// AuthTokens lists the auth tokens concerned (token control events).
	AuthTokens []string

	// Frame is the WebSocket frame to deliver (a value that marshals to the
	// frame JSON of client-protocol.md §7.5); nil when nothing is pushed.
	// publish encodes it once, so sinks receive it as a json.RawMessage.
	Frame any
	// Recipients are the uids whose sessions receive Frame.
	Recipients []string
	// ExceptDevice is a session id that must not receive Frame (the
	// originating session, when the real service suppresses the echo itself).
	ExceptDevice string

	// Trigger is the webhook trigger (server-api.md §6.5); "" for none.
	Trigger string
	// WebhookData is the webhook envelope's data object for Trigger.
	WebhookData any
}

// eventSink receives published events. It runs with Server.mu held, so it
// must not block and must not call back into the Server: hand the event to a
// queue and return.
type eventSink func(Event)

// OnEvent registers fn to receive every published [Event] and returns a
// function that unregisters it. fn runs synchronously with the emulator's
// state lock held: it must return quickly and must not call any Server
// method. It is meant for in-process observers (dashboards, tests).
func (s *Server) OnEvent(fn func(Event)) (remove func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addEventSinkLocked(fn)
}

// addEventSinkLocked registers a sink. Caller holds s.mu.
func (s *Server) addEventSinkLocked(fn eventSink) (remove func()) {
	id := s.nextSinkID
	s.nextSinkID++
	s.sinks[id] = fn
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.sinks, id)
	}
}

// publish is the fan-out point for every state change. Caller holds s.mu.
// It hands the event to registered sinks in registration order (the
// WebSocket hub, the webhook dispatcher and the dashboard are sinks), with
// Frame encoded once for all of them.
func (s *Server) publish(ev Event) {
	if ev.At.IsZero() {
		ev.At = s.now()
	}
	if ev.Frame != nil {
		ev.Frame = json.RawMessage(encodeFrame(ev.Frame))
	}
	for _, id := range sortedKeys(s.sinks) {
		s.sinks[id](ev)
	}
}
