package cometchat

import (
	"slices"
	"strings"
)

// Conversation updates (surface.md §23 #16, §17.2). The service has no "conversation updated"
// event: the official SDKs leave every UI to rebuild its conversation list from the message
// callbacks (CometChatHelper.getConversationFromMessage), and their lists go stale or show the wrong
// last message. This Client derives the event itself, on the dispatcher, from every message it
// delivers — live and replayed by the catch-up alike — and from the messages it sends, edits and
// deletes itself (which the service does not echo back to it), and calls
// ConversationListener.OnConversationUpdated right after the message callbacks of the same message,
// in the same order as they are. An update never moves LastMessage back to an older message.
//
// Which messages move a conversation follows the app's ConversationUpdateSettings (the settings map
// keys core.conversations.*, client-protocol.md §4): group actions, call activity, custom messages
// and thread replies each move it only when their setting is on. A setting that is absent (or not a
// recognisable false) counts as on, which is also what a service that does not send the keys at all
// gets. Edits and deletes do not move a conversation; when they hit its last message, an update
// carries the edited or deleted message as LastMessage.
//
// UnreadCount is kept locally for the logged-in user, starting at 0 at login: it counts the
// messages from others that the service counts as unread (not action messages, call messages or
// thread replies) that this Client delivered and that were not read yet. The app's own
// MarkAsRead / MarkAsReadByID / MarkConversationReadUpTo lower it to the messages after the one
// marked, MarkConversationAsRead to 0; either sends an update with Reason ConversationUpdateRead
// when the count changed. A deleted unread message stops counting. The ids of at most 1,000 unread
// messages are kept per conversation; beyond that the oldest are only counted, and a read mark that
// ends among them leaves them counted until a mark covers them all (an over-count, never an
// under-count). Marks apply after the events already queued, so a message delivered just before a
// mark is covered by it. The count does not know what was unread before login: for the service's
// own figure use GetConversation or the unread-count calls.

// Settings map keys of ConversationUpdateSettings.
const (
	SettingUpdateOnCallActivity  = "core.conversations.updateOnCallActivity"
	SettingUpdateOnGroupActions  = "core.conversations.updateOnGroupActions"
	SettingUpdateOnCustomMessage = "core.conversations.updateOnCustomMessage"
	SettingUpdateOnReplies       = "core.conversations.updateOnReplies"
)

// ConversationUpdateSettings says which kinds of message move a conversation (model.md §11; the
// official getConversationUpdateSettings()). Each field is true unless the app's settings turn it
// off.
type ConversationUpdateSettings struct {
	// UpdateOnCallActivities: call messages (initiated, ended, …) move the conversation.
	UpdateOnCallActivities bool
	// UpdateOnGroupActions: group member actions (joined, left, kicked, …) move it.
	UpdateOnGroupActions bool
	// UpdateOnCustomMessages: custom messages move it.
	UpdateOnCustomMessages bool
	// UpdateOnMessageReplies: thread replies move it.
	UpdateOnMessageReplies bool
}

// ConversationUpdateSettings reads the core.conversations.* keys. An absent key, null or any value
// other than false / 0 / "false" / "0" / "off" / "no" is true.
func (s ServerSettings) ConversationUpdateSettings() ConversationUpdateSettings {
	return ConversationUpdateSettings{
		UpdateOnCallActivities: s.settingOn(SettingUpdateOnCallActivity),
		UpdateOnGroupActions:   s.settingOn(SettingUpdateOnGroupActions),
		UpdateOnCustomMessages: s.settingOn(SettingUpdateOnCustomMessage),
		UpdateOnMessageReplies: s.settingOn(SettingUpdateOnReplies),
	}
}

// settingOn is a boolean setting whose default is true.
func (s ServerSettings) settingOn(key string) bool {
	raw, ok := s.raw[key]
	if !ok {
		return true
	}
	switch strings.ToLower(strings.Trim(strings.TrimSpace(string(raw)), `"`)) {
	case "false", "0", "off", "no":
		return false
	}
	return true
}

// ConversationUpdateSettings returns the settings of the logged-in session (all true when logged
// out or when the service does not send them).
func (c *Client) ConversationUpdateSettings() ConversationUpdateSettings {
	return c.ServerSettings().ConversationUpdateSettings()
}

// ConversationUpdateReason says what moved a conversation.
type ConversationUpdateReason string

