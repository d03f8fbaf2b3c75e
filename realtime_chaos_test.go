package cometchat_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
)

// TestChaosEveryMessageExactlyOnceInOrder: a bot receives 5,000 messages from five senders while
// the emulator drops its connection at random moments, refuses reconnects for a while and stalls
// pongs. The senders post over REST, so whatever the socket misses must come back through the
// catch-up: every message must reach the listener exactly once, in order per conversation.
func TestChaosEveryMessageExactlyOnceInOrder(t *testing.T) {
	const senders, perSender = 5, 1000
	e := newRTEnv(t)
	e.users("Bot")
	bot := e.client("bot",
		cometchat.WithHeartbeat(cometchat.Heartbeat{Interval: 150 * time.Millisecond, PongTimeout: 50 * time.Millisecond}),
		cometchat.WithReconnectPolicy(cometchat.ReconnectPolicy{BaseDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond}))

	var (
		mu       sync.Mutex
		next     = map[string]int{} // sender → next expected sequence number
		problems []string
		replayed int
	)
	total := make(chan struct{}, senders*perSender)
	bot.AddMessageListener("chaos", cometchat.MessageListener{OnTextMessageReceived: func(m *cometchat.TextMessage) {
		var seq int
		fmt.Sscanf(m.Text, "seq %d", &seq)
		mu.Lock()
		if want := next[m.SenderUID()]; seq != want {
			problems = append(problems, fmt.Sprintf("%s: got %d, want %d (replayed %v)", m.SenderUID(), seq, want, m.Replayed))
		}
		next[m.SenderUID()] = seq + 1
		if m.Replayed {
			replayed++
		}
		mu.Unlock()
		total <- struct{}{}
	}})

	clients := make([]*cometchat.Client, senders)
	for i := range clients {
		uid := fmt.Sprintf("sender%d", i)
		e.users(uid)
		st := e.settings()
		st.DisableAutoConnect = true // senders use REST only
		clients[i] = e.loginWith(st, uid)
	}

	// Chaos until the senders are done.
	stop := make(chan struct{})
	chaosDone := make(chan int)
	go func() {
		faults := 0
		r := rand.New(rand.NewPCG(1, 2))
		for {
			t := time.NewTimer(time.Duration(20+r.IntN(80)) * time.Millisecond)
			select {
			case <-stop:
				t.Stop()
				chaosDone <- faults
				return
			case <-t.C:
			}
			faults++
			switch r.IntN(4) {
			case 0, 1:
				e.emu.DropConnections("bot")
			case 2:
				e.emu.StallPongs(time.Duration(100+r.IntN(200)) * time.Millisecond)
			case 3:
				e.emu.RefuseConnections(time.Duration(50+r.IntN(100)) * time.Millisecond)
				e.emu.DropConnections("bot")
			}
		}
	}()

	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			for n := range perSender {
				if _, err := c.SendText(ctx, "bot", cometchat.ReceiverTypeUser, fmt.Sprintf("seq %d", n)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	sendTime := time.Since(start)
	close(stop)
	faults := <-chaosDone
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	e.emu.StallPongs(0)
	e.emu.RefuseConnections(0)

	deadline := time.After(2 * time.Minute)
	for i := range senders * perSender {
		select {
		case <-total:
		case <-deadline:
			mu.Lock()
			t.Fatalf("only %d of %d messages arrived; stats %+v; next %v", i, senders*perSender, bot.RealtimeStats(), next)
		}
	}
	elapsed := time.Since(start)
	// Anything extra would be a duplicate; a final live message proves the queue is drained.
	marker := textSink(bot)
	_, err := clients[0].SendText(rtCtx(t), "bot", cometchat.ReceiverTypeUser, fmt.Sprintf("seq %d", perSender))
	require.NoError(t, err)
	recv(t, marker)
	<-total

	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, problems, "exactly once and in order per conversation")
	for i := range senders {
		want := perSender
		if i == 0 {
			want++
		}
		assert.Equal(t, want, next[fmt.Sprintf("sender%d", i)])
	}
	st := bot.RealtimeStats()
	t.Logf("%d messages in %v (sending took %v); %d faults injected; %d reconnects, %d pong timeouts, %d replayed by %d catch-ups, %d duplicates dropped",
		senders*perSender, elapsed.Round(time.Millisecond), sendTime.Round(time.Millisecond), faults, st.Reconnects, st.PongTimeouts, replayed, st.CatchUps, st.Duplicates)
	assert.Positive(t, st.Reconnects, "the connection was dropped")
	assert.Positive(t, replayed, "some messages came through the catch-up")
}
