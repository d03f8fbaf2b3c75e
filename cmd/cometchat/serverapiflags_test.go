package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat/internal/emulator"
)

func TestServerAPIFlags(t *testing.T) {
	var cfg emulator.Config
	require.NoError(t, addServerAPIFlags(&cfg, 2000, "http://hook:s3cret@127.0.0.1:9000/cometchat"))
	assert.Equal(t, 2000, cfg.RateLimit.Limit)
	require.Len(t, cfg.Webhooks, 1)
	h := cfg.Webhooks[0]
	assert.Equal(t, "http://127.0.0.1:9000/cometchat", h.URL, "credentials are not left in the URL")
	assert.Equal(t, "hook", h.Username)
	assert.Equal(t, "s3cret", h.Password)
	assert.True(t, h.RetryOnFailure)
	assert.Error(t, addServerAPIFlags(&emulator.Config{}, -1, ""))
	assert.Error(t, addServerAPIFlags(&emulator.Config{}, 0, "ftp://x"))
	cfg = emulator.Config{}
	require.NoError(t, addServerAPIFlags(&cfg, 0, ""))
	assert.Empty(t, cfg.Webhooks)
}
