package emulator

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Messages: send (POST messages, POST messages/{id}/thread), get, edit and
// delete (client-protocol.md §5.3-§5.4, model.md §5). Lists are in
// messagequery.go, reactions in reactions.go, receipts and conversations in
// receipts.go and conversations.go.
//
// renderMessageLocked is the single renderer of the message wire JSON; every
// resource that returns or pushes a message (group actions, conversations,
// calls) goes through it.

// Event kinds of messages.
const (
	// EventMessageSent: a message was stored (also call and group action
	// messages).
	EventMessageSent EventKind = "message_sent"
	// EventMessageEdited: a message was edited; the event carries the edit
	// action message.
	EventMessageEdited EventKind = "message_edited"
	// EventMessageDeleted: a message was deleted; the event carries the
	// delete action message.
	EventMessageDeleted EventKind = "message_deleted"
)

// Message limits (rules-and-limits.md §2).
const (
	maxMessageChars   = 65536
	maxMessageDataLen = 10 * 1024
	maxMentions       = 10
	maxAttachments    = 10
	systemUID         = "app_system"
	maxRenderNesting  = 2
	messageTypeText   = "text"
	categoryMessage   = "message"
	categoryCustom    = "custom"
	categoryAction    = "action"
	categoryCall      = "call"
	categoryInteract  = "interactive"
	receiverTypeUser  = "user"
	receiverTypeGroup = "group"
	entityTypeUser    = "user"
	entityTypeGroup   = "group"
	entityTypeMessage = "message"
	actionTypeMessage = "message"
	actionTypeMember  = "groupMember"
)

// mediaTypes are the types of category message besides text.
var mediaTypes = map[string]bool{"image": true, "video": true, "audio": true, "file": true}

// mentionPattern finds the inline mentions "<@uid:UID>" (model.md §5.12).
var mentionPattern = regexp.MustCompile(`<@uid:([A-Za-z0-9_-]{1,100})>`)

// serverDataKeys are data keys only the service writes; a client sending
// them has them dropped.
var serverDataKeys = []string{"entities", "reactions", "mentions", "action", "moderation", "interactions"}

// reservedDataKeys do not count towards the 10 KB data limit (they are
// bounded by the whole-message limit instead).
var reservedDataKeys = []string{"text", "attachments", "metadata", "customData"}

func (s *Server) registerMessageRoutes() {
	s.clientRoute("POST messages", s.postMessage)
	s.clientRoute("POST messages/{id}/thread", s.postThreadMessage)
	s.clientRoute("GET messages/{id}", s.getMessage)
	s.clientRoute("PUT messages/{id}", s.putMessage)
	s.clientRoute("DELETE messages/{id}", s.deleteMessage)
	s.clientRoute("PATCH messages/{id}/interacted", s.patchInteracted)
	s.clientRoute("POST messages/{id}/pin", s.pinMessage(true))
	s.clientRoute("DELETE messages/{id}/pin", s.pinMessage(false))
	s.clientRoute("POST messages/{id}/save", s.saveMessage(true))
	s.clientRoute("DELETE messages/{id}/save", s.saveMessage(false))
	s.clientRoute("POST messages/{id}/thread/subscription", s.subscribeThread(true))
	s.clientRoute("DELETE messages/{id}/thread/subscription", s.subscribeThread(false))
}

// entityJSON is one item of data.entities.
type entityJSON struct {
	Entity     any    `json:"entity"`
	EntityType string `json:"entityType"`
}

// myReceiptJSON is myReceipt; recipient is omitted, which means "me".
type myReceiptJSON struct {
	DeliveredAt int64 `json:"deliveredAt,omitempty"`
	ReadAt      int64 `json:"readAt,omitempty"`
}

// reactionCountJSON is one entry of data.reactions.
type reactionCountJSON struct {
	Reaction    string `json:"reaction"`
	Count       int    `json:"count"`
	ReactedByMe bool   `json:"reactedByMe"`
}

// receiptListJSON is receipts of GET messages/{id}.
type receiptListJSON struct {
	Data []receiptJSON `json:"data"`
}

type receiptJSON struct {
	DeliveredAt int64    `json:"deliveredAt,omitempty"`
	ReadAt      int64    `json:"readAt,omitempty"`
	Recipient   userJSON `json:"recipient"`
}

