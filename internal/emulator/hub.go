package emulator

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// The WebSocket hub (client-protocol.md §7).
//
// Every upgrade request, on any path, reaches serveWS through handleFallback. A connection must send
// the auth frame first; its JWT (from a Me payload) is looked up with jwtUserLocked, the hub answers
// {"type":"auth","body":{"status":"OK","code":"200"}} with the client's own deviceId, and from then on
// the connection receives:
//
//   - every published Event whose Frame is set, if its user is in Event.Recipients (except the
//     session named by Event.ExceptDevice). Frames keep the originating deviceId, so the sending
//     session drops its own echo while the same user's other sessions process it (§7.9);
//   - typing, transient and receipt frames relayed from other clients (wsrelay.go);
//   - presence frames for the users its presenceSubscription covers (§7.11);
//   - pongs for its pings.
//
// Hub state lives under Server.mu with the rest of the state, because the event sink runs with that
// lock held. Each connection has a bounded outbound queue drained by its own writer goroutine, so a
// sink never blocks: a connection whose queue is full is a slow consumer and is dropped (the SDK
// reconnects and catches up over REST).

// Hub limits.
const (
	// wsQueueSize is how many frames may wait for one connection's writer; the queue grows to it
	// only under load.
	wsQueueSize = 8192
	// wsReadLimit is the largest client frame accepted.
	wsReadLimit = 1 << 20
	// wsAuthTimeout is how long a new connection may take to send its auth frame.
	wsAuthTimeout = 30 * time.Second
	// wsWriteTimeout bounds one frame write.
	wsWriteTimeout = 10 * time.Second
	// The group size above which typing and receipts are not relayed is Config.GroupFeatureLimit
	// (grouplimits.go).
)

// Event kinds of the hub.
const (
	// EventUserOnline: a user's first socket authenticated (Frame is the presence frame).
	EventUserOnline EventKind = "user_online"
	// EventUserOffline: a user's last socket closed.
	EventUserOffline EventKind = "user_offline"
	// EventTyping: a typing frame was relayed.
	EventTyping EventKind = "typing_relayed"
	// EventTransient: a transient message was relayed.
	EventTransient EventKind = "transient_relayed"
)

// hub is the WebSocket side of a Server. Fields marked (mu) are guarded by Server.mu.
type hub struct {
	s *Server

	conns  map[*wsConn]struct{}            // (mu) every accepted connection
	byUID  map[string]map[*wsConn]struct{} // (mu) authenticated connections by uid
	closed bool                            // (mu) the Server is closing
	nextID int                             // (mu)

	// Fault injection (faults.go). (mu)
	refuseUntil   time.Time
	stallUntil    time.Time
	stallForever  bool
	frameDelay    time.Duration
	duplicateNext int

	wg sync.WaitGroup
}

// registerHubRoutes installs the hub: the event sink and the shutdown hook. The upgrade itself is
// routed by handleFallback.
func (s *Server) registerHubRoutes() {
	h := &hub{s: s, conns: map[*wsConn]struct{}{}, byUID: map[string]map[*wsConn]struct{}{}}
	s.hub = h
	s.mu.Lock()
	s.addEventSinkLocked(h.onEventLocked)
	s.mu.Unlock()
	s.onClose(h.shutdown)
}

// isWebSocketUpgrade reports whether r asks for a WebSocket.
func isWebSocketUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
		strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade")
}

// serveWS accepts one WebSocket connection and serves it until it closes. The handler goroutine is
// the connection's reader.
func (h *hub) serveWS(w http.ResponseWriter, r *http.Request) {
	s := h.s
	s.mu.Lock()
	refusing := h.closed || time.Now().Before(h.refuseUntil)
	s.mu.Unlock()
	if refusing {
		writeJSON(w, http.StatusServiceUnavailable, newError("ERR_MISSION_FAILED",
			"The WebSocket server is not accepting connections right now.").wire())
		return
	}
	if !s.webSocketOriginAllowed(r) { // cors.go: Config.CORSOrigins, AllowAnyWebSocketOrigin
		http.Error(w, "cometchat emulator: WebSocket origin not allowed", http.StatusForbidden)
		return
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return // Accept has answered the request
	}
	ws.SetReadLimit(wsReadLimit)
	c := &wsConn{h: h, ws: ws, wake: make(chan struct{}, 1), kill: make(chan struct{}), done: make(chan struct{})}
	s.mu.Lock()
	if h.closed {
		s.mu.Unlock()
		_ = ws.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	h.nextID++
	c.id = h.nextID
	h.conns[c] = struct{}{}
	h.wg.Add(2)
	s.mu.Unlock()
	go func() {
		defer h.wg.Done()
		c.writeLoop()
	}()
	defer h.wg.Done()
	c.readLoop()
	s.mu.Lock()
	h.removeLocked(c)
	s.mu.Unlock()
	c.killNow()
}

// shutdown closes every connection with 1001 and waits for their goroutines (Server.Close).
func (h *hub) shutdown() {
	h.s.mu.Lock()
	h.closed = true
	for _, c := range slices.Collect(maps.Keys(h.conns)) {
		c.closeLocked(websocket.StatusGoingAway, "server shutting down")
	}
	h.s.mu.Unlock()
	h.wg.Wait()
}

// registerLocked adds an authenticated connection and reports the user online if it is their first.
// Caller holds s.mu.
func (h *hub) registerLocked(c *wsConn) {
	set := h.byUID[c.uid]
	if set == nil {
		set = map[*wsConn]struct{}{}
		h.byUID[c.uid] = set
	}
	set[c] = struct{}{}
	st := h.s.st
	st.online[c.uid]++
	if st.online[c.uid] == 1 {
		h.presenceLocked(c.uid, c.device, "online")
	}
}

// removeLocked forgets a connection and reports the user offline if it was their last. It is
// idempotent. Caller holds s.mu.
func (h *hub) removeLocked(c *wsConn) {
	delete(h.conns, c)
	if !c.authed {
		return
	}
	c.authed = false
	if set := h.byUID[c.uid]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(h.byUID, c.uid)
		}
	}
	st := h.s.st
	if st.online[c.uid] > 0 {
		st.online[c.uid]--
	}
	if st.online[c.uid] == 0 {
		delete(st.online, c.uid)
		if u, ok := st.Users[c.uid]; ok {
			u.LastActiveAt = h.s.now().Unix()
		}
		h.presenceLocked(c.uid, c.device, "offline")
	}
}

