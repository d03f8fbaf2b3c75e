package cometchat

import (
	"bytes"
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// BlockUsers blocks uids for the logged-in user (POST blockedusers) and returns one entry per uid:
// nil when that uid is now blocked, else an *Error saying why not. The error return is for the
// call as a whole (for example ErrCannotBlockSelf, or a network failure); uids are checked locally
// first and nothing is sent when one is invalid.
func (c *Client) BlockUsers(ctx context.Context, uids ...string) (map[string]error, error) {
	return c.blockCall(ctx, http.MethodPost, uids)
}

// UnblockUsers unblocks uids (DELETE blockedusers); results as for BlockUsers.
func (c *Client) UnblockUsers(ctx context.Context, uids ...string) (map[string]error, error) {
	return c.blockCall(ctx, http.MethodDelete, uids)
}

func (c *Client) blockCall(ctx context.Context, method string, uids []string) (map[string]error, error) {
	ids, err := normUIDs(uids)
	if err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if err := c.do(ctx, &call{method: method, path: "blockedusers", body: map[string]any{"blockedUids": ids}}, &raw); err != nil {
		return nil, err
	}
	return perIDResults(raw, ids, method, "blockedusers"), nil
}

// normUIDs validates and lower-cases a non-empty list of uids.
func normUIDs(uids []string) ([]string, error) {
	if len(uids) == 0 {
		return nil, localError(ErrMissingParameters, "no uids given")
	}
	out := make([]string, len(uids))
	for i, uid := range uids {
		if err := ValidateUID(uid); err != nil {
			return nil, err
		}
		out[i] = normID(uid)
	}
	return out, nil
}

// perIDResults turns a map uid → result object into uid → error (nil on success), with an entry for
// every id asked about. A result is a success when it says success:true or carries data without an
// error; anything else becomes an *Error with the service's code when it gives one.
func perIDResults(raw map[string]json.RawMessage, ids []string, method, path string) map[string]error {
	byLower := make(map[string]json.RawMessage, len(raw))
	for k, v := range raw {
		byLower[normID(k)] = v
	}
	out := make(map[string]error, len(ids))
	for _, id := range ids {
		v, ok := byLower[id]
		if !ok {
			out[id] = &Error{Code: ErrUnparseableResponse.Code, Message: "the response has no result for " + id, Method: method, Path: path}
			continue
		}
		out[id] = resultError(v, method, path)
	}
	return out
}

// resultError decodes one per-id result: {success:true,…}, {success:false,message}, {error:{code,
// message}} or a bare error object {code, message}.
func resultError(v json.RawMessage, method, path string) error {
	var r struct {
		Success json.RawMessage `json:"success"`
		Message string          `json:"message"`
		Code    string          `json:"code"`
		Data    json.RawMessage `json:"data"`
		Error   *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	v = bytes.TrimSpace(v)
	if bytes.Equal(v, []byte(`"success"`)) || bytes.Equal(v, []byte("true")) {
		return nil
	}
	if err := json.Unmarshal(v, &r); err != nil {
		return &Error{Code: ErrUnparseableResponse.Code, Message: "unreadable per-id result: " + err.Error(), Method: method, Path: path}
	}
	switch {
	case r.Error != nil:
		return &Error{Code: r.Error.Code, Message: r.Error.Message, Method: method, Path: path}
	case len(r.Success) > 0:
		if flexBool(r.Success) {
			return nil
		}
	case len(r.Data) > 0 && r.Code == "":
		return nil
	}
	code := r.Code
	if code == "" {
		code = ErrOperationFailed.Code
	}
	return &Error{Code: code, Message: r.Message, Method: method, Path: path}
}

// BlockedDirection selects which blocks a BlockedUsersRequest lists.
type BlockedDirection string

// Blocked-users directions (rules-and-limits.md §2.1).
const (
	// BlockedBoth lists users blocked by the logged-in user and users who blocked it (the default).
	BlockedBoth BlockedDirection = "both"
	// BlockedByMe lists users the logged-in user has blocked.
	BlockedByMe BlockedDirection = "blockedByMe"
	// HasBlockedMe lists users who have blocked the logged-in user.
	HasBlockedMe BlockedDirection = "hasBlockedMe"
)

// BlockedUsersRequestBuilder configures a BlockedUsersRequest (GET blockedusers). See
// UsersRequestBuilder for how builders work.
type BlockedUsersRequestBuilder struct {
	limit     int
	page      int
	search    string
	direction BlockedDirection
}

// NewBlockedUsersRequestBuilder returns a builder listing both directions.
func NewBlockedUsersRequestBuilder() *BlockedUsersRequestBuilder {
	return &BlockedUsersRequestBuilder{}
}

// SetLimit sets the page size: 1 to MaxPageSize; 0 means DefaultPageSize.
func (b *BlockedUsersRequestBuilder) SetLimit(n int) *BlockedUsersRequestBuilder {
	b.limit = n
	return b
}

// SetPage starts at page n, counted from 0.
func (b *BlockedUsersRequestBuilder) SetPage(n int) *BlockedUsersRequestBuilder {
	b.page = n
	return b
}

// SetSearchKeyword lists only users whose name or uid contains s.
func (b *BlockedUsersRequestBuilder) SetSearchKeyword(s string) *BlockedUsersRequestBuilder {
	b.search = s
	return b
}

// SetDirection selects blocked-by-me, has-blocked-me or both.
func (b *BlockedUsersRequestBuilder) SetDirection(d BlockedDirection) *BlockedUsersRequestBuilder {
	b.direction = d
	return b
}

// Build validates the builder and returns a request run by c. It sends nothing.
func (b *BlockedUsersRequestBuilder) Build(c *Client) (*BlockedUsersRequest, error) {
	limit, err := buildLimit(c, b.limit, MaxPageSize)
	if err != nil {
		return nil, err
	}
	if err := firstErr(checkPage(b.page), checkKeyword(b.search)); err != nil {
		return nil, err
	}
	switch b.direction {
	case "", BlockedBoth, BlockedByMe, HasBlockedMe:
	default:
		return nil, localError(ErrInvalidValue, "direction "+strconv.Quote(string(b.direction))+" is not both, blockedByMe or hasBlockedMe")
	}
	q := url.Values{}
	if b.search != "" {
		q.Set("searchKey", b.search)
	}
	if b.direction != "" {
		q.Set("direction", string(b.direction))
	}
	return &BlockedUsersRequest{p: newPager[*User](c, "blockedusers", q, limit, b.page)}, nil
}

// BlockedUsersRequest pages through the logged-in user's blocks. It is safe for concurrent use.
type BlockedUsersRequest struct{ p *pager[*User] }

// FetchNext returns the next page of users; an empty page once the list is exhausted.
func (r *BlockedUsersRequest) FetchNext(ctx context.Context) ([]*User, error) {
	return r.p.fetchNext(ctx)
}

// HasMore reports whether FetchNext may return more users.
func (r *BlockedUsersRequest) HasMore() bool { return r.p.hasMore() }

// Page returns the number of pages fetched so far, counting from the starting page.
func (r *BlockedUsersRequest) Page() int { return r.p.currentPage() }

// All iterates over every remaining user; it stops at the first error, yielded with a nil user.
func (r *BlockedUsersRequest) All(ctx context.Context) iter.Seq2[*User, error] { return r.p.all(ctx) }
