package cometchattest_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/cometchattest"
)

func TestWithSnapshotStartsFromAFixture(t *testing.T) {
	// Build a fixture the way a user would: run a server, make some data,
	// take its snapshot.
	src := cometchattest.NewServer(t)
	src.CreateUser(t, "alice", "Alice")
	src.CreateUser(t, "bob", "Bob")
	alice := src.Login(t, "alice")
	_, err := alice.SendText(t.Context(), "bob", cometchat.ReceiverTypeUser, "from the fixture")
	require.NoError(t, err)
	fixture, err := src.Snapshot()
	require.NoError(t, err)

	srv := cometchattest.NewServer(t, cometchattest.WithSnapshot(fixture))
	assert.Equal(t, src.AppID(), srv.AppID(), "the fixture's app")
	assert.Equal(t, src.AuthKey(), srv.AuthKey(), "and keys")
	bob := srv.Login(t, "bob")
	u, err := bob.GetUser(t.Context(), "alice")
	require.NoError(t, err)
	assert.Equal(t, "Alice", u.Name)
	assert.Equal(t, srv.URL()+"/emulator/", srv.DashboardURL())

	// Own keys win over the fixture's.
	own := cometchattest.NewServer(t, cometchattest.WithSnapshot(fixture), cometchattest.WithAppID("own-app"))
	assert.Equal(t, "own-app", own.AppID())
	own.Login(t, "alice")
}

func TestWithSnapshotRefusesABadOne(t *testing.T) {
	_, err := cometchattest.Start(cometchattest.WithSnapshot([]byte(`{"version":999}`)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unsupported emulator snapshot version 999")
}

func TestWithDataDirSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	first, err := cometchattest.Start(cometchattest.WithDataDir(dir))
	require.NoError(t, err)
	first.CreateUser(t, "carol", "Carol")
	require.NoError(t, first.Close())

	second := cometchattest.NewServer(t, cometchattest.WithDataDir(dir))
	assert.Equal(t, first.AppID(), second.AppID())
	c := second.Login(t, "carol")
	me, ok := c.LoggedInUser()
	require.True(t, ok)
	assert.Equal(t, "Carol", me.Name)
}

// A fixture made once (here in memory; usually a file under testdata/) starts any number of
// emulators with the same data, app ID and keys.
func ExampleWithSnapshot() {
	src, err := cometchattest.Start()
	if err != nil {
		panic(err)
	}
	defer src.Close()
	_ = src.AddUser(cometchat.User{UID: "alice", Name: "Alice"})
	fixture, err := src.Snapshot()
	if err != nil {
		panic(err)
	}

	srv, err := cometchattest.Start(cometchattest.WithSnapshot(fixture))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	fmt.Println(srv.AppID() == src.AppID(), srv.AddUser(cometchat.User{UID: "alice", Name: "Again"}) != nil)
	// Output: true true
}
