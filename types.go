package cometchat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// UnixTime is a timestamp in Unix seconds, the unit the service uses everywhere (model.md §0.1). It
// decodes from a JSON number or a numeric string and encodes as a number; the zero value means unset.
type UnixTime int64

// Time converts to time.Time; the zero UnixTime gives the zero time.Time.
func (t UnixTime) Time() time.Time {
	if t == 0 {
		return time.Time{}
	}
	return time.Unix(int64(t), 0)
}

// IsZero reports whether the timestamp is unset.
func (t UnixTime) IsZero() bool { return t == 0 }

// UnixTimeOf converts a time.Time to seconds; the zero time gives 0.
func UnixTimeOf(t time.Time) UnixTime {
	if t.IsZero() {
		return 0
	}
	return UnixTime(t.Unix())
}

// UnmarshalJSON accepts a number, a numeric string, an empty string or null.
func (t *UnixTime) UnmarshalJSON(b []byte) error {
	v, err := flexInt64(b)
	if err != nil {
		return fmt.Errorf("cometchat: timestamp: %w", err)
	}
	*t = UnixTime(v)
	return nil
}

// MessageID identifies a message. The wire carries it as a numeric string (or a number); both decode.
// It encodes as a string, the form the service emits.
type MessageID int64

// String returns the decimal id.
func (id MessageID) String() string { return strconv.FormatInt(int64(id), 10) }

// UnmarshalJSON accepts a number, a numeric string, an empty string or null.
func (id *MessageID) UnmarshalJSON(b []byte) error {
	v, err := flexInt64(b)
	if err != nil {
		return fmt.Errorf("cometchat: message id: %w", err)
	}
	*id = MessageID(v)
	return nil
}

// MarshalJSON encodes the id as a JSON string.
func (id MessageID) MarshalJSON() ([]byte, error) {
	return []byte(`"` + id.String() + `"`), nil
}

// Count is a non-negative count that the service sends as a number or a string
// (unreadMessageCount is "0" in the docs, 0 elsewhere).
type Count int

// UnmarshalJSON accepts a number, a numeric string, an empty string or null.
func (c *Count) UnmarshalJSON(b []byte) error {
	v, err := flexInt64(b)
	if err != nil {
		return fmt.Errorf("cometchat: count: %w", err)
	}
	*c = Count(v)
	return nil
}

// flexInt64 decodes a JSON number, a quoted number, "" or null. Fractions are truncated (some
// timestamps arrive as 1.7e9 floats from other clients).
func flexInt64(b []byte) (int64, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return 0, nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, err
		}
		if s == "" {
			return 0, nil
		}
		b = []byte(s)
	}
	if v, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return 0, fmt.Errorf("not a number: %q", b)
	}
	return int64(f), nil
}

// flexBool decodes a JSON bool, 1/0, or "true"/"false"/"1"/"0".
func flexBool(b []byte) bool {
	s := string(bytes.Trim(bytes.TrimSpace(b), `"`))
	switch s {
	case "true", "1", "TRUE", "True":
		return true
	}
	return false
}
