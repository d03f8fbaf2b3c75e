package realtime

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }

// wsServer is a real WebSocket server for the coder/websocket adapter: it answers the auth frame,
// answers pings, and then runs script on the connection.
func wsServer(t *testing.T, script func(ctx context.Context, c *websocket.Conn)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := r.Context()
		if _, _, err := c.Read(ctx); err != nil { // the auth frame
			return
		}
		_ = c.Write(ctx, websocket.MessageText, []byte(`{"type":"auth","body":{"status":"OK","code":"200"}}`))
		script(ctx, c)
		for { // keep reading so a close handshake is answered
			if _, _, err := c.Read(ctx); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func TestWebSocketDialerRoundTrip(t *testing.T) {
	got := make(chan string, 1)
	url := wsServer(t, func(ctx context.Context, c *websocket.Conn) {
		_ = c.Write(ctx, websocket.MessageText, []byte(`{"type":"message","deviceId":"other","body":{"id":"7"}}`))
		_, b, err := c.Read(ctx)
		if err == nil {
			got <- string(b)
		}
	})
	frames := make(chan Frame, 4)
	s, err := New(Config{URL: url, Dial: WebSocketDialer(http.DefaultClient, 0), Identity: testIdentity, JWT: "j",
		OnFrame: func(f Frame) { frames <- f }})
	require.NoError(t, err)
	s.Start()
	defer s.Stop()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.WaitConnected(ctx))
	select {
	case f := <-frames:
		assert.Equal(t, "message", f.Type)
		assert.JSONEq(t, `{"id":"7"}`, string(f.Body))
	case <-ctx.Done():
		t.Fatal("no frame")
	}
	require.NoError(t, s.Send(ctx, []byte(`{"type":"receipts"}`)))
	select {
	case b := <-got:
		assert.JSONEq(t, `{"type":"receipts"}`, b)
	case <-ctx.Done():
		t.Fatal("frame not received")
	}
}

func TestWebSocketReadLimit(t *testing.T) {
	url := wsServer(t, func(ctx context.Context, c *websocket.Conn) {
		big := `{"type":"message","body":{"text":"` + strings.Repeat("x", 4096) + `"}}`
		_ = c.Write(ctx, websocket.MessageText, []byte(big))
	})
	dial := WebSocketDialer(http.DefaultClient, 1024)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, err := dial(ctx, url)
	require.NoError(t, err)
	defer conn.CloseNow()
	require.NoError(t, conn.Write(ctx, []byte(`{"type":"auth"}`)))
	_, err = conn.Read(ctx) // auth reply
	require.NoError(t, err)
	_, err = conn.Read(ctx)
	assert.ErrorIs(t, err, ErrFrameTooLarge)
}

func TestWebSocketDialFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	_, err := WebSocketDialer(srv.Client(), 0)(t.Context(), "ws"+strings.TrimPrefix(srv.URL, "http"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "HTTP 503")
}
