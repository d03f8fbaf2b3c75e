package emulator

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// wsConn is one WebSocket connection of the hub. Its reader is the HTTP handler goroutine; its writer
// drains out. Fields marked (mu) are guarded by Server.mu.
type wsConn struct {
	h  *hub
	ws *websocket.Conn
	id int

	authed   bool     // (mu)
	uid      string   // (mu) set at auth, then constant
	device   string   // (mu) the client's session id (frame deviceId)
	token    string   // (mu) the auth token behind the JWT
	presence string   // (mu) presenceSubscription
	roles    []string // (mu)

	// q carries frames and, last, a close request, in order. It grows with use (an idle connection
	// costs nothing) up to wsQueueSize items; wake tells the writer something was queued.
	qmu     sync.Mutex
	q       []wsItem
	wake    chan struct{}
	closing bool // (mu) a close was queued; nothing more is queued after it

	// kill drops the connection at once (no close frame); done is closed when both goroutines end.
	kill     chan struct{}
	killOnce sync.Once
	done     chan struct{}
}

// wsItem is one entry of a connection's queue: a frame, or a close request.
type wsItem struct {
	frame  []byte
	close  bool
	code   websocket.StatusCode
	reason string
}

// enqueueLocked queues a frame without blocking; a full queue drops the connection. Caller holds s.mu.
func (c *wsConn) enqueueLocked(b []byte) {
	if c.closing {
		return
	}
	if !c.push(wsItem{frame: b}) {
		c.h.s.log.Debug("hub: slow consumer dropped", "uid", c.uid, "conn", c.id)
		c.dropLocked()
		return
	}
	c.h.s.observeFrame(frameOut, c.id, c.device, c.uid, b) // dashboard.go: live feed
}

// push queues it unless the queue is full (a slow consumer), and wakes the writer.
func (c *wsConn) push(it wsItem) bool {
	c.qmu.Lock()
	if len(c.q) >= wsQueueSize {
		c.qmu.Unlock()
		return false
	}
	c.q = append(c.q, it)
	c.qmu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return true
}

// pop takes the oldest queued item, if any.
func (c *wsConn) pop() (wsItem, bool) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if len(c.q) == 0 {
		return wsItem{}, false
	}
	it := c.q[0]
	c.q[0] = wsItem{}
	c.q = c.q[1:]
	if len(c.q) == 0 {
		c.q = nil // let a burst's backing array go
	}
	return it, true
}

// dropLocked drops the connection at once, without a close frame (a network failure, a slow
// consumer). Caller holds s.mu.
func (c *wsConn) dropLocked() {
	c.closing = true
	c.h.removeLocked(c)
	c.killNow()
}

// closeLocked queues a clean close after the frames already queued. Caller holds s.mu.
func (c *wsConn) closeLocked(code websocket.StatusCode, reason string) {
	if c.closing {
		return
	}
	c.closing = true
	// It stops counting at once: no more frames, and its user may go offline now.
	c.h.removeLocked(c)
	if !c.push(wsItem{close: true, code: code, reason: reason}) {
		c.killNow()
	}
}

// killNow drops the connection without a close frame (a test-triggered drop, or a slow consumer).
func (c *wsConn) killNow() {
	c.killOnce.Do(func() { close(c.kill) })
}

// writeLoop sends queued frames, applying the injected delay, until a close request, a kill or a
// write error.
func (c *wsConn) writeLoop() {
	defer func() { _ = c.ws.CloseNow() }()
	for {
		select {
		case <-c.kill:
			return
		default:
		}
		it, ok := c.pop()
		if !ok {
			select {
			case <-c.kill:
				return
			case <-c.wake:
				continue
			}
		}
		if it.close {
			_ = c.ws.Close(it.code, it.reason)
			return
		}
		if d := c.h.delay(); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-c.kill:
				t.Stop()
				return
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), wsWriteTimeout)
		err := c.ws.Write(ctx, websocket.MessageText, it.frame)
		cancel()
		if err != nil {
			return
		}
	}
}

// delay returns the injected per-frame delay.
func (h *hub) delay() time.Duration {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return h.frameDelay
}

