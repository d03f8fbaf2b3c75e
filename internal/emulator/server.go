package emulator

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server is one emulated CometChat app: its state, its REST endpoints and
// its WebSocket hub. Several Servers can live in one process; they
// share nothing.
//
// Use Handler to mount it on your own http.Server / httptest.Server, or Start
// to let it listen (plain HTTP or self-signed HTTPS) and Close to stop it.
type Server struct {
	cfg Config
	log *slog.Logger

	mux     *http.ServeMux
	routes  map[string]*routeEntry
	handler http.Handler

	// mu guards st and sinks: all emulator state. Handlers hold it for the
	// read-modify-publish of one operation and never while doing I/O.
	mu         sync.Mutex
	st         *state
	sinks      map[int]eventSink
	nextSinkID int
	// hub is the WebSocket hub (hub.go).
	hub *hub

	// limiter is the rate limiter (nil when off) and webhooks the outgoing
	// webhook dispatcher (nil without webhooks); see serverapi.go.
	limiter  *rateLimiter
	webhooks *webhookDispatcher

	// persist writes the state to Config.DataDir (nil without one) and dash
	// feeds the web dashboard (nil when disabled); see persist.go and
	// dashboard.go.
	persist *persister
	dash    *dashboard

	// obsMu guards the request observers (not state, so a slow feed never
	// holds up state changes).
	obsMu     sync.Mutex
	observers map[int]func(RequestRecord)
	nextObsID int

	// connMu guards fresh: connections accepted that have not sent a request yet (see closeFresh).
	connMu sync.Mutex
	fresh  map[net.Conn]struct{}

	// life guards the listener lifecycle fields below.
	life     sync.Mutex
	started  bool
	closed   bool
	srv      *http.Server
	addr     string // bound host:port
	cert     *x509.Certificate
	certPEM  []byte
	closers  []func()
	serveErr chan error
}

// New returns a Server for cfg (defaults filled in, see [Config]). It does not
// listen: call Start, or serve Handler yourself.
func New(cfg Config) (*Server, error) {
	given := cfg // before defaults: restoreAtNew adopts a snapshot's app id and keys when not given
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger,
		mux:       http.NewServeMux(),
		routes:    map[string]*routeEntry{},
		sinks:     map[int]eventSink{},
		observers: map[int]func(RequestRecord){},
	}
	s.st = newState(cfg, s.now().Unix())
	if err := s.restoreAtNew(given); err != nil {
		return nil, err
	}
	built := false
	defer func() {
		if !built {
			s.abandonPersist() // persist.go: a failed New must not keep the data directory locked
		}
	}()
	if err := s.initServerAPI(); err != nil {
		return nil, err
	}
	s.registerRoutes()
	s.handler = s.buildHandler()
	built = true
	return s, nil
}

// buildHandler wraps the mux in the middleware chain, innermost first.
// CORS (client-protocol.md §11) is one more entry here, before observe so
// the feed also shows preflights.
func (s *Server) buildHandler() http.Handler {
	var h http.Handler = s.mux
	for _, mw := range []func(http.Handler) http.Handler{
		s.recoverPanics,
		s.rateLimit,
		s.cors,
		s.observe,
	} {
		h = mw(h)
	}
	return h
}

// recoverPanics turns a handler panic into ERR_MISSION_FAILED instead of a
// dropped connection, and logs it.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("handler panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
				writeJSON(w, http.StatusInternalServerError, errMissionFailed().wire())
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// Handler returns the emulator's HTTP handler (REST APIs, the WebSocket
// upgrade, online counts and the dashboard). It can be served by any http.Server, e.g.
// httptest.NewServer(s.Handler()); the settings map then advertises the
// request's Host.
func (s *Server) Handler() http.Handler { return s.handler }

// now is the configured clock.
func (s *Server) now() time.Time { return s.cfg.Now() }

// AppID returns the App ID.
func (s *Server) AppID() string { return s.cfg.AppID }

// Region returns the region.
func (s *Server) Region() string { return s.cfg.Region }

// AuthKey returns the authOnly key (the "Auth Key").
func (s *Server) AuthKey() string { return s.cfg.AuthKey }

// RESTAPIKey returns the fullAccess key (the "REST API Key").
func (s *Server) RESTAPIKey() string { return s.cfg.RESTAPIKey }

