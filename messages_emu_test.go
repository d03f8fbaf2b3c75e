package cometchat_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/cometchattest"
)

// chatWorld is an emulator with alice, bob and carol logged in and a group "team" of all three
// (alice owns it).
type chatWorld struct {
	srv               *cometchattest.Server
	alice, bob, carol *cometchat.Client
}

func newChatWorld(t *testing.T) *chatWorld {
	t.Helper()
	srv := cometchattest.NewServer(t)
	for _, u := range []string{"alice", "bob", "carol"} {
		srv.CreateUser(t, u, strings.ToUpper(u[:1])+u[1:])
	}
	w := &chatWorld{srv: srv, alice: srv.Login(t, "alice"), bob: srv.Login(t, "bob"), carol: srv.Login(t, "carol")}
	ctx := t.Context()
	_, err := w.alice.CreateGroup(ctx, &cometchat.Group{GUID: "team", Name: "Team", Type: cometchat.GroupTypePublic})
	require.NoError(t, err)
	_, err = w.alice.AddMembersToGroup(ctx, "team", []*cometchat.GroupMember{
		cometchat.NewGroupMember("bob", cometchat.ScopeParticipant), cometchat.NewGroupMember("carol", cometchat.ScopeParticipant)}, nil)
	require.NoError(t, err)
	return w
}

// sendTexts sends n texts to receiver and returns the stored ids in order.
func sendTexts(t *testing.T, c *cometchat.Client, receiver string, rt cometchat.ReceiverType, n int, prefix string) []cometchat.MessageID {
	t.Helper()
	ids := make([]cometchat.MessageID, 0, n)
	for i := range n {
		m, err := c.SendText(t.Context(), receiver, rt, fmt.Sprintf("%s %d", prefix, i))
		require.NoError(t, err)
		ids = append(ids, m.ID())
	}
	return ids
}

// walk collects the ids of every message of seq, failing on errors and duplicates.
func walk(t *testing.T, seq func(func(cometchat.Message, error) bool)) []cometchat.MessageID {
	t.Helper()
	var out []cometchat.MessageID
	seen := map[cometchat.MessageID]bool{}
	for m, err := range seq {
		require.NoError(t, err)
		require.False(t, seen[m.ID()], "message %d twice", m.ID())
		seen[m.ID()] = true
		out = append(out, m.ID())
	}
	return out
}

// History over more than 1,000 messages, walked back from the newest with FetchPrevious and forward
// from the first id with FetchNext: every message exactly once, in order.
func TestHistoryWalksBothWays(t *testing.T) {
	w := newChatWorld(t)
	const n = 1100
	for _, conv := range []struct {
		name     string
		receiver string
		rt       cometchat.ReceiverType
		// build starts the list as seen by a user whose peer is peer.
		build func(peer string) *cometchat.MessagesRequestBuilder
	}{
		{"1:1", "bob", cometchat.ReceiverTypeUser, func(peer string) *cometchat.MessagesRequestBuilder {
			return cometchat.NewMessagesRequestBuilder().SetUID(peer)
		}},
		{"group", "team", cometchat.ReceiverTypeGroup, func(string) *cometchat.MessagesRequestBuilder {
			return cometchat.NewMessagesRequestBuilder().SetGUID("team").SetCategories(cometchat.CategoryMessage)
		}},
	} {
		t.Run(conv.name, func(t *testing.T) {
			sent := sendTexts(t, w.alice, conv.receiver, conv.rt, n, conv.name)

			req, err := conv.build("bob").SetLimit(100).Build(w.alice)
			require.NoError(t, err)
			var back []cometchat.MessageID
			pages := 0
			for {
				page, err := req.FetchPrevious(t.Context())
				require.NoError(t, err)
				if len(page) == 0 {
					break
				}
				pages++
				for i := 1; i < len(page); i++ {
					require.Less(t, page[i-1].ID(), page[i].ID(), "pages are ascending")
				}
				ids := make([]cometchat.MessageID, 0, len(page))
				for _, m := range page {
					ids = append(ids, m.ID())
				}
				back = append(ids, back...)
			}
			assert.Equal(t, sent, back, "FetchPrevious reaches the start, every message once")
			assert.Equal(t, 11, pages)
			assert.False(t, req.HasMore(cometchat.Previous))

			fwd, err := conv.build("alice").SetLimit(100).SetMessageID(sent[0]).Build(w.bob)
			require.NoError(t, err)
			got := walk(t, fwd.All(t.Context(), cometchat.Next))
			assert.Equal(t, sent[1:], got, "FetchNext from the first id gives everything after it, in order")

			// The same walk through the iterator in the other direction.
			all, err := conv.build("alice").SetLimit(100).Build(w.bob)
			require.NoError(t, err)
			rev := walk(t, all.All(t.Context(), cometchat.Previous))
			require.Len(t, rev, n)
		})
	}
}

