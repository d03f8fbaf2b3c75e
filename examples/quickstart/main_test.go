package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if the quickstart leaves a goroutine behind: the embedded emulator and
// both Clients must be shut down completely.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestQuickstartRunsOnTheEmbeddedEmulator runs the whole tour against the in-process emulator (the
// COMETCHAT_* variables are cleared so it never reaches a real app).
func TestQuickstartRunsOnTheEmbeddedEmulator(t *testing.T) {
	for _, k := range []string{"COMETCHAT_APP_ID", "COMETCHAT_REGION", "COMETCHAT_AUTH_KEY"} {
		t.Setenv(k, "")
	}
	if err := run(t.Context()); err != nil {
		t.Fatal(err)
	}
}
