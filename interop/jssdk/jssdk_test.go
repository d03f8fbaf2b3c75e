package jssdk_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/cometchattest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// step is one line interop.js prints.
type step struct {
	Event  string   `json:"event"`
	UID    string   `json:"uid"`
	Name   string   `json:"name"`
	Text   string   `json:"text"`
	Sender string   `json:"sender"`
	Texts  []string `json:"texts"`
	Error  string   `json:"error"`
}

// lockedBuffer collects the child's stderr, which is read while the child may still write.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// wait returns the next value of ch, failing after a generous bound (a hang, not a timing check).
func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatalf("closed while waiting for %s", what)
		}
		return v
	case <-time.After(20 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// TestOfficialJSSDKAgainstTheEmulator runs CometChat's own JavaScript SDK 4.2.0 (Node.js, over TLS,
// nothing pinned: the SDK follows the host overrides and then the emulator's settings) against an
// emulator, with this module's Go SDK on the other side of the conversation: login with the Auth
// Key, the WebSocket, typing, a message each way, a read receipt, history and a user lookup.
func TestOfficialJSSDKAgainstTheEmulator(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("SKIPPED LOUDLY: node is not installed, so the official JavaScript SDK cannot be run against the emulator")
	}
	if _, err := os.Stat(filepath.Join("node_modules", "@cometchat", "chat-sdk-javascript", "CometChat.js")); err != nil {
		t.Skip("SKIPPED LOUDLY: run `npm ci` in interop/jssdk to install the official JavaScript SDK (.ci/run does)")
	}
	srv := cometchattest.NewServer(t, cometchattest.WithTLS())
	srv.CreateUser(t, "alice", "Alice")
	srv.CreateUser(t, "bob", "Bob")
	certFile := filepath.Join(t.TempDir(), "emulator.pem")
	require.NoError(t, os.WriteFile(certFile, srv.CertPEM(), 0o600))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bob := srv.Login(t, "bob")
	require.NoError(t, bob.Connect(ctx))
	typing := make(chan *cometchat.TypingIndicator, 4)
	texts := make(chan *cometchat.TextMessage, 4)
	reads := make(chan *cometchat.MessageReceipt, 4)
	bob.AddMessageListener("interop", cometchat.MessageListener{
		OnTypingStarted:       func(ti *cometchat.TypingIndicator) { typing <- ti },
		OnTextMessageReceived: func(m *cometchat.TextMessage) { texts <- m },
		OnMessagesRead:        func(r *cometchat.MessageReceipt) { reads <- r },
	})

	host := strings.TrimPrefix(srv.URL(), "https://")
	cmd := exec.CommandContext(ctx, node, "--experimental-websocket", "interop.js", srv.AppID(), srv.Region(), srv.AuthKey(), host, "alice", "bob")
	cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+certFile)
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	steps := make(chan step, 16)
	go func() {
		defer close(steps)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var s step
			if json.Unmarshal(sc.Bytes(), &s) == nil && s.Event != "" {
				steps <- s
			}
		}
	}()
	next := func(event string) step {
		t.Helper()
		s := wait(t, steps, "the JS SDK's "+event)
		require.Equal(t, event, s.Event, "JS SDK step (error %q, stderr %s)", s.Error, stderr.String())
		return s
	}

	assert.Equal(t, "alice", next("login").UID)
	next("connected")
	ti := wait(t, typing, "alice's typing indicator")
	assert.Equal(t, "alice", ti.Sender.UID)
	sent := next("sent")
	assert.Equal(t, "hello from js", sent.Text)

	m := wait(t, texts, "alice's message")
	assert.Equal(t, "hello from js", m.Text)
	assert.Equal(t, "alice", m.SenderUID())
	reply, err := bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, "hello from go")
	require.NoError(t, err)

	got := next("received")
	assert.Equal(t, "hello from go", got.Text)
	assert.Equal(t, "bob", got.Sender)
	r := wait(t, reads, "alice's read receipt")
	assert.Equal(t, reply.ID(), r.MessageID)
	assert.Equal(t, []string{"hello from js", "hello from go"}, next("history").Texts)
	u := next("user")
	assert.Equal(t, "bob", u.UID)
	assert.Equal(t, "Bob", u.Name)
	next("logout")
	require.NoError(t, cmd.Wait(), "stderr: %s", stderr.String())
}