// A saved cursor resumes the walk where it stopped, in a new request.
func TestCursorSavesAndResumes(t *testing.T) {
	w := newChatWorld(t)
	sent := sendTexts(t, w.alice, "bob", cometchat.ReceiverTypeUser, 25, "m")
	req, err := cometchat.NewMessagesRequestBuilder().SetUID("bob").SetLimit(10).Build(w.alice)
	require.NoError(t, err)
	first, err := req.FetchPrevious(t.Context())
	require.NoError(t, err)
	require.Len(t, first, 10)
	saved, err := json.Marshal(req.Cursor())
	require.NoError(t, err)

	var cur cometchat.MessageCursor
	require.NoError(t, json.Unmarshal(saved, &cur))
	assert.Equal(t, sent[15], cur.PreviousMessageID())
	resumed, err := cometchat.NewMessagesRequestBuilder().SetUID("bob").SetLimit(10).SetCursor(cur).Build(w.alice)
	require.NoError(t, err)
	rest := walk(t, resumed.All(t.Context(), cometchat.Previous))
	require.Len(t, rest, 15)
	assert.Equal(t, sent[5:15], rest[:10], "the page right before the saved one comes first")

	// FetchNext continues after the newest message seen, picking up new ones.
	newer := sendTexts(t, w.bob, "alice", cometchat.ReceiverTypeUser, 3, "new")
	got, err := req.FetchNext(t.Context())
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, newer[0], got[0].ID())
}

