package emulator

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Persistence (Config.DataDir).
//
// The data directory holds:
//
//	state.json      the state, as a snapshot (snapshot.go)
//	state.json.bak  the state before the last import, if any
//	lock            an exclusive lock while an emulator uses the directory
//
// Durability: every successful REST call with a state-changing method (POST,
// PUT, PATCH, DELETE) writes the whole state before its response is sent
// (writeResult → persistBeforeReply). A write is atomic: a temporary file in
// the directory is written and fsynced, renamed over state.json, and the
// directory is fsynced. A crash at any point leaves either the old or the
// new state.json, both complete; leftover temporary files are removed at
// the next start.
//
// Group commit: concurrent writers share flushes. A writer needs a flush
// that starts after its change; while one flush runs, every writer that
// arrives waits for the next one, which a single writer performs for all of
// them. Under load the number of flushes is about the number of concurrent
// writers' "waves", not the number of requests.
//
// Changes that do not come from a state-changing REST call (WebSocket
// receipts, presence, the Go seeding helpers) publish events, which wake a
// background flusher; it writes them unless a REST call's flush already did.
// Changes that publish no event and come from a read (the JWT GET me issues,
// a session's last-seen time) are written with the next flush, at the latest
// at Close. The cost of a flush is one encoding of the whole state (under
// the state lock) plus the file write and two fsyncs: see
// BenchmarkPersistedWrite.

// stateFileName is the state file inside Config.DataDir.
const stateFileName = "state.json"

// PersistStats describes the writes of the state to Config.DataDir.
type PersistStats struct {
	// Flushes is the number of completed writes of state.json.
	Flushes uint64
	// Failures is how many of them failed.
	Failures uint64
	// Bytes is the size of the last state.json written.
	Bytes int
	// Total is the time spent in flushes: encoding, writing, fsyncs, rename.
	Total time.Duration
	// Last is the duration of the last flush.
	Last time.Duration
}

// persister writes the state of one Server to its data directory.
type persister struct {
	s    *Server
	dir  string
	path string
	lock *os.File // holds the directory lock (persist_lock_*.go)

	// mu guards the group-commit fields and stats; never held while taking
	// Server.mu.
	mu       sync.Mutex
	cond     *sync.Cond
	started  uint64 // flushes started
	done     uint64 // flushes finished (== started when not flushing)
	flushing bool
	lastErr  error
	stats    PersistStats
	closed   bool // closePersist has begun
	released bool // the directory lock is released: nothing more is written
	bgOn     bool

	// changes counts state changes: published events (counted with
	// Server.mu held, so a snapshot taken under it includes every change
	// counted before) and state-changing REST calls (counted after their
	// handler ran). flushed is its value at the last snapshot written
	// successfully; it only grows.
	changes atomic.Uint64
	flushed atomic.Uint64

	wake chan struct{} // cap 1: the background flusher has work
	stop chan struct{}
	wg   sync.WaitGroup
}

// restoreAtNew is called by New: it opens Config.DataDir (if any), loads the
// state from Config.Snapshot or DataDir/state.json, and writes the initial
// state.json. A corrupt or unknown-version snapshot is refused with an error
// naming it, and nothing on disk is changed.
func (s *Server) restoreAtNew(given Config) error {
	var p *persister
	if s.cfg.DataDir != "" {
		var err error
		if p, err = openPersister(s, s.cfg.DataDir); err != nil {
			return err
		}
	}
	fail := func(err error) error {
		if p != nil {
			p.release()
		}
		return err
	}
	var snap []byte
	source := "Config.Snapshot"
	existed := false
	switch {
	case s.cfg.Snapshot != nil:
		snap = s.cfg.Snapshot
	case p != nil:
		b, err := os.ReadFile(p.path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return fail(fmt.Errorf("emulator: reading %s: %w", p.path, err))
		default:
			snap, source, existed = b, p.path, true
		}
	}
	if snap != nil {
		st, err := decodeSnapshot(snap)
		if err != nil {
			return fail(fmt.Errorf("emulator: %s: %w; nothing was changed", source, err))
		}
		if err := s.adoptSnapshot(st, given); err != nil {
			return fail(fmt.Errorf("emulator: %s: %w; nothing was changed", source, err))
		}
		s.st = st
	}
	if p == nil {
		return nil
	}
	if s.cfg.Snapshot != nil {
		if err := p.backup(); err != nil {
			return fail(err)
		}
	}
	s.persist = p
	if !existed || s.cfg.Snapshot != nil {
		// Write now, so a restart finds the same App ID and keys even if
		// nothing changes before it.
		if err := p.syncNew(); err != nil {
			s.persist = nil
			return fail(err)
		}
	}
	s.mu.Lock()
	s.addEventSinkLocked(p.onEventLocked)
	s.mu.Unlock()
	return nil
}

