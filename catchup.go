package cometchat

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Catch-up (surface.md §23 #1): the official SDKs lose every message sent while the socket was down.
// This Client remembers the id of the last message it handed to the listeners; each time a link comes
// up (and whenever the event buffer overflowed) it pages through GET messages?affix=append&id=<last>,
// drops what it already delivered, and delivers the rest in order, marked Replayed, before any live
// event of the new link. Message ids grow monotonically per app, so "after the last delivered id"
// covers every conversation, including ones the user had never seen.
//
// The position starts at login: the newest message id then (one GET messages?affix=prepend), or the
// position a CursorStore kept from an earlier run.
//
// The user's own messages are skipped in the catch-up (the frames of the user's other sessions carry
// their device id, but a stored message does not say which session sent it, so a bot would otherwise
// be handed its own replies).

// CursorStore persists the catch-up position per app and user (see WithCursorStore).
type CursorStore interface {
	// LoadCursor returns the saved position, or 0 when there is none.
	LoadCursor(ctx context.Context, appID, uid string) (MessageID, error)
	// SaveCursor records that every message up to id was handed to the listeners.
	SaveCursor(ctx context.Context, appID, uid string, id MessageID) error
}

// catchUpPageSize is the page size of the catch-up (the message lists' maximum).
const catchUpPageSize = MaxPageSize

// maxCatchUpPages bounds one catch-up (100,000 messages).
const maxCatchUpPages = 1000

// Cursor saves are batched: at most one per saveEvery, and on Disconnect, Logout and Close.
const saveEvery = time.Second

// cursor is the catch-up position of one user.
type cursor struct {
	appID, uid string
	store      CursorStore

	mu sync.Mutex
	id MessageID
	// sinceSentAt is used while id is 0: the messages list was empty at login, so every message sent
	// after that time is new.
	sinceSentAt int64
	known       bool
	saved       MessageID
	savedAt     time.Time
}

func newCursor(appID, uid string, store CursorStore) *cursor {
	return &cursor{appID: appID, uid: uid, store: store}
}

// position returns where the catch-up starts.
func (cu *cursor) position() (id MessageID, sinceSentAt int64, known bool) {
	if cu == nil {
		return 0, 0, false
	}
	cu.mu.Lock()
	defer cu.mu.Unlock()
	return cu.id, cu.sinceSentAt, cu.known
}

// advance moves the position to id if it is newer, and saves it now and then.
func (cu *cursor) advance(ctx context.Context, id MessageID) {
	if cu == nil {
		return
	}
	cu.mu.Lock()
	if id > cu.id {
		cu.id = id
		cu.known = true
	}
	save := cu.store != nil && cu.id != cu.saved && time.Since(cu.savedAt) >= saveEvery
	cu.mu.Unlock()
	if save {
		cu.flush(ctx)
	}
}

// flush saves the position if it moved since the last save.
func (cu *cursor) flush(ctx context.Context) error {
	if cu == nil || cu.store == nil {
		return nil
	}
	cu.mu.Lock()
	id := cu.id
	if id == cu.saved || id == 0 {
		cu.mu.Unlock()
		return nil
	}
	cu.savedAt = time.Now()
	cu.mu.Unlock()
	if err := cu.store.SaveCursor(ctx, cu.appID, cu.uid, id); err != nil {
		return err
	}
	cu.mu.Lock()
	if id > cu.saved {
		cu.saved = id
	}
	cu.mu.Unlock()
	return nil
}

// initCursor establishes the starting position before the first connection: the CursorStore's, else
// the newest message id. It does nothing once the position is known.
func (c *Client) initCursor(ctx context.Context, cu *cursor) error {
	if _, _, known := cu.position(); known {
		return nil
	}
	if cu.store != nil {
		id, err := cu.store.LoadCursor(ctx, cu.appID, cu.uid)
		if err != nil {
			return err
		}
		if id > 0 {
			cu.mu.Lock()
			cu.id, cu.known, cu.saved = id, true, id
			cu.mu.Unlock()
			return nil
		}
	}
	started := time.Now()
	q := url.Values{"per_page": {"1"}, "affix": {"prepend"}}
	var raw json.RawMessage
	if err := c.do(ctx, &call{method: http.MethodGet, path: "messages", query: q}, &raw); err != nil {
		return err
	}
	ms, err := decodeMessages(raw)
	if err != nil {
		return err
	}
	cu.mu.Lock()
	defer cu.mu.Unlock()
	if cu.known {
		return nil
	}
	for _, m := range ms {
		if m.ID() > cu.id {
			cu.id = m.ID()
		}
	}
	if cu.id == 0 {
		// No message at all yet: everything from now on is new. The margin covers clock skew; nothing
		// sent before login can fall in it, because the list was empty.
		cu.sinceSentAt = started.Add(-time.Hour).Unix()
	}
	cu.known = true
	return nil
}

// catchUp delivers the messages missed since the position, then reports OnResynced. On failure it
// reports the error and tries again when the next link comes up.
func (d *dispatcher) catchUp(downtime time.Duration) {
	c := d.c
	if c.opts.realtime.noCatchUp {
		return
	}
	after, since, known := d.cur.position()
	if !known {
		return
	}
	me, _ := c.LoggedInUser()
	if me == nil {
		return
	}
	start := after
	q := url.Values{"per_page": {strconv.Itoa(catchUpPageSize)}, "affix": {"append"}, "withThreadSubscribed": {"true"}}
	if after > 0 {
		q.Set("id", after.String())
	} else {
		q.Set("sentAt", strconv.FormatInt(since, 10))
	}
	replayed := 0
	for page := 0; page < maxCatchUpPages; page++ {
		var raw json.RawMessage
		if err := c.do(d.ctx, &call{method: http.MethodGet, path: "messages", query: q}, &raw); err != nil {
			if d.ctx.Err() == nil {
				c.log.Warn("cometchat: catch-up failed", "err", err)
				c.reportError(err)
			}
			return
		}
		ms, err := decodeMessages(raw)
		if err != nil {
			c.reportError(err)
			return
		}
		slices.SortFunc(ms, func(a, b Message) int { return cmp.Compare(a.ID(), b.ID()) })
		next := after
		for _, m := range ms {
			id := m.ID()
			if id == 0 || (after > 0 && id <= after) {
				continue
			}
			next = max(next, id)
			if m.SenderUID() == me.UID {
				// Not marked seen: its live frame may still reach this session from another one.
				d.cur.advance(d.ctx, id)
				continue
			}
			if d.deliver(m, true) {
				replayed++
			}
		}
		if len(ms) < catchUpPageSize || next <= after {
			break
		}
		after = next
		q.Set("id", after.String())
		q.Del("sentAt")
	}
	d.catchUps.Add(1)
	last, _, _ := d.cur.position()
	info := ResyncInfo{Replayed: replayed, Downtime: downtime, After: start, Last: last}
	c.emitConnection("OnResynced", func(l ConnectionListener) {
		if l.OnResynced != nil {
			l.OnResynced(info)
		}
	})
}

// window is a bounded set of the most recent keys (message ids; receipt and reaction keys). It grows
// with use up to its size: an idle Client must not pay for a full window (History 1 in BENCHMARKS.md).
type window[K comparable] struct {
	set  map[K]struct{}
	ring []K
	next int
	size int
}

func newWindow[K comparable](n int) *window[K] {
	return &window[K]{set: map[K]struct{}{}, size: n}
}

// add records k and reports whether it was new.
func (w *window[K]) add(k K) bool {
	if _, ok := w.set[k]; ok {
		return false
	}
	if len(w.ring) < w.size {
		w.ring = append(w.ring, k)
	} else {
		delete(w.set, w.ring[w.next])
		w.ring[w.next] = k
		w.next = (w.next + 1) % w.size
	}
	w.set[k] = struct{}{}
	return true
}