// presenceLocked publishes a presence frame about uid to every other user's session whose
// subscription covers uid (client-protocol.md §7.11). Caller holds s.mu.
func (h *hub) presenceLocked(uid, device, action string) {
	st := h.s.st
	u, ok := st.Users[uid]
	if !ok {
		return
	}
	user := h.s.renderUserLocked(u, "")
	if action == "online" {
		user.Status = "online"
	}
	now := h.s.now().Unix()
	frame := wsFrame{AppID: h.s.cfg.AppID, DeviceID: device, Type: "presence", Sender: uid,
		Body: map[string]any{"action": action, "user": user, "timestamp": now}}
	kind := EventUserOnline
	if action == "offline" {
		kind = EventUserOffline
	}
	// Recipients are chosen per connection (subscriptions are per session), so the frame is delivered
	// here and the event goes out without Recipients for other observers.
	b := encodeFrame(frame)
	for _, other := range h.presenceTargetsLocked() { // presencecap.go: none above the fan-out cap
		if other == uid {
			continue
		}
		for c := range h.byUID[other] {
			if h.subscribedLocked(c, u) {
				c.enqueueLocked(b)
			}
		}
	}
	h.s.publish(Event{Kind: kind, UID: uid, Session: device})
}

// subscribedLocked reports whether connection c receives presence of user u.
func (h *hub) subscribedLocked(c *wsConn, u *userRecord) bool {
	switch c.presence {
	case "ALL_USERS":
		return true
	case "ROLES":
		return slices.Contains(c.roles, u.Role)
	case "FRIENDS":
		_, ok := h.s.st.Friends[c.uid][u.UID]
		return ok
	}
	return false
}

// onEventLocked is the hub's event sink: it delivers Frame to the recipients' sessions and closes
// the sockets of ended sessions and revoked tokens. Caller holds s.mu.
func (h *hub) onEventLocked(ev Event) {
	switch ev.Kind {
	case EventSessionEnded:
		for c := range h.byUID[normID(ev.UID)] {
			if c.device == ev.Session {
				c.closeLocked(websocket.StatusNormalClosure, "session ended")
			}
		}
	case EventAuthTokensDropped:
		for c := range h.byUID[normID(ev.UID)] {
			if slices.Contains(ev.AuthTokens, c.token) {
				c.closeLocked(websocket.StatusPolicyViolation, "auth revoked")
			}
		}
	case EventUserDeactivated, EventUserDeleted:
		for c := range h.byUID[normID(ev.UID)] {
			c.closeLocked(websocket.StatusPolicyViolation, "auth revoked")
		}
	}
	if ev.Frame == nil || len(ev.Recipients) == 0 {
		return
	}
	h.deliverLocked(encodeFrame(ev.Frame), ev.Recipients, ev.ExceptDevice)
}

// deliverLocked queues frame b for every authenticated session of recipients except exceptDevice.
// Caller holds s.mu.
func (h *hub) deliverLocked(b []byte, recipients []string, exceptDevice string) {
	dup := h.duplicateNext > 0
	if dup {
		h.duplicateNext--
	}
	seen := make(map[string]bool, len(recipients))
	for _, uid := range recipients {
		uid = normID(uid)
		if seen[uid] {
			continue
		}
		seen[uid] = true
		for c := range h.byUID[uid] {
			if exceptDevice != "" && c.device == exceptDevice {
				continue
			}
			c.enqueueLocked(b)
			if dup {
				c.enqueueLocked(b)
			}
		}
	}
}

// wsFrame is a server frame envelope (client-protocol.md §7.3), in the official key order.
type wsFrame struct {
	AppID         string `json:"appId,omitempty"`
	Receiver      string `json:"receiver,omitempty"`
	ReceiverType  string `json:"receiverType,omitempty"`
	DeviceID      string `json:"deviceId,omitempty"`
	Type          string `json:"type"`
	Sender        string `json:"sender,omitempty"`
	MessageSender string `json:"messageSender,omitempty"`
	Body          any    `json:"body"`
}

// encodeFrame marshals a frame without HTML escaping (mentions stay "<@uid:…>"). Raw bytes pass
// through.
func encodeFrame(v any) []byte {
	switch b := v.(type) {
	case []byte:
		return b
	case json.RawMessage:
		return b
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte(`{}`)
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}
