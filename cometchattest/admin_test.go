package cometchattest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/admin"
	"github.com/cometchat-go/cometchat/cometchattest"
)

// A delete done by the app itself (REST API key, no onBehalfOf) reaches both parties of the
// conversation in realtime, although the actor (app_system) is neither of them.
func TestAppDeleteReachesBothParties(t *testing.T) {
	srv := cometchattest.NewServer(t)
	srv.CreateUser(t, "alice", "Alice")
	srv.CreateUser(t, "bob", "Bob")
	ctx := context.Background()
	alice, bob := srv.Login(t, "alice"), srv.Login(t, "bob")
	require.NoError(t, alice.Connect(ctx))
	require.NoError(t, bob.Connect(ctx))
	deleted := map[string]chan cometchat.Message{"alice": make(chan cometchat.Message, 1), "bob": make(chan cometchat.Message, 1)}
	for uid, c := range map[string]*cometchat.Client{"alice": alice, "bob": bob} {
		ch := deleted[uid]
		c.AddMessageListener("t", cometchat.MessageListener{OnMessageDeleted: func(m cometchat.Message) { ch <- m }})
	}
	m, err := alice.SendText(ctx, "bob", cometchat.ReceiverTypeUser, "oops")
	require.NoError(t, err)

	ac, err := admin.New(srv.AppID(), srv.Region(), srv.RESTAPIKey(), admin.WithBaseURL(srv.URL()+"/v3"),
		admin.WithAllowInsecure(), admin.WithHTTPClient(srv.HTTPClient()))
	require.NoError(t, err)
	_, err = ac.DeleteMessage(ctx, m.ID(), false)
	require.NoError(t, err)
	for _, uid := range []string{"alice", "bob"} {
		got := waitFor(t, deleted[uid], uid+"'s delete event")
		assert.Equal(t, m.ID(), got.ID(), uid)
	}
}