// Reasons of a ConversationUpdate.
const (
	// ConversationUpdateMessage: a message arrived (live, or replayed by the catch-up: see
	// LastMessage.Base().Replayed), from another user or from the user's other sessions.
	ConversationUpdateMessage ConversationUpdateReason = "message"
	// ConversationUpdateSent: this Client sent the message (SendMessage, SendText).
	ConversationUpdateSent ConversationUpdateReason = "sent"
	// ConversationUpdateEdited and ConversationUpdateDeleted: the conversation's last message (or an
	// unread one) was edited or deleted; LastMessage is the conversation's last message as it is now.
	ConversationUpdateEdited  ConversationUpdateReason = "edited"
	ConversationUpdateDeleted ConversationUpdateReason = "deleted"
	// ConversationUpdateRead: the app marked the conversation read; UnreadCount went down.
	ConversationUpdateRead ConversationUpdateReason = "read"
)

// ConversationUpdate is a conversation as this Client's messages left it (see
// ConversationListener.OnConversationUpdated).
type ConversationUpdate struct {
	// ConversationID is "{uidA}_user_{uidB}" or "group_{guid}".
	ConversationID string
	// ConversationType is user or group.
	ConversationType ReceiverType
	// With is the other party: the other user's uid, or the group's guid (lower-case).
	With string
	// User (1:1) or Group is the other party as the latest message described it; nil when no
	// message carried it.
	User  *User
	Group *Group
	// LastMessage is the newest message that moved the conversation.
	LastMessage Message
	// UnreadCount is the number of unread messages from others (see the package notes above).
	UnreadCount int
	// Reason says what changed.
	Reason ConversationUpdateReason
}

// maxTrackedUnread bounds the unread message ids kept per conversation; older ones are only counted.
const maxTrackedUnread = 1000

// convState is what the tracker knows of one conversation.
type convState struct {
	id    string
	typ   ReceiverType
	with  string
	user  *User
	group *Group
	last  Message
	// unread are the ids of unread messages from others, ascending. older counts unread messages
	// dropped from the front of the list, olderMax is the newest of them.
	unread   []MessageID
	older    int
	olderMax MessageID
	// readUpTo is the newest id the app marked read: messages up to it never count.
	readUpTo MessageID
	// seen is the newest message id seen in the conversation.
	seen MessageID
}

func (s *convState) unreadCount() int { return len(s.unread) + s.older }

// convTracker holds the conversations of one user. It is owned by the dispatcher goroutine.
type convTracker struct {
	uid   string
	convs map[string]*convState
}

// forUser returns the tracker's table, cleared when the logged-in user changed.
func (t *convTracker) forUser(uid string) map[string]*convState {
	if t.convs == nil || t.uid != uid {
		t.uid, t.convs = uid, map[string]*convState{}
	}
	return t.convs
}

func convKey(typ ReceiverType, with string) string { return string(typ) + ":" + normID(with) }

// conversationOf tells which conversation m belongs to for user me: its id, type and other party.
func conversationOf(m Message, me string) (id string, typ ReceiverType, with string) {
	typ, id = m.ReceiverType(), m.ConversationID()
	if typ == ReceiverTypeGroup {
		with = normID(m.ReceiverID())
		if id == "" {
			id = "group_" + with
		}
		return id, typ, with
	}
	me = normID(me)
	// The id names both users; it is the one reliable source when the sender is neither of them
	// (app_system acting on a 1:1 conversation).
	if a, b, ok := strings.Cut(id, "_user_"); ok && !strings.Contains(b, "_user_") {
		switch me {
		case normID(a):
			return id, typ, normID(b)
		case normID(b):
			return id, typ, normID(a)
		}
	}
	with = normID(m.SenderUID())
	if with == me {
		with = normID(m.ReceiverID())
	}
	if id == "" {
		a, b := me, with
		if b < a {
			a, b = b, a
		}
		id = a + "_user_" + b
	}
	return id, typ, with
}

// conversationMessage updates the tracker with a message the dispatcher delivered (reason
// ConversationUpdateMessage) or this Client sent (ConversationUpdateSent), and emits the update.
// Dispatcher goroutine only.
func (d *dispatcher) conversationMessage(m Message, reason ConversationUpdateReason) {
	c := d.c
	me, ok := c.LoggedInUser()
	if !ok || m == nil || m.ID() == 0 {
		return
	}
	set := c.ConversationUpdateSettings()
	counted := true
	switch a := m.(type) {
	case *ActionMessage:
		if a.Action == ActionEdited || a.Action == ActionDeleted {
			if target, ok := a.ActionOnMessage(); ok {
				d.conversationChanged(me.UID, target, a.Action)
			}
			return
		}
		if !set.UpdateOnGroupActions {
			return
		}
		counted = false
	case *CallMessage:
		if !set.UpdateOnCallActivities {
			return
		}
		counted = false
	case *CustomMessage:
		if !set.UpdateOnCustomMessages {
			return
		}
	}
	b := m.Base()
	if b.ParentMessageID != 0 {
		if !set.UpdateOnMessageReplies {
			return
		}
		counted = false // the service does not count replies as unread either
	}
	id, typ, with := conversationOf(m, me.UID)
	if with == "" {
		return
	}
	convs := d.conv.forUser(me.UID)
	key := convKey(typ, with)
	st := convs[key]
	if st == nil {
		st = &convState{id: id, typ: typ, with: with}
		convs[key] = st
	}
	if m.ID() <= st.seen {
		return // already counted (a late copy of a sent message, a duplicate)
	}
	st.seen = m.ID()
	st.last = m
	if typ == ReceiverTypeGroup {
		if b.Receiver != nil && b.Receiver.Group != nil {
			st.group = b.Receiver.Group
		}
	} else if normID(m.SenderUID()) == with && m.Sender() != nil && m.Sender().Name != "" {
		st.user = m.Sender()
	} else if normID(m.ReceiverID()) == with && b.Receiver != nil && b.Receiver.User != nil {
		st.user = b.Receiver.User
	}
	if counted && !equalID(m.SenderUID(), me.UID) && m.ID() > st.readUpTo && b.DeletedAt == 0 {
		st.unread = append(st.unread, m.ID())
		if len(st.unread) > maxTrackedUnread {
			st.older++
			st.olderMax = st.unread[0]
			st.unread = st.unread[1:]
		}
	}
	d.emitConversation(st, reason)
}

