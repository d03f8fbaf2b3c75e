// Package realtime is the SDK's managed WebSocket session with the CometChat service
// (client-protocol.md §7): it dials the URL from the settings, sends the auth frame, counts the link as
// up only after the auth reply is OK/200, keeps it alive with the protocol's own ping/pong, watches for
// a read-idle link, and reconnects with exponential back-off and full jitter until it is stopped or a
// terminal error (a rejected JWT that a refresh could not fix) ends it.
//
// It knows nothing of messages or listeners. Per connection it runs one reader goroutine, which only
// decodes the frame envelope and hands the frame to Config.OnFrame, and one writer goroutine, which
// also sends the pings. A manager goroutine owns the connect/reconnect loop. Stop waits for all of them.
//
// The network is behind the small Conn/Dialer seam so that tests can drive the session over an
// in-memory connection inside a testing/synctest bubble; WebSocketDialer is the real implementation
// over github.com/coder/websocket.
package realtime
