package cometchat

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Reactions (model.md §6, client-protocol.md §5.3 and §6.4).

// Reaction limits (rules-and-limits.md §2, §3).
const (
	// MaxReactionChars is the longest reaction.
	MaxReactionChars = 45
	// DefaultReactionsPageSize and MaxReactionsPageSize bound a reactions page.
	DefaultReactionsPageSize = 10
	MaxReactionsPageSize     = 20
)

// Reaction is one user's reaction to a message.
type Reaction struct {
	ID        string    `json:"id"`
	MessageID MessageID `json:"messageId"`
	Reaction  string    `json:"reaction"`
	UID       string    `json:"uid"`
	ReactedAt UnixTime  `json:"reactedAt"`
	ReactedBy *User     `json:"reactedBy,omitempty"`
}

// UnmarshalJSON tolerates a numeric id.
func (r *Reaction) UnmarshalJSON(b []byte) error {
	type plain Reaction
	var p struct {
		plain
		ID flexUID `json:"id"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*r = Reaction(p.plain)
	r.ID = string(p.ID)
	return nil
}

// checkReaction validates a reaction argument.
func checkReaction(reaction string) error {
	if strings.TrimSpace(reaction) == "" {
		return localError(ErrMissingParameters, "reaction is empty")
	}
	if utf8.RuneCountInString(reaction) > MaxReactionChars {
		return localError(ErrInvalidValue, "a reaction is at most "+strconv.Itoa(MaxReactionChars)+" characters")
	}
	return nil
}

// AddReaction reacts to a message (POST messages/{id}/reactions/{reaction}) and returns the message
// with its updated reaction counts.
func (c *Client) AddReaction(ctx context.Context, id MessageID, reaction string) (Message, error) {
	return c.react(ctx, http.MethodPost, id, reaction)
}

// RemoveReaction withdraws the logged-in user's reaction and returns the updated message.
func (c *Client) RemoveReaction(ctx context.Context, id MessageID, reaction string) (Message, error) {
	return c.react(ctx, http.MethodDelete, id, reaction)
}

func (c *Client) react(ctx context.Context, method string, id MessageID, reaction string) (Message, error) {
	if err := checkMessageID(id); err != nil {
		return nil, err
	}
	if err := checkReaction(reaction); err != nil {
		return nil, err
	}
	var out messageOut
	if err := c.do(ctx, &call{method: method, path: "messages/" + id.String() + "/reactions/" + url.PathEscape(reaction)}, &out); err != nil {
		return nil, err
	}
	return out.m, nil
}

// ReactionsRequestBuilder configures a ReactionsRequest: who reacted to one message, optionally with
// one reaction only.
type ReactionsRequestBuilder struct {
	messageID MessageID
	reaction  string
	limit     int
}

// NewReactionsRequestBuilder starts a reactions list with the default page size (10).
func NewReactionsRequestBuilder() *ReactionsRequestBuilder { return &ReactionsRequestBuilder{} }

// SetMessageID sets the message (required).
func (b *ReactionsRequestBuilder) SetMessageID(id MessageID) *ReactionsRequestBuilder {
	b.messageID = id
	return b
}

// SetReaction keeps only one reaction.
func (b *ReactionsRequestBuilder) SetReaction(reaction string) *ReactionsRequestBuilder {
	b.reaction = reaction
	return b
}

// SetLimit sets the page size: 1 to MaxReactionsPageSize (20); 0 means 10.
func (b *ReactionsRequestBuilder) SetLimit(n int) *ReactionsRequestBuilder { b.limit = n; return b }

// Build validates the settings and returns the request for client.
func (b *ReactionsRequestBuilder) Build(c *Client) (*ReactionsRequest, error) {
	if c == nil {
		return nil, localError(ErrMissingParameters, "Build needs a Client")
	}
	if err := checkMessageID(b.messageID); err != nil {
		return nil, err
	}
	limit, err := checkPageSize(b.limit, DefaultReactionsPageSize, MaxReactionsPageSize)
	if err != nil {
		return nil, err
	}
	path := "messages/" + b.messageID.String() + "/reactions"
	if b.reaction != "" {
		if err := checkReaction(b.reaction); err != nil {
			return nil, err
		}
		path += "/" + url.PathEscape(b.reaction)
	}
	return &ReactionsRequest{c: c, path: path, limit: limit}, nil
}

// ReactionsRequest is a built reactions list. FetchNext walks from the first reaction onwards,
// FetchPrevious from the last backwards; each keeps its own position from the service's
// meta.next / meta.previous. Calls are serialised.
type ReactionsRequest struct {
	c     *Client
	path  string
	limit int

	mu               sync.Mutex
	next, prev       map[string]string
	nextDone, prevDn bool
}

// FetchNext returns the next page of reactions, oldest first; empty at the end.
func (r *ReactionsRequest) FetchNext(ctx context.Context) ([]Reaction, error) {
	return r.fetch(ctx, Next)
}

// FetchPrevious returns the previous page (the newest page on the first call); empty at the start.
func (r *ReactionsRequest) FetchPrevious(ctx context.Context) ([]Reaction, error) {
	return r.fetch(ctx, Previous)
}

// All iterates over the remaining reactions in direction d.
func (r *ReactionsRequest) All(ctx context.Context, d Direction) iter.Seq2[Reaction, error] {
	fetch := func(ctx context.Context) ([]Reaction, error) { return r.fetch(ctx, d) }
	return allPages(ctx, fetch, nil)
}

func (r *ReactionsRequest) fetch(ctx context.Context, d Direction) ([]Reaction, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	keys, done := r.next, r.nextDone
	if d == Previous {
		keys, done = r.prev, r.prevDn
	}
	if done {
		return nil, nil
	}
	q := url.Values{}
	q.Set("limit", strconv.Itoa(r.limit))
	for k, v := range keys {
		q.Set(k, v)
	}
	q.Set("affix", d.affix())
	var (
		out  []Reaction
		meta json.RawMessage
	)
	if err := r.c.do(ctx, &call{method: http.MethodGet, path: r.path, query: q, meta: &meta}, &out); err != nil {
		return nil, err
	}
	var m struct {
		Next     map[string]json.RawMessage `json:"next"`
		Previous map[string]json.RawMessage `json:"previous"`
	}
	_ = json.Unmarshal(meta, &m)
	src := m.Next
	if d == Previous {
		src = m.Previous
	}
	next := map[string]string{}
	for k, v := range src {
		next[k] = strings.Trim(string(v), `"`)
	}
	finished := len(out) == 0 || src == nil
	if d == Previous {
		r.prev, r.prevDn = next, finished
	} else {
		r.next, r.nextDone = next, finished
	}
	return out, nil
}
