package admin_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/admin"
	"github.com/cometchat-go/cometchat/internal/emulator"
)

func TestMessagesOnBehalfOf(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx := context.Background()
	seedUsers(t, e, "bot", "ada", "eve")
	bot := e.c.As("bot")

	m, err := bot.SendMessage(ctx, admin.TextMessage("ada", admin.ReceiverUser, "Hi <@uid:ada>"))
	require.NoError(t, err)
	assert.Equal(t, "bot", m.Sender, "onBehalfOf is the sender")
	assert.Equal(t, "ada", m.Receiver)
	assert.Equal(t, "ada_user_bot", m.ConversationID)
	assert.Equal(t, "Hi <@uid:ada>", m.Text())

	// Without onBehalfOf the app sends as app_system.
	sys, err := e.c.SendMessage(ctx, admin.TextMessage("ada", admin.ReceiverUser, "maintenance at 5"))
	require.NoError(t, err)
	assert.Equal(t, "app_system", sys.Sender)

	// The muid de-duplicates a retried send.
	in := admin.TextMessage("ada", admin.ReceiverUser, "once")
	in.MUID = "bot-1"
	a, err := bot.SendMessage(ctx, in)
	require.NoError(t, err)
	b, err := bot.SendMessage(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, a.ID, b.ID)

	got, err := e.c.As("ada").GetMessage(ctx, m.ID)
	require.NoError(t, err)
	assert.Equal(t, m.ID, got.ID)
	_, err = e.c.As("eve").GetMessage(ctx, m.ID)
	require.ErrorIs(t, err, cometchat.ErrMessageIDNotFound, "not a party of the conversation")

	// Only the sender may edit through onBehalfOf; the key itself may edit anything.
	_, err = e.c.As("ada").EditMessage(ctx, m.ID, admin.MessageEdit{Text: "forged"})
	require.ErrorIs(t, err, cometchat.ErrMessageNotASender)
	act, err := bot.EditMessage(ctx, m.ID, admin.MessageEdit{Text: "Hello"})
	require.NoError(t, err)
	assert.Equal(t, admin.CategoryAction, act.Category)
	assert.Equal(t, "edited", act.Action())
	require.NotNil(t, act.Target())
	assert.Equal(t, "Hello", act.Target().Text())
	assert.Equal(t, "bot", act.Target().EditedBy)

	del, err := e.c.DeleteMessage(ctx, m.ID, false)
	require.NoError(t, err)
	require.NotNil(t, del)
	assert.Equal(t, "deleted", del.Action())

	// Listing the conversation between ada and bot, as ada.
	var texts []string
	for msg, err := range e.c.As("ada").ListUserMessages(ctx, "bot", admin.ListMessagesOptions{Limit: 2, HideDeleted: true}) {
		require.NoError(t, err)
		if msg.Category == admin.CategoryMessage {
			texts = append(texts, msg.Text())
		}
	}
	assert.Equal(t, []string{"once"}, texts)

	// Endpoints that require onBehalfOf fail locally without it, and work with it.
	_, err = e.c.AddReaction(ctx, a.ID, "👍")
	require.ErrorIs(t, err, cometchat.ErrMissingParameters)
	_, err = e.c.ReplyInThread(ctx, a.ID, admin.TextMessage("ada", admin.ReceiverUser, "re"))
	require.ErrorIs(t, err, cometchat.ErrMissingParameters)
	_, err = e.c.GetConversation(ctx, admin.UserPeer("bot"))
	require.ErrorIs(t, err, cometchat.ErrMissingParameters)
	r, err := e.c.As("ada").AddReaction(ctx, a.ID, "👍")
	require.NoError(t, err)
	assert.Equal(t, a.ID, r.ID)
	reacts, err := admin.Collect(e.c.ListReactions(ctx, a.ID, ""))
	require.NoError(t, err)
	require.Len(t, reacts, 1)
	assert.Equal(t, "ada", reacts[0].UID)
	reply, err := e.c.As("ada").ReplyInThread(ctx, a.ID, admin.TextMessage("bot", admin.ReceiverUser, "thanks"))
	require.NoError(t, err)
	assert.Equal(t, a.ID, reply.ParentID)

	// Unread counts per conversation, as ada (onBehalfOf required).
	_, err = e.c.UnreadCounts(ctx)
	require.ErrorIs(t, err, cometchat.ErrMissingParameters)
	counts, err := e.c.As("ada").UnreadCounts(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, counts)
	byPeer := map[string]int{}
	for _, uc := range counts {
		byPeer[uc.EntityID] = int(uc.Count)
	}
	assert.Positive(t, byPeer["bot"], "ada has unread messages from bot")

	// Conversations and read marks as ada.
	conv, err := e.c.As("ada").GetConversation(ctx, admin.UserPeer("bot"))
	require.NoError(t, err)
	assert.Equal(t, "ada_user_bot", conv.ConversationID)
	require.NotNil(t, conv.WithUser())
	assert.Equal(t, "bot", conv.WithUser().UID)
	require.NoError(t, e.c.As("ada").MarkRead(ctx, admin.UserPeer("bot"), a.ID))
	_, err = e.c.As("eve").GetConversation(ctx, admin.UserPeer("bot"))
	require.ErrorIs(t, err, cometchat.ErrConversationNotAccessible)
	convs, err := admin.Collect(e.c.As("ada").ListConversations(ctx, admin.ListConversationsOptions{Type: admin.ReceiverUser}))
	require.NoError(t, err)
	assert.NotEmpty(t, convs)

	// Blocks apply to sends on behalf of a user.
	_, err = e.c.BlockUsers(ctx, "ada", "eve")
	require.NoError(t, err)
	_, err = e.c.As("eve").SendMessage(ctx, admin.TextMessage("ada", admin.ReceiverUser, "hey"))
	require.ErrorIs(t, err, cometchat.ErrBlockedSender)

	// Local checks.
	_, err = bot.SendMessage(ctx, admin.TextMessage("ada", admin.ReceiverUser, " "))
	require.ErrorIs(t, err, cometchat.ErrEmptyMessageText)
	_, err = bot.SendMessage(ctx, admin.MessageInput{Receiver: "ada", ReceiverType: "room", Data: map[string]any{"text": "x"}})
	require.ErrorIs(t, err, cometchat.ErrInvalidReceiverType)
}

