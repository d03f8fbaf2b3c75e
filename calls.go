package cometchat

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// Call signalling (surface.md §20; media is a separate product). A call is a series of call messages:
// the caller's InitiateCall (POST calls) creates it with status initiated, the callee accepts
// (ongoing), rejects (rejected) or is busy (busy), the caller cancels (cancelled), either ends it
// (ended), and if nobody answers within the ring timeout the caller's Client marks it unanswered
// itself, as the official SDK does. Every status change reaches the CallListener of both parties.
//
// The Client keeps the one active call (ActiveCall); it is cleared on every final status, on the ring
// timeout, and when a status arrives for it through the listener path, so a stuck
// CALL_ALREADY_INITIATED cannot happen (surface.md §23 #17).

// CallType is the kind of call InitiateCall starts (model.md §13); it is the call message's type on
// the wire.
type CallType string

// Call types.
const (
	CallTypeAudio CallType = "audio"
	CallTypeVideo CallType = "video"
)

// Local call errors (errors.md §2).
var (
	// ErrCallAlreadyInitiated: InitiateCall while this Client has an active call.
	ErrCallAlreadyInitiated = sentinel("CALL_ALREADY_INITIATED")
	// ErrCannotAcceptCall: AcceptCall while another call is active.
	ErrCannotAcceptCall = sentinel("CANNOT_ACCEPT_CALL")
	// ErrSessionIDRequired: a call operation without a session id.
	ErrSessionIDRequired = sentinel("SESSION_ID_REQUIRED")
)

// callState is the active call and its ring timer.
type callState struct {
	active *CallMessage
	// ringStop stops the ring timer of the active outgoing call.
	ringStop chan struct{}
}

// InitiateCall calls receiverID (a user or a group) with callType CallTypeAudio or CallTypeVideo and
// returns the call message (Call.SessionID identifies the call). If nobody accepts within the ring
// timeout (WithRingTimeout, default 45 s) the Client marks the call unanswered and the call listeners
// get OnOutgoingCallRejected.
func (c *Client) InitiateCall(ctx context.Context, receiverID string, receiverType ReceiverType, callType CallType, metadata map[string]any) (*CallMessage, error) {
	if err := checkReceiver(receiverID, receiverType); err != nil {
		return nil, err
	}
	if callType != CallTypeAudio && callType != CallTypeVideo {
		return nil, localError(ErrInvalidValue, "call type must be audio or video")
	}
	if cm, ok := c.activeCall(); ok {
		return nil, localError(ErrCallAlreadyInitiated, "call "+callSession(cm)+" is still active")
	}
	body := map[string]any{"type": string(callType), "receiverType": string(receiverType), "category": string(CategoryCall),
		"status": CallStatusInitiated, "receiver": normID(receiverID)}
	if metadata != nil {
		body["metadata"] = metadata
	}
	cm, err := c.callRequest(ctx, http.MethodPost, "calls", body)
	if err != nil {
		return nil, err
	}
	c.setActiveCall(cm, true)
	return cm, nil
}

// AcceptCall accepts an incoming call (status ongoing). It fails with ErrCannotAcceptCall while
// another call is active.
func (c *Client) AcceptCall(ctx context.Context, sessionID string) (*CallMessage, error) {
	if cm, ok := c.activeCall(); ok && callSession(cm) != sessionID {
		return nil, localError(ErrCannotAcceptCall, "call "+callSession(cm)+" is active")
	}
	cm, err := c.updateCall(ctx, sessionID, CallStatusOngoing)
	if err != nil {
		return nil, err
	}
	c.setActiveCall(cm, false)
	return cm, nil
}

// RejectCall answers a call with status: CallStatusRejected (the callee declines), CallStatusBusy
// (the callee is busy) or CallStatusCancelled (the caller withdraws). Any other status ends the call,
// as in the official SDK.
func (c *Client) RejectCall(ctx context.Context, sessionID, status string) (*CallMessage, error) {
	switch status {
	case CallStatusRejected, CallStatusBusy, CallStatusCancelled:
	default:
		return c.EndCall(ctx, sessionID)
	}
	cm, err := c.updateCall(ctx, sessionID, status)
	c.forgetCall(sessionID)
	return cm, err
}

