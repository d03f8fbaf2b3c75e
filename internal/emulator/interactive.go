package emulator

import (
	"encoding/json"
	"net/http"
)

// Interactive messages (model.md §5.8, §10.2): recording interactions and
// completing the interaction goal.

// patchInteracted: PATCH messages/{id}/interacted {"interactions":[elementId]}.
// When the interaction goal becomes complete, the sender gets an
// interaction_completed frame (model.md §10.2).
func (s *Server) patchInteracted(r *http.Request, c *clientCaller) (any, error) {
	body, err := readObject(r, 0)
	if err != nil {
		return nil, err
	}
	var ids []string
	if raw, ok := body["interactions"]; !ok || json.Unmarshal(raw, &ids) != nil || len(ids) == 0 {
		return nil, errBadRequest(map[string][]string{"interactions": {"The interactions field is required."}})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.visibleMessageLocked(r.PathValue("id"), c.uid)
	if err != nil {
		return nil, err
	}
	if m.Category != categoryInteract {
		return nil, newError("ERR_MESSAGE_ACTION_NOT_ALLOWED", "Message %d is not interactive.", m.ID)
	}
	var d struct {
		Goal         *goalJSON         `json:"interactionGoal"`
		Interactions []interactionJSON `json:"interactions"`
		AllowSender  bool              `json:"allowSenderInteraction"`
	}
	_ = json.Unmarshal(m.Data, &d)
	if m.Sender == c.uid && !d.AllowSender {
		return nil, newError("ERR_MESSAGE_ACTION_NOT_ALLOWED", "The sender may not interact with message %d.", m.ID)
	}
	wasComplete := goalComplete(d.Goal, d.Interactions)
	now := s.now().Unix()
	added := []interactionJSON{}
	for _, id := range ids {
		it := interactionJSON{ElementID: id, InteractedAt: now}
		d.Interactions = append(d.Interactions, it)
		added = append(added, it)
	}
	data := map[string]json.RawMessage{}
	_ = json.Unmarshal(m.Data, &data)
	data["interactions"] = mustRaw(d.Interactions)
	m.Data = mustRaw(data)
	m.UpdatedAt = now
	if !wasComplete && goalComplete(d.Goal, d.Interactions) {
		user := s.userEntityLocked(c.uid, "")
		s.publish(Event{
			Kind: EventInteractionCompleted, UID: c.uid, Session: c.session,
			Frame: wsFrame{AppID: s.cfg.AppID, Receiver: m.Receiver, ReceiverType: m.ReceiverType, DeviceID: c.session,
				Type: "interaction_completed", Sender: c.uid, MessageSender: m.Sender,
				Body: map[string]any{"messageId": idString(m.ID), "user": user, "interactions": added}},
			Recipients: []string{m.Sender},
		})
	}
	return okAck("The interactions have been recorded."), nil
}

// EventInteractionCompleted: an interactive message's goal was completed.
const EventInteractionCompleted EventKind = "interaction_completed"

// goalJSON is data.interactionGoal.
type goalJSON struct {
	Type       string   `json:"type"`
	ElementIDs []string `json:"elementIds"`
}

// interactionJSON is one recorded interaction.
type interactionJSON struct {
	ElementID    string `json:"elementId"`
	InteractedAt int64  `json:"interactedAt"`
}

// goalComplete evaluates an interaction goal (model.md §5.8).
func goalComplete(goal *goalJSON, its []interactionJSON) bool {
	if goal == nil || goal.Type == "none" {
		return false
	}
	done := map[string]bool{}
	for _, it := range its {
		done[it.ElementID] = true
	}
	switch goal.Type {
	case "anyAction":
		return len(its) > 0
	case "anyOf":
		for _, id := range goal.ElementIDs {
			if done[id] {
				return true
			}
		}
		return false
	case "allOf":
		for _, id := range goal.ElementIDs {
			if !done[id] {
				return false
			}
		}
		return len(goal.ElementIDs) > 0
	}
	return false
}