func TestGroupMessagesAndBots(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx := context.Background()
	seedUsers(t, e, "bot", "ada", "eve")
	_, err := e.c.CreateGroup(ctx, admin.GroupInput{GUID: "g", Name: "G", Members: &admin.MembersInput{Participants: []string{"ada", "bot"}}})
	require.NoError(t, err)
	_, err = e.c.As("eve").SendMessage(ctx, admin.TextMessage("g", admin.ReceiverGroup, "let me in"))
	require.ErrorIs(t, err, cometchat.ErrGroupNotJoined)
	m, err := e.c.SendBotMessage(ctx, "bot", admin.CustomMessage("g", admin.ReceiverGroup, "poll", map[string]any{"q": "lunch?"}))
	require.NoError(t, err)
	assert.Equal(t, "bot", m.Sender)
	assert.Equal(t, admin.CategoryCustom, m.Category)
	msgs, err := admin.Collect(e.c.ListGroupMessages(ctx, "g", admin.ListMessagesOptions{Category: admin.CategoryCustom}))
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	assert.Equal(t, m.ID, msgs[0].ID)
	conv, err := e.c.As("ada").GetConversation(ctx, admin.GroupPeer("g"))
	require.NoError(t, err)
	assert.Equal(t, "group_g", conv.ConversationID)
	require.NotNil(t, conv.WithGroup())
	assert.Equal(t, "g", conv.WithGroup().GUID)
}

// The service limits a message to 65,536 characters as sent (rules-and-limits.md §2): multi-byte
// and HTML characters count once, so a text the service accepts is never refused locally, and an
// oversized one is refused before any request.
func TestMessageSizeCountsCharacters(t *testing.T) {
	e := newEmu(t, emulator.Config{})
	ctx := context.Background()
	seedUsers(t, e, "bot", "ada")
	bot := e.c.As("bot")
	for name, text := range map[string]string{
		"two-byte characters": strings.Repeat("é", 40000), // 80,000 bytes
		"HTML characters":     strings.Repeat("<", 20000), // 120,000 once escaped as \u003c
	} {
		m, err := bot.SendMessage(ctx, admin.TextMessage("ada", admin.ReceiverUser, text))
		require.NoError(t, err, name)
		assert.Equal(t, text, m.Text(), name)
	}

	var seen int
	remove := e.s.OnRequest(func(emulator.RequestRecord) { seen++ })
	defer remove()
	_, err := bot.SendMessage(ctx, admin.TextMessage("ada", admin.ReceiverUser, strings.Repeat("a", cometchat.MaxMessageChars)))
	require.ErrorIs(t, err, cometchat.ErrMessageTooLarge)
	assert.Zero(t, seen, "refused locally")
}
