// Package webhook receives CometChat webhooks: an http.Handler that checks the HTTP Basic
// credentials configured for the webhook (in constant time), parses the envelope
// {"trigger","data","appId","region","webhook"} (server-api.md §6) and calls a typed handler per
// trigger, with a catch-all for triggers it has no typed handler for.
//
//	h, err := webhook.NewHandler(webhook.Config{
//		Username: "cometchat", Password: os.Getenv("WEBHOOK_PASSWORD"),
//		Handlers: webhook.Handlers{
//			MessageSent: func(ctx context.Context, ev *webhook.MessageEvent) error {
//				log.Printf("%s: %s", ev.Message.Sender, ev.Message.Text())
//				return nil
//			},
//		},
//	})
//	http.Handle("/cometchat/webhook", h)
//
// Requests are answered with 2xx only after the handler returned nil; a handler error gives 500, so
// that CometChat retries (when the webhook has retryOnFailure). Bad requests get a 4xx without any
// handler being called: 401 for wrong credentials, 405 for a method other than POST, 413 for a body
// above the limit, 415 for a content type other than JSON, 400 for malformed JSON or a payload that
// does not match its trigger, 403 for an envelope of another app (when Config.AppID is set).
//
// CometChat expects an answer within about 2 seconds: handlers get a context with
// Config.HandlerTimeout and should hand long work to a queue. Deliveries may repeat (retries);
// deduplicate with the ids in the payload.
package webhook

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"
)

// Handlers are the typed callbacks; set the ones you need. Each receives the request's context
// (bounded by Config.HandlerTimeout). An event whose typed handler is nil, and any trigger this
// package does not know, goes to Other; when Other is nil too the event is acknowledged and dropped.
type Handlers struct {
	// MessageSent: message_sent.
	MessageSent func(context.Context, *MessageEvent) error
	// UserMentioned: user_mentioned.
	UserMentioned func(context.Context, *MessageEvent) error
	// MessageEdited and MessageDeleted: message_edited, message_deleted.
	MessageEdited  func(context.Context, *MessageActionEvent) error
	MessageDeleted func(context.Context, *MessageActionEvent) error
	// Receipt: message_delivery_receipt, message_read_receipt, message_delivered_to_all,
	// message_read_by_all (Event.Trigger tells which).
	Receipt func(context.Context, *ReceiptEvent) error
	// Reaction: message_reaction_added, message_reaction_removed.
	Reaction func(context.Context, *ReactionEvent) error
	// Block: user_blocked, user_unblocked.
	Block func(context.Context, *BlockEvent) error
	// Connection: user_connection_status_changed (users connected and disconnected).
	Connection func(context.Context, *ConnectionEvent) error
	// Group: every group_* trigger (created, updated, deleted, member added, removed, joined, left,
	// kicked, banned, unbanned, scope changed, owner transferred).
	Group func(context.Context, *GroupEvent) error
	// Call: call_*, meeting_*, recording_generated, transcription_generated.
	Call func(context.Context, *CallEvent) error
	// Other receives every well-formed envelope no typed handler took, including unknown triggers.
	Other func(context.Context, *Envelope) error
}

// Config configures a Handler.
type Config struct {
	// Username and Password are the webhook's Basic credentials; required unless
	// AllowUnauthenticated is set.
	Username, Password string
	// AllowUnauthenticated accepts requests without credentials (webhooks configured without
	// useBasicAuth). Not recommended: anyone who finds the URL can post events.
	AllowUnauthenticated bool
	// AppID, when set, rejects envelopes of another app with 403.
	AppID string
	// Handlers are the callbacks.
	Handlers Handlers
	// MaxBodyBytes bounds a request body. Default 1 MiB.
	MaxBodyBytes int64
	// HandlerTimeout bounds the context given to a handler. Default 2 s (CometChat's guidance for
	// answering); negative disables it.
	HandlerTimeout time.Duration
	// Logger receives a debug record per request and an error record per failed handler.
	// Default: discard. Credentials are never logged.
	Logger *slog.Logger
}

// Handler is the http.Handler. It is safe for concurrent use.
type Handler struct {
	userHash, passHash [sha256.Size]byte
	auth               bool
	appID              string
	h                  Handlers
	maxBody            int64
	timeout            time.Duration
	log                *slog.Logger
}