// Concurrent fetches on one request are serialised: together they return every message once.
func TestMessagesRequestIsSafeForConcurrentUse(t *testing.T) {
	w := newChatWorld(t)
	sendTexts(t, w.alice, "bob", cometchat.ReceiverTypeUser, 60, "m")
	req, err := cometchat.NewMessagesRequestBuilder().SetUID("bob").SetLimit(5).Build(w.alice)
	require.NoError(t, err)
	var (
		mu   sync.Mutex
		seen = map[cometchat.MessageID]int{}
		wg   sync.WaitGroup
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				page, err := req.FetchPrevious(context.Background())
				if err != nil || len(page) == 0 {
					return
				}
				mu.Lock()
				for _, m := range page {
					seen[m.ID()]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	assert.Len(t, seen, 60)
	for id, n := range seen {
		assert.Equal(t, 1, n, "message %d", id)
	}
}

// Each filter narrows the list to the messages it describes.
func TestHistoryFiltersNarrow(t *testing.T) {
	w := newChatWorld(t)
	ctx := t.Context()
	send := func(m cometchat.Message) cometchat.Message {
		t.Helper()
		out, err := w.alice.SendMessage(ctx, m)
		require.NoError(t, err)
		return out
	}
	plain := send(cometchat.NewTextMessage("bob", cometchat.ReceiverTypeUser, "plain words"))
	send(cometchat.NewTextMessage("bob", cometchat.ReceiverTypeUser, "a link https://example.com"))
	send(cometchat.NewTextMessage("bob", cometchat.ReceiverTypeUser, "hi "+cometchat.Mention("bob")))
	tagged := cometchat.NewTextMessage("bob", cometchat.ReceiverTypeUser, "tagged")
	tagged.Tags = []string{"urgent"}
	send(tagged)
	img := cometchat.NewMediaMessage("bob", cometchat.ReceiverTypeUser, cometchat.MessageTypeImage, "")
	img.Attachments = []cometchat.Attachment{{Name: "cat.png", URL: "https://x/cat.png", Extension: "png", MimeType: "image/png", Size: 3}}
	send(img)
	send(cometchat.NewCustomMessage("bob", cometchat.ReceiverTypeUser, "poll", map[string]any{"q": "?"}))
	quote := cometchat.NewTextMessage("bob", cometchat.ReceiverTypeUser, "quoting")
	quote.QuotedMessageID = plain.ID()
	send(quote)
	reply := cometchat.NewTextMessage("bob", cometchat.ReceiverTypeUser, "a reply")
	reply.ParentMessageID = plain.ID()
	send(reply)
	gone := send(cometchat.NewTextMessage("bob", cometchat.ReceiverTypeUser, "to delete"))
	_, err := w.alice.DeleteMessage(ctx, gone.ID())
	require.NoError(t, err)
	_, err = w.bob.AddReaction(ctx, plain.ID(), "👍")
	require.NoError(t, err)

	count := func(b *cometchat.MessagesRequestBuilder) int {
		t.Helper()
		req, err := b.SetUID("bob").SetLimit(100).Build(w.alice)
		require.NoError(t, err)
		return len(walk(t, req.All(ctx, cometchat.Previous)))
	}
	nb := cometchat.NewMessagesRequestBuilder
	all := count(nb())
	assert.Equal(t, 10, all, "nine messages and the delete action")
	assert.Equal(t, 9, count(nb().SetCategories(cometchat.CategoryMessage, cometchat.CategoryCustom)))
	assert.Equal(t, 1, count(nb().SetCategory(cometchat.CategoryCustom)))
	assert.Equal(t, 1, count(nb().SetCategory(cometchat.CategoryAction)))
	assert.Equal(t, 7, count(nb().SetTypes(cometchat.MessageTypeText)))
	assert.Equal(t, 1, count(nb().HasLinks(true)))
	assert.Equal(t, 1, count(nb().HasMentions(true)))
	assert.Equal(t, 1, count(nb().SetMentionedUIDs("bob")))
	assert.Equal(t, 0, count(nb().SetMentionedUIDs("carol")))
	assert.Equal(t, 1, count(nb().SetTags("urgent")))
	assert.Equal(t, 1, count(nb().HasAttachments(true)))
	assert.Equal(t, 1, count(nb().SetAttachmentTypes(cometchat.MessageTypeImage)))
	assert.Equal(t, 1, count(nb().HasReactions(true)))
	assert.Equal(t, 1, count(nb().SetSearchKeyword("WORDS")))
	assert.Equal(t, all-1, count(nb().HideReplies(true)))
	assert.Equal(t, all-1, count(nb().HideDeletedMessages(true)))
	assert.Equal(t, all-1, count(nb().HideQuotedMessages(true)))
	assert.Equal(t, all-2, count(nb().HideDeletedMessages(true).HideReplies(true)))
	assert.Equal(t, 1, count(nb().SetUpdatedAfter(1).UpdatesOnly(true)), "only the deleted message was updated")

	thread, err := nb().SetParentMessageID(plain.ID()).Build(w.bob)
	require.NoError(t, err)
	replies := walk(t, thread.All(ctx, cometchat.Previous))
	assert.Len(t, replies, 1)
	withParent, err := nb().SetParentMessageID(plain.ID()).WithParent(true).Build(w.bob)
	require.NoError(t, err)
	assert.Len(t, walk(t, withParent.All(ctx, cometchat.Previous)), 2)

	// bob has everything from alice unread until he reads it.
	unread, err := nb().SetUID("alice").SetUnread(true).SetLimit(100).Build(w.bob)
	require.NoError(t, err)
	assert.Len(t, walk(t, unread.All(ctx, cometchat.Previous)), 9)
}

// dropFirstResponse lets the first matching request reach the service, then loses its answer.
type dropFirstResponse struct {
	next    http.RoundTripper
	match   func(*http.Request) bool
	dropped atomic.Bool
}

func (d *dropFirstResponse) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := d.next.RoundTrip(r)
	if err == nil && d.match(r) && d.dropped.CompareAndSwap(false, true) {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return nil, errors.New("connection reset by peer (test)")
	}
	return resp, err
}

// A send whose response is lost is retried with the same muid and stored once.
func TestRetriedSendStoresOneMessage(t *testing.T) {
	srv := cometchattest.NewServer(t)
	srv.CreateUser(t, "alice", "Alice")
	srv.CreateUser(t, "bob", "Bob")
	st := srv.Settings()
	hc := *st.HTTPClient
	drop := &dropFirstResponse{next: hc.Transport, match: func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/messages")
	}}
	hc.Transport = drop
	st.HTTPClient = &hc
	alice, err := cometchat.Init(st, cometchat.WithRetryPolicy(cometchat.RetryPolicy{MaxAttempts: 3, BaseDelay: 1}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = alice.Close() })
	_, err = alice.Login(t.Context(), "alice", srv.AuthKey())
	require.NoError(t, err)

	m, err := alice.SendText(t.Context(), "bob", cometchat.ReceiverTypeUser, "exactly once")
	require.NoError(t, err)
	require.True(t, drop.dropped.Load(), "the first answer was lost")

	bob := srv.Login(t, "bob")
	req, err := cometchat.NewMessagesRequestBuilder().SetUID("alice").Build(bob)
	require.NoError(t, err)
	msgs, err := req.FetchPrevious(t.Context())
	require.NoError(t, err)
	require.Len(t, msgs, 1, "one message, not two")
	assert.Equal(t, m.ID(), msgs[0].ID())
	assert.Equal(t, m.MUID(), msgs[0].MUID())
}