// messageJSON is the wire message of model.md §5.1. Ids are strings
// (model.md §0.2).
type messageJSON struct {
	ID                 string                     `json:"id"`
	MUID               string                     `json:"muid,omitempty"`
	ConversationID     string                     `json:"conversationId"`
	Sender             string                     `json:"sender"`
	ReceiverType       string                     `json:"receiverType"`
	Receiver           string                     `json:"receiver"`
	Category           string                     `json:"category"`
	Type               string                     `json:"type"`
	Data               map[string]json.RawMessage `json:"data"`
	SentAt             int64                      `json:"sentAt"`
	UpdatedAt          int64                      `json:"updatedAt"`
	DeliveredAt        int64                      `json:"deliveredAt,omitempty"`
	ReadAt             int64                      `json:"readAt,omitempty"`
	EditedAt           int64                      `json:"editedAt,omitempty"`
	EditedBy           string                     `json:"editedBy,omitempty"`
	DeletedAt          int64                      `json:"deletedAt,omitempty"`
	DeletedBy          string                     `json:"deletedBy,omitempty"`
	ParentID           string                     `json:"parentId,omitempty"`
	ReplyCount         int                        `json:"replyCount,omitempty"`
	UnreadRepliesCount int                        `json:"unreadRepliesCount,omitempty"`
	Tags               []string                   `json:"tags,omitempty"`
	QuotedMessageID    string                     `json:"quotedMessageId,omitempty"`
	QuotedMessage      *messageJSON               `json:"quotedMessage,omitempty"`
	MyReceipt          *myReceiptJSON             `json:"myReceipt,omitempty"`
	Receipts           *receiptListJSON           `json:"receipts,omitempty"`
	PinnedAt           int64                      `json:"pinnedAt,omitempty"`
	PinnedBy           string                     `json:"pinnedBy,omitempty"`
	SavedAt            int64                      `json:"savedAt,omitempty"`
	ThreadSubscribed   bool                       `json:"threadSubscribed,omitempty"`
}

// idString renders an id as the wire's numeric string; 0 is "".
func idString(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// mustRaw marshals v for a data map. Values here are plain data, so an
// error is a bug.
func mustRaw(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("emulator: cannot encode " + err.Error())
	}
	return b
}

// renderMessageLocked renders m as viewer sees it (viewer "" for frames and
// webhooks: no viewer-relative fields). data.entities.sender and receiver
// are always filled. Caller holds s.mu.
func (s *Server) renderMessageLocked(m *messageRecord, viewer string) messageJSON {
	return s.renderMessageDepthLocked(m, viewer, 0)
}

func (s *Server) renderMessageDepthLocked(m *messageRecord, viewer string, depth int) messageJSON {
	j := messageJSON{
		ID: idString(m.ID), MUID: m.MUID, ConversationID: m.ConversationID, Sender: m.Sender,
		ReceiverType: m.ReceiverType, Receiver: m.Receiver, Category: m.Category, Type: m.Type,
		SentAt: m.SentAt, UpdatedAt: max(m.UpdatedAt, m.SentAt), EditedAt: m.EditedAt, EditedBy: m.EditedBy,
		DeletedAt: m.DeletedAt, DeletedBy: m.DeletedBy, ParentID: idString(m.ParentID),
		Tags: slices.Clone(m.Tags), QuotedMessageID: idString(m.QuotedMessageID),
	}
	data := map[string]json.RawMessage{}
	if len(m.Data) > 0 {
		_ = json.Unmarshal(m.Data, &data)
	}
	ents := map[string]entityJSON{
		"sender":   {Entity: s.userEntityLocked(m.Sender, viewer), EntityType: entityTypeUser},
		"receiver": s.receiverEntityLocked(m.Receiver, m.ReceiverType, viewer),
	}
	if a := m.Action; a != nil {
		data["action"] = mustRaw(a.Action)
		if len(a.Extras) > 0 {
			data["extras"] = a.Extras
		}
		ents["by"] = entityJSON{Entity: s.userEntityLocked(a.By, viewer), EntityType: entityTypeUser}
		if e, ok := s.refEntityLocked(a.On, a.OnType, viewer, depth); ok {
			ents["on"] = e
		}
		if e, ok := s.refEntityLocked(a.For, a.ForType, viewer, depth); ok {
			ents["for"] = e
		}
	}
	if m.CallSession != "" {
		if c, ok := s.st.Calls[m.CallSession]; ok {
			s.renderCallIntoLocked(c, m, data, ents, viewer)
		}
	}
	data["entities"] = mustRaw(ents)
	if mentions := s.mentionsLocked(data, viewer); len(mentions) > 0 {
		data["mentions"] = mustRaw(mentions)
	}
	if rc := s.reactionCountsLocked(m.ID, viewer); len(rc) > 0 {
		data["reactions"] = mustRaw(rc)
	}
	j.Data = data
	j.ReplyCount = s.replyCountLocked(m)
	if j.ReplyCount > 0 {
		j.UnreadRepliesCount = s.unreadRepliesLocked(m, viewer) // threads.go
	}
	if m.ReceiverType == receiverTypeUser {
		if r := s.st.Receipts[m.ID][m.Receiver]; r != nil {
			j.DeliveredAt, j.ReadAt = r.DeliveredAt, r.ReadAt
		}
	}
	if viewer != "" && viewer != m.Sender {
		if r := s.st.Receipts[m.ID][viewer]; r != nil && (r.DeliveredAt != 0 || r.ReadAt != 0) {
			j.MyReceipt = &myReceiptJSON{DeliveredAt: r.DeliveredAt, ReadAt: r.ReadAt}
		}
	}
	if m.QuotedMessageID != 0 && depth < maxRenderNesting {
		if q, ok := s.st.message(m.QuotedMessageID); ok {
			qj := s.renderMessageDepthLocked(q, viewer, depth+1)
			j.QuotedMessage = &qj
		}
	}
	if p := s.st.Pins[m.ConversationID][m.ID]; p != nil {
		j.PinnedAt, j.PinnedBy = p.PinnedAt, p.PinnedBy
	}
	if viewer != "" {
		j.SavedAt = s.st.Saves[viewer][m.ID]
		j.ThreadSubscribed = s.st.ThreadSubscriptions[viewer][m.ID] != 0
	}
	return j
}

