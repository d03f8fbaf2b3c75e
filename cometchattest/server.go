// Package cometchattest runs the CometChat emulator in-process, in the spirit of net/http/httptest:
// NewServer starts a local service that speaks the real client REST API, server API and WebSocket
// protocol, stops it when the test ends, and hands out AppSettings and logged-in Clients wired to it.
//
//	func TestBot(t *testing.T) {
//		srv := cometchattest.NewServer(t)
//		srv.CreateUser(t, "alice", "Alice")
//		alice := srv.Login(t, "alice")
//		…
//	}
//
// Programs (examples, local development) use Start instead and Close the Server themselves. The
// same emulator runs standalone as `cometchat emulator`.
package cometchattest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/internal/emulator"
)

// Option configures a Server.
type Option func(*emulator.Config)

// WithTLS serves HTTPS and WSS with a self-signed certificate. Settings then points the SDK at the
// emulator the way it reaches the real service: through the JS-style host overrides and the hosts in
// the server's settings, with an HTTP client that trusts the certificate.
func WithTLS() Option { return func(c *emulator.Config) { c.TLS = true } }

// WithAppID fixes the App ID (default: random).
func WithAppID(id string) Option { return func(c *emulator.Config) { c.AppID = id } }

// WithRegion sets the region reported in the settings (default "eu").
func WithRegion(region string) Option { return func(c *emulator.Config) { c.Region = region } }

// WithKeys fixes the Auth Key and the REST API key (default: random 40-character hex).
func WithKeys(authKey, restAPIKey string) Option {
	return func(c *emulator.Config) { c.AuthKey, c.RESTAPIKey = authKey, restAPIKey }
}

// WithMode sets the settings MODE: "DEFAULT", "LIMITED_TRANSIENT" or "NO_TRANSIENT".
func WithMode(mode string) Option { return func(c *emulator.Config) { c.Mode = mode } }

// WithClock replaces the emulator's clock (every timestamp it records).
func WithClock(now func() time.Time) Option { return func(c *emulator.Config) { c.Now = now } }

// WithLogger sends the emulator's debug logs to l (default: discard).
func WithLogger(l *slog.Logger) Option { return func(c *emulator.Config) { c.Logger = l } }

// WithAddr sets the listen address (default 127.0.0.1:0, a free loopback port).
func WithAddr(addr string) Option { return func(c *emulator.Config) { c.Addr = addr } }

// WithSettings merges values over the default server settings map; a nil value removes a key.
func WithSettings(settings map[string]any) Option {
	return func(c *emulator.Config) { c.Settings = settings }
}

// WithGroupFeatureLimit sets the group size above which the emulator stops typing relay, receipts
// and unread counts (default 300, rules-and-limits.md §7), so a test can cross it with a few users.
func WithGroupFeatureLimit(members int) Option {
	return func(c *emulator.Config) { c.GroupFeatureLimit = members }
}

// WithSnapshot starts the emulator from a snapshot (from Server.Snapshot, `cometchat emulator export`
// or the dashboard's data directory), so a test begins with a fixture of users, groups and messages:
//
//	//go:embed testdata/chat-fixture.json
//	var fixture []byte
//	srv := cometchattest.NewServer(t, cometchattest.WithSnapshot(fixture))
//
// The App ID and keys come from the snapshot unless WithAppID / WithKeys set them. A corrupt or
// unknown-version snapshot fails NewServer with a message that says which.
func WithSnapshot(snapshot []byte) Option {
	return func(c *emulator.Config) { c.Snapshot = snapshot }
}

// WithDataDir keeps the emulator's state in dir, loaded at start and written before every response
// to a state-changing call (as `cometchat emulator --data-dir`).
func WithDataDir(dir string) Option { return func(c *emulator.Config) { c.DataDir = dir } }

// Server is a running emulator.
type Server struct {
	emu *emulator.Server
	tls bool
	// hc is shared by every Client this Server hands out, so Close can release its connections.
	hc *http.Client
}

