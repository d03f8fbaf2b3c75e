package emulator

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// page is a success body with meta (lists). Handlers return *page when they
// need meta; any other value v is sent as {"data": v}.
type page struct {
	Data any `json:"data"`
	Meta any `json:"meta,omitempty"`
}

// ack is the success-with-message payload {"success":true,"message":…}.
type ack struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
}

func okAck(msg string) ack { return ack{Success: true, Message: msg} }

// writeJSON writes v with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // URLs and "<@uid:…>" mentions stay readable
	if err := enc.Encode(v); err != nil {
		// A value that cannot be encoded is a bug in a handler.
		status = http.StatusInternalServerError
		buf.Reset()
		_ = json.NewEncoder(&buf).Encode(errMissionFailed().wire())
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// writeResult writes a handler's result: {"data": v} (or v itself when it is
// a *page) with status 200, or the error envelope.
func (s *Server) writeResult(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err == nil {
		err = s.persistBeforeReply(r) // persist.go: durable before the response
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if p, ok := v.(*page); ok {
		writeJSON(w, http.StatusOK, p)
		return
	}
	writeJSON(w, http.StatusOK, page{Data: v})
}

// writeError writes the error envelope. Errors that are not *Error are
// unexpected: they are logged and reported as ERR_MISSION_FAILED.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		s.log.Error("handler failed", "method", r.Method, "path", r.URL.Path, "err", err)
		e = errMissionFailed()
	}
	writeJSON(w, e.Status, e.wire())
}

// maxBodyBytes caps every request body the emulator reads; endpoints with a
// documented smaller limit check it themselves.
const maxBodyBytes = 1 << 20

// readObject reads a JSON object body into a map of raw values, so handlers
// can tell an absent field from null and from a wrong type. An empty body is
// an empty object (the SDK often sends nothing where "no body" is meant).
// limit > 0 enforces a documented size limit with ERR_BAD_REQUEST.
func readObject(r *http.Request, limit int) (map[string]json.RawMessage, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if len(body) > maxBodyBytes || (limit > 0 && len(body) > limit) {
		capBytes := maxBodyBytes
		if limit > 0 {
			capBytes = limit
		}
		return nil, errBadRequest(map[string][]string{"data": {
			"The request body may not be greater than " + kilobytes(capBytes) + " kilobytes.",
		}})
	}
	return decodeObject(body)
}

// readBody reads a request body, up to one byte over maxBodyBytes so that
// the caller can tell an oversized one.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, errBadRequest(map[string][]string{"data": {"The request body could not be read."}})
	}
	return body, nil
}

// decodeObject decodes a JSON object body into raw values; an empty body
// is an empty object.
func decodeObject(body []byte) (map[string]json.RawMessage, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]json.RawMessage{}, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, errBadRequest(map[string][]string{"data": {"The data must be a valid JSON object."}})
	}
	return m, nil
}

func kilobytes(n int) string { return strconv.Itoa(n / 1024) }

// isNull reports whether a raw JSON value is the literal null.
func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// parseFlag reads a boolean that may arrive as true/false, 1/0 or their
// string forms (client-protocol.md §2.2). ok is false for anything else.
func parseFlag(raw json.RawMessage) (v, ok bool) {
	if isNull(raw) {
		return false, false
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(bytes.TrimSpace(raw))
	}
	switch strings.ToLower(s) {
	case "1", "true":
		return true, true
	case "0", "false":
		return false, true
	}
	return false, false
}

// innerMap returns outer[k], creating it empty on first use; outer must
// not be nil.
func innerMap[K, K2 comparable, V any](outer map[K]map[K2]V, k K) map[K2]V {
	m := outer[k]
	if m == nil {
		m = map[K2]V{}
		outer[k] = m
	}
	return m
}

// sortedKeys returns the keys of m in ascending order.
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
