package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Online counts (client-protocol.md §5.8): POST /api/{WS_API_VERSION}/online-members, outside the
// REST API versions, authenticated by the JWT of a Me payload in a bare Authorization header (no
// "Bearer"). Body {} counts the app's online users; {"groups":[guid…]} counts each group's online
// members. Groups that do not exist count 0, as a count of nobody; a groups value that is not a
// list of strings is ERROR_INVALID_GROUPLIST.

func (s *Server) registerOnlineCountRoutes() {
	s.mux.HandleFunc("POST /api/{version}/online-members", s.handleOnlineMembers)
}

func (s *Server) handleOnlineMembers(w http.ResponseWriter, r *http.Request) {
	jwt := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	if jwt == "" {
		s.writeError(w, r, newError("AUTH_ERR_EMPTY_AUTH_HEADER", "The Authorization header with the JWT is missing."))
		return
	}
	body, err := readObject(r, maxBodyBytes)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var guids []string
	raw, hasGroups := body["groups"]
	if hasGroups {
		if err := json.Unmarshal(raw, &guids); err != nil {
			s.writeError(w, r, &Error{Status: http.StatusBadRequest, Code: "ERROR_INVALID_GROUPLIST",
				Message: "groups must be a list of GUIDs."})
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.jwtUserLocked(jwt); !ok {
		s.writeError(w, r, newError("AUTH_ERR_AUTH_TOKEN_NOT_FOUND", "The JWT is not valid."))
		return
	}
	if !hasGroups {
		writeJSON(w, http.StatusOK, page{Data: map[string]int{"onlineUsersCount": len(s.st.online)}})
		return
	}
	counts := make(map[string]int, len(guids))
	for _, guid := range guids {
		n := 0
		if _, ok := s.st.activeGroup(guid); ok {
			for _, uid := range s.st.memberUIDs(guid) {
				if s.st.online[uid] > 0 {
					n++
				}
			}
		}
		counts[normID(guid)] = n
	}
	writeJSON(w, http.StatusOK, page{Data: map[string]any{"groups": counts}})
}
