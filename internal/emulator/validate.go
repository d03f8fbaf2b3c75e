package emulator

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Validation helpers shared by resource files. They collect Laravel-style
// messages per field (errors.md §1.1) and turn them into one ERR_BAD_REQUEST.

// Limits of rules-and-limits.md §1-§2 (the "Emulator" column).
const (
	maxIDLen       = 100
	maxNameLen     = 100
	maxURLLen      = 3000
	maxMetadataLen = 5 * 1024
	maxTags        = 25
	maxTagLen      = 100
	maxUserBody    = 10 * 1024
)

// idPattern is the uid / guid / role syntax: alpha-dash, 1-100 characters.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)

// validator accumulates field errors.
type validator struct {
	details map[string][]string
}

func (v *validator) add(field, msg string) {
	if v.details == nil {
		v.details = map[string][]string{}
	}
	v.details[field] = append(v.details[field], msg)
}

// err returns the ERR_BAD_REQUEST for the collected messages, or nil.
func (v *validator) err() error {
	if len(v.details) == 0 {
		return nil
	}
	return errBadRequest(v.details)
}

// str decodes a string field. null and non-strings are errors ("must be a
// string"): optional fields are omitted, never null (rules-and-limits.md §2).
func (v *validator) str(field string, raw json.RawMessage) (string, bool) {
	var s string
	if isNull(raw) || json.Unmarshal(raw, &s) != nil {
		v.add(field, "The "+field+" must be a string.")
		return "", false
	}
	return s, true
}

// required reports a missing or empty required field.
func (v *validator) required(field string, raw json.RawMessage, present bool) (string, bool) {
	if !present {
		v.add(field, "The "+field+" field is required.")
		return "", false
	}
	s, ok := v.str(field, raw)
	if !ok {
		return "", false
	}
	if len(bytes.TrimSpace([]byte(s))) == 0 {
		v.add(field, "The "+field+" field is required.")
		return "", false
	}
	return s, true
}

// maxRunes checks a length limit counted in characters (UTF8mb4 runes).
func (v *validator) maxRunes(field, s string, n int) bool {
	if utf8.RuneCountInString(s) > n {
		v.add(field, "The "+field+" may not be greater than "+strconv.Itoa(n)+" characters.")
		return false
	}
	return true
}

// id checks the alpha-dash identifier syntax.
func (v *validator) id(field, s string) bool {
	if !v.maxRunes(field, s, maxIDLen) {
		return false
	}
	if !idPattern.MatchString(s) {
		v.add(field, "The "+field+" may only contain letters, numbers, dashes and underscores.")
		return false
	}
	return true
}

// url checks an optional URL field: absolute, with a host, ≤ 3,000 characters.
func (v *validator) url(field, s string) bool {
	if s == "" {
		return true
	}
	if !v.maxRunes(field, s, maxURLLen) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		v.add(field, "The "+field+" format is invalid.")
		return false
	}
	return true
}

// metadata decodes a metadata object (≤ 5 KB serialised) and returns it
// compacted.
func (v *validator) metadata(field string, raw json.RawMessage) (json.RawMessage, bool) {
	var obj map[string]json.RawMessage
	if isNull(raw) || json.Unmarshal(raw, &obj) != nil {
		v.add(field, "The "+field+" must be an object.")
		return nil, false
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		v.add(field, "The "+field+" must be an object.")
		return nil, false
	}
	if buf.Len() > maxMetadataLen {
		v.add(field, "The "+field+" may not be greater than 5 kilobytes.")
		return nil, false
	}
	return buf.Bytes(), true
}

// tags decodes a tag list: ≤ 25 non-empty strings of ≤ 100 characters.
func (v *validator) tags(field string, raw json.RawMessage) ([]string, bool) {
	var tags []string
	if isNull(raw) || json.Unmarshal(raw, &tags) != nil {
		v.add(field, "The "+field+" must be an array of strings.")
		return nil, false
	}
	ok := true
	if len(tags) > maxTags {
		v.add(field, "The "+field+" may not have more than "+strconv.Itoa(maxTags)+" items.")
		ok = false
	}
	for i, t := range tags {
		name := field + "." + strconv.Itoa(i)
		if t == "" {
			v.add(name, "The "+name+" field is required.")
			ok = false
		} else if !v.maxRunes(name, t, maxTagLen) {
			ok = false
		}
	}
	if tags == nil {
		tags = []string{}
	}
	return tags, ok
}

// Body-level validation helpers: the fields that users, groups, roles and
// API keys parse the same way. Each takes the decoded body, records its
// messages on v, and returns the zero value when the field is absent or
// invalid.

// newID validates the identifier of a create body (uid, guid, role):
// required, alpha-dash. It returns the id normalised, or "".
func (v *validator) newID(body map[string]json.RawMessage, field string) string {
	raw, ok := body[field]
	if id, ok := v.required(field, raw, ok); ok && v.id(field, id) {
		return normID(id)
	}
	return ""
}

// name validates the name field: required on create, ≤ 100 characters. It
// returns nil when absent (update) or invalid.
func (v *validator) name(body map[string]json.RawMessage, create bool) *string {
	raw, ok := body["name"]
	if !ok && !create {
		return nil
	}
	if name, ok := v.required("name", raw, ok); ok && v.maxRunes("name", name, maxNameLen) {
		return &name
	}
	return nil
}

// metadataAndTags validates the optional metadata object and tags list. Each
// result is nil when its field is absent or invalid.
func (v *validator) metadataAndTags(body map[string]json.RawMessage) (json.RawMessage, []string) {
	var md json.RawMessage
	var tags []string
	if raw, ok := body["metadata"]; ok {
		if m, ok := v.metadata("metadata", raw); ok {
			md = m
		}
	}
	if raw, ok := body["tags"]; ok {
		if t, ok := v.tags("tags", raw); ok {
			tags = t
		}
	}
	return md, tags
}

// unset decodes an update's unset[]: an array of strings, each one of
// allowed (rules-and-limits.md §2, "Update semantics").
func (v *validator) unset(raw json.RawMessage, allowed []string) []string {
	var names []string
	if isNull(raw) || json.Unmarshal(raw, &names) != nil {
		v.add("unset", "The unset must be an array of strings.")
	}
	for i, name := range names {
		if !slices.Contains(allowed, name) {
			item := "unset." + strconv.Itoa(i)
			v.add(item, "The selected "+item+" is invalid.")
		}
	}
	return names
}

// optionalURL validates an optional URL field (avatar, link, icon). It
// returns nil when the field is absent or invalid.
func (v *validator) optionalURL(body map[string]json.RawMessage, field string) *string {
	raw, ok := body[field]
	if !ok {
		return nil
	}
	if s, ok := v.str(field, raw); ok && v.url(field, s) {
		return &s
	}
	return nil
}
