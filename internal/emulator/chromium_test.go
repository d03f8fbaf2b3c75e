package emulator_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

// A minimal Chrome DevTools Protocol client over coder/websocket, enough to
// drive a headless Chromium from a test: open a page, evaluate JavaScript
// (awaiting promises), wait for page events and take screenshots. It uses
// one browser connection in "flatten" mode, so page commands carry a
// sessionId.

// findChromium returns the Chromium binary: $CHROMIUM, else the first of the
// usual names on PATH, else "".
func findChromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is a headless Chromium process and its DevTools connection.
type browser struct {
	t    *testing.T
	cmd  *exec.Cmd
	conn *websocket.Conn

	nextID  atomic.Int64
	mu      sync.Mutex
	pending map[int64]chan cdpMessage
	waiters map[string][]chan cdpMessage // event method → one-shot waiters
	readErr error
	done    chan struct{} // closed when the read loop ends
}

// cdpMessage is any message from the browser: a reply (ID) or an event
// (Method).
type cdpMessage struct {
	ID        int64           `json:"id"`
	Method    string          `json:"method"`
	SessionID string          `json:"sessionId"`
	Params    json.RawMessage `json:"params"`
	Result    json.RawMessage `json:"result"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

var devtoolsLine = regexp.MustCompile(`DevTools listening on (ws://\S+)`)

// startBrowser launches headless Chromium with a fresh profile and connects
// to it. It is stopped in t.Cleanup.
func startBrowser(t *testing.T, ctx context.Context, bin string) *browser {
	t.Helper()
	args := []string{
		"--headless", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
		"--disable-extensions", "--disable-background-networking", "--disable-sync", "--mute-audio",
		"--remote-debugging-port=0", "--remote-allow-origins=*", "--window-size=1400,1000",
		"--user-data-dir=" + t.TempDir(), "about:blank",
	}
	if os.Geteuid() == 0 {
		args = append([]string{"--no-sandbox"}, args...) // Chromium refuses to sandbox as root
	}
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	b := &browser{t: t, cmd: cmd, pending: map[int64]chan cdpMessage{}, waiters: map[string][]chan cdpMessage{},
		done: make(chan struct{})}

	// The DevTools URL is printed on stderr; keep draining it afterwards (and
	// keep the tail for failure messages).
	urlc := make(chan string, 1)
	var logMu sync.Mutex
	var log strings.Builder
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			logMu.Lock()
			if log.Len() < 64<<10 {
				log.WriteString(line + "\n")
			}
			logMu.Unlock()
			if m := devtoolsLine.FindStringSubmatch(line); m != nil && !sent {
				urlc <- m[1]
				sent = true
			}
		}
		if !sent {
			close(urlc)
		}
	}()
	t.Cleanup(func() {
		b.close()
		_ = cmd.Process.Kill()
		<-drained
		_ = cmd.Wait()
	})

	var wsURL string
	select {
	case u, ok := <-urlc:
		if !ok {
			logMu.Lock()
			defer logMu.Unlock()
			t.Fatalf("chromium exited without a DevTools URL:\n%s", log.String())
		}
		wsURL = u
	case <-ctx.Done():
		t.Fatalf("chromium did not start: %v", ctx.Err())
	}
	conn, _, err := websocket.Dial(ctx, wsURL, nil)
	require.NoError(t, err)
	conn.SetReadLimit(256 << 20) // screenshots
	b.conn = conn
	go b.readLoop()
	return b
}

// readLoop routes replies to their callers and events to their waiters.
func (b *browser) readLoop() {
	defer close(b.done)
	for {
		_, data, err := b.conn.Read(context.Background())
		if err != nil {
			b.mu.Lock()
			b.readErr = err
			for id, ch := range b.pending {
				close(ch)
				delete(b.pending, id)
			}
			b.mu.Unlock()
			return
		}
		var m cdpMessage
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch, ok := b.pending[m.ID]; ok {
				ch <- m
				delete(b.pending, m.ID)
			}
		} else if m.Method != "" {
			for _, ch := range b.waiters[m.Method] {
				ch <- m
			}
			delete(b.waiters, m.Method)
		}
		b.mu.Unlock()
	}
}