// NewHandler validates cfg and returns a Handler.
func NewHandler(cfg Config) (*Handler, error) {
	if !cfg.AllowUnauthenticated && (cfg.Username == "" || cfg.Password == "") {
		return nil, errors.New("webhook: Username and Password are required (or set AllowUnauthenticated)")
	}
	if cfg.MaxBodyBytes < 0 {
		return nil, errors.New("webhook: negative MaxBodyBytes")
	}
	h := &Handler{
		auth:    !cfg.AllowUnauthenticated || cfg.Username != "" || cfg.Password != "",
		appID:   cfg.AppID,
		h:       cfg.Handlers,
		maxBody: cfg.MaxBodyBytes,
		timeout: cfg.HandlerTimeout,
		log:     cfg.Logger,
	}
	h.userHash = sha256.Sum256([]byte(cfg.Username))
	h.passHash = sha256.Sum256([]byte(cfg.Password))
	if h.maxBody == 0 {
		h.maxBody = 1 << 20
	}
	if h.timeout == 0 {
		h.timeout = 2 * time.Second
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h, nil
}

// String describes the handler without its credentials.
func (h *Handler) String() string {
	if h.auth {
		return "webhook.Handler{basic auth}"
	}
	return "webhook.Handler{no auth}"
}

// authorized compares the credentials in constant time: both sides are hashed first so neither the
// content nor the length of the secret leaks through timing.
func (h *Handler) authorized(r *http.Request) bool {
	if !h.auth {
		return true
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	u := sha256.Sum256([]byte(user))
	p := sha256.Sum256([]byte(pass))
	okUser := subtle.ConstantTimeCompare(u[:], h.userHash[:])
	okPass := subtle.ConstantTimeCompare(p[:], h.passHash[:])
	return okUser&okPass == 1
}

// httpError is an answer with a status.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func fail(status int, msg string) *httpError { return &httpError{status: status, msg: msg} }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	env, herr := h.read(w, r)
	if herr == nil {
		herr = h.dispatch(r.Context(), env)
	}
	if herr != nil {
		if herr.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="cometchat-webhook", charset="UTF-8"`)
		}
		if herr.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", http.MethodPost)
		}
		h.log.DebugContext(r.Context(), "webhook rejected", "status", herr.status, "reason", herr.msg)
		writeJSON(w, herr.status, map[string]any{"ok": false, "error": herr.msg})
		return
	}
	h.log.DebugContext(r.Context(), "webhook handled", "trigger", env.Trigger)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// read authenticates and parses the request.
func (h *Handler) read(w http.ResponseWriter, r *http.Request) (*Envelope, *httpError) {
	if r.Method != http.MethodPost {
		return nil, fail(http.StatusMethodNotAllowed, "only POST is accepted")
	}
	if !h.authorized(r) {
		return nil, fail(http.StatusUnauthorized, "wrong or missing credentials")
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, fail(http.StatusUnsupportedMediaType, "the body must be application/json")
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, fail(http.StatusRequestEntityTooLarge, "the body is too large")
		}
		return nil, fail(http.StatusBadRequest, "the body could not be read")
	}
	var env Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fail(http.StatusBadRequest, "the body is not a JSON object")
	}
	switch {
	case strings.TrimSpace(env.Trigger) == "":
		return nil, fail(http.StatusBadRequest, "trigger is missing")
	case len(env.Data) == 0 || env.Data[0] != '{':
		return nil, fail(http.StatusBadRequest, "data must be a JSON object")
	case h.appID != "" && !strings.EqualFold(env.AppID, h.appID):
		return nil, fail(http.StatusForbidden, "the envelope belongs to another app")
	}
	return &env, nil
}

// dispatch decodes the event for its trigger and calls its handler. Decoding happens before any
// handler runs, so a malformed payload reaches none.
func (h *Handler) dispatch(ctx context.Context, env *Envelope) *httpError {
	call, err := h.route(env)
	if err != nil {
		return fail(http.StatusBadRequest, "data does not match trigger "+env.Trigger+": "+err.Error())
	}
	if call == nil {
		return nil // no handler wants it: acknowledged
	}
	if h.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.timeout)
		defer cancel()
	}
	if err := call(ctx); err != nil {
		h.log.ErrorContext(ctx, "webhook handler failed", "trigger", env.Trigger, "error", err)
		return fail(http.StatusInternalServerError, "the handler failed")
	}
	return nil
}

// route returns the call for env (nil when nobody handles it) or a decoding error.
func (h *Handler) route(env *Envelope) (func(context.Context) error, error) {
	hs := h.h
	switch t := env.Trigger; {
	case t == TriggerMessageSent:
		return typed(hs.MessageSent, decodeMessageEvent, env, hs.Other)
	case t == TriggerUserMentioned:
		return typed(hs.UserMentioned, decodeMessageEvent, env, hs.Other)
	case t == TriggerMessageEdited:
		return typed(hs.MessageEdited, decodeActionEvent, env, hs.Other)
	case t == TriggerMessageDeleted:
		return typed(hs.MessageDeleted, decodeActionEvent, env, hs.Other)
	case t == TriggerMessageDeliveryReceipt || t == TriggerMessageReadReceipt ||
		t == TriggerMessageDeliveredToAll || t == TriggerMessageReadByAll:
		return typed(hs.Receipt, decodeReceiptEvent, env, hs.Other)
	case t == TriggerReactionAdded || t == TriggerReactionRemoved:
		return typed(hs.Reaction, decodeReactionEvent, env, hs.Other)
	case t == TriggerUserBlocked || t == TriggerUserUnblocked:
		return typed(hs.Block, decodeBlockEvent, env, hs.Other)
	case t == TriggerConnectionChanged:
		return typed(hs.Connection, decodeConnectionEvent, env, hs.Other)
	case strings.HasPrefix(t, "group_"):
		return typed(hs.Group, decodeGroupEvent, env, hs.Other)
	case strings.HasPrefix(t, "call_") || strings.HasPrefix(t, "meeting_") ||
		t == "recording_generated" || t == "transcription_generated":
		return typed(hs.Call, decodeCallEvent, env, hs.Other)
	}
	return toOther(hs.Other, env), nil
}

// typed decodes env for fn and binds the event to it; when fn is nil the envelope goes to other
// instead, undecoded (nil when other is nil too).
func typed[T any](fn func(context.Context, T) error, decode func(*Envelope) (T, error), env *Envelope,
	other func(context.Context, *Envelope) error) (func(context.Context) error, error) {
	if fn == nil {
		return toOther(other, env), nil
	}
	ev, err := decode(env)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error { return fn(ctx, ev) }, nil
}

// toOther is the call of the catch-all other for env; nil when there is no catch-all.
func toOther(other func(context.Context, *Envelope) error, env *Envelope) func(context.Context) error {
	if other == nil {
		return nil
	}
	return func(ctx context.Context) error { return other(ctx, env) }
}
