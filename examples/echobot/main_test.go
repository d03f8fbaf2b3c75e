package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// lockedBuffer is an io.Writer for output written from several goroutines. When the output first
// contains watch, seen is closed.
type lockedBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	watch string
	seen  chan struct{}
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.b.Write(p)
	if l.seen != nil && l.watch != "" && strings.Contains(l.b.String(), l.watch) {
		close(l.seen)
		l.watch = ""
	}
	return n, err
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestEchoBotAnswersAndStopsCleanly(t *testing.T) {
	defer goleak.VerifyNone(t)
	var out lockedBuffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cursor := filepath.Join(t.TempDir(), "cursor.json")
	err := run(ctx, config{messages: 8, cursorFile: cursor, out: &out, sendEvery: 20 * time.Millisecond, dropEvery: 70 * time.Millisecond})
	require.NoError(t, err, out.String())
	log := out.String()
	assert.Contains(t, log, "[bot] echobot is listening")
	assert.Contains(t, log, `[bot] answered "hello #1" from demo-user`)
	assert.Contains(t, log, "[bot] answered 8 messages, done")
	assert.FileExists(t, cursor, "the position was saved on the way out")
	assert.Equal(t, 0, strings.Count(log, "reply failed"), log)
}

func TestEchoBotStopsOnCancel(t *testing.T) {
	defer goleak.VerifyNone(t)
	out := lockedBuffer{watch: "is listening", seen: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, config{out: &out}) }()
	// Cancel (as Ctrl-C does) once the bot is listening.
	select {
	case <-out.seen:
	case err := <-done:
		t.Fatalf("run ended early: %v\n%s", err, out.String())
	}
	cancel()
	require.NoError(t, <-done)
	assert.Contains(t, out.String(), "[bot] shutting down")
}
