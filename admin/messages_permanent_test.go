package admin_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/admin"
	"github.com/cometchat-go/cometchat/internal/emulator"
)

// DeleteMessage with permanent removes the message on the service (server-api.md §3.9): it is gone
// from GET, from history and from the conversation, whose last message falls back to the one before.
func TestDeleteMessagePermanently(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx := context.Background()
	seedUsers(t, e, "ada", "bob")
	ada := e.c.As("ada")
	first, err := ada.SendMessage(ctx, admin.TextMessage("bob", admin.ReceiverUser, "first"))
	require.NoError(t, err)
	second, err := ada.SendMessage(ctx, admin.TextMessage("bob", admin.ReceiverUser, "second"))
	require.NoError(t, err)
	_, err = e.c.As("bob").AddReaction(ctx, second.ID, "👍")
	require.NoError(t, err)

	// Only the sender (or the app) may remove it.
	_, err = e.c.As("bob").DeleteMessage(ctx, second.ID, true)
	require.ErrorIs(t, err, cometchat.ErrMessageNotASender)

	gone, err := ada.DeleteMessage(ctx, second.ID, true)
	require.NoError(t, err)
	assert.Nil(t, gone, "a permanent delete answers {success, message}, not a message")
	_, err = e.c.GetMessage(ctx, second.ID)
	require.ErrorIs(t, err, cometchat.ErrMessageIDNotFound)

	msgs, err := admin.Collect(e.c.As("bob").ListUserMessages(ctx, "ada", admin.ListMessagesOptions{Limit: 50}))
	require.NoError(t, err)
	require.Len(t, msgs, 1, "no trace: no soft-deleted copy, no action message")
	assert.Equal(t, first.ID, msgs[0].ID)
	conv, err := e.c.As("bob").GetConversation(ctx, admin.UserPeer("ada"))
	require.NoError(t, err)
	require.NotNil(t, conv.LastMessage)
	assert.Equal(t, first.ID, conv.LastMessage.ID)
	assert.EqualValues(t, 1, conv.UnreadMessageCount)

	// The soft delete still answers the action message; a soft-deleted message can then be removed.
	del, err := e.c.DeleteMessage(ctx, first.ID, false)
	require.NoError(t, err)
	require.NotNil(t, del)
	assert.Equal(t, "deleted", del.Action())
	gone, err = e.c.DeleteMessage(ctx, first.ID, true)
	require.NoError(t, err)
	assert.Nil(t, gone)
	_, err = e.c.GetMessage(ctx, first.ID)
	require.ErrorIs(t, err, cometchat.ErrMessageIDNotFound)
}
