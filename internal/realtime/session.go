package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Heartbeat configures the keep-alive. Zero fields take the defaults.
type Heartbeat struct {
	// Interval between pings, counted from the auth reply. Default 15 s (the official SDK's value).
	Interval time.Duration
	// PongTimeout is how long a ping may go unanswered before the link counts as dead. Default 3 s.
	PongTimeout time.Duration
	// ReadIdle closes a link on which nothing at all arrived for that long, a backstop for a peer
	// that stops reading without closing. Default 2×Interval + PongTimeout.
	ReadIdle time.Duration
}

// Defaults of Heartbeat.
const (
	DefaultPingInterval = 15 * time.Second
	DefaultPongTimeout  = 3 * time.Second
)

// WithDefaults fills the zero fields.
func (h Heartbeat) WithDefaults() Heartbeat {
	if h.Interval == 0 {
		h.Interval = DefaultPingInterval
	}
	if h.PongTimeout == 0 {
		h.PongTimeout = DefaultPongTimeout
	}
	if h.ReadIdle == 0 {
		h.ReadIdle = 2*h.Interval + h.PongTimeout
	}
	return h
}

// Validate rejects values the keep-alive cannot work with.
func (h Heartbeat) Validate() error {
	if h.Interval < 0 || h.PongTimeout < 0 || h.ReadIdle < 0 {
		return fmt.Errorf("heartbeat values must not be negative")
	}
	d := h.WithDefaults()
	if d.PongTimeout >= d.Interval {
		return fmt.Errorf("pong timeout %v must be shorter than the ping interval %v", d.PongTimeout, d.Interval)
	}
	if d.ReadIdle <= d.Interval {
		return fmt.Errorf("read-idle timeout %v must be longer than the ping interval %v", d.ReadIdle, d.Interval)
	}
	return nil
}

// Config configures a Session. URL, Dial and Identity are required.
type Config struct {
	URL      string
	Dial     Dialer
	Identity Identity
	// JWT authenticates the socket (the Me payload's jwt).
	JWT string
	// RefreshJWT fetches a new JWT (GET me). It is called once after an auth failure; a second
	// failure in a row is terminal. Nil makes every auth failure terminal.
	RefreshJWT func(ctx context.Context) (string, error)
	// IsTerminal classifies a RefreshJWT error: true stops the session (the session expired), false
	// retries with back-off (a network error). Nil treats every refresh error as retryable.
	IsTerminal func(error) bool
	// OnFrame receives every frame except pongs, auth replies and this client's own echoes. It runs on
	// the reader goroutine and must not block.
	OnFrame func(Frame)
	// OnEvent receives connection events on the manager goroutine. It must not block.
	OnEvent   func(Event)
	Heartbeat Heartbeat
	Backoff   Backoff
	// HandshakeTimeout bounds the dial plus the auth reply. Default 10 s.
	HandshakeTimeout time.Duration
	// WriteTimeout bounds one frame write. Default 10 s.
	WriteTimeout time.Duration
	// OutboundQueue is how many frames may wait for the writer. Default 256.
	OutboundQueue int
	// Rand returns uniform numbers in [0, 1) for the jitter. Default math/rand/v2.
	Rand func() float64
	// Logger receives debug logs. Default: discard.
	Logger *slog.Logger
}

// State is the session's connection state.
type State int32

// States.
const (
	// StateDisconnected: not connected and not trying (before Start, after Stop or a terminal error).
	StateDisconnected State = iota
	// StateConnecting: dialling, authenticating or waiting to retry.
	StateConnecting
	// StateConnected: the auth reply was OK and the link is up.
	StateConnected
)

func (s State) String() string {
	switch s {
	case StateConnecting:
		return "connecting"
	case StateConnected:
		return "connected"
	}
	return "disconnected"
}

// EventKind says what an Event reports.
type EventKind int

