// Package apierr holds the error types shared by the root cometchat package, the admin package and the
// REST transport. The root package re-exports them as cometchat.Error and cometchat.RateLimitError, which
// is the name users should reach for; they live here only so internal/rest can build them without an
// import cycle.
package apierr

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Error is an error reported by the CometChat service, or raised locally by the SDK before any request
// was sent (Status is then 0 and Local is true).
//
// Errors compare by Code: errors.Is(err, cometchat.ErrUIDNotFound) is true for any *Error whose Code is
// "ERR_UID_NOT_FOUND", however it was wrapped.
type Error struct {
	// Status is the HTTP status of the response; 0 for local errors and WebSocket errors.
	Status int
	// Code is the service's upper-case error code, e.g. "ERR_UID_NOT_FOUND".
	Code string
	// Message is the human-readable text. Secrets the SDK sent are redacted from it.
	Message string
	// DevMessage and Source are set by the server API ("chat-api"); often empty on the client API.
	DevMessage string
	Source     string
	// Details maps a field to its validation messages (ERR_BAD_REQUEST only).
	Details map[string][]string
	// RawDetails keeps the details object as sent when it does not have the field-to-messages shape.
	RawDetails json.RawMessage
	// Method and Path name the request that failed (path relative to the API base, no query).
	Method, Path string
	// Local is true when the SDK raised the error itself without a request.
	Local bool
	// Err is an underlying cause, for local errors that wrap one.
	Err error
}

// Error formats the code, the message and, for service errors, the request and status.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("cometchat: ")
	if e.Method != "" {
		b.WriteString(e.Method)
		b.WriteByte(' ')
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Is reports whether target is an *Error with the same Code. A sentinel (an *Error with only a Code)
// therefore matches every error carrying that code.
func (e *Error) Is(target error) bool {
	var t *Error
	if !errors.As(target, &t) || t == nil {
		return false
	}
	return t.Code != "" && t.Code == e.Code
}

// Unwrap returns the underlying cause of a local error, if any.
func (e *Error) Unwrap() error { return e.Err }

// RateLimitError is returned when the service answered 429 and waiting for Retry-After would have
// exceeded the retry policy's cap or the caller's deadline. It wraps the service's *Error
// (ERR_TOO_MANY_REQUESTS), so errors.Is(err, cometchat.ErrTooManyRequests) holds.
type RateLimitError struct {
	// RetryAfter is how long the service asked the caller to wait (60 s when it did not say).
	RetryAfter time.Duration
	// Limit and Remaining come from X-RateLimit-* or X-Rate-Limit* headers; -1 when absent.
	Limit, Remaining int
	// Reset is when the window resets, zero when the service did not say.
	Reset time.Time
	// Err is the service's error.
	Err *Error
}

// Error describes the limit and how long to wait.
func (e *RateLimitError) Error() string {
	if e.Err == nil { // built by hand (e.g. in a user's test) rather than by the transport
		return fmt.Sprintf("cometchat: ERR_TOO_MANY_REQUESTS; retry after %s", e.RetryAfter)
	}
	return fmt.Sprintf("%s; retry after %s", e.Err.Error(), e.RetryAfter)
}

// Unwrap returns the service's *Error.
func (e *RateLimitError) Unwrap() error { return e.Err }
