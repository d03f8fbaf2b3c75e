package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"strings"
)

// The server settings map (client-protocol.md §4): GET settings, and the
// "settings" key of the Me payload.

func (s *Server) registerSettingsRoutes() {
	s.clientRoute("GET settings", func(r *http.Request, _ *clientCaller) (any, error) {
		return s.settingsFor(r), nil
	})
}

// settingsFor builds the settings map with every host key pointing at the
// emulator itself (client-protocol.md §4, "Emulator default settings"), then
// Config.Settings merged over it. Do not call it with s.mu held (it reads the
// listener address).
func (s *Server) settingsFor(r *http.Request) map[string]any {
	hostPort := s.advertisedAddr(r)
	host, port, err := net.SplitHostPort(hostPort)
	if err != nil {
		// A Host without a port: the scheme's default port.
		host, port = hostPort, "80"
		if s.requestIsTLS(r) {
			port = "443"
		}
		hostPort = net.JoinHostPort(host, port)
	}
	if strings.Contains(host, ":") {
		// IPv6: the SDK builds "wss://" + CHAT_HOST + ":" + port.
		host = "[" + host + "]"
	}
	m := map[string]any{
		"CLIENT_API_HOST":         hostPort,
		"ADMIN_API_HOST":          hostPort,
		"CHAT_API_VERSION":        "v3.0",
		"WS_API_VERSION":          "v1",
		"CHAT_HOST":               host,
		"CHAT_WSS_PORT":           port,
		"REGION":                  s.cfg.Region,
		"MODE":                    s.cfg.Mode,
		"APP_VERSION":             "4",
		"ANALYTICS_PING_DISABLED": true,
		"extensions":              []any{},
		"parameters":              map[string]any{},
		"flagReasons":             defaultFlagReasons(), // flags.go
		"file.size.max":           104857600,
		"file.count.max":          10,
	}
	for k, v := range s.cfg.Settings {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	m["settingsHash"] = settingsHash(m)
	m["settingsHashReceivedAt"] = 0
	return m
}

// settingsHash is an opaque digest of the settings: it changes exactly when
// the settings do.
func settingsHash(m map[string]any) string {
	b, _ := json.Marshal(m) // map keys are marshalled in sorted order
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
