package emulator

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigDefaults(t *testing.T) {
	c, err := Config{}.withDefaults()
	require.NoError(t, err)
	hex40 := regexp.MustCompile(`^[0-9a-f]{40}$`)
	assert.Regexp(t, hex40, c.AuthKey)
	assert.Regexp(t, hex40, c.RESTAPIKey)
	assert.NotEqual(t, c.AuthKey, c.RESTAPIKey)
	assert.Regexp(t, `^[0-9a-f]{16}$`, c.AppID)
	assert.Equal(t, "eu", c.Region)
	assert.Equal(t, "127.0.0.1:0", c.Addr)
	assert.Equal(t, "DEFAULT", c.Mode)
	assert.Equal(t, 100, c.MaxAuthTokensPerUser)
	assert.NotNil(t, c.Logger)
	assert.NotNil(t, c.Now)

	c, err = Config{Region: " US ", Mode: "no_transient"}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, "us", c.Region)
	assert.Equal(t, "NO_TRANSIENT", c.Mode)
}

func TestConfigErrors(t *testing.T) {
	_, err := New(Config{Mode: "FAST"})
	assert.Error(t, err)
	_, err = New(Config{AuthKey: "same", RESTAPIKey: "same"})
	assert.Error(t, err)
}

func TestConfigSettingsCopied(t *testing.T) {
	m := map[string]any{"MODE": "x"}
	s, err := New(Config{Settings: m})
	require.NoError(t, err)
	m["MODE"] = "changed"
	assert.Equal(t, "x", s.cfg.Settings["MODE"])
}