// Rights and limits are refused with the service's codes.
func TestRightsAndLimitsCodes(t *testing.T) {
	w := newChatWorld(t)
	ctx := t.Context()
	srv := w.srv
	srv.CreateUser(t, "dave", "Dave")
	dave := srv.Login(t, "dave")

	_, err := dave.SendText(ctx, "team", cometchat.ReceiverTypeGroup, "let me in")
	assert.True(t, errors.Is(err, cometchat.ErrGroupNotJoined), "%v", err)
	_, err = w.alice.SendText(ctx, "nobody", cometchat.ReceiverTypeUser, "hi")
	assert.True(t, errors.Is(err, cometchat.ErrUIDNotFound), "%v", err)

	_, err = w.carol.BlockUsers(ctx, "dave")
	require.NoError(t, err)
	_, err = dave.SendText(ctx, "carol", cometchat.ReceiverTypeUser, "hi")
	assert.True(t, errors.Is(err, cometchat.ErrBlockedSender), "%v", err)
	_, err = w.carol.SendText(ctx, "dave", cometchat.ReceiverTypeUser, "hi")
	assert.True(t, errors.Is(err, cometchat.ErrBlockedReceiver), "%v", err)

	m, err := w.bob.SendText(ctx, "team", cometchat.ReceiverTypeGroup, "typo")
	require.NoError(t, err)
	edit := cometchat.NewTextMessage("team", cometchat.ReceiverTypeGroup, "hijacked")
	edited, _ := cometchat.UnmarshalMessage(mustMarshal(t, m))
	edited.(*cometchat.TextMessage).Text = "hijacked"
	_, err = w.carol.EditMessage(ctx, edited)
	assert.True(t, errors.Is(err, cometchat.ErrMessageNotASender), "only the sender edits: %v", err)
	_, err = w.carol.EditMessage(ctx, edit)
	assert.True(t, errors.Is(err, cometchat.ErrInvalidValue), "an unsent message has no id: %v", err)
	_, err = w.carol.DeleteMessage(ctx, m.ID())
	assert.True(t, errors.Is(err, cometchat.ErrMessageNotASender), "a participant deletes only its own: %v", err)
	_, err = w.carol.PinMessage(ctx, m.ID())
	assert.True(t, errors.Is(err, cometchat.ErrActionNotAllowed), "%v", err)
	deleted, err := w.alice.DeleteMessage(ctx, m.ID())
	require.NoError(t, err, "the group admin deletes any message")
	assert.Equal(t, "alice", deleted.Base().DeletedBy)
	assert.True(t, deleted.Base().IsDeleted())

	reply := cometchat.NewTextMessage("bob", cometchat.ReceiverTypeUser, "r")
	p, err := w.alice.SendText(ctx, "bob", cometchat.ReceiverTypeUser, "p")
	require.NoError(t, err)
	reply.ParentMessageID = p.ID()
	r1, err := w.alice.SendMessage(ctx, reply)
	require.NoError(t, err)
	nested := cometchat.NewTextMessage("bob", cometchat.ReceiverTypeUser, "n")
	nested.ParentMessageID = r1.ID()
	_, err = w.alice.SendMessage(ctx, nested)
	assert.True(t, errors.Is(err, cometchat.ErrMessageThreadNesting), "%v", err)

	_, err = w.alice.AddReaction(ctx, p.ID(), strings.Repeat("x", 46))
	assert.True(t, errors.Is(err, cometchat.ErrInvalidValue), "checked locally: %v", err)
	_, err = w.alice.GetConversation(ctx, "dave", cometchat.ReceiverTypeUser)
	assert.True(t, errors.Is(err, cometchat.ErrConversationNotAccessible), "%v", err)
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func TestEditGetReceiptsAndThreads(t *testing.T) {
	w := newChatWorld(t)
	ctx := t.Context()
	m, err := w.alice.SendText(ctx, "bob", cometchat.ReceiverTypeUser, "helo")
	require.NoError(t, err)
	m.Text = "hello"
	m.Metadata = map[string]any{"fixed": true}
	out, err := w.alice.EditMessage(ctx, m)
	require.NoError(t, err)
	assert.Equal(t, "hello", out.(*cometchat.TextMessage).Text)
	assert.True(t, out.Base().IsEdited())
	assert.Equal(t, "alice", out.Base().EditedBy)

	got, err := w.bob.GetMessage(ctx, m.ID())
	require.NoError(t, err)
	assert.Equal(t, "hello", got.(*cometchat.TextMessage).Text)
	assert.Equal(t, "Alice", got.Sender().Name)

	require.NoError(t, w.bob.MarkConversationAsRead(ctx, "alice", cometchat.ReceiverTypeUser))
	receipts, err := w.alice.GetMessageReceipts(ctx, m.ID())
	require.NoError(t, err)
	require.Len(t, receipts, 1)
	assert.Equal(t, "bob", receipts[0].Sender.UID)
	assert.Equal(t, cometchat.ReceiptTypeRead, receipts[0].ReceiptType)
	assert.NotZero(t, receipts[0].ReadAt)

	require.NoError(t, w.bob.SubscribeToThread(ctx, m.ID()))
	sub, err := w.bob.GetMessage(ctx, m.ID())
	require.NoError(t, err)
	assert.True(t, sub.Base().ThreadSubscribed)
	require.NoError(t, w.bob.UnsubscribeFromThread(ctx, m.ID()))

	saved, err := w.bob.SaveMessage(ctx, m.ID())
	require.NoError(t, err)
	assert.NotZero(t, saved.Base().SavedAt)
	savedList, err := cometchat.NewMessagesRequestBuilder().SetSaved(true).Build(w.bob)
	require.NoError(t, err)
	assert.Len(t, walk(t, savedList.All(ctx, cometchat.Previous)), 1)
	pinned, err := w.alice.PinMessage(ctx, m.ID())
	require.NoError(t, err)
	assert.Equal(t, "alice", pinned.Base().PinnedBy)
	pins, err := cometchat.NewMessagesRequestBuilder().SetUID("alice").SetPinned(true).Build(w.bob)
	require.NoError(t, err)
	assert.Len(t, walk(t, pins.All(ctx, cometchat.Previous)), 1)
	_, err = w.alice.UnpinMessage(ctx, m.ID())
	require.NoError(t, err)
}

func TestInteractiveMessages(t *testing.T) {
	w := newChatWorld(t)
	ctx := t.Context()
	form := cometchat.NewInteractiveMessage("bob", cometchat.ReceiverTypeUser, "form", map[string]any{"title": "Lunch?"})
	form.InteractionGoal = &cometchat.InteractionGoal{Type: cometchat.GoalAnyOf, ElementIDs: []string{"yes", "no"}}
	sent, err := w.alice.SendMessage(ctx, form)
	require.NoError(t, err)
	im := sent.(*cometchat.InteractiveMessage)
	assert.Equal(t, "Lunch?", im.InteractiveData["title"])
	require.NoError(t, w.bob.MarkAsInteracted(ctx, sent.ID(), "yes"))
	done, err := cometchat.NewMessagesRequestBuilder().SetUID("alice").SetInteractionGoalCompletedOnly(true).Build(w.bob)
	require.NoError(t, err)
	got := walk(t, done.All(ctx, cometchat.Previous))
	assert.Equal(t, []cometchat.MessageID{sent.ID()}, got)
}

func TestReactions(t *testing.T) {
	w := newChatWorld(t)
	ctx := t.Context()
	m, err := w.alice.SendText(ctx, "team", cometchat.ReceiverTypeGroup, "vote")
	require.NoError(t, err)
	for _, c := range []*cometchat.Client{w.alice, w.bob, w.carol} {
		_, err := c.AddReaction(ctx, m.ID(), "👍")
		require.NoError(t, err)
	}
	out, err := w.bob.AddReaction(ctx, m.ID(), "🎉")
	require.NoError(t, err)
	assert.Equal(t, []cometchat.ReactionCount{{Reaction: "👍", Count: 3, ReactedByMe: true}, {Reaction: "🎉", Count: 1, ReactedByMe: true}},
		out.Base().Reactions)
	out, err = w.bob.RemoveReaction(ctx, m.ID(), "👍")
	require.NoError(t, err)
	assert.Equal(t, cometchat.ReactionCount{Reaction: "👍", Count: 2}, out.Base().Reactions[0])

	req, err := cometchat.NewReactionsRequestBuilder().SetMessageID(m.ID()).SetLimit(2).Build(w.carol)
	require.NoError(t, err)
	var who []string
	for r, err := range req.All(ctx, cometchat.Next) {
		require.NoError(t, err)
		who = append(who, r.UID+r.Reaction)
		assert.Equal(t, m.ID(), r.MessageID)
		require.NotNil(t, r.ReactedBy)
	}
	assert.Equal(t, []string{"alice👍", "carol👍", "bob🎉"}, who)
	back, err := cometchat.NewReactionsRequestBuilder().SetMessageID(m.ID()).SetLimit(2).Build(w.carol)
	require.NoError(t, err)
	page, err := back.FetchPrevious(ctx)
	require.NoError(t, err)
	assert.Len(t, page, 2, "the newest two")
	page, err = back.FetchPrevious(ctx)
	require.NoError(t, err)
	assert.Len(t, page, 1)
	one, err := cometchat.NewReactionsRequestBuilder().SetMessageID(m.ID()).SetReaction("🎉").Build(w.carol)
	require.NoError(t, err)
	first, err := one.FetchNext(ctx)
	require.NoError(t, err)
	assert.Len(t, first, 1)
}

func TestConversationsAndUnreadCounts(t *testing.T) {
	w := newChatWorld(t)
	ctx := t.Context()
	sendTexts(t, w.alice, "bob", cometchat.ReceiverTypeUser, 3, "hi")
	sendTexts(t, w.carol, "bob", cometchat.ReceiverTypeUser, 2, "yo")
	sendTexts(t, w.alice, "team", cometchat.ReceiverTypeGroup, 4, "all")

	counts, err := w.bob.GetUnreadMessageCount(ctx, false)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"alice": 3, "carol": 2}, counts.Users)
	assert.Equal(t, map[string]int{"team": 4}, counts.Groups)
	users, err := w.bob.GetUnreadMessageCountForAllUsers(ctx, false)
	require.NoError(t, err)
	assert.Equal(t, counts.Users, users)
	groups, err := w.bob.GetUnreadMessageCountForAllGroups(ctx, false)
	require.NoError(t, err)
	assert.Equal(t, counts.Groups, groups)
	n, err := w.bob.GetUnreadMessageCountForUser(ctx, "Carol", false)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	n, err = w.bob.GetUnreadMessageCountForGroup(ctx, "team", false)
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	_, err = w.bob.BlockUsers(ctx, "carol")
	require.NoError(t, err)
	hidden, err := w.bob.GetUnreadMessageCount(ctx, true)
	require.NoError(t, err)
	assert.NotContains(t, hidden.Users, "carol", "messages from blocked users can be left out")

	req, err := cometchat.NewConversationsRequestBuilder().SetLimit(2).IncludeBlockedUsers(true).Build(w.bob)
	require.NoError(t, err)
	var convs []*cometchat.Conversation
	for c, err := range req.All(ctx) {
		require.NoError(t, err)
		convs = append(convs, c)
	}
	require.Len(t, convs, 3)
	assert.Equal(t, "group_team", convs[0].ConversationID, "newest first")
	assert.Equal(t, "team", convs[0].Group.GUID)
	assert.Equal(t, 4, convs[0].UnreadMessageCount)
	assert.Equal(t, "all 3", convs[0].LastMessage.(*cometchat.TextMessage).Text)
	assert.Equal(t, "carol", convs[1].User.UID)

	withoutBlocked, err := cometchat.NewConversationsRequestBuilder().Build(w.bob)
	require.NoError(t, err)
	page, err := withoutBlocked.FetchNext(ctx)
	require.NoError(t, err)
	assert.Len(t, page, 2, "conversations with blocked users are hidden by default")
	onlyGroups, err := cometchat.NewConversationsRequestBuilder().SetConversationType(cometchat.ReceiverTypeGroup).Build(w.bob)
	require.NoError(t, err)
	page, err = onlyGroups.FetchNext(ctx)
	require.NoError(t, err)
	assert.Len(t, page, 1)

	require.NoError(t, w.bob.MarkConversationAsRead(ctx, "team", cometchat.ReceiverTypeGroup))
	conv, err := w.bob.GetConversation(ctx, "team", cometchat.ReceiverTypeGroup)
	require.NoError(t, err)
	assert.Equal(t, 0, conv.UnreadMessageCount)
	assert.Equal(t, conv.LatestMessageID, conv.LastReadMessageID)

	unread, err := w.bob.MarkMessageAsUnread(ctx, conv.LastMessage)
	require.NoError(t, err)
	assert.Equal(t, 1, unread.UnreadMessageCount)

	tagged, err := w.bob.TagConversation(ctx, "alice", cometchat.ReceiverTypeUser, []string{"work"})
	require.NoError(t, err)
	assert.Equal(t, []string{"work"}, tagged.Tags)
	byTag, err := cometchat.NewConversationsRequestBuilder().SetTags("work").Build(w.bob)
	require.NoError(t, err)
	page, err = byTag.FetchNext(ctx)
	require.NoError(t, err)
	require.Len(t, page, 1)
	assert.Equal(t, "alice", page[0].With())

	pinned, err := w.bob.PinConversation(ctx, "alice", cometchat.ReceiverTypeUser)
	require.NoError(t, err)
	assert.True(t, pinned.IsPinned())
	assert.False(t, pinned.IsSystemPinned())

	require.NoError(t, w.bob.MarkConversationDeliveredUpTo(ctx, "alice", cometchat.ReceiverTypeUser, conv.LatestMessageID))
	require.NoError(t, w.bob.DeleteConversation(ctx, "alice", cometchat.ReceiverTypeUser))
	_, err = w.bob.GetConversation(ctx, "alice", cometchat.ReceiverTypeUser)
	assert.True(t, errors.Is(err, cometchat.ErrConversationNotAccessible), "deleted for bob: %v", err)
	_, err = w.alice.GetConversation(ctx, "bob", cometchat.ReceiverTypeUser)
	assert.NoError(t, err, "still there for alice")
}

