package emulator

// Presence fan-out cap (rules-and-limits.md §7: "presence fan-out stops after
// 1,000 online users per app"). While more than Config.PresenceFanoutLimit
// users are online, the hub sends no presence frames at all; the
// user_online / user_offline events are still published (webhooks, the
// dashboard see them), only the WebSocket fan-out stops. It resumes once the
// number of online users is back at or below the limit. The count is taken
// after the change: it includes a user who just came online and excludes one
// who just went offline.

// defaultPresenceFanoutLimit is the documented cap.
const defaultPresenceFanoutLimit = 1000

// presenceTargetsLocked returns the online uids, in order, that presence
// frames may go to: all of them, or none above the cap. Caller holds s.mu.
func (h *hub) presenceTargetsLocked() []string {
	if len(h.s.st.online) > h.s.cfg.PresenceFanoutLimit {
		return nil
	}
	return sortedKeys(h.byUID)
}
