package cometchat

import (
	"encoding/json"
	"strconv"
	"strings"
)

// ServerSettings is the app-settings map the service returns at login (client-protocol.md §4). Value
// types are not documented and vary (ports arrive as "443" or 443), so the accessors are lenient.
// The zero value is an empty map.
type ServerSettings struct {
	raw map[string]json.RawMessage
}

// Keys of ServerSettings the SDK reads.
const (
	SettingClientAPIHost        = "CLIENT_API_HOST"
	SettingAdminAPIHost         = "ADMIN_API_HOST"
	SettingChatAPIVersion       = "CHAT_API_VERSION"
	SettingWSAPIVersion         = "WS_API_VERSION"
	SettingChatHost             = "CHAT_HOST"
	SettingChatHostOverride     = "CHAT_HOST_OVERRIDE"
	SettingChatHostAppSpecific  = "CHAT_HOST_APP_SPECIFIC"
	SettingChatWSSPort          = "CHAT_WSS_PORT"
	SettingRegion               = "REGION"
	SettingMode                 = "MODE"
	SettingFileSizeMax          = "file.size.max"
	SettingFileCountMax         = "file.count.max"
	SettingAnalyticsPingDisable = "ANALYTICS_PING_DISABLED"
	SettingFlagReasons          = "flagReasons"
)

// Values of the MODE setting (client-protocol.md §7.10).
const (
	ModeDefault          = "DEFAULT"
	ModeLimitedTransient = "LIMITED_TRANSIENT"
	ModeNoTransient      = "NO_TRANSIENT"
)

// UnmarshalJSON keeps every key as raw JSON.
func (s *ServerSettings) UnmarshalJSON(b []byte) error {
	return json.Unmarshal(b, &s.raw)
}

// MarshalJSON writes the map back as received.
func (s ServerSettings) MarshalJSON() ([]byte, error) {
	if s.raw == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(s.raw)
}

// Has reports whether key is present.
func (s ServerSettings) Has(key string) bool { _, ok := s.raw[key]; return ok }

// Raw returns the raw JSON value of key, or nil.
func (s ServerSettings) Raw(key string) json.RawMessage { return s.raw[key] }

// String returns key as a string; numbers and booleans are formatted. Missing keys give "".
func (s ServerSettings) String(key string) string {
	v, ok := s.raw[key]
	if !ok {
		return ""
	}
	var str string
	if json.Unmarshal(v, &str) == nil {
		return str
	}
	t := strings.TrimSpace(string(v))
	if t == "null" {
		return ""
	}
	return t
}

// Int returns key as an integer (number or numeric string) and whether it was present and numeric.
func (s ServerSettings) Int(key string) (int64, bool) {
	str := s.String(key)
	if str == "" {
		return 0, false
	}
	if v, err := strconv.ParseInt(str, 10, 64); err == nil {
		return v, true
	}
	if f, err := strconv.ParseFloat(str, 64); err == nil {
		return int64(f), true
	}
	return 0, false
}

// Bool returns key as a boolean: true, 1, "true" and "1" are true.
func (s ServerSettings) Bool(key string) bool {
	v, ok := s.raw[key]
	return ok && flexBool(v)
}

// Keys returns the keys present, in no particular order.
func (s ServerSettings) Keys() []string {
	keys := make([]string, 0, len(s.raw))
	for k := range s.raw {
		keys = append(keys, k)
	}
	return keys
}

// Mode returns the MODE setting, ModeDefault when absent.
func (s ServerSettings) Mode() string {
	if m := s.String(SettingMode); m != "" {
		return m
	}
	return ModeDefault
}

// ChatHost returns the WebSocket host: the first non-empty of CHAT_HOST_OVERRIDE,
// CHAT_HOST_APP_SPECIFIC and CHAT_HOST, as the official SDK chooses.
func (s ServerSettings) ChatHost() string {
	for _, k := range []string{SettingChatHostOverride, SettingChatHostAppSpecific, SettingChatHost} {
		if v := s.String(k); v != "" {
			return v
		}
	}
	return ""
}

// FlagReasons returns the flagReasons setting: the reasons FlagMessage accepts (flags.go). Items that
// are not objects are skipped; a missing or malformed key gives nil.
func (s ServerSettings) FlagReasons() []FlagReason {
	var items []json.RawMessage
	if json.Unmarshal(s.raw[SettingFlagReasons], &items) != nil {
		return nil
	}
	var out []FlagReason
	for _, it := range items {
		var r FlagReason
		if json.Unmarshal(it, &r) == nil {
			out = append(out, r)
		}
	}
	return out
}
