package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/cometchattest"
)

// nextLine returns the next output line containing want, failing after a generous bound.
func nextLine(t *testing.T, lines <-chan string, want string) string {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("output ended before a line with %q", want)
			}
			if strings.Contains(l, want) {
				return l
			}
		case <-deadline:
			t.Fatalf("no output line with %q", want)
		}
	}
}

func TestTailPrintsRealtimeEvents(t *testing.T) {
	srv := cometchattest.NewServer(t)
	srv.CreateUser(t, "alice", "Alice")
	srv.CreateUser(t, "bob", "Bob")

	pr, pw := io.Pipe()
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	var stderr bytes.Buffer
	done := make(chan int, 1)
	env := map[string]string{envAppID: srv.AppID(), envAuthKey: srv.AuthKey(), envBaseURL: srv.URL()}
	go func() {
		done <- runTailEnv(ctx, []string{"-uid", "bob"}, pw, &stderr, func(k string) string { return env[k] })
		_ = pw.Close()
	}()
	nextLine(t, lines, " connected")

	alice := srv.Login(t, "alice")
	require.NoError(t, alice.Connect(context.Background()), "typing needs alice's socket up")
	_, err := alice.SendText(context.Background(), "bob", cometchat.ReceiverTypeUser, "hello tail")
	require.NoError(t, err)
	l := nextLine(t, lines, "text_message")
	assert.Contains(t, l, `"hello tail"`)
	require.NoError(t, alice.StartTyping(context.Background(), "bob", cometchat.ReceiverTypeUser, nil))
	nextLine(t, lines, "typing_started")

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code)
	case <-time.After(15 * time.Second):
		t.Fatal("tail did not stop when its context ended")
	}
	assert.Contains(t, stderr.String(), "logged in as Bob (bob)")
	assert.NotContains(t, stderr.String(), srv.AuthKey())
}

func TestTailNeedsCredentials(t *testing.T) {
	var out, errb bytes.Buffer
	assert.Equal(t, 0, runTailEnv(context.Background(), []string{"-h"}, &out, &errb, func(string) string { return "" }),
		"-h prints the usage and succeeds, as for every command")
	assert.Contains(t, errb.String(), "usage: cometchat tail")
	assert.Equal(t, 2, runTailEnv(context.Background(), []string{"-nope"}, &out, &errb, func(string) string { return "" }))
	errb.Reset()
	code := runTailEnv(context.Background(), []string{"-uid", "bob"}, &out, &errb, func(k string) string {
		if k == envAppID {
			return "app"
		}
		return ""
	})
	assert.Equal(t, 2, code)
	assert.Contains(t, errb.String(), envAuthKey)
	code = runTailEnv(context.Background(), []string{"-auth-token", "tok", "-base-url", "http://example.com"}, &out, &errb, func(k string) string {
		if k == envAppID {
			return "app"
		}
		return ""
	})
	assert.Equal(t, 2, code, "plain http to another machine is refused")
	assert.Empty(t, out.String())
}
