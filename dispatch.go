package cometchat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cometchat-go/cometchat/internal/realtime"
)

// Dispatch: the realtime reader only decodes envelopes and enqueues them (it never blocks: a full
// queue drops and counts); one dispatcher goroutine per Client takes events in order, decodes their
// bodies, de-duplicates messages, runs the catch-up when a link comes up or events were lost, and
// calls the listeners from a lock-free snapshot.

// qKind is the kind of a queued item.
type qKind int

const (
	qFrame qKind = iota
	qConn
	qFunc
	qGap // synthetic: events were dropped at the tail of the queue
)

type qItem struct {
	kind  qKind
	frame realtime.Frame
	ev    realtime.Event
	fn    func()
	// gapBefore: events were dropped just before this item; dropped says how many.
	gapBefore bool
	dropped   int
}

// eventQueue is the bounded, ordered queue between the reader and the dispatcher. Only frames count
// against the limit; connection events and local callbacks are rare and always queued.
type eventQueue struct {
	mu         sync.Mutex
	items      []qItem
	frames     int
	limit      int
	pendingGap bool
	gapDropped int
	dropped    int64
	closed     bool
	notify     chan struct{}
}

func newEventQueue(limit int) *eventQueue {
	return &eventQueue{limit: limit, notify: make(chan struct{}, 1)}
}

func (q *eventQueue) signal() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// pushFrame queues a frame, or drops it when the queue is full (the reader must never block).
func (q *eventQueue) pushFrame(f realtime.Frame) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	if q.frames >= q.limit {
		q.dropped++
		q.gapDropped++
		q.pendingGap = true
		q.mu.Unlock()
		return
	}
	q.appendLocked(qItem{kind: qFrame, frame: f})
	q.frames++
	q.mu.Unlock()
	q.signal()
}

// push queues a control item.
func (q *eventQueue) push(it qItem) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.appendLocked(it)
	q.mu.Unlock()
	q.signal()
}

func (q *eventQueue) appendLocked(it qItem) {
	if q.pendingGap {
		it.gapBefore, it.dropped = true, q.gapDropped
		q.pendingGap, q.gapDropped = false, 0
	}
	q.items = append(q.items, it)
}

// pop waits for the next item; false once the queue is closed (items still queued are discarded:
// no callbacks after Close).
func (q *eventQueue) pop() (qItem, bool) {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return qItem{}, false
		}
		if len(q.items) > 0 {
			it := q.items[0]
			q.items[0] = qItem{}
			q.items = q.items[1:]
			if len(q.items) == 0 {
				q.items = nil // let the backing array go
			}
			if it.kind == qFrame {
				q.frames--
			}
			q.mu.Unlock()
			return it, true
		}
		if q.pendingGap {
			it := qItem{kind: qGap, gapBefore: true, dropped: q.gapDropped}
			q.pendingGap, q.gapDropped = false, 0
			q.mu.Unlock()
			return it, true
		}
		q.mu.Unlock()
		<-q.notify
	}
}

func (q *eventQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.items = nil
	q.mu.Unlock()
	q.signal()
}

func (q *eventQueue) stats() (queued int, dropped int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.frames, q.dropped
}

// dispatcher is the Client's event loop.
type dispatcher struct {
	c    *Client
	q    *eventQueue
	ctx  context.Context // cancelled by stop: aborts a running catch-up
	stop context.CancelFunc
	done chan struct{}
	goid atomic.Int64

	// Owned by the dispatcher goroutine.
	seen     *window[MessageID]
	receipts *window[string]

	// cur is the catch-up position, shared with the goroutines that set it up.
	cur *cursor
	// conv derives conversation updates (conversationupdates.go). Owned by the dispatcher goroutine.
	conv convTracker

	delivered, replayed, duplicates, panics, catchUps atomic.Int64
}

func newDispatcher(c *Client, buffer int) *dispatcher {
	ctx, cancel := context.WithCancel(context.Background())
	d := &dispatcher{c: c, q: newEventQueue(buffer), ctx: ctx, stop: cancel, done: make(chan struct{}),
		seen: newWindow[MessageID](defaultDedupeWindow), receipts: newWindow[string](defaultDedupeWindow)}
	go d.run()
	return d
}

