package cometchat

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/cometchat-go/cometchat/internal/realtime"
)

// The realtime connection (client-protocol.md §7): after login (unless AppSettings.DisableAutoConnect)
// the Client dials wss://{CHAT_HOST}:{CHAT_WSS_PORT} from the server's settings (or the pinned
// Endpoints.WebSocket), authenticates with the session's JWT, keeps the link alive with the protocol's
// ping, and reconnects with jittered exponential back-off. Events reach the listeners (listeners.go)
// through one ordered dispatcher (dispatch.go); missed messages are recovered after every reconnect
// (catchup.go).

// realtimeState is the realtime part of a Client. The zero value is ready.
type realtimeState struct {
	listeners listenerSet

	// startMu serialises starting and stopping the session.
	startMu sync.Mutex

	mu      sync.Mutex
	sess    *realtime.Session
	sessUID string
	disp    *dispatcher
	cur     *cursor
	closed  bool
	typing  map[string]bool
	call    callState
	// bg tracks background goroutines (ring timers); bgCtx ends them on Close.
	bg       sync.WaitGroup
	bgCtx    context.Context
	bgCancel context.CancelFunc

	typingDropped atomic.Int64
}

// rtSession returns the current realtime session, or nil.
func (c *Client) rtSession() *realtime.Session {
	c.rt.mu.Lock()
	defer c.rt.mu.Unlock()
	return c.rt.sess
}

// dispatcherIfRunning returns the dispatcher if one was started.
func (c *Client) dispatcherIfRunning() *dispatcher {
	c.rt.mu.Lock()
	defer c.rt.mu.Unlock()
	return c.rt.disp
}

// ensureDispatcherLocked starts the dispatcher on first use. Caller holds c.rt.mu.
func (c *Client) ensureDispatcherLocked() *dispatcher {
	if c.rt.disp == nil && !c.rt.closed {
		buf := c.opts.realtime.eventBuffer
		if buf <= 0 {
			buf = DefaultEventBuffer
		}
		c.rt.disp = newDispatcher(c, buf)
	}
	return c.rt.disp
}

// enqueueFunc runs fn on the dispatcher goroutine, after the events already queued.
func (c *Client) enqueueFunc(fn func()) {
	c.rt.mu.Lock()
	d := c.ensureDispatcherLocked()
	c.rt.mu.Unlock()
	if d != nil {
		d.q.push(qItem{kind: qFunc, fn: fn})
	}
}

// Connect opens the realtime connection if it is not open or opening, and waits until it is up (the
// service accepted its JWT) or ctx ends. It is needed only with AppSettings.DisableAutoConnect; with
// auto-connect it just waits for the connection Login started. When ctx ends first the connection
// keeps trying in the background (Disconnect stops it). A terminal failure (the JWT refused twice, the
// attempt limit) is returned as a *ConnectionError.
func (c *Client) Connect(ctx context.Context) error {
	if err := c.checkOpen(); err != nil {
		return err
	}
	s, err := c.startRealtime(ctx)
	if err != nil {
		return err
	}
	return waitErr(s.WaitConnected(ctx))
}

// waitErr maps a realtime wait error to the SDK's.
func waitErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, realtime.ErrStopped):
		return localError(ErrNoWebSocketConnection, "the realtime connection was closed")
	}
	return &ConnectionError{Terminal: true, Err: err}
}

// Disconnect closes the realtime connection (close 1000, "User logged out") and stops reconnecting,
// like the official disconnect(). The session stays logged in; Connect opens the connection again.
func (c *Client) Disconnect() error {
	if err := c.checkOpen(); err != nil {
		return err
	}
	c.stopRealtime()
	return nil
}

// ConnectionStatus returns the realtime connection's status.
func (c *Client) ConnectionStatus() ConnectionStatus {
	s := c.rtSession()
	if s == nil {
		return StatusDisconnected
	}
	switch s.State() {
	case realtime.StateConnected:
		return StatusConnected
	case realtime.StateConnecting:
		return StatusConnecting
	}
	return StatusDisconnected
}

