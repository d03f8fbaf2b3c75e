package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/cometchat-go/cometchat/webhook"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// calls records which handler ran with what.
type calls struct {
	names []string
	msg   *webhook.MessageEvent
	act   *webhook.MessageActionEvent
	rec   *webhook.ReceiptEvent
	react *webhook.ReactionEvent
	block *webhook.BlockEvent
	conn  *webhook.ConnectionEvent
	group *webhook.GroupEvent
	call  *webhook.CallEvent
	other *webhook.Envelope
}

func newHandler(t *testing.T, c *calls, mutate ...func(*webhook.Config)) *webhook.Handler {
	t.Helper()
	rec := func(name string) { c.names = append(c.names, name) }
	cfg := webhook.Config{
		Username: "cometchat", Password: "s3cret-pass",
		Handlers: webhook.Handlers{
			MessageSent: func(_ context.Context, ev *webhook.MessageEvent) error {
				rec("sent")
				c.msg = ev
				return nil
			},
			UserMentioned: func(_ context.Context, ev *webhook.MessageEvent) error { rec("mentioned"); c.msg = ev; return nil },
			MessageEdited: func(_ context.Context, ev *webhook.MessageActionEvent) error {
				rec("edited")
				c.act = ev
				return nil
			},
			MessageDeleted: func(_ context.Context, ev *webhook.MessageActionEvent) error {
				rec("deleted")
				c.act = ev
				return nil
			},
			Receipt:    func(_ context.Context, ev *webhook.ReceiptEvent) error { rec("receipt"); c.rec = ev; return nil },
			Reaction:   func(_ context.Context, ev *webhook.ReactionEvent) error { rec("reaction"); c.react = ev; return nil },
			Block:      func(_ context.Context, ev *webhook.BlockEvent) error { rec("block"); c.block = ev; return nil },
			Connection: func(_ context.Context, ev *webhook.ConnectionEvent) error { rec("conn"); c.conn = ev; return nil },
			Group:      func(_ context.Context, ev *webhook.GroupEvent) error { rec("group"); c.group = ev; return nil },
			Call:       func(_ context.Context, ev *webhook.CallEvent) error { rec("call"); c.call = ev; return nil },
			Other:      func(_ context.Context, env *webhook.Envelope) error { rec("other"); c.other = env; return nil },
		},
	}
	for _, m := range mutate {
		m(&cfg)
	}
	h, err := webhook.NewHandler(cfg)
	require.NoError(t, err)
	return h
}

func post(h http.Handler, body string, user, pass string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func envelope(trigger, data string) string {
	return `{"trigger":"` + trigger + `","data":` + data + `,"appId":"app1","region":"us","webhook":"wh-1"}`
}

func TestGoodRequestDispatched(t *testing.T) {
	raw, err := os.ReadFile("../../shared/spec/examples/webhook_message_sent.json")
	if errors.Is(err, os.ErrNotExist) {
		raw, err = os.ReadFile("/work/shared/spec/examples/webhook_message_sent.json")
	}
	require.NoError(t, err)
	var c calls
	h := newHandler(t, &c)
	rec := post(h, string(raw), "cometchat", "s3cret-pass")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, []string{"sent"}, c.names)
	m := c.msg.Message
	assert.Equal(t, "message_sent", c.msg.Trigger)
	assert.Equal(t, "us", c.msg.Region)
	assert.EqualValues(t, 102, m.ID)
	assert.Equal(t, "acme-user-42", m.Sender)
	assert.Equal(t, "acme-bot", m.Receiver)
	assert.Equal(t, "status?", m.Text())
	assert.EqualValues(t, 1717000710, m.SentAt)
	require.NotNil(t, m.SenderUser())
	assert.Equal(t, "Ada Lovelace", m.SenderUser().Name)
}