// shutdown stops the dispatcher and waits for it, unless called from a callback on the dispatcher
// goroutine itself (Close from a handler), which must not wait for itself: the loop then ends as
// soon as that callback returns.
func (d *dispatcher) shutdown() {
	d.q.close()
	d.stop()
	if d.goid.Load() == goroutineID() {
		return
	}
	<-d.done
}

func (d *dispatcher) run() {
	defer close(d.done)
	d.goid.Store(goroutineID())
	for {
		it, ok := d.q.pop()
		if !ok {
			return
		}
		if it.gapBefore {
			d.c.emitConnection("OnEventsDropped", func(l ConnectionListener) {
				if l.OnEventsDropped != nil {
					l.OnEventsDropped(it.dropped)
				}
			})
			d.catchUp(0)
		}
		switch it.kind {
		case qFrame:
			d.handleFrame(it.frame)
		case qConn:
			d.handleConn(it.ev)
		case qFunc:
			it.fn()
		}
	}
}

// handleConn turns a connection event into listener callbacks, and runs the catch-up when a link
// comes up.
func (d *dispatcher) handleConn(ev realtime.Event) {
	c := d.c
	switch ev.Kind {
	case realtime.EventConnecting:
		c.emitConnection("OnConnecting", func(l ConnectionListener) {
			if l.OnConnecting != nil {
				l.OnConnecting()
			}
		})
	case realtime.EventConnected:
		c.emitConnection("OnConnected", func(l ConnectionListener) {
			if l.OnConnected != nil {
				l.OnConnected()
			}
		})
		if m := c.ServerSettings().Mode(); m == ModeLimitedTransient || m == ModeNoTransient {
			c.emitConnection("OnFeatureThrottled", func(l ConnectionListener) {
				if l.OnFeatureThrottled != nil {
					l.OnFeatureThrottled()
				}
			})
		}
		d.catchUp(ev.Downtime) // 0 on a session's first link
	case realtime.EventDisconnected:
		c.emitConnection("OnDisconnected", func(l ConnectionListener) {
			if l.OnDisconnected != nil {
				l.OnDisconnected()
			}
		})
	case realtime.EventReconnecting:
		info := ReconnectInfo{Attempt: ev.Attempt, Backoff: ev.Backoff, Err: ev.Err}
		c.emitConnection("OnReconnecting", func(l ConnectionListener) {
			if l.OnReconnecting != nil {
				l.OnReconnecting(info)
			}
		})
	case realtime.EventFailed:
		err := &ConnectionError{Terminal: true, Err: ev.Err}
		var g *realtime.GiveUpError
		if errors.As(ev.Err, &g) {
			err.Attempt = g.Attempts
		}
		c.log.Warn("cometchat: realtime connection failed", "err", ev.Err)
		c.reportError(err)
		c.emitConnection("OnDisconnected", func(l ConnectionListener) {
			if l.OnDisconnected != nil {
				l.OnDisconnected()
			}
		})
	}
}