// Event kinds, in the order a connection goes through them.
const (
	// EventConnecting: attempt Attempt (1-based count of consecutive attempts) is dialling.
	EventConnecting EventKind = iota + 1
	// EventConnected: link Gen is authenticated. Attempt is how many attempts it took; Downtime is
	// how long the previous link had been down (0 for the first).
	EventConnected
	// EventDisconnected: link Gen was lost because of Err (nil after Stop).
	EventDisconnected
	// EventReconnecting: attempt Attempt failed with Err (or the link was lost); the session waits
	// Backoff before attempt Attempt+1.
	EventReconnecting
	// EventFailed: the session stopped for good because of Err (an *AuthError, or *GiveUpError).
	EventFailed
)

// Event is a connection event.
type Event struct {
	Kind     EventKind
	Gen      uint64
	Attempt  int
	Backoff  time.Duration
	Downtime time.Duration
	Err      error
	At       time.Time
}

// Errors.
var (
	// ErrNotConnected is returned by Send when no authenticated link is up.
	ErrNotConnected = errors.New("realtime: not connected")
	// ErrStopped is returned by Send and WaitConnected after Stop.
	ErrStopped = errors.New("realtime: session stopped")
	// ErrPongTimeout ends a link whose ping went unanswered.
	ErrPongTimeout = errors.New("realtime: no pong within the timeout")
	// ErrReadIdle ends a link on which nothing arrived for the read-idle timeout.
	ErrReadIdle = errors.New("realtime: link idle for too long")
)

// AuthError is a rejected auth frame: the reply was not OK/200, or the server closed the connection
// with a policy-violation close before replying.
type AuthError struct {
	Status, Code string
	Close        *CloseError
}

func (e *AuthError) Error() string {
	if e.Close != nil {
		return fmt.Sprintf("realtime: authentication refused: close %d %q", e.Close.Code, e.Close.Reason)
	}
	return fmt.Sprintf("realtime: authentication refused: status %q code %q", e.Status, e.Code)
}

// GiveUpError ends the session after Backoff.MaxAttempts consecutive failures.
type GiveUpError struct {
	Attempts int
	Last     error
}

func (e *GiveUpError) Error() string {
	return fmt.Sprintf("realtime: gave up after %d attempts: %v", e.Attempts, e.Last)
}

func (e *GiveUpError) Unwrap() error { return e.Last }

// Stats are counters of a Session.
type Stats struct {
	// Gen is the number of the current (or last) link.
	Gen uint64
	// Connects counts authenticated links; Reconnects is Connects-1 when positive.
	Connects, Reconnects int64
	// FramesIn counts frames handed to OnFrame; BytesIn their size.
	FramesIn, BytesIn int64
	// FramesOut counts frames written (pings excluded).
	FramesOut int64
	// Echoes counts frames dropped because they carried this client's own device id.
	Echoes int64
	// Malformed counts frames that were not JSON objects.
	Malformed int64
	// Pings and PongTimeouts count keep-alive rounds and failures.
	Pings, PongTimeouts int64
	// LastRTT is the round trip of the last answered ping.
	LastRTT time.Duration
}

// Session is the managed connection. Create it with New, Start it, Stop it.
type Session struct {
	cfg Config
	log *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	startOnce sync.Once
	stopOnce  sync.Once

	mu      sync.Mutex
	state   State
	gen     uint64
	cur     *link
	jwt     string
	err     error         // terminal error
	changed chan struct{} // closed and replaced on every state change
	stopped bool

	framesIn, bytesIn, framesOut, echoes, malformed, pings, pongTimeouts, connects atomic.Int64
	lastRTT                                                                        atomic.Int64
}

