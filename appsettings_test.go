package cometchat

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppSettingsValidation(t *testing.T) {
	cases := []struct {
		name string
		s    AppSettings
		ok   bool
	}{
		{"minimal", AppSettings{AppID: "abc123"}, true},
		{"missing app id", AppSettings{}, false},
		{"app id with slash", AppSettings{AppID: "a/b"}, false},
		{"upper-case region", AppSettings{AppID: "a", Region: "US"}, true},
		{"unknown region", AppSettings{AppID: "a", Region: "mars"}, false},
		{"private region", AppSettings{AppID: "a", Region: RegionPrivate}, true},
		{"roles without list", AppSettings{AppID: "a", Presence: PresenceSubscription{Mode: PresenceRoles}}, false},
		{"roles with list", AppSettings{AppID: "a", Presence: PresenceSubscription{Mode: PresenceRoles, Roles: []string{"vip"}}}, true},
		{"roles list on all users", AppSettings{AppID: "a", Presence: PresenceSubscription{Mode: PresenceAllUsers, Roles: []string{"vip"}}}, false},
		{"bad presence", AppSettings{AppID: "a", Presence: PresenceSubscription{Mode: "SOME"}}, false},
		{"js-style host override", AppSettings{AppID: "a", ClientHost: "a.apiclient-us.cometchat.io/v3.0"}, true},
		{"http host override without opt-in", AppSettings{AppID: "a", ClientHost: "http://127.0.0.1:1/v3.0"}, false},
		{"http host override with opt-in", AppSettings{AppID: "a", ClientHost: "http://127.0.0.1:1/v3.0", AllowInsecure: true}, true},
		{"pinned https", AppSettings{AppID: "a", Endpoints: Endpoints{ClientAPI: "https://h/v3.0", AdminAPI: "https://h/v3.0", WebSocket: "wss://h:443"}}, true},
		{"pinned http without opt-in", AppSettings{AppID: "a", Endpoints: Endpoints{ClientAPI: "http://h/v3.0", AdminAPI: "http://h/v3.0"}}, false},
		{"pinned ws without opt-in", AppSettings{AppID: "a", Endpoints: Endpoints{ClientAPI: "https://h/v3.0", AdminAPI: "https://h/v3.0", WebSocket: "ws://h"}}, false},
		{"pinned http with opt-in", AppSettings{AppID: "a", AllowInsecure: true, Endpoints: Endpoints{ClientAPI: "http://h/v3.0", AdminAPI: "http://h/v3.0", WebSocket: "ws://h/"}}, true},
		{"pinned missing admin", AppSettings{AppID: "a", Endpoints: Endpoints{ClientAPI: "https://h/v3.0"}}, false},
		{"pinned relative", AppSettings{AppID: "a", Endpoints: Endpoints{ClientAPI: "/v3.0", AdminAPI: "/v3.0"}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Init(tc.s)
			if tc.ok {
				require.NoError(t, err)
				_ = c.Close()
				return
			}
			assert.ErrorIs(t, err, ErrInvalidAppSettings)
		})
	}
}

func TestInitDefaults(t *testing.T) {
	c, err := Init(AppSettings{AppID: "abc"})
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, RegionEU, c.settings.Region)
	assert.Equal(t, PresenceNone, c.settings.Presence.Mode)
	assert.Equal(t, "https://abc.apiclient-eu.cometchat.io/v3.0", c.clientBase(nil))
	assert.Equal(t, "https://abc.api-eu.cometchat.io/v3.0", c.adminBase(nil))
}

func TestOptionsValidated(t *testing.T) {
	_, err := Init(AppSettings{AppID: "a"}, WithSDKIdentity("", "x", "y"))
	assert.ErrorIs(t, err, ErrInvalidAppSettings)
	_, err = Init(AppSettings{AppID: "a"}, WithDefaultTimeout(-1))
	assert.ErrorIs(t, err, ErrInvalidAppSettings)
	_, err = Init(AppSettings{AppID: "a"}, WithRetryPolicy(RetryPolicy{MaxAttempts: -1}))
	assert.ErrorIs(t, err, ErrInvalidAppSettings)
	_, err = Init(AppSettings{AppID: "a"}, WithDeviceID(""))
	assert.ErrorIs(t, err, ErrInvalidAppSettings)
}

func TestEndpointResolution(t *testing.T) {
	c, err := Init(AppSettings{AppID: "app", Region: RegionUS, ClientHost: "app.apiclient-us.cometchat-staging.com/v3.0"})
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, "https://app.apiclient-us.cometchat-staging.com/v3.0", c.clientBase(nil), "override until settings arrive")
	assert.Equal(t, "https://app.api-us.cometchat.io/v3.0", c.adminBase(nil))
	sess := &session{}
	require.NoError(t, sess.settings.UnmarshalJSON([]byte(`{"CLIENT_API_HOST":"c.example:8443","ADMIN_API_HOST":"a.example","CHAT_API_VERSION":"v3.1"}`)))
	assert.Equal(t, "https://c.example:8443/v3.1", c.clientBase(sess), "server settings win over the override")
	assert.Equal(t, "https://a.example/v3.1", c.adminBase(sess))

	p, err := Init(AppSettings{AppID: "app", Region: RegionPrivate})
	require.NoError(t, err)
	defer p.Close()
	assert.Equal(t, "https://app.apiclient-app.cometchat.io/v3.0", p.clientBase(nil), "private region uses the app id")
}
