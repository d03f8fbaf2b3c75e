package cometchat_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/cometchattest"
)

// The realtime tests run against cometchattest's emulator, whose fault injection (dropped, refused
// and duplicated frames, stalled pongs, pushed frames) they drive.

// rtTimeout bounds every wait for an event.
const rtTimeout = 15 * time.Second

// rtEnv is a running emulator.
type rtEnv struct {
	t   *testing.T
	emu *cometchattest.Server
}

func newRTEnv(t *testing.T, opts ...cometchattest.Option) *rtEnv {
	t.Helper()
	return &rtEnv{t: t, emu: cometchattest.NewServer(t, opts...)}
}

// settings pins the SDK at the emulator.
func (e *rtEnv) settings() cometchat.AppSettings { return e.emu.Settings() }

// users creates users (uid = name lower-cased).
func (e *rtEnv) users(names ...string) {
	e.t.Helper()
	for _, n := range names {
		e.emu.CreateUser(e.t, strings.ToLower(n), n)
	}
}

// fastReconnect keeps the tests quick: reconnects within 100 ms.
var fastReconnect = cometchat.WithReconnectPolicy(cometchat.ReconnectPolicy{BaseDelay: 10 * time.Millisecond, MaxDelay: 100 * time.Millisecond})

// client returns a Client logged in as uid whose realtime connection is up; it is closed at the end
// of the test.
func (e *rtEnv) client(uid string, opts ...cometchat.Option) *cometchat.Client {
	e.t.Helper()
	c := e.offline(uid, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), rtTimeout)
	defer cancel()
	require.NoError(e.t, c.Connect(ctx))
	return c
}

// offline returns a logged-in Client without waiting for its connection.
func (e *rtEnv) offline(uid string, opts ...cometchat.Option) *cometchat.Client {
	e.t.Helper()
	return e.loginWith(e.settings(), uid, opts...)
}

func (e *rtEnv) loginWith(st cometchat.AppSettings, uid string, opts ...cometchat.Option) *cometchat.Client {
	e.t.Helper()
	c, err := cometchat.Init(st, append([]cometchat.Option{fastReconnect}, opts...)...)
	require.NoError(e.t, err)
	e.t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), rtTimeout)
	defer cancel()
	_, err = c.Login(ctx, uid, e.emu.AuthKey())
	require.NoError(e.t, err)
	return c
}

// ctx is a context bounded by rtTimeout.
func rtCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), rtTimeout)
	t.Cleanup(cancel)
	return ctx
}

// recv waits for the next value on ch.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(rtTimeout):
		t.Fatalf("timed out waiting for a %T", *new(T))
	}
	var zero T
	return zero
}

// sink returns a buffered channel and a function that sends to it without blocking the dispatcher
// for long.
func sink[T any]() (chan T, func(T)) {
	ch := make(chan T, 4096)
	return ch, func(v T) { ch <- v }
}

// rtText returns the text of a text message, or "" for other messages.
func rtText(m cometchat.Message) string {
	if t, ok := m.(*cometchat.TextMessage); ok {
		return t.Text
	}
	return ""
}