// close ends the connection and waits for the read loop.
func (b *browser) close() {
	if b.conn == nil {
		return
	}
	_ = b.conn.Close(websocket.StatusNormalClosure, "")
	<-b.done
	b.conn = nil
}

// call sends a command (to the page of session, or to the browser when
// session is "") and decodes its result into out (may be nil).
func (b *browser) call(ctx context.Context, session, method string, params, out any) error {
	id := b.nextID.Add(1)
	ch := make(chan cdpMessage, 1)
	b.mu.Lock()
	if b.readErr != nil {
		b.mu.Unlock()
		return b.readErr
	}
	b.pending[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method, "params": params}
	if params == nil {
		msg["params"] = map[string]any{}
	}
	if session != "" {
		msg["sessionId"] = session
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	if err := b.conn.Write(ctx, websocket.MessageText, data); err != nil {
		return err
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return fmt.Errorf("%s: connection closed", method)
		}
		if m.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		if out != nil {
			return json.Unmarshal(m.Result, out)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// waitEvent returns a channel that receives the next event named method.
// Register it before the command that triggers the event.
func (b *browser) waitEvent(method string) <-chan cdpMessage {
	ch := make(chan cdpMessage, 1)
	b.mu.Lock()
	b.waiters[method] = append(b.waiters[method], ch)
	b.mu.Unlock()
	return ch
}

// page is one tab, attached in flatten mode.
type page struct {
	b       *browser
	session string
}

// openPage opens url in a new tab and returns once its load event fired.
func (b *browser) openPage(ctx context.Context, url string) *page {
	b.t.Helper()
	var target struct {
		TargetID string `json:"targetId"`
	}
	require.NoError(b.t, b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target))
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	require.NoError(b.t, b.call(ctx, "", "Target.attachToTarget",
		map[string]any{"targetId": target.TargetID, "flatten": true}, &attached))
	p := &page{b: b, session: attached.SessionID}
	require.NoError(b.t, b.call(ctx, p.session, "Page.enable", nil, nil))
	loaded := b.waitEvent("Page.loadEventFired")
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	require.NoError(b.t, b.call(ctx, p.session, "Page.navigate", map[string]any{"url": url}, &nav))
	require.Empty(b.t, nav.ErrorText, "navigating to %s", url)
	select {
	case <-loaded:
	case <-ctx.Done():
		b.t.Fatalf("%s did not load: %v", url, ctx.Err())
	}
	return p
}

// eval evaluates a JavaScript expression (awaiting it when it is a promise)
// and decodes its value into out (may be nil).
func (p *page) eval(ctx context.Context, expr string, out any) error {
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := p.b.call(ctx, p.session, "Runtime.evaluate",
		map[string]any{"expression": expr, "awaitPromise": true, "returnByValue": true}, &res)
	if err != nil {
		return err
	}
	if res.ExceptionDetails != nil {
		return fmt.Errorf("javascript: %s %s", res.ExceptionDetails.Text, res.ExceptionDetails.Exception.Description)
	}
	if out != nil && len(res.Result.Value) > 0 {
		return json.Unmarshal(res.Result.Value, out)
	}
	return nil
}

// waitFor resolves when the JavaScript condition cond becomes truthy, checked
// on every DOM mutation (a MutationObserver in the page: no polling), and
// fails after timeoutMs.
func (p *page) waitFor(ctx context.Context, cond string, timeoutMs int) error {
	expr := fmt.Sprintf(`new Promise((resolve, reject) => {
  const test = () => { try { return !!(%s); } catch (e) { return false; } };
  if (test()) { resolve(true); return; }
  const obs = new MutationObserver(() => { if (test()) { obs.disconnect(); clearTimeout(timer); resolve(true); } });
  obs.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  const timer = setTimeout(() => { obs.disconnect(); reject(new Error("timed out waiting for: " + %q)); }, %d);
})`, cond, cond, timeoutMs)
	return p.eval(ctx, expr, nil)
}

// screenshot returns a PNG of the page.
func (p *page) screenshot(ctx context.Context) ([]byte, error) {
	var res struct {
		Data []byte `json:"data"` // base64 in JSON: decoded by encoding/json
	}
	err := p.b.call(ctx, p.session, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true}, &res)
	return res.Data, err
}
