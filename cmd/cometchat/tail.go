package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/cometchat-go/cometchat"
)

// Environment variables of tail, beside COMETCHAT_APP_ID, COMETCHAT_REGION and COMETCHAT_BASE_URL.
const (
	envAuthKey   = "COMETCHAT_AUTH_KEY"
	envAuthToken = "COMETCHAT_AUTH_TOKEN"
)

// runTail logs in as a user and prints every realtime event as one line until ctx ends:
//
//	15:04:05.000 text_message {"id":"12","sender":"alice",…}
//
// The data is the event's JSON as the SDK decoded it. Credentials are never printed.
func runTail(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runTailEnv(ctx, args, stdout, stderr, os.Getenv)
}

func runTailEnv(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("tail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var appID, region, uid, authKey, authToken, baseURL string
	fs.StringVar(&appID, "app-id", "", "App ID (default $"+envAppID+")")
	fs.StringVar(&region, "region", "", "region us, eu or in (default $"+envRegion+", else eu)")
	fs.StringVar(&uid, "uid", "", "log in as this user with the Auth Key")
	fs.StringVar(&authKey, "auth-key", "", "Auth Key (default $"+envAuthKey+"; prefer the variable: flags show in ps)")
	fs.StringVar(&authToken, "auth-token", "", "log in with this auth token instead (default $"+envAuthToken+")")
	fs.StringVar(&baseURL, "base-url", "", "emulator URL, e.g. http://127.0.0.1:8080 (default $"+envBaseURL+"; empty: the real service)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: cometchat tail (-uid UID [-auth-key KEY] | -auth-token TOKEN) [flags]")
		fmt.Fprintln(stderr, "\nLogs in and prints every realtime event as it arrives, one line each, until Ctrl-C.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	fromEnv(getenv, &appID, envAppID)
	fromEnv(getenv, &region, envRegion)
	fromEnv(getenv, &authKey, envAuthKey)
	fromEnv(getenv, &authToken, envAuthToken)
	fromEnv(getenv, &baseURL, envBaseURL)
	settings, err := tailSettings(appID, region, baseURL)
	if err == nil && authToken == "" && (uid == "" || authKey == "") {
		err = errors.New("give -uid with an Auth Key ($" + envAuthKey + "), or an auth token ($" + envAuthToken + ")")
	}
	if err != nil {
		fmt.Fprintln(stderr, "cometchat tail:", err)
		return 2
	}

	client, err := cometchat.Init(settings)
	if err != nil {
		fmt.Fprintln(stderr, "cometchat tail:", err)
		return 1
	}
	defer client.Close()
	p := &eventPrinter{w: stdout}
	p.listen(client)
	var me *cometchat.User
	if authToken != "" {
		me, err = client.LoginWithAuthToken(ctx, authToken)
	} else {
		me, err = client.Login(ctx, uid, authKey)
	}
	if err != nil {
		fmt.Fprintln(stderr, "cometchat tail: login:", err)
		return 1
	}
	fmt.Fprintf(stderr, "cometchat tail: logged in as %s; printing realtime events (Ctrl-C to stop)\n", me)
	<-ctx.Done()
	return 0
}

// tailSettings builds AppSettings: the real service by default, or an emulator at baseURL (its
// root, or its /v3 or /v3.0 API base).
func tailSettings(appID, region, baseURL string) (cometchat.AppSettings, error) {
	if appID == "" {
		return cometchat.AppSettings{}, errors.New("no App ID: set -app-id or " + envAppID)
	}
	s := cometchat.AppSettings{AppID: appID, Region: cometchat.Region(region)}
	if baseURL == "" {
		return s, nil
	}
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return s, fmt.Errorf("base URL %q is not an absolute URL", baseURL)
	}
	root := u.Scheme + "://" + u.Host
	ws := "wss://" + u.Host + "/"
	if u.Scheme == "http" {
		if !loopback(baseURL) {
			return s, fmt.Errorf("base URL %q is not encrypted and not on this machine", baseURL)
		}
		ws = "ws://" + u.Host + "/"
		s.AllowInsecure = true
	}
	s.Endpoints = cometchat.Endpoints{ClientAPI: root + "/v3.0", AdminAPI: root + "/v3.0", WebSocket: ws}
	return s, nil
}

// eventPrinter writes one line per event; callbacks arrive in order from the SDK's dispatcher, the
// mutex only guards against the login listener's own goroutine.
type eventPrinter struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *eventPrinter) print(event string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		b = []byte(fmt.Sprintf("%q", fmt.Sprint(data)))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "%s %s %s\n", time.Now().Format("15:04:05.000"), event, b)
}

// on returns a callback printing its argument under event.
func on[T any](p *eventPrinter, event string) func(T) {
	return func(v T) { p.print(event, v) }
}

