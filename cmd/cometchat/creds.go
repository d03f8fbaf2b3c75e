package main

import (
	"errors"
	"flag"
	"net"
	"net/url"
	"strings"

	"github.com/cometchat-go/cometchat/admin"
)

// Environment variables that supply credentials when the flags are not given.
const (
	envAppID   = "COMETCHAT_APP_ID"
	envRegion  = "COMETCHAT_REGION"
	envAPIKey  = "COMETCHAT_REST_API_KEY"
	envBaseURL = "COMETCHAT_BASE_URL"
)

// creds are the server-API credentials of a subcommand. The API key is never printed: not in usage
// defaults, errors or summaries.
type creds struct {
	appID, region, apiKey, baseURL string
	insecure                       bool
}

// addFlags registers the credential flags on fs.
func (c *creds) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.appID, "app-id", "", "App ID (default $"+envAppID+")")
	fs.StringVar(&c.region, "region", "", "region us, eu or in (default $"+envRegion+", else eu)")
	fs.StringVar(&c.apiKey, "api-key", "", "REST API key (default $"+envAPIKey+"; prefer the variable: flags show in ps)")
	fs.StringVar(&c.baseURL, "base-url", "", "server API base URL, e.g. http://127.0.0.1:8080/v3 for the emulator (default $"+envBaseURL+")")
	fs.BoolVar(&c.insecure, "insecure", false, "allow an http:// base URL on a host other than localhost")
}

// client fills empty fields from the environment and builds an admin client.
func (c *creds) client(getenv func(string) string) (*admin.Client, error) {
	fromEnv(getenv, &c.appID, envAppID)
	fromEnv(getenv, &c.region, envRegion)
	fromEnv(getenv, &c.apiKey, envAPIKey)
	fromEnv(getenv, &c.baseURL, envBaseURL)
	if c.region == "" {
		c.region = admin.RegionEU
	}
	switch {
	case c.appID == "":
		return nil, errors.New("no App ID: set -app-id or " + envAppID)
	case c.apiKey == "":
		return nil, errors.New("no REST API key: set " + envAPIKey + " (or -api-key)")
	}
	var opts []admin.Option
	if c.baseURL != "" {
		opts = append(opts, admin.WithBaseURL(c.baseURL))
		if c.insecure || loopback(c.baseURL) {
			opts = append(opts, admin.WithAllowInsecure())
		}
	}
	return admin.New(c.appID, c.region, c.apiKey, opts...)
}

// fromEnv sets an empty flag value *v from the environment variable env (trimmed).
func fromEnv(getenv func(string) string, v *string, env string) {
	if *v == "" {
		*v = strings.TrimSpace(getenv(env))
	}
}

// loopback reports whether raw points at this machine (the emulator), where plain HTTP is fine.
func loopback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
