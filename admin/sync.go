package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/internal/rest"
)

// SyncOptions tunes SyncUsers. The zero value is ready to use.
type SyncOptions struct {
	// Concurrency is the number of users upserted at the same time. Default 8.
	Concurrency int
	// RequestsPerMinute caps the request rate of the sync (spaced evenly). Default 0: no cap of its
	// own; the sync still follows the service's rate-limit headers.
	RequestsPerMinute int
	// MaxRateLimitWaits is how many 429 responses one user may meet before it is reported as failed.
	// Default 10. The sync waits Retry-After after each.
	MaxRateLimitWaits int
	// MaxTransientRetries is how many times a step failing with a transient error (network, 5xx) is
	// tried again. Default 3.
	MaxTransientRetries int
	// Progress, when set, is called after every user with the running totals. It is called from one
	// goroutine at a time (the one that called SyncUsers), in completion order; keep it fast.
	Progress func(SyncProgress)
}

// SyncProgress is the running state of a sync.
type SyncProgress struct {
	// Processed users so far: Created + Updated + Unchanged + Failed.
	Processed, Created, Updated, Unchanged, Failed int
	// Requests is the number of HTTP responses so far; RateLimited how many were 429.
	Requests, RateLimited int
	// Elapsed is the time since the sync started.
	Elapsed time.Duration
}

// Summary is the outcome of SyncUsers. Every user the source produced is counted exactly once: in
// Created, Updated, Unchanged or Failed.
type Summary struct {
	Created, Updated, Unchanged int
	// Failed lists the users that could not be synced, in source order, with the reason.
	Failed []Failure
	// Requests is the number of HTTP responses the sync received (retries included); RateLimited is
	// how many of them were 429.
	Requests, RateLimited int
	// Elapsed is the wall time of the sync.
	Elapsed time.Duration
}

// Processed is the number of users the sync handled.
func (s Summary) Processed() int { return s.Created + s.Updated + s.Unchanged + len(s.Failed) }

// String is a one-line report, e.g. "10000 users: 9990 created, 0 updated, 10 unchanged, 0 failed
// (10010 requests, 0 rate-limited) in 5m0s".
func (s Summary) String() string {
	return fmt.Sprintf("%d users: %d created, %d updated, %d unchanged, %d failed (%d requests, %d rate-limited) in %s",
		s.Processed(), s.Created, s.Updated, s.Unchanged, len(s.Failed), s.Requests, s.RateLimited,
		s.Elapsed.Round(time.Millisecond))
}

// Failure is a user that could not be synced.
type Failure struct {
	// Index is the user's 0-based position in the source.
	Index int
	// UID is the user's uid as given ("" when the source could not produce it).
	UID string
	// Err is why: a local validation error, the source's error for that item, or the service's error.
	Err error
}

// Error formats the failure.
func (f Failure) Error() string {
	if f.UID == "" {
		return fmt.Sprintf("item %d: %v", f.Index, f.Err)
	}
	return fmt.Sprintf("item %d (%s): %v", f.Index, f.UID, f.Err)
}

// Unwrap returns Err.
func (f Failure) Unwrap() error { return f.Err }

// FromSlice is a SyncUsers source over a slice.
func FromSlice(users []UserInput) iter.Seq2[UserInput, error] {
	return func(yield func(UserInput, error) bool) {
		for _, u := range users {
			if !yield(u, nil) {
				return
			}
		}
	}
}

// outcome of one user.
type outcome int

const (
	created outcome = iota
	updated
	unchanged
	failedOutcome
)

type syncJob struct {
	index int
	in    UserInput
	err   error
}

type syncResult struct {
	job     syncJob
	outcome outcome
	err     error
}

// SyncUsers upserts every user of source: it creates the user, and when the uid exists it fetches
// the stored user and updates it only if a field given in the input differs (empty input fields are
// left as stored). Up to opts.Concurrency users are in flight; requests are paced by
// opts.RequestsPerMinute and by the service's rate-limit headers so the sync stays under the limit,
// and a 429 is waited out (Retry-After) and retried rather than counted as a failure.
//
// Nothing is lost: every item the source yields is counted exactly once in the Summary, a user that
// cannot be synced is listed in Summary.Failed with the reason, and an error the source yields for
// an item is recorded as that item's failure. SyncUsers returns a non-nil error only when ctx ends
// (the Summary then covers the items read so far) or opts is invalid.
func (c *Client) SyncUsers(ctx context.Context, source iter.Seq2[UserInput, error], opts SyncOptions) (Summary, error) {
	start := time.Now()
	if source == nil {
		return Summary{}, missing("SyncUsers: nil source")
	}
	if opts.Concurrency < 0 || opts.RequestsPerMinute < 0 || opts.MaxRateLimitWaits < 0 || opts.MaxTransientRetries < 0 {
		return Summary{}, invalidValue("SyncUsers: negative option")
	}
	if opts.Concurrency == 0 {
		opts.Concurrency = 8
	}
	if opts.MaxRateLimitWaits == 0 {
		opts.MaxRateLimitWaits = 10
	}
	if opts.MaxTransientRetries == 0 {
		opts.MaxTransientRetries = 3
	}
	s := &syncer{c: c, opts: opts, pacer: newPacer(opts.RequestsPerMinute)}

	jobs := make(chan syncJob)
	results := make(chan syncResult, opts.Concurrency)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // feeder
		defer wg.Done()
		defer close(jobs)
		i := 0
		for in, err := range source {
			j := syncJob{index: i, in: in, err: err}
			i++
			if ctx.Err() != nil {
				results <- syncResult{job: j, outcome: failedOutcome, err: ctx.Err()}
				return
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				// The item in hand is reported, not dropped; the source is not read further.
				results <- syncResult{job: j, outcome: failedOutcome, err: ctx.Err()}
				return
			}
		}
	}()
	for range opts.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				o, err := s.process(ctx, j)
				results <- syncResult{job: j, outcome: o, err: err}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	var sum Summary
	for r := range results {
		switch r.outcome {
		case created:
			sum.Created++
		case updated:
			sum.Updated++
		case unchanged:
			sum.Unchanged++
		default:
			sum.Failed = append(sum.Failed, Failure{Index: r.job.index, UID: r.job.in.UID, Err: r.err})
		}
		if opts.Progress != nil {
			req, lim := s.pacer.counts()
			opts.Progress(SyncProgress{Processed: sum.Processed(), Created: sum.Created, Updated: sum.Updated,
				Unchanged: sum.Unchanged, Failed: len(sum.Failed), Requests: req, RateLimited: lim,
				Elapsed: time.Since(start)})
		}
	}
	sort.Slice(sum.Failed, func(a, b int) bool { return sum.Failed[a].Index < sum.Failed[b].Index })
	sum.Requests, sum.RateLimited = s.pacer.counts()
	sum.Elapsed = time.Since(start)
	return sum, ctx.Err()
}