// readLoop reads client frames until the connection ends. The first frame must be auth.
func (c *wsConn) readLoop() {
	// A kill or a failed write makes the writer close the socket, which ends a blocked Read.
	ctx := context.Background()
	for {
		rctx := ctx
		var rcancel context.CancelFunc = func() {}
		if !c.isAuthed() {
			rctx, rcancel = context.WithTimeout(ctx, wsAuthTimeout)
		}
		_, b, err := c.ws.Read(rctx)
		rcancel()
		if err != nil {
			return
		}
		c.handle(b)
	}
}

func (c *wsConn) isAuthed() bool {
	c.h.s.mu.Lock()
	defer c.h.s.mu.Unlock()
	return c.authed
}

// clientFrame is a client frame: the envelope of client-protocol.md §7.3, or a bare ping.
type clientFrame struct {
	AppID         string          `json:"appId"`
	Receiver      string          `json:"receiver"`
	ReceiverType  string          `json:"receiverType"`
	DeviceID      string          `json:"deviceId"`
	Type          string          `json:"type"`
	Sender        string          `json:"sender"`
	MessageSender string          `json:"messageSender"`
	Action        string          `json:"action"`
	Body          json.RawMessage `json:"body"`
}

// handle acts on one client frame.
func (c *wsConn) handle(b []byte) {
	var f clientFrame
	if err := json.Unmarshal(b, &f); err != nil {
		return // not JSON: ignored, as the service ignores unknown frames
	}
	s := c.h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observeFrame(frameIn, c.id, c.device, c.uid, b) // dashboard.go: live feed
	if !c.authed {
		if f.Type != "auth" {
			c.refuseLocked(f.DeviceID) // a frame before auth (client-protocol.md §7.13)
			return
		}
		c.authLocked(f)
		return
	}
	switch {
	case f.Action == "ping":
		if !c.h.stalledLocked() {
			c.enqueueLocked([]byte(`{"action":"pong"}`))
		}
	case f.Type == "typing_indicator":
		c.relayLocked(f, EventTyping, true)
	case f.Type == "transient_message":
		c.relayLocked(f, EventTransient, false)
	case f.Type == "receipts":
		c.receiptLocked(f)
	}
}

// authBodyJSON is the body of the auth frame.
type authBodyJSON struct {
	Auth                 string   `json:"auth"`
	DeviceID             string   `json:"deviceId"`
	PresenceSubscription string   `json:"presenceSubscription"`
	Roles                []string `json:"roles"`
}

// authLocked checks the auth frame's JWT and answers it. Caller holds s.mu.
func (c *wsConn) authLocked(f clientFrame) {
	s := c.h.s
	var body authBodyJSON
	_ = json.Unmarshal(f.Body, &body)
	device := body.DeviceID
	if device == "" {
		device = f.DeviceID
	}
	rec, ok := s.jwtUserLocked(body.Auth)
	if ok && rec.Session != "" {
		// A JWT of a session that logged out no longer opens a socket.
		if sess, found := s.st.Sessions[rec.Session]; found && sess.EndedAt != 0 {
			ok = false
		}
	}
	if !ok {
		c.refuseLocked(device)
		return
	}
	c.authed, c.uid, c.device, c.token = true, rec.UID, device, rec.AuthToken
	c.presence, c.roles = body.PresenceSubscription, body.Roles
	c.enqueueLocked(encodeFrame(wsFrame{AppID: s.cfg.AppID, DeviceID: device, Type: "auth", Sender: rec.UID,
		Body: map[string]string{"status": "OK", "code": "200"}}))
	c.h.registerLocked(c)
}

// refuseLocked answers an auth failure and closes with 1008. Caller holds s.mu.
func (c *wsConn) refuseLocked(device string) {
	c.enqueueLocked(encodeFrame(wsFrame{AppID: c.h.s.cfg.AppID, DeviceID: device, Type: "auth",
		Body: map[string]string{"status": "ERROR", "code": "401"}}))
	c.closeLocked(websocket.StatusPolicyViolation, "authentication failed")
}
