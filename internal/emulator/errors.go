package emulator

import (
	"fmt"
	"net/http"
	"strings"
)

// Error is a service error as the emulator puts it on the wire (errors.md §1.1):
//
//	{"error":{"code","message","devMessage","source":"chat-api","details"?}}
//
// The seeding helpers of [Server] return it too, so Go tests can check Code
// with errors.As.
type Error struct {
	// Status is the HTTP status (errors.md §3: established, else code-map,
	// else openapi-fork, else the suggested default).
	Status int
	// Code is the upper-case service code, e.g. "ERR_UID_NOT_FOUND".
	Code string
	// Message is the human text; devMessage on the wire carries the same.
	Message string
	// Details maps a field to its validation messages; only for ERR_BAD_REQUEST.
	Details map[string][]string
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// errorBody is the wire form of Error.
type errorBody struct {
	Error errorFields `json:"error"`
}

type errorFields struct {
	Code       string              `json:"code"`
	Message    string              `json:"message"`
	DevMessage string              `json:"devMessage"`
	Source     string              `json:"source"`
	Details    map[string][]string `json:"details,omitempty"`
}

func (e *Error) wire() errorBody {
	return errorBody{Error: errorFields{
		Code:       e.Code,
		Message:    e.Message,
		DevMessage: e.Message,
		Source:     "chat-api",
		Details:    e.Details,
	}}
}

// newError builds an Error whose status comes from the status table.
func newError(code, format string, args ...any) *Error {
	return &Error{Status: statusFor(code), Code: code, Message: fmt.Sprintf(format, args...)}
}

// statusByCode is errors.md §3 in one table. Codes missing here fall back to
// the suggested-default rule in statusFor, so new resource files only need to
// add a row when the rule would give the wrong answer.
var statusByCode = map[string]int{
	// §3.1 authentication
	"AUTH_ERR_EMPTY_APPID":          401,
	"AUTH_ERR_INVALID_APPID":        401,
	"AUTH_ERR_EMPTY_APIKEY":         401,
	"AUTH_ERR_APIKEY_NOT_FOUND":     404,
	"AUTH_ERR_NO_ACCESS":            403,
	"AUTH_ERR_EMPTY_AUTH_HEADER":    401,
	"AUTH_ERR_EMPTY_AUTH_TOKEN":     401,
	"AUTH_ERR_AUTH_TOKEN_NOT_FOUND": 401,
	// §3.2 API keys, auth tokens, plan
	"ERR_APIKEY_NOT_FOUND":          404,
	"ERR_APIKEY_NO_SELF_ACTION":     403,
	"ERR_AUTH_TOKEN_NOT_FOUND":      404,
	"ERR_AUTH_TOKEN_DELETE_FAILED":  500,
	"ERR_AUTH_TOKENS_DELETE_FAILED": 500,
	"ERR_AUTHTOKEN_UNAVAILABLE":     403,
	"ERR_AUTHTOKEN_NOT_ACCESSIBLE":  403,
	"ERR_PLAN_RESTRICTION":          403,
	"ERR_SUBSCRIPTION_EXPIRED":      403,
	"ERR_PLAN_QUOTA_RESTRICTION":    403,
	// §3.3 roles
	"ERR_ROLE_NOT_FOUND":      404,
	"ERR_ROLE_DELETE_FAILED":  500,
	"ERR_ROLE_DELETE_DENIED":  403,
	"ERR_ROLE_ALREADY_EXISTS": 400,
	// §3.4 users and bots
	"ERR_UID_NOT_FOUND":      404,
	"ERR_UID_DELETE_FAILED":  500,
	"ERR_UID_ALREADY_EXISTS": 400,
	"ERR_BOT_NOT_FOUND":      404,
	"ERR_BOT_ALREADY_EXISTS": 400,
	// §3.5 groups and members
	"ERR_GUID_NOT_FOUND":             404,
	"ERR_GUID_ALREADY_EXISTS":        400,
	"ERR_EMPTY_GROUP_PASS":           400,
	"ERR_WRONG_GROUP_PASS":           403,
	"ERR_GROUP_DELETE_FAILED":        500,
	"ERR_NOT_A_MEMBER":               404,
	"ERR_ALREADY_JOINED":             417,
	"ERR_GROUP_NOT_JOINED":           403,
	"ERR_GROUP_JOIN_NOT_ALLOWED":     403,
	"ERR_MEMBER_DELETE_FAILED":       500,
	"ERR_NO_VACANCY":                 403,
	"ERR_SAME_SCOPE":                 400,
	"ERR_MEMBER_SCOPE_CHANGE_FAILED": 500,
	"ERR_NOT_A_BANNED_USER":          404,
	"ERR_BANNED_GROUPMEMBER":         403,
	"ERR_ALREADY_BANNED":             400,
	"ERR_MEMBER_BAN_FAILED":          500,
	"ERR_MEMBER_UNBAN_FAILED":        500,
	"ERR_GROUP_NO_CLEARANCE":         403,
	"ERR_GROUP_NO_ADMIN_SCOPE":       403,
	"ERR_GROUP_NO_MODERATOR_SCOPE":   403,
	"ERR_GROUP_NO_SCOPE_CLEARANCE":   403,
	"ERR_GROUP_NO_SELF_ACTION":       403,
	// §3.6 messages and conversations
	"ERR_EMPTY_RECEIVER":                             400,
	"ERR_INVALID_RECEIVER_TYPE":                      400,
	"ERR_MESSAGE_ID_NOT_FOUND":                       404,
	"ERR_INVALID_MESSAGE_DATA":                       400,
	"ERR_EMPTY_MESSAGE_TEXT":                         400,
	"ERR_INVALID_MESSAGE_TEXT":                       400,
	"ERR_EMPTY_MESSAGE_CATEGORY":                     400,
	"ERR_INVALID_MESSAGE_CATEGORY":                   400,
	"ERR_EMPTY_MESSAGE_TYPE":                         400,
	"ERR_INVALID_MESSAGE_TYPE":                       400,
	"ERR_EMPTY_MESSAGE_FILE":                         400,
	"ERR_INVALID_MEDIA_MESSAGE":                      400,
	"ERR_EMPTY_CUSTOM_DATA":                          400,
	"ERR_INVALID_CUSTOM_DATA":                        400,
	"ERR_INVALID_METADATA":                           400,
	"ERR_MESSAGE_NOT_A_SENDER":                       403,
	"ERR_MESSAGE_NO_ACCESS":                          403,
	"ERR_MESSAGE_ACTION_NOT_ALLOWED":                 403,
	"ERR_WRONG_MESSAGE_THREAD":                       400,
	"ERR_MESSAGE_THREAD_NESTING":                     400,
	"ERR_WRONG_MESSAGE_THREAD_CATEGORY":              400,
	"ERR_USER_MESSAGE_DELETE_FAILED":                 500,
	"ERR_CONVERSATION_NOT_FOUND":                     404,
	"ERR_CONVERSATION_NOT_ACCESSIBLE":                404,
	"ERR_PINNED_MESSAGES_LIMIT_EXCEEDED":             403,
	"ERR_SAVED_MESSAGES_LIMIT_EXCEEDED":              403,
	"ERR_PINNED_CONVERSATIONS_LIMIT_EXCEEDED":        403,
	"ERR_SYSTEM_PINNED_CONVERSATIONS_LIMIT_EXCEEDED": 403,
	"ERR_SYSTEM_PINNED_CONVERSATION":                 403,
	"ERR_ACTION_NOT_ALLOWED":                         403,
	// §3.7 calls
	"ERR_CALLING_SELF":              400,
	"ERR_CALL_BUSY_SELF":            400,
	"ERR_CALL_BUSY_GROUP":           400,
	"ERR_CALL_BUSY_USER":            400,
	"ERR_EMPTY_CALL_SESSION_ID":     400,
	"ERR_CALL_SESSION_NOT_FOUND":    404,
	"ERR_CALL_TERMINATED":           400,
	"ERR_CALL_GROUP_ALREADY_JOINED": 400,
	"ERR_CALL_GROUP_ALREADY_LEFT":   400,
	"ERR_CALL_INVALID_INIT":         400,
	"ERR_CALL_USER_ALREADY_JOINED":  400,
	"ERR_CALL_GROUP_INVALID_STATUS": 400,
	"ERR_CALL_ONGOING_TO_INVALID":   400,
	"ERR_CALL_NOT_A_PART":           403,
	"ERR_CALL_EMPTY_JOINED_AT":      400,
	"ERR_CALL_NOT_STARTED":          400,
	// §3.8 friends and blocking
	"ERR_ALREADY_FRIEND":            400,
	"ERR_NOT_A_FRIEND":              404,
	"ERR_CANNOT_FORM_SELF_RELATION": 403,
	"ERR_FAILED_TO_ADD_FRIEND":      500,
	"ERR_CANNOT_BLOCK_SELF":         401,
	"ERR_BLOCKED_RECEIVER":          403,
	"ERR_BLOCKED_SENDER":            403,
	// §3.9 extensions and webhooks
	"ERR_EXTENSION_NOT_FOUND":  404,
	"ERR_BLOCKED_BY_EXTENSION": 403,
	"ERR_WEBHOOK_NOT_FOUND":    404,
	"ERR_BLOCKED_BY_WEBHOOK":   403,
	"ERR_TRIGGER_NOT_FOUND":    404,
	// §3.10 general
	"ERR_INVALID_API_VERSION": 404,
	"ERR_API_NOT_FOUND":       404,
	"ERR_MISSION_FAILED":      500,
	"ERR_BAD_REQUEST":         400,
	"ERR_OPERATION_FAILED":    500,
	"ERR_EXCEPTION":           500,
	"ERR_TOO_MANY_REQUESTS":   429,
	"ERR_BAD_ERROR_RESPONSE":  417,
}

// statusFor returns the HTTP status of a code: the table, else the suggested
// default rule of errors.md §3 (S).
func statusFor(code string) int {
	if st, ok := statusByCode[code]; ok {
		return st
	}
	switch {
	case strings.HasSuffix(code, "_NOT_FOUND"), strings.HasPrefix(code, "ERR_NOT_A_"):
		return http.StatusNotFound
	case strings.HasPrefix(code, "AUTH_ERR_EMPTY_"):
		return http.StatusUnauthorized
	case strings.Contains(code, "_ALREADY_"), strings.Contains(code, "EMPTY_"), strings.Contains(code, "INVALID_"):
		return http.StatusBadRequest
	case strings.Contains(code, "NO_ACCESS"), strings.Contains(code, "CLEARANCE"),
		strings.Contains(code, "LIMIT_EXCEEDED"), strings.Contains(code, "PLAN_"):
		return http.StatusForbidden
	case strings.HasSuffix(code, "_FAILED"), strings.HasSuffix(code, "_EXCEPTION"):
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// Constructors for the errors this package emits; message texts follow
// errors.md §4 where it gives one.

func errAPINotFound() *Error {
	return newError("ERR_API_NOT_FOUND", "The requested API does not exist. Please check the URL and the HTTP method.")
}

func errUIDNotFound(uid string) *Error {
	return newError("ERR_UID_NOT_FOUND",
		"The UID %s does not exist, please make sure you have created a user with UID %s.", uid, uid)
}

func errUIDAlreadyExists(uid string) *Error {
	return newError("ERR_UID_ALREADY_EXISTS",
		"The uid %s already exists. Please use another uid or try after permanently deleting the user.", uid)
}

func errNoAccess(key string) *Error {
	return newError("AUTH_ERR_NO_ACCESS",
		"The key %s cannot be used to perform this operation. Please use API key with a correct scope to perform the operation.",
		redact(key))
}

func errAuthTokenNotFound(token string) *Error {
	return newError("AUTH_ERR_AUTH_TOKEN_NOT_FOUND",
		"The auth token %s does not exist. Please make sure you are logged in and have a valid auth token or try login again.",
		redact(token))
}

func errMissionFailed() *Error {
	return newError("ERR_MISSION_FAILED", "Something went wrong while processing the request. Please try again.")
}

// badRequestMessage is the ERR_BAD_REQUEST text (errors.md §4).
const badRequestMessage = "Failed to validate the data sent with the request."

// errBadRequest builds ERR_BAD_REQUEST with Laravel-style field details.
func errBadRequest(details map[string][]string) *Error {
	e := newError("ERR_BAD_REQUEST", badRequestMessage)
	e.Details = details
	return e
}

// redact keeps a credential recognisable without echoing it: the first four
// characters and an ellipsis. Tokens and keys never appear in full in errors.
func redact(secret string) string {
	r := []rune(secret)
	if len(r) <= 4 {
		return "…"
	}
	return string(r[:4]) + "…"
}