// userEntityLocked renders a user for an entity; the system actor and
// users that are gone render as a bare user so the shape stays complete.
func (s *Server) userEntityLocked(uid, viewer string) any {
	if u, ok := s.st.Users[normID(uid)]; ok {
		return s.renderUserLocked(u, viewer)
	}
	name := uid
	if uid == systemUID {
		name = "System"
	}
	return userJSON{UID: uid, Name: name, Role: defaultRole, Status: "offline"}
}

// groupEntityLocked renders a group for an entity or a conversation,
// relative to viewer; a group that is gone renders as a bare group so the
// shape stays complete.
func (s *Server) groupEntityLocked(guid, viewer string) any {
	if g, ok := s.st.Groups[normID(guid)]; ok {
		return s.renderGroupLocked(g, viewer)
	}
	return map[string]any{"guid": guid, "name": guid, "type": "public", "conversationId": groupConversationID(guid)}
}

// receiverEntityLocked renders data.entities.receiver.
func (s *Server) receiverEntityLocked(id, receiverType, viewer string) entityJSON {
	if receiverType == receiverTypeGroup {
		return entityJSON{Entity: s.groupEntityLocked(id, viewer), EntityType: entityTypeGroup}
	}
	return entityJSON{Entity: s.userEntityLocked(id, viewer), EntityType: entityTypeUser}
}

// refEntityLocked renders an action's on / for reference.
func (s *Server) refEntityLocked(id, typ, viewer string, depth int) (entityJSON, bool) {
	switch typ {
	case "":
		return entityJSON{}, false
	case entityTypeGroup:
		return entityJSON{Entity: s.groupEntityLocked(id, viewer), EntityType: typ}, true
	case entityTypeMessage:
		n, _ := strconv.ParseInt(id, 10, 64)
		m, ok := s.st.message(n)
		if !ok || depth >= maxRenderNesting {
			return entityJSON{Entity: map[string]string{"id": id}, EntityType: typ}, true
		}
		return entityJSON{Entity: s.renderMessageDepthLocked(m, viewer, depth+1), EntityType: typ}, true
	}
	return entityJSON{Entity: s.userEntityLocked(id, viewer), EntityType: typ}, true
}

// mentionsLocked renders data.mentions from the inline mentions of the text.
func (s *Server) mentionsLocked(data map[string]json.RawMessage, viewer string) map[string]userJSON {
	var text string
	if raw, ok := data["text"]; !ok || json.Unmarshal(raw, &text) != nil {
		return nil
	}
	out := map[string]userJSON{}
	for _, uid := range mentionedUIDs(text) {
		if u, ok := s.st.Users[uid]; ok {
			out[uid] = s.renderUserLocked(u, viewer)
		}
	}
	return out
}

