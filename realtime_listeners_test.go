package cometchat_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
)

// End-to-end tests of the user, group, call, login and connection listeners.

func TestPresenceOnlineAndOffline(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	st := e.settings()
	st.Presence = cometchat.PresenceSubscription{Mode: cometchat.PresenceAllUsers}
	alice := e.loginWith(st, "alice")
	require.NoError(t, alice.Connect(rtCtx(t)))
	presence, onPresence := sink[*cometchat.User]()
	alice.AddUserListener("l", cometchat.UserListener{OnUserOnline: onPresence, OnUserOffline: onPresence})
	bob := e.client("bob")
	u := recv(t, presence)
	assert.Equal(t, "bob", u.UID)
	assert.Equal(t, cometchat.StatusOnline, u.Status)
	require.NoError(t, bob.Disconnect())
	u = recv(t, presence)
	assert.Equal(t, "bob", u.UID)
	assert.Equal(t, cometchat.StatusOffline, u.Status)
	assert.NotZero(t, u.LastActiveAt)
}

func TestGroupMemberEvents(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob", "Carol")
	alice, bob, carol := e.client("alice"), e.client("bob"), e.client("carol")
	ctx := rtCtx(t)
	_, err := alice.CreateGroup(ctx, &cometchat.Group{GUID: "club", Name: "Club", Type: cometchat.GroupTypePublic})
	require.NoError(t, err)

	type ev struct {
		what, user, by, group string
		newScope, oldScope    cometchat.Scope
	}
	events, onEvent := sink[ev]()
	name := func(u *cometchat.User) string {
		if u == nil {
			return ""
		}
		return u.UID
	}
	gname := func(g *cometchat.Group) string {
		if g == nil {
			return ""
		}
		return g.GUID
	}
	alice.AddGroupListener("l", cometchat.GroupListener{
		OnGroupMemberJoined: func(a *cometchat.ActionMessage, u *cometchat.User, g *cometchat.Group) {
			onEvent(ev{what: "joined", user: name(u), group: gname(g)})
		},
		OnGroupMemberLeft: func(a *cometchat.ActionMessage, u *cometchat.User, g *cometchat.Group) {
			onEvent(ev{what: "left", user: name(u), group: gname(g)})
		},
		OnGroupMemberKicked: func(a *cometchat.ActionMessage, u, by *cometchat.User, g *cometchat.Group) {
			onEvent(ev{what: "kicked", user: name(u), by: name(by), group: gname(g)})
		},
		OnGroupMemberBanned: func(a *cometchat.ActionMessage, u, by *cometchat.User, g *cometchat.Group) {
			onEvent(ev{what: "banned", user: name(u), by: name(by), group: gname(g)})
		},
		OnGroupMemberUnbanned: func(a *cometchat.ActionMessage, u, by *cometchat.User, g *cometchat.Group) {
			onEvent(ev{what: "unbanned", user: name(u), by: name(by), group: gname(g)})
		},
		OnGroupMemberScopeChanged: func(a *cometchat.ActionMessage, u, by *cometchat.User, ns, os cometchat.Scope, g *cometchat.Group) {
			onEvent(ev{what: "scope", user: name(u), by: name(by), group: gname(g), newScope: ns, oldScope: os})
		},
		OnMemberAddedToGroup: func(a *cometchat.ActionMessage, u, by *cometchat.User, g *cometchat.Group) {
			onEvent(ev{what: "added", user: name(u), by: name(by), group: gname(g)})
		},
	})
	// Actions by other users reach alice (her own actions are her own echoes).
	_, err = bob.JoinGroup(ctx, "club", cometchat.GroupTypePublic, "")
	require.NoError(t, err)
	assert.Equal(t, ev{what: "joined", user: "bob", group: "club"}, recv(t, events))
	require.NoError(t, bob.LeaveGroup(ctx, "club"))
	assert.Equal(t, ev{what: "left", user: "bob", group: "club"}, recv(t, events))

	// Carol becomes an admin (by alice), then acts on bob.
	_, err = alice.AddMembersToGroup(ctx, "club", []*cometchat.GroupMember{cometchat.NewGroupMember("carol", cometchat.ScopeAdmin)}, nil)
	require.NoError(t, err)
	_, err = carol.JoinGroup(ctx, "club", cometchat.GroupTypePublic, "")
	require.ErrorIs(t, err, cometchat.ErrAlreadyJoined, "alice's add made carol a member")
	_, err = bob.JoinGroup(ctx, "club", cometchat.GroupTypePublic, "")
	require.NoError(t, err)
	assert.Equal(t, ev{what: "joined", user: "bob", group: "club"}, recv(t, events))
	require.NoError(t, carol.UpdateGroupMemberScope(ctx, "club", "bob", cometchat.ScopeModerator))
	assert.Equal(t, ev{what: "scope", user: "bob", by: "carol", group: "club", newScope: cometchat.ScopeModerator, oldScope: cometchat.ScopeParticipant}, recv(t, events))
	require.NoError(t, carol.KickGroupMember(ctx, "club", "bob"))
	assert.Equal(t, ev{what: "kicked", user: "bob", by: "carol", group: "club"}, recv(t, events))
	require.NoError(t, carol.BanGroupMember(ctx, "club", "bob"))
	assert.Equal(t, ev{what: "banned", user: "bob", by: "carol", group: "club"}, recv(t, events))
	require.NoError(t, carol.UnbanGroupMember(ctx, "club", "bob"))
	assert.Equal(t, ev{what: "unbanned", user: "bob", by: "carol", group: "club"}, recv(t, events))
	_, err = carol.AddMembersToGroup(ctx, "club", []*cometchat.GroupMember{cometchat.NewGroupMember("bob", cometchat.ScopeParticipant)}, nil)
	require.NoError(t, err)
	assert.Equal(t, ev{what: "added", user: "bob", by: "carol", group: "club"}, recv(t, events))
}

