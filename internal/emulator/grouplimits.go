package emulator

// Group size thresholds (rules-and-limits.md §7). The service gives every
// realtime feature only to groups of at most 300 members; above that it
// stops relaying typing, stops sending receipts frames and the
// deliveredToAll / readByAll aggregates, and stops maintaining unread counts.
// The emulator applies the same cut-off, configurable as
// Config.GroupFeatureLimit so tests can use a small number:
//
//   - typing frames are not relayed (wsrelay.go, relayLocked);
//   - delivered / read marks are still recorded (they move the user's read
//     position) but no receipts frame reaches the sender and no
//     deliveredToAll / readByAll is sent (receipts.go);
//   - unreadMessageCount, unreadMentionsCount, the unread-count lists and
//     unreadRepliesCount stay 0 (conversations.go, threads.go).
//
// The size is the current number of members, checked at the moment of the
// event: a group that shrinks back below the limit gets its features back.

// defaultGroupFeatureLimit is the default of Config.GroupFeatureLimit.
const defaultGroupFeatureLimit = 300

// groupFeaturesLocked reports whether the group guid is small enough for
// typing, receipts and unread counts. Unknown groups count as small (they
// have no members to overwhelm). Caller holds s.mu.
func (s *Server) groupFeaturesLocked(guid string) bool {
	return len(s.st.Members[guid]) <= s.cfg.GroupFeatureLimit
}

// unreadTrackedLocked reports whether unread counts are maintained for the
// conversation of m: always in 1:1 conversations, in groups up to the
// limit. Caller holds s.mu.
func (s *Server) unreadTrackedLocked(m *messageRecord) bool {
	return m.ReceiverType != receiverTypeGroup || s.groupFeaturesLocked(m.Receiver)
}