// CancelCall withdraws an outgoing call that was not answered yet.
func (c *Client) CancelCall(ctx context.Context, sessionID string) (*CallMessage, error) {
	return c.RejectCall(ctx, sessionID, CallStatusCancelled)
}

// EndCall ends an ongoing call (status ended).
func (c *Client) EndCall(ctx context.Context, sessionID string) (*CallMessage, error) {
	cm, err := c.updateCall(ctx, sessionID, CallStatusEnded)
	c.forgetCall(sessionID)
	return cm, err
}

// ActiveCall returns the call this Client is in or ringing, if any.
func (c *Client) ActiveCall() (*Call, bool) {
	cm, ok := c.activeCall()
	if !ok || cm.Call == nil {
		return nil, ok
	}
	cp := *cm.Call
	return &cp, true
}

// ClearActiveCall forgets the active call locally (nothing is sent).
func (c *Client) ClearActiveCall() { c.clearActiveCall() }

func (c *Client) activeCall() (*CallMessage, bool) {
	c.rt.mu.Lock()
	defer c.rt.mu.Unlock()
	return c.rt.call.active, c.rt.call.active != nil
}

// callSession returns the session id of a call message.
func callSession(cm *CallMessage) string {
	if cm == nil || cm.Call == nil {
		return ""
	}
	return cm.Call.SessionID
}

// updateCall sends PUT calls/{sessionid} with status.
func (c *Client) updateCall(ctx context.Context, sessionID, status string) (*CallMessage, error) {
	if strings.TrimSpace(sessionID) == "" {
		return nil, localError(ErrSessionIDRequired, "the call has no session id")
	}
	return c.callRequest(ctx, http.MethodPut, "calls/"+sessionID, map[string]any{"status": status})
}

// callRequest sends a calls request and decodes the call message it answers.
func (c *Client) callRequest(ctx context.Context, method, path string, body any) (*CallMessage, error) {
	var out messageOut
	if err := c.do(ctx, &call{method: method, path: path, body: body}, &out); err != nil {
		return nil, err
	}
	cm, ok := out.m.(*CallMessage)
	if !ok || cm.Call == nil {
		return nil, &Error{Code: ErrUnparseableResponse.Code, Message: "the calls response is not a call message", Method: method, Path: path}
	}
	return cm, nil
}

// setActiveCall makes cm the active call; ring starts the ring timer of an outgoing call.
func (c *Client) setActiveCall(cm *CallMessage, ring bool) {
	c.rt.mu.Lock()
	if c.rt.call.ringStop != nil {
		close(c.rt.call.ringStop)
		c.rt.call.ringStop = nil
	}
	c.rt.call.active = cm
	if !ring || c.rt.closed {
		c.rt.mu.Unlock()
		return
	}
	if c.rt.bgCtx == nil {
		c.rt.bgCtx, c.rt.bgCancel = context.WithCancel(context.Background())
	}
	stop := make(chan struct{})
	c.rt.call.ringStop = stop
	ctx := c.rt.bgCtx
	c.rt.bg.Add(1)
	c.rt.mu.Unlock()
	timeout := c.opts.realtime.ringTimeout
	if timeout <= 0 {
		timeout = DefaultRingTimeout
	}
	go func() {
		defer c.rt.bg.Done()
		t := time.NewTimer(timeout)
		defer t.Stop()
		select {
		case <-t.C:
			c.ringTimedOut(ctx, cm)
		case <-stop:
		case <-ctx.Done():
		}
	}()
}