// callEvents records call callbacks as "callback status".
func callEvents(c *cometchat.Client) chan string {
	ch, put := sink[string]()
	rec := func(name string) func(*cometchat.CallMessage) {
		return func(m *cometchat.CallMessage) { put(name + " " + m.Status) }
	}
	c.AddCallListener("calls", cometchat.CallListener{
		OnIncomingCallReceived: rec("incoming"), OnOutgoingCallAccepted: rec("accepted"),
		OnOutgoingCallRejected: rec("rejected"), OnIncomingCallCancelled: rec("cancelled"),
		OnCallEndedMessageReceived: rec("ended"),
	})
	return ch
}

func TestCallSignalling(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice, bob := e.client("alice"), e.client("bob")
	aliceEv, bobEv := callEvents(alice), callEvents(bob)
	ctx := rtCtx(t)

	// Accepted, then ended.
	call, err := alice.InitiateCall(ctx, "bob", cometchat.ReceiverTypeUser, cometchat.CallTypeVideo, nil)
	require.NoError(t, err)
	sid := call.Call.SessionID
	require.NotEmpty(t, sid)
	_, err = alice.InitiateCall(ctx, "bob", cometchat.ReceiverTypeUser, cometchat.CallTypeAudio, nil)
	assert.ErrorIs(t, err, cometchat.ErrCallAlreadyInitiated)
	assert.Equal(t, "incoming initiated", recv(t, bobEv))
	_, err = bob.AcceptCall(ctx, sid)
	require.NoError(t, err)
	assert.Equal(t, "accepted ongoing", recv(t, aliceEv))
	active, ok := alice.ActiveCall()
	require.True(t, ok)
	assert.Equal(t, sid, active.SessionID)
	_, err = bob.EndCall(ctx, sid)
	require.NoError(t, err)
	assert.Equal(t, "ended ended", recv(t, aliceEv))
	_, ok = alice.ActiveCall()
	assert.False(t, ok, "a final status clears the active call")

	// Rejected and busy reach the caller as rejected.
	for _, status := range []string{cometchat.CallStatusRejected, cometchat.CallStatusBusy} {
		call, err = alice.InitiateCall(ctx, "bob", cometchat.ReceiverTypeUser, cometchat.CallTypeAudio, nil)
		require.NoError(t, err)
		assert.Equal(t, "incoming initiated", recv(t, bobEv))
		_, err = bob.RejectCall(ctx, call.Call.SessionID, status)
		require.NoError(t, err)
		assert.Equal(t, "rejected "+status, recv(t, aliceEv))
		_, ok = alice.ActiveCall()
		assert.False(t, ok)
	}

	// Cancelled by the caller reaches the callee.
	call, err = alice.InitiateCall(ctx, "bob", cometchat.ReceiverTypeUser, cometchat.CallTypeAudio, nil)
	require.NoError(t, err)
	assert.Equal(t, "incoming initiated", recv(t, bobEv))
	_, err = alice.CancelCall(ctx, call.Call.SessionID)
	require.NoError(t, err)
	assert.Equal(t, "cancelled cancelled", recv(t, bobEv))
}

func TestUnansweredCallAfterTheRingTimeout(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice", "Bob")
	alice := e.client("alice", cometchat.WithRingTimeout(200*time.Millisecond))
	bob := e.client("bob")
	aliceEv, bobEv := callEvents(alice), callEvents(bob)
	_, err := alice.InitiateCall(rtCtx(t), "bob", cometchat.ReceiverTypeUser, cometchat.CallTypeAudio, nil)
	require.NoError(t, err)
	assert.Equal(t, "incoming initiated", recv(t, bobEv))
	assert.Equal(t, "rejected unanswered", recv(t, aliceEv), "the caller's listener hears the timeout")
	assert.Equal(t, "cancelled unanswered", recv(t, bobEv), "the callee's call is cancelled")
	_, ok := alice.ActiveCall()
	assert.False(t, ok)
	_, err = alice.InitiateCall(rtCtx(t), "bob", cometchat.ReceiverTypeUser, cometchat.CallTypeAudio, nil)
	assert.NoError(t, err, "no stuck CALL_ALREADY_INITIATED")
}

