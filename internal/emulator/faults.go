package emulator

import (
	"errors"
	"time"
)

// Fault injection for tests of realtime clients (surface.md §24 #20). Every method is safe to call
// from any goroutine at any time.

// DropAllConnections drops every WebSocket connection at once, without a close frame (as a network
// failure would), and returns how many it dropped. New connections are accepted as before.
func (s *Server) DropAllConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.hub.conns {
		c.dropLocked()
		n++
	}
	return n
}

// DropConnections drops every WebSocket connection of uid, without a close frame, and returns how
// many it dropped.
func (s *Server) DropConnections(uid string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.hub.byUID[normID(uid)] {
		c.dropLocked()
		n++
	}
	return n
}

// RefuseConnections answers WebSocket upgrades with 503 for d from now; d <= 0 accepts them again.
// Existing connections are not touched (combine with DropAllConnections for an outage).
func (s *Server) RefuseConnections(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		s.hub.refuseUntil = time.Time{}
		return
	}
	s.hub.refuseUntil = time.Now().Add(d)
}

// StallPongs stops answering pings for d from now (the client's keep-alive then declares the link
// dead); d < 0 stalls until StallPongs(0), which answers pings again.
func (s *Server) StallPongs(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hub.stallForever = d < 0
	s.hub.stallUntil = time.Time{}
	if d > 0 {
		s.hub.stallUntil = time.Now().Add(d)
	}
}

// stalledLocked reports whether pongs are stalled. Caller holds s.mu.
func (h *hub) stalledLocked() bool {
	return h.stallForever || time.Now().Before(h.stallUntil)
}

// DelayFrames delays every frame the hub writes by d (in order, per connection); 0 stops delaying.
func (s *Server) DelayFrames(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hub.frameDelay = max(d, 0)
}

// DuplicateNextFrame makes the next published frame (a message, receipt, typing, … frame) reach each
// of its recipient sessions twice, as a flaky relay might.
func (s *Server) DuplicateNextFrame() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hub.duplicateNext++
}

// PushFrame delivers frame to every authenticated session of uid and returns how many sessions got
// it. frame is a []byte or json.RawMessage of JSON, or any value that marshals to the frame object.
func (s *Server) PushFrame(uid string, frame any) (int, error) {
	if frame == nil {
		return 0, errors.New("emulator: PushFrame needs a frame")
	}
	b := encodeFrame(frame)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.hub.byUID[normID(uid)] {
		c.enqueueLocked(b)
		n++
	}
	return n, nil
}

// OnlineSessions returns how many authenticated WebSocket connections uid has.
func (s *Server) OnlineSessions(uid string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.hub.byUID[normID(uid)])
}
