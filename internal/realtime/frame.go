package realtime

import (
	"encoding/json"
	"time"
)

// Frame is one server frame with its envelope decoded (client-protocol.md §7.3). The body is left raw:
// decoding it is the dispatcher's job, never the reader's.
type Frame struct {
	// Gen is the number of the connection the frame arrived on (1 for the first).
	Gen uint64
	// Type is the envelope type: message, typing_indicator, receipts, presence, reaction, …
	Type string
	// Action is the top-level action of bare frames (pong); some pin/save frames carry one too.
	Action        string
	AppID         string
	DeviceID      string
	Sender        string
	Receiver      string
	ReceiverType  string
	MessageSender string
	Body          json.RawMessage
	// Size is the frame's length in bytes.
	Size int
}

// envelope is the wire form of Frame.
type envelope struct {
	AppID         string          `json:"appId,omitempty"`
	Receiver      string          `json:"receiver,omitempty"`
	ReceiverType  string          `json:"receiverType,omitempty"`
	DeviceID      string          `json:"deviceId,omitempty"`
	Type          string          `json:"type,omitempty"`
	Sender        string          `json:"sender,omitempty"`
	MessageSender string          `json:"messageSender,omitempty"`
	Action        string          `json:"action,omitempty"`
	Body          json.RawMessage `json:"body,omitempty"`
}

// DecodeFrame decodes the envelope of a server frame.
func DecodeFrame(b []byte) (Frame, error) {
	var e envelope
	if err := json.Unmarshal(b, &e); err != nil {
		return Frame{}, err
	}
	return Frame{Type: e.Type, Action: e.Action, AppID: e.AppID, DeviceID: e.DeviceID, Sender: e.Sender,
		Receiver: e.Receiver, ReceiverType: e.ReceiverType, MessageSender: e.MessageSender, Body: e.Body, Size: len(b)}, nil
}

// Outbound is a client frame in the official SDK's key order (client-protocol.md §7.3–7.4): appId,
// receiver, receiverType, deviceId, type, sender, messageSender, body. Empty fields are omitted.
type Outbound struct {
	AppID         string `json:"appId,omitempty"`
	Receiver      string `json:"receiver,omitempty"`
	ReceiverType  string `json:"receiverType,omitempty"`
	DeviceID      string `json:"deviceId,omitempty"`
	Type          string `json:"type"`
	Sender        string `json:"sender,omitempty"`
	MessageSender string `json:"messageSender,omitempty"`
	Body          any    `json:"body"`
}

// pingFrame is the protocol's keep-alive request; ack is the string "true" (client-protocol.md §7.7).
var pingFrame = []byte(`{"action":"ping","ack":"true"}`)

// Identity is what the auth frame says about the client (client-protocol.md §7.4).
type Identity struct {
	AppID string
	// UID is the logged-in user (the envelope's sender).
	UID string
	// SessionID is the per-client session id: the REST resource header and the frame deviceId.
	SessionID string
	// DeviceID is the persistent device id (params.deviceId).
	DeviceID string
	// Presence is ALL_USERS, ROLES or FRIENDS; "" or NONE omits presenceSubscription.
	Presence string
	// Roles go with Presence ROLES.
	Roles []string
	// Version and APIVersion fill params.appInfo; Platform and UserAgent fill params.
	Version, APIVersion, Platform, UserAgent string
}

type authBody struct {
	Auth                 string     `json:"auth"`
	DeviceID             string     `json:"deviceId"`
	PresenceSubscription string     `json:"presenceSubscription,omitempty"`
	Roles                []string   `json:"roles,omitempty"`
	Params               authParams `json:"params"`
}

type authParams struct {
	AppInfo   appInfo `json:"appInfo"`
	UserAgent string  `json:"userAgent,omitempty"`
	DeviceID  string  `json:"deviceId"`
	Platform  string  `json:"platform"`
}

type appInfo struct {
	Version    string `json:"version"`
	APIVersion string `json:"apiVersion"`
	UTS        int64  `json:"uts"`
}

// AuthFrame builds the auth frame for jwt at now, exactly in the official SDK's shape
// (examples/ws_client_frames.json "auth"; appInfo.origin is a browser's page origin and is omitted).
func AuthFrame(id Identity, jwt string, now time.Time) ([]byte, error) {
	b := authBody{Auth: jwt, DeviceID: id.SessionID, Params: authParams{
		AppInfo:   appInfo{Version: id.Version, APIVersion: id.APIVersion, UTS: now.UnixMilli()},
		UserAgent: id.UserAgent, DeviceID: id.DeviceID, Platform: id.Platform,
	}}
	switch id.Presence {
	case "", "NONE":
	case "ROLES":
		b.PresenceSubscription = id.Presence
		if len(id.Roles) > 0 {
			b.Roles = id.Roles
		}
	default:
		b.PresenceSubscription = id.Presence
	}
	return json.Marshal(Outbound{AppID: id.AppID, DeviceID: id.SessionID, Type: "auth", Sender: id.UID, Body: b})
}

// authReply is the body of the server's auth frame: status "OK" and code "200", both strings.
type authReply struct {
	Status string `json:"status"`
	Code   any    `json:"code"`
}
