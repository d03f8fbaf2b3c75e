package cometchat

import (
	"fmt"
	"testing"

	"github.com/cometchat-go/cometchat/internal/realtime"
)

// Frame and dispatch costs, measured on the dispatcher's own code with no network:
//
//   - BenchmarkFrame: the envelope decode the realtime reader does (realtime.DecodeFrame) plus the
//     body decode and routing the dispatcher does, per frame type, with no listener registered:
//     the full per-frame decode cost.
//   - BenchmarkDispatch: the same for a text message frame with 0, 1, 10 and 100 message listeners;
//     the difference to listeners=0 is the dispatch overhead per event.
//   - BenchmarkRoute: dispatch alone (an already decoded message handed to the listeners), the
//     overhead beyond decode with nothing else in the way. Target: no allocation per listener.
//
//	go test -run '^$' -bench 'BenchmarkFrame|BenchmarkDispatch|BenchmarkRoute' -benchmem .

func BenchmarkFrame(b *testing.B) {
	for _, fr := range benchFrames {
		b.Run(fr.name, func(b *testing.B) {
			_, d := benchClient(b)
			st := newIDStamper(fr.json)
			b.SetBytes(int64(len(st.buf)))
			b.ReportAllocs()
			for b.Loop() {
				f, err := realtime.DecodeFrame(st.next())
				if err != nil {
					b.Fatal(err)
				}
				d.handleFrame(f)
			}
			if d.duplicates.Load() != 0 {
				b.Fatalf("%d frames were dropped as duplicates: the benchmark measured nothing", d.duplicates.Load())
			}
		})
	}
}

func BenchmarkDispatch(b *testing.B) {
	for _, n := range []int{0, 1, 10, 100} {
		b.Run(fmt.Sprintf("listeners=%d", n), func(b *testing.B) {
			c, d := benchClient(b)
			var got int
			for i := range n {
				c.AddMessageListener(fmt.Sprintf("l%d", i), MessageListener{OnTextMessageReceived: func(*TextMessage) { got++ }})
			}
			st := newIDStamper(benchFrames[0].json)
			b.ReportAllocs()
			for b.Loop() {
				f, err := realtime.DecodeFrame(st.next())
				if err != nil {
					b.Fatal(err)
				}
				d.handleFrame(f)
			}
			if got != n*b.N {
				b.Fatalf("listeners called %d times, want %d", got, n*b.N)
			}
		})
	}
}

func BenchmarkRoute(b *testing.B) {
	for _, n := range []int{0, 1, 10, 100} {
		b.Run(fmt.Sprintf("listeners=%d", n), func(b *testing.B) {
			c, d := benchClient(b)
			var got int
			for i := range n {
				c.AddMessageListener(fmt.Sprintf("l%d", i), MessageListener{OnTextMessageReceived: func(*TextMessage) { got++ }})
			}
			m, err := decodeMessage(withID(benchMessages[0].json, 1))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				d.route(m)
			}
			if got != n*b.N {
				b.Fatalf("listeners called %d times, want %d", got, n*b.N)
			}
		})
	}
}

// TestDispatchAllocatesNothingPerListener pins the zero-allocation target of dispatch: handing a
// decoded message to 100 listeners allocates no more than handing it to one.
func TestDispatchAllocatesNothingPerListener(t *testing.T) {
	allocs := func(n int) float64 {
		c, d := benchClient(t)
		for i := range n {
			c.AddMessageListener(fmt.Sprintf("l%d", i), MessageListener{OnTextMessageReceived: func(*TextMessage) {}})
		}
		m, err := decodeMessage(withID(benchMessages[0].json, 1))
		if err != nil {
			t.Fatal(err)
		}
		return testing.AllocsPerRun(200, func() { d.route(m) })
	}
	one, hundred := allocs(1), allocs(100)
	if hundred > one {
		t.Fatalf("dispatch to 100 listeners allocates %.1f times per event, to 1 listener %.1f: it allocates per listener", hundred, one)
	}
}
