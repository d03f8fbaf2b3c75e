package emulator

// Server API additions (server-api.md): the resource files serverapi_*.go,
// rate limiting (ratelimit.go) and outgoing webhooks (webhooks.go). New calls
// initServerAPI once and registerRoutes calls registerServerAPIRoutes.

// initServerAPI validates the rate-limit and webhook configuration and sets
// up both. It runs in New before the handler is built.
func (s *Server) initServerAPI() error {
	if err := s.cfg.RateLimit.validate(); err != nil {
		return err
	}
	if s.cfg.RateLimit.enabled() {
		s.limiter = newRateLimiter(s.cfg.RateLimit)
	}
	hooks, err := validateWebhooks(s.cfg.Webhooks, s.cfg.WebhookRetryDelays)
	if err != nil {
		return err
	}
	s.startWebhooks(hooks)
	return nil
}

// registerServerAPIRoutes registers the server-API endpoints of the
// serverapi_*.go files.
func (s *Server) registerServerAPIRoutes() {
	s.registerServerUserRoutes()
	s.registerServerAuthTokenRoutes()
	s.registerServerRoleRoutes()
	s.registerServerFriendRoutes()
	s.registerServerGroupRoutes()
	s.registerServerMessageRoutes()
	s.registerServerAPIKeyRoutes()
}