// ringTimedOut marks an unanswered outgoing call and tells the call listeners (the service's frame
// for it carries this Client's own device id, so it would be suppressed as an echo).
func (c *Client) ringTimedOut(ctx context.Context, cm *CallMessage) {
	c.rt.mu.Lock()
	still := c.rt.call.active == cm
	if still {
		c.rt.call.active, c.rt.call.ringStop = nil, nil
	}
	c.rt.mu.Unlock()
	if !still {
		return
	}
	out, err := c.updateCall(ctx, callSession(cm), CallStatusUnanswered)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("cometchat: marking an unanswered call failed", "err", err)
			c.enqueueFunc(func() { c.reportError(err) })
		}
		return
	}
	c.enqueueFunc(func() { c.routeCall(out) })
}

// forgetCall clears the active call if it is sessionID.
func (c *Client) forgetCall(sessionID string) {
	c.rt.mu.Lock()
	defer c.rt.mu.Unlock()
	if callSession(c.rt.call.active) == sessionID {
		c.clearActiveCallLocked()
	}
}

func (c *Client) clearActiveCall() {
	c.rt.mu.Lock()
	defer c.rt.mu.Unlock()
	c.clearActiveCallLocked()
}

func (c *Client) clearActiveCallLocked() {
	if c.rt.call.ringStop != nil {
		close(c.rt.call.ringStop)
	}
	c.rt.call = callState{}
}

// observeCall updates the active call from a call message received on the listener path.
func (c *Client) observeCall(m *CallMessage, status string) {
	sid := callSession(m)
	c.rt.mu.Lock()
	defer c.rt.mu.Unlock()
	if sid == "" || callSession(c.rt.call.active) != sid {
		return
	}
	switch status {
	case CallStatusOngoing:
		if c.rt.call.ringStop != nil { // answered: stop ringing
			close(c.rt.call.ringStop)
			c.rt.call.ringStop = nil
		}
		c.rt.call.active = m
	case CallStatusUnanswered, CallStatusRejected, CallStatusBusy, CallStatusCancelled, CallStatusEnded:
		c.clearActiveCallLocked()
	}
}

// routeCall calls the call listeners for a call message (client-protocol.md §7.6).
func (c *Client) routeCall(m *CallMessage) {
	status := m.Status
	if status == "" && m.Call != nil {
		status = m.Call.Status
	}
	c.observeCall(m, status)
	me, _ := c.LoggedInUser()
	initiator := m.SenderUID()
	if m.Call != nil {
		switch {
		case m.Call.Initiator != nil && m.Call.Initiator.UID != "":
			initiator = m.Call.Initiator.UID
		case m.Call.SenderUID != "":
			initiator = m.Call.SenderUID
		}
	}
	iInitiated := me != nil && equalID(initiator, me.UID)
	group := m.ReceiverType() == ReceiverTypeGroup
	r := &c.rt.listeners.call
	fire := func(name string, pick func(CallListener) func(*CallMessage)) {
		emit(c, r, name, func(l CallListener) { call1(pick(l), m) })
	}
	switch status {
	case CallStatusInitiated:
		if group && iInitiated {
			return
		}
		fire("OnIncomingCallReceived", func(l CallListener) func(*CallMessage) { return l.OnIncomingCallReceived })
	case CallStatusOngoing:
		if group && !iInitiated {
			return
		}
		fire("OnOutgoingCallAccepted", func(l CallListener) func(*CallMessage) { return l.OnOutgoingCallAccepted })
	case CallStatusUnanswered:
		if iInitiated {
			fire("OnOutgoingCallRejected", func(l CallListener) func(*CallMessage) { return l.OnOutgoingCallRejected })
		} else {
			fire("OnIncomingCallCancelled", func(l CallListener) func(*CallMessage) { return l.OnIncomingCallCancelled })
		}
	case CallStatusRejected, CallStatusBusy:
		fire("OnOutgoingCallRejected", func(l CallListener) func(*CallMessage) { return l.OnOutgoingCallRejected })
	case CallStatusCancelled:
		fire("OnIncomingCallCancelled", func(l CallListener) func(*CallMessage) { return l.OnIncomingCallCancelled })
	case CallStatusEnded:
		fire("OnCallEndedMessageReceived", func(l CallListener) func(*CallMessage) { return l.OnCallEndedMessageReceived })
	}
}
