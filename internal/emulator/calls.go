package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Call signalling on the client API (client-protocol.md §5.6, model.md
// §5.10 and §13): POST calls starts a call, PUT calls/{sessionid} moves it
// through the statuses, PATCH calls/{sessionid}/type switches audio to video.
// Every status change is stored and pushed as a call message.

// EventCallStatus: a call's status changed; the event carries the call
// message.
const EventCallStatus EventKind = "call_status_changed"

// callRecord is one call session.
type callRecord struct {
	SessionID    string          `json:"sessionId"`
	Type         string          `json:"type"`
	Initiator    string          `json:"initiator"`
	Receiver     string          `json:"receiver"`
	ReceiverType string          `json:"receiverType"`
	Status       string          `json:"status"`
	Metadata     json.RawMessage `json:"metadata,omitempty"`
	InitiatedAt  int64           `json:"initiatedAt"`
	JoinedAt     int64           `json:"joinedAt,omitempty"`
	StartedAt    int64           `json:"startedAt,omitempty"`
	LeftAt       int64           `json:"leftAt,omitempty"`
}

// finalCallStatuses end a call.
var finalCallStatuses = map[string]bool{"unanswered": true, "rejected": true, "busy": true, "cancelled": true, "ended": true}

func (s *Server) registerCallRoutes() {
	s.clientRoute("POST calls", s.postCall)
	s.clientRoute("PUT calls/{sessionid}", s.putCall)
	s.clientRoute("PATCH calls/{sessionid}/type", s.patchCallType)
}

// callEntityJSON is the call entity of data.entities.on (model.md §5.10).
type callEntityJSON struct {
	SessionID      string            `json:"sessionid"`
	Status         string            `json:"status"`
	Type           string            `json:"type"`
	Sender         string            `json:"sender"`
	Receiver       string            `json:"receiver"`
	ReceiverType   string            `json:"receiverType"`
	ConversationID string            `json:"conversationId"`
	InitiatedAt    int64             `json:"initiatedAt"`
	JoinedAt       int64             `json:"joinedAt,omitempty"`
	StartedAt      int64             `json:"startedAt,omitempty"`
	LeftAt         int64             `json:"leftAt,omitempty"`
	WSChannel      map[string]string `json:"wsChannel"`
	Data           map[string]any    `json:"data"`
}

// renderCallIntoLocked fills data and entities of a call message. Caller
// holds s.mu.
func (s *Server) renderCallIntoLocked(c *callRecord, m *messageRecord, data map[string]json.RawMessage, ents map[string]entityJSON, viewer string) {
	if _, ok := data["action"]; !ok {
		data["action"] = mustRaw(c.Status)
	}
	ents["by"] = entityJSON{Entity: s.userEntityLocked(m.Sender, viewer), EntityType: entityTypeUser}
	ents["for"] = s.receiverEntityLocked(c.Receiver, c.ReceiverType, viewer)
	inner := map[string]any{"entities": map[string]entityJSON{
		"sender":   {Entity: s.userEntityLocked(c.Initiator, viewer), EntityType: entityTypeUser},
		"receiver": s.receiverEntityLocked(c.Receiver, c.ReceiverType, viewer),
	}}
	if len(c.Metadata) > 0 {
		inner["metadata"] = c.Metadata
	}
	ents["on"] = entityJSON{EntityType: "call", Entity: callEntityJSON{
		SessionID: c.SessionID, Status: c.Status, Type: c.Type, Sender: c.Initiator, Receiver: c.Receiver,
		ReceiverType: c.ReceiverType, ConversationID: conversationIDFor(c.Initiator, c.Receiver, c.ReceiverType),
		InitiatedAt: c.InitiatedAt, JoinedAt: c.JoinedAt, StartedAt: c.StartedAt, LeftAt: c.LeftAt,
		WSChannel: map[string]string{"identity": viewer, "secret": "emulator", "service": "emulator-calls"},
		Data:      inner,
	}}
}

// busyLocked reports whether uid takes part in a call that has not ended.
func (s *Server) busyLocked(uid string) bool {
	for _, c := range s.st.Calls {
		if finalCallStatuses[c.Status] {
			continue
		}
		if c.Initiator == uid || (c.ReceiverType == receiverTypeUser && c.Receiver == uid) {
			return true
		}
	}
	return false
}

// postCall: POST calls {"type","receiverType","category":"call","status":"initiated","receiver"[,"metadata"]}.
func (s *Server) postCall(r *http.Request, c *clientCaller) (any, error) {
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	receiver := normID(strings.TrimSpace(rawString(body["receiver"])))
	if receiver == "" {
		return nil, newError("ERR_EMPTY_RECEIVER", "The receiver is required.")
	}
	rt := strings.ToLower(rawString(body["receiverType"]))
	if rt != receiverTypeUser && rt != receiverTypeGroup {
		return nil, newError("ERR_INVALID_RECEIVER_TYPE", "The receiverType must be user or group.")
	}
	typ := rawString(body["type"])
	if typ != "audio" && typ != "video" {
		return nil, newError("ERR_INVALID_MESSAGE_TYPE", "The call type must be audio or video.")
	}
	if st := rawString(body["status"]); st != "" && st != "initiated" {
		return nil, newError("ERR_CALL_INVALID_INIT", "A call starts with the status initiated.")
	}
	var md json.RawMessage
	if raw, ok := body["metadata"]; ok && !isNull(raw) {
		md = raw
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rt == receiverTypeUser && receiver == c.uid {
		return nil, newError("ERR_CALLING_SELF", "A user cannot call itself.")
	}
	if err := s.checkSendRightsLocked(c.uid, receiver, rt); err != nil {
		return nil, err
	}
	if s.busyLocked(c.uid) {
		return nil, newError("ERR_CALL_BUSY_SELF", "The user %s is already in a call.", c.uid)
	}
	if rt == receiverTypeUser && s.busyLocked(receiver) {
		return nil, newError("ERR_CALL_BUSY_USER", "The user %s is busy in another call.", receiver)
	}
	if s.st.Calls == nil {
		s.st.Calls = map[string]*callRecord{}
	}
	now := s.now().Unix()
	call := &callRecord{SessionID: "v1." + s.cfg.Region + "." + randomHex(12), Type: typ, Initiator: c.uid,
		Receiver: receiver, ReceiverType: rt, Status: "initiated", Metadata: md, InitiatedAt: now}
	s.st.Calls[call.SessionID] = call
	m := s.storeCallMessageLocked(call, c.uid, c.session)
	return s.renderMessageLocked(m, c.uid), nil
}

// storeCallMessageLocked records the call's current status as a message.
func (s *Server) storeCallMessageLocked(call *callRecord, actor, session string) *messageRecord {
	now := s.now().Unix()
	m := &messageRecord{ID: s.st.nextMessageID(), ConversationID: conversationIDFor(call.Initiator, call.Receiver, call.ReceiverType),
		Sender: actor, Receiver: call.Receiver, ReceiverType: call.ReceiverType, Category: categoryCall, Type: call.Type,
		Data: mustRaw(map[string]string{"action": call.Status}), SentAt: now, UpdatedAt: now, SenderDevice: session,
		CallSession: call.SessionID}
	if call.ReceiverType == receiverTypeUser && actor == call.Receiver {
		m.Receiver = call.Initiator // the callee's messages go to the caller
	}
	s.appendAndPublishLocked(m, EventCallStatus, session)
	return m
}

// putCall: PUT calls/{sessionid} {"status", "joinedAt"?} with the
// transitions of model.md §13.
func (s *Server) putCall(r *http.Request, c *clientCaller) (any, error) {
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	status := rawString(body["status"])
	s.mu.Lock()
	defer s.mu.Unlock()
	call, err := s.callForLocked(r.PathValue("sessionid"), c.uid)
	if err != nil {
		return nil, err
	}
	isCaller := call.Initiator == c.uid
	allowed := false
	switch call.Status {
	case "initiated":
		switch status {
		case "ongoing", "rejected", "busy":
			allowed = !isCaller
		case "cancelled", "unanswered":
			allowed = isCaller
		}
	case "ongoing":
		allowed = status == "ended"
		if !allowed {
			return nil, newError("ERR_CALL_ONGOING_TO_INVALID", "An ongoing call can only end.")
		}
	default:
		return nil, newError("ERR_CALL_TERMINATED", "The call %s has already ended.", call.SessionID)
	}
	if !allowed {
		if call.ReceiverType == receiverTypeGroup {
			return nil, newError("ERR_CALL_GROUP_INVALID_STATUS", "The status %s is not allowed now.", status)
		}
		return nil, newError("ERR_CALL_INVALID_INIT", "The status %s is not allowed for this participant now.", status)
	}
	now := s.now().Unix()
	call.Status = status
	switch status {
	case "ongoing":
		call.JoinedAt, call.StartedAt = now, now
	case "ended":
		call.LeftAt = now
		if j := rawID(body["joinedAt"]); j > 0 && call.JoinedAt == 0 {
			call.JoinedAt = j
		}
	}
	m := s.storeCallMessageLocked(call, c.uid, c.session)
	return s.renderMessageLocked(m, c.uid), nil
}

// patchCallType: PATCH calls/{sessionid}/type {"type":"video"}.
func (s *Server) patchCallType(r *http.Request, c *clientCaller) (any, error) {
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	typ := rawString(body["type"])
	if typ != "audio" && typ != "video" {
		return nil, newError("ERR_INVALID_MESSAGE_TYPE", "The call type must be audio or video.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	call, err := s.callForLocked(r.PathValue("sessionid"), c.uid)
	if err != nil {
		return nil, err
	}
	if finalCallStatuses[call.Status] {
		return nil, newError("ERR_CALL_TERMINATED", "The call %s has already ended.", call.SessionID)
	}
	call.Type = typ
	return okAck("The call type is now " + typ + "."), nil
}

// callForLocked finds a call uid takes part in.
func (s *Server) callForLocked(id, uid string) (*callRecord, error) {
	if strings.TrimSpace(id) == "" {
		return nil, newError("ERR_EMPTY_CALL_SESSION_ID", "The call session id is required.")
	}
	call, ok := s.st.Calls[id]
	if !ok {
		return nil, newError("ERR_CALL_SESSION_NOT_FOUND", "The call session %s does not exist.", id)
	}
	party := call.Initiator == uid || (call.ReceiverType == receiverTypeUser && call.Receiver == uid) ||
		(call.ReceiverType == receiverTypeGroup && s.st.isMember(call.Receiver, uid))
	if !party {
		return nil, newError("ERR_CALL_NOT_A_PART", "The user %s is not part of the call %s.", uid, id)
	}
	return call, nil
}
