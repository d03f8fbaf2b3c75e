package realtime

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/coder/websocket"
)

// Conn is one WebSocket connection carrying JSON text frames.
type Conn interface {
	// Read returns the next frame. When ctx ends first the connection is closed.
	Read(ctx context.Context) ([]byte, error)
	// Write sends one text frame. When ctx ends first the connection is closed.
	Write(ctx context.Context, frame []byte) error
	// Close closes the connection with a close frame (code and reason).
	Close(code int, reason string) error
	// CloseNow closes the connection without a close handshake.
	CloseNow() error
}

// Dialer opens a Conn to url.
type Dialer func(ctx context.Context, url string) (Conn, error)

// Close codes the SDK uses or recognises (RFC 6455 §7.4, client-protocol.md §7.13).
const (
	// CloseNormal with reason "User logged out" is what the official SDK sends on logout, disconnect
	// and pong timeout.
	CloseNormal = 1000
	// CloseGoingAway is sent by the emulator on shutdown.
	CloseGoingAway = 1001
	// ClosePolicyViolation is how the emulator (and a careful server) rejects a JWT or a revoked token.
	ClosePolicyViolation = 1008
	// CloseMessageTooBig is sent when a frame is over the read limit.
	CloseMessageTooBig = 1009
)

// LogoutReason is the close reason the official SDK sends with CloseNormal.
const LogoutReason = "User logged out"

// DefaultReadLimit is the largest frame accepted by default: 1 MiB. coder/websocket's 32 KiB default
// is too small for a message frame carrying a 64 KiB message plus its entities.
const DefaultReadLimit = 1 << 20

// ErrFrameTooLarge is returned (wrapped) when a frame is larger than the read limit; the connection is
// then closed with 1009 and the session reconnects.
var ErrFrameTooLarge = errors.New("realtime: frame larger than the read limit")

// CloseError reports a close frame received from the server.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("realtime: server closed the connection: %d %q", e.Code, e.Reason)
}

// WebSocketDialer dials with github.com/coder/websocket over hc (TLS settings and proxies come from
// its transport) and sets readLimit (DefaultReadLimit when <= 0) on every connection.
func WebSocketDialer(hc *http.Client, readLimit int64) Dialer {
	if readLimit <= 0 {
		readLimit = DefaultReadLimit
	}
	return func(ctx context.Context, url string) (Conn, error) {
		c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc})
		if resp != nil && resp.Body != nil {
			_ = resp.Body.Close()
		}
		if err != nil {
			if resp != nil {
				return nil, fmt.Errorf("realtime: dial: HTTP %d: %w", resp.StatusCode, err)
			}
			return nil, fmt.Errorf("realtime: dial: %w", err)
		}
		c.SetReadLimit(readLimit)
		return &wsConn{c: c}, nil
	}
}

// wsConn adapts *websocket.Conn to Conn.
type wsConn struct{ c *websocket.Conn }

func (w *wsConn) Read(ctx context.Context) ([]byte, error) {
	_, b, err := w.c.Read(ctx)
	if err != nil {
		return nil, translate(err)
	}
	return b, nil
}

func (w *wsConn) Write(ctx context.Context, frame []byte) error {
	return translate(w.c.Write(ctx, websocket.MessageText, frame))
}

func (w *wsConn) Close(code int, reason string) error {
	return w.c.Close(websocket.StatusCode(code), reason)
}

func (w *wsConn) CloseNow() error { return w.c.CloseNow() }

// translate turns coder/websocket's errors into this package's: a received close frame becomes a
// *CloseError, an oversized frame wraps ErrFrameTooLarge.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, websocket.ErrMessageTooBig) {
		return fmt.Errorf("%w: %w", ErrFrameTooLarge, err)
	}
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return &CloseError{Code: int(ce.Code), Reason: ce.Reason}
	}
	return err
}