// RealtimeStats are counters of the realtime connection and the event dispatch.
type RealtimeStats struct {
	Status ConnectionStatus
	// Connects counts authenticated links of the current connection; Reconnects those after the first.
	Connects, Reconnects int64
	// FramesIn, BytesIn and FramesOut count frames received (echoes excluded) and sent.
	FramesIn, BytesIn, FramesOut int64
	// Echoes counts frames dropped because this Client sent them (same device id).
	Echoes int64
	// Pings, PongTimeouts and LastRTT describe the keep-alive.
	Pings, PongTimeouts int64
	LastRTT             time.Duration
	// Queued events wait for the listeners; Dropped were lost to a full buffer.
	Queued  int
	Dropped int64
	// Delivered messages reached the listeners, Replayed of them through catch-up; Duplicates were
	// dropped as already delivered; CatchUps counts completed catch-ups.
	Delivered, Replayed, Duplicates, CatchUps int64
	// HandlerPanics counts recovered listener panics.
	HandlerPanics int64
	// TypingDropped counts typing indicators not sent because the connection was down or throttled.
	TypingDropped int64
	// Cursor is the id of the last message handed to the listeners (the catch-up position).
	Cursor MessageID
}

// RealtimeStats returns the current counters.
func (c *Client) RealtimeStats() RealtimeStats {
	st := RealtimeStats{Status: c.ConnectionStatus(), TypingDropped: c.rt.typingDropped.Load()}
	c.rt.mu.Lock()
	s, d, cu := c.rt.sess, c.rt.disp, c.rt.cur
	c.rt.mu.Unlock()
	if s != nil {
		ss := s.Stats()
		st.Connects, st.Reconnects, st.FramesIn, st.BytesIn, st.FramesOut = ss.Connects, ss.Reconnects, ss.FramesIn, ss.BytesIn, ss.FramesOut
		st.Echoes, st.Pings, st.PongTimeouts, st.LastRTT = ss.Echoes, ss.Pings, ss.PongTimeouts, ss.LastRTT
	}
	if d != nil {
		st.Queued, st.Dropped = d.q.stats()
		st.Delivered, st.Replayed, st.Duplicates = d.delivered.Load(), d.replayed.Load(), d.duplicates.Load()
		st.CatchUps, st.HandlerPanics = d.catchUps.Load(), d.panics.Load()
	}
	if cu != nil {
		st.Cursor, _, _ = cu.position()
	}
	return st
}

// startRealtime starts the session for the logged-in user unless one is running for them, and
// returns it.
func (c *Client) startRealtime(ctx context.Context) (*realtime.Session, error) {
	c.rt.startMu.Lock()
	defer c.rt.startMu.Unlock()
	c.mu.RLock()
	sess := c.sess
	c.mu.RUnlock()
	if sess == nil {
		return nil, localError(ErrNotLoggedIn, "the realtime connection needs a logged-in user")
	}
	uid := sess.user.UID
	c.rt.mu.Lock()
	if c.rt.closed {
		c.rt.mu.Unlock()
		return nil, localError(ErrClosed, "the Client is closed")
	}
	old := c.rt.sess
	if old != nil && c.rt.sessUID == uid && old.Err() == nil {
		c.rt.mu.Unlock()
		return old, nil
	}
	c.rt.sess = nil
	if c.rt.cur == nil || c.rt.cur.uid != uid {
		c.rt.cur = newCursor(c.settings.AppID, uid, c.opts.realtime.cursorStore)
	}
	cur := c.rt.cur
	d := c.ensureDispatcherLocked()
	// The dispatcher owns its cursor field; it switches before any event of the new session.
	d.q.push(qItem{kind: qFunc, fn: func() { d.cur = cur }})
	if c.rt.bgCtx == nil {
		c.rt.bgCtx, c.rt.bgCancel = context.WithCancel(context.Background())
	}
	c.rt.mu.Unlock()
	if old != nil {
		old.Stop() // a failed session, or another user's
	}

	wsURL, err := c.websocketURL(sess)
	if err != nil {
		return nil, err
	}
	if !c.opts.realtime.noCatchUp {
		if err := c.initCursor(ctx, cur); err != nil {
			// Without a starting position the catch-up begins with the first delivered message.
			c.log.Warn("cometchat: no catch-up position", "err", err)
		}
	}
	s, err := realtime.New(c.sessionConfig(wsURL, sess, d))
	if err != nil {
		return nil, &Error{Code: ErrInvalidAppSettings.Code, Message: err.Error(), Local: true}
	}
	c.rt.mu.Lock()
	if c.rt.closed {
		c.rt.mu.Unlock()
		return nil, localError(ErrClosed, "the Client is closed")
	}
	c.rt.sess, c.rt.sessUID = s, uid
	c.rt.mu.Unlock()
	s.Start()
	return s, nil
}