// mentionedUIDs returns the distinct lower-cased uids mentioned in text.
func mentionedUIDs(text string) []string {
	var out []string
	for _, m := range mentionPattern.FindAllStringSubmatch(text, -1) {
		uid := normID(m[1])
		if !slices.Contains(out, uid) {
			out = append(out, uid)
		}
	}
	return out
}

// messageText returns data.text of a stored message.
func messageText(m *messageRecord) string {
	var d struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(m.Data, &d)
	return d.Text
}

// replyCountLocked counts the thread replies of m that are not deleted.
func (s *Server) replyCountLocked(m *messageRecord) int {
	i, ok := s.st.messageIndex[m.ID]
	if !ok || m.ParentID != 0 {
		return 0
	}
	n := 0
	for _, r := range s.st.Messages[i+1:] {
		if r.ParentID == m.ID && r.DeletedAt == 0 && r.Action == nil {
			n++
		}
	}
	return n
}

// visibleLocked reports whether viewer may see m: a party of the 1:1
// conversation (and not cleared by a conversation delete), or a member of
// the group.
func (s *Server) visibleLocked(m *messageRecord, viewer string) bool {
	if viewer == systemUID {
		return true // the server API's key without onBehalfOf sees every message
	}
	if m.ReceiverType == receiverTypeGroup {
		g, ok := s.st.Groups[m.Receiver]
		if !ok || g.DeletedAt != 0 || s.st.Members[m.Receiver][viewer] == nil {
			return false
		}
	} else if m.Sender != viewer && m.Receiver != viewer {
		return false
	}
	if cv := s.st.Conversations[viewer][m.ConversationID]; cv != nil && m.ID <= cv.ClearedUpTo {
		return false
	}
	return true
}

// visibleMessageLocked looks up a message viewer may see; anything else is
// ERR_MESSAGE_ID_NOT_FOUND.
func (s *Server) visibleMessageLocked(idText, viewer string) (*messageRecord, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(idText), 10, 64)
	if err != nil || id <= 0 {
		return nil, errMessageNotFound(idText)
	}
	m, ok := s.st.message(id)
	if !ok || !s.visibleLocked(m, viewer) {
		return nil, errMessageNotFound(idText)
	}
	return m, nil
}

func errMessageNotFound(id string) *Error {
	return newError("ERR_MESSAGE_ID_NOT_FOUND", "The message with id %s does not exist.", id)
}

// groupConversationID is "group_{guid}" (model.md §8).
func groupConversationID(guid string) string { return "group_" + normID(guid) }

// conversationIDFor returns the conversation id of a message between sender
// and a receiver.
func conversationIDFor(sender, receiver, receiverType string) string {
	if receiverType == receiverTypeGroup {
		return groupConversationID(receiver)
	}
	return userConversationID(sender, receiver)
}

// outgoing is a validated send body.
type outgoing struct {
	receiver, receiverType string
	category, typ          string
	data                   json.RawMessage
	muid                   string
	tags                   []string
	parentID, quotedID     int64
}

// readMessageBody reads a send or edit body, enforcing the whole-message
// limit of 65,536 characters (rules-and-limits.md §2).
func readMessageBody(r *http.Request) (map[string]json.RawMessage, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if len(body) > maxBodyBytes || utf8.RuneCount(body) > maxMessageChars {
		return nil, errBadRequest(map[string][]string{"data": {
			"The message may not be greater than " + strconv.Itoa(maxMessageChars) + " characters."}})
	}
	return decodeObject(body)
}

// rawString decodes a string field leniently ("" when absent or not a string).
func rawString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	t := strings.TrimSpace(string(raw))
	if t != "" && t != "null" && (t[0] >= '0' && t[0] <= '9') {
		return t // a numeric id
	}
	return ""
}

// rawID decodes an id that may be a number or a numeric string.
func rawID(raw json.RawMessage) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(rawString(raw)), 10, 64)
	return n
}

// readOutgoing reads and validates a send body.
func readOutgoing(r *http.Request) (*outgoing, error) {
	body, err := readMessageBody(r)
	if err != nil {
		return nil, err
	}
	return parseOutgoing(body)
}