func TestRejections(t *testing.T) {
	good := envelope("message_sent", `{"message":{"id":"1","sender":"a","receiver":"b","receiverType":"user","category":"message","type":"text","data":{"text":"hi"}}}`)
	cases := []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"wrong password", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(good))
			r.SetBasicAuth("cometchat", "wrong")
			return r
		}, http.StatusUnauthorized},
		{"wrong user", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(good))
			r.SetBasicAuth("someone", "s3cret-pass")
			return r
		}, http.StatusUnauthorized},
		{"no credentials", func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "/", strings.NewReader(good))
		}, http.StatusUnauthorized},
		{"GET", func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.SetBasicAuth("cometchat", "s3cret-pass")
			return r
		}, http.StatusMethodNotAllowed},
		{"malformed JSON", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"trigger":`))
			r.SetBasicAuth("cometchat", "s3cret-pass")
			return r
		}, http.StatusBadRequest},
		{"no trigger", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"data":{}}`))
			r.SetBasicAuth("cometchat", "s3cret-pass")
			return r
		}, http.StatusBadRequest},
		{"data not an object", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(envelope("message_sent", `[1]`)))
			r.SetBasicAuth("cometchat", "s3cret-pass")
			return r
		}, http.StatusBadRequest},
		{"payload does not match trigger", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(envelope("message_sent", `{"message":"text"}`)))
			r.SetBasicAuth("cometchat", "s3cret-pass")
			return r
		}, http.StatusBadRequest},
		{"missing message", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(envelope("message_sent", `{}`)))
			r.SetBasicAuth("cometchat", "s3cret-pass")
			return r
		}, http.StatusBadRequest},
		{"wrong content type", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(good))
			r.Header.Set("Content-Type", "text/plain")
			r.SetBasicAuth("cometchat", "s3cret-pass")
			return r
		}, http.StatusUnsupportedMediaType},
		{"too large", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"trigger":"x","data":{"p":"`+
				strings.Repeat("a", 2<<20)+`"}}`))
			r.SetBasicAuth("cometchat", "s3cret-pass")
			return r
		}, http.StatusRequestEntityTooLarge},
		{"another app", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Replace(good, "app1", "app2", 1)))
			r.SetBasicAuth("cometchat", "s3cret-pass")
			return r
		}, http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c calls
			h := newHandler(t, &c, func(cfg *webhook.Config) { cfg.AppID = "app1" })
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, tc.req())
			assert.Equal(t, tc.status, rec.Code, rec.Body.String())
			assert.Empty(t, c.names, "no handler runs for a rejected request")
			assert.NotContains(t, rec.Body.String(), "s3cret-pass")
			if tc.status == http.StatusUnauthorized {
				assert.Contains(t, rec.Header().Get("WWW-Authenticate"), "Basic")
			}
		})
	}
}

func TestUnknownTriggerReachesCatchAll(t *testing.T) {
	var c calls
	h := newHandler(t, &c)
	rec := post(h, envelope("after_feed_item_read", `{"feedItem":{"id":"f1"}}`), "cometchat", "s3cret-pass")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, []string{"other"}, c.names)
	assert.Equal(t, "after_feed_item_read", c.other.Trigger)
	assert.Equal(t, "wh-1", c.other.Webhook)
	assert.JSONEq(t, `{"feedItem":{"id":"f1"}}`, string(c.other.Data))

	// A known trigger without a typed handler goes to the catch-all too.
	var c2 calls
	h2 := newHandler(t, &c2, func(cfg *webhook.Config) { cfg.Handlers.Block = nil })
	rec = post(h2, envelope("user_blocked", `{"users":{}}`), "cometchat", "s3cret-pass")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, []string{"other"}, c2.names)

	// With no catch-all, the event is acknowledged and dropped.
	var c3 calls
	h3 := newHandler(t, &c3, func(cfg *webhook.Config) { cfg.Handlers.Other = nil })
	rec = post(h3, envelope("brand_new_trigger", `{}`), "cometchat", "s3cret-pass")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Empty(t, c3.names)
}

func TestHandlerErrorIs500(t *testing.T) {
	h, err := webhook.NewHandler(webhook.Config{Username: "u", Password: "p", Handlers: webhook.Handlers{
		Other: func(ctx context.Context, _ *webhook.Envelope) error {
			dl, ok := ctx.Deadline()
			assert.True(t, ok, "handlers get a deadline")
			assert.WithinDuration(t, time.Now().Add(2*time.Second), dl, time.Second)
			return errors.New("database down")
		},
	}})
	require.NoError(t, err)
	rec := post(h, envelope("x", `{}`), "u", "p")
	assert.Equal(t, http.StatusInternalServerError, rec.Code, "so that CometChat retries")
}

