package cometchat_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"go.uber.org/goleak"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/internal/emulator"
)

// TestSoakExactlyOnceWhileConnectionsDrop is the soak test of issue 7: many Clients send and receive
// 1:1 and group messages while the emulator keeps dropping their connections (all at once, or one
// user's) and now and then delivers a frame twice. Afterwards every message has reached every
// recipient exactly once (live or through the catch-up), nobody received their own message, and once
// everything is closed the goroutines are back to where they started and the heap is back near its
// starting size.
//
// It is bounded: about 6–15 s with -race (see BENCHMARKS.md §5), about 1 s with -short.
// COMETCHAT_SOAK_SCALE=k multiplies the users and messages for a longer soak.
func TestSoakExactlyOnceWhileConnectionsDrop(t *testing.T) {
	users, perUser, groupPerUser := 16, 200, 30
	if testing.Short() {
		users, perUser, groupPerUser = 8, 40, 8
	}
	if s, err := strconv.Atoi(os.Getenv("COMETCHAT_SOAK_SCALE")); err == nil && s > 1 {
		users, perUser, groupPerUser = users*s, perUser*s, groupPerUser*s
	}
	ignore := goleak.IgnoreCurrent()
	heapStart := soakHeap()

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()
	emu, err := emulator.New(emulator.Config{DisableDashboard: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(emu.URL(), "http://")
	hc := cleanhttp.DefaultPooledClient()
	settings := cometchat.AppSettings{AppID: emu.AppID(), Region: cometchat.RegionEU, AllowInsecure: true, HTTPClient: hc,
		Endpoints: cometchat.Endpoints{ClientAPI: "http://" + host + "/v3.0", AdminAPI: "http://" + host + "/v3.0", WebSocket: "ws://" + host + "/"}}

	// Receipt book: every delivery, by receiver, counted per message id.
	var mu sync.Mutex
	got := map[string]map[cometchat.MessageID]int{}
	var replayed int
	changed := make(chan struct{}, 1)
	uids := make([]string, users)
	clients := make([]*cometchat.Client, users)
	closeAll := func() {
		var wg sync.WaitGroup
		for _, c := range clients {
			if c != nil {
				wg.Add(1)
				go func() { defer wg.Done(); _ = c.Close() }()
			}
		}
		wg.Wait()
	}
	for i := range users {
		uids[i] = "soak" + strconv.Itoa(i)
		if err := emu.CreateUser(uids[i], "Soak "+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
		got[uids[i]] = map[cometchat.MessageID]int{}
	}
	for i, uid := range uids {
		c, err := cometchat.Init(settings, cometchat.WithReconnectPolicy(cometchat.ReconnectPolicy{BaseDelay: 20 * time.Millisecond, MaxDelay: 200 * time.Millisecond}))
		if err != nil {
			t.Fatal(err)
		}
		clients[i] = c
		c.AddMessageListener("soak", cometchat.MessageListener{OnTextMessageReceived: func(m *cometchat.TextMessage) {
			mu.Lock()
			got[uid][m.ID()]++
			if m.Replayed {
				replayed++
			}
			mu.Unlock()
			select {
			case changed <- struct{}{}:
			default:
			}
		}})
		if _, err := c.Login(ctx, uid, emu.AuthKey()); err != nil {
			closeAll()
			t.Fatal(err)
		}
	}
	defer closeAll()
	for _, c := range clients {
		if err := c.Connect(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := clients[0].CreateGroup(ctx, &cometchat.Group{GUID: "soak-group", Name: "Soak", Type: cometchat.GroupTypePublic}); err != nil {
		t.Fatal(err)
	}
	for _, c := range clients[1:] {
		if _, err := c.JoinGroup(ctx, "soak-group", cometchat.GroupTypePublic, ""); err != nil {
			t.Fatal(err)
		}
	}
	// The join actions are not text messages; only what is sent from here on counts.

	// The chaos: drop everyone, or one user, every few tens of milliseconds while the sends run.
	stopChaos := make(chan struct{})
	chaosDone := make(chan int)
	go func() {
		drops := 0
		tick := time.NewTicker(60 * time.Millisecond)
		defer tick.Stop()
		rng := rand.New(rand.NewPCG(1, 2))
		for {
			select {
			case <-stopChaos:
				chaosDone <- drops
				return
			case <-tick.C:
				switch rng.IntN(4) {
				case 0:
					emu.DropAllConnections()
				case 1:
					emu.DuplicateNextFrame() // a flaky relay: the next frame reaches its sessions twice
				default:
					emu.DropConnections(uids[rng.IntN(len(uids))])
				}
				drops++
			}
		}
	}()

	// The traffic: every user sends 1:1 messages to the others in turn, and messages to the group.
	want := map[string]map[cometchat.MessageID]bool{}
	for _, uid := range uids {
		want[uid] = map[cometchat.MessageID]bool{}
	}
	var wantMu sync.Mutex
	var sendWG sync.WaitGroup
	sendErrs := make(chan error, users)
	for i, c := range clients {
		sendWG.Add(1)
		go func() {
			defer sendWG.Done()
			for k := range perUser + groupPerUser {
				var to string
				rt := cometchat.ReceiverTypeUser
				if k < perUser {
					to = uids[(i+1+k%(users-1))%users]
				} else {
					to, rt = "soak-group", cometchat.ReceiverTypeGroup
				}
				m, err := c.SendText(ctx, to, rt, fmt.Sprintf("%s #%d", uids[i], k))
				if err != nil {
					sendErrs <- fmt.Errorf("%s → %s: %w", uids[i], to, err)
					return
				}
				wantMu.Lock()
				if rt == cometchat.ReceiverTypeUser {
					want[to][m.ID()] = true
				} else {
					for j, uid := range uids {
						if j != i {
							want[uid][m.ID()] = true
						}
					}
				}
				wantMu.Unlock()
			}
		}()
	}
	sendWG.Wait()
	close(stopChaos)
	drops := <-chaosDone
	select {
	case err := <-sendErrs:
		t.Fatal(err)
	default:
	}

	// Everyone reconnects and catches up; wait until the book balances (or report what is missing).
	complete := func() (missing, extra, dupes int) {
		mu.Lock()
		defer mu.Unlock()
		for uid, ids := range want {
			for id := range ids {
				if got[uid][id] == 0 {
					missing++
				}
			}
			for id, n := range got[uid] {
				if !ids[id] {
					extra++
				}
				if n > 1 {
					dupes++
				}
			}
		}
		return
	}
	for {
		missing, extra, dupes := complete()
		if extra > 0 || dupes > 0 {
			t.Fatalf("%d deliveries of messages not addressed to the receiver (or their own), %d delivered more than once", extra, dupes)
		}
		if missing == 0 {
			break
		}
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("%d deliveries still missing after %d connection drops", missing, drops)
		}
	}
	total := 0
	for _, ids := range want {
		total += len(ids)
	}
	mu.Lock()
	t.Logf("%d users, %d deliveries, %d connection drops, %d delivered by catch-up", users, total, drops, replayed)

	mu.Unlock()
	for _, c := range clients {
		if st := c.RealtimeStats(); st.HandlerPanics != 0 {
			t.Errorf("handler panics: %d", st.HandlerPanics)
		}
	}
	if drops == 0 {
		t.Fatal("the chaos never dropped a connection: the test proved nothing")
	}

	// Close everything; goroutines and heap go back to the start.
	closeAll()
	hc.CloseIdleConnections()
	if err := emu.Close(); err != nil {
		t.Errorf("emulator close: %v", err)
	}
	clients = nil
	if err := goleak.Find(ignore); err != nil {
		t.Fatalf("goroutines left after Close: %v", err)
	}
	heapEnd := soakHeap()
	const slack = 1 << 20
	t.Logf("heap: %d KiB at start, %d KiB after Close", heapStart>>10, heapEnd>>10)
	if heapEnd > heapStart+slack {
		t.Fatalf("heap grew from %d KiB to %d KiB after everything was closed", heapStart>>10, heapEnd>>10)
	}
}

// soakHeap is the live heap after a full collection.
func soakHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