// parseOutgoing validates a send body (client-protocol.md §5.4) with the
// codes of errors.md §3.6.
func parseOutgoing(body map[string]json.RawMessage) (*outgoing, error) {
	o := &outgoing{}
	o.receiver = normID(strings.TrimSpace(rawString(body["receiver"])))
	if o.receiver == "" {
		return nil, newError("ERR_EMPTY_RECEIVER", "The receiver is required.")
	}
	o.receiverType = strings.ToLower(strings.TrimSpace(rawString(body["receiverType"])))
	if o.receiverType != receiverTypeUser && o.receiverType != receiverTypeGroup {
		return nil, newError("ERR_INVALID_RECEIVER_TYPE", "The receiverType must be user or group.")
	}
	o.category = strings.ToLower(strings.TrimSpace(rawString(body["category"])))
	if o.category == "" {
		o.category = categoryMessage
	}
	switch o.category {
	case categoryMessage, categoryCustom, categoryInteract:
	default:
		return nil, newError("ERR_INVALID_MESSAGE_CATEGORY", "The category %s cannot be sent.", o.category)
	}
	o.typ = strings.TrimSpace(rawString(body["type"]))
	if o.typ == "" {
		return nil, newError("ERR_EMPTY_MESSAGE_TYPE", "The message type is required.")
	}
	data := map[string]json.RawMessage{}
	if raw, ok := body["data"]; ok && !isNull(raw) {
		if json.Unmarshal(raw, &data) != nil {
			return nil, newError("ERR_INVALID_MESSAGE_DATA", "The data must be an object.")
		}
	}
	// The official SDK duplicates text and metadata at the top level; data wins.
	for _, k := range []string{"text", "metadata", "customData"} {
		if _, ok := data[k]; !ok {
			if raw, ok := body[k]; ok && !isNull(raw) {
				data[k] = raw
			}
		}
	}
	if raw, ok := data["custom_data"]; ok {
		if _, has := data["customData"]; !has {
			data["customData"] = raw
		}
		delete(data, "custom_data")
	}
	for _, k := range serverDataKeys {
		delete(data, k)
	}
	if raw, ok := data["metadata"]; ok {
		var md map[string]json.RawMessage
		if isNull(raw) || json.Unmarshal(raw, &md) != nil {
			return nil, newError("ERR_INVALID_METADATA", "The metadata must be an object.")
		}
	}
	if err := checkCategoryData(o.category, o.typ, data); err != nil {
		return nil, err
	}
	var v validator
	rest := 0
	for k, raw := range data {
		if !slices.Contains(reservedDataKeys, k) {
			rest += len(k) + len(raw)
		}
	}
	if rest > maxMessageDataLen {
		v.add("data", "The data may not be greater than 10 kilobytes.")
	}
	if n := len(mentionedUIDs(rawString(data["text"]))); n > maxMentions {
		v.add("text", "The text may not mention more than "+strconv.Itoa(maxMentions)+" users.")
	}
	if raw, ok := body["tags"]; ok {
		o.tags, _ = v.tags("tags", raw)
	}
	if raw, ok := body["muid"]; ok {
		if muid, ok := v.str("muid", raw); ok {
			o.muid = muid
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	o.parentID = rawID(body["parentMessageId"])
	if o.parentID == 0 {
		o.parentID = rawID(body["parentId"])
	}
	o.quotedID = rawID(body["quotedMessageId"])
	o.data = mustRaw(data)
	return o, nil
}

// checkCategoryData applies the per-category content rules.
func checkCategoryData(category, typ string, data map[string]json.RawMessage) error {
	switch category {
	case categoryMessage:
		if typ == messageTypeText {
			if strings.TrimSpace(rawString(data["text"])) == "" {
				return newError("ERR_EMPTY_MESSAGE_TEXT", "The message text is required.")
			}
			return nil
		}
		if !mediaTypes[typ] {
			return newError("ERR_INVALID_MESSAGE_TYPE", "The type %s is not valid for category message.", typ)
		}
		var atts []map[string]json.RawMessage
		if raw, ok := data["attachments"]; ok && (isNull(raw) || json.Unmarshal(raw, &atts) != nil) {
			return newError("ERR_INVALID_MEDIA_MESSAGE", "The attachments must be an array of objects.")
		}
		if len(atts) > maxAttachments {
			return errBadRequest(map[string][]string{"attachments": {
				"The attachments may not have more than " + strconv.Itoa(maxAttachments) + " items."}})
		}
		if strings.TrimSpace(rawString(data["url"])) == "" && len(atts) == 0 {
			return newError("ERR_EMPTY_MESSAGE_FILE", "A media message needs a url or attachments.")
		}
	case categoryCustom:
		raw, ok := data["customData"]
		if !ok || isNull(raw) {
			return newError("ERR_EMPTY_CUSTOM_DATA", "The customData is required.")
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return newError("ERR_INVALID_CUSTOM_DATA", "The customData must be an object.")
		}
	case categoryInteract:
		var obj map[string]json.RawMessage
		if raw, ok := data["interactiveData"]; !ok || json.Unmarshal(raw, &obj) != nil || obj == nil {
			return newError("ERR_INVALID_MESSAGE_DATA", "The interactiveData must be an object.")
		}
		if raw, ok := data["interactionGoal"]; ok {
			var g struct {
				Type string `json:"type"`
			}
			if json.Unmarshal(raw, &g) != nil || !validGoals[g.Type] {
				return newError("ERR_INVALID_MESSAGE_DATA", "The interactionGoal type must be anyAction, anyOf, allOf or none.")
			}
		}
	}
	return nil
}

// validGoals are the interaction goal types (model.md §5.8).
var validGoals = map[string]bool{"anyAction": true, "anyOf": true, "allOf": true, "none": true}

func (s *Server) postMessage(r *http.Request, c *clientCaller) (any, error) {
	return s.send(r, c, 0)
}

func (s *Server) postThreadMessage(r *http.Request, c *clientCaller) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, errMessageNotFound(r.PathValue("id"))
	}
	return s.send(r, c, id)
}

