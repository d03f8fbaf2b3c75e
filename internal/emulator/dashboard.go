package emulator

import (
	"crypto/subtle"
	"embed"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The live web dashboard, served at /emulator/ (plain HTML, CSS and a little
// JavaScript from dashboardui/, embedded; no build step, no external assets):
//
//	GET /emulator/                                   the page
//	GET /emulator/api/state                          users (online or not), groups with members and scopes,
//	                                                 conversations, open WebSocket sessions
//	GET /emulator/api/conversations/{id}/messages    the last messages of a conversation (?limit=, max 500)
//	GET /emulator/api/events                         the live feed as Server-Sent Events (?uid=, ?conversation=
//	                                                 filter; the recent backlog first, then live items)
//
// The feed holds REST calls with their status (OnRequest), state events
// (the publish fan-out) and WebSocket frames in and out (observeFrame,
// called by the hub). It is a bounded ring, so an emulator nobody watches
// pays one short critical section per item.
//
// Protection, for a local tool: the endpoints are read-only and never show
// credentials (auth tokens, JWTs, keys and passwords are redacted from
// frames). A request from this machine (loopback peer) naming the emulator
// by a loopback host is served as is; the Host check stops DNS-rebinding
// pages. Any other request (e.g. the emulator published from a container)
// must send HTTP Basic credentials whose password is the REST API key; the
// browser asks for them. The dashboard gets no CORS headers, so other sites
// open in the developer's browser cannot read it. Config.DisableDashboard
// turns it off.

// dashboardPrefix is the path of the emulator's own endpoints (dashboard and
// snapshot), outside the CometChat API paths.
const dashboardPrefix = "/emulator/"

// Feed limits.
const (
	// feedCapacity is how many feed items the ring keeps.
	feedCapacity = 2000
	// feedBacklog is how many matching items a new feed subscriber gets.
	feedBacklog = 300
	// feedKeepAlive is the interval of SSE comments that keep proxies from
	// closing an idle stream.
	feedKeepAlive = 15 * time.Second
)

//go:embed dashboardui
var dashboardFiles embed.FS

// Frame directions for observeFrame.
const (
	frameIn  = "in"  // client → emulator
	frameOut = "out" // emulator → client
)

// feedItem is one entry of the live feed, as sent to the page.
type feedItem struct {
	Seq  uint64 `json:"seq"`
	Time int64  `json:"time"` // Unix milliseconds (the Server's clock)
	// Kind is "rest", "event" or "frame".
	Kind string `json:"kind"`

	Method     string  `json:"method,omitempty"`
	Path       string  `json:"path,omitempty"`
	API        string  `json:"api,omitempty"`
	Status     int     `json:"status,omitempty"`
	DurationMS float64 `json:"durationMs,omitempty"`

	Event string `json:"event,omitempty"`

	Dir       string `json:"dir,omitempty"`
	FrameType string `json:"frameType,omitempty"`
	Sockets   int    `json:"sockets,omitempty"` // frames out: how many sockets got it

	UID          string          `json:"uid,omitempty"`
	UIDs         []string        `json:"uids,omitempty"` // every user concerned
	Conversation string          `json:"conversation,omitempty"`
	Session      string          `json:"session,omitempty"`
	Summary      string          `json:"summary"`
	Detail       json.RawMessage `json:"detail,omitempty"`

	rawOut     *byte    // identity of an outgoing frame's bytes, to merge its deliveries
	frameSu    string   // the frame's own summary, before the arrow
	recipients []string // the users an outgoing frame was queued for
}

// dashboard is the feed of one Server. Its mutex is a leaf lock: nothing
// else is locked while it is held, so it can be fed with Server.mu held.
type dashboard struct {
	s *Server

	mu      sync.Mutex
	ring    []*feedItem // oldest first, at most feedCapacity
	nextSeq uint64
	changed chan struct{} // closed and replaced on every append
	done    chan struct{} // closed at Close: streams end
	closed  bool
}

// registerEmulatorRoutes registers the emulator's own endpoints: the
// snapshot (snapshot.go) and the dashboard.
func (s *Server) registerEmulatorRoutes() {
	s.registerSnapshotRoutes()
	if s.cfg.DisableDashboard {
		return
	}
	d := &dashboard{s: s, nextSeq: 1, changed: make(chan struct{}), done: make(chan struct{})}
	s.dash = d
	s.mu.Lock()
	s.addEventSinkLocked(d.onEventLocked)
	s.mu.Unlock()
	s.OnRequest(d.onRequest)
	s.onClose(d.close)

	ui, _ := fs.Sub(dashboardFiles, "dashboardui")
	files := http.StripPrefix(dashboardPrefix, http.FileServerFS(ui))
	s.mux.Handle("GET "+dashboardPrefix+"{$}", d.guard(files))
	s.mux.Handle("GET "+dashboardPrefix+"static/", d.guard(http.StripPrefix(dashboardPrefix+"static/", http.FileServerFS(ui))))
	s.mux.Handle("GET "+dashboardPrefix+"api/state", d.guard(http.HandlerFunc(d.serveState)))
	s.mux.Handle("GET "+dashboardPrefix+"api/conversations/{id}/messages", d.guard(http.HandlerFunc(d.serveMessages)))
	s.mux.Handle("GET "+dashboardPrefix+"api/events", d.guard(http.HandlerFunc(d.serveEvents)))
	s.mux.Handle(dashboardPrefix, d.guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not found", http.StatusNotFound)
	})))
}

