package cometchat

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// threadItem is a thread list item as the emulator sends it: the parent message plus lastReply and
// unreadReplyCount.
func threadItem(parent, reply string, sentAt int) string {
	return `{"id":"` + parent + `","conversationId":"group_team","sender":"alice","receiver":"team","receiverType":"group",
		"category":"message","type":"text","data":{"text":"topic ` + parent + `"},"sentAt":100,"updatedAt":100,
		"replyCount":"3","unreadRepliesCount":2,"threadSubscribed":true,"unreadReplyCount":"2",
		"lastReply":{"id":"` + reply + `","parentId":"` + parent + `","conversationId":"group_team","sender":"bob",
		"receiver":"team","receiverType":"group","category":"message","type":"text","data":{"text":"re"},
		"sentAt":` + strconv.Itoa(sentAt) + `}}`
}

func TestThreadsRequestWireAndCursor(t *testing.T) {
	f, c, sent := loggedInFake(t)
	calls := 0
	f.handle("GET /v3.0/groups/team/threads", func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		calls++
		w.Header().Set("Content-Type", "application/json")
		if calls == 1 {
			_, _ = w.Write([]byte(`{"data":[` + threadItem("10", "31", 300) + `,` + threadItem("5", "30", 290) + `],
				"meta":{"pagination":{"total":3,"count":2,"per_page":2,"current_page":1,"total_pages":2},
				"hasMore":true,"cursor":{"updatedAt":290,"id":30,"affix":"prepend"}}}`))
			return
		}
		_, _ = w.Write([]byte(`{"data":[` + threadItem("2", "20", 200) + `],"meta":{"hasMore":false}}`))
	})
	req, err := NewThreadsRequestBuilder().SetGUID("Team").SetLimit(2).Build(c)
	require.NoError(t, err)
	assert.True(t, req.HasMore(), "before the first page")

	page, err := req.FetchNext(context.Background())
	require.NoError(t, err)
	require.Len(t, page, 2)
	th := page[0]
	assert.Equal(t, MessageID(10), th.ParentMessageID)
	require.IsType(t, &TextMessage{}, th.ParentMessage)
	assert.Equal(t, "topic 10", th.ParentMessage.(*TextMessage).Text)
	assert.Equal(t, 3, th.ReplyCount)
	require.NotNil(t, th.LastReply)
	assert.Equal(t, MessageID(31), th.LastReply.ID())
	assert.Equal(t, MessageID(10), th.LastReply.Base().ParentMessageID)
	assert.Equal(t, UnixTime(300), th.UpdatedAt, "the last activity is the newest reply")
	assert.Equal(t, "group_team", th.ConversationID)
	assert.Equal(t, ReceiverTypeGroup, th.ReceiverType)
	assert.Equal(t, "team", th.ReceiverID)
	assert.True(t, th.Subscribed)
	assert.Equal(t, 2, th.UnreadReplyCount)
	assert.Equal(t, 2, th.ParentMessage.Base().UnreadRepliesCount)
	assert.True(t, req.HasMore())

	page, err = req.FetchNext(context.Background())
	require.NoError(t, err)
	require.Len(t, page, 1, "a short page; hasMore:false ends the list, not its size")
	assert.False(t, req.HasMore())
	page, err = req.FetchNext(context.Background())
	require.NoError(t, err)
	assert.Empty(t, page, "no request after the end")

	reqs := sent()
	require.Len(t, reqs, 2)
	q1, err := url.ParseQuery(reqs[0].Query)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"participatedByMe": {"true"}, "limit": {"2"}, "affix": {"prepend"}}, q1)
	q2, err := url.ParseQuery(reqs[1].Query)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"participatedByMe": {"true"}, "limit": {"2"}, "affix": {"prepend"},
		"updatedAt": {"290"}, "id": {"30"}}, q2, "the cursor of the previous page")
}

func TestThreadsRequestPaths(t *testing.T) {
	f, c, sent := loggedInFake(t)
	empty := `{"data":[],"meta":{"hasMore":false}}`
	for _, p := range []string{"/v3.0/threads", "/v3.0/users/bob/threads", "/v3.0/groups/team/threads"} {
		f.reply("GET "+p, 200, empty)
	}
	for _, b := range []*ThreadsRequestBuilder{
		NewThreadsRequestBuilder().SetParticipatedByMe(false),
		NewThreadsRequestBuilder().SetUID("Bob"),
		NewThreadsRequestBuilder().SetGUID("team").SetLimit(MaxThreadsPageSize),
	} {
		req, err := b.Build(c)
		require.NoError(t, err)
		page, err := req.FetchNext(context.Background())
		require.NoError(t, err)
		assert.Empty(t, page)
		assert.False(t, req.HasMore(), "an empty page ends the list")
	}
	reqs := sent()
	require.Len(t, reqs, 3)
	assert.Equal(t, "/v3.0/threads", reqs[0].Path)
	assert.Contains(t, reqs[0].Query, "participatedByMe=false", "false is sent explicitly: the default is true")
	assert.Contains(t, reqs[0].Query, "limit=30", "the default page size")
	assert.Equal(t, "/v3.0/users/bob/threads", reqs[1].Path, "uids are lower-cased in paths")
	assert.Equal(t, "/v3.0/groups/team/threads", reqs[2].Path)
	assert.Contains(t, reqs[2].Query, "limit=1000")
}

