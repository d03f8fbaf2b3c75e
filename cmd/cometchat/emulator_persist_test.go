package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testAuthKey = "authkey-for-persistence-tests-0000000001"
	testRESTKey = "restkey-for-persistence-tests-0000000001"
)

// buildCmd builds the cometchat binary into a temporary directory.
func buildCmd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cometchat")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// proc is the emulator running as a separate process.
type proc struct {
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:port
	stderr *lockedBuffer
	done   chan struct{} // closed when stdout is drained
}

// lockedBuffer is a bytes.Buffer safe for the exec goroutine writing it
// and the test reading it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startProc starts the binary's emulator and waits for its banner (read from
// its stdout: no sleeping).
func startProc(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"emulator", "--addr", "127.0.0.1:0", "--no-seed",
		"--auth-key", testAuthKey, "--rest-api-key", testRESTKey}, args...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	p := &proc{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		if m := bannerLine.FindStringSubmatch(line); m != nil && m[1] == "Client API" {
			p.base = strings.TrimSuffix(m[2], "/v3.0")
		}
		if line == bannerEnd {
			break
		}
	}
	require.NotEmpty(t, p.base, "no banner; stderr: %s", p.stderr.String())
	go func() {
		_, _ = io.Copy(io.Discard, stdout)
		close(p.done)
	}()
	return p
}

// call sends a JSON request and returns the status and decoded body.
func call(c *http.Client, method, url string, hdr map[string]string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return resp.StatusCode, nil, err
	}
	return resp.StatusCode, m, nil
}

