package cometchat_test

import (
	"context"
	"fmt"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/cometchattest"
)

// List the threads the logged-in user took part in, most recently active first.
func ExampleThreadsRequest_All() {
	srv, err := cometchattest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ctx := context.Background()
	settings := srv.Settings()
	settings.DisableAutoConnect = true // this example needs no realtime events
	client, err := cometchat.Init(settings)
	if err != nil {
		panic(err)
	}
	defer client.Close()
	for _, u := range []*cometchat.User{{UID: "alice", Name: "Alice"}, {UID: "bob", Name: "Bob"}} {
		if _, err := client.CreateUser(ctx, u, srv.AuthKey()); err != nil {
			panic(err)
		}
	}
	if _, err := client.Login(ctx, "alice", srv.AuthKey()); err != nil {
		panic(err)
	}
	for _, topic := range []string{"lunch?", "release notes"} {
		parent, err := client.SendText(ctx, "bob", cometchat.ReceiverTypeUser, topic)
		if err != nil {
			panic(err)
		}
		reply := cometchat.NewTextMessage("bob", cometchat.ReceiverTypeUser, "re: "+topic)
		reply.ParentMessageID = parent.ID()
		if _, err := client.SendMessage(ctx, reply); err != nil {
			panic(err)
		}
	}
	req, err := cometchat.NewThreadsRequestBuilder().SetUID("bob").Build(client)
	if err != nil {
		panic(err)
	}
	for thread, err := range req.All(ctx) {
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %d reply, last %q\n", thread.ParentMessage.(*cometchat.TextMessage).Text,
			thread.ReplyCount, thread.LastReply.(*cometchat.TextMessage).Text)
	}
	// Output:
	// release notes: 1 reply, last "re: release notes"
	// lunch?: 1 reply, last "re: lunch?"
}