// conversationChanged handles an edit or delete of target: an update when it is the conversation's
// last message, or an unread message that stops counting.
func (d *dispatcher) conversationChanged(me string, target Message, action Action) {
	_, typ, with := conversationOf(target, me)
	st := d.conv.forUser(me)[convKey(typ, with)]
	if st == nil {
		return
	}
	changed := false
	if st.last != nil && st.last.ID() == target.ID() {
		st.last = target
		changed = true
	}
	if action == ActionDeleted {
		for i, id := range st.unread {
			if id == target.ID() {
				st.unread = slices.Delete(st.unread, i, i+1)
				changed = true
				break
			}
		}
	}
	if !changed {
		return
	}
	reason := ConversationUpdateEdited
	if action == ActionDeleted {
		reason = ConversationUpdateDeleted
	}
	d.emitConversation(st, reason)
}

// conversationRead applies a read mark up to id (0: everything) of the conversation with with.
func (d *dispatcher) conversationRead(typ ReceiverType, with string, upTo MessageID) {
	me, ok := d.c.LoggedInUser()
	if !ok {
		return
	}
	st := d.conv.forUser(me.UID)[convKey(typ, with)]
	if st == nil {
		return
	}
	before := st.unreadCount()
	if upTo == 0 {
		upTo = st.seen
		st.unread, st.older = nil, 0
	}
	st.readUpTo = max(st.readUpTo, upTo)
	if st.older > 0 && st.olderMax <= upTo {
		st.older = 0
	}
	n := 0
	for n < len(st.unread) && st.unread[n] <= upTo {
		n++
	}
	st.unread = st.unread[n:]
	if st.unreadCount() != before && st.last != nil {
		d.emitConversation(st, ConversationUpdateRead)
	}
}

// emitConversation calls every OnConversationUpdated with a snapshot of st.
func (d *dispatcher) emitConversation(st *convState, reason ConversationUpdateReason) {
	u := &ConversationUpdate{ConversationID: st.id, ConversationType: st.typ, With: st.with, User: st.user,
		Group: st.group, LastMessage: st.last, UnreadCount: st.unreadCount(), Reason: reason}
	emit(d.c, &d.c.rt.listeners.conversation, "OnConversationUpdated", func(l ConversationListener) {
		call1(l.OnConversationUpdated, u)
	})
}

// onDispatcher runs fn on the dispatcher goroutine after the events already queued, if the
// dispatcher runs (it does from the first login on).
func (c *Client) onDispatcher(fn func(d *dispatcher)) {
	d := c.dispatcherIfRunning()
	if d != nil {
		d.q.push(qItem{kind: qFunc, fn: func() { fn(d) }})
	}
}

// noteSent feeds a message this Client sent to the conversation updates.
func (c *Client) noteSent(m Message) {
	if m == nil {
		return
	}
	c.onDispatcher(func(d *dispatcher) { d.conversationMessage(m, ConversationUpdateSent) })
}

// noteChanged feeds the "edited" / "deleted" action message of an edit or delete this Client made
// to the conversation updates (the service does not echo it to this session).
func (c *Client) noteChanged(action Message) {
	a, ok := action.(*ActionMessage)
	if !ok {
		return
	}
	c.onDispatcher(func(d *dispatcher) { d.conversationMessage(a, ConversationUpdateMessage) })
}

// noteRead feeds a successful read mark of the conversation with with (up to id; 0: all) to the
// conversation updates.
func (c *Client) noteRead(typ ReceiverType, with string, id MessageID) {
	c.onDispatcher(func(d *dispatcher) { d.conversationRead(typ, with, id) })
}
