package cometchat

import (
	"context"
	"errors"
	"net"

	"github.com/cometchat-go/cometchat/internal/apierr"
)

// Error is an error reported by the CometChat service or raised locally before a request (then Status
// is 0 and Local is true). It matches the sentinels below by Code with errors.Is:
//
//	if errors.Is(err, cometchat.ErrUIDNotFound) { … }
//
// Use errors.As to read the fields. Secrets the SDK sent never appear in its text.
type Error = apierr.Error

// RateLimitError is returned when the service answered 429 and the wait it asked for was longer than
// the retry policy allows (or than the caller's deadline). errors.Is(err, ErrTooManyRequests) holds.
type RateLimitError = apierr.RateLimitError

func sentinel(code string) *Error { return &Error{Code: code} }

// Service error codes (errors.md §3). Each sentinel matches every *Error with the same code.
var (
	ErrAuthEmptyAppID        = sentinel("AUTH_ERR_EMPTY_APPID")
	ErrAuthInvalidAppID      = sentinel("AUTH_ERR_INVALID_APPID")
	ErrAuthEmptyAPIKey       = sentinel("AUTH_ERR_EMPTY_APIKEY")
	ErrAuthAPIKeyNotFound    = sentinel("AUTH_ERR_APIKEY_NOT_FOUND")
	ErrAuthNoAccess          = sentinel("AUTH_ERR_NO_ACCESS")
	ErrAuthEmptyAuthToken    = sentinel("AUTH_ERR_EMPTY_AUTH_TOKEN")
	ErrAuthTokenNotFound     = sentinel("AUTH_ERR_AUTH_TOKEN_NOT_FOUND")
	ErrAuthTokenIDNotFound   = sentinel("ERR_AUTH_TOKEN_NOT_FOUND")
	ErrPlanQuotaRestriction  = sentinel("ERR_PLAN_QUOTA_RESTRICTION")
	ErrUIDNotFound           = sentinel("ERR_UID_NOT_FOUND")
	ErrUIDAlreadyExists      = sentinel("ERR_UID_ALREADY_EXISTS")
	ErrRoleNotFound          = sentinel("ERR_ROLE_NOT_FOUND")
	ErrRoleAlreadyExists     = sentinel("ERR_ROLE_ALREADY_EXISTS")
	ErrGUIDNotFound          = sentinel("ERR_GUID_NOT_FOUND")
	ErrGUIDAlreadyExists     = sentinel("ERR_GUID_ALREADY_EXISTS")
	ErrEmptyGroupPassword    = sentinel("ERR_EMPTY_GROUP_PASS")
	ErrWrongGroupPassword    = sentinel("ERR_WRONG_GROUP_PASS")
	ErrNotAMember            = sentinel("ERR_NOT_A_MEMBER")
	ErrAlreadyJoined         = sentinel("ERR_ALREADY_JOINED")
	ErrGroupNotJoined        = sentinel("ERR_GROUP_NOT_JOINED")
	ErrGroupJoinNotAllowed   = sentinel("ERR_GROUP_JOIN_NOT_ALLOWED")
	ErrNoVacancy             = sentinel("ERR_NO_VACANCY")
	ErrSameScope             = sentinel("ERR_SAME_SCOPE")
	ErrNotABannedUser        = sentinel("ERR_NOT_A_BANNED_USER")
	ErrBannedGroupMember     = sentinel("ERR_BANNED_GROUPMEMBER")
	ErrAlreadyBanned         = sentinel("ERR_ALREADY_BANNED")
	ErrGroupNoClearance      = sentinel("ERR_GROUP_NO_CLEARANCE")
	ErrGroupNoAdminScope     = sentinel("ERR_GROUP_NO_ADMIN_SCOPE")
	ErrGroupNoModeratorScope = sentinel("ERR_GROUP_NO_MODERATOR_SCOPE")
	ErrGroupNoScopeClearance = sentinel("ERR_GROUP_NO_SCOPE_CLEARANCE")
	ErrGroupNoSelfAction     = sentinel("ERR_GROUP_NO_SELF_ACTION")

	ErrEmptyReceiver                = sentinel("ERR_EMPTY_RECEIVER")
	ErrInvalidReceiverType          = sentinel("ERR_INVALID_RECEIVER_TYPE")
	ErrMessageIDNotFound            = sentinel("ERR_MESSAGE_ID_NOT_FOUND")
	ErrInvalidMessageData           = sentinel("ERR_INVALID_MESSAGE_DATA")
	ErrEmptyMessageText             = sentinel("ERR_EMPTY_MESSAGE_TEXT")
	ErrMessageNotASender            = sentinel("ERR_MESSAGE_NOT_A_SENDER")
	ErrMessageNoAccess              = sentinel("ERR_MESSAGE_NO_ACCESS")
	ErrMessageActionNotAllowed      = sentinel("ERR_MESSAGE_ACTION_NOT_ALLOWED")
	ErrMessageThreadNesting         = sentinel("ERR_MESSAGE_THREAD_NESTING")
	ErrConversationNotAccessible    = sentinel("ERR_CONVERSATION_NOT_ACCESSIBLE")
	ErrPinnedMessagesLimitExceeded  = sentinel("ERR_PINNED_MESSAGES_LIMIT_EXCEEDED")
	ErrSavedMessagesLimitExceeded   = sentinel("ERR_SAVED_MESSAGES_LIMIT_EXCEEDED")
	ErrActionNotAllowed             = sentinel("ERR_ACTION_NOT_ALLOWED")
	ErrCallingSelf                  = sentinel("ERR_CALLING_SELF")
	ErrCallSessionNotFound          = sentinel("ERR_CALL_SESSION_NOT_FOUND")
	ErrCallTerminated               = sentinel("ERR_CALL_TERMINATED")
	ErrAlreadyFriend                = sentinel("ERR_ALREADY_FRIEND")
	ErrNotAFriend                   = sentinel("ERR_NOT_A_FRIEND")
	ErrCannotBlockSelf              = sentinel("ERR_CANNOT_BLOCK_SELF")
	ErrBlockedReceiver              = sentinel("ERR_BLOCKED_RECEIVER")
	ErrBlockedSender                = sentinel("ERR_BLOCKED_SENDER")
	ErrAPINotFound                  = sentinel("ERR_API_NOT_FOUND")
	ErrBadRequest                   = sentinel("ERR_BAD_REQUEST")
	ErrTooManyRequests              = sentinel("ERR_TOO_MANY_REQUESTS")
	ErrMissionFailed                = sentinel("ERR_MISSION_FAILED")
	ErrOperationFailed              = sentinel("ERR_OPERATION_FAILED")
	ErrException                    = sentinel("ERR_EXCEPTION")
	ErrPinnedConversationsExceeded  = sentinel("ERR_PINNED_CONVERSATIONS_LIMIT_EXCEEDED")
	ErrSystemPinnedConversation     = sentinel("ERR_SYSTEM_PINNED_CONVERSATION")
	ErrAuthTokenUnavailable         = sentinel("ERR_AUTHTOKEN_UNAVAILABLE")
	ErrAuthTokenNotAccessible       = sentinel("ERR_AUTHTOKEN_NOT_ACCESSIBLE")
	ErrAPIKeyNotFound               = sentinel("ERR_APIKEY_NOT_FOUND")
	ErrAPIKeyNoSelfAction           = sentinel("ERR_APIKEY_NO_SELF_ACTION")
	ErrSubscriptionExpired          = sentinel("ERR_SUBSCRIPTION_EXPIRED")
	ErrPlanRestriction              = sentinel("ERR_PLAN_RESTRICTION")
	ErrCallBusyUser                 = sentinel("ERR_CALL_BUSY_USER")
	ErrEmptyCallSessionID           = sentinel("ERR_EMPTY_CALL_SESSION_ID")
	ErrInvalidAPIVersion            = sentinel("ERR_INVALID_API_VERSION")
	ErrCannotFormSelfRelation       = sentinel("ERR_CANNOT_FORM_SELF_RELATION")
	ErrWrongMessageThread           = sentinel("ERR_WRONG_MESSAGE_THREAD")
	ErrInvalidMetadata              = sentinel("ERR_INVALID_METADATA")
	ErrConversationNotFound         = sentinel("ERR_CONVERSATION_NOT_FOUND")
	ErrCallOngoingToInvalid         = sentinel("ERR_CALL_ONGOING_TO_INVALID")
	ErrCallGroupInvalidStatus       = sentinel("ERR_CALL_GROUP_INVALID_STATUS")
	ErrCallNotAPart                 = sentinel("ERR_CALL_NOT_A_PART")
	ErrSystemPinnedConversationsMax = sentinel("ERR_SYSTEM_PINNED_CONVERSATIONS_LIMIT_EXCEEDED")
)