// snapshotTexts fetches the snapshot of a running emulator and returns the
// text of every text message in it.
func snapshotTexts(t *testing.T, c *http.Client, base string) map[string]bool {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/emulator/snapshot", nil)
	require.NoError(t, err)
	req.Header.Set("apikey", testRESTKey)
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var snap struct {
		Messages []struct {
			Type string `json:"type"`
			Data struct {
				Text string `json:"text"`
			} `json:"data"`
		} `json:"messages"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&snap))
	texts := map[string]bool{}
	for _, m := range snap.Messages {
		if m.Type == "text" {
			texts[m.Data.Text] = true
		}
	}
	return texts
}

// TestKill9DuringABurstOfSends is the "must show": the emulator
// runs as its own process with --data-dir, several clients send messages as
// fast as they can, the process is killed with SIGKILL in the middle of the
// burst, and a new process on the same directory loads the state: every
// acknowledged message is there, and at most the requests in flight at the
// kill (one per client) are there unacknowledged.
func TestKill9DuringABurstOfSends(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	bin := buildCmd(t)
	dir := filepath.Join(t.TempDir(), "data")
	p := startProc(t, bin, "--data-dir", dir)
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	admin := map[string]string{"apikey": testRESTKey}
	for _, uid := range []string{"alice", "bob"} {
		status, body, err := call(c, "POST", p.base+"/v3/users", admin, map[string]any{"uid": uid, "name": uid})
		require.NoError(t, err)
		require.Equal(t, 200, status, "%v", body)
	}
	status, body, err := call(c, "POST", p.base+"/v3/users/alice/auth_tokens", admin, map[string]any{})
	require.NoError(t, err)
	require.Equal(t, 200, status, "%v", body)
	token := body["data"].(map[string]any)["authToken"].(string)
	alice := map[string]string{"authToken": token, "resource": "WEB-burst-1"}

	const workers = 8
	const killAfter = 300 // acknowledged sends before the kill
	var (
		mu       sync.Mutex
		acked    = map[string]bool{}
		sent     = map[string]bool{}
		enough   = make(chan struct{})
		once     sync.Once
		failures atomic.Int64
		cut      atomic.Int64 // sends that ended in a transport error: in flight at the kill, or after it
		wg       sync.WaitGroup
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				text := fmt.Sprintf("w%d-m%d", w, i)
				mu.Lock()
				sent[text] = true
				mu.Unlock()
				status, _, err := call(c, "POST", p.base+"/v3.0/messages", alice, map[string]any{
					"receiver": "bob", "receiverType": "user", "category": "message", "type": "text",
					"data": map[string]any{"text": text},
				})
				if err != nil {
					cut.Add(1)
					return // the process is gone
				}
				if status != 200 {
					failures.Add(1)
					return
				}
				mu.Lock()
				acked[text] = true
				n := len(acked)
				mu.Unlock()
				if n >= killAfter {
					once.Do(func() { close(enough) })
				}
			}
		}()
	}
	<-enough
	require.NoError(t, p.cmd.Process.Kill()) // SIGKILL, mid-burst
	wg.Wait()
	<-p.done
	_ = p.cmd.Wait()
	assert.Zero(t, failures.Load(), "every send before the kill succeeded")
	tr.CloseIdleConnections()

	// The state loads in a new process, and holds every acknowledged send.
	p2 := startProc(t, bin, "--data-dir", dir)
	texts := snapshotTexts(t, c, p2.base)
	mu.Lock()
	defer mu.Unlock()
	for text := range acked {
		require.True(t, texts[text], "acknowledged %q is lost", text)
	}
	extra := 0
	for text := range texts {
		require.True(t, sent[text], "%q was never sent", text)
		if !acked[text] {
			extra++
		}
	}
	t.Logf("%d sends acknowledged before the kill, %d stored; %d of the %d sends cut by the kill stored without an acknowledgement",
		len(acked), len(texts), extra, cut.Load())
	assert.LessOrEqual(t, extra, workers, "at most the in-flight requests")
	// And the restarted emulator keeps working on that state.
	status, body, err = call(c, "POST", p2.base+"/v3.0/messages", alice, map[string]any{
		"receiver": "bob", "receiverType": "user", "category": "message", "type": "text", "data": map[string]any{"text": "after"},
	})
	require.NoError(t, err)
	assert.Equal(t, 200, status, "%v", body)
}

func TestEmulatorDataDirExportAndImport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	r := startCmd(t, "--addr", "127.0.0.1:0", "--data-dir", dir, "--rest-api-key", testRESTKey, "--auth-key", testAuthKey)
	assert.Equal(t, dir, r.banner["Data dir"])
	base := strings.TrimSuffix(r.banner["Client API"], "/v3.0")
	assert.Equal(t, base+"/emulator/", r.banner["Dashboard"])
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	status, body, err := call(c, "POST", base+"/v3/users", map[string]string{"apikey": testRESTKey},
		map[string]any{"uid": "exported-user", "name": "Exported"})
	require.NoError(t, err)
	require.Equal(t, 200, status, "%v", body)

	// Export over HTTP from the running emulator, and from its data dir.
	viaURL := filepath.Join(t.TempDir(), "snap.json")
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"emulator", "export", "--url", base, "--rest-api-key", testRESTKey, "-o", viaURL}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	info, err := os.Stat(viaURL)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	fromURL, err := os.ReadFile(viaURL)
	require.NoError(t, err)
	assert.Contains(t, string(fromURL), `"exported-user"`)

	out.Reset()
	code = run(context.Background(), []string{"emulator", "export", "--data-dir", dir}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	assert.Contains(t, out.String(), `"exported-user"`)
	assert.JSONEq(t, string(fromURL), out.String(), "both sources give the same state")

	// A wrong key is refused with the service's error.
	code = run(context.Background(), []string{"emulator", "export", "--url", base, "--rest-api-key", "wrong"}, &out, &errOut)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut.String(), "AUTH_ERR_APIKEY_NOT_FOUND")
	assert.Equal(t, 0, r.stop())

	// --import into a fresh data dir, on another port.
	dir2 := filepath.Join(t.TempDir(), "data2")
	r2 := startCmd(t, "--addr", "127.0.0.1:0", "--data-dir", dir2, "--import", viaURL, "--no-seed")
	base2 := strings.TrimSuffix(r2.banner["Client API"], "/v3.0")
	assert.Equal(t, testRESTKey, r2.banner["REST API Key"], "the snapshot's keys are adopted")
	status, _, err = call(c, "GET", base2+"/v3/users/exported-user", map[string]string{"apikey": testRESTKey}, nil)
	require.NoError(t, err)
	assert.Equal(t, 200, status)
	assert.Equal(t, 0, r2.stop())
}

func TestEmulatorRefusesABadSnapshot(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"version":42}`), 0o600))
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"emulator", "--addr", "127.0.0.1:0", "--import", bad, "--data-dir", filepath.Join(dir, "d")}, &out, &errOut)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut.String(), bad)
	assert.Contains(t, errOut.String(), "unsupported emulator snapshot version 42")
	assert.Contains(t, errOut.String(), "nothing was changed")
	assert.Empty(t, out.String())
	_, err := os.Stat(filepath.Join(dir, "d"))
	assert.True(t, os.IsNotExist(err), "nothing written")

	// A corrupt state.json in the data dir: refused, kept as it was.
	dataDir := filepath.Join(dir, "corrupt")
	require.NoError(t, os.MkdirAll(dataDir, 0o700))
	state := filepath.Join(dataDir, "state.json")
	require.NoError(t, os.WriteFile(state, []byte(`{"version":1,"users":{`), 0o600))
	errOut.Reset()
	code = run(context.Background(), []string{"emulator", "--addr", "127.0.0.1:0", "--data-dir", dataDir}, &out, &errOut)
	assert.NotZero(t, code)
	assert.Contains(t, errOut.String(), "not a valid emulator snapshot")
	b, err := os.ReadFile(state)
	require.NoError(t, err)
	assert.Equal(t, `{"version":1,"users":{`, string(b))

	errOut.Reset()
	code = run(context.Background(), []string{"emulator", "export", "--data-dir", dataDir}, &out, &errOut)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut.String(), "not a valid emulator snapshot")
	assert.Equal(t, 2, run(context.Background(), []string{"emulator", "export"}, &out, &errOut))
	assert.Equal(t, 2, run(context.Background(), []string{"emulator", "export", "--url", "http://x"}, &out, &errOut))
}

