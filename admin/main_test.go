package admin_test

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/cometchat-go/cometchat/admin"
	"github.com/cometchat-go/cometchat/internal/emulator"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testAppID   = "app1"
	testRESTKey = "restkey0000000000000000000000000000000001"
	testAuthKey = "authkey0000000000000000000000000000000001"
)

// emu is an emulator served over loopback HTTP with an admin client on it.
type emu struct {
	s   *emulator.Server
	ts  *httptest.Server
	c   *admin.Client // REST API key (fullAccess)
	ak  *admin.Client // Auth Key (authOnly)
	url string
}

func newEmu(t *testing.T, cfg emulator.Config, opts ...admin.Option) *emu {
	t.Helper()
	cfg.AppID, cfg.RESTAPIKey, cfg.AuthKey = testAppID, testRESTKey, testAuthKey
	s, err := emulator.New(cfg)
	require.NoError(t, err)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ts.Close()
		require.NoError(t, s.Close())
	})
	e := &emu{s: s, ts: ts, url: ts.URL}
	base := append([]admin.Option{admin.WithBaseURL(ts.URL + "/v3"), admin.WithAllowInsecure(),
		admin.WithHTTPClient(ts.Client())}, opts...)
	e.c, err = admin.New(testAppID, "eu", testRESTKey, base...)
	require.NoError(t, err)
	e.ak, err = admin.New(testAppID, "eu", testAuthKey, base...)
	require.NoError(t, err)
	return e
}
