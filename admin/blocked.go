package admin

import (
	"context"
	"iter"
	"net/http"

	"github.com/cometchat-go/cometchat"
)

// BlockUsers makes uid block each of blocked (POST /users/{uid}/blockedusers). Messages between them
// then fail with ERR_BLOCKED_RECEIVER / ERR_BLOCKED_SENDER. The result has one entry per blocked uid.
func (c *Client) BlockUsers(ctx context.Context, uid string, blocked ...string) (map[string]ItemResult, error) {
	return c.blockOp(ctx, http.MethodPost, uid, blocked)
}

// UnblockUsers lifts blocks of uid (DELETE /users/{uid}/blockedusers); one result per uid.
func (c *Client) UnblockUsers(ctx context.Context, uid string, blocked ...string) (map[string]ItemResult, error) {
	return c.blockOp(ctx, http.MethodDelete, uid, blocked)
}

func (c *Client) blockOp(ctx context.Context, method, uid string, blocked []string) (map[string]ItemResult, error) {
	if err := cometchat.ValidateUID(uid); err != nil {
		return nil, err
	}
	ids, err := checkUIDs(blocked)
	if err != nil {
		return nil, err
	}
	var out map[string]ItemResult
	err = c.do(ctx, &call{method: method, path: "users/" + esc(uid) + "/blockedusers",
		body: map[string]any{"blockedUids": ids}}, &out)
	return out, err
}

// ListBlockedUsers iterates the users uid has blocked (with BlockedByMe and BlockedByMeAt set).
func (c *Client) ListBlockedUsers(ctx context.Context, uid string) iter.Seq2[*cometchat.User, error] {
	if err := cometchat.ValidateUID(uid); err != nil {
		return failed[*cometchat.User](err)
	}
	return pages[*cometchat.User](c, ctx, call{method: http.MethodGet, path: "users/" + esc(uid) + "/blockedusers"}, 0, 1)
}
