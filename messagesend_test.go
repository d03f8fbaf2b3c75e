package cometchat

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sentMessage answers a send with a minimal stored message.
const sentMessage = `{"data":{"id":"1","sender":"alice","receiver":"bob","receiverType":"user","category":"message","type":"text","data":{"text":"hello"},"sentAt":1}}`

// messagingFake is a fake service with alice logged in and POST messages answered.
func messagingFake(t *testing.T) (*fakeService, *Client) {
	t.Helper()
	f, c := loginFake(t)
	f.reply("POST /v3.0/messages", 200, sentMessage)
	f.reply("POST /v3.0/messages/7/thread", 200, sentMessage)
	_, err := c.Login(context.Background(), "alice", testAuthKey)
	require.NoError(t, err)
	return f, c
}

// lastBody returns the body of the last request.
func lastBody(t *testing.T, f *fakeService) (recorded, string) {
	t.Helper()
	reqs := f.recorded()
	require.NotEmpty(t, reqs)
	r := reqs[len(reqs)-1]
	return r, string(r.Body)
}

// Every sendable category encodes to the exact body of client-protocol.md §5.4, keys in the
// official SDK's order.
func TestSendBodiesAreExact(t *testing.T) {
	text := NewTextMessage("bob", ReceiverTypeUser, "hello")
	text.Metadata = map[string]any{"k": "v"}
	text.Tags = []string{"t1"}
	text.SetMUID("m-1")

	custom := NewCustomMessage("grp1", ReceiverTypeGroup, "poll", map[string]any{"q": 1})
	custom.ConversationText, custom.SubType = "A poll", "s"
	yes, no := true, false
	custom.UpdateConversation, custom.SendNotification = &yes, &no
	custom.Metadata = map[string]any{"k": "v"}
	custom.SetMUID("m-2")

	byURL := NewMediaMessage("bob", ReceiverTypeUser, MessageTypeImage, "https://x/cat.png")
	byURL.Caption = "cap"
	byURL.SetMUID("m-3")

	files := NewMediaMessage("bob", ReceiverTypeUser, MessageTypeFile, "")
	files.Attachments = []Attachment{{Extension: "pdf", MimeType: "application/pdf", Name: "a.pdf", URL: "https://x/a.pdf", Size: 10}}
	files.SetMUID("m-4")

	interactive := NewInteractiveMessage("bob", ReceiverTypeUser, "form", map[string]any{"title": "T"})
	interactive.InteractionGoal = &InteractionGoal{Type: GoalAnyOf, ElementIDs: []string{"a"}}
	interactive.SetMUID("m-5")

	reply := NewTextMessage("Bob", ReceiverTypeUser, "in thread <@uid:carol>")
	reply.ParentMessageID, reply.QuotedMessageID = 7, 5
	reply.SetMUID("m-6")

	cases := []struct {
		msg  Message
		path string
		want string
	}{
		{text, "/v3.0/messages", `{"type":"text","receiverType":"user","category":"message","data":{"text":"hello","metadata":{"k":"v"}},"text":"hello","metadata":{"k":"v"},"tags":["t1"],"muid":"m-1","receiver":"bob"}`},
		{custom, "/v3.0/messages", `{"type":"poll","receiverType":"group","category":"custom","customData":{"q":1},"data":{"customData":{"q":1},"text":"A poll","subType":"s","updateConversation":true,"sendNotification":false,"metadata":{"k":"v"}},"muid":"m-2","receiver":"grp1"}`},
		{byURL, "/v3.0/messages", `{"type":"image","receiverType":"user","category":"message","data":{"url":"https://x/cat.png","text":"cap"},"muid":"m-3","receiver":"bob"}`},
		{files, "/v3.0/messages", `{"type":"file","receiverType":"user","category":"message","data":{"attachments":[{"extension":"pdf","mimeType":"application/pdf","name":"a.pdf","url":"https://x/a.pdf","size":10}]},"muid":"m-4","receiver":"bob"}`},
		{interactive, "/v3.0/messages", `{"type":"form","receiverType":"user","category":"interactive","data":{"interactiveData":{"title":"T"},"interactionGoal":{"type":"anyOf","elementIds":["a"]},"allowSenderInteraction":false},"muid":"m-5","receiver":"bob"}`},
		{reply, "/v3.0/messages/7/thread", `{"type":"text","receiverType":"user","category":"message","data":{"text":"in thread <@uid:carol>"},"text":"in thread <@uid:carol>","muid":"m-6","parentMessageId":"7","quotedMessageId":"5","receiver":"bob"}`},
	}
	f, c := messagingFake(t)
	for _, tc := range cases {
		_, err := c.SendMessage(context.Background(), tc.msg)
		require.NoError(t, err)
		r, body := lastBody(t, f)
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Equal(t, tc.path, r.Path)
		assert.Equal(t, tc.want, body)
	}
}

