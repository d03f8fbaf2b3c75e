package emulator

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// CORS for browser apps (client-protocol.md §11, "Browsers"). A page using
// CometChat's JavaScript SDK sends custom headers (appid, apikey, authtoken,
// sdk, resource), so the browser first sends an OPTIONS preflight. The cors
// middleware answers every preflight, on every path, and adds
// Access-Control-Allow-Origin and -Expose-Headers to every REST response of
// an allowed origin. Which origins are allowed is Config.CORSOrigins.
//
// The dashboard under /emulator/ is same-origin only: it gets no CORS
// headers, so another site open in the developer's browser cannot read the
// emulator's state through it (see dashboard.go).

// corsAllowHeaders are always allowed in a preflight answer: every header
// the official SDKs and the server API send. Headers the browser asks for
// beyond these are allowed too (the emulator accepts any header).
var corsAllowHeaders = []string{
	"accept", "appid", "apikey", "authtoken", "chatapiversion", "content-type",
	"onbehalfof", "onbehalfofuser", "resource", "sdk", "x-requested-with",
}

// corsExposeHeaders are the response headers a browser script may read: the
// rate-limit headers in both spellings (server-api.md §5).
var corsExposeHeaders = []string{
	"Retry-After",
	"X-Rate-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset",
	"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
}

// corsAllowMethods are the methods the REST API uses.
const corsAllowMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"

// corsMaxAge is how long (seconds) a browser may cache a preflight answer.
// Chromium caps it at 7200.
const corsMaxAge = "7200"

// cors is the CORS middleware (see the comment at the top of the file).
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, dashboardPrefix) {
			next.ServeHTTP(w, r)
			return
		}
		origin := r.Header.Get("Origin")
		allowed := origin != "" && s.corsOriginAllowed(origin)
		h := w.Header()
		if origin != "" {
			// The answer depends on Origin: caches must key on it.
			h.Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			s.preflight(w, r, origin, allowed)
			return
		}
		if allowed {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Expose-Headers", strings.Join(corsExposeHeaders, ", "))
		}
		next.ServeHTTP(w, r)
	})
}

// preflight answers an OPTIONS request on any path: 204 with the
// Access-Control-Allow-* headers for an allowed origin, 403 for an origin
// that is not allowed (the browser then reports a CORS failure naming the
// emulator), and a plain 204 with Allow for a non-CORS OPTIONS.
func (s *Server) preflight(w http.ResponseWriter, r *http.Request, origin string, allowed bool) {
	h := w.Header()
	h.Set("Allow", corsAllowMethods)
	if origin == "" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if !allowed {
		s.log.Debug("CORS preflight refused", "origin", origin, "path", r.URL.Path)
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte("cometchat emulator: origin " + origin +
			" is not allowed (see the emulator's --cors-origins / Config.CORSOrigins)\n"))
		return
	}
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Allow-Methods", corsAllowMethods)
	h.Set("Access-Control-Allow-Headers", strings.Join(preflightHeaders(r), ", "))
	h.Set("Access-Control-Max-Age", corsMaxAge)
	if strings.EqualFold(r.Header.Get("Access-Control-Request-Private-Network"), "true") {
		// Chromium's Private Network Access: a public page calling the
		// emulator on localhost asks for this explicitly.
		h.Set("Access-Control-Allow-Private-Network", "true")
	}
	w.WriteHeader(http.StatusNoContent)
}

// preflightHeaders is corsAllowHeaders plus every well-formed header name the
// preflight asks for, lower-cased, without duplicates, in a stable order.
func preflightHeaders(r *http.Request) []string {
	out := slices.Clone(corsAllowHeaders)
	for _, line := range r.Header.Values("Access-Control-Request-Headers") {
		for _, name := range strings.Split(line, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			if isHeaderToken(name) && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

// isHeaderToken reports whether s is a non-empty HTTP token (RFC 9110 §5.6.2),
// so a reflected header name can never inject anything.
func isHeaderToken(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// corsOriginAllowed reports whether a browser origin may use the REST API
// (Config.CORSOrigins; see its comment for the default).
func (s *Server) corsOriginAllowed(origin string) bool {
	if s.cfg.CORSOrigins == nil {
		return s.listensOnLoopback() || isLoopbackOrigin(origin)
	}
	for _, o := range s.cfg.CORSOrigins {
		if o == "*" || strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
			return true
		}
	}
	return false
}

// webSocketOriginAllowed reports whether a WebSocket upgrade may be accepted
// given its Origin header. Non-browser clients send no Origin; browsers send
// the page's origin, which must be the emulator's own (same host), or one
// CORSOrigins allows, unless Config.AllowAnyWebSocketOrigin is set.
//
// For the WebSocket hub: call it before websocket.Accept (answer 403 when it
// is false) and then pass AcceptOptions{InsecureSkipVerify: true}, so the
// library's own same-origin check does not refuse what this allowed.
func (s *Server) webSocketOriginAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || s.cfg.AllowAnyWebSocketOrigin {
		return true
	}
	if u, err := url.Parse(origin); err == nil && strings.EqualFold(u.Host, r.Host) {
		return true
	}
	return s.corsOriginAllowed(origin)
}

// listensOnLoopback reports whether Config.Addr is a loopback address (or
// localhost): then only local programs can reach the emulator, and any
// origin may use it.
func (s *Server) listensOnLoopback() bool {
	host, _, err := net.SplitHostPort(s.cfg.Addr)
	if err != nil {
		host = s.cfg.Addr
	}
	return isLoopbackHost(host)
}

// isLoopbackOrigin reports whether origin is a page served from this machine.
func isLoopbackOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return isLoopbackHost(u.Hostname())
}

// isLoopbackHost reports whether host (no port, brackets allowed) is
// localhost or a loopback IP.
func isLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