// handleFrame decodes a frame's body and calls the listeners.
func (d *dispatcher) handleFrame(f realtime.Frame) {
	c := d.c
	switch f.Type {
	case "message":
		m, err := decodeMessage(f.Body)
		if err != nil {
			c.log.Debug("cometchat: undecodable message frame", "err", err)
			return
		}
		d.deliver(m, false)
	case "typing_indicator":
		var b typingBody
		if json.Unmarshal(f.Body, &b) != nil {
			return
		}
		t := &TypingIndicator{ReceiverID: f.Receiver, ReceiverType: receiverTypeOf(f.ReceiverType), Sender: b.User,
			Action: b.Action, Metadata: b.Metadata, Raw: f.Body}
		if t.Sender == nil && f.Sender != "" {
			t.Sender = &User{UID: f.Sender}
		}
		switch b.Action {
		case TypingStarted:
			c.emitMessage("OnTypingStarted", func(l MessageListener) { call1(l.OnTypingStarted, t) })
		case TypingEnded:
			c.emitMessage("OnTypingEnded", func(l MessageListener) { call1(l.OnTypingEnded, t) })
		}
	case "receipts":
		d.handleReceipt(f)
	case "presence":
		var b presenceBody
		if json.Unmarshal(f.Body, &b) != nil || b.User == nil {
			return
		}
		u := b.User
		if b.Timestamp != 0 {
			u.LastActiveAt = b.Timestamp
		}
		if b.Action == "offline" {
			u.Status = StatusOffline
			c.emitUser("OnUserOffline", func(l UserListener) { call1(l.OnUserOffline, u) })
			return
		}
		u.Status = StatusOnline // online / available
		c.emitUser("OnUserOnline", func(l UserListener) { call1(l.OnUserOnline, u) })
	case "transient_message":
		var b transientBody
		if json.Unmarshal(f.Body, &b) != nil {
			return
		}
		t := &TransientMessage{ReceiverID: f.Receiver, ReceiverType: receiverTypeOf(f.ReceiverType), Sender: b.User, Data: b.Data, Raw: f.Body}
		c.emitMessage("OnTransientMessageReceived", func(l MessageListener) { call1(l.OnTransientMessageReceived, t) })
	case "reaction":
		var b reactionBody
		if json.Unmarshal(f.Body, &b) != nil {
			return
		}
		r := &ReactionEvent{Action: b.Action, ReactionID: string(b.ID), MessageID: b.MessageID, Reaction: b.Reaction, UID: b.UID,
			ReactedBy: b.ReactedBy, ReactedAt: b.ReactedAt, ReceiverID: f.Receiver, ReceiverType: receiverTypeOf(f.ReceiverType),
			ConversationID: b.ConversationID, ParentMessageID: b.ParentID, Raw: f.Body}
		if !d.receipts.add("reaction:" + b.Action + ":" + r.ReactionID + ":" + r.MessageID.String() + ":" + b.Reaction + ":" + b.UID) {
			d.duplicates.Add(1)
			return
		}
		switch b.Action {
		case ReactionAdded:
			c.emitMessage("OnMessageReactionAdded", func(l MessageListener) { call1(l.OnMessageReactionAdded, r) })
		case ReactionRemoved:
			c.emitMessage("OnMessageReactionRemoved", func(l MessageListener) { call1(l.OnMessageReactionRemoved, r) })
		}
	case "interaction_completed":
		var b interactionBody
		if json.Unmarshal(f.Body, &b) != nil {
			return
		}
		r := &InteractionReceipt{MessageID: b.MessageID, Sender: b.User, MessageSender: f.MessageSender, ReceiverID: f.Receiver,
			ReceiverType: receiverTypeOf(f.ReceiverType), Interactions: b.Interactions, Raw: f.Body}
		c.emitMessage("OnInteractionGoalCompleted", func(l MessageListener) { call1(l.OnInteractionGoalCompleted, r) })
	case "on_moderation_status_changed":
		m, err := decodeMessage(f.Body)
		if err != nil {
			return
		}
		c.emitMessage("OnMessageModerated", func(l MessageListener) { call1(l.OnMessageModerated, m) })
	case "streamed_message":
		var b streamBody
		if json.Unmarshal(f.Body, &b) != nil {
			return
		}
		var sd streamData
		_ = json.Unmarshal(b.Data, &sd)
		e := &AIAssistantEvent{Type: b.Type, ConversationID: b.ConversationID, MessageID: string(b.ID), ParentMessageID: string(b.ParentID),
			RunID: sd.RunID, ThreadID: sd.ThreadID, Timestamp: int64(sd.Timestamp), Delta: sd.Delta, Data: b.Data, Raw: f.Body}
		emit(c, &c.rt.listeners.ai, "OnAIAssistantEventReceived", func(l AIAssistantListener) {
			call1(l.OnAIAssistantEventReceived, e)
		})
	case "notification_feed_item":
		var b struct {
			FeedItem json.RawMessage `json:"feedItem"`
		}
		_ = json.Unmarshal(f.Body, &b)
		item := b.FeedItem
		if item == nil {
			item = f.Body
		}
		emit(c, &c.rt.listeners.feed, "OnFeedItemReceived", func(l NotificationFeedListener) {
			call1(l.OnFeedItemReceived, item)
		})
	default:
		if isPinFrame(f.Type) {
			d.handlePin(f)
			return
		}
		c.log.Debug("cometchat: unknown frame type dropped", "type", f.Type)
	}
}