func TestSendSetsAMUID(t *testing.T) {
	f, c := messagingFake(t)
	m := NewTextMessage("bob", ReceiverTypeUser, "hi")
	_, err := c.SendMessage(context.Background(), m)
	require.NoError(t, err)
	require.Len(t, m.MUID(), 36, "a UUID is set and written back")
	_, body := lastBody(t, f)
	var sent map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &sent))
	assert.Equal(t, m.MUID(), sent["muid"])
}

// The size limit applies to the bytes sent, which are not HTML-escaped: a text of '<' that fits
// is sent as written rather than counted as "\u003c" (six characters each) and refused.
func TestSendSizeLimitCountsTheBytesSent(t *testing.T) {
	f, c := messagingFake(t)
	text := strings.Repeat("<", MaxMessageChars/2-200) // the text is sent twice (text and data.text)
	_, err := c.SendMessage(context.Background(), NewTextMessage("bob", ReceiverTypeUser, text))
	require.NoError(t, err)
	_, body := lastBody(t, f)
	assert.Contains(t, body, `"text":"`+text+`"`)
	assert.LessOrEqual(t, len(body), MaxMessageChars)
}

// An edit is the send body with the message id first (PUT messages/{id}).
func TestEditBodyStartsWithID(t *testing.T) {
	f, c := messagingFake(t)
	f.reply("PUT /v3.0/messages/42", 200, `{"data":{"id":"42","sender":"alice","receiver":"bob","receiverType":"user","category":"message","type":"text","data":{"text":"new"},"sentAt":1,"editedAt":2}}`)
	m := NewTextMessage("bob", ReceiverTypeUser, "new")
	m.id = 42
	m.SetMUID("m-7")
	out, err := c.EditMessage(context.Background(), m)
	require.NoError(t, err)
	assert.Equal(t, MessageID(42), out.ID())
	r, body := lastBody(t, f)
	assert.Equal(t, http.MethodPut, r.Method)
	assert.Equal(t, `{"id":"42","type":"text","receiverType":"user","category":"message","data":{"text":"new"},"text":"new","muid":"m-7","receiver":"bob"}`, body)
}

