package emulator

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGetSettings(t *testing.T) {
	e := newEnv(t, Config{Mode: "LIMITED_TRANSIENT", Settings: map[string]any{
		"parameters":     map[string]any{"features.ai.enabled": true},
		"file.count.max": nil, // removed
	}})
	hdr := e.user("alice", "Alice")
	r := e.do("GET", "/v3.0/settings", hdr, nil)
	require.Equal(t, 200, r.status)
	d := r.data()
	assert.Equal(t, "LIMITED_TRANSIENT", d["MODE"])
	assert.Equal(t, map[string]any{"features.ai.enabled": true}, d["parameters"])
	assert.NotContains(t, d, "file.count.max")
	assert.Equal(t, float64(104857600), d["file.size.max"])
	assert.NotEmpty(t, d["settingsHash"])
	for _, k := range []string{"CLIENT_API_HOST", "ADMIN_API_HOST", "CHAT_API_VERSION", "WS_API_VERSION",
		"CHAT_HOST", "CHAT_WSS_PORT", "REGION", "APP_VERSION", "extensions", "flagReasons", "settingsHashReceivedAt"} {
		assert.Contains(t, d, k)
	}
	assert.Equal(t, "AUTH_ERR_EMPTY_AUTH_TOKEN", e.do("GET", "/v3.0/settings", nil, nil).code())
}

func TestSettingsHosts(t *testing.T) {
	s, err := New(Config{})
	require.NoError(t, err)

	r := httptest.NewRequest("GET", "/v3.0/settings", nil)
	r.Host = "[::1]:9000"
	m := s.settingsFor(r)
	assert.Equal(t, "[::1]:9000", m["CLIENT_API_HOST"])
	assert.Equal(t, "[::1]", m["CHAT_HOST"], "IPv6 needs brackets in wss://HOST:PORT")
	assert.Equal(t, "9000", m["CHAT_WSS_PORT"])

	r.Host = "emu.example"
	m = s.settingsFor(r)
	assert.Equal(t, "emu.example:80", m["CLIENT_API_HOST"])
	assert.Equal(t, "80", m["CHAT_WSS_PORT"])

	s2, err := New(Config{PublicAddr: "chat.local:8443"})
	require.NoError(t, err)
	m = s2.settingsFor(r)
	assert.Equal(t, "chat.local:8443", m["ADMIN_API_HOST"])
	assert.Equal(t, "chat.local", m["CHAT_HOST"])

	// The hash changes with the settings.
	assert.NotEqual(t, s.settingsFor(r)["settingsHash"], m["settingsHash"])
}