// handleReceipt delivers a receipts frame once per (message, user, type).
func (d *dispatcher) handleReceipt(f realtime.Frame) {
	var b receiptBody
	if json.Unmarshal(f.Body, &b) != nil {
		return
	}
	typ := receiptTypeOfAction(b.Action)
	if typ == "" {
		return
	}
	r := &MessageReceipt{MessageID: b.MessageID, Sender: b.User, ReceiverID: f.Receiver, ReceiverType: receiverTypeOf(f.ReceiverType),
		ReceiptType: typ, Timestamp: b.Timestamp}
	if r.Sender == nil && f.Sender != "" {
		r.Sender = &User{UID: f.Sender}
	}
	switch typ {
	case ReceiptTypeDelivery, ReceiptTypeDeliveredToAll:
		r.DeliveredAt = b.Timestamp
	default:
		r.ReadAt = b.Timestamp
	}
	who := ""
	if r.Sender != nil {
		who = r.Sender.UID
	}
	if !d.receipts.add("receipt:" + typ + ":" + r.MessageID.String() + ":" + who) {
		d.duplicates.Add(1)
		return
	}
	c := d.c
	switch typ {
	case ReceiptTypeDelivery:
		c.emitMessage("OnMessagesDelivered", func(l MessageListener) { call1(l.OnMessagesDelivered, r) })
	case ReceiptTypeRead:
		c.emitMessage("OnMessagesRead", func(l MessageListener) { call1(l.OnMessagesRead, r) })
	case ReceiptTypeDeliveredToAll:
		c.emitMessage("OnMessagesDeliveredToAll", func(l MessageListener) { call1(l.OnMessagesDeliveredToAll, r) })
	case ReceiptTypeReadByAll:
		c.emitMessage("OnMessagesReadByAll", func(l MessageListener) { call1(l.OnMessagesReadByAll, r) })
	}
}

// handlePin delivers a pin / save frame (every spelling the official SDK accepts).
func (d *dispatcher) handlePin(f realtime.Frame) {
	action, conversation := pinAction(f)
	if action == "" {
		d.c.log.Debug("cometchat: pin frame with an unknown action dropped", "type", f.Type)
		return
	}
	var b struct {
		Message      json.RawMessage `json:"message"`
		Conversation json.RawMessage `json:"conversation"`
	}
	_ = json.Unmarshal(f.Body, &b)
	if conversation {
		raw := f.Body
		if len(b.Conversation) > 0 && b.Conversation[0] == '{' {
			raw = b.Conversation
		}
		var conv Conversation
		if json.Unmarshal(raw, &conv) != nil {
			return
		}
		r := &d.c.rt.listeners.conversation
		if action == "pinned" {
			emit(d.c, r, "OnConversationPinned", func(l ConversationListener) { call1(l.OnConversationPinned, &conv) })
		} else {
			emit(d.c, r, "OnConversationUnpinned", func(l ConversationListener) { call1(l.OnConversationUnpinned, &conv) })
		}
		return
	}
	raw := f.Body
	if len(b.Message) > 0 && b.Message[0] == '{' {
		raw = b.Message
	}
	m, err := decodeMessage(raw)
	if err != nil {
		return
	}
	c := d.c
	switch action {
	case "pinned":
		c.emitMessage("OnMessagePinned", func(l MessageListener) { call1(l.OnMessagePinned, m) })
	case "unpinned":
		c.emitMessage("OnMessageUnpinned", func(l MessageListener) { call1(l.OnMessageUnpinned, m) })
	case "saved":
		c.emitMessage("OnMessageSaved", func(l MessageListener) { call1(l.OnMessageSaved, m) })
	case "unsaved":
		c.emitMessage("OnMessageUnsaved", func(l MessageListener) { call1(l.OnMessageUnsaved, m) })
	}
}

