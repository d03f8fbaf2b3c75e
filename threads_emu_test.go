package cometchat_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/cometchattest"
)

// reply sends a text reply in the thread of parent.
func reply(t *testing.T, c *cometchat.Client, parent cometchat.MessageID, receiver string, rt cometchat.ReceiverType, text string) cometchat.MessageID {
	t.Helper()
	m := cometchat.NewTextMessage(receiver, rt, text)
	m.ParentMessageID = parent
	out, err := c.SendMessage(t.Context(), m)
	require.NoError(t, err)
	return out.ID()
}

// threadList collects every thread of b built for c.
func threadList(t *testing.T, c *cometchat.Client, b *cometchat.ThreadsRequestBuilder) []*cometchat.MessageThread {
	t.Helper()
	req, err := b.Build(c)
	require.NoError(t, err)
	var out []*cometchat.MessageThread
	for th, err := range req.All(t.Context()) {
		require.NoError(t, err)
		out = append(out, th)
	}
	assert.False(t, req.HasMore())
	return out
}

func parents(ts []*cometchat.MessageThread) []cometchat.MessageID {
	out := make([]cometchat.MessageID, 0, len(ts))
	for _, th := range ts {
		out = append(out, th.ParentMessageID)
	}
	return out
}

func TestThreadsListAgainstTheEmulator(t *testing.T) {
	w := newChatWorld(t)
	ctx := t.Context()
	p := sendTexts(t, w.alice, "team", cometchat.ReceiverTypeGroup, 3, "topic")
	for _, id := range p {
		reply(t, w.bob, id, "team", cometchat.ReceiverTypeGroup, "bob here")
	}
	last := reply(t, w.alice, p[0], "team", cometchat.ReceiverTypeGroup, "alice again") // p[0] is the most active now
	require.NoError(t, w.alice.SubscribeToThread(ctx, p[1]))

	// Pages of 2: the first says there is more, the second is the last.
	req, err := cometchat.NewThreadsRequestBuilder().SetGUID("team").SetLimit(2).Build(w.alice)
	require.NoError(t, err)
	page, err := req.FetchNext(ctx)
	require.NoError(t, err)
	require.Len(t, page, 2)
	assert.True(t, req.HasMore())
	rest, err := req.FetchNext(ctx)
	require.NoError(t, err)
	assert.False(t, req.HasMore())
	got := append(page, rest...)
	assert.Equal(t, []cometchat.MessageID{p[0], p[2], p[1]}, parents(got), "most recent activity first")

	first := got[0]
	assert.Equal(t, 2, first.ReplyCount)
	require.NotNil(t, first.LastReply)
	assert.Equal(t, last, first.LastReply.ID())
	assert.Equal(t, first.LastReply.SentAt(), first.UpdatedAt)
	assert.Equal(t, "group_team", first.ConversationID)
	assert.Equal(t, cometchat.ReceiverTypeGroup, first.ReceiverType)
	assert.Equal(t, "team", first.ReceiverID)
	assert.Equal(t, 1, first.UnreadReplyCount, "bob's reply; alice's own is not unread")
	assert.Equal(t, "topic 0", first.ParentMessage.(*cometchat.TextMessage).Text)
	assert.True(t, got[2].Subscribed)
	assert.False(t, first.Subscribed)

	// Reading the conversation reads the replies; the parent message says so too.
	require.NoError(t, w.alice.MarkConversationAsRead(ctx, "team", cometchat.ReceiverTypeGroup))
	for _, th := range threadList(t, w.alice, cometchat.NewThreadsRequestBuilder()) {
		assert.Zero(t, th.UnreadReplyCount, "thread %d", th.ParentMessageID)
	}
	m, err := w.carol.GetMessage(ctx, p[0])
	require.NoError(t, err)
	assert.Equal(t, 2, m.Base().UnreadRepliesCount, "per viewer: carol has read nothing")
	assert.Equal(t, 2, m.Base().ReplyCount)
}

