package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 2, run(context.Background(), nil, &out, &errOut))
	assert.Contains(t, errOut.String(), "usage: cometchat <command>")
	assert.Contains(t, errOut.String(), "emulator")

	errOut.Reset()
	assert.Equal(t, 2, run(context.Background(), []string{"bogus"}, &out, &errOut))
	assert.Contains(t, errOut.String(), `unknown command "bogus"`)

	out.Reset()
	assert.Equal(t, 0, run(context.Background(), []string{"help"}, &out, &errOut))
	assert.Contains(t, out.String(), "usage: cometchat")

	errOut.Reset()
	assert.Equal(t, 2, run(context.Background(), []string{"emulator", "--nope"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "usage: cometchat emulator")
	assert.Equal(t, 0, run(context.Background(), []string{"emulator", "-h"}, &out, &errOut))
	assert.Equal(t, 2, run(context.Background(), []string{"emulator", "extra"}, &out, &errOut))
	assert.Equal(t, 2, run(context.Background(), []string{"emulator", "--mode", "FAST"}, &out, &errOut))
}

// running is an emulator started through run, with its banner parsed.
type running struct {
	banner map[string]string // label → value
	text   string
	cancel context.CancelFunc
	done   chan int
}

var bannerLine = regexp.MustCompile(`^\s+([A-Za-z][A-Za-z ]*?)\s{2,}(\S+)`)

// startCmd runs "cometchat emulator args…" in-process and returns once the
// banner has been printed (read through a pipe: no sleeping).
func startCmd(t *testing.T, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var errOut bytes.Buffer
	r := &running{banner: map[string]string{}, cancel: cancel, done: make(chan int, 1)}
	go func() {
		code := run(ctx, append([]string{"emulator"}, args...), pw, &errOut)
		pw.Close()
		r.done <- code
	}()

	sc := bufio.NewScanner(pr)
	var text strings.Builder
	for sc.Scan() {
		line := sc.Text()
		text.WriteString(line + "\n")
		if m := bannerLine.FindStringSubmatch(line); m != nil {
			r.banner[m[1]] = m[2]
		}
		if line == bannerEnd {
			break
		}
	}
	r.text = text.String()
	require.Contains(t, r.text, bannerEnd, "stderr: %s", errOut.String())
	drained := make(chan struct{})
	go func() { // keep reading so the shutdown message never blocks
		_, _ = io.Copy(io.Discard, pr)
		close(drained)
	}()
	t.Cleanup(func() {
		cancel()
		<-drained
	})
	return r
}

// stop cancels the context and returns the exit code.
func (r *running) stop() int {
	r.cancel()
	return <-r.done
}

func TestEmulatorCommand(t *testing.T) {
	const restKey = "0123456789012345678901234567890123456789"
	r := startCmd(t, "--addr", "127.0.0.1:0", "--app-id", "testapp", "--region", "us", "--rest-api-key", restKey)

	assert.Equal(t, "testapp", r.banner["App ID"])
	assert.Equal(t, "us", r.banner["Region"])
	assert.Equal(t, restKey, r.banner["REST API Key"])
	assert.Regexp(t, `^[0-9a-f]{40}$`, r.banner["Auth Key"], "generated when not given")
	client := r.banner["Client API"]
	require.Regexp(t, `^http://127\.0\.0\.1:\d+/v3\.0$`, client)
	base := strings.TrimSuffix(client, "/v3.0")
	hostPort := strings.TrimPrefix(base, "http://")
	assert.Equal(t, base+"/v3", r.banner["Server API"])
	assert.Equal(t, "ws://"+hostPort+"/", r.banner["WebSocket"])
	assert.Equal(t, hostPort+"/v3.0", r.banner["client host"])
	assert.Equal(t, hostPort+"/v3.0", r.banner["admin host"])
	assert.NotContains(t, r.text, "TLS certificate")

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	names := map[string]string{
		"cometchat-uid-1": "Andrew Joseph", "cometchat-uid-2": "George Alan", "cometchat-uid-3": "Nancy Grace",
		"cometchat-uid-4": "Susan Marie", "cometchat-uid-5": "John Paul",
	}
	for uid, name := range names {
		assert.Equal(t, name, getUserName(t, c, base+"/v3/users/"+uid, restKey), uid)
	}
	assert.Equal(t, 0, r.stop())

	// The port is released.
	ln, err := net.Listen("tcp", hostPort)
	require.NoError(t, err)
	ln.Close()
}

func TestEmulatorCommandTLS(t *testing.T) {
	certPath := filepath.Join(t.TempDir(), "emu.pem")
	r := startCmd(t, "--addr", "127.0.0.1:0", "--tls", "--cert-out", certPath, "--no-seed")
	require.Contains(t, r.text, certPath)
	assert.NotContains(t, r.text, "Sample users")
	base := strings.TrimSuffix(r.banner["Client API"], "/v3.0")
	require.True(t, strings.HasPrefix(base, "https://"), base)
	assert.True(t, strings.HasPrefix(r.banner["WebSocket"], "wss://"))

	pemBytes, err := os.ReadFile(certPath)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemBytes))
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequest("GET", base+"/v3/users/cometchat-uid-1", nil)
	require.NoError(t, err)
	req.Header.Set("apikey", r.banner["REST API Key"])
	resp, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	assert.Equal(t, "ERR_UID_NOT_FOUND", body.Error.Code, "--no-seed")
	assert.Equal(t, 0, r.stop())
}

func TestEmulatorCommandListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"emulator", "--addr", ln.Addr().String()}, &out, &errOut)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut.String(), "listen")
	assert.Empty(t, out.String(), "no banner, no credentials")
}

func getUserName(t *testing.T, c *http.Client, url, key string) string {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	req.Header.Set("apiKey", key)
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body struct {
		Data struct{ Name string } `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return body.Data.Name
}