func TestLoginListener(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice")
	c, err := cometchat.Init(e.settings(), fastReconnect)
	require.NoError(t, err)
	defer c.Close()
	events, put := sink[string]()
	c.AddLoginListener("l", cometchat.LoginListener{
		OnLoginSuccess:  func(u *cometchat.User) { put("login " + u.UID) },
		OnLoginFailure:  func(err error) { put(fmt.Sprint("failure ", errors.Is(err, cometchat.ErrAuthAPIKeyNotFound))) },
		OnLogoutSuccess: func() { put("logout") },
		OnLogoutFailure: func(err error) { put("logout failure") },
	})
	ctx := rtCtx(t)
	_, err = c.Login(ctx, "alice", "not-the-key")
	require.Error(t, err)
	assert.Equal(t, "failure true", recv(t, events))
	_, err = c.Login(ctx, "alice", e.emu.AuthKey())
	require.NoError(t, err)
	assert.Equal(t, "login alice", recv(t, events))
	require.NoError(t, c.Logout(ctx))
	assert.Equal(t, "logout", recv(t, events))
	assert.Equal(t, cometchat.StatusDisconnected, c.ConnectionStatus())
}

func TestConnectionListenerAcrossADrop(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice")
	st := e.settings()
	st.DisableAutoConnect = true // the listener is in place before the first event
	c := e.loginWith(st, "alice")
	events, put := sink[string]()
	c.AddConnectionListener("l", cometchat.ConnectionListener{
		OnConnected:    func() { put("connected") },
		OnConnecting:   func() { put("connecting") },
		OnDisconnected: func() { put("disconnected") },
		OnReconnecting: func(info cometchat.ReconnectInfo) {
			put(fmt.Sprintf("reconnecting %d %v", info.Attempt, info.Backoff <= 10*time.Millisecond))
		},
		OnResynced: func(info cometchat.ResyncInfo) { put(fmt.Sprintf("resynced %d", info.Replayed)) },
	})
	assert.Equal(t, cometchat.StatusDisconnected, c.ConnectionStatus())
	require.NoError(t, c.Connect(rtCtx(t)))
	assert.Equal(t, "connecting", recv(t, events))
	assert.Equal(t, "connected", recv(t, events))
	assert.Equal(t, "resynced 0", recv(t, events))
	assert.Equal(t, cometchat.StatusConnected, c.ConnectionStatus())
	e.emu.DropAllConnections()
	assert.Equal(t, "disconnected", recv(t, events))
	assert.Equal(t, "reconnecting 1 true", recv(t, events), "the first wait is at most the 10 ms base")
	assert.Equal(t, "connecting", recv(t, events))
	assert.Equal(t, "connected", recv(t, events))
	assert.Equal(t, "resynced 0", recv(t, events))
	require.NoError(t, c.Disconnect())
	assert.Equal(t, "disconnected", recv(t, events))
	assert.Equal(t, cometchat.StatusDisconnected, c.ConnectionStatus())
	require.NoError(t, c.Connect(rtCtx(t)))
	assert.Equal(t, "connecting", recv(t, events))
	assert.Equal(t, "connected", recv(t, events))
}

func TestRevokedTokenIsATerminalConnectionError(t *testing.T) {
	e := newRTEnv(t)
	e.users("Alice")
	c := e.client("alice")
	errs, put := sink[error]()
	c.AddConnectionListener("l", cometchat.ConnectionListener{OnError: put})
	// Revoke alice's token with the REST API key: the hub closes her socket (1008) and no new JWT
	// can be had.
	req, err := http.NewRequest(http.MethodDelete, e.emu.URL()+"/v3/users/alice/auth_tokens/"+c.AuthToken(), nil)
	require.NoError(t, err)
	req.Header.Set("apikey", e.emu.RESTAPIKey())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	// A catch-up running at that moment may report the rejected token first (SESSION_EXPIRED).
	var ce *cometchat.ConnectionError
	for err = recv(t, errs); !errors.As(err, &ce); err = recv(t, errs) {
		assert.ErrorIs(t, err, cometchat.ErrAuthTokenNotFound)
	}
	assert.True(t, ce.Terminal)
	assert.ErrorIs(t, err, cometchat.ErrNoWebSocketConnection)
	assert.True(t, errors.Is(err, cometchat.ErrAuthTokenNotFound) || errors.Is(err, cometchat.ErrNotLoggedIn),
		"the refresh found the token gone (or the session already ended by a REST call): %v", err)
	assert.Equal(t, cometchat.StatusDisconnected, c.ConnectionStatus())
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	// Connecting again fails the same way, or for want of a session if a REST call (the catch-up)
	// found the token gone first and ended it.
	err = c.Connect(ctx)
	assert.True(t, errors.As(err, &ce) || errors.Is(err, cometchat.ErrNotLoggedIn), "%v", err)
}