// send stores a message from a client (parent > 0: a thread reply).
func (s *Server) send(r *http.Request, c *clientCaller, parent int64) (any, error) {
	o, err := readOutgoing(r)
	if err != nil {
		return nil, err
	}
	if parent != 0 {
		o.parentID = parent
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.storeMessageLocked(c.uid, c.session, o)
	if err != nil {
		return nil, err
	}
	return s.renderMessageLocked(m, c.uid), nil
}

// checkSendRightsLocked applies the rules of who may send to whom
// (rules-and-limits.md §6, §9).
func (s *Server) checkSendRightsLocked(sender, receiver, receiverType string) error {
	if receiverType == receiverTypeGroup {
		_, ok := s.st.activeGroup(receiver)
		switch {
		case !ok:
			return errGUIDNotFound(receiver)
		case s.isBannedLocked(receiver, sender):
			return errBannedMember(receiver, sender)
		case !s.st.isMember(receiver, sender):
			return errGroupNotJoined(receiver)
		}
		return nil
	}
	if _, ok := s.st.activeUser(receiver); !ok {
		return errUIDNotFound(receiver)
	}
	if _, ok := s.st.Blocks[sender][receiver]; ok {
		return newError("ERR_BLOCKED_RECEIVER", "The user %s has blocked the user %s.", sender, receiver)
	}
	if _, ok := s.st.Blocks[receiver][sender]; ok {
		return newError("ERR_BLOCKED_SENDER", "The user %s has been blocked by the user %s.", sender, receiver)
	}
	return nil
}

// storeMessageLocked validates rights, de-duplicates by muid, stores and
// publishes a message. Caller holds s.mu.
func (s *Server) storeMessageLocked(sender, session string, o *outgoing) (*messageRecord, error) {
	if o.muid != "" {
		// A retried send returns the message stored the first time.
		if m, ok := s.st.messageByMUID(sender, o.muid); ok {
			return m, nil
		}
	}
	if err := s.checkSendRightsLocked(sender, o.receiver, o.receiverType); err != nil {
		return nil, err
	}
	conv := conversationIDFor(sender, o.receiver, o.receiverType)
	if o.parentID != 0 {
		p, ok := s.st.message(o.parentID)
		if !ok || !s.visibleLocked(p, sender) {
			return nil, errMessageNotFound(idString(o.parentID))
		}
		if p.ParentID != 0 {
			return nil, newError("ERR_MESSAGE_THREAD_NESTING", "The message %d is a reply; replies cannot be nested.", p.ID)
		}
		if p.ConversationID != conv {
			return nil, newError("ERR_WRONG_MESSAGE_THREAD", "The message %d is not in this conversation.", p.ID)
		}
		if p.Action != nil || p.Category == categoryCall {
			return nil, newError("ERR_WRONG_MESSAGE_THREAD_CATEGORY", "Messages of category %s cannot have threads.", p.Category)
		}
	}
	if o.quotedID != 0 {
		if q, ok := s.st.message(o.quotedID); !ok || !s.visibleLocked(q, sender) {
			return nil, errMessageNotFound(idString(o.quotedID))
		}
	}
	now := s.now().Unix()
	m := &messageRecord{
		ID: s.st.nextMessageID(), MUID: o.muid, ConversationID: conv, Sender: sender, Receiver: o.receiver,
		ReceiverType: o.receiverType, Category: o.category, Type: o.typ, Data: o.data, Tags: o.tags,
		ParentID: o.parentID, QuotedMessageID: o.quotedID, SentAt: now, UpdatedAt: now, SenderDevice: session,
	}
	s.appendAndPublishLocked(m, EventMessageSent, session)
	return m, nil
}

// appendAndPublishLocked stores a new message (its id from nextMessageID)
// and publishes it as a WebSocket message frame and a webhook. Conversations
// are derived from the messages, so a new message also revives a
// conversation the recipients had deleted. Caller holds s.mu.
func (s *Server) appendAndPublishLocked(m *messageRecord, kind EventKind, session string) {
	s.st.appendMessage(m)
	s.publishMessageLocked(m, kind, session)
}

// publishMessageLocked publishes m (a new message or an action message).
func (s *Server) publishMessageLocked(m *messageRecord, kind EventKind, session string) {
	j := s.renderMessageLocked(m, "")
	s.publish(Event{
		Kind:        kind,
		UID:         m.Sender,
		Session:     session,
		Frame:       s.messageFrame(m, session, "message", m.Sender, j),
		Recipients:  s.recipientsLocked(m),
		Trigger:     string(kind),
		WebhookData: map[string]any{"message": j},
	})
}

// messageFrame is a frame of type typ about m, addressed to m's
// conversation, caused by sender from device.
func (s *Server) messageFrame(m *messageRecord, device, typ, sender string, body any) wsFrame {
	return wsFrame{AppID: s.cfg.AppID, Receiver: m.Receiver, ReceiverType: m.ReceiverType, DeviceID: device,
		Type: typ, Sender: sender, Body: body}
}

// recipientsLocked are the users whose sessions get m's frames: both
// parties of a 1:1 conversation, or every current member of the group
// (client-protocol.md §7.12).
func (s *Server) recipientsLocked(m *messageRecord) []string {
	if m.ReceiverType == receiverTypeGroup {
		out := sortedKeys(s.st.Members[m.Receiver])
		if m.Action != nil && m.Action.OnType == entityTypeUser && !slices.Contains(out, m.Action.On) {
			out = append(out, m.Action.On) // the affected user of a member action
		}
		return out
	}
	parties := []string{m.Sender, m.Receiver}
	if m.Action != nil && m.Type == actionTypeMessage {
		// An edit or delete reaches both parties of the affected message, also when the actor is
		// neither (app_system acting with the REST API key).
		if n, err := strconv.ParseInt(m.Action.On, 10, 64); err == nil {
			if target, ok := s.st.message(n); ok {
				parties = append(parties, target.Sender, target.Receiver)
			}
		}
	}
	slices.Sort(parties)
	return slices.Compact(parties)
}

// storeActionLocked stores and publishes an action message of actor in the
// conversation of (receiver, receiverType): type "message" for edits and
// deletes, "groupMember" for member events. Other resources (groups) use it
// for their action messages. Caller holds s.mu.
func (s *Server) storeActionLocked(actor, session, receiver, receiverType, typ string, a *actionRecord, kind EventKind) *messageRecord {
	now := s.now().Unix()
	m := &messageRecord{
		ID: s.st.nextMessageID(), ConversationID: conversationIDFor(actor, receiver, receiverType),
		Sender: actor, Receiver: receiver, ReceiverType: receiverType, Category: categoryAction, Type: typ,
		SentAt: now, UpdatedAt: now, SenderDevice: session, Action: a,
	}
	if receiverType == receiverTypeUser && typ == actionTypeMessage {
		// Message actions keep the conversation of the affected message.
		if n, err := strconv.ParseInt(a.On, 10, 64); err == nil {
			if target, ok := s.st.message(n); ok {
				m.ConversationID, m.Receiver, m.ParentID = target.ConversationID, target.Receiver, target.ParentID
				if target.Receiver == actor {
					m.Receiver = target.Sender
				}
			}
		}
	}
	s.appendAndPublishLocked(m, kind, session)
	return m
}

// getMessage: GET messages/{id}, with the receipts list.
func (s *Server) getMessage(r *http.Request, c *clientCaller) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.visibleMessageLocked(r.PathValue("id"), c.uid)
	if err != nil {
		return nil, err
	}
	j := s.renderMessageLocked(m, c.uid)
	list := &receiptListJSON{Data: []receiptJSON{}}
	for _, uid := range sortedKeys(s.st.Receipts[m.ID]) {
		rc := s.st.Receipts[m.ID][uid]
		if u, ok := s.st.Users[uid]; ok && uid != m.Sender {
			list.Data = append(list.Data, receiptJSON{DeliveredAt: rc.DeliveredAt, ReadAt: rc.ReadAt,
				Recipient: s.renderUserLocked(u, c.uid)})
		}
	}
	j.Receipts = list
	return j, nil
}

