package main

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/admin"
)

// idleResult is the memory of N logged-in, connected, idle Clients in one process.
type idleResult struct {
	Clients                    int
	HeapPerClient              float64 // bytes (HeapAlloc after GC)
	GoroutinesPerClient        float64
	HeapAfterClose             int64 // HeapAlloc after Close minus before the clients, bytes
	GoroutinesAfterClose       int
	EmuHeapPerConn             float64 // the emulator's heap per connection (child process only)
	EmuGoroutinesPerConn       float64
	SharedHTTPClient           bool
	LoginElapsed               time.Duration
	EmulatorInSeparateProcess  bool
	EmulatorMeasurementSkipped string
}

// gcStats returns HeapAlloc after two GCs and the goroutine count.
func gcStats() (uint64, int) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc, runtime.NumGoroutine()
}

// runIdle logs n clients in (users idle0…), waits until each is connected, and measures.
func runIdle(ctx context.Context, be backend, n int, shared bool, memProfile string) (idleResult, error) {
	res := idleResult{Clients: n, SharedHTTPClient: shared}
	if err := be.CreateUsers("idle", n); err != nil {
		return res, err
	}
	em0, emErr := be.Mem()
	if emErr != nil {
		res.EmulatorMeasurementSkipped = emErr.Error()
	} else {
		res.EmulatorInSeparateProcess = true
	}
	var hc *http.Client
	if shared {
		hc = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}}
		defer hc.CloseIdleConnections()
	}
	h0, g0 := gcStats()
	clients := make([]*cometchat.Client, n)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			st := sdkSettings(be.Info())
			st.HTTPClient = hc
			c, err := loginSDKWith(ctx, st, "idle"+strconv.Itoa(i), be.Info().AuthKey)
			if err != nil {
				errs <- err
				return
			}
			clients[i] = c
		}()
	}
	wg.Wait()
	res.LoginElapsed = time.Since(start)
	closeAll := func() {
		var cw sync.WaitGroup
		for _, c := range clients {
			if c != nil {
				cw.Add(1)
				go func() { defer cw.Done(); _ = c.Close() }()
			}
		}
		cw.Wait()
	}
	select {
	case err := <-errs:
		closeAll()
		return res, err
	default:
	}
	h1, g1 := gcStats()
	if memProfile != "" {
		if f, err := os.Create(memProfile); err == nil {
			_ = pprof.WriteHeapProfile(f)
			_ = f.Close()
		}
	}
	res.HeapPerClient = float64(int64(h1)-int64(h0)) / float64(n)
	res.GoroutinesPerClient = float64(g1-g0) / float64(n)
	if emErr == nil {
		if em1, err := be.Mem(); err == nil {
			res.EmuHeapPerConn = float64(int64(em1.HeapAlloc)-int64(em0.HeapAlloc)) / float64(n)
			res.EmuGoroutinesPerConn = float64(em1.Goroutines-em0.Goroutines) / float64(n)
		}
	}
	closeAll()
	if hc != nil {
		hc.CloseIdleConnections()
	}
	clients = nil
	h2, g2 := gcStats()
	if memProfile != "" {
		if f, err := os.Create(memProfile + ".after-close"); err == nil {
			_ = pprof.WriteHeapProfile(f)
			_ = f.Close()
		}
	}
	res.HeapAfterClose = int64(h2) - int64(h0)
	res.GoroutinesAfterClose = g2 - g0
	return res, nil
}

// reconnectResult is one outage.
type reconnectResult struct {
	// PlainDrop: drop every connection (nothing sent meanwhile), time to connected again.
	PlainDropToConnected time.Duration
	// Outage: connections dropped and refused while Messages are sent over REST, then accepted again.
	Messages                  int
	SendDuration              time.Duration
	DropToConnected           time.Duration
	DropToCaughtUp            time.Duration
	AcceptToConnected         time.Duration
	AcceptToCaughtUp          time.Duration
	Replayed                  int
	DuplicatesDuringCatchUp   int64
	DeliveredExactlyOnce      bool
	ReconnectAttemptsInOutage int
}