// SDK-side error codes: raised locally, never sent by the service (errors.md §2).
var (
	// ErrFailedToFetch: no usable response (network failure, cancelled context). Unwrap reaches the cause.
	ErrFailedToFetch = sentinel("FAILED_TO_FETCH")
	// ErrUnparseableResponse: the body was not a CometChat envelope.
	ErrUnparseableResponse = sentinel("UNPARSEABLE_RESPONSE")
	// ErrMissingParameters: a required argument is empty.
	ErrMissingParameters = sentinel("MISSING_PARAMETERS")
	// ErrInvalidAppSettings: AppSettings or an Option failed validation in Init.
	ErrInvalidAppSettings = sentinel("INVALID_APP_SETTINGS")
	// ErrInvalidUID: a UID is empty, too long or has characters other than A-Z a-z 0-9 _ -.
	ErrInvalidUID = sentinel("INVALID_UID")
	// ErrInvalidGUID: the same rule for a GUID.
	ErrInvalidGUID = sentinel("ERROR_INVALID_GUID")
	// ErrNotLoggedIn: the call needs a logged-in user.
	ErrNotLoggedIn = sentinel("USER_NOT_LOGGED_IN")
	// ErrAPIKeyNotSet: the call needs an Auth Key or REST API key and got none.
	ErrAPIKeyNotSet = sentinel("API_KEY_NOT_SET")
	// ErrClosed: the Client was closed.
	ErrClosed = sentinel("CLIENT_CLOSED")
	// ErrLimitExceeded: a page size above the documented maximum.
	ErrLimitExceeded = sentinel("ERROR_SET_LIMIT_EXCEEDED")
	// ErrInvalidValue: an enumerated value (status, scope, group type, direction, …) is not one of its
	// constants, or a field breaks a documented limit.
	ErrInvalidValue = sentinel("INVALID_VALUE")
	// ErrMessageTooLarge: the serialised message exceeds the service's 65,536-character limit.
	ErrMessageTooLarge = sentinel("ERR_MESSAGE_TOO_LARGE")
	// ErrNoWebSocketConnection: the call needs the realtime connection and it is not up.
	ErrNoWebSocketConnection = sentinel("NO_WEBSOCKET_CONNECTION")
	// ErrReceiptsBlocked: the app's MODE forbids receipts and typing (LIMITED_TRANSIENT or NO_TRANSIENT).
	ErrReceiptsBlocked = sentinel("RECEIPTS_TEMPORARILY_BLOCKED")
	// ErrSessionExpired: the auth token was rejected and no token source could replace it.
	ErrSessionExpired = sentinel("SESSION_EXPIRED")
)

// localError builds a local *Error with code and message.
func localError(code *Error, msg string) *Error {
	return &Error{Code: code.Code, Message: msg, Local: true}
}

// IsRetryable reports whether trying the same call again later may succeed: rate limits, transport
// failures and transient server errors (errors.md §5). Validation, permission and not-found errors are
// not retryable. A cancelled or expired context is not retryable either.
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return true
	}
	var e *Error
	if errors.As(err, &e) {
		if e.Local && e.Code != ErrFailedToFetch.Code {
			return false
		}
		switch e.Code {
		case ErrFailedToFetch.Code, ErrTooManyRequests.Code, ErrMissionFailed.Code, ErrOperationFailed.Code, ErrException.Code:
			return true
		}
		return e.Status >= 500 && e.Status != 501
	}
	var ne net.Error
	return errors.As(err, &ne)
}
