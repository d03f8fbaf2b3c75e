package apierr

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestErrorMatchesSentinelsByCodeThroughWrapping(t *testing.T) {
	sentinel := &Error{Code: "ERR_UID_NOT_FOUND"}
	got := fmt.Errorf("loading: %w", &Error{Status: 404, Code: "ERR_UID_NOT_FOUND", Message: "gone", Method: "GET", Path: "users/x"})
	if !errors.Is(got, sentinel) {
		t.Fatal("a wrapped service error does not match its code's sentinel")
	}
	if errors.Is(got, &Error{Code: "ERR_GUID_NOT_FOUND"}) {
		t.Fatal("matched another code")
	}
	if errors.Is(got, &Error{}) || errors.Is(got, (*Error)(nil)) || errors.Is(got, errors.New("ERR_UID_NOT_FOUND")) {
		t.Fatal("matched an empty, nil or foreign target")
	}
	var e *Error
	if !errors.As(got, &e) || e.Status != 404 {
		t.Fatalf("errors.As: %v", e)
	}
}

func TestErrorText(t *testing.T) {
	cause := errors.New("dial tcp: refused")
	for _, tc := range []struct {
		err  *Error
		want string
	}{
		{&Error{Code: "ERR_UID_NOT_FOUND"}, "cometchat: ERR_UID_NOT_FOUND"},
		{&Error{Status: 404, Code: "ERR_UID_NOT_FOUND", Message: "The UID x does not exist", Method: "GET", Path: "users/x"},
			"cometchat: GET users/x: ERR_UID_NOT_FOUND: The UID x does not exist (HTTP 404)"},
		{&Error{Code: "FAILED_TO_FETCH", Message: "network", Local: true, Err: cause}, "cometchat: FAILED_TO_FETCH: network: dial tcp: refused"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	local := &Error{Code: "FAILED_TO_FETCH", Err: cause}
	if !errors.Is(local, cause) {
		t.Error("a local error does not unwrap to its cause")
	}
}

func TestRateLimitErrorWrapsTheServiceError(t *testing.T) {
	svc := &Error{Status: 429, Code: "ERR_TOO_MANY_REQUESTS", Message: "slow down"}
	rl := &RateLimitError{RetryAfter: 15 * time.Second, Limit: 700, Remaining: 0, Err: svc}
	err := fmt.Errorf("send: %w", rl)
	if !errors.Is(err, &Error{Code: "ERR_TOO_MANY_REQUESTS"}) {
		t.Fatal("a rate-limit error does not match ERR_TOO_MANY_REQUESTS")
	}
	var got *RateLimitError
	if !errors.As(err, &got) || got.RetryAfter != 15*time.Second {
		t.Fatalf("errors.As: %v", got)
	}
	if s := rl.Error(); !strings.Contains(s, "ERR_TOO_MANY_REQUESTS") || !strings.Contains(s, "retry after 15s") {
		t.Fatalf("text %q", s)
	}
	// Built by hand without the service error it still formats (it used to panic).
	if s := (&RateLimitError{RetryAfter: time.Second}).Error(); !strings.Contains(s, "retry after 1s") {
		t.Fatalf("text %q", s)
	}
}