// runReconnect measures one plain drop and one outage with messages sent during it, on a fresh
// receiver (users rc-rx{round}, rc-tx{round}).
func runReconnect(ctx context.Context, be backend, round, messages int) (reconnectResult, error) {
	var res reconnectResult
	res.Messages = messages
	rxUID, txUID := "rc-rx"+strconv.Itoa(round), "rc-tx"+strconv.Itoa(round)
	if err := be.CreateUsers(rxUID, 1); err != nil {
		return res, err
	}
	if err := be.CreateUsers(txUID, 1); err != nil {
		return res, err
	}
	rxUID, txUID = rxUID+"0", txUID+"0"
	info := be.Info()
	rx, err := loginSDK(ctx, info, rxUID)
	if err != nil {
		return res, err
	}
	defer rx.Close()
	txSettings := sdkSettings(info)
	txSettings.DisableAutoConnect = true
	tx, err := cometchat.Init(txSettings)
	if err != nil {
		return res, err
	}
	defer tx.Close()
	if _, err := tx.Login(ctx, txUID, info.AuthKey); err != nil {
		return res, err
	}

	connected := make(chan time.Time, 16)
	var attempts atomic.Int64
	rx.AddConnectionListener("bench", cometchat.ConnectionListener{
		OnConnected:    func() { connected <- time.Now() },
		OnReconnecting: func(cometchat.ReconnectInfo) { attempts.Add(1) },
	})
	seen := map[cometchat.MessageID]int{}
	var mu sync.Mutex
	caughtUp := make(chan time.Time, 1)
	rx.AddMessageListener("bench", cometchat.MessageListener{OnTextMessageReceived: func(m *cometchat.TextMessage) {
		mu.Lock()
		defer mu.Unlock()
		seen[m.ID()]++
		if len(seen) == messages {
			select {
			case caughtUp <- time.Now():
			default:
			}
		}
	}})
	wait := func(ch <-chan time.Time, what string) (time.Time, error) {
		select {
		case t := <-ch:
			return t, nil
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("reconnect: no %s: %w", what, ctx.Err())
		}
	}

	// 1. A plain drop.
	t0 := time.Now()
	if err := be.Drop(); err != nil {
		return res, err
	}
	t1, err := wait(connected, "reconnect after a plain drop")
	if err != nil {
		return res, err
	}
	res.PlainDropToConnected = t1.Sub(t0)
	before := rx.RealtimeStats()

	// 2. An outage with messages sent during it.
	if err := be.Refuse(10 * time.Minute); err != nil {
		return res, err
	}
	attempts.Store(0)
	t0 = time.Now()
	if err := be.Drop(); err != nil {
		return res, err
	}
	sendStart := time.Now()
	if err := sendConcurrently(ctx, tx, rxUID, messages, 16); err != nil {
		return res, err
	}
	res.SendDuration = time.Since(sendStart)
	tAccept := time.Now()
	if err := be.Refuse(0); err != nil {
		return res, err
	}
	res.ReconnectAttemptsInOutage = int(attempts.Load())
	tConn, err := wait(connected, "reconnect after the outage")
	if err != nil {
		return res, err
	}
	tDone, err := wait(caughtUp, fmt.Sprintf("catch-up of %d messages", messages))
	if err != nil {
		return res, err
	}
	res.DropToConnected, res.DropToCaughtUp = tConn.Sub(t0), tDone.Sub(t0)
	res.AcceptToConnected, res.AcceptToCaughtUp = tConn.Sub(tAccept), tDone.Sub(tAccept)
	after := rx.RealtimeStats()
	res.Replayed = int(after.Replayed - before.Replayed)
	res.DuplicatesDuringCatchUp = after.Duplicates - before.Duplicates
	mu.Lock()
	res.DeliveredExactlyOnce = len(seen) == messages
	for _, k := range seen {
		if k != 1 {
			res.DeliveredExactlyOnce = false
		}
	}
	mu.Unlock()
	return res, nil
}