// Bad input fails locally: nothing reaches the service.
func TestSendValidatesLocally(t *testing.T) {
	manyMentions := ""
	for i := range 11 {
		manyMentions += Mention("u"+string(rune('a'+i))) + " "
	}
	bigMeta := NewTextMessage("bob", ReceiverTypeUser, "x")
	bigMeta.Metadata = map[string]any{"blob": strings.Repeat("y", MaxMessageChars)}
	tooManyTags := NewTextMessage("bob", ReceiverTypeUser, "x")
	tooManyTags.Tags = make([]string, MaxTags+1)
	for i := range tooManyTags.Tags {
		tooManyTags.Tags[i] = "t"
	}
	cases := []struct {
		name string
		msg  Message
		want *Error
	}{
		{"nil", nil, ErrMissingParameters},
		{"no receiver", NewTextMessage("", ReceiverTypeUser, "x"), ErrEmptyReceiver},
		{"bad uid", NewTextMessage("bob smith", ReceiverTypeUser, "x"), ErrInvalidUID},
		{"bad guid", NewTextMessage("g/1", ReceiverTypeGroup, "x"), ErrInvalidGUID},
		{"unknown receiver type", NewTextMessage("bob", "chat", "x"), ErrInvalidReceiverType},
		{"empty text", NewTextMessage("bob", ReceiverTypeUser, " \n"), ErrEmptyMessageText},
		{"too many mentions", NewTextMessage("bob", ReceiverTypeUser, manyMentions), ErrInvalidValue},
		{"oversized", NewTextMessage("bob", ReceiverTypeUser, strings.Repeat("é", MaxMessageChars)), ErrMessageTooLarge},
		{"oversized metadata", bigMeta, ErrMessageTooLarge},
		{"too many tags", tooManyTags, ErrInvalidValue},
		{"media without file", NewMediaMessage("bob", ReceiverTypeUser, MessageTypeImage, ""), ErrInvalidMessage},
		{"bad media type", NewMediaMessage("bob", ReceiverTypeUser, "gif", "https://x"), ErrInvalidValue},
		{"custom without data", NewCustomMessage("bob", ReceiverTypeUser, "poll", nil), ErrInvalidMessage},
		{"interactive bad goal", func() Message {
			m := NewInteractiveMessage("bob", ReceiverTypeUser, "form", map[string]any{})
			m.InteractionGoal = &InteractionGoal{Type: "some"}
			return m
		}(), ErrInvalidValue},
		{"action", &ActionMessage{}, ErrInvalidMessage},
	}
	f, c := messagingFake(t)
	before := len(f.recorded())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.SendMessage(context.Background(), tc.msg)
			require.Error(t, err)
			assert.True(t, errors.Is(err, tc.want), "%v is not %v", err, tc.want)
			var e *Error
			require.True(t, errors.As(err, &e))
			assert.True(t, e.Local)
		})
	}
	assert.Len(t, f.recorded(), before, "no request was sent")
}

func TestMessagesRequestBuilderValidatesLocally(t *testing.T) {
	f, c := messagingFake(t)
	before := len(f.recorded())
	cases := []struct {
		name string
		b    *MessagesRequestBuilder
		want *Error
	}{
		{"limit over 100", NewMessagesRequestBuilder().SetLimit(101), ErrLimitExceeded},
		{"uid and guid", NewMessagesRequestBuilder().SetUID("a").SetGUID("g"), ErrInvalidValue},
		{"bad uid", NewMessagesRequestBuilder().SetUID("a b"), ErrInvalidUID},
		{"pinned without conversation", NewMessagesRequestBuilder().SetPinned(true), ErrMissingParameters},
		{"saved with a conversation", NewMessagesRequestBuilder().SetSaved(true).SetUID("bob"), ErrInvalidValue},
		{"updates only without time", NewMessagesRequestBuilder().UpdatesOnly(true), ErrMissingParameters},
		{"bad attachment type", NewMessagesRequestBuilder().SetAttachmentTypes("gif"), ErrInvalidValue},
		{"bad mentioned uid", NewMessagesRequestBuilder().SetMentionedUIDs("x y"), ErrInvalidUID},
	}
	for _, tc := range cases {
		_, err := tc.b.Build(c)
		assert.True(t, errors.Is(err, tc.want), "%s: %v", tc.name, err)
	}
	req, err := NewMessagesRequestBuilder().SetUID("bob").Build(c)
	require.NoError(t, err)
	_, err = req.FetchNext(context.Background())
	assert.True(t, errors.Is(err, ErrNotEnoughParameters), "FetchNext needs a starting point: %v", err)
	_, err = NewReactionsRequestBuilder().SetMessageID(1).SetLimit(21).Build(c)
	assert.True(t, errors.Is(err, ErrLimitExceeded))
	_, err = NewConversationsRequestBuilder().SetLimit(51).Build(c)
	assert.True(t, errors.Is(err, ErrLimitExceeded))
	_, err = NewConversationsRequestBuilder().SetConversationType("chat").Build(c)
	assert.True(t, errors.Is(err, ErrInvalidValue))
	assert.Len(t, f.recorded(), before, "no request was sent")
}

