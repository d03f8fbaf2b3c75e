package emulator

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEventsInStateOrder(t *testing.T) {
	e := newEnv(t, Config{})
	var got []Event
	remove := e.s.OnEvent(func(ev Event) { got = append(got, ev) })

	r := e.do("POST", "/v3/users", e.admin(), map[string]any{"uid": "bob", "name": "Bob", "withAuthToken": true})
	require.Equal(t, 200, r.status)
	require.Len(t, got, 2)
	assert.Equal(t, EventUserCreated, got[0].Kind)
	assert.Equal(t, "bob", got[0].UID)
	assert.Equal(t, testNow, got[0].At)
	assert.Equal(t, EventAuthTokenCreated, got[1].Kind)
	assert.Equal(t, []string{r.data()["authToken"].(string)}, got[1].AuthTokens)

	remove()
	require.NoError(t, e.s.CreateUser("carol", "Carol"))
	assert.Len(t, got, 2, "removed sinks get nothing")
}

func TestMultipleSinksInRegistrationOrder(t *testing.T) {
	e := newEnv(t, Config{})
	var order []int
	r1 := e.s.OnEvent(func(Event) { order = append(order, 1) })
	r2 := e.s.OnEvent(func(Event) { order = append(order, 2) })
	defer r1()
	defer r2()
	require.NoError(t, e.s.CreateUser("bob", "Bob"))
	assert.Equal(t, []int{1, 2}, order)
}