// New validates cfg and returns a Session that has not started.
func New(cfg Config) (*Session, error) {
	if cfg.URL == "" || cfg.Dial == nil {
		return nil, errors.New("realtime: URL and Dial are required")
	}
	if err := cfg.Heartbeat.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.Backoff.Validate(); err != nil {
		return nil, err
	}
	cfg.Heartbeat = cfg.Heartbeat.WithDefaults()
	cfg.Backoff = cfg.Backoff.WithDefaults()
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = 10 * time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if cfg.OutboundQueue <= 0 {
		cfg.OutboundQueue = 256
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.OnFrame == nil {
		cfg.OnFrame = func(Frame) {}
	}
	if cfg.OnEvent == nil {
		cfg.OnEvent = func(Event) {}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Session{cfg: cfg, log: log, ctx: ctx, cancel: cancel, done: make(chan struct{}), jwt: cfg.JWT,
		changed: make(chan struct{})}, nil
}

// Start begins connecting in the background. It is idempotent.
func (s *Session) Start() {
	s.startOnce.Do(func() {
		s.mu.Lock()
		if s.stopped {
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		go s.run()
	})
}

// Stop closes the link (close 1000 "User logged out"), stops reconnecting and waits for every
// goroutine of the session. It is idempotent and safe to call from any goroutine except OnFrame and
// OnEvent callbacks, which it would wait for.
func (s *Session) Stop() {
	s.stopOnce.Do(func() {
		s.mu.Lock()
		s.stopped = true
		s.mu.Unlock()
		s.cancel()
		started := true
		s.startOnce.Do(func() { started = false })
		if started {
			<-s.done
		}
		s.setState(StateDisconnected, nil)
	})
}

// State returns the connection state.
func (s *Session) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Err returns the terminal error that stopped the session, if any.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// WaitConnected blocks until a link is up, the session fails (its terminal error), it is stopped
// (ErrStopped) or ctx ends.
func (s *Session) WaitConnected(ctx context.Context) error {
	for {
		s.mu.Lock()
		st, err, stopped, ch := s.state, s.err, s.stopped, s.changed
		s.mu.Unlock()
		switch {
		case st == StateConnected:
			return nil
		case err != nil:
			return err
		case stopped:
			return ErrStopped
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Stats returns the counters.
func (s *Session) Stats() Stats {
	s.mu.Lock()
	gen := s.gen
	s.mu.Unlock()
	st := Stats{Gen: gen, Connects: s.connects.Load(), FramesIn: s.framesIn.Load(), BytesIn: s.bytesIn.Load(),
		FramesOut: s.framesOut.Load(), Echoes: s.echoes.Load(), Malformed: s.malformed.Load(), Pings: s.pings.Load(),
		PongTimeouts: s.pongTimeouts.Load(), LastRTT: time.Duration(s.lastRTT.Load())}
	if st.Connects > 1 {
		st.Reconnects = st.Connects - 1
	}
	return st
}

// Send writes frame on the current link and waits until it is written. It fails with ErrNotConnected
// when no link is up (or the link dies first), and never queues a frame for a later link: typing and
// receipts are worthless late.
func (s *Session) Send(ctx context.Context, frame []byte) error {
	s.mu.Lock()
	l, stopped := s.cur, s.stopped
	s.mu.Unlock()
	if stopped {
		return ErrStopped
	}
	if l == nil {
		return ErrNotConnected
	}
	req := outReq{frame: frame, done: make(chan error, 1)}
	select {
	case l.out <- req:
	case <-l.ctx.Done():
		return ErrNotConnected
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-l.ctx.Done():
		return ErrNotConnected
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Session) setState(st State, l *link) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur = l
	if s.state == st {
		return
	}
	s.state = st
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Session) fail(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
	s.setState(StateDisconnected, nil)
	s.cfg.OnEvent(Event{Kind: EventFailed, Err: err, At: time.Now()})
}

func (s *Session) currentJWT() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jwt
}

// run is the manager goroutine: connect, serve, back off, repeat.
func (s *Session) run() {
	defer close(s.done)
	attempt := 0 // consecutive failures so far
	refreshed := false
	var downSince time.Time
	for s.ctx.Err() == nil {
		s.mu.Lock()
		s.gen++
		gen := s.gen
		s.mu.Unlock()
		s.setState(StateConnecting, nil)
		s.cfg.OnEvent(Event{Kind: EventConnecting, Gen: gen, Attempt: attempt + 1, At: time.Now()})
		l, err := s.connect(gen)
		if err != nil {
			if s.ctx.Err() != nil {
				return
			}
			var ae *AuthError
			if errors.As(err, &ae) {
				if refreshed || s.cfg.RefreshJWT == nil {
					s.fail(err)
					return
				}
				refreshed = true
				jwt, rerr := s.cfg.RefreshJWT(s.ctx)
				if rerr == nil {
					s.mu.Lock()
					s.jwt = jwt
					s.mu.Unlock()
					s.log.Debug("realtime: JWT refreshed after an auth failure")
					continue // retry at once with the new JWT
				}
				if s.ctx.Err() != nil {
					return
				}
				if s.cfg.IsTerminal != nil && s.cfg.IsTerminal(rerr) {
					s.fail(errors.Join(err, rerr))
					return
				}
				refreshed = false // the refresh itself failed transiently: try it again next time
				err = rerr
			}
			attempt++
			if max := s.cfg.Backoff.MaxAttempts; max > 0 && attempt >= max {
				s.fail(&GiveUpError{Attempts: attempt, Last: err})
				return
			}
			if !s.backoff(gen, attempt, err) {
				return
			}
			continue
		}
		refreshed = false
		upAt := time.Now()
		var downtime time.Duration
		if !downSince.IsZero() {
			downtime = upAt.Sub(downSince)
		}
		s.connects.Add(1)
		s.setState(StateConnected, l)
		s.cfg.OnEvent(Event{Kind: EventConnected, Gen: gen, Attempt: attempt + 1, Downtime: downtime, At: upAt})
		err = s.serve(l)
		downSince = time.Now()
		s.setState(StateConnecting, nil)
		if s.ctx.Err() != nil {
			s.cfg.OnEvent(Event{Kind: EventDisconnected, Gen: gen, At: downSince})
			return
		}
		s.log.Debug("realtime: link lost", "gen", gen, "err", err)
		s.cfg.OnEvent(Event{Kind: EventDisconnected, Gen: gen, Err: err, At: downSince})
		if downSince.Sub(upAt) >= s.cfg.Backoff.StableAfter {
			attempt = 0
		}
		attempt++
		if !s.backoff(gen, attempt, err) {
			return
		}
	}
}

// backoff reports the coming wait and sleeps it; false when the session was stopped meanwhile.
func (s *Session) backoff(gen uint64, attempt int, cause error) bool {
	d := s.cfg.Backoff.Delay(attempt, s.cfg.Rand())
	s.cfg.OnEvent(Event{Kind: EventReconnecting, Gen: gen, Attempt: attempt, Backoff: d, Err: cause, At: time.Now()})
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// connect dials and authenticates link gen.
func (s *Session) connect(gen uint64) (*link, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.HandshakeTimeout)
	defer cancel()
	conn, err := s.cfg.Dial(ctx, s.cfg.URL)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = conn.CloseNow()
		}
	}()
	frame, err := AuthFrame(s.cfg.Identity, s.currentJWT(), time.Now())
	if err != nil {
		return nil, err
	}
	if err := conn.Write(ctx, frame); err != nil {
		return nil, fmt.Errorf("realtime: sending the auth frame: %w", err)
	}
	for {
		b, err := conn.Read(ctx)
		if err != nil {
			var ce *CloseError
			if errors.As(err, &ce) && ce.Code == ClosePolicyViolation {
				return nil, &AuthError{Close: ce}
			}
			return nil, fmt.Errorf("realtime: waiting for the auth reply: %w", err)
		}
		f, err := DecodeFrame(b)
		if err != nil || f.Type != "auth" {
			continue // a pong or an early frame; the server should not send one before the reply
		}
		var r authReply
		_ = json.Unmarshal(f.Body, &r)
		code := fmt.Sprint(r.Code)
		if r.Code == nil {
			code = ""
		}
		if r.Status == "OK" && (code == "200") {
			ok = true
			// The link's context is not derived from the session's: on Stop the writer first closes
			// the link cleanly (the reader must still be reading to see the close reply).
			lctx, lcancel := context.WithCancelCause(context.Background())
			return &link{gen: gen, conn: conn, ctx: lctx, cancel: lcancel,
				out: make(chan outReq, s.cfg.OutboundQueue), pong: make(chan time.Time, 1)}, nil
		}
		return nil, &AuthError{Status: r.Status, Code: code}
	}
}

// link is one authenticated connection.
type link struct {
	gen    uint64
	conn   Conn
	ctx    context.Context
	cancel context.CancelCauseFunc
	out    chan outReq
	pong   chan time.Time
}

type outReq struct {
	frame []byte
	done  chan error
}

// serve runs the reader and the writer of l until the link dies or the session stops, and returns
// why it died.
func (s *Session) serve(l *link) error {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		l.cancel(s.readLoop(l))
	}()
	go func() {
		defer wg.Done()
		l.cancel(s.writeLoop(l))
	}()
	wg.Wait()
	_ = l.conn.CloseNow()
	return context.Cause(l.ctx)
}

// readLoop decodes envelopes and hands frames on; it never runs user code.
func (s *Session) readLoop(l *link) error {
	self := s.cfg.Identity.SessionID
	for {
		ctx, cancel := context.WithTimeout(l.ctx, s.cfg.Heartbeat.ReadIdle)
		b, err := l.conn.Read(ctx)
		idle := errors.Is(ctx.Err(), context.DeadlineExceeded) && l.ctx.Err() == nil
		cancel()
		if err != nil {
			if idle {
				return ErrReadIdle
			}
			return err
		}
		f, err := DecodeFrame(b)
		if err != nil {
			s.malformed.Add(1)
			s.log.Debug("realtime: malformed frame dropped", "err", err, "size", len(b))
			continue
		}
		if f.Action == "pong" {
			select {
			case l.pong <- time.Now():
			default:
			}
			continue
		}
		if f.Type == "auth" {
			continue
		}
		// Echo suppression (client-protocol.md §7.9): relayed frames keep the originating device id.
		if self != "" && f.DeviceID == self && f.Type != "on_moderation_status_changed" && f.Type != "notification_feed_item" {
			s.echoes.Add(1)
			continue
		}
		f.Gen = l.gen
		s.framesIn.Add(1)
		s.bytesIn.Add(int64(f.Size))
		s.cfg.OnFrame(f)
	}
}

// writeLoop writes queued frames and runs the keep-alive.
func (s *Session) writeLoop(l *link) error {
	hb := s.cfg.Heartbeat
	ticker := time.NewTicker(hb.Interval)
	defer ticker.Stop()
	var (
		pongTimer *time.Timer
		pongDue   <-chan time.Time
		pingAt    time.Time
	)
	defer func() {
		if pongTimer != nil {
			pongTimer.Stop()
		}
	}()
	write := func(b []byte) error {
		ctx, cancel := context.WithTimeout(l.ctx, s.cfg.WriteTimeout)
		defer cancel()
		// A write wedged on a stalled peer must not hold up Stop.
		defer context.AfterFunc(s.ctx, cancel)()
		return l.conn.Write(ctx, b)
	}
	for {
		select {
		case <-s.ctx.Done():
			// Stop: a clean close, as the official SDK's logout and disconnect send.
			_ = l.conn.Close(CloseNormal, LogoutReason)
			return ErrStopped
		case <-l.ctx.Done():
			return nil
		case req := <-l.out:
			err := write(req.frame)
			req.done <- err
			if err != nil {
				return err
			}
			s.framesOut.Add(1)
		case <-ticker.C:
			if pongDue != nil {
				continue // a ping is still out; its timer decides
			}
			pingAt = time.Now() // before the write: the pong may be read before it returns
			if err := write(pingFrame); err != nil {
				return err
			}
			s.pings.Add(1)
			pongTimer = time.NewTimer(hb.PongTimeout)
			pongDue = pongTimer.C
		case at := <-l.pong:
			if pongDue != nil {
				pongTimer.Stop()
				pongTimer, pongDue = nil, nil
				s.lastRTT.Store(int64(at.Sub(pingAt)))
			}
		case <-pongDue:
			s.pongTimeouts.Add(1)
			return ErrPongTimeout
		}
	}
}
