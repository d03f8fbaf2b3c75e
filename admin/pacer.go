package admin

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// pacer spaces the requests of SyncUsers so that they stay under the service's rate limit instead of
// running into it. It combines two budgets:
//
//   - a configured rate (SyncOptions.RequestsPerMinute): request starts are spaced evenly, 60 s / rate
//     apart;
//   - the service's own accounting, read from the rate-limit headers of every response
//     (X-RateLimit-Limit/-Remaining/-Reset or X-Rate-Limit*).
//
// The service's remaining budget is the smallest Remaining seen in the current window (Remaining only
// falls within a window, so the smallest is the most recent count), less the requests sent whose
// answer has not been seen yet (they may not be counted in it). That estimate is never too high, and
// it becomes exact as answers arrive: when it reaches zero with requests still out, the workers wait
// for their answers; when it is zero with nothing out, they wait for the window's reset. After a 429
// every worker waits for its Retry-After.
type pacer struct {
	mu sync.Mutex
	// interval is the configured spacing (0: none) and next the earliest start of the next request.
	interval time.Duration
	next     time.Time

	// known is set once a response carried Limit and Remaining.
	known bool
	limit int
	// minRemaining is the smallest Remaining seen in the current window.
	minRemaining int
	// reset is the end of the current window (zero when the service did not say); refilled is the
	// reset for which the budget was refilled locally, so that happens once per window.
	reset    time.Time
	refilled time.Time
	// blockedUntil is set by a 429's Retry-After.
	blockedUntil time.Time
	// pending counts the acquired requests whose answer has not been observed yet.
	pending int
	// lastObs is when the last answer was observed (or the last probe sent).
	lastObs time.Time
	// changed is closed (and replaced) whenever an answer is observed.
	changed chan struct{}

	// requests and limited count the answers observed (and the 429s among them).
	requests, limited int
}

// ticket is one acquired request; it observes the answers of that request.
type ticket struct {
	p        *pacer
	observed bool // guarded by p.mu
}

// resetMargin is added to a window's reset before sending again, for clock skew between the client
// and the service.
const resetMargin = 50 * time.Millisecond

// unknownResetWait is how long the workers wait, when the budget looks spent and no answer is
// expected, before probing with one request.
const unknownResetWait = time.Second

func newPacer(requestsPerMinute int) *pacer {
	p := &pacer{changed: make(chan struct{})}
	if requestsPerMinute > 0 {
		p.interval = time.Minute / time.Duration(requestsPerMinute)
	}
	return p
}

// acquire waits until a request may start. The ticket must be released.
func (p *pacer) acquire(ctx context.Context) (*ticket, error) {
	for {
		until, wake, ok := p.tryAcquire()
		if ok {
			return &ticket{p: p}, nil
		}
		if err := sleepUntil(ctx, until, wake); err != nil {
			return nil, err
		}
	}
}

// tryAcquire takes a slot, or says until when (or until which signal) to wait.
func (p *pacer) tryAcquire() (until time.Time, wake <-chan struct{}, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Before(p.blockedUntil) {
		return p.blockedUntil, nil, false
	}
	if p.known {
		if !p.reset.IsZero() && !now.Before(p.reset.Add(resetMargin)) && !p.refilled.Equal(p.reset) {
			// The window has passed: assume a full budget until an answer says otherwise.
			p.refilled = p.reset
			p.minRemaining = p.limit
		}
		if p.minRemaining-p.pending <= 0 {
			switch {
			case p.pending > 0:
				// Answers are on their way and will tell more.
				return now.Add(unknownResetWait), p.changed, false
			case !p.reset.IsZero() && now.Before(p.reset.Add(resetMargin)):
				return p.reset.Add(resetMargin), nil, false
			case now.Before(p.lastObs.Add(unknownResetWait)):
				return p.lastObs.Add(unknownResetWait), p.changed, false
			default:
				p.lastObs = now // probe with one request
			}
		}
	}
	if p.interval > 0 {
		if now.Before(p.next) {
			return p.next, nil, false
		}
		p.next = now.Add(p.interval)
	}
	p.pending++
	return time.Time{}, nil, true
}

// release ends a ticket.
func (p *pacer) release(t *ticket) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !t.observed {
		t.observed = true
		p.pending--
	}
}

// observe is called by the transport for every answer of the ticket's request (retries included).
func (t *ticket) observe(status int, rl RateLimit) {
	p := t.p
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	p.lastObs = now
	p.requests++
	if !t.observed {
		t.observed = true
		p.pending--
	}
	if status == http.StatusTooManyRequests {
		p.limited++
		wait := rl.RetryAfter
		if wait <= 0 && !rl.Reset.IsZero() {
			wait = time.Until(rl.Reset)
		}
		if wait <= 0 {
			wait = unknownResetWait
		}
		if until := now.Add(wait); until.After(p.blockedUntil) {
			p.blockedUntil = until
		}
		p.minRemaining = 0
	}
	if rl.Limit >= 0 && rl.Remaining >= 0 {
		switch {
		case !p.known, rl.Reset.After(p.reset):
			p.minRemaining = rl.Remaining // a new window
			p.reset = rl.Reset
		case rl.Reset.Equal(p.reset):
			p.minRemaining = min(p.minRemaining, rl.Remaining)
		default:
			// A late answer from an earlier window: ignore it.
		}
		p.known = true
		p.limit = rl.Limit
	}
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *pacer) counts() (requests, limited int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests, p.limited
}

// sleepUntil waits until t, until wake is closed, or until ctx is done (its error is returned).
func sleepUntil(ctx context.Context, t time.Time, wake <-chan struct{}) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-wake:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
