package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/cometchat-go/cometchat/internal/emulator"
)

// runEmulator is "cometchat emulator": it starts an emulator, seeds the
// sample users, prints the start banner (the only place credentials are
// printed) and serves until ctx is cancelled (SIGINT / SIGTERM).
func runEmulator(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "export" {
		return runEmulatorExport(ctx, args[1:], stdout, stderr) // emulator_export.go
	}
	fs := flag.NewFlagSet("cometchat emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		addr       = fs.String("addr", "127.0.0.1:8080", "listen address (host:port; port 0 picks a free one)")
		useTLS     = fs.Bool("tls", false, "serve HTTPS / WSS with a self-signed certificate")
		certOut    = fs.String("cert-out", "", "where to write the TLS certificate PEM (default: a file in the temp directory)")
		appID      = fs.String("app-id", "", "App ID (default: generated)")
		region     = fs.String("region", "eu", "region reported in the settings")
		authKey    = fs.String("auth-key", "", "Auth Key, authOnly scope (default: generated)")
		restAPIKey = fs.String("rest-api-key", "", "REST API Key, fullAccess scope (default: generated)")
		mode       = fs.String("mode", "DEFAULT", "settings MODE: DEFAULT, LIMITED_TRANSIENT or NO_TRANSIENT")
		noSeed     = fs.Bool("no-seed", false, "do not create the sample users cometchat-uid-1 … cometchat-uid-5")
		rateLimit  = fs.Int("rate-limit", 0, "requests per minute for the whole app, answered 429 beyond (default: off)")
		webhookURL = fs.String("webhook", "", "POST every webhook event to this URL (http://user:pass@host/path sends Basic auth; retried after 10 s and 30 s)")
		verbose    = fs.Bool("v", false, "log every request to stderr (method, path, status; never credentials)")
		dataDir    = fs.String("data-dir", "", "keep the state in this directory across restarts (written before each response)")
		importFile = fs.String("import", "", "start from this snapshot (from 'cometchat emulator export'); replaces the --data-dir state")
		cors       = fs.String("cors-origins", "", "comma-separated browser origins allowed to call the API, or * (default: all on loopback)")
		anyWSOrig  = fs.Bool("allow-any-ws-origin", false, "accept WebSocket upgrades from any browser origin")
	)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: cometchat emulator [flags]")
		fmt.Fprintln(stderr, "       cometchat emulator export (--data-dir DIR | --url URL --rest-api-key KEY) [-o FILE]")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "cometchat emulator: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}

	cfg := emulator.Config{
		AppID: *appID, Region: *region, AuthKey: *authKey, RESTAPIKey: *restAPIKey,
		TLS: *useTLS, Addr: *addr, Mode: *mode,
		DataDir: *dataDir, AllowAnyWebSocketOrigin: *anyWSOrig, CORSOrigins: parseOrigins(*cors),
	}
	if err := addServerAPIFlags(&cfg, *rateLimit, *webhookURL); err != nil {
		fmt.Fprintf(stderr, "cometchat emulator: %v\n", err)
		return 2
	}
	if *importFile != "" {
		snap, err := readImport(*importFile)
		if err != nil {
			fmt.Fprintf(stderr, "cometchat emulator: --import %v\n", err)
			return 1
		}
		cfg.Snapshot = snap
	}
	if *verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := emulator.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "cometchat emulator: %v\n", err)
		return 2
	}
	if !*noSeed {
		if err := srv.SeedSampleUsers(); err != nil {
			fmt.Fprintf(stderr, "cometchat emulator: seeding: %v\n", err)
			return 1
		}
	}
	if err := srv.Start(); err != nil {
		fmt.Fprintf(stderr, "cometchat emulator: %v\n", err)
		return 1
	}
	certPath := ""
	if *useTLS {
		certPath = *certOut
		if certPath == "" {
			certPath = filepath.Join(os.TempDir(), "cometchat-emulator-"+srv.AppID()+".pem")
		}
		if err := os.WriteFile(certPath, srv.CertPEM(), 0o644); err != nil {
			fmt.Fprintf(stderr, "cometchat emulator: writing certificate: %v\n", err)
			_ = srv.Close()
			return 1
		}
	}
	printBanner(stdout, srv, certPath, !*noSeed)

	<-ctx.Done()
	fmt.Fprintln(stdout, "Stopping…")
	if err := srv.Close(); err != nil {
		fmt.Fprintf(stderr, "cometchat emulator: %v\n", err)
		return 1
	}
	return 0
}

// bannerEnd is the banner's last line; tests wait for it.
const bannerEnd = "Press Ctrl+C to stop."

// printBanner prints what a developer needs to point an SDK at the emulator.
func printBanner(w io.Writer, srv *emulator.Server, certPath string, seeded bool) {
	base := srv.URL()
	hostPort := srv.Addr()
	ws := "ws://" + hostPort + "/"
	if strings.HasPrefix(base, "https://") {
		ws = "wss://" + hostPort + "/"
	}
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("CometChat emulator is running.")
	p("")
	p("  App ID         %s", srv.AppID())
	p("  Region         %s", srv.Region())
	p("  Auth Key       %s  (authOnly: auth tokens, create users)", srv.AuthKey())
	p("  REST API Key   %s  (fullAccess: the server API)", srv.RESTAPIKey())
	p("")
	p("  Client API     %s/v3.0", base)
	p("  Server API     %s/v3  (also %s/v3.0)", base, base)
	p("  WebSocket      %s", ws)
	p("  Dashboard      %s/emulator/", base)
	if dir := srv.DataDir(); dir != "" {
		p("  Data dir       %s", dir)
	}
	p("")
	p("  Go SDK: pin the three URLs above as endpoints, or use the JS-style host")
	p("  overrides (AppSettings.ClientHost / AdminHost; they imply https):")
	p("    client host  %s/v3.0", hostPort)
	p("    admin host   %s/v3.0", hostPort)
	if certPath != "" {
		p("")
		p("  TLS certificate (self-signed; trust it in the SDK or browser):")
		p("    %s", certPath)
		printTrustHelp(w, certPath, srv.CertPEM(), base) // emulator_tls.go
	}
	if seeded {
		p("")
		ids := make([]string, 0, len(emulator.SampleUsers()))
		for _, u := range emulator.SampleUsers() {
			ids = append(ids, u.UID)
		}
		p("  Sample users   %s", strings.Join(ids, ", "))
	}
	p("")
	p(bannerEnd)
}
