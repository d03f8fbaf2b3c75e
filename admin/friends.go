package admin

import (
	"context"
	"iter"
	"net/http"
	"net/url"

	"github.com/cometchat-go/cometchat"
)

// AddFriends makes each of friends a friend of uid (POST /users/{uid}/friends). Friendship is mutual
// and counts toward both users' limit of 1,000 friends. The result has one entry per friend uid;
// failures (already friends, self, unknown user) are per item, not an error of the call.
func (c *Client) AddFriends(ctx context.Context, uid string, friends ...string) (map[string]ItemResult, error) {
	if err := cometchat.ValidateUID(uid); err != nil {
		return nil, err
	}
	ids, err := checkUIDs(friends)
	if err != nil {
		return nil, err
	}
	var out struct {
		Accepted map[string]ItemResult `json:"accepted"`
	}
	err = c.do(ctx, &call{method: http.MethodPost, path: "users/" + esc(uid) + "/friends",
		body: map[string]any{"accepted": ids}}, &out)
	return out.Accepted, err
}

// ListFriendsOptions filters and pages a friends list.
type ListFriendsOptions struct {
	// SearchKey matches a prefix of the friend's uid or name.
	SearchKey string
	// PerPage is the page size (default 100, at most 1000); Page the first page (default 1).
	PerPage int
	Page    int
}

// ListFriends iterates the friends of uid.
func (c *Client) ListFriends(ctx context.Context, uid string, opts ListFriendsOptions) iter.Seq2[*cometchat.User, error] {
	if err := cometchat.ValidateUID(uid); err != nil {
		return failed[*cometchat.User](err)
	}
	q := url.Values{}
	if opts.SearchKey != "" {
		q.Set("searchKey", opts.SearchKey)
	}
	return pages[*cometchat.User](c, ctx, call{method: http.MethodGet, path: "users/" + esc(uid) + "/friends", query: q},
		opts.PerPage, opts.Page)
}

// RemoveFriends ends the friendship of uid with each of friends (both directions).
func (c *Client) RemoveFriends(ctx context.Context, uid string, friends ...string) error {
	if err := cometchat.ValidateUID(uid); err != nil {
		return err
	}
	ids, err := checkUIDs(friends)
	if err != nil {
		return err
	}
	return c.do(ctx, &call{method: http.MethodDelete, path: "users/" + esc(uid) + "/friends",
		body: map[string]any{"friends": ids}}, nil)
}