// NewServer starts an emulator for the test and stops it in t.Cleanup.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatalf("cometchattest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("cometchattest: close: %v", err)
		}
	})
	return s
}

// Start starts an emulator for a program; the caller must Close it.
func Start(opts ...Option) (*Server, error) {
	var cfg emulator.Config
	for _, o := range opts {
		o(&cfg)
	}
	emu, err := emulator.New(cfg)
	if err != nil {
		return nil, err
	}
	if err := emu.Start(); err != nil {
		return nil, err
	}
	return &Server{emu: emu, tls: cfg.TLS, hc: newHTTPClient(emu, cfg.TLS)}, nil
}

// Close stops the emulator and waits for its goroutines. It is safe to call twice.
func (s *Server) Close() error {
	err := s.emu.Close()
	s.hc.CloseIdleConnections()
	return err
}

// URL is the base URL, e.g. http://127.0.0.1:54321. The client API is at URL+"/v3.0", the server API
// at URL+"/v3", the WebSocket at the same host and port.
func (s *Server) URL() string { return s.emu.URL() }

// AppID returns the App ID.
func (s *Server) AppID() string { return s.emu.AppID() }

// Region returns the region.
func (s *Server) Region() string { return s.emu.Region() }

// AuthKey returns the Auth Key (scope authOnly), for Client.Login.
func (s *Server) AuthKey() string { return s.emu.AuthKey() }

// RESTAPIKey returns the REST API key (scope fullAccess), for package admin.
func (s *Server) RESTAPIKey() string { return s.emu.RESTAPIKey() }

// CertPEM returns the self-signed certificate in TLS mode, else nil.
func (s *Server) CertPEM() []byte { return s.emu.CertPEM() }

// HTTPClient returns an HTTP client for the emulator: one that trusts its certificate in TLS mode.
func (s *Server) HTTPClient() *http.Client { return s.hc }

