// Package cometchat is a Go SDK for CometChat: it speaks the service's client REST API (v3.0) and its
// realtime WebSocket protocol, exactly as CometChat's own SDKs do, so it works unchanged against the
// real cloud and against the local emulator in package cometchattest and the cometchat command.
//
// It is written for three kinds of programs:
//
//   - Go services that embed chat for their users, often many users in one process;
//   - bots that react to messages and must not lose or repeat any across reconnects;
//   - backend integrations that sync users and mint auth tokens (see package admin).
//
// # Lifecycle
//
// Init validates AppSettings and returns a Client without touching the network. Login (with an Auth
// Key, for development) or LoginWithAuthToken (with a token your server minted, for production) starts
// a session; Logout ends it; Close releases the Client. Every call that does I/O takes a
// context.Context first. There is no global state: create as many Clients as you need.
//
//	client, err := cometchat.Init(cometchat.AppSettings{AppID: appID, Region: cometchat.RegionUS})
//	if err != nil { … }
//	defer client.Close()
//	me, err := client.LoginWithAuthToken(ctx, token)
//
// # Errors
//
// Errors reported by the service are *Error values carrying its code; they match the exported
// sentinels with errors.Is (errors.Is(err, cometchat.ErrUIDNotFound)). Input that can be checked
// locally (identifiers, page sizes, required fields) fails before any request with an *Error whose
// Local field is set. A 429 that cannot be waited out is a *RateLimitError. IsRetryable tells
// transient failures from permanent ones. Auth Keys, REST API keys, auth tokens and JWTs never appear
// in errors, logs or String output.
//
// # Logging
//
// Set AppSettings.Logger to receive structured logs through log/slog; the SDK is silent by default.
//
// # Lists
//
// Every list (users, blocked users, groups, members, banned members, conversations, messages) is
// built the way the official SDKs build them, Go-shaped: chained setters on a builder, then Build,
// which validates everything locally and sends nothing. The request keeps its position: FetchNext
// returns the next page, HasMore tells whether another may follow, All iterates over the rest.
// Concurrent calls on one request are serialised, never refused.
//
//	req, err := cometchat.NewUsersRequestBuilder().SetLimit(50).SetStatus(cometchat.StatusOnline).Build(client)
//	if err != nil { … } // e.g. ErrLimitExceeded for a limit above 100
//	for user, err := range req.All(ctx) { … }
package cometchat
