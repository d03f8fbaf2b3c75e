// Package emulator is a local, in-process emulator of the CometChat chat
// service, written from the specification in shared/spec only. It does not
// import the SDK: it has its own wire types, so a protocol mistake on either
// side shows up as a failing test instead of being shared.
//
// One [Server] is one app. It serves, on a single listener:
//
//   - the client API under /v3.0/… (requests carrying an authToken header);
//   - the server/admin API under both /v3/… and /v3.0/… (requests carrying an
//     apikey header, any case, and no authToken);
//   - the WebSocket on any path (hub.go) and online counts under /api/… (onlinecount.go);
//   - the emulator's own endpoints under /emulator/: the live web dashboard
//     (dashboard.go, dashboardui/) and the snapshot (snapshot.go).
//
// For everyday development (browser apps, restarts): cors.go answers CORS
// preflights on every path, persist.go keeps the state in Config.DataDir
// (durable before each response), snapshot.go exports and imports it.
//
// Layout: config.go (Config and defaults), server.go (lifecycle, Handler),
// router.go (route registration and API dispatch), auth.go (API keys, auth
// tokens, appId), errors.go (codes, statuses, messages), respond.go (envelope
// and body helpers), validate.go (field rules), state.go and records.go (the
// single state struct), events.go (the fan-out hook), observe.go (request
// feed), tls.go (self-signed certificate), settings.go, and one file per
// resource (users.go, authtokens.go, me.go), each with its own
// registerXxxRoutes.
//
// Concurrency: all state lives in one struct guarded by one mutex
// (Server.mu). Events are published with that mutex held, so sinks see them
// in state order and must not block.
package emulator
