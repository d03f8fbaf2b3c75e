package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/admin"
	"github.com/cometchat-go/cometchat/internal/emulator"
)

func TestAPIKeysEndToEnd(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx := context.Background()

	k, err := e.c.CreateAPIKey(ctx, "Backend", admin.ScopeFullAccess)
	require.NoError(t, err)
	assert.Len(t, k.Key, 40)
	assert.Equal(t, "Backend", k.Name)
	assert.Equal(t, admin.ScopeFullAccess, k.Scope)
	assert.NotZero(t, k.CreatedAt)
	def, err := e.c.CreateAPIKey(ctx, "Mobile", "")
	require.NoError(t, err)
	assert.Equal(t, admin.ScopeAuthOnly, def.Scope, "the service's default scope")

	// The new fullAccess key works at once, as a client of its own.
	backend, err := admin.New(testAppID, "eu", k.Key, admin.WithBaseURL(e.url+"/v3"), admin.WithAllowInsecure(),
		admin.WithHTTPClient(e.ts.Client()))
	require.NoError(t, err)
	got, err := backend.GetAPIKey(ctx, def.Key)
	require.NoError(t, err)
	assert.Equal(t, *def, *got)

	all, err := admin.Collect(e.c.ListAPIKeys(ctx, admin.ListAPIKeysOptions{}))
	require.NoError(t, err)
	assert.Len(t, all, 4, "the two configured keys and two new ones")
	full, err := admin.Collect(e.c.ListAPIKeys(ctx, admin.ListAPIKeysOptions{Scope: admin.ScopeFullAccess, PerPage: 1}))
	require.NoError(t, err)
	var names []string
	for _, k := range full {
		names = append(names, k.Name)
	}
	assert.ElementsMatch(t, []string{"REST API Key", "Backend"}, names, "one per page, both pages read")
	found, err := admin.Collect(e.c.ListAPIKeys(ctx, admin.ListAPIKeysOptions{SearchKey: "mob"}))
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, def.Key, found[0].Key)

	upd, err := backend.UpdateAPIKey(ctx, def.Key, admin.APIKeyUpdate{Name: "Mobile v2", Scope: admin.ScopeFullAccess})
	require.NoError(t, err)
	assert.Equal(t, "Mobile v2", upd.Name)
	assert.Equal(t, admin.ScopeFullAccess, upd.Scope)

	_, err = backend.UpdateAPIKey(ctx, k.Key, admin.APIKeyUpdate{Name: "me"})
	require.ErrorIs(t, err, cometchat.ErrAPIKeyNoSelfAction)
	require.ErrorIs(t, backend.DeleteAPIKey(ctx, k.Key), cometchat.ErrAPIKeyNoSelfAction)

	require.NoError(t, e.c.DeleteAPIKey(ctx, k.Key))
	_, err = backend.GetAPIKey(ctx, def.Key)
	require.ErrorIs(t, err, cometchat.ErrAuthAPIKeyNotFound, "a deleted key stops working at once")
	_, err = e.c.GetAPIKey(ctx, k.Key)
	require.ErrorIs(t, err, cometchat.ErrAPIKeyNotFound)
	require.ErrorIs(t, e.c.DeleteAPIKey(ctx, k.Key), cometchat.ErrAPIKeyNotFound)

	// An authOnly key may not manage keys.
	_, err = e.ak.CreateAPIKey(ctx, "sneaky", admin.ScopeFullAccess)
	require.ErrorIs(t, err, cometchat.ErrAuthNoAccess)
}

func TestAPIKeysQuotaAndLocalChecks(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx := context.Background()
	for i := 2; i < 25; i++ {
		_, err := e.c.CreateAPIKey(ctx, fmt.Sprintf("key %d", i), admin.ScopeAuthOnly)
		require.NoError(t, err)
	}
	_, err := e.c.CreateAPIKey(ctx, "26th", admin.ScopeAuthOnly)
	require.ErrorIs(t, err, cometchat.ErrPlanQuotaRestriction)

	before := e.c.Stats().Requests
	for name, err := range map[string]error{
		"no name":    func() error { _, err := e.c.CreateAPIKey(ctx, " ", ""); return err }(),
		"long name":  func() error { _, err := e.c.CreateAPIKey(ctx, strings.Repeat("x", 101), ""); return err }(),
		"bad scope":  func() error { _, err := e.c.CreateAPIKey(ctx, "x", "admin"); return err }(),
		"no key":     func() error { _, err := e.c.GetAPIKey(ctx, ""); return err }(),
		"no change":  func() error { _, err := e.c.UpdateAPIKey(ctx, "abc", admin.APIKeyUpdate{}); return err }(),
		"bad update": func() error { _, err := e.c.UpdateAPIKey(ctx, "abc", admin.APIKeyUpdate{Scope: "root"}); return err }(),
		"delete":     e.c.DeleteAPIKey(ctx, ""),
		"list scope": func() error {
			_, err := admin.Collect(e.c.ListAPIKeys(ctx, admin.ListAPIKeysOptions{Scope: "x"}))
			return err
		}(),
	} {
		var ce *cometchat.Error
		require.ErrorAs(t, err, &ce, name)
		assert.True(t, ce.Local, name)
	}
	assert.Equal(t, before, e.c.Stats().Requests, "local checks send nothing")
}

func TestAPIKeyValueNeverPrinted(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx := context.Background()
	var logs bytes.Buffer
	logged, err := admin.New(testAppID, "eu", testRESTKey, admin.WithBaseURL(e.url+"/v3"), admin.WithAllowInsecure(),
		admin.WithHTTPClient(e.ts.Client()),
		admin.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	k, err := logged.CreateAPIKey(ctx, "Secret holder", admin.ScopeAuthOnly)
	require.NoError(t, err)
	require.Len(t, k.Key, 40)

	for _, s := range []string{
		k.String(), fmt.Sprint(k), fmt.Sprint(*k), fmt.Sprintf("%v %+v %#v %s %q", k, *k, *k, k, k),
		fmt.Sprintf("%v", []*admin.APIKey{k}), fmt.Sprintf("%+v", struct{ K admin.APIKey }{*k}),
	} {
		assert.NotContains(t, s, k.Key)
		assert.Contains(t, s, k.Key[:4]+"…")
		assert.Contains(t, s, "Secret holder")
	}
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("made", "key", k)
	j, err := json.Marshal(k)
	require.NoError(t, err)
	assert.Contains(t, string(j), k.Key, "JSON keeps the value: it is how a key is stored")

	// Errors of calls naming a key do not echo it, and neither do the debug logs.
	require.NoError(t, logged.DeleteAPIKey(ctx, k.Key))
	_, err = logged.GetAPIKey(ctx, k.Key)
	require.ErrorIs(t, err, cometchat.ErrAPIKeyNotFound)
	var ce *cometchat.Error
	require.ErrorAs(t, err, &ce)
	assert.NotContains(t, err.Error(), k.Key)
	assert.NotContains(t, ce.Path, k.Key)
	assert.NotContains(t, ce.Message+ce.DevMessage, k.Key)
	assert.NotContains(t, logs.String(), k.Key)
	assert.NotContains(t, logs.String(), testRESTKey)
	assert.Contains(t, logs.String(), "apikeys/[REDACTED]", "the calls were logged")
}