// openPersister creates and locks dir and removes temporary files left by
// a crash.
func openPersister(s *Server, dir string) (*persister, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("emulator: data dir: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	if tmps, err := filepath.Glob(filepath.Join(dir, stateFileName+".tmp-*")); err == nil {
		for _, t := range tmps {
			_ = os.Remove(t)
		}
	}
	p := &persister{
		s: s, dir: dir, path: filepath.Join(dir, stateFileName), lock: lock,
		wake: make(chan struct{}, 1), stop: make(chan struct{}),
	}
	p.cond = sync.NewCond(&p.mu)
	return p, nil
}

// persistBeforeReply makes a successful state-changing REST call durable
// before writeResult sends its response. Reads are not flushed.
func (s *Server) persistBeforeReply(r *http.Request) error {
	if s.persist == nil {
		return nil
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if err := s.persist.syncNew(); err != nil {
		s.log.Error("persisting state failed", "dir", s.persist.dir, "err", err)
		return newError("ERR_MISSION_FAILED",
			"The emulator could not save its state to %s: %v. The change is in memory only.", s.persist.dir, err)
	}
	return nil
}

// Flush writes the state to Config.DataDir now (a no-op without one) and
// returns when it is durable.
func (s *Server) Flush() error {
	if s.persist == nil {
		return nil
	}
	return s.persist.syncNew()
}

// PersistStats returns the statistics of the writes to Config.DataDir (zero
// without one).
func (s *Server) PersistStats() PersistStats {
	if s.persist == nil {
		return PersistStats{}
	}
	p := s.persist
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// syncUpTo returns once the state that includes change number want (see
// persister.changes) is on disk, or with the error of the flush that should
// have written it. A writer that arrives while a flush runs waits for the
// next one, which one of the waiting writers performs for all of them.
func (p *persister) syncUpTo(want uint64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.released {
		return errPersistClosed
	}
	// A flush that starts after now snapshots a state that includes want.
	target := p.started + 1
	for {
		if p.flushed.Load() >= want {
			return nil
		}
		if p.done >= target {
			return p.lastErr // that flush failed
		}
		if p.flushing {
			p.cond.Wait()
			continue
		}
		p.flushing = true
		p.started++
		gen := p.started
		p.mu.Unlock()
		n, dur, err := p.flushOnce()
		p.mu.Lock()
		p.flushing = false
		p.done = gen
		p.stats.Flushes++
		p.stats.Total += dur
		p.stats.Last = dur
		if err != nil {
			p.stats.Failures++
			p.lastErr = err
		} else {
			p.stats.Bytes = n
		}
		p.cond.Broadcast()
	}
}

// syncNew makes every change made so far durable, including changes that
// published no event: it counts one more change, so only a flush that
// starts after the call satisfies it.
func (p *persister) syncNew() error { return p.syncUpTo(p.changes.Add(1)) }

// syncPending flushes the changes counted so far, if any is not on disk.
func (p *persister) syncPending() error {
	want := p.changes.Load()
	if p.flushed.Load() >= want {
		return nil
	}
	return p.syncUpTo(want)
}

// flushOnce snapshots the state (under Server.mu) and writes it atomically.
func (p *persister) flushOnce() (int, time.Duration, error) {
	start := time.Now()
	s := p.s
	s.mu.Lock()
	b, err := s.st.snapshot()
	seen := p.changes.Load()
	s.mu.Unlock()
	if err != nil {
		return 0, time.Since(start), fmt.Errorf("encoding state: %w", err)
	}
	if err := writeFileAtomic(p.dir, stateFileName, b); err != nil {
		return 0, time.Since(start), err
	}
	p.flushed.Store(seen)
	return len(b), time.Since(start), nil
}

// backup copies the current state.json (if any) to state.json.bak, before an
// import replaces it.
func (p *persister) backup() error {
	b, err := os.ReadFile(p.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("emulator: backing up %s: %w", p.path, err)
	}
	if err := writeFileAtomic(p.dir, stateFileName+".bak", b); err != nil {
		return fmt.Errorf("emulator: backing up %s: %w", p.path, err)
	}
	return nil
}

// noStateChange are event kinds that change nothing persistent.
var noStateChange = map[EventKind]bool{
	"typing_relayed":    true,
	"transient_relayed": true,
}

// onEventLocked is the persister's event sink: it counts the change and
// wakes the background flusher (started on first use). Caller holds
// Server.mu, so it must not block.
func (p *persister) onEventLocked(ev Event) {
	if noStateChange[ev.Kind] {
		return
	}
	p.changes.Add(1)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	if !p.bgOn {
		p.bgOn = true
		p.wg.Add(1)
		go p.background()
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// background flushes changes no REST call has flushed, until close.
func (p *persister) background() {
	defer p.wg.Done()
	for {
		select {
		case <-p.stop:
			return
		case <-p.wake:
		}
		if err := p.syncPending(); err != nil {
			p.s.log.Error("persisting state failed", "dir", p.dir, "err", err)
		}
	}
}

// closePersist stops the background flusher, writes what is left and
// releases the directory. Server.Close calls it after the listener has
// stopped, so no request can change the state afterwards.
func (s *Server) closePersist() {
	p := s.persist
	if p == nil {
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()
	close(p.stop)
	p.wg.Wait()
	if err := p.syncPending(); err != nil {
		s.log.Error("persisting state at close failed", "dir", p.dir, "err", err)
	}
	p.release()
}

// abandonPersist undoes restoreAtNew when New fails after it: it stops the
// background flusher (if an event started it) and releases the directory
// lock without writing, so the directory can be used again at once.
func (s *Server) abandonPersist() {
	p := s.persist
	if p == nil {
		return
	}
	p.mu.Lock()
	already := p.closed
	p.closed = true
	p.mu.Unlock()
	if !already {
		close(p.stop)
		p.wg.Wait()
	}
	p.release()
}

// release unlocks the directory; later syncs fail with errPersistClosed.
func (p *persister) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.released = true
	if p.lock != nil {
		unlockDir(p.lock)
		p.lock = nil
	}
}

// errPersistClosed: the Server was closed, so its data directory may
// already belong to another emulator.
var errPersistClosed = errors.New("emulator: closed; the data directory is released")

// writeFileAtomic replaces dir/name with data: temporary file, fsync,
// rename, directory fsync. The file mode is 0600 (a snapshot holds
// credentials).
func writeFileAtomic(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, name+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err = os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err = syncDir(dir); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}

// syncDir fsyncs a directory so a rename in it is durable. Some platforms
// cannot fsync a directory; that is not an error there.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !isSyncUnsupported(err) {
		return err
	}
	return nil
}

// isSyncUnsupported reports an fsync error that means "not supported here".
func isSyncUnsupported(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "invalid argument") || strings.Contains(msg, "not supported") ||
		strings.Contains(msg, "Access is denied")
}

// DataDir returns Config.DataDir ("" when the state is in memory only).
func (s *Server) DataDir() string { return s.cfg.DataDir }
