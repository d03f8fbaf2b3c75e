package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRunsOnEmbeddedEmulator runs the example with no configuration, as `go run` would.
func TestRunsOnEmbeddedEmulator(t *testing.T) {
	t.Setenv("COMETCHAT_APP_ID", "")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), nil, &out))
	s := out.String()
	assert.Contains(t, s, "using an in-process emulator")
	assert.Contains(t, s, "sync: 12 users: 12 created, 0 updated, 0 unchanged, 0 failed")
	assert.Contains(t, s, "login: issued an auth token for ada")
	assert.Contains(t, s, "friends: ada and alan are now friends")
	assert.Contains(t, s, "friends of alan: Ada Lovelace")
	t.Log(s)
}