func TestThreadsRequestBuilderValidatesLocally(t *testing.T) {
	_, c, sent := loggedInFake(t)
	for name, tc := range map[string]struct {
		b    *ThreadsRequestBuilder
		want *Error
	}{
		"uid and guid":  {NewThreadsRequestBuilder().SetUID("bob").SetGUID("team"), ErrInvalidValue},
		"limit too big": {NewThreadsRequestBuilder().SetLimit(MaxThreadsPageSize + 1), ErrLimitExceeded},
		"limit < 0":     {NewThreadsRequestBuilder().SetLimit(-1), ErrInvalidValue},
		"bad uid":       {NewThreadsRequestBuilder().SetUID("bob smith"), ErrInvalidUID},
		"bad guid":      {NewThreadsRequestBuilder().SetGUID("team/1"), ErrInvalidGUID},
	} {
		_, err := tc.b.Build(c)
		require.Error(t, err, name)
		assert.True(t, errors.Is(err, tc.want), "%s: %v", name, err)
		var e *Error
		require.True(t, errors.As(err, &e), name)
		assert.True(t, e.Local, name)
	}
	_, err := NewThreadsRequestBuilder().Build(nil)
	assert.ErrorIs(t, err, ErrMissingParameters)
	assert.Empty(t, sent(), "nothing was sent")
}

// The end of the list comes from the service: with neither hasMore nor a cursor the first page is
// the last whatever its size; hasMore without a cursor continues from the last thread; the server
// API's meta.next is read like meta.cursor.
func TestThreadsRequestEndOfList(t *testing.T) {
	f, c, sent := loggedInFake(t)
	pages := map[string][]string{
		"/v3.0/users/a/threads": {`{"data":[` + threadItem("1", "2", 50) + `]}`},
		"/v3.0/users/b/threads": {
			`{"data":[` + threadItem("1", "2", 50) + `],"meta":{"hasMore":"1"}}`,
			`{"data":[` + threadItem("3", "4", 40) + `],"meta":{"hasMore":0}}`,
		},
		"/v3.0/users/c/threads": {
			`{"data":[` + threadItem("1", "2", 50) + `],"meta":{"next":{"affix":"prepend","updatedAt":"50","id":"2"}}}`,
			`{"data":[]}`,
		},
	}
	for path, answers := range pages {
		n := 0
		f.handle("GET "+path, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
			_, _ = w.Write([]byte(answers[min(n, len(answers)-1)]))
			n++
		})
	}
	count := func(uid string) int {
		req, err := NewThreadsRequestBuilder().SetUID(uid).SetLimit(1).Build(c)
		require.NoError(t, err)
		total := 0
		for th, err := range req.All(context.Background()) {
			require.NoError(t, err)
			require.NotNil(t, th)
			total++
		}
		return total
	}
	assert.Equal(t, 1, count("a"), "a full page without hasMore or cursor is the last")
	assert.Equal(t, 2, count("b"))
	assert.Equal(t, 1, count("c"))
	var queries []string
	for _, r := range sent() {
		queries = append(queries, r.Path+"?"+r.Query)
	}
	assert.Equal(t, []string{
		"/v3.0/users/a/threads?affix=prepend&limit=1&participatedByMe=true",
		"/v3.0/users/b/threads?affix=prepend&limit=1&participatedByMe=true",
		"/v3.0/users/b/threads?affix=prepend&id=2&limit=1&participatedByMe=true&updatedAt=50",
		"/v3.0/users/c/threads?affix=prepend&limit=1&participatedByMe=true",
		"/v3.0/users/c/threads?affix=prepend&id=2&limit=1&participatedByMe=true&updatedAt=50",
	}, queries)
}

func TestThreadsRequestErrorKeepsThePosition(t *testing.T) {
	f, c, _ := loggedInFake(t)
	fail := true
	f.handle("GET /v3.0/threads", func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		if fail {
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"error":{"code":"ERR_GROUP_NOT_JOINED","message":"no"}}`))
			return
		}
		_, _ = w.Write([]byte(`{"data":[` + threadItem("1", "2", 50) + `],"meta":{"hasMore":false}}`))
	})
	req, err := NewThreadsRequestBuilder().Build(c)
	require.NoError(t, err)
	var got []*MessageThread
	for th, err := range req.All(context.Background()) {
		require.Nil(t, th)
		assert.ErrorIs(t, err, ErrGroupNotJoined)
	}
	assert.True(t, req.HasMore(), "a failed call does not end the list")
	fail = false
	for th, err := range req.All(context.Background()) {
		require.NoError(t, err)
		got = append(got, th)
	}
	require.Len(t, got, 1)
	assert.Equal(t, MessageID(1), got[0].ParentMessageID)
}
