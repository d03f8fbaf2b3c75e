package realtime

import (
	"fmt"
	"math"
	"time"
)

// Backoff is the reconnect policy: exponential back-off with full jitter. The wait before attempt n
// (n >= 1 consecutive failures) is uniformly random in [0, min(Max, Base·Factor^(n-1))).
type Backoff struct {
	// Base is the first ceiling. Default 500 ms.
	Base time.Duration
	// Factor multiplies the ceiling per failure. Default 2.
	Factor float64
	// Max caps the ceiling. Default 30 s.
	Max time.Duration
	// MaxAttempts stops reconnecting after that many consecutive failures; 0 means never stop.
	MaxAttempts int
	// StableAfter is how long a link must stay up before the failure count resets. Default 30 s.
	StableAfter time.Duration
}

// Defaults of Backoff.
const (
	DefaultBackoffBase   = 500 * time.Millisecond
	DefaultBackoffFactor = 2.0
	DefaultBackoffMax    = 30 * time.Second
	DefaultStableAfter   = 30 * time.Second
)

// WithDefaults fills the zero fields.
func (b Backoff) WithDefaults() Backoff {
	if b.Base == 0 {
		b.Base = DefaultBackoffBase
	}
	if b.Factor == 0 {
		b.Factor = DefaultBackoffFactor
	}
	if b.Max == 0 {
		b.Max = DefaultBackoffMax
	}
	if b.StableAfter == 0 {
		b.StableAfter = DefaultStableAfter
	}
	return b
}

// Validate rejects negative or nonsensical values.
func (b Backoff) Validate() error {
	switch {
	case b.Base < 0 || b.Max < 0 || b.StableAfter < 0 || b.MaxAttempts < 0:
		return fmt.Errorf("reconnect policy values must not be negative")
	case b.Factor != 0 && b.Factor < 1:
		return fmt.Errorf("reconnect back-off factor must be at least 1")
	case b.Max != 0 && b.Base > b.Max:
		return fmt.Errorf("reconnect back-off base %v is above its cap %v", b.Base, b.Max)
	}
	return nil
}

// Ceiling is the upper bound of the wait before attempt n (n >= 1).
func (b Backoff) Ceiling(n int) time.Duration {
	b = b.WithDefaults()
	if n < 1 {
		n = 1
	}
	c := float64(b.Base) * math.Pow(b.Factor, float64(n-1))
	if c > float64(b.Max) || math.IsInf(c, 0) || math.IsNaN(c) {
		return b.Max
	}
	return time.Duration(c)
}

// Delay is the jittered wait before attempt n; r is a uniform random number in [0, 1).
func (b Backoff) Delay(n int, r float64) time.Duration {
	return time.Duration(r * float64(b.Ceiling(n)))
}
