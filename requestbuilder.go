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
)

// Page sizes (rules-and-limits.md §3). The official SDK makes setLimit compulsory; this one defaults it.
const (
	// DefaultPageSize is the page size when a request sets none.
	DefaultPageSize = 30
	// MaxPageSize is the largest page of users, groups, members, banned and blocked users, messages.
	MaxPageSize = 100
	// MaxConversationsPageSize is the largest page of conversations.
	MaxConversationsPageSize = 50
)

// Pagination is the meta.pagination object of page-based lists.
type Pagination struct {
	Total       int `json:"total"`
	Count       int `json:"count"`
	PerPage     int `json:"per_page"`
	CurrentPage int `json:"current_page"`
	TotalPages  int `json:"total_pages"`
}

// pageMeta is the part of meta the page engine reads.
type pageMeta struct {
	Pagination *Pagination `json:"pagination"`
}

// checkLimit validates a page size against max; 0 means the default.
func checkLimit(limit, maxLimit int) (int, error) {
	return checkPageSize(limit, min(DefaultPageSize, maxLimit), maxLimit)
}

// checkPageSize validates a page size against maxLimit; 0 means def.
func checkPageSize(limit, def, maxLimit int) (int, error) {
	switch {
	case limit == 0:
		return def, nil
	case limit < 0:
		return 0, localError(ErrInvalidValue, "limit must be positive")
	case limit > maxLimit:
		return 0, localError(ErrLimitExceeded, "limit "+strconv.Itoa(limit)+" is above the maximum of "+strconv.Itoa(maxLimit))
	}
	return limit, nil
}

// buildLimit starts a list builder's Build: it needs a Client, and the page size is checked with
// checkLimit.
func buildLimit(c *Client, limit, maxLimit int) (int, error) {
	if c == nil {
		return 0, localError(ErrMissingParameters, "Build needs a Client")
	}
	return checkLimit(limit, maxLimit)
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// pager is the engine behind every page-number list (users, groups, members, banned, blocked,
// conversations): per_page and page query keys, meta.pagination in the response
// (client-protocol.md §6.1).
//
// It keeps its position like the official request objects do, but calls are serialised instead of
// failing with REQUEST_IN_PROGRESS, a failed call leaves the position where it was, and the end of
// the list is detected from meta.pagination when the service sends it, saving the empty round trip
// the official SDK makes.
type pager[T any] struct {
	c     *Client
	path  string
	query url.Values
	limit int

	mu   sync.Mutex
	page int // pages fetched so far, offset by the starting page
	done bool
}

func newPager[T any](c *Client, path string, query url.Values, limit, startPage int) *pager[T] {
	if query == nil {
		query = url.Values{}
	}
	return &pager[T]{c: c, path: path, query: query, limit: limit, page: startPage}
}

// fetchNext returns the next page; an empty page once the list is exhausted.
func (p *pager[T]) fetchNext(ctx context.Context) ([]T, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return nil, nil
	}
	q := make(url.Values, len(p.query)+2)
	for k, v := range p.query {
		q[k] = v
	}
	q.Set("per_page", strconv.Itoa(p.limit))
	q.Set("page", strconv.Itoa(p.page+1))
	var (
		items []T
		meta  json.RawMessage
	)
	if err := p.c.do(ctx, &call{method: http.MethodGet, path: p.path, query: q, meta: &meta}, &items); err != nil {
		return nil, err
	}
	p.page++
	if len(items) == 0 {
		p.done = true
		return nil, nil
	}
	var m pageMeta
	if len(meta) > 0 && json.Unmarshal(meta, &m) == nil && m.Pagination != nil && m.Pagination.TotalPages > 0 &&
		m.Pagination.CurrentPage >= m.Pagination.TotalPages {
		p.done = true
	}
	return items, nil
}

// hasMore reports whether fetchNext may return more items.
func (p *pager[T]) hasMore() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.done
}

// currentPage returns the number of the page fetched last (0 before the first fetch).
func (p *pager[T]) currentPage() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.page
}

// all iterates over every remaining item, fetching pages as needed. It stops at the first error,
// which it yields with a zero item.
func (p *pager[T]) all(ctx context.Context) iter.Seq2[T, error] {
	return allPages(ctx, p.fetchNext, nil)
}

// allPages iterates over the items of the pages fetch returns, in order, until a page is empty or
// more (nil: always true) reports false. On error it yields (zero item, err) once and stops. Every
// list's All is this loop.
func allPages[T any](ctx context.Context, fetch func(context.Context) ([]T, error), more func() bool) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			items, err := fetch(ctx)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if len(items) == 0 || (more != nil && !more()) {
				return
			}
		}
	}
}

// setFlag sets key=1 when on (the official SDK's encoding of boolean filters).
func setFlag(q url.Values, key string, on bool) {
	if on {
		q.Set(key, "1")
	}
}

// setList sets key to a comma-joined list when it is not empty.
func setList(q url.Values, key string, values []string) {
	if len(values) > 0 {
		q.Set(key, strings.Join(values, ","))
	}
}
