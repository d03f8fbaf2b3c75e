package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
)

// Snapshots: the whole state as one versioned JSON document (the exported
// fields of state, state.go). The same document is DataDir/state.json
// (persist.go), the output of Export and `cometchat emulator export`, and the
// input of Import, Config.Snapshot and `cometchat emulator --import`.
//
// A snapshot holds credentials (API keys, auth tokens): files are written
// with mode 0600, and over HTTP it is only served to the REST API key.

// Snapshot errors. Every refusal wraps one of them, so callers can tell a
// damaged file from one written by another emulator version.
var (
	// ErrSnapshotCorrupt: the document is not a valid emulator snapshot
	// (not JSON, truncated, no version, or inconsistent records).
	ErrSnapshotCorrupt = errors.New("not a valid emulator snapshot")
	// ErrSnapshotVersion: the snapshot has a version this emulator cannot
	// read.
	ErrSnapshotVersion = errors.New("unsupported emulator snapshot version")
)

// EventStateImported: Import replaced the whole state. Open WebSocket
// connections stay open.
const EventStateImported EventKind = "state_imported"

// Export writes the state as an indented JSON snapshot. It holds the state
// lock only while encoding.
func (s *Server) Export(w io.Writer) error {
	b, err := s.Snapshot()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Snapshot returns the state as an indented JSON snapshot (see Export).
func (s *Server) Snapshot() ([]byte, error) {
	s.mu.Lock()
	b, err := s.st.snapshot()
	s.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("emulator: snapshot: %w", err)
	}
	var out bytes.Buffer
	out.Grow(len(b) + len(b)/4)
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, fmt.Errorf("emulator: snapshot: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// Import replaces the whole state with the snapshot read from r. A corrupt
// snapshot (ErrSnapshotCorrupt) or one of another version
// (ErrSnapshotVersion) is refused and nothing changes. The Server keeps its
// App ID and its two configured API keys (they are added to the imported
// keys); presence and open WebSocket connections are kept. With a DataDir the
// imported state is on disk, and the previous one in state.json.bak, before
// Import returns.
func (s *Server) Import(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("emulator: import: %w", err)
	}
	st, err := decodeSnapshot(b)
	if err != nil {
		return fmt.Errorf("emulator: import: %w; nothing was changed", err)
	}
	if err := s.adoptSnapshot(st, s.cfg); err != nil {
		return fmt.Errorf("emulator: import: %w; nothing was changed", err)
	}
	if s.persist != nil {
		if err := s.persist.backup(); err != nil {
			return fmt.Errorf("emulator: import: %w; nothing was changed", err)
		}
	}
	s.mu.Lock()
	st.online = s.st.online // presence belongs to the open sockets, not to the data
	s.st = st
	s.publish(Event{Kind: EventStateImported})
	s.mu.Unlock()
	return s.Flush()
}

// ValidateSnapshot reports whether b is a snapshot this emulator can load:
// nil, or an error wrapping ErrSnapshotCorrupt or ErrSnapshotVersion.
func ValidateSnapshot(b []byte) error {
	_, err := decodeSnapshot(b)
	return err
}

// decodeSnapshot parses and checks a snapshot. The checks are what the rest
// of the emulator relies on: every map exists, no record is null, keys match
// their records, and messages are in ascending id order below the counter.
func decodeSnapshot(b []byte) (*state, error) {
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrSnapshotCorrupt, err)
	}
	if head.Version == nil {
		return nil, fmt.Errorf("%w (no \"version\" key)", ErrSnapshotCorrupt)
	}
	if v := *head.Version; v != stateVersion {
		return nil, fmt.Errorf("%w %d (this emulator reads version %d)", ErrSnapshotVersion, v, stateVersion)
	}
	st := &state{}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrSnapshotCorrupt, err)
	}
	if err := fillAndCheck(reflect.ValueOf(st).Elem(), "snapshot"); err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrSnapshotCorrupt, err)
	}
	if err := st.checkConsistency(); err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrSnapshotCorrupt, err)
	}
	st.reindex()
	return st, nil
}

