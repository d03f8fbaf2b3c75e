package emulator

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBadConfigLeavesTheDataDirAlone: a configuration New refuses is refused before the data
// directory is opened, so the directory is neither locked nor written (not even by an import).
func TestBadConfigLeavesTheDataDirAlone(t *testing.T) {
	for name, spoil := range map[string]func(*Config){
		"rate-limit window":   func(c *Config) { c.RateLimit = RateLimitConfig{Limit: 1, Window: 1500 * time.Millisecond} },
		"negative send limit": func(c *Config) { c.RateLimit = RateLimitConfig{SendLimit: -1} },
		"webhook URL":         func(c *Config) { c.Webhooks = []WebhookConfig{{URL: "not a url"}} },
		"webhook delays":      func(c *Config) { c.WebhookRetryDelays = []time.Duration{-time.Second} },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			first := openDir(t, fixedKeys(dir))
			first.ok("POST", "/v3/users", first.admin(), map[string]any{"uid": "kept", "name": "Kept"})
			first.close()
			before, err := os.ReadFile(filepath.Join(dir, stateFileName))
			require.NoError(t, err)

			cfg := fixedKeys(dir)
			cfg.Snapshot = mustSnapshot(t)
			spoil(&cfg)
			_, err = New(cfg)
			require.Error(t, err)

			after, err := os.ReadFile(filepath.Join(dir, stateFileName))
			require.NoError(t, err)
			assert.Equal(t, string(before), string(after), "the import did not happen")
			assert.NoFileExists(t, filepath.Join(dir, stateFileName+".bak"))
			d := openDir(t, fixedKeys(dir)) // not locked
			d.ok("GET", "/v3/users/kept", d.admin(), nil)
			d.close()
		})
	}
}

// TestAbandonPersistReleasesTheDataDir covers New's failure path after the directory was opened
// (the deferred abandonPersist): the lock is released and the background flusher, if an event
// started it, is stopped (goleak checks the package).
func TestAbandonPersistReleasesTheDataDir(t *testing.T) {
	for _, withEvent := range []bool{false, true} {
		dir := t.TempDir()
		s, err := New(fixedKeys(dir))
		require.NoError(t, err)
		if withEvent {
			require.NoError(t, s.CreateUser("ada", "Ada")) // publishes: starts the background flusher
		}
		_, err = New(fixedKeys(dir))
		require.ErrorContains(t, err, "in use by another emulator")

		s.abandonPersist() // what a failing New runs
		s.abandonPersist() // and it is idempotent
		d := openDir(t, fixedKeys(dir))
		d.close()
		require.ErrorIs(t, s.Flush(), errPersistClosed, "the abandoned Server writes nothing more")
		require.NoError(t, s.Close(), "Close after abandon is harmless")
	}
}