// Start listens on Config.Addr and serves in a background goroutine until
// Close. With Config.TLS it first generates a self-signed certificate. A
// Server can be started once.
func (s *Server) Start() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return errors.New("emulator: Start after Close")
	}
	if s.started {
		return errors.New("emulator: already started")
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("emulator: listen: %w", err)
	}
	if s.cfg.TLS {
		cert, certPEM, tlsCert, err := selfSignedCert(ln.Addr().String())
		if err != nil {
			_ = ln.Close()
			return err
		}
		s.cert, s.certPEM = cert, certPEM
		ln = tls.NewListener(ln, &tls.Config{
			Certificates: []tls.Certificate{tlsCert},
			MinVersion:   tls.VersionTLS12,
		})
	}
	s.addr = ln.Addr().String()
	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		// TLS handshake noise (a browser not trusting the certificate yet)
		// goes to the debug log, not stderr.
		ErrorLog:  slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		ConnState: s.trackConn,
	}
	s.serveErr = make(chan error, 1)
	s.started = true
	go func(srv *http.Server, done chan<- error) {
		done <- srv.Serve(ln)
	}(s.srv, s.serveErr)
	s.log.Debug("emulator listening", "url", s.urlLocked())
	return nil
}

// onClose registers fn to run at the start of Close, before the HTTP server
// shuts down (in reverse order of registration). The WebSocket hub uses it to
// close hijacked connections, which http.Server.Shutdown does not track.
func (s *Server) onClose(fn func()) {
	s.life.Lock()
	defer s.life.Unlock()
	s.closers = append(s.closers, fn)
}

// Close stops the server: it runs the close hooks, shuts the listener down
// gracefully (in-flight requests get up to 5 s) and waits for the serving
// goroutine. It is safe to call more than once and without Start.
func (s *Server) Close() error {
	s.life.Lock()
	if s.closed {
		s.life.Unlock()
		return nil
	}
	s.closed = true
	closers := s.closers
	srv, done := s.srv, s.serveErr
	s.life.Unlock()
	defer s.closePersist() // persist.go: the last write, after the listener has stopped

	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
	if srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(ctx) }()
	err := s.closeFreshUntil(shut)
	if err != nil {
		err = errors.Join(err, srv.Close())
	}
	if serr := <-done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// trackConn remembers connections that have not sent a request yet. http.Server.Shutdown treats
// such a connection as busy for 5 s; Go's HTTP clients leave them behind routinely (a dial that
// lost the race to an idle connection), so without this every Close would stall.
func (s *Server) trackConn(c net.Conn, st http.ConnState) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if st == http.StateNew {
		if s.fresh == nil {
			s.fresh = map[net.Conn]struct{}{}
		}
		s.fresh[c] = struct{}{}
		return
	}
	delete(s.fresh, c)
}

// closeFreshUntil closes request-less connections until Shutdown (whose result arrives on shut)
// returns, so it can finish without waiting out their grace period.
func (s *Server) closeFreshUntil(shut <-chan error) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		s.connMu.Lock()
		for c := range s.fresh {
			_ = c.Close()
			delete(s.fresh, c)
		}
		s.connMu.Unlock()
		select {
		case err := <-shut:
			return err
		case <-tick.C:
		}
	}
}

// Addr returns the bound host:port after Start, else "".
func (s *Server) Addr() string {
	s.life.Lock()
	defer s.life.Unlock()
	return s.addr
}

// URL returns the base URL after Start, e.g. "http://127.0.0.1:54321" or
// "https://127.0.0.1:54321" with TLS; "" before Start. The client API is at
// URL()+"/v3.0", the server API at URL()+"/v3" (or "/v3.0"), the WebSocket at
// the same host and port with ws / wss.
func (s *Server) URL() string {
	s.life.Lock()
	defer s.life.Unlock()
	return s.urlLocked()
}

func (s *Server) urlLocked() string {
	if s.addr == "" {
		return ""
	}
	if s.cfg.TLS {
		return "https://" + s.addr
	}
	return "http://" + s.addr
}

// Certificate returns the self-signed certificate served in TLS mode, or nil
// (no TLS, or before Start).
func (s *Server) Certificate() *x509.Certificate {
	s.life.Lock()
	defer s.life.Unlock()
	return s.cert
}

// CertPEM returns Certificate PEM-encoded, or nil. Add it to an
// x509.CertPool (AppendCertsFromPEM) to trust the emulator.
func (s *Server) CertPEM() []byte {
	s.life.Lock()
	defer s.life.Unlock()
	if s.certPEM == nil {
		return nil
	}
	return append([]byte(nil), s.certPEM...)
}

// advertisedAddr is the host:port the settings map points clients at (see
// Config.PublicAddr): the configured one, else the bound address unless it is
// a wildcard, else the request's Host.
func (s *Server) advertisedAddr(r *http.Request) string {
	if s.cfg.PublicAddr != "" {
		return s.cfg.PublicAddr
	}
	s.life.Lock()
	addr := s.addr
	s.life.Unlock()
	if addr != "" {
		if host, _, err := net.SplitHostPort(addr); err == nil {
			if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
				return addr
			}
		}
	}
	return r.Host
}

// requestIsTLS reports whether clients reach the emulator over TLS.
func (s *Server) requestIsTLS(r *http.Request) bool { return r.TLS != nil || s.cfg.TLS }