// sendConcurrently sends n text messages from c to uid with inFlight requests at a time.
func sendConcurrently(ctx context.Context, c *cometchat.Client, uid string, n, inFlight int) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, inFlight)
	for range inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				if _, err := c.SendText(ctx, uid, cometchat.ReceiverTypeUser, "m"+strconv.FormatInt(i, 10)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// sendResult is REST send throughput.
type sendResult struct {
	Messages, InFlight int
	Client             string
	Elapsed            time.Duration
}

// PerSec is messages per second.
func (r sendResult) PerSec() float64 { return float64(r.Messages) / r.Elapsed.Seconds() }

// runSends sends n messages with inFlight requests at a time from a REST-only client, with the SDK's
// default HTTP client or one keeping enough idle connections for the concurrency.
func runSends(ctx context.Context, be backend, n, inFlight int, tuned bool) (sendResult, error) {
	res := sendResult{Messages: n, InFlight: inFlight, Client: "the SDK's default"}
	st := sdkSettings(be.Info())
	st.DisableAutoConnect = true
	if tuned {
		res.Client = "caller-supplied (64 idle per host)"
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}}
		defer hc.CloseIdleConnections()
		st.HTTPClient = hc
	}
	c, err := cometchat.Init(st)
	if err != nil {
		return res, err
	}
	defer c.Close()
	if _, err := c.Login(ctx, "send-tx0", be.Info().AuthKey); err != nil {
		return res, err
	}
	// Warm the connection pool and the emulator's code paths.
	if err := sendConcurrently(ctx, c, "send-rx0", inFlight*2, inFlight); err != nil {
		return res, err
	}
	start := time.Now()
	if err := sendConcurrently(ctx, c, "send-rx0", n, inFlight); err != nil {
		return res, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// syncResult is bulk user sync throughput.
type syncResult struct {
	Users, Concurrency, Requests, RateLimited int
	Elapsed                                   time.Duration
	Client                                    string
}

// PerSec is users per second.
func (r syncResult) PerSec() float64 { return float64(r.Users) / r.Elapsed.Seconds() }

// runSync creates n new users with admin.SyncUsers under the generous rate limit.
func runSync(ctx context.Context, be backend, n, concurrency int, prefix string, tuned bool) (syncResult, error) {
	info := be.Info()
	opts := []admin.Option{admin.WithBaseURL(info.URL + "/v3"), admin.WithAllowInsecure()}
	client := "the admin package's default"
	if tuned {
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}}
		defer hc.CloseIdleConnections()
		opts = append(opts, admin.WithHTTPClient(hc))
		client = "caller-supplied (64 idle per host)"
	}
	c, err := admin.New(info.AppID, "eu", info.RESTKey, opts...)
	if err != nil {
		return syncResult{}, err
	}
	var src iter.Seq2[admin.UserInput, error] = func(yield func(admin.UserInput, error) bool) {
		for i := range n {
			if !yield(admin.UserInput{UID: prefix + strconv.Itoa(i), Name: "Synced user " + strconv.Itoa(i)}, nil) {
				return
			}
		}
	}
	sum, err := c.SyncUsers(ctx, src, admin.SyncOptions{Concurrency: concurrency})
	if err != nil {
		return syncResult{}, err
	}
	if len(sum.Failed) > 0 || sum.Created != n {
		return syncResult{}, fmt.Errorf("sync: %s; first failure: %v", sum, sum.Failed)
	}
	return syncResult{Users: n, Concurrency: concurrency, Requests: sum.Requests, RateLimited: sum.RateLimited, Elapsed: sum.Elapsed, Client: client}, nil
}
