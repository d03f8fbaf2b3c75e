package cometchat

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// callInitiated is a POST calls answer: the initiated call message.
const callInitiated = `{"data":{"id":"9","sender":"alice","receiver":"bob","receiverType":"user","category":"call","type":"video",
	"data":{"action":"initiated","entities":{"by":{"entity":{"uid":"alice"},"entityType":"user"},"for":{"entity":{"uid":"bob"},"entityType":"user"},
	"on":{"entity":{"sessionid":"s-1","status":"initiated","type":"video","sender":"alice","receiver":"bob","receiverType":"user"},"entityType":"call"}}},"sentAt":2}}`

// CallType is a named type with the wire values: InitiateCall sends it as the message type and the
// decoded Call carries it back, comparable with the constants.
func TestCallTypeKeepsTheWireValues(t *testing.T) {
	f, c, sent := loggedInFake(t)
	f.reply("POST /v3.0/calls", 200, callInitiated)
	cm, err := c.InitiateCall(context.Background(), "bob", ReceiverTypeUser, CallTypeVideo, nil)
	require.NoError(t, err)
	t.Cleanup(c.ClearActiveCall) // stops the ring timer
	require.NotNil(t, cm.Call)
	assert.Equal(t, CallTypeVideo, cm.Call.Type)
	assert.Equal(t, "video", cm.Type(), "the message type stays a plain string")
	reqs := sent()
	require.Len(t, reqs, 1)
	assert.Equal(t, "video", jsonBody(t, reqs[0])["type"])

	_, err = c.InitiateCall(context.Background(), "bob", ReceiverTypeUser, CallType("fax"), nil)
	assert.ErrorIs(t, err, ErrInvalidValue)
	assert.Len(t, sent(), 1, "an unknown call type is refused locally")
}