func TestUploadAttachmentAndSend(t *testing.T) {
	w := newChatWorld(t)
	ctx := t.Context()
	content := strings.Repeat("0123456789", 10_000)
	var calls, last atomic.Int64
	att, err := w.alice.UploadAttachment(ctx, "bob", cometchat.ReceiverTypeUser, cometchat.UploadFile{
		Name: "notes.txt", MimeType: "text/plain", Size: int64(len(content)), Content: strings.NewReader(content),
	}, func(sent, total int64) {
		calls.Add(1)
		last.Store(sent)
		assert.Equal(t, int64(len(content)), total)
	})
	require.NoError(t, err)
	assert.Positive(t, calls.Load())
	assert.Equal(t, int64(len(content)), last.Load(), "progress reaches the total")
	assert.Equal(t, "notes.txt", att.Name)
	assert.Equal(t, int64(len(content)), att.Size)

	resp, err := w.srv.HTTPClient().Get(att.URL)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	require.NoError(t, err)
	assert.Equal(t, content, string(body), "the bytes are served at the attachment URL")

	msg := cometchat.NewMediaMessage("bob", cometchat.ReceiverTypeUser, cometchat.MessageTypeFile, "")
	msg.Attachments = []cometchat.Attachment{att}
	msg.Caption = "notes"
	sent, err := w.alice.SendMessage(ctx, msg)
	require.NoError(t, err)
	media := sent.(*cometchat.MediaMessage)
	assert.Equal(t, "notes", media.Caption)
	require.Len(t, media.Attachments, 1)
	assert.Equal(t, att.URL, media.Attachments[0].URL)

	_, err = w.alice.UploadAttachment(ctx, "bob", cometchat.ReceiverTypeUser, cometchat.UploadFile{Name: "big", Size: cometchat.MaxUploadBytes + 1, Content: strings.NewReader("")}, nil)
	assert.True(t, errors.Is(err, cometchat.ErrFileSizeExceeded))
}

