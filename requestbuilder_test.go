package cometchat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pagedUsers serves n users at GET /v3.0/users, page-numbered; withMeta controls meta.pagination.
func pagedUsers(f *fakeService, n int, withMeta bool) {
	f.handle("GET /v3.0/users", func(w http.ResponseWriter, r *http.Request, _ []byte) {
		per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		data := []map[string]any{}
		for i := (page - 1) * per; i < page*per && i < n; i++ {
			data = append(data, map[string]any{"uid": fmt.Sprintf("u%03d", i), "name": "U"})
		}
		body := map[string]any{"data": data}
		if withMeta {
			body["meta"] = map[string]any{"pagination": map[string]any{"total": n, "count": len(data), "per_page": per,
				"current_page": page, "total_pages": (n + per - 1) / per}}
		}
		_ = json.NewEncoder(w).Encode(body)
	})
}

func TestPagerStopsOnPaginationMetaWithoutEmptyRoundTrip(t *testing.T) {
	f, c := loginFake(t)
	pagedUsers(f, 25, true)
	_, err := c.LoginWithAuthToken(context.Background(), testToken)
	require.NoError(t, err)
	before := len(f.recorded())
	p := newPager[*User](c, "users", nil, 10, 0)
	var got []string
	for u, err := range p.all(context.Background()) {
		require.NoError(t, err)
		got = append(got, u.UID)
	}
	assert.Len(t, got, 25)
	assert.Equal(t, 3, len(f.recorded())-before, "three pages, no extra empty request")
	assert.False(t, p.hasMore())
	items, err := p.fetchNext(context.Background())
	require.NoError(t, err)
	assert.Empty(t, items)
	assert.Equal(t, 3, len(f.recorded())-before, "an exhausted pager sends nothing")
}

func TestPagerStopsOnEmptyPageWithoutMeta(t *testing.T) {
	f, c := loginFake(t)
	pagedUsers(f, 20, false)
	_, err := c.LoginWithAuthToken(context.Background(), testToken)
	require.NoError(t, err)
	p := newPager[*User](c, "users", nil, 10, 0)
	n := 0
	for _, err := range p.all(context.Background()) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 20, n)
	assert.Equal(t, 3, p.currentPage(), "without meta the end is an empty page, as in the official SDK")
}

func TestPagerConcurrentFetchesAreSerialisedWithoutGapsOrDuplicates(t *testing.T) {
	f, c := loginFake(t)
	pagedUsers(f, 200, true)
	_, err := c.LoginWithAuthToken(context.Background(), testToken)
	require.NoError(t, err)
	p := newPager[*User](c, "users", nil, 7, 0)
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				items, err := p.fetchNext(context.Background())
				if !assert.NoError(t, err) || len(items) == 0 {
					return
				}
				mu.Lock()
				for _, u := range items {
					seen[u.UID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	assert.Len(t, seen, 200)
	for uid, n := range seen {
		assert.Equal(t, 1, n, uid)
	}
}

func TestPagerKeepsPositionAfterError(t *testing.T) {
	f, c := loginFake(t)
	_, err := c.LoginWithAuthToken(context.Background(), testToken)
	require.NoError(t, err)
	f.reply("GET /v3.0/users", 400, `{"error":{"code":"ERR_BAD_REQUEST","message":"x"}}`)
	p := newPager[*User](c, "users", nil, 10, 2)
	_, err = p.fetchNext(context.Background())
	require.ErrorIs(t, err, ErrBadRequest)
	assert.Equal(t, 2, p.currentPage())
	pagedUsers(f, 100, true)
	items, err := p.fetchNext(context.Background())
	require.NoError(t, err)
	require.Len(t, items, 10)
	assert.Equal(t, "u020", items[0].UID, "setPage(2) starts at page 3")
	q := f.recorded()[len(f.recorded())-1].Query
	assert.Contains(t, q, "page=3")
	assert.Contains(t, q, "per_page=10")
}

func TestCheckLimitAndQueryHelpers(t *testing.T) {
	l, err := checkLimit(0, MaxPageSize)
	require.NoError(t, err)
	assert.Equal(t, DefaultPageSize, l)
	_, err = checkLimit(101, MaxPageSize)
	assert.ErrorIs(t, err, ErrLimitExceeded)
	_, err = checkLimit(-1, MaxPageSize)
	assert.ErrorIs(t, err, ErrInvalidValue)
	l, err = checkLimit(0, 20)
	require.NoError(t, err)
	assert.Equal(t, 20, l)
	q := map[string][]string{}
	setFlag(q, "a", true)
	setFlag(q, "b", false)
	setList(q, "c", []string{"x", "y"})
	setList(q, "d", nil)
	assert.Equal(t, map[string][]string{"a": {"1"}, "c": {"x,y"}}, q)
}
