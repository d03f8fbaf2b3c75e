package emulator

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// startServer starts an emulator on a free loopback port.
func startServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	s, err := New(cfg)
	require.NoError(t, err)
	require.NoError(t, s.Start())
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// newClient returns a client with its own transport, closed at cleanup so
// no connection goroutine outlives the test.
func newClient(t *testing.T, tlsCfg *tls.Config) *http.Client {
	tr := &http.Transport{TLSClientConfig: tlsCfg}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func TestStartServesHTTP(t *testing.T) {
	s := startServer(t, Config{})
	require.True(t, strings.HasPrefix(s.URL(), "http://127.0.0.1:"), s.URL())
	assert.Equal(t, strings.TrimPrefix(s.URL(), "http://"), s.Addr())
	assert.Nil(t, s.Certificate())
	assert.Nil(t, s.CertPEM())

	c := newClient(t, nil)
	r := doRequest(t, c, "POST", s.URL()+"/v3/users", h{"apikey": s.RESTAPIKey()}, map[string]any{"uid": "a", "name": "A"})
	require.Equal(t, 200, r.status)

	tok, err := s.IssueAuthToken("a")
	require.NoError(t, err)
	r = doRequest(t, c, "GET", s.URL()+"/v3.0/me", h{"authToken": tok}, nil)
	require.Equal(t, 200, r.status)
	st := r.data()["settings"].(map[string]any)
	assert.Equal(t, s.Addr(), st["CLIENT_API_HOST"], "settings advertise the listener")

	assert.Error(t, s.Start(), "second Start")
}

func TestTLSMode(t *testing.T) {
	s := startServer(t, Config{TLS: true})
	require.True(t, strings.HasPrefix(s.URL(), "https://127.0.0.1:"), s.URL())
	require.NotNil(t, s.Certificate())
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(s.CertPEM()))

	// A client trusting CertPEM succeeds, over 127.0.0.1 and localhost.
	c := newClient(t, &tls.Config{RootCAs: pool})
	require.NoError(t, s.CreateUser("a", "A"))
	tok, err := s.IssueAuthToken("a")
	require.NoError(t, err)
	r := doRequest(t, c, "GET", s.URL()+"/v3.0/me", h{"authToken": tok}, nil)
	require.Equal(t, 200, r.status)
	assert.Equal(t, s.Addr(), r.data()["settings"].(map[string]any)["CLIENT_API_HOST"])

	_, port, _ := net.SplitHostPort(s.Addr())
	r = doRequest(t, c, "GET", "https://localhost:"+port+"/v3.0/me", h{"authToken": tok}, nil)
	assert.Equal(t, 200, r.status)

	// A client that does not trust it fails.
	plain := newClient(t, &tls.Config{RootCAs: x509.NewCertPool()})
	resp, err := plain.Get(s.URL() + "/v3.0/me")
	if err == nil {
		resp.Body.Close()
	}
	var uerr *url.Error
	require.ErrorAs(t, err, &uerr)
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, err := New(Config{TLS: true})
	require.NoError(t, err)
	require.NoError(t, s.Start())
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CertPEM())
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	r := doRequest(t, &http.Client{Transport: tr}, "GET", s.URL()+"/v3.0/me", nil, nil)
	assert.Equal(t, "AUTH_ERR_EMPTY_AUTH_TOKEN", r.code())
	tr.CloseIdleConnections()
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")
	assert.Error(t, s.Start(), "no restart after Close")
}

func TestCloseRunsHooksInReverse(t *testing.T) {
	s, err := New(Config{})
	require.NoError(t, err)
	var mu sync.Mutex
	var order []int
	for i := 1; i <= 3; i++ {
		s.onClose(func() {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, i)
		})
	}
	require.NoError(t, s.Close(), "Close without Start")
	assert.Equal(t, []int{3, 2, 1}, order)
}

func TestSeveralServersAreIndependent(t *testing.T) {
	a := startServer(t, Config{})
	b := startServer(t, Config{})
	assert.NotEqual(t, a.AppID(), b.AppID())
	assert.NotEqual(t, a.RESTAPIKey(), b.RESTAPIKey())
	require.NoError(t, a.CreateUser("x", "X"))
	require.NoError(t, b.CreateUser("x", "X"), "state is per server")
	c := newClient(t, nil)
	r := doRequest(t, c, "GET", b.URL()+"/v3/users/x", h{"apikey": a.RESTAPIKey()}, nil)
	assert.Equal(t, "AUTH_ERR_APIKEY_NOT_FOUND", r.code(), "keys are per server")
}

func TestGetters(t *testing.T) {
	s, err := New(Config{AppID: "id", Region: "IN", AuthKey: "ak", RESTAPIKey: "rk"})
	require.NoError(t, err)
	assert.Equal(t, "id", s.AppID())
	assert.Equal(t, "in", s.Region())
	assert.Equal(t, "ak", s.AuthKey())
	assert.Equal(t, "rk", s.RESTAPIKey())
	assert.Equal(t, "", s.URL())
	assert.Equal(t, "", s.Addr())
}

func TestStartListenError(t *testing.T) {
	s, err := New(Config{Addr: "256.0.0.1:0"})
	require.NoError(t, err)
	assert.Error(t, s.Start())
}
