package main

import (
	"errors"
	"net/url"

	"github.com/cometchat-go/cometchat/internal/emulator"
)

// addServerAPIFlags applies the emulator flags of the server API: -rate-limit (requests per minute,
// shared by every call of the app) and -webhook (one outgoing webhook for every trigger; credentials
// in the URL's user info become its Basic auth and are removed from the URL).
func addServerAPIFlags(cfg *emulator.Config, perMinute int, webhook string) error {
	if perMinute < 0 {
		return errors.New("-rate-limit must not be negative")
	}
	cfg.RateLimit = emulator.RateLimitConfig{Limit: perMinute}
	if webhook == "" {
		return nil
	}
	u, err := url.Parse(webhook)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("-webhook must be an absolute http(s) URL")
	}
	hook := emulator.WebhookConfig{ID: "webhook-1", RetryOnFailure: true}
	if u.User != nil {
		hook.Username = u.User.Username()
		hook.Password, _ = u.User.Password()
		u.User = nil
	}
	hook.URL = u.String()
	cfg.Webhooks = []emulator.WebhookConfig{hook}
	return nil
}
