package rest

import (
	"errors"
	"net/http"
	"testing"

	"github.com/cometchat-go/cometchat/internal/apierr"
)

// FuzzDecode feeds arbitrary bodies and statuses to the envelope decoder: it must never panic, must
// return exactly one of a response or an error, and a secret must never survive into an error text.
func FuzzDecode(f *testing.F) {
	f.Add(200, []byte(`{"data":{"uid":"a"},"meta":{"pagination":{"total":1}}}`))
	f.Add(404, []byte(`{"error":{"code":"ERR_UID_NOT_FOUND","message":"The UID a does not exist"}}`))
	f.Add(400, []byte(`{"error":{"code":"ERR_BAD_REQUEST","message":"m","details":{"uid":["required"]}}}`))
	f.Add(429, []byte(`{"error":{"code":"ERR_TOO_MANY_REQUESTS","message":"slow"}}`))
	f.Add(401, []byte(`{"error":{"code":401,"message":"secret-token-123456","details":"secret-token-123456"}}`))
	f.Add(502, []byte(`<html>bad gateway</html>`))
	f.Add(200, []byte(`{"data":null}`))
	f.Add(200, []byte(``))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 999 {
			status = 200
		}
		const secret = "secret-token-123456"
		req := &Request{Method: "GET", Path: "users", Secrets: []string{secret}}
		resp, err := decode(req, &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {"3"}}}, body)
		if (resp == nil) == (err == nil) {
			t.Fatalf("want exactly one of response and error, got %v and %v", resp, err)
		}
		if err == nil {
			return
		}
		var e *apierr.Error
		if !errors.As(err, &e) || e.Code == "" {
			t.Fatalf("error %T %v is not an *Error with a code", err, err)
		}
		if containsSecret(e.Message, secret) || containsSecret(e.DevMessage, secret) || containsSecret(string(e.RawDetails), secret) {
			t.Fatalf("secret leaked: %+v", e)
		}
		var rl *apierr.RateLimitError
		if status == http.StatusTooManyRequests && !errors.As(err, &rl) {
			t.Fatalf("a 429 must be a *RateLimitError, got %T", err)
		}
	})
}

func containsSecret(s, secret string) bool {
	for i := 0; i+len(secret) <= len(s); i++ {
		if s[i:i+len(secret)] == secret {
			return true
		}
	}
	return false
}
