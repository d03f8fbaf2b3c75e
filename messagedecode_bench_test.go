package cometchat

import (
	"testing"
)

// Decode cost per message category: the time and allocations of decodeMessage, the one decoder that
// REST lists, WebSocket frames and action entities share. Run with
//
//	go test -run '^$' -bench 'BenchmarkDecodeMessage' -benchmem .
func BenchmarkDecodeMessage(b *testing.B) {
	for _, s := range benchMessages {
		b.Run(s.name, func(b *testing.B) {
			raw := withID(s.json, 13)
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				m, err := decodeMessage(raw)
				if err != nil || m == nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncodeMessage is the other direction (json.Marshal of a typed Message), used when an
// application stores messages.
func BenchmarkEncodeMessage(b *testing.B) {
	for _, s := range benchMessages {
		b.Run(s.name, func(b *testing.B) {
			m, err := decodeMessage(withID(s.json, 13))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := encodeMessage(m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
