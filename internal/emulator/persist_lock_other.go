//go:build !unix

package emulator

import (
	"fmt"
	"os"
	"path/filepath"
)

// lockDir opens dir/lock. Without flock there is no cross-process exclusion
// on this platform: do not point two emulators at one data directory.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("emulator: data dir lock: %w", err)
	}
	return f, nil
}

// unlockDir releases a lock taken by lockDir.
func unlockDir(f *os.File) { _ = f.Close() }