// editableKeys are the data keys an edit may change.
var editableKeys = []string{"text", "metadata", "customData", "url", "attachments", "subType"}

// putMessage: PUT messages/{id}. Only the sender may edit; the answer is the
// "edited" action message, whose on entity is the edited message.
func (s *Server) putMessage(r *http.Request, c *clientCaller) (any, error) {
	body, err := readMessageBody(r)
	if err != nil {
		return nil, err
	}
	patch := map[string]json.RawMessage{}
	if raw, ok := body["data"]; ok && !isNull(raw) {
		if json.Unmarshal(raw, &patch) != nil {
			return nil, newError("ERR_INVALID_MESSAGE_DATA", "The data must be an object.")
		}
	}
	for _, k := range []string{"text", "metadata", "customData"} {
		if _, ok := patch[k]; !ok {
			if raw, ok := body[k]; ok && !isNull(raw) {
				patch[k] = raw
			}
		}
	}
	var v validator
	var tags []string
	_, hasTags := body["tags"]
	if hasTags {
		tags, _ = v.tags("tags", body["tags"])
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
	if m.DeletedAt != 0 {
		return nil, errMessageNotFound(r.PathValue("id"))
	}
	if m.Sender != c.uid && c.uid != systemUID {
		return nil, newError("ERR_MESSAGE_NOT_A_SENDER", "Only the sender of message %d may edit it.", m.ID)
	}
	if m.Action != nil || m.Category == categoryCall {
		return nil, newError("ERR_MESSAGE_ACTION_NOT_ALLOWED", "Messages of category %s cannot be edited.", m.Category)
	}
	data := map[string]json.RawMessage{}
	_ = json.Unmarshal(m.Data, &data)
	for _, k := range editableKeys {
		if raw, ok := patch[k]; ok {
			data[k] = raw
		}
	}
	if err := checkCategoryData(m.Category, m.Type, data); err != nil {
		return nil, err
	}
	now := s.now().Unix()
	m.Data = mustRaw(data)
	if hasTags {
		m.Tags = tags
	}
	m.EditedAt, m.EditedBy, m.UpdatedAt = now, c.uid, now
	a := s.storeActionLocked(c.uid, c.session, m.Receiver, m.ReceiverType, actionTypeMessage,
		&actionRecord{Action: "edited", By: c.uid, On: idString(m.ID), OnType: entityTypeMessage,
			For: m.Receiver, ForType: m.ReceiverType}, EventMessageEdited)
	return s.renderMessageLocked(a, c.uid), nil
}

// deleteMessage: DELETE messages/{id}, a soft delete by the sender, or in a
// group by an admin or moderator (rules-and-limits.md §6). The answer is the
// "deleted" action message. The server API's {"permanent":true} removes the
// message instead, with the same rights (messagepurge.go).
func (s *Server) deleteMessage(r *http.Request, c *clientCaller) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.visibleMessageLocked(r.PathValue("id"), c.uid)
	if err != nil {
		return nil, err
	}
	permanent := permanentDelete(r) // server API {"permanent":true}: messagepurge.go
	if m.DeletedAt != 0 && !permanent {
		return nil, errMessageNotFound(r.PathValue("id"))
	}
	if m.Sender != c.uid && c.uid != systemUID {
		mem := s.st.Members[m.Receiver][c.uid]
		if m.ReceiverType != receiverTypeGroup || mem == nil || (mem.Scope != scopeAdmin && mem.Scope != scopeModerator) {
			return nil, newError("ERR_MESSAGE_NOT_A_SENDER", "Only the sender, or a group admin or moderator, may delete message %d.", m.ID)
		}
	}
	if permanent {
		return s.purgeMessageLocked(m, c.uid, c.session), nil
	}
	now := s.now().Unix()
	m.DeletedAt, m.DeletedBy, m.UpdatedAt = now, c.uid, now
	a := s.storeActionLocked(c.uid, c.session, m.Receiver, m.ReceiverType, actionTypeMessage,
		&actionRecord{Action: "deleted", By: c.uid, On: idString(m.ID), OnType: entityTypeMessage,
			For: m.Receiver, ForType: m.ReceiverType}, EventMessageDeleted)
	return s.renderMessageLocked(a, c.uid), nil
}
