package cometchat

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: every Client must stop all it
// started when it is closed.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