// What the emulator answers decodes into the typed messages with no field lost: encoding a decoded
// message gives back the emulator's JSON.
func TestEmulatorMessagesDecodeLosslessly(t *testing.T) {
	w := newChatWorld(t)
	ctx := t.Context()
	text, err := w.alice.SendText(ctx, "bob", cometchat.ReceiverTypeUser, "hi "+cometchat.Mention("bob"))
	require.NoError(t, err)
	_, err = w.bob.AddReaction(ctx, text.ID(), "👍")
	require.NoError(t, err)
	img := cometchat.NewMediaMessage("bob", cometchat.ReceiverTypeUser, cometchat.MessageTypeImage, "https://x/cat.png")
	img.Caption = "cat"
	_, err = w.alice.SendMessage(ctx, img)
	require.NoError(t, err)
	_, err = w.alice.SendMessage(ctx, cometchat.NewCustomMessage("bob", cometchat.ReceiverTypeUser, "poll", map[string]any{"q": "?"}))
	require.NoError(t, err)
	form := cometchat.NewInteractiveMessage("bob", cometchat.ReceiverTypeUser, "form", map[string]any{"f": 1})
	form.InteractionGoal = &cometchat.InteractionGoal{Type: cometchat.GoalAnyAction, ElementIDs: []string{}}
	_, err = w.alice.SendMessage(ctx, form)
	require.NoError(t, err)
	text.Text = "edited"
	_, err = w.alice.EditMessage(ctx, text)
	require.NoError(t, err)
	_, err = w.alice.SendText(ctx, "team", cometchat.ReceiverTypeGroup, "group")
	require.NoError(t, err)

	for _, scope := range []*cometchat.MessagesRequestBuilder{
		cometchat.NewMessagesRequestBuilder().SetUID("alice"), cometchat.NewMessagesRequestBuilder().SetGUID("team"),
	} {
		req, err := scope.Build(w.bob)
		require.NoError(t, err)
		kinds := map[string]bool{}
		for m, err := range req.All(ctx, cometchat.Previous) {
			require.NoError(t, err)
			kinds[fmt.Sprintf("%T", m)] = true
			enc, err := json.Marshal(m)
			require.NoError(t, err)
			assert.JSONEq(t, strings.ReplaceAll(string(m.Raw()), `"available"`, `"online"`),
				strings.ReplaceAll(string(enc), `"available"`, `"online"`), "message %d", m.ID())
		}
		assert.NotEmpty(t, kinds)
	}
}