// newHTTPClient builds the shared client: one that trusts the certificate in TLS mode.
func newHTTPClient(emu *emulator.Server, useTLS bool) *http.Client {
	hc := cleanhttp.DefaultPooledClient()
	if useTLS {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(emu.CertPEM())
		hc.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return hc
}

// Settings returns AppSettings that reach the emulator. Without TLS the endpoints are pinned to its
// plain http:// and ws:// URLs (with AllowInsecure). With TLS nothing is pinned: the SDK follows the
// JS-style host overrides to log in and then the hosts the emulator's settings name, exactly the path
// it takes against the real service.
func (s *Server) Settings() cometchat.AppSettings {
	host := strings.TrimPrefix(strings.TrimPrefix(s.emu.URL(), "http://"), "https://")
	st := cometchat.AppSettings{AppID: s.emu.AppID(), Region: cometchat.Region(s.emu.Region()), HTTPClient: s.HTTPClient()}
	if s.tls {
		st.ClientHost = host + "/v3.0"
		st.AdminHost = host + "/v3.0"
		return st
	}
	st.AllowInsecure = true
	st.Endpoints = cometchat.Endpoints{
		ClientAPI: "http://" + host + "/v3.0",
		AdminAPI:  "http://" + host + "/v3.0",
		WebSocket: "ws://" + host + "/",
	}
	return st
}

// CreateUser creates a user (uid is lower-cased by the service) or fails the test.
func (s *Server) CreateUser(t testing.TB, uid, name string) {
	t.Helper()
	if err := s.emu.CreateUser(uid, name); err != nil {
		t.Fatalf("cometchattest: create user %q: %v", uid, err)
	}
}

// AddUser creates a user from a full description, returning the service's error (ERR_BAD_REQUEST,
// ERR_UID_ALREADY_EXISTS) instead of failing.
func (s *Server) AddUser(u cometchat.User) error {
	return s.emu.AddUser(emulator.UserSpec{UID: u.UID, Name: u.Name, Avatar: u.Avatar, Link: u.Link, Role: u.Role,
		StatusMessage: u.StatusMessage, Metadata: u.Metadata, Tags: u.Tags})
}

// SeedSampleUsers creates cometchat-uid-1 … cometchat-uid-5, the sample users of CometChat's docs.
func (s *Server) SeedSampleUsers() error { return s.emu.SeedSampleUsers() }

// IssueAuthToken mints a fresh auth token for uid, as a backend would with the REST API key.
func (s *Server) IssueAuthToken(t testing.TB, uid string) string {
	t.Helper()
	tok, err := s.emu.IssueAuthToken(uid)
	if err != nil {
		t.Fatalf("cometchattest: auth token for %q: %v", uid, err)
	}
	return tok
}

// NewClient returns a Client for the emulator (not logged in) and closes it in t.Cleanup.
func (s *Server) NewClient(t testing.TB, opts ...cometchat.Option) *cometchat.Client {
	t.Helper()
	c, err := cometchat.Init(s.Settings(), opts...)
	if err != nil {
		t.Fatalf("cometchattest: init: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Login returns a Client logged in as uid with the Auth Key, closed in t.Cleanup. The user must exist.
func (s *Server) Login(t testing.TB, uid string, opts ...cometchat.Option) *cometchat.Client {
	t.Helper()
	c := s.NewClient(t, opts...)
	ctx := t.Context()
	if _, err := c.Login(ctx, uid, s.AuthKey()); err != nil {
		t.Fatalf("cometchattest: login %q: %v", uid, err)
	}
	return c
}

// Snapshot returns the emulator's whole state as a JSON snapshot, for WithSnapshot or
// `cometchat emulator --import`. It contains the app's keys and auth tokens.
func (s *Server) Snapshot() ([]byte, error) { return s.emu.Snapshot() }

// DashboardURL is the emulator's live web dashboard (users, groups, conversations, sockets and a
// feed of every call, event and frame); open it in a browser while a test is paused.
func (s *Server) DashboardURL() string { return s.emu.URL() + "/emulator/" }

// String describes the emulator without its keys.
func (s *Server) String() string {
	return fmt.Sprintf("cometchattest.Server{%s, app %s}", s.emu.URL(), s.emu.AppID())
}

// Fault injection: make the network misbehave for the Clients under test. Each is safe to call from
// any goroutine at any time.

// DropAllConnections drops every WebSocket connection at once, without a close frame, as a network
// failure would, and returns how many it dropped. New connections are accepted as before.
func (s *Server) DropAllConnections() int { return s.emu.DropAllConnections() }

// DropConnections drops every WebSocket connection of uid and returns how many it dropped.
func (s *Server) DropConnections(uid string) int { return s.emu.DropConnections(uid) }

// RefuseConnections answers WebSocket upgrades with 503 for d; d <= 0 accepts them again. Existing
// connections are untouched: combine it with DropAllConnections for an outage.
func (s *Server) RefuseConnections(d time.Duration) { s.emu.RefuseConnections(d) }

// StallPongs stops answering pings for d (negative: until StallPongs(0)), so clients see a dead link.
func (s *Server) StallPongs(d time.Duration) { s.emu.StallPongs(d) }

// DelayFrames delays every frame the emulator pushes by d (0 turns it off).
func (s *Server) DelayFrames(d time.Duration) { s.emu.DelayFrames(d) }

// DuplicateNextFrame sends the next pushed frame twice.
func (s *Server) DuplicateNextFrame() { s.emu.DuplicateNextFrame() }

// PushFrame sends an arbitrary frame (anything that marshals to the JSON of a server frame) to every
// session of uid and returns how many sessions got it. Use it for frames the emulator never produces
// itself (moderation results, AI streams, notification feed items).
func (s *Server) PushFrame(uid string, frame any) (int, error) { return s.emu.PushFrame(uid, frame) }

// OnlineSessions returns how many authenticated WebSocket sessions uid has.
func (s *Server) OnlineSessions(uid string) int { return s.emu.OnlineSessions(uid) }