func TestTypedEvents(t *testing.T) {
	cases := []struct {
		trigger, data, want string
		check               func(t *testing.T, c *calls)
	}{
		{"message_edited", `{"message":{"id":"7","category":"action","type":"message","sender":"a","receiver":"b","receiverType":"user",
			"data":{"action":"edited","entities":{"on":{"entityType":"message","entity":{"id":"5","sender":"a","data":{"text":"new"},"editedAt":1717000001,"editedBy":"a"}}}}}}`,
			"edited", func(t *testing.T, c *calls) {
				assert.Equal(t, "edited", c.act.Action.Action())
				require.NotNil(t, c.act.Target)
				assert.EqualValues(t, 5, c.act.Target.ID)
				assert.Equal(t, "new", c.act.Target.Text())
				assert.Equal(t, "a", c.act.Target.EditedBy)
			}},
		{"message_deleted", `{"message":{"id":"8","category":"action","data":{"action":"deleted"}}}`, "deleted",
			func(t *testing.T, c *calls) { assert.Nil(t, c.act.Target) }},
		{"user_mentioned", `{"message":{"id":"9","data":{"text":"hi <@uid:b>"}}}`, "mentioned",
			func(t *testing.T, c *calls) { assert.Equal(t, "hi <@uid:b>", c.msg.Message.Text()) }},
		{"message_read_receipt", `{"receiver":"b","receiverType":"user","type":"receipts","sender":"b","messageSender":"a",
			"body":{"action":"read","messageId":"12","user":{"uid":"b","name":"B"},"timestamp":1717000002}}`, "receipt",
			func(t *testing.T, c *calls) {
				assert.Equal(t, "read", c.rec.ReceiptAction)
				assert.EqualValues(t, 12, c.rec.MessageID)
				assert.Equal(t, "B", c.rec.User.Name)
				assert.Equal(t, "a", c.rec.MessageSender)
				assert.EqualValues(t, 1717000002, c.rec.Timestamp)
			}},
		{"message_reaction_added", `{"reaction":{"id":3,"messageId":"12","reaction":"👍","uid":"b","reactedAt":1717000003,"reactedBy":{"uid":"b"}}}`,
			"reaction", func(t *testing.T, c *calls) {
				assert.Equal(t, "3", c.react.Reaction.ID)
				assert.Equal(t, "👍", c.react.Reaction.Reaction)
				assert.Equal(t, "b", c.react.Reaction.ReactedBy.UID)
			}},
		{"user_blocked", `{"users":{"b":{"uid":"b","name":"B"}},"by":{"uid":"a","name":"A"}}`, "block",
			func(t *testing.T, c *calls) {
				assert.Equal(t, "A", c.block.By.Name)
				assert.Equal(t, "B", c.block.Users["b"].Name)
			}},
		{"user_connection_status_changed", `{"timestamp":1717000004123,"user":{"uid":"a"},"status":"online",
			"currentConnection":{"action":"connected","platform":"web","userAgent":"ua","connectedAt":1717000004000},"userPresenceChanged":true}`,
			"conn", func(t *testing.T, c *calls) {
				assert.Equal(t, "connected", c.conn.ConnectionAction)
				assert.EqualValues(t, 1717000004123, c.conn.TimestampMillis)
				assert.EqualValues(t, 1717000004000, c.conn.ConnectedAtMillis)
				assert.True(t, c.conn.UserPresenceChanged)
				assert.Equal(t, "a", c.conn.User.UID)
			}},
		{"group_member_scope_changed", `{"group":{"guid":"g1","name":"G","type":"public","onlineMembersCount":2},
			"members":{"b":{"uid":"b","name":"B","scope":"moderator","oldScope":"participant"}},"by":{"uid":"a"}}`, "group",
			func(t *testing.T, c *calls) {
				assert.Equal(t, "g1", c.group.Group.GUID)
				assert.Equal(t, 2, c.group.Group.OnlineMembersCount)
				assert.Equal(t, "moderator", c.group.Members["b"].Scope)
				assert.Equal(t, "participant", c.group.Members["b"].OldScope)
				assert.Equal(t, "B", c.group.Members["b"].Name)
				assert.Equal(t, "a", c.group.By.UID)
			}},
		{"group_owner_transferred", `{"group":{"guid":"g1","owner":"b","oldOwner":"a"}}`, "group",
			func(t *testing.T, c *calls) { assert.Equal(t, "a", c.group.Group.OldOwner) }},
		{"call_ended", `{"call":{"sessionId":"s1"}}`, "call",
			func(t *testing.T, c *calls) { assert.JSONEq(t, `{"call":{"sessionId":"s1"}}`, string(c.call.Data)) }},
		{"meeting_started", `{}`, "call", nil},
	}
	for _, tc := range cases {
		t.Run(tc.trigger, func(t *testing.T) {
			var c calls
			h := newHandler(t, &c)
			rec := post(h, envelope(tc.trigger, tc.data), "cometchat", "s3cret-pass")
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.Equal(t, []string{tc.want}, c.names)
			if tc.check != nil {
				tc.check(t, &c)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	_, err := webhook.NewHandler(webhook.Config{})
	require.Error(t, err, "credentials are required")
	h, err := webhook.NewHandler(webhook.Config{AllowUnauthenticated: true})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, post(h, envelope("x", `{}`), "", "").Code)
	h, err = webhook.NewHandler(webhook.Config{Username: "u", Password: "pw-secret"})
	require.NoError(t, err)
	assert.NotContains(t, h.String(), "pw-secret")
}