// sessionConfig builds the realtime configuration for sess.
func (c *Client) sessionConfig(wsURL string, sess *session, d *dispatcher) realtime.Config {
	ro := c.opts.realtime
	dial := ro.dial
	if dial == nil {
		hc := c.settings.HTTPClient
		if hc == nil {
			// Not pooled: a WebSocket connection is never reused, and a dial cancelled by Disconnect
			// must not leave a connection behind in a pool.
			hc = cleanhttp.DefaultClient()
		}
		dial = realtime.WebSocketDialer(hc, ro.readLimit)
	}
	return realtime.Config{
		URL:  wsURL,
		Dial: dial,
		Identity: realtime.Identity{
			AppID: c.settings.AppID, UID: sess.user.UID, SessionID: c.sessionID, DeviceID: c.deviceID,
			Presence: string(c.settings.Presence.Mode), Roles: c.settings.Presence.Roles,
			Version: Version, APIVersion: apiVersion, Platform: c.opts.sdkName, UserAgent: "cometchat-go/" + Version,
		},
		JWT:        sess.jwt,
		RefreshJWT: c.refreshJWT,
		IsTerminal: isTerminalAuth,
		OnFrame:    d.q.pushFrame,
		OnEvent:    func(ev realtime.Event) { d.q.push(qItem{kind: qConn, ev: ev}) },
		Heartbeat:  ro.heartbeat.realtime(),
		Backoff:    ro.reconnect.backoff(),
		Rand:       ro.random,
		Logger:     c.log,
	}
}

// websocketURL is the pinned Endpoints.WebSocket, else wss://{chat host}:{CHAT_WSS_PORT} from the
// server's settings, exactly as the official SDK builds it (client-protocol.md §1.2).
func (c *Client) websocketURL(sess *session) (string, error) {
	if ws := c.settings.Endpoints.WebSocket; ws != "" {
		return ws, nil
	}
	host := sess.settings.ChatHost()
	if host == "" {
		return "", localError(ErrNoWebSocketConnection, "the server settings name no CHAT_HOST")
	}
	u := "wss://" + host
	if port := sess.settings.String(SettingChatWSSPort); port != "" {
		u += ":" + port
	}
	return u, nil
}

// refreshJWT fetches a new JWT with GET me after the socket refused the old one. It does not go
// through the session-expiry handling (which may log in again and must not run on the realtime
// goroutine); a rejected token is terminal for the socket.
func (c *Client) refreshJWT(ctx context.Context) (string, error) {
	c.mu.RLock()
	sess := c.sess
	c.mu.RUnlock()
	if sess == nil {
		return "", localError(ErrNotLoggedIn, "logged out")
	}
	var me mePayload
	if err := c.do(ctx, &call{method: http.MethodGet, path: "me", noExpiry: true}, &me); err != nil {
		return "", err
	}
	if me.JWT == "" {
		return "", &Error{Code: ErrUnparseableResponse.Code, Message: "the me response has no jwt", Method: http.MethodGet, Path: "me"}
	}
	c.mu.Lock()
	if c.sess == sess {
		sess.jwt = me.JWT
		if len(me.Settings.Keys()) > 0 {
			sess.settings = me.Settings
		}
	}
	c.rememberSecret(me.JWT)
	c.mu.Unlock()
	return me.JWT, nil
}