// deliver hands a message to the listeners once: live and replayed copies are de-duplicated by id,
// and the catch-up position moves past it. It reports whether m was delivered (not a duplicate).
func (d *dispatcher) deliver(m Message, replayed bool) bool {
	id := m.ID()
	if id != 0 {
		if !d.seen.add(id) {
			d.duplicates.Add(1)
			return false
		}
	}
	if replayed {
		m.Base().Replayed = true
		d.replayed.Add(1)
	}
	d.delivered.Add(1)
	d.route(m)
	d.conversationMessage(m, ConversationUpdateMessage) // conversationupdates.go
	if id != 0 {
		d.cur.advance(d.ctx, id)
	}
	return true
}

// route calls the callbacks for m by category (client-protocol.md §7.6).
func (d *dispatcher) route(m Message) {
	c := d.c
	switch m := m.(type) {
	case *TextMessage:
		c.emitMessage("OnTextMessageReceived", func(l MessageListener) { call1(l.OnTextMessageReceived, m) })
	case *MediaMessage:
		c.emitMessage("OnMediaMessageReceived", func(l MessageListener) { call1(l.OnMediaMessageReceived, m) })
	case *CustomMessage:
		c.emitMessage("OnCustomMessageReceived", func(l MessageListener) { call1(l.OnCustomMessageReceived, m) })
	case *InteractiveMessage:
		c.emitMessage("OnInteractiveMessageReceived", func(l MessageListener) { call1(l.OnInteractiveMessageReceived, m) })
	case *ActionMessage:
		d.routeAction(m)
	case *CallMessage:
		c.routeCall(m)
	case *AgenticMessage:
		switch m.Type() {
		case "assistant":
			c.emitMessage("OnAIAssistantMessageReceived", func(l MessageListener) { call1(l.OnAIAssistantMessageReceived, m) })
		case "tool-result":
			c.emitMessage("OnAIToolResultReceived", func(l MessageListener) { call1(l.OnAIToolResultReceived, m) })
		case "tool-arguments":
			c.emitMessage("OnAIToolArgumentsReceived", func(l MessageListener) { call1(l.OnAIToolArgumentsReceived, m) })
		}
	case *CardMessage:
		c.emitMessage("OnCardMessageReceived", func(l MessageListener) { call1(l.OnCardMessageReceived, m) })
	case *UnknownMessage:
		c.emitMessage("OnUnknownMessageReceived", func(l MessageListener) { call1(l.OnUnknownMessageReceived, m) })
	}
}

// routeAction delivers an action message: edits and deletes to the message listeners, member
// events to the group listeners.
func (d *dispatcher) routeAction(a *ActionMessage) {
	c := d.c
	switch a.Action {
	case ActionEdited, ActionDeleted:
		var target Message = a
		if on, ok := a.ActionOnMessage(); ok {
			target = on
		}
		if a.Action == ActionEdited {
			c.emitMessage("OnMessageEdited", func(l MessageListener) { call1(l.OnMessageEdited, target) })
		} else {
			c.emitMessage("OnMessageDeleted", func(l MessageListener) { call1(l.OnMessageDeleted, target) })
		}
		return
	}
	on, by, group := entityUser(a.On), entityUser(a.By), entityGroup(a.For)
	if on == nil {
		on = by
	}
	g := &c.rt.listeners.group
	switch a.Action {
	case ActionJoined, ActionInvited:
		emit(c, g, "OnGroupMemberJoined", func(l GroupListener) {
			if l.OnGroupMemberJoined != nil {
				l.OnGroupMemberJoined(a, on, group)
			}
		})
	case ActionLeft:
		emit(c, g, "OnGroupMemberLeft", func(l GroupListener) {
			if l.OnGroupMemberLeft != nil {
				l.OnGroupMemberLeft(a, on, group)
			}
		})
	case ActionKicked:
		emit(c, g, "OnGroupMemberKicked", func(l GroupListener) {
			if l.OnGroupMemberKicked != nil {
				l.OnGroupMemberKicked(a, on, by, group)
			}
		})
	case ActionBanned:
		emit(c, g, "OnGroupMemberBanned", func(l GroupListener) {
			if l.OnGroupMemberBanned != nil {
				l.OnGroupMemberBanned(a, on, by, group)
			}
		})
	case ActionUnbanned:
		emit(c, g, "OnGroupMemberUnbanned", func(l GroupListener) {
			if l.OnGroupMemberUnbanned != nil {
				l.OnGroupMemberUnbanned(a, on, by, group)
			}
		})
	case ActionAdded:
		emit(c, g, "OnMemberAddedToGroup", func(l GroupListener) {
			if l.OnMemberAddedToGroup != nil {
				l.OnMemberAddedToGroup(a, on, by, group)
			}
		})
	case ActionScopeChanged:
		newScope, oldScope := Scope(a.NewScope), Scope(a.OldScope)
		emit(c, g, "OnGroupMemberScopeChanged", func(l GroupListener) {
			if l.OnGroupMemberScopeChanged != nil {
				l.OnGroupMemberScopeChanged(a, on, by, newScope, oldScope, group)
			}
		})
	}
}