// The query of a list carries every filter with the official encodings (flags as 1, hideReplies as
// true, lists comma-joined).
func TestMessagesRequestQuery(t *testing.T) {
	f, c := messagingFake(t)
	f.reply("GET /v3.0/groups/team/messages", 200, `{"data":[],"meta":{"pagination":{"total":0,"count":0,"per_page":50,"current_page":1,"total_pages":1}}}`)
	req, err := NewMessagesRequestBuilder().SetGUID("Team").SetLimit(50).SetMessageID(99).SetUnread(true).
		HideMessagesFromBlockedUsers(true).SetSearchKeyword("lunch").SetCategories(CategoryMessage).SetCategory(CategoryCustom).
		SetTypes("text").HideReplies(true).HideDeletedMessages(true).HideQuotedMessages(true).SetTags("a", "b").WithTags(true).
		HasAttachments(true).HasLinks(true).HasMentions(true).HasReactions(true).SetAttachmentTypes("image", "file").
		SetMentionedUIDs("Bob").MentionsWithTagInfo(true).MentionsWithBlockedInfo(true).SetInteractionGoalCompletedOnly(true).
		Build(c)
	require.NoError(t, err)
	_, err = req.FetchPrevious(context.Background())
	require.NoError(t, err)
	r, _ := lastBody(t, f)
	want := "affix=prepend&attachmentTypes=image%2Cfile&categories=message%2Ccustom&hasAttachments=1&hasLinks=1&hasMentions=1" +
		"&hasReactions=1&hideDeleted=1&hideMessagesFromBlockedUsers=1&hideQuotedMessages=1&hideReplies=true&id=99" +
		"&mentionedUids=bob&mentionsWithBlockedInfo=1&mentionsWithTagInfo=1&onlyInteractionGoalCompleted=1&per_page=50" +
		"&searchKey=lunch&tags=a%2Cb&types=text&unread=1&withTags=1&withThreadSubscribed=true"
	assert.Equal(t, want, r.Query)
	assert.False(t, req.HasMore(Previous), "an empty page ends the list")
}

// The server API's meta.current / meta.next shape drives the cursor too.
func TestMessagesRequestFollowsMetaNext(t *testing.T) {
	f, c := messagingFake(t)
	page := func(id string, next string) string {
		n := ""
		if next != "" {
			n = `,"next":{"affix":"append","sentAt":1717000600,"id":"` + next + `"}`
		}
		return `{"data":[{"id":"` + id + `","sender":"bob","receiver":"alice","receiverType":"user","category":"message","type":"text","data":{"text":"x"},"sentAt":1717000600}],"meta":{"current":{"limit":1,"count":1}` + n + `}}`
	}
	calls := 0
	f.handle("GET /v3.0/users/bob/messages", func(w http.ResponseWriter, r *http.Request, _ []byte) {
		calls++
		switch r.URL.Query().Get("id") {
		case "100":
			_, _ = w.Write([]byte(page("101", "101")))
		case "101":
			_, _ = w.Write([]byte(page("102", "")))
		default:
			_, _ = w.Write([]byte(`{"data":[]}`))
		}
	})
	req, err := NewMessagesRequestBuilder().SetUID("bob").SetMessageID(100).SetLimit(1).Build(c)
	require.NoError(t, err)
	var got []MessageID
	for m, err := range req.All(context.Background(), Next) {
		require.NoError(t, err)
		got = append(got, m.ID())
	}
	assert.Equal(t, []MessageID{101, 102}, got)
	assert.Equal(t, 2, calls, "no meta.next means the end")
}
