package emulator

import (
	"fmt"
	"net/http"
	"strings"
)

// Routing.
//
// Every endpoint is registered from a resource file's registerXxxRoutes
// method (called by registerRoutes below) with one of:
//
//	s.clientRoute("GET users/{uid}", h)                 // client API, /v3.0 only
//	s.adminRoute("POST users", authOnlyAllowed, h)      // server API, /v3 and /v3.0
//
// The pattern is "METHOD path" with Go 1.22 ServeMux wildcards and no version
// prefix. Handlers receive the authenticated caller and return (data, error):
// the router writes {"data": data} (or a *page as is) or the error envelope,
// so handlers never touch the ResponseWriter.
//
// Client and admin endpoints may share a path (GET /v3.0/users/{uid}); one
// ServeMux entry then dispatches per request (client-protocol.md §1.3):
//
//   - an authToken header selects the client handler when there is one;
//   - otherwise an apikey header (any case) selects the admin handler;
//   - otherwise the only handler there is, preferring the client handler,
//     which then reports the missing credential
//     (AUTH_ERR_EMPTY_AUTH_TOKEN / AUTH_ERR_EMPTY_APIKEY).
//
// Unknown paths and known paths with another method answer 404
// ERR_API_NOT_FOUND (a catch-all "/" pattern takes every request no route
// matches, so ServeMux never produces its own 404/405).

// Path prefixes of the two API versions the emulator serves.
const (
	clientPrefix = "/v3.0/"
	adminPrefix  = "/v3/"
)

// access is who may call an admin endpoint.
type access int

const (
	// fullAccessOnly: only a fullAccess key (REST API key).
	fullAccessOnly access = iota
	// authOnlyAllowed: a fullAccess key or an authOnly key (Auth Key).
	authOnlyAllowed
)

// clientHandler serves a client-API call of an authenticated user.
type clientHandler func(r *http.Request, c *clientCaller) (any, error)

// adminHandler serves a server-API call authenticated by an API key.
type adminHandler func(r *http.Request, a *adminCaller) (any, error)

// routeEntry holds the handlers of one "METHOD /prefix/path" mux pattern.
type routeEntry struct {
	s      *Server
	client http.Handler
	admin  http.Handler
}

// registerRoutes registers every endpoint. A new resource file adds its own
// registerXxxRoutes method and one line here.
func (s *Server) registerRoutes() {
	s.mux.HandleFunc("/", s.handleFallback)
	s.registerHubRoutes()
	s.registerAuthTokenRoutes()
	s.registerUserRoutes()
	s.registerMeRoutes()
	s.registerSettingsRoutes()
	s.registerEmulatorRoutes()
	s.registerServerAPIRoutes()
	s.registerBlockRoutes()
	s.registerUserListRoutes()
	s.registerGroupRoutes()
	s.registerMemberRoutes()
	s.registerBanRoutes()
	s.registerMessageRoutes()
	s.registerMessageQueryRoutes()
	s.registerThreadRoutes()
	s.registerFlagRoutes()
	s.registerConversationRoutes()
	s.registerReactionRoutes()
	s.registerCallRoutes()
	s.registerUploadRoutes()
	s.registerOnlineCountRoutes()
}

// handleFallback answers every request no route matched. The WebSocket hub
// will hook in here: the upgrade is accepted on any path
// (client-protocol.md §7.1).
func (s *Server) handleFallback(w http.ResponseWriter, r *http.Request) {
	if isWebSocketUpgrade(r) {
		s.hub.serveWS(w, r)
		return
	}
	s.writeError(w, r, errAPINotFound())
}

// clientRoute registers a client-API endpoint under /v3.0.
func (s *Server) clientRoute(pattern string, h clientHandler) {
	method, path := splitPattern(pattern)
	e := s.entry(method, clientPrefix+path)
	if e.client != nil {
		panic("emulator: duplicate client route " + pattern)
	}
	e.client = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := infoFrom(r)
		ri.api = "client"
		c, err := s.authClient(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		ri.uid = c.uid
		v, err := h(r, c)
		s.writeResult(w, r, v, err)
	})
}

// adminRoute registers a server-API endpoint under both /v3 and /v3.0.
func (s *Server) adminRoute(pattern string, acc access, h adminHandler) {
	method, path := splitPattern(pattern)
	hh := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := infoFrom(r)
		ri.api = "admin"
		a, err := s.authAdmin(r, acc)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		ri.uid = a.onBehalfOf
		v, err := h(r, a)
		s.writeResult(w, r, v, err)
	})
	for _, prefix := range []string{adminPrefix, clientPrefix} {
		e := s.entry(method, prefix+path)
		if e.admin != nil {
			panic("emulator: duplicate admin route " + pattern)
		}
		e.admin = hh
	}
}

// entry returns the route entry of a mux pattern, registering it on first use.
func (s *Server) entry(method, path string) *routeEntry {
	key := method + " " + path
	e, ok := s.routes[key]
	if !ok {
		e = &routeEntry{s: s}
		s.routes[key] = e
		s.mux.Handle(key, e)
	}
	return e
}

// ServeHTTP picks the client or admin handler (see the package comment above).
func (e *routeEntry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hasToken := r.Header.Get("authToken") != ""
	hasKey := r.Header.Get("apikey") != ""
	switch {
	case hasToken && e.client != nil:
		e.client.ServeHTTP(w, r)
	case e.admin != nil && (hasKey || e.client == nil):
		e.admin.ServeHTTP(w, r)
	case e.client != nil:
		e.client.ServeHTTP(w, r)
	default:
		e.s.writeError(w, r, errAPINotFound())
	}
}

// splitPattern splits "METHOD path" and validates it.
func splitPattern(pattern string) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok || method == "" || path == "" || strings.HasPrefix(path, "/") || method != strings.ToUpper(method) {
		panic(fmt.Sprintf("emulator: bad route pattern %q (want \"METHOD path\", no leading slash)", pattern))
	}
	return method, path
}
