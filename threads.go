package cometchat

import (
	"bytes"
	"context"
	"encoding/json"
	"iter"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Thread lists (surface.md §7, client-protocol.md §5.3 and §6.4, model.md §9): the threads the
// logged-in user can see, most recently active first, one page per FetchNext.

// MaxThreadsPageSize is the largest page of a thread list, the service's cap
// (rules-and-limits.md §3).
const MaxThreadsPageSize = 1000

// MessageThread is one thread of a thread list: a parent message and the state of its replies
// (model.md §9). The service sends the parent message with the thread keys added; the fields below
// are read from it.
type MessageThread struct {
	// ParentMessageID is the id of the message the thread hangs off.
	ParentMessageID MessageID
	// ParentMessage is that message, as the service renders it for the logged-in user.
	ParentMessage Message
	// ReplyCount is the number of replies (deleted ones excluded).
	ReplyCount int
	// LastReply is the newest reply; nil when the service sends none.
	LastReply Message
	// UpdatedAt is the thread's last activity: when its newest reply was sent (the parent's update
	// time when there is no LastReply).
	UpdatedAt UnixTime
	// ConversationID, ReceiverType and ReceiverID are the parent message's.
	ConversationID string
	ReceiverType   ReceiverType
	ReceiverID     string
	// Subscribed reports whether the logged-in user is subscribed to the thread (SubscribeToThread).
	Subscribed bool
	// UnreadReplyCount is the number of replies the logged-in user has not read.
	UnreadReplyCount int
}

// threadKeys are the keys a thread list item adds to the parent message.
type threadKeys struct {
	LastReply        json.RawMessage `json:"lastReply"`
	UnreadReplyCount *Count          `json:"unreadReplyCount"`
}

// decodeThread builds a MessageThread from one thread list item.
func decodeThread(raw json.RawMessage) (*MessageThread, error) {
	parent, err := decodeMessage(raw)
	if err != nil {
		return nil, err
	}
	var k threadKeys
	if err := json.Unmarshal(raw, &k); err != nil {
		return nil, err
	}
	b := parent.Base()
	t := &MessageThread{
		ParentMessageID: parent.ID(), ParentMessage: parent, ReplyCount: b.ReplyCount,
		UpdatedAt: max(b.UpdatedAt, parent.SentAt()), ConversationID: parent.ConversationID(),
		ReceiverType: parent.ReceiverType(), ReceiverID: parent.ReceiverID(), Subscribed: b.ThreadSubscribed,
		UnreadReplyCount: b.UnreadRepliesCount,
	}
	if k.UnreadReplyCount != nil {
		t.UnreadReplyCount = int(*k.UnreadReplyCount)
	}
	if lr := bytes.TrimSpace(k.LastReply); len(lr) > 0 && lr[0] == '{' {
		if t.LastReply, err = decodeMessage(lr); err != nil {
			return nil, err
		}
		t.UpdatedAt = t.LastReply.SentAt()
	}
	return t, nil
}

// threadsOut is a decode target for c.do: a page of thread list items.
type threadsOut struct{ ts []*MessageThread }

func (o *threadsOut) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(b, &items); err != nil {
		return err
	}
	o.ts = make([]*MessageThread, 0, len(items))
	for _, it := range items {
		t, err := decodeThread(it)
		if err != nil {
			return err
		}
		o.ts = append(o.ts, t)
	}
	return nil
}

// ThreadsRequestBuilder configures a ThreadsRequest (GET threads, users/{uid}/threads or
// groups/{guid}/threads). Setters chain; Build validates. The zero value is not usable: start from
// NewThreadsRequestBuilder.
//
//	req, err := cometchat.NewThreadsRequestBuilder().SetGUID("team").Build(client)
//	for thread, err := range req.All(ctx) { … }
type ThreadsRequestBuilder struct {
	limit            int
	participatedByMe bool
	uid, guid        string
}

// NewThreadsRequestBuilder starts a thread list with the defaults of the official SDK: a page size
// of DefaultPageSize (30) and only the threads the logged-in user took part in.
func NewThreadsRequestBuilder() *ThreadsRequestBuilder {
	return &ThreadsRequestBuilder{participatedByMe: true}
}

// SetLimit sets the page size: 1 to MaxThreadsPageSize (1000); 0 means DefaultPageSize.
func (b *ThreadsRequestBuilder) SetLimit(n int) *ThreadsRequestBuilder { b.limit = n; return b }

// SetParticipatedByMe keeps only the threads the logged-in user started or replied in (true, the
// default), or lists every thread the user can see (false).
func (b *ThreadsRequestBuilder) SetParticipatedByMe(on bool) *ThreadsRequestBuilder {
	b.participatedByMe = on
	return b
}

// SetUID scopes the list to the 1:1 conversation with uid. It excludes SetGUID.
func (b *ThreadsRequestBuilder) SetUID(uid string) *ThreadsRequestBuilder { b.uid = uid; return b }

