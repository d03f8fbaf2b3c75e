package emulator

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatusFor(t *testing.T) {
	for code, want := range map[string]int{
		"ERR_UID_ALREADY_EXISTS":        400, // E: explicitly not 409
		"AUTH_ERR_NO_ACCESS":            403,
		"AUTH_ERR_APIKEY_NOT_FOUND":     404,
		"AUTH_ERR_AUTH_TOKEN_NOT_FOUND": 401,
		"ERR_ALREADY_JOINED":            417,
		"ERR_CANNOT_BLOCK_SELF":         401,
		"ERR_TOO_MANY_REQUESTS":         429,
		"ERR_BAD_REQUEST":               400,
		"ERR_API_NOT_FOUND":             404,
		// Not in the table: the suggested-default rule.
		"ERR_SOMETHING_NOT_FOUND":   404,
		"ERR_NOT_A_THING":           404,
		"AUTH_ERR_EMPTY_WHATEVER":   401,
		"ERR_THING_ALREADY_DONE":    400,
		"ERR_INVALID_WIDGET":        400,
		"ERR_WIDGET_LIMIT_EXCEEDED": 403,
		"ERR_WIDGET_FAILED":         500,
	} {
		assert.Equal(t, want, statusFor(code), code)
	}
}

func TestErrorWireShape(t *testing.T) {
	e := errBadRequest(map[string][]string{"uid": {"The uid field is required."}})
	b, err := json.Marshal(e.wire())
	require.NoError(t, err)
	assert.JSONEq(t, `{"error":{"code":"ERR_BAD_REQUEST","message":"Failed to validate the data sent with the request.",
		"devMessage":"Failed to validate the data sent with the request.","source":"chat-api",
		"details":{"uid":["The uid field is required."]}}}`, string(b))

	// No details key on other errors.
	b, err = json.Marshal(errUIDNotFound("bob").wire())
	require.NoError(t, err)
	assert.NotContains(t, string(b), "details")
	assert.Contains(t, string(b), "The UID bob does not exist")

	var target *Error
	require.True(t, errors.As(error(errUIDNotFound("x")), &target))
	assert.Equal(t, 404, target.Status)
	assert.Equal(t, "ERR_UID_NOT_FOUND: The UID x does not exist, please make sure you have created a user with UID x.", target.Error())
}

func TestRedact(t *testing.T) {
	assert.Equal(t, "abcd…", redact("abcdefgh"))
	assert.Equal(t, "…", redact("abc"))
	assert.NotContains(t, errAuthTokenNotFound("secret-token-value").Message, "secret-token-value")
	assert.NotContains(t, errNoAccess("0123456789abcdef").Message, "0123456789abcdef")
}