type syncer struct {
	c     *Client
	opts  SyncOptions
	pacer *pacer
}

// process upserts one user.
func (s *syncer) process(ctx context.Context, j syncJob) (outcome, error) {
	if j.err != nil {
		return failedOutcome, j.err
	}
	in := j.in
	if err := in.validate(); err != nil {
		return failedOutcome, err
	}
	if err := ctx.Err(); err != nil {
		return failedOutcome, err
	}
	err := s.step(ctx, func(ctx context.Context) error {
		_, _, err := s.c.createUser(ctx, in, false)
		return err
	})
	if err == nil {
		return created, nil
	}
	if !errors.Is(err, cometchat.ErrUIDAlreadyExists) {
		return failedOutcome, err
	}
	var cur *cometchat.User
	err = s.step(ctx, func(ctx context.Context) error {
		var err error
		cur, err = s.c.GetUser(ctx, in.UID)
		return err
	})
	if errors.Is(err, cometchat.ErrUIDNotFound) {
		return failedOutcome, fmt.Errorf("the uid is taken by a deactivated or deleted user: %w", err)
	}
	if err != nil {
		return failedOutcome, err
	}
	upd, changed := diffUser(in, cur)
	if !changed {
		return unchanged, nil
	}
	err = s.step(ctx, func(ctx context.Context) error {
		_, err := s.c.UpdateUser(ctx, in.UID, upd)
		return err
	})
	if err != nil {
		return failedOutcome, err
	}
	return updated, nil
}

// step runs one request under the pacer, waiting out rate limits and retrying transient failures.
func (s *syncer) step(ctx context.Context, fn func(context.Context) error) error {
	limited, transient := 0, 0
	for {
		t, err := s.pacer.acquire(ctx)
		if err != nil {
			return err
		}
		err = fn(withObserver(ctx, t))
		s.pacer.release(t)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		var rl *cometchat.RateLimitError
		switch {
		case errors.As(err, &rl) || errors.Is(err, cometchat.ErrTooManyRequests):
			// The pacer saw the 429 and holds every worker until Retry-After.
			limited++
			if limited > s.opts.MaxRateLimitWaits {
				return err
			}
		case cometchat.IsRetryable(err):
			transient++
			if transient > s.opts.MaxTransientRetries {
				return err
			}
			if werr := sleepUntil(ctx, time.Now().Add(rest.FullJitter(250*time.Millisecond, 5*time.Second, transient)), nil); werr != nil {
				return err
			}
		default:
			return err
		}
	}
}

// diffUser returns the update that makes cur match the fields set in in, and whether there is any.
func diffUser(in UserInput, cur *cometchat.User) (UserUpdate, bool) {
	var upd UserUpdate
	changed := false
	set := func(want, have string, dst *string) {
		if want != "" && want != have {
			*dst = want
			changed = true
		}
	}
	set(in.Name, cur.Name, &upd.Name)
	set(in.Avatar, cur.Avatar, &upd.Avatar)
	set(in.Link, cur.Link, &upd.Link)
	set(strings.ToLower(in.Role), cur.Role, &upd.Role)
	set(in.StatusMessage, cur.StatusMessage, &upd.StatusMessage)
	if in.Metadata != nil && !sameJSON(in.Metadata, cur.Metadata) {
		upd.Metadata = in.Metadata
		changed = true
	}
	if in.Tags != nil && !sameSet(in.Tags, cur.Tags) {
		upd.Tags = in.Tags
		changed = true
	}
	return upd, changed
}

// sameJSON compares two values by their JSON form (numbers of any Go type compare by value).
func sameJSON(a, b any) bool {
	norm := func(v any) any {
		raw, err := json.Marshal(v)
		if err != nil {
			return nil
		}
		var out any
		_ = json.Unmarshal(raw, &out)
		return out
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}