func TestThreadsParticipationAndAccess(t *testing.T) {
	w := newChatWorld(t)
	ctx := t.Context()
	w.srv.CreateUser(t, "dave", "Dave")
	dave := w.srv.Login(t, "dave")
	g := sendTexts(t, w.alice, "team", cometchat.ReceiverTypeGroup, 1, "group")[0]
	reply(t, w.bob, g, "team", cometchat.ReceiverTypeGroup, "re")
	u := sendTexts(t, w.bob, "carol", cometchat.ReceiverTypeUser, 1, "1:1")[0]
	reply(t, w.carol, u, "bob", cometchat.ReceiverTypeUser, "re")

	assert.Equal(t, []cometchat.MessageID{u}, parents(threadList(t, w.carol, cometchat.NewThreadsRequestBuilder())),
		"by default only threads carol took part in")
	assert.Equal(t, []cometchat.MessageID{u, g},
		parents(threadList(t, w.carol, cometchat.NewThreadsRequestBuilder().SetParticipatedByMe(false))))
	assert.Equal(t, []cometchat.MessageID{u},
		parents(threadList(t, w.carol, cometchat.NewThreadsRequestBuilder().SetUID("Bob").SetParticipatedByMe(false))))
	assert.Empty(t, threadList(t, w.alice, cometchat.NewThreadsRequestBuilder().SetUID("bob").SetParticipatedByMe(false)),
		"alice cannot see bob and carol's conversation")
	assert.Empty(t, threadList(t, dave, cometchat.NewThreadsRequestBuilder().SetParticipatedByMe(false)))

	req, err := cometchat.NewThreadsRequestBuilder().SetGUID("team").Build(dave)
	require.NoError(t, err)
	_, err = req.FetchNext(ctx)
	assert.ErrorIs(t, err, cometchat.ErrGroupNotJoined)
	assert.True(t, req.HasMore(), "a failed call does not end the list")
}

func TestFlagMessageAgainstTheEmulator(t *testing.T) {
	w := newChatWorld(t)
	ctx := t.Context()
	var ids []string
	for _, r := range w.bob.FlagReasons() {
		ids = append(ids, r.ID)
		assert.NotEmpty(t, r.Name)
	}
	assert.Equal(t, []string{"spam", "harassment", "other"}, ids, "the emulator's default reasons")

	m, err := w.alice.SendText(ctx, "bob", cometchat.ReceiverTypeUser, "cheap watches")
	require.NoError(t, err)
	require.NoError(t, w.bob.FlagMessage(ctx, m.ID(), "spam", "third time today"))

	err = w.bob.FlagMessage(ctx, m.ID(), "rude", "")
	require.ErrorIs(t, err, cometchat.ErrBadRequest)
	var e *cometchat.Error
	require.True(t, errors.As(err, &e))
	assert.Contains(t, e.Details, "id")
	assert.ErrorIs(t, w.carol.FlagMessage(ctx, m.ID(), "spam", ""), cometchat.ErrMessageIDNotFound,
		"carol cannot see alice and bob's message")
}

// Above the group limit (rules-and-limits.md §7) the service keeps no unread counts.
func TestGroupUnreadCountsStopAboveTheLimit(t *testing.T) {
	srv := cometchattest.NewServer(t, cometchattest.WithGroupFeatureLimit(2))
	for _, u := range []string{"alice", "bob", "carol"} {
		srv.CreateUser(t, u, u)
	}
	alice, bob, carol := srv.Login(t, "alice"), srv.Login(t, "bob"), srv.Login(t, "carol")
	ctx := t.Context()
	for guid, members := range map[string][]*cometchat.Client{"duo": {bob}, "trio": {bob, carol}} {
		_, err := alice.CreateGroup(ctx, &cometchat.Group{GUID: guid, Name: guid, Type: cometchat.GroupTypePublic})
		require.NoError(t, err)
		for _, m := range members {
			_, err := m.JoinGroup(ctx, guid, cometchat.GroupTypePublic, "")
			require.NoError(t, err)
		}
		_, err = alice.SendText(ctx, guid, cometchat.ReceiverTypeGroup, "hi "+guid)
		require.NoError(t, err)
	}
	counts, err := bob.GetUnreadMessageCountForAllGroups(ctx, false)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"duo": 1}, counts, "the three-member group is above the limit of 2")
}