// close ends every feed stream (Server.Close runs it before shutting the
// listener down, which would otherwise wait for the streams).
func (d *dashboard) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed {
		d.closed = true
		close(d.done)
	}
}

// guard applies the dashboard's protection (see the file comment) and its
// response headers.
func (d *dashboard) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !d.allowed(r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="CometChat emulator dashboard (password: the REST API key)", charset="UTF-8"`)
			http.Error(w, "The dashboard needs the REST API key as the password when not opened from this machine.",
				http.StatusUnauthorized)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// allowed reports whether r may see the dashboard.
func (d *dashboard) allowed(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	reqHost := r.Host
	if h, _, err := net.SplitHostPort(reqHost); err == nil {
		reqHost = h
	}
	if isLoopbackHost(host) && isLoopbackHost(reqHost) {
		return true
	}
	_, pass, ok := r.BasicAuth()
	return ok && subtle.ConstantTimeCompare([]byte(pass), []byte(d.s.cfg.RESTAPIKey)) == 1
}

// add appends an item to the ring and wakes the streams.
func (d *dashboard) add(it *feedItem) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.appendLocked(it)
}

func (d *dashboard) appendLocked(it *feedItem) {
	it.Seq = d.nextSeq
	d.nextSeq++
	if len(d.ring) >= feedCapacity {
		copy(d.ring, d.ring[len(d.ring)-feedCapacity+1:])
		d.ring = d.ring[:feedCapacity-1]
	}
	d.ring = append(d.ring, it)
	close(d.changed)
	d.changed = make(chan struct{})
}

// onRequest feeds a REST call (OnRequest observer). The dashboard's own
// calls are left out.
func (d *dashboard) onRequest(rec RequestRecord) {
	if strings.HasPrefix(rec.Path, dashboardPrefix) {
		return
	}
	it := &feedItem{
		Time: rec.Time.UnixMilli(), Kind: "rest", Method: rec.Method, Path: rec.Path, API: rec.API,
		Status: rec.Status, DurationMS: float64(rec.Duration.Microseconds()) / 1000, UID: rec.UID,
	}
	it.Summary = rec.Method + " " + rec.Path + " → " + strconv.Itoa(rec.Status)
	if rec.UID != "" {
		it.UIDs = []string{rec.UID}
	}
	pathConcerns(it, rec.Path, rec.UID)
	d.add(it)
}

// pathConcerns adds the users and the conversation a REST path names:
// users/{uid}… and groups/{guid}…, and their messages lists.
func pathConcerns(it *feedItem, path, caller string) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 3 { // version, collection, id
		return
	}
	id := normID(parts[2])
	switch parts[1] {
	case "users":
		it.UIDs = appendUnique(it.UIDs, id)
		if caller != "" && caller != id && len(parts) > 3 && parts[3] == "messages" {
			it.Conversation = userConversationID(caller, id)
		}
	case "groups":
		if len(parts) > 3 && parts[3] == "messages" || len(parts) == 3 {
			it.Conversation = "group_" + id
		}
	}
}

// onEventLocked feeds a published event. Caller holds Server.mu.
func (d *dashboard) onEventLocked(ev Event) {
	it := &feedItem{Time: ev.At.UnixMilli(), Kind: "event", Event: string(ev.Kind), UID: ev.UID, Session: ev.Session}
	if ev.UID != "" {
		it.UIDs = []string{normID(ev.UID)}
	}
	for _, u := range ev.Recipients {
		it.UIDs = appendUnique(it.UIDs, normID(u))
	}
	it.Summary = string(ev.Kind)
	if ev.UID != "" {
		it.Summary += " · " + ev.UID
	}
	if ev.Frame != nil {
		describeFrame(it, encodeFrame(ev.Frame))
		it.Summary = string(ev.Kind) + " · " + it.Summary
	}
	d.add(it)
}

// observeFrame feeds one WebSocket frame: dir is frameIn (read from a
// client) or frameOut (queued for a client); conn is the hub's connection
// id, session its deviceId and uid its user ("" before auth). The hub calls
// it, with or without Server.mu held; it never blocks on anything but the
// feed's own short lock, and is a no-op when the dashboard is disabled. The
// deliveries of one outgoing frame (the same bytes queued for many sockets)
// are merged into one item.
func (s *Server) observeFrame(dir string, conn int, session, uid string, frame []byte) {
	d := s.dash
	if d == nil || len(frame) == 0 {
		return
	}
	_ = conn // part of the hook's contract; items are per frame, not per socket
	d.mu.Lock()
	defer d.mu.Unlock()
	p := &frame[0] // the hub queues the same bytes to every recipient
	if dir == frameOut && len(d.ring) > 0 {
		if last := d.ring[len(d.ring)-1]; last.rawOut == p && last.Dir == frameOut {
			last.Sockets++
			if uid != "" && !slices.Contains(last.recipients, uid) {
				last.UIDs = appendUnique(last.UIDs, uid)
				last.recipients = append(last.recipients, uid)
				last.Summary = "→ " + strings.Join(last.recipients, ", ") + " · " + last.frameSu
			}
			return
		}
	}
	it := &feedItem{Time: s.now().UnixMilli(), Kind: "frame", Dir: dir, UID: uid, Session: session}
	if uid != "" {
		it.UIDs = []string{uid}
	}
	if dir == frameOut {
		it.rawOut, it.Sockets = p, 1
		if uid != "" {
			it.recipients = []string{uid}
		}
	}
	describeFrame(it, frame)
	it.frameSu = it.Summary
	who := uid
	if who == "" {
		who = "(not authenticated)"
	}
	arrow := "→ " + who
	if dir == frameIn {
		arrow = "← " + who
	}
	it.Summary = arrow + " · " + it.Summary
	d.appendLocked(it)
}

// frameFields are the frame keys the feed shows (client-protocol.md §7.3).
type frameFields struct {
	Type          string          `json:"type"`
	Action        string          `json:"action"`
	Receiver      string          `json:"receiver"`
	ReceiverType  string          `json:"receiverType"`
	Sender        string          `json:"sender"`
	MessageSender string          `json:"messageSender"`
	Body          json.RawMessage `json:"body"`
}

// frameBody are the body keys the feed shows.
type frameBody struct {
	ConversationID string `json:"conversationId"`
	Category       string `json:"category"`
	Type           string `json:"type"`
	Action         string `json:"action"`
	Text           string `json:"text"`
	Data           struct {
		Text string `json:"text"`
	} `json:"data"`
}

// describeFrame fills an item from frame JSON: its type, the users and
// conversation it concerns, a one-line summary and the redacted frame.
func describeFrame(it *feedItem, frame []byte) {
	var f frameFields
	if json.Unmarshal(frame, &f) != nil {
		it.Summary = "(not JSON)"
		return
	}
	var b frameBody
	_ = json.Unmarshal(f.Body, &b)
	it.FrameType = f.Type
	if f.Type == "" {
		it.FrameType = f.Action // ping / pong
	}
	for _, u := range []string{f.Sender, f.MessageSender} {
		if u != "" {
			it.UIDs = appendUnique(it.UIDs, normID(u))
		}
	}
	switch {
	case b.ConversationID != "":
		it.Conversation = b.ConversationID
	case f.ReceiverType == receiverTypeGroup && f.Receiver != "":
		it.Conversation = "group_" + normID(f.Receiver)
	case f.ReceiverType == receiverTypeUser && f.Receiver != "" && f.Sender != "":
		it.Conversation = userConversationID(f.Sender, f.Receiver)
	}
	if f.ReceiverType == receiverTypeUser && f.Receiver != "" {
		it.UIDs = appendUnique(it.UIDs, normID(f.Receiver))
	}
	parts := []string{it.FrameType}
	for _, p := range []string{b.Category, b.Type, b.Action} {
		if p != "" && !slices.Contains(parts, p) {
			parts = append(parts, p)
		}
	}
	sum := strings.Join(parts, " ")
	if f.Sender != "" {
		sum += " from " + f.Sender
	}
	if f.Receiver != "" {
		sum += " to " + f.Receiver
	}
	text := b.Data.Text
	if text == "" {
		text = b.Text
	}
	if text != "" {
		sum += ": " + truncateRunes(text, 120)
	}
	it.Summary = sum
	it.Detail = redactJSON(frame)
}

// secretKeys are JSON keys whose values never reach the feed.
var secretKeys = map[string]bool{
	"auth": true, "authtoken": true, "jwt": true, "apikey": true, "password": true, "fat": true, "token": true,
}

// redactJSON returns doc with the values of secretKeys replaced, or nil when
// doc is not JSON.
func redactJSON(doc []byte) json.RawMessage {
	var v any
	if json.Unmarshal(doc, &v) != nil {
		return nil
	}
	b, err := json.Marshal(redactValue(v))
	if err != nil {
		return nil
	}
	return b
}

func redactValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if secretKeys[strings.ToLower(k)] {
				t[k] = "[redacted]"
				continue
			}
			t[k] = redactValue(e)
		}
	case []any:
		for i, e := range t {
			t[i] = redactValue(e)
		}
	}
	return v
}

// truncateRunes shortens s to at most n runes, marking the cut.
func truncateRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos] + "…"
		}
		i++
	}
	return s
}

// appendUnique appends s to list unless it is there.
func appendUnique(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// feedFilter selects feed items by user and/or conversation.
type feedFilter struct {
	uid, conversation string
}

func (f feedFilter) match(it *feedItem) bool {
	if f.uid != "" && !slices.Contains(it.UIDs, f.uid) {
		return false
	}
	if f.conversation != "" && it.Conversation != f.conversation {
		return false
	}
	return true
}

// since returns copies of the items after seq, and the channel that is
// closed on the next append.
func (d *dashboard) since(seq uint64) ([]feedItem, <-chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	i, _ := slices.BinarySearchFunc(d.ring, seq+1, func(it *feedItem, s uint64) int {
		switch {
		case it.Seq < s:
			return -1
		case it.Seq > s:
			return 1
		}
		return 0
	})
	out := make([]feedItem, 0, len(d.ring)-i)
	for _, it := range d.ring[i:] {
		c := *it
		c.UIDs = slices.Clone(it.UIDs)
		out = append(out, c)
	}
	return out, d.changed
}

// serveEvents streams the feed as Server-Sent Events ("feed" events whose
// data is a feedItem and whose id is its seq). A reconnecting EventSource
// sends Last-Event-ID and resumes after it.
func (d *dashboard) serveEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	f := feedFilter{uid: normID(strings.TrimSpace(r.URL.Query().Get("uid"))),
		conversation: strings.TrimSpace(r.URL.Query().Get("conversation"))}
	var last uint64
	resume := false
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		if n, err := strconv.ParseUint(id, 10, 64); err == nil {
			last, resume = n, true
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte("retry: 2000\n\n")); err != nil {
		return
	}
	keep := time.NewTicker(feedKeepAlive)
	defer keep.Stop()
	first := !resume
	for {
		items, changed := d.since(last)
		var matched []feedItem
		for _, it := range items {
			last = it.Seq
			if f.match(&it) {
				matched = append(matched, it)
			}
		}
		if first && len(matched) > feedBacklog {
			matched = matched[len(matched)-feedBacklog:]
		}
		first = false
		for i := range matched {
			b, err := json.Marshal(&matched[i])
			if err != nil {
				continue
			}
			if _, err := w.Write([]byte("id: " + strconv.FormatUint(matched[i].Seq, 10) +
				"\nevent: feed\ndata: " + string(b) + "\n\n")); err != nil {
				return
			}
		}
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-changed:
		case <-keep.C:
			if _, err := w.Write([]byte(": keep-alive\n\n")); err != nil {
				return
			}
		case <-r.Context().Done():
			return
		case <-d.done:
			return
		}
	}
}

// Dashboard state JSON.
type (
	dashState struct {
		App           dashApp     `json:"app"`
		Users         []dashUser  `json:"users"`
		Groups        []dashGroup `json:"groups"`
		Conversations []dashConv  `json:"conversations"`
		Sockets       []dashConn  `json:"sockets"`
	}
	dashApp struct {
		AppID     string        `json:"appId"`
		Region    string        `json:"region"`
		Mode      string        `json:"mode"`
		DataDir   string        `json:"dataDir,omitempty"`
		Persist   *PersistStats `json:"persist,omitempty"`
		Messages  int           `json:"messages"`
		ServerNow int64         `json:"serverNow"`
	}
	dashUser struct {
		UID          string `json:"uid"`
		Name         string `json:"name"`
		Role         string `json:"role"`
		Online       bool   `json:"online"`
		Sockets      int    `json:"sockets"`
		LastActiveAt int64  `json:"lastActiveAt,omitempty"`
		Deactivated  bool   `json:"deactivated,omitempty"`
		Deleted      bool   `json:"deleted,omitempty"`
	}
	dashMember struct {
		UID    string `json:"uid"`
		Scope  string `json:"scope"`
		Online bool   `json:"online"`
	}
	dashGroup struct {
		GUID    string       `json:"guid"`
		Name    string       `json:"name"`
		Type    string       `json:"type"`
		Owner   string       `json:"owner"`
		Deleted bool         `json:"deleted,omitempty"`
		Members []dashMember `json:"members"`
		Banned  []string     `json:"banned,omitempty"`
	}
	dashConv struct {
		ConversationID string   `json:"conversationId"`
		Type           string   `json:"type"` // user or group
		With           []string `json:"with"` // the two uids, or the guid
		Messages       int      `json:"messages"`
		Last           *dashMsg `json:"last,omitempty"`
	}
	dashMsg struct {
		ID           int64  `json:"id"`
		Sender       string `json:"sender"`
		Receiver     string `json:"receiver"`
		ReceiverType string `json:"receiverType"`
		Category     string `json:"category"`
		Type         string `json:"type"`
		Text         string `json:"text,omitempty"`
		SentAt       int64  `json:"sentAt"`
		ParentID     int64  `json:"parentId,omitempty"`
		Edited       bool   `json:"edited,omitempty"`
		Deleted      bool   `json:"deleted,omitempty"`
	}
	dashConn struct {
		ID       int    `json:"id"`
		UID      string `json:"uid"`
		Session  string `json:"session"`
		Presence string `json:"presence,omitempty"`
	}
)

// serveState answers GET /emulator/api/state.
func (d *dashboard) serveState(w http.ResponseWriter, _ *http.Request) {
	s := d.s
	out := dashState{App: dashApp{AppID: s.cfg.AppID, Region: s.cfg.Region, Mode: s.cfg.Mode, DataDir: s.cfg.DataDir}}
	if s.persist != nil {
		ps := s.PersistStats()
		out.App.Persist = &ps
	}
	s.mu.Lock()
	st := s.st
	out.App.Messages = len(st.Messages)
	out.App.ServerNow = s.now().Unix()
	for _, uid := range sortedKeys(st.Users) {
		u := st.Users[uid]
		out.Users = append(out.Users, dashUser{UID: u.UID, Name: u.Name, Role: u.Role, Online: st.isOnline(u.UID),
			Sockets: st.online[u.UID], LastActiveAt: u.LastActiveAt, Deactivated: u.DeactivatedAt != 0, Deleted: u.DeletedAt != 0})
	}
	for _, guid := range sortedKeys(st.Groups) {
		g := st.Groups[guid]
		dg := dashGroup{GUID: g.GUID, Name: g.Name, Type: g.Type, Owner: g.Owner, Deleted: g.DeletedAt != 0, Members: []dashMember{}}
		for _, uid := range sortedKeys(st.Members[guid]) {
			m := st.Members[guid][uid]
			dg.Members = append(dg.Members, dashMember{UID: m.UID, Scope: m.Scope, Online: st.isOnline(m.UID)})
		}
		dg.Banned = sortedKeys(st.Bans[guid])
		out.Groups = append(out.Groups, dg)
	}
	convs := map[string]*dashConv{}
	for _, m := range st.Messages {
		c := convs[m.ConversationID]
		if c == nil {
			c = &dashConv{ConversationID: m.ConversationID, Type: m.ReceiverType}
			if m.ReceiverType == receiverTypeGroup {
				c.With = []string{m.Receiver}
			} else {
				c.With = []string{m.Sender, m.Receiver}
				slices.Sort(c.With)
			}
			convs[m.ConversationID] = c
		}
		c.Messages++
		dm := dashMessage(m)
		c.Last = &dm
	}
	if s.hub != nil {
		for c := range s.hub.conns {
			if c.authed {
				out.Sockets = append(out.Sockets, dashConn{ID: c.id, UID: c.uid, Session: c.device, Presence: c.presence})
			}
		}
	}
	s.mu.Unlock()
	for _, id := range sortedKeys(convs) {
		out.Conversations = append(out.Conversations, *convs[id])
	}
	// Most recent conversation first.
	slices.SortStableFunc(out.Conversations, func(a, b dashConv) int { return int(b.Last.ID - a.Last.ID) })
	slices.SortFunc(out.Sockets, func(a, b dashConn) int { return a.ID - b.ID })
	writeJSON(w, http.StatusOK, out)
}

// dashMessage renders a message for the dashboard.
func dashMessage(m *messageRecord) dashMsg {
	dm := dashMsg{ID: m.ID, Sender: m.Sender, Receiver: m.Receiver, ReceiverType: m.ReceiverType,
		Category: m.Category, Type: m.Type, SentAt: m.SentAt, ParentID: m.ParentID,
		Edited: m.EditedAt != 0, Deleted: m.DeletedAt != 0}
	var data struct {
		Text string `json:"text"`
	}
	if len(m.Data) > 0 && json.Unmarshal(m.Data, &data) == nil {
		dm.Text = data.Text
	}
	if m.Action != nil && dm.Text == "" {
		dm.Text = m.Action.By + " " + m.Action.Action + " " + m.Action.On
	}
	return dm
}

// serveMessages answers GET /emulator/api/conversations/{id}/messages: the
// last ?limit= (default 100, max 500) messages, oldest first.
func (d *dashboard) serveMessages(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	limit := 100
	if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && n > 0 {
		limit = min(n, 500)
	}
	s := d.s
	out := []dashMsg{}
	s.mu.Lock()
	for i := len(s.st.Messages) - 1; i >= 0 && len(out) < limit; i-- {
		if m := s.st.Messages[i]; m.ConversationID == id {
			out = append(out, dashMessage(m))
		}
	}
	s.mu.Unlock()
	slices.Reverse(out)
	writeJSON(w, http.StatusOK, map[string]any{"conversationId": id, "messages": out})
}
