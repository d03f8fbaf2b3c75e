package cometchat

import (
	"fmt"
	"time"

	"github.com/cometchat-go/cometchat/internal/realtime"
)

// ReconnectPolicy is how the realtime connection retries: exponential back-off with full jitter. The
// wait before the n-th consecutive attempt is uniformly random in [0, min(MaxDelay,
// BaseDelay·Factor^(n-1))). Zero fields take the defaults: 500 ms base, factor 2, 30 s cap, unlimited
// attempts, and the attempt count resets once a link has stayed up for 30 s. (The official SDKs
// redial every 5 s without back-off.)
type ReconnectPolicy struct {
	BaseDelay time.Duration
	Factor    float64
	MaxDelay  time.Duration
	// MaxAttempts stops reconnecting after that many consecutive failed attempts; the connection
	// listener's OnError then receives an error matching ErrNoWebSocketConnection. 0 = unlimited.
	MaxAttempts int
	// StableAfter is how long a link must stay up before the attempt count resets.
	StableAfter time.Duration
}

func (p ReconnectPolicy) backoff() realtime.Backoff {
	return realtime.Backoff{Base: p.BaseDelay, Factor: p.Factor, Max: p.MaxDelay, MaxAttempts: p.MaxAttempts, StableAfter: p.StableAfter}
}

// Heartbeat configures the realtime keep-alive, which uses the protocol's own ping frame. Zero fields
// take the defaults: a ping every 15 s, a dead link after 3 s without its pong (the official SDK's
// values), and a dead link after 2×Interval+PongTimeout without any frame at all.
type Heartbeat struct {
	Interval    time.Duration
	PongTimeout time.Duration
	ReadIdle    time.Duration
}

func (h Heartbeat) realtime() realtime.Heartbeat {
	return realtime.Heartbeat{Interval: h.Interval, PongTimeout: h.PongTimeout, ReadIdle: h.ReadIdle}
}

// Defaults of the realtime options.
const (
	// DefaultEventBuffer is how many incoming events may wait for the listeners.
	DefaultEventBuffer = 4096
	// DefaultRingTimeout is how long an outgoing call rings before the SDK marks it unanswered.
	DefaultRingTimeout = 45 * time.Second
	// defaultDedupeWindow is how many recent message ids (and receipts) are remembered to drop
	// duplicates between live and replayed events.
	defaultDedupeWindow = 10000
)

// realtimeOptions are the realtime parts of options.
type realtimeOptions struct {
	reconnect   ReconnectPolicy
	heartbeat   Heartbeat
	eventBuffer int
	noCatchUp   bool
	cursorStore CursorStore
	readLimit   int64
	ringTimeout time.Duration
	// dial replaces the WebSocket dialer (tests).
	dial realtime.Dialer
	// random replaces the jitter source (tests).
	random func() float64
}

// WithReconnectPolicy replaces the realtime reconnect policy.
func WithReconnectPolicy(p ReconnectPolicy) Option {
	return func(o *options) error {
		if err := p.backoff().Validate(); err != nil {
			return err
		}
		o.realtime.reconnect = p
		return nil
	}
}

// WithHeartbeat replaces the realtime keep-alive timings. PongTimeout must be shorter than Interval.
func WithHeartbeat(h Heartbeat) Option {
	return func(o *options) error {
		if err := h.realtime().Validate(); err != nil {
			return err
		}
		o.realtime.heartbeat = h
		return nil
	}
}

// WithEventBuffer sets how many incoming events may wait for the listeners (default 4096). When the
// listeners fall that far behind, the SDK never blocks the socket: it drops the newest events,
// counts and reports the loss (ConnectionListener.OnEventsDropped) and then recovers the lost
// messages over REST (catch-up), in order, before later events. Typing, presence and receipt events
// cannot be recovered that way.
func WithEventBuffer(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("event buffer must hold at least one event")
		}
		o.realtime.eventBuffer = n
		return nil
	}
}

// WithCatchUp turns the automatic catch-up on (the default) or off. With it, every time the realtime
// connection comes up the Client fetches the messages it missed since the last one it delivered,
// drops those it already delivered, and hands the rest to the listeners in order, marked Replayed,
// before any live event.
func WithCatchUp(enabled bool) Option {
	return func(o *options) error {
		o.realtime.noCatchUp = !enabled
		return nil
	}
}

// WithCursorStore persists the catch-up position (the id of the last message handed to the
// listeners), so a restarted bot resumes where it stopped instead of where it reconnects. The
// position is saved after the listeners have run (at-least-once delivery: make handlers idempotent).
func WithCursorStore(s CursorStore) Option {
	return func(o *options) error {
		o.realtime.cursorStore = s
		return nil
	}
}

// WithReadLimit sets the largest realtime frame accepted, in bytes (default 1 MiB). A larger frame
// closes the link (it is re-established and the message recovered by catch-up).
func WithReadLimit(n int64) Option {
	return func(o *options) error {
		if n < 4096 {
			return fmt.Errorf("read limit must be at least 4096 bytes")
		}
		o.realtime.readLimit = n
		return nil
	}
}

// WithRingTimeout sets how long an outgoing call may ring before the SDK marks it unanswered
// (default 45 s, the official SDK's value).
func WithRingTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("ring timeout must be positive")
		}
		o.realtime.ringTimeout = d
		return nil
	}
}

// withDialer replaces the WebSocket dialer (tests drive the connection in memory).
func withDialer(d realtime.Dialer) Option {
	return func(o *options) error {
		o.realtime.dial = d
		return nil
	}
}