// SetGUID scopes the list to one group. It excludes SetUID.
func (b *ThreadsRequestBuilder) SetGUID(guid string) *ThreadsRequestBuilder { b.guid = guid; return b }

// Build validates the settings and returns the request for c. It sends nothing. Setting both a UID
// and a GUID is ErrInvalidValue; a malformed one ErrInvalidUID / ErrInvalidGUID; a page size above
// MaxThreadsPageSize ErrLimitExceeded.
func (b *ThreadsRequestBuilder) Build(c *Client) (*ThreadsRequest, error) {
	limit, err := buildLimit(c, b.limit, MaxThreadsPageSize)
	if err != nil {
		return nil, err
	}
	path := "threads"
	switch {
	case b.uid != "" && b.guid != "":
		return nil, localError(ErrInvalidValue, "set either a UID or a GUID, not both")
	case b.uid != "":
		if err := ValidateUID(b.uid); err != nil {
			return nil, err
		}
		path = "users/" + url.PathEscape(normID(b.uid)) + "/threads"
	case b.guid != "":
		if err := ValidateGUID(b.guid); err != nil {
			return nil, err
		}
		path = "groups/" + url.PathEscape(normID(b.guid)) + "/threads"
	}
	q := url.Values{}
	// Sent as true / false rather than 1 / 0: unlike the other flags it defaults to true, so false
	// must be said explicitly.
	q.Set("participatedByMe", strconv.FormatBool(b.participatedByMe))
	q.Set("limit", strconv.Itoa(limit))
	q.Set("affix", "prepend")
	return &ThreadsRequest{c: c, path: path, query: q}, nil
}

// ThreadsRequest is a built thread list. Each FetchNext returns the next page, most recently active
// thread first, and moves the request's cursor (meta.cursor: updatedAt and id) past it. The end of the
// list is what the service says (meta.hasMore, or the absence of a cursor), never the page size: a
// short page may be followed by more and a full one may be the last. Calls are serialised, so it is
// safe for concurrent use; a failed call leaves the cursor where it was.
type ThreadsRequest struct {
	c     *Client
	path  string
	query url.Values

	mu     sync.Mutex
	cursor map[string]string // keys of the previous meta.cursor, sent with the next page
	done   bool
}

// threadsMeta is the meta of a thread list. Cursor is the documented shape; Next is the server
// API's alternative (client-protocol.md §6.3), accepted the same way.
type threadsMeta struct {
	HasMore flexBoolPtr                `json:"hasMore"`
	Cursor  map[string]json.RawMessage `json:"cursor"`
	Next    map[string]json.RawMessage `json:"next"`
}

// FetchNext returns the next page of threads; an empty page once the list is exhausted.
func (r *ThreadsRequest) FetchNext(ctx context.Context) ([]*MessageThread, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return nil, nil
	}
	q := make(url.Values, len(r.query)+len(r.cursor))
	for k, v := range r.query {
		q[k] = v
	}
	for k, v := range r.cursor {
		q.Set(k, v)
	}
	var (
		out  threadsOut
		meta json.RawMessage
	)
	if err := r.c.do(ctx, &call{method: http.MethodGet, path: r.path, query: q, meta: &meta}, &out); err != nil {
		return nil, err
	}
	r.advance(out.ts, meta)
	return out.ts, nil
}

// advance moves the cursor past page and decides whether the list is done.
func (r *ThreadsRequest) advance(page []*MessageThread, rawMeta json.RawMessage) {
	if len(page) == 0 {
		r.done = true
		return
	}
	var m threadsMeta
	if len(rawMeta) > 0 {
		_ = json.Unmarshal(rawMeta, &m) // an unreadable meta is treated like none
	}
	keys := m.Cursor
	if keys == nil {
		keys = m.Next
	}
	if m.HasMore.set && !m.HasMore.v {
		r.done = true
		return
	}
	next := map[string]string{}
	for k, v := range keys {
		if k != "affix" {
			next[k] = strings.Trim(string(bytes.TrimSpace(v)), `"`)
		}
	}
	if len(next) == 0 {
		if !m.HasMore.set {
			r.done = true // neither hasMore nor a cursor: the last page
			return
		}
		// hasMore without a cursor: continue from the last thread's activity.
		last := page[len(page)-1]
		next["updatedAt"] = strconv.FormatInt(int64(last.UpdatedAt), 10)
		if last.LastReply != nil {
			next["id"] = last.LastReply.ID().String()
		}
	}
	if maps.Equal(next, r.cursor) {
		r.done = true // the service would answer the same page again
		return
	}
	r.cursor = next
}

// HasMore reports whether FetchNext may return more threads.
func (r *ThreadsRequest) HasMore() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.done
}

// All iterates over every remaining thread, fetching pages as needed. On error it yields (nil, err)
// once and stops.
func (r *ThreadsRequest) All(ctx context.Context) iter.Seq2[*MessageThread, error] {
	return allPages(ctx, r.FetchNext, r.HasMore)
}