// isTerminalAuth says whether a JWT refresh error ends the realtime connection for good.
func isTerminalAuth(err error) bool {
	for _, s := range []*Error{ErrAuthTokenNotFound, ErrSessionExpired, ErrNotLoggedIn, ErrClosed, ErrAuthInvalidAppID} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// stopRealtime closes the session and forgets the typing state; the dispatcher keeps running.
func (c *Client) stopRealtime() {
	c.rt.startMu.Lock()
	defer c.rt.startMu.Unlock()
	c.rt.mu.Lock()
	s, cu := c.rt.sess, c.rt.cur
	c.rt.sess = nil
	c.rt.typing = nil
	c.rt.mu.Unlock()
	if s != nil {
		s.Stop()
	}
	if cu != nil {
		if err := cu.flush(context.Background()); err != nil {
			c.log.Warn("cometchat: saving the catch-up position failed", "err", err)
		}
	}
}

// afterLogin runs at the end of a successful login (the caller holds loginMu): it opens the realtime
// connection unless auto-connect is off. A failure to start is reported, not returned: the login
// itself succeeded.
func (c *Client) afterLogin(ctx context.Context) {
	if c.settings.DisableAutoConnect {
		return
	}
	if _, err := c.startRealtime(ctx); err != nil {
		c.log.Warn("cometchat: realtime connection not started", "err", err)
		c.enqueueFunc(func() { c.reportError(err) })
	}
}

// beforeLogout closes the realtime connection before DELETE me (so the service's session end does not
// look like a dropped link) and clears the call and typing state.
func (c *Client) beforeLogout() {
	c.stopRealtime()
	c.clearActiveCall()
}

// reportLogin tells the login listeners how a login ended.
func (c *Client) reportLogin(user *User, err error) {
	if err != nil {
		c.enqueueFunc(func() {
			c.emitLogin("OnLoginFailure", func(l LoginListener) {
				if l.OnLoginFailure != nil {
					l.OnLoginFailure(err)
				}
			})
		})
		return
	}
	u := *user
	c.enqueueFunc(func() {
		c.emitLogin("OnLoginSuccess", func(l LoginListener) {
			if l.OnLoginSuccess != nil {
				uu := u
				l.OnLoginSuccess(&uu)
			}
		})
	})
}

// reportLogout tells the login listeners how a logout ended.
func (c *Client) reportLogout(err error) {
	c.enqueueFunc(func() {
		c.emitLogin("OnLogout", func(l LoginListener) {
			switch {
			case err == nil && l.OnLogoutSuccess != nil:
				l.OnLogoutSuccess()
			case err != nil && l.OnLogoutFailure != nil:
				l.OnLogoutFailure(err)
			}
		})
	})
}

// closeRealtime stops everything realtime and waits for its goroutines (Close). Called from a
// listener callback it does not wait for the dispatcher (which is running that callback); the
// dispatcher ends right after the callback returns.
func (c *Client) closeRealtime() {
	// No callbacks once Close has begun: discard what is queued before the (slower) socket shutdown,
	// so no handler starts against a Client that is already refusing calls.
	c.rt.mu.Lock()
	if d := c.rt.disp; d != nil {
		d.q.close()
		d.stop()
	}
	c.rt.mu.Unlock()
	c.stopRealtime()
	c.rt.mu.Lock()
	c.rt.closed = true
	d := c.rt.disp
	cancel := c.rt.bgCancel
	c.rt.mu.Unlock()
	c.clearActiveCall()
	if cancel != nil {
		cancel()
	}
	c.rt.bg.Wait()
	if d != nil {
		d.shutdown()
	}
}

// sendFrame writes a frame on the realtime connection, or fails with ErrNoWebSocketConnection.
func (c *Client) sendFrame(ctx context.Context, frame []byte) error {
	s := c.rtSession()
	if s == nil {
		return localError(ErrNoWebSocketConnection, "the realtime connection is not open")
	}
	err := s.Send(ctx, frame)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, realtime.ErrNotConnected) || errors.Is(err, realtime.ErrStopped):
		return localError(ErrNoWebSocketConnection, "the realtime connection is not up")
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return &Error{Code: ErrNoWebSocketConnection.Code, Message: "writing the frame failed", Local: true, Err: err}
}