// fillAndCheck walks the exported fields of a decoded state: nil maps
// (absent keys, or null) become empty maps, and a null record (a nil pointer
// inside a map or a slice) is an error. It works on whatever fields state
// has, so resource files can add fields without touching this code.
func fillAndCheck(v reflect.Value, path string) error {
	switch v.Kind() {
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			if err := fillAndCheck(v.Field(i), path+"."+jsonName(f)); err != nil {
				return err
			}
		}
	case reflect.Map:
		if v.IsNil() {
			if v.CanSet() {
				v.Set(reflect.MakeMap(v.Type()))
			}
			return nil
		}
		iter := v.MapRange()
		for iter.Next() {
			k, e := iter.Key(), iter.Value()
			p := path + "[" + fmt.Sprint(k.Interface()) + "]"
			switch e.Kind() {
			case reflect.Pointer:
				if e.IsNil() {
					return fmt.Errorf("%s is null", p)
				}
			case reflect.Map:
				if e.IsNil() {
					v.SetMapIndex(k, reflect.MakeMap(e.Type()))
					continue
				}
			}
			// Map elements are not addressable: check a copy of nested
			// containers (nil maps inside are only created at the top).
			if err := checkNested(e, p); err != nil {
				return err
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			if err := checkNested(v.Index(i), path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkNested rejects null records inside a map value or slice element.
func checkNested(v reflect.Value, path string) error {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return fmt.Errorf("%s is null", path)
		}
	case reflect.Slice:
		for i := range v.Len() {
			if err := checkNested(v.Index(i), path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			if err := checkNested(iter.Value(), path+"["+fmt.Sprint(iter.Key().Interface())+"]"); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonName is a struct field's JSON key, for error paths.
func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	for i := range len(tag) {
		if tag[i] == ',' {
			tag = tag[:i]
			break
		}
	}
	if tag == "" || tag == "-" {
		return f.Name
	}
	return tag
}

// checkConsistency checks the invariants the handlers rely on beyond
// non-null records.
func (st *state) checkConsistency() error {
	for k, u := range st.Users {
		if u.UID != k {
			return fmt.Errorf("users[%s] has uid %q", k, u.UID)
		}
	}
	for k, g := range st.Groups {
		if g.GUID != k {
			return fmt.Errorf("groups[%s] has guid %q", k, g.GUID)
		}
	}
	for k, a := range st.APIKeys {
		if a.APIKey != k {
			return fmt.Errorf("apiKeys[%s] holds another key", redact(k))
		}
		if a.Scope != scopeAuthOnly && a.Scope != scopeFullAccess {
			return fmt.Errorf("apiKeys[%s] has unknown scope %q", redact(k), a.Scope)
		}
	}
	var last int64
	for i, m := range st.Messages {
		if m.ID <= last {
			return fmt.Errorf("messages[%d] has id %d, not above the previous %d", i, m.ID, last)
		}
		last = m.ID
	}
	if st.LastMessageID < last {
		return fmt.Errorf("lastMessageId %d is below message id %d", st.LastMessageID, last)
	}
	return nil
}

// adoptSnapshot reconciles a decoded snapshot with the configuration. given
// is the Config as the caller wrote it (before defaults): a value the caller
// set wins over the snapshot's; one left empty is taken from the snapshot, so
// a restarted `cometchat emulator --data-dir` keeps its App ID and keys. The
// configured keys are always present in the result with their scopes.
func (s *Server) adoptSnapshot(st *state, given Config) error {
	if given.AppID == "" && st.AppID != "" {
		s.cfg.AppID = st.AppID
	}
	st.AppID = s.cfg.AppID
	if given.Region == "" && st.Region != "" {
		s.cfg.Region = st.Region
	}
	st.Region = s.cfg.Region
	if given.AuthKey == "" {
		if k := pickKey(st, scopeAuthOnly, "Auth Key"); k != "" {
			s.cfg.AuthKey = k
		}
	}
	if given.RESTAPIKey == "" {
		if k := pickKey(st, scopeFullAccess, "REST API Key"); k != "" {
			s.cfg.RESTAPIKey = k
		}
	}
	if s.cfg.AuthKey == s.cfg.RESTAPIKey {
		return errors.New("the snapshot's REST API key is the configured Auth Key (or the reverse)")
	}
	now := s.now().Unix()
	for _, k := range []struct{ key, name, scope string }{
		{s.cfg.AuthKey, "Auth Key", scopeAuthOnly},
		{s.cfg.RESTAPIKey, "REST API Key", scopeFullAccess},
	} {
		if rec, ok := st.APIKeys[k.key]; ok {
			rec.Scope = k.scope
			continue
		}
		st.APIKeys[k.key] = &apiKeyRecord{APIKey: k.key, Name: k.name, Scope: k.scope, CreatedAt: now}
	}
	if _, ok := st.Roles[defaultRole]; !ok {
		st.Roles[defaultRole] = &roleRecord{
			Role: defaultRole, Name: "Default", Description: "Default role",
			Settings: roleSettings{ListUsers: "all", SendMessagesTo: "all"}, CreatedAt: now,
		}
	}
	return nil
}

// pickKey chooses the snapshot's key of a scope: the one with the
// conventional name, else the oldest.
func pickKey(st *state, scope, name string) string {
	var keys []*apiKeyRecord
	for _, k := range st.APIKeys {
		if k.Scope == scope {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b *apiKeyRecord) int {
		if (a.Name == name) != (b.Name == name) {
			if a.Name == name {
				return -1
			}
			return 1
		}
		if a.CreatedAt != b.CreatedAt {
			return int(a.CreatedAt - b.CreatedAt)
		}
		if a.APIKey < b.APIKey {
			return -1
		}
		return 1
	})
	if len(keys) == 0 {
		return ""
	}
	return keys[0].APIKey
}

// registerSnapshotRoutes serves the snapshot to the REST API key:
//
//	GET /emulator/snapshot   → the snapshot (what `cometchat emulator export --url` fetches)
//	PUT /emulator/snapshot   ← a snapshot to Import (400 and nothing changed when refused)
//
// These are emulator-only endpoints, not part of the CometChat API.
func (s *Server) registerSnapshotRoutes() {
	s.mux.HandleFunc("GET "+dashboardPrefix+"snapshot", func(w http.ResponseWriter, r *http.Request) {
		if _, err := s.authAdmin(r, fullAccessOnly); err != nil {
			s.writeError(w, r, err)
			return
		}
		b, err := s.Snapshot()
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", `attachment; filename="cometchat-emulator-snapshot.json"`)
		_, _ = w.Write(b)
	})
	s.mux.HandleFunc("PUT "+dashboardPrefix+"snapshot", func(w http.ResponseWriter, r *http.Request) {
		if _, err := s.authAdmin(r, fullAccessOnly); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := s.Import(r.Body); err != nil {
			status := http.StatusInternalServerError
			if errors.Is(err, ErrSnapshotCorrupt) || errors.Is(err, ErrSnapshotVersion) {
				status = http.StatusBadRequest
			}
			writeJSON(w, status, (&Error{Status: status, Code: "ERR_BAD_REQUEST", Message: err.Error()}).wire())
			return
		}
		writeJSON(w, http.StatusOK, page{Data: okAck("Snapshot imported.")})
	})
}
