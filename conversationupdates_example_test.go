package cometchat_test

import (
	"context"
	"fmt"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/cometchattest"
)

// Keep a conversation list current: every message that moves a conversation produces an update with
// its last message and the unread count, and the app's own read marks bring the count down.
func ExampleConversationListener() {
	srv, err := cometchattest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ctx := context.Background()
	for _, u := range []cometchat.User{{UID: "alice", Name: "Alice"}, {UID: "bob", Name: "Bob"}} {
		if err := srv.AddUser(u); err != nil {
			panic(err)
		}
	}
	login := func(uid string) *cometchat.Client {
		c, err := cometchat.Init(srv.Settings())
		if err != nil {
			panic(err)
		}
		if _, err := c.Login(ctx, uid, srv.AuthKey()); err != nil {
			panic(err)
		}
		if err := c.Connect(ctx); err != nil {
			panic(err)
		}
		return c
	}
	alice, bob := login("alice"), login("bob")
	defer alice.Close()
	defer bob.Close()

	updates := make(chan *cometchat.ConversationUpdate, 16)
	alice.AddConversationListener("list", cometchat.ConversationListener{
		OnConversationUpdated: func(u *cometchat.ConversationUpdate) { updates <- u },
	})
	for _, text := range []string{"hi", "are you there?"} {
		if _, err := bob.SendText(ctx, "alice", cometchat.ReceiverTypeUser, text); err != nil {
			panic(err)
		}
	}
	for range 2 {
		u := <-updates
		fmt.Printf("%s with %s (%s): %q, %d unread\n", u.ConversationID, u.With, u.User.Name,
			u.LastMessage.(*cometchat.TextMessage).Text, u.UnreadCount)
	}
	if err := alice.MarkConversationAsRead(ctx, "bob", cometchat.ReceiverTypeUser); err != nil {
		panic(err)
	}
	u := <-updates
	fmt.Printf("%s: %d unread\n", u.Reason, u.UnreadCount)
	// Output:
	// alice_user_bob with bob (Bob): "hi", 1 unread
	// alice_user_bob with bob (Bob): "are you there?", 2 unread
	// read: 0 unread
}