func TestEmulatorTLSTrustHelp(t *testing.T) {
	certPath := filepath.Join(t.TempDir(), "emu.pem")
	r := startCmd(t, "--addr", "127.0.0.1:0", "--tls", "--cert-out", certPath, "--no-seed")
	pemBytes, err := os.ReadFile(certPath)
	require.NoError(t, err)
	block, _ := pem.Decode(pemBytes)
	require.NotNil(t, block)
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	pin := base64.StdEncoding.EncodeToString(sum[:])
	assert.Contains(t, r.text, "--ignore-certificate-errors-spki-list="+pin)
	assert.Contains(t, r.text, "curl --cacert "+certPath)
	assert.Contains(t, r.text, "NODE_EXTRA_CA_CERTS="+certPath)
	assert.Equal(t, 0, r.stop())
}

func TestEmulatorCORSOriginsFlag(t *testing.T) {
	r := startCmd(t, "--addr", "127.0.0.1:0", "--no-seed", "--cors-origins", "http://localhost:3000")
	base := strings.TrimSuffix(r.banner["Client API"], "/v3.0")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	pre := func(origin string) int {
		req, err := http.NewRequest("OPTIONS", base+"/v3.0/me", nil)
		require.NoError(t, err)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "PUT")
		req.Header.Set("Access-Control-Request-Headers", "appid,authtoken,sdk,resource")
		resp, err := c.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusNoContent, pre("http://localhost:3000"))
	assert.Equal(t, http.StatusForbidden, pre("http://localhost:4000"))
	assert.Equal(t, 0, r.stop())
	assert.Nil(t, parseOrigins(""))
	assert.Equal(t, []string{}, parseOrigins("none"))
	assert.Equal(t, []string{"*"}, parseOrigins(" * "))
}
