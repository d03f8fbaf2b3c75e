package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cometchat-go/cometchat/internal/emulator"
)

// runEmulatorExport is "cometchat emulator export": it writes a snapshot of
// an emulator's state (JSON; see `cometchat emulator --import`) to stdout or
// to -o FILE. Two sources:
//
//   - --data-dir DIR: the state file of a data directory, running emulator
//     or not (the file is replaced atomically, so it is always complete);
//   - --url URL --rest-api-key KEY: a running emulator, through its
//     admin-only endpoint GET /emulator/snapshot (REST API key). --cacert
//     trusts the certificate of an emulator started with --tls.
//
// The snapshot contains the app's API keys and auth tokens: -o writes it
// with mode 0600.
func runEmulatorExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cometchat emulator export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		dataDir = fs.String("data-dir", "", "export the state saved in this emulator data directory")
		baseURL = fs.String("url", "", "export from the running emulator at this base URL (e.g. http://127.0.0.1:8080)")
		restKey = fs.String("rest-api-key", "", "the emulator's REST API key (with --url)")
		caCert  = fs.String("cacert", "", "PEM certificate to trust (with --url and an emulator started with --tls)")
		out     = fs.String("o", "", "write the snapshot to this file (default: stdout)")
	)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: cometchat emulator export (--data-dir DIR | --url URL --rest-api-key KEY) [-o FILE]")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Writes a JSON snapshot of the emulator's state; load it with 'cometchat emulator --import FILE'.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "cometchat emulator export: "+format+"\n", a...)
		return 1
	}
	if fs.NArg() > 0 || (*dataDir == "") == (*baseURL == "") || (*baseURL != "" && *restKey == "") {
		fmt.Fprintln(stderr, "cometchat emulator export: give either --data-dir, or --url with --rest-api-key")
		fs.Usage()
		return 2
	}

	var snap []byte
	if *dataDir != "" {
		path := filepath.Join(*dataDir, "state.json")
		b, err := os.ReadFile(path)
		if err != nil {
			return fail("%v", err)
		}
		if err := emulator.ValidateSnapshot(b); err != nil {
			return fail("%s: %v", path, err)
		}
		var buf bytes.Buffer
		if err := json.Indent(&buf, b, "", "  "); err != nil {
			return fail("%s: %v", path, err)
		}
		buf.WriteByte('\n')
		snap = buf.Bytes()
	} else {
		b, err := fetchSnapshot(ctx, *baseURL, *restKey, *caCert)
		if err != nil {
			return fail("%v", err)
		}
		snap = b
	}

	if *out == "" {
		if _, err := stdout.Write(snap); err != nil {
			return fail("%v", err)
		}
		return 0
	}
	if err := writeFilePrivate(*out, snap); err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(stderr, "Snapshot written to %s (%d bytes; it contains the app's keys and auth tokens).\n", *out, len(snap))
	return 0
}

// fetchSnapshot downloads GET {base}/emulator/snapshot with the REST API key.
func fetchSnapshot(ctx context.Context, base, restKey, caCert string) ([]byte, error) {
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment}
	defer tr.CloseIdleConnections()
	if caCert != "" {
		pemBytes, err := os.ReadFile(caCert)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemBytes) {
			return nil, fmt.Errorf("%s: no PEM certificate", caCert)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/emulator/snapshot", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("apikey", restKey)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil && e.Error.Code != "" {
			return nil, fmt.Errorf("%s: %s %s", req.URL.Redacted(), e.Error.Code, e.Error.Message)
		}
		return nil, fmt.Errorf("%s: HTTP %d", req.URL.Redacted(), resp.StatusCode)
	}
	if err := emulator.ValidateSnapshot(body); err != nil {
		return nil, fmt.Errorf("%s: %v", req.URL.Redacted(), err)
	}
	return body, nil
}

// writeFilePrivate writes data to path (mode 0600) through a temporary file
// and a rename, so a reader never sees half a snapshot.
func writeFilePrivate(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

// readImport reads and checks a snapshot file for --import, so a bad file is
// reported by name before anything starts (or is written to --data-dir).
func readImport(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := emulator.ValidateSnapshot(b); err != nil {
		return nil, fmt.Errorf("%s: %w; nothing was changed", path, err)
	}
	return b, nil
}

// parseOrigins parses --cors-origins: "" is the default (nil), "none"
// allows no origin, otherwise a comma-separated list ("*" for all).
func parseOrigins(v string) []string {
	v = strings.TrimSpace(v)
	switch v {
	case "":
		return nil
	case "none":
		return []string{}
	}
	var out []string
	for _, o := range strings.Split(v, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}
