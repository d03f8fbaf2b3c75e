package cometchat

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
)

// Reporting messages (surface.md §16): FlagMessage sends a report with one of the app's flag reasons,
// which come from the server settings (FlagReasons).

// ErrInvalidReasonID is the local error of FlagMessage without a reason id (errors.md §2).
var ErrInvalidReasonID = sentinel("INVALID_REASON_ID")

// FlagReason is a reason a message can be reported for (model.md §11), from the settings key
// flagReasons.
type FlagReason struct {
	// ID is what FlagMessage takes.
	ID string `json:"id"`
	// Name and Description are for display.
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Default marks the service's built-in reasons (as opposed to ones the app added).
	Default   bool     `json:"default"`
	CreatedAt UnixTime `json:"createdAt,omitempty"`
	UpdatedAt UnixTime `json:"updatedAt,omitempty"`
}

// UnmarshalJSON reads a reason leniently: the id may be a string or a number, default a boolean,
// 1/0 or their string forms.
func (r *FlagReason) UnmarshalJSON(b []byte) error {
	var w struct {
		ID          json.RawMessage `json:"id"`
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Default     json.RawMessage `json:"default"`
		CreatedAt   UnixTime        `json:"createdAt"`
		UpdatedAt   UnixTime        `json:"updatedAt"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = FlagReason{ID: rawText(w.ID), Name: w.Name, Description: w.Description, Default: flexBool(w.Default),
		CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
	return nil
}

// rawText is a JSON string's text, or the literal of a number; "" for null and anything else.
func rawText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// FlagReasons returns the flag reasons of the app from the settings of the current login (nil when
// logged out or when the service sends none). They change only on a new login.
func (c *Client) FlagReasons() []FlagReason { return c.ServerSettings().FlagReasons() }

// FlagMessage reports message id for reasonID (one of FlagReasons) with an optional remark
// (POST messages/{id}/flagged). An empty reasonID is the local ErrInvalidReasonID; a reason the app
// does not have is the service's ERR_BAD_REQUEST.
func (c *Client) FlagMessage(ctx context.Context, id MessageID, reasonID, remark string) error {
	if err := checkMessageID(id); err != nil {
		return err
	}
	if strings.TrimSpace(reasonID) == "" {
		return localError(ErrInvalidReasonID, "reason id is empty")
	}
	body := object{{"id", reasonID}}
	if remark != "" {
		body = append(body, kv{"remark", remark})
	}
	return c.do(ctx, &call{method: http.MethodPost, path: "messages/" + id.String() + "/flagged", body: body}, nil)
}