// listen registers a listener of every kind.
func (p *eventPrinter) listen(c *cometchat.Client) {
	const id = "cometchat-tail"
	c.AddMessageListener(id, cometchat.MessageListener{
		OnTextMessageReceived:        on[*cometchat.TextMessage](p, "text_message"),
		OnMediaMessageReceived:       on[*cometchat.MediaMessage](p, "media_message"),
		OnCustomMessageReceived:      on[*cometchat.CustomMessage](p, "custom_message"),
		OnInteractiveMessageReceived: on[*cometchat.InteractiveMessage](p, "interactive_message"),
		OnInteractionGoalCompleted:   on[*cometchat.InteractionReceipt](p, "interaction_goal_completed"),
		OnTypingStarted:              on[*cometchat.TypingIndicator](p, "typing_started"),
		OnTypingEnded:                on[*cometchat.TypingIndicator](p, "typing_ended"),
		OnMessagesDelivered:          on[*cometchat.MessageReceipt](p, "delivered"),
		OnMessagesRead:               on[*cometchat.MessageReceipt](p, "read"),
		OnMessagesDeliveredToAll:     on[*cometchat.MessageReceipt](p, "delivered_to_all"),
		OnMessagesReadByAll:          on[*cometchat.MessageReceipt](p, "read_by_all"),
		OnMessageEdited:              on[cometchat.Message](p, "message_edited"),
		OnMessageDeleted:             on[cometchat.Message](p, "message_deleted"),
		OnTransientMessageReceived:   on[*cometchat.TransientMessage](p, "transient_message"),
		OnMessageReactionAdded:       on[*cometchat.ReactionEvent](p, "reaction_added"),
		OnMessageReactionRemoved:     on[*cometchat.ReactionEvent](p, "reaction_removed"),
		OnMessageModerated:           on[cometchat.Message](p, "message_moderated"),
		OnAIAssistantMessageReceived: on[*cometchat.AgenticMessage](p, "ai_assistant_message"),
		OnAIToolResultReceived:       on[*cometchat.AgenticMessage](p, "ai_tool_result"),
		OnAIToolArgumentsReceived:    on[*cometchat.AgenticMessage](p, "ai_tool_arguments"),
		OnCardMessageReceived:        on[*cometchat.CardMessage](p, "card_message"),
		OnMessagePinned:              on[cometchat.Message](p, "message_pinned"),
		OnMessageUnpinned:            on[cometchat.Message](p, "message_unpinned"),
		OnMessageSaved:               on[cometchat.Message](p, "message_saved"),
		OnMessageUnsaved:             on[cometchat.Message](p, "message_unsaved"),
		OnUnknownMessageReceived:     on[*cometchat.UnknownMessage](p, "unknown_message"),
	})
	c.AddUserListener(id, cometchat.UserListener{
		OnUserOnline:  on[*cometchat.User](p, "user_online"),
		OnUserOffline: on[*cometchat.User](p, "user_offline"),
	})
	type member struct {
		Action *cometchat.ActionMessage `json:"action"`
		User   *cometchat.User          `json:"user,omitempty"`
		By     *cometchat.User          `json:"by,omitempty"`
		Group  *cometchat.Group         `json:"group,omitempty"`
		Scopes []cometchat.Scope        `json:"scopes,omitempty"`
	}
	c.AddGroupListener(id, cometchat.GroupListener{
		OnGroupMemberJoined: func(a *cometchat.ActionMessage, u *cometchat.User, g *cometchat.Group) {
			p.print("group_member_joined", member{Action: a, User: u, Group: g})
		},
		OnGroupMemberLeft: func(a *cometchat.ActionMessage, u *cometchat.User, g *cometchat.Group) {
			p.print("group_member_left", member{Action: a, User: u, Group: g})
		},
		OnGroupMemberKicked: func(a *cometchat.ActionMessage, u, by *cometchat.User, g *cometchat.Group) {
			p.print("group_member_kicked", member{Action: a, User: u, By: by, Group: g})
		},
		OnGroupMemberBanned: func(a *cometchat.ActionMessage, u, by *cometchat.User, g *cometchat.Group) {
			p.print("group_member_banned", member{Action: a, User: u, By: by, Group: g})
		},
		OnGroupMemberUnbanned: func(a *cometchat.ActionMessage, u, by *cometchat.User, g *cometchat.Group) {
			p.print("group_member_unbanned", member{Action: a, User: u, By: by, Group: g})
		},
		OnGroupMemberScopeChanged: func(a *cometchat.ActionMessage, u, by *cometchat.User, newScope, oldScope cometchat.Scope, g *cometchat.Group) {
			p.print("group_member_scope_changed", member{Action: a, User: u, By: by, Group: g, Scopes: []cometchat.Scope{oldScope, newScope}})
		},
		OnMemberAddedToGroup: func(a *cometchat.ActionMessage, u, by *cometchat.User, g *cometchat.Group) {
			p.print("group_member_added", member{Action: a, User: u, By: by, Group: g})
		},
	})
	c.AddCallListener(id, cometchat.CallListener{
		OnIncomingCallReceived:     on[*cometchat.CallMessage](p, "incoming_call"),
		OnOutgoingCallAccepted:     on[*cometchat.CallMessage](p, "outgoing_call_accepted"),
		OnOutgoingCallRejected:     on[*cometchat.CallMessage](p, "outgoing_call_rejected"),
		OnIncomingCallCancelled:    on[*cometchat.CallMessage](p, "incoming_call_cancelled"),
		OnCallEndedMessageReceived: on[*cometchat.CallMessage](p, "call_ended"),
	})
	c.AddConversationListener(id, cometchat.ConversationListener{
		OnConversationPinned:   on[*cometchat.Conversation](p, "conversation_pinned"),
		OnConversationUnpinned: on[*cometchat.Conversation](p, "conversation_unpinned"),
	})
	c.AddAIAssistantListener(id, cometchat.AIAssistantListener{OnAIAssistantEventReceived: on[*cometchat.AIAssistantEvent](p, "ai_assistant_event")})
	c.AddNotificationFeedListener(id, cometchat.NotificationFeedListener{OnFeedItemReceived: on[json.RawMessage](p, "feed_item")})
	c.AddConnectionListener(id, cometchat.ConnectionListener{
		OnConnected:     func() { p.print("connected", nil) },
		OnConnecting:    func() { p.print("connecting", nil) },
		OnDisconnected:  func() { p.print("disconnected", nil) },
		OnReconnecting:  on[cometchat.ReconnectInfo](p, "reconnecting"),
		OnResynced:      on[cometchat.ResyncInfo](p, "resynced"),
		OnEventsDropped: on[int](p, "events_dropped"),
		OnError:         func(err error) { p.print("error", err.Error()) },
	})
}
