package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind (each test also checks its own
// with goleak.VerifyNone).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
