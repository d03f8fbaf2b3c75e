package emulator

import (
	"net/http"
	"strconv"
	"strings"
)

// Page-based pagination of the server API (server-api.md §4): query page
// (1-based, default 1) and perPage (default 100, max 1000; per_page is
// accepted too); meta.pagination = {total, count, per_page, current_page,
// total_pages}. Page sizes above the maximum are clamped
// (rules-and-limits.md §3).

const (
	saDefaultPerPage = 100
	saMaxPerPage     = 1000
)

// saPaging is a parsed page request.
type saPaging struct {
	page, perPage int
}

// saPaginationJSON is meta.pagination.
type saPaginationJSON struct {
	Total       int `json:"total"`
	Count       int `json:"count"`
	PerPage     int `json:"per_page"`
	CurrentPage int `json:"current_page"`
	TotalPages  int `json:"total_pages"`
}

// saCursorJSON is meta.cursor of the lists that document one.
type saCursorJSON struct {
	UpdatedAt int64  `json:"updatedAt"`
	Affix     string `json:"affix"`
}

// saMeta is the meta object of a page-based list.
type saMeta struct {
	Pagination saPaginationJSON `json:"pagination"`
	Cursor     *saCursorJSON    `json:"cursor,omitempty"`
}

// parseSAPaging reads page and perPage (or per_page). Non-numbers and values
// below 1 are ERR_BAD_REQUEST.
func parseSAPaging(r *http.Request) (saPaging, error) {
	q := r.URL.Query()
	p := saPaging{page: 1, perPage: saDefaultPerPage}
	var v validator
	read := func(field, raw string, dst *int) {
		if raw == "" {
			return
		}
		n, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil || n < 1 {
			v.add(field, "The "+field+" must be an integer of at least 1.")
			return
		}
		*dst = n
	}
	read("page", q.Get("page"), &p.page)
	pp := q.Get("perPage")
	if pp == "" {
		pp = q.Get("per_page")
	}
	read("perPage", pp, &p.perPage)
	if err := v.err(); err != nil {
		return p, err
	}
	p.perPage = min(p.perPage, saMaxPerPage)
	return p, nil
}

// saPageOf cuts one page out of items and builds its meta.
func saPageOf[T any](items []T, p saPaging) ([]T, saMeta) {
	total := len(items)
	start := min((p.page-1)*p.perPage, total)
	end := min(start+p.perPage, total)
	out := items[start:end]
	if out == nil {
		out = []T{}
	}
	pages := (total + p.perPage - 1) / p.perPage
	return out, saMeta{Pagination: saPaginationJSON{
		Total: total, Count: len(out), PerPage: p.perPage, CurrentPage: p.page, TotalPages: pages,
	}}
}

// saFlag reads a boolean query flag (true/1).
func saFlag(r *http.Request, name string) bool {
	v, ok := parseFlag([]byte(strconv.Quote(r.URL.Query().Get(name))))
	return ok && v
}

// readPermanentFlag reads the permanent flag of a server API delete: true
// in the JSON body or the query.
func readPermanentFlag(r *http.Request) (bool, error) {
	body, err := readObject(r, 0)
	if err != nil {
		return false, err
	}
	if raw, ok := body["permanent"]; ok {
		permanent, ok := parseFlag(raw)
		if !ok {
			return false, errBadRequest(map[string][]string{"permanent": {"The permanent field must be true or false."}})
		}
		if permanent {
			return true, nil
		}
	}
	return saFlag(r, "permanent"), nil
}

// saList reads a comma-separated query list (also accepting repeated keys
// and the name[] form), dropping empty items.
func saList(r *http.Request, name string) []string {
	q := r.URL.Query()
	var out []string
	for _, key := range []string{name, name + "[]"} {
		for _, v := range q[key] {
			for _, item := range strings.Split(v, ",") {
				if item = strings.TrimSpace(item); item != "" {
					out = append(out, item)
				}
			}
		}
	}
	return out
}
