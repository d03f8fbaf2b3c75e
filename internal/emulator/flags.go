package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Message flagging (reporting): POST messages/{id}/flagged
// {"id": reasonId, "remark": …} (client-protocol.md §5.3, surface.md §16).
// The reasons are the settings' flagReasons (client-protocol.md §4): the
// emulator's defaults below, or Config.Settings["flagReasons"] when set
// (a nil value there removes them, and then every flag is refused).
//
// Emulator semantics [spec decision]: the message must be visible to the
// caller (else ERR_MESSAGE_ID_NOT_FOUND); a missing or unknown reason is
// ERR_BAD_REQUEST with details on "id"; a remark must be a string of at most
// maxFlagRemark characters. Flagging again replaces the caller's earlier flag
// of that message. The answer is {"success":true,"message":…}. Flags are
// kept in state.Flags (so snapshots and DataDir keep them) and published as
// EventMessageFlagged, with no WebSocket frame and no webhook.

// EventMessageFlagged: a user flagged (reported) a message.
const EventMessageFlagged EventKind = "message_flagged"

// maxFlagRemark bounds a flag's remark; the service documents no limit, so
// this only keeps one request from storing megabytes.
const maxFlagRemark = 1000

// flagRecord is one user's flag of one message.
type flagRecord struct {
	MessageID int64  `json:"messageId"`
	UID       string `json:"uid"`
	ReasonID  string `json:"reasonId"`
	Remark    string `json:"remark,omitempty"`
	FlaggedAt int64  `json:"flaggedAt"`
}

// flagReasonJSON is one item of the settings' flagReasons.
type flagReasonJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Default     bool   `json:"default"`
}

// defaultFlagReasons are the emulator's default flagReasons (the service's
// own list is per app and not documented).
func defaultFlagReasons() []flagReasonJSON {
	return []flagReasonJSON{
		{ID: "spam", Name: "Spam", Description: "Unsolicited, repeated or commercial content.", Default: true},
		{ID: "harassment", Name: "Harassment", Description: "Abusive, hateful or threatening content.", Default: true},
		{ID: "other", Name: "Other", Description: "Anything else that breaks the rules.", Default: true},
	}
}

func (s *Server) registerFlagRoutes() {
	s.clientRoute("POST messages/{id}/flagged", s.flagMessage)
}

// flagReasonIDs returns the ids of the configured flag reasons.
func (s *Server) flagReasonIDs() map[string]bool {
	ids := map[string]bool{}
	v, set := s.cfg.Settings["flagReasons"]
	if !set {
		for _, r := range defaultFlagReasons() {
			ids[r.ID] = true
		}
		return ids
	}
	// Config.Settings holds any JSON-able value: re-read it leniently.
	b, err := json.Marshal(v)
	if err != nil {
		return ids
	}
	var items []struct {
		ID json.RawMessage `json:"id"`
	}
	_ = json.Unmarshal(b, &items)
	for _, it := range items {
		if id := rawString(it.ID); id != "" { // a string or numeric id
			ids[id] = true
		}
	}
	return ids
}

// flagMessage: POST messages/{id}/flagged.
func (s *Server) flagMessage(r *http.Request, c *clientCaller) (any, error) {
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	reason := rawString(body["id"]) // a string or numeric reason id
	var v validator
	switch {
	case strings.TrimSpace(reason) == "":
		v.add("id", "The id field is required.")
	case !s.flagReasonIDs()[reason]:
		v.add("id", "The selected id is invalid.")
	}
	var remark string
	if raw, ok := body["remark"]; ok && !isNull(raw) {
		if remark, ok = v.str("remark", raw); ok && utf8.RuneCountInString(remark) > maxFlagRemark {
			v.add("remark", "The remark may not be greater than 1000 characters.")
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.visibleMessageLocked(r.PathValue("id"), c.uid)
	if err != nil {
		return nil, err
	}
	if s.st.Flags == nil {
		s.st.Flags = map[int64]map[string]*flagRecord{}
	}
	byUID := innerMap(s.st.Flags, m.ID)
	byUID[c.uid] = &flagRecord{MessageID: m.ID, UID: c.uid, ReasonID: reason, Remark: remark, FlaggedAt: s.now().Unix()}
	s.publish(Event{Kind: EventMessageFlagged, UID: c.uid, Session: c.session})
	return okAck("The message " + idString(m.ID) + " has been flagged."), nil
}