func entityUser(e *Entity) *User {
	if e == nil {
		return nil
	}
	return e.User
}

func entityGroup(e *Entity) *Group {
	if e == nil {
		return nil
	}
	return e.Group
}

// call1 calls fn(v) when fn is set.
func call1[T any](fn func(T), v T) {
	if fn != nil {
		fn(v)
	}
}

// emit calls fire for every listener in r's snapshot that is still registered, recovering panics.
func emit[L any](c *Client, r *registry[L], callback string, fire func(L)) {
	for _, e := range r.entries() {
		if e.removed.Load() {
			continue // removed by an earlier callback of this same event
		}
		c.safeCall(e.id, callback, func() { fire(e.l) })
	}
}

func (c *Client) emitMessage(callback string, fire func(MessageListener)) {
	emit(c, &c.rt.listeners.message, callback, fire)
}

func (c *Client) emitUser(callback string, fire func(UserListener)) {
	emit(c, &c.rt.listeners.user, callback, fire)
}

func (c *Client) emitConnection(callback string, fire func(ConnectionListener)) {
	emit(c, &c.rt.listeners.connection, callback, fire)
}

func (c *Client) emitLogin(callback string, fire func(LoginListener)) {
	emit(c, &c.rt.listeners.login, callback, fire)
}

// slowHandler is how long a callback may run before it is logged as slow.
const slowHandler = time.Second

// safeCall runs one callback, recovering and reporting a panic.
func (c *Client) safeCall(id, callback string, fn func()) {
	start := time.Now()
	defer func() {
		if v := recover(); v != nil {
			perr := &HandlerPanicError{Listener: id, Callback: callback, Value: v, Stack: debug.Stack()}
			c.log.Error("cometchat: listener panicked", "listener", id, "callback", callback, "panic", fmt.Sprint(v))
			if d := c.dispatcherIfRunning(); d != nil {
				d.panics.Add(1)
			}
			if callback != "OnError" { // a panicking error handler is only logged
				c.reportError(perr)
			}
		}
		if el := time.Since(start); el > slowHandler {
			c.log.Warn("cometchat: slow listener", "listener", id, "callback", callback, "duration", el)
		}
	}()
	fn()
}

// reportError hands err to every ConnectionListener.OnError. It runs on the dispatcher goroutine.
func (c *Client) reportError(err error) {
	c.emitConnection("OnError", func(l ConnectionListener) {
		if l.OnError != nil {
			l.OnError(err)
		}
	})
}

// goroutineID returns the current goroutine's id. It is used only to recognise the dispatcher
// goroutine when a callback closes the Client (which must not wait for itself).
func goroutineID() int64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	b := buf[:n]
	const prefix = "goroutine "
	if len(b) < len(prefix) {
		return -1
	}
	b = b[len(prefix):]
	end := 0
	for end < len(b) && b[end] >= '0' && b[end] <= '9' {
		end++
	}
	id, err := strconv.ParseInt(string(b[:end]), 10, 64)
	if err != nil {
		return -1
	}
	return id
}
