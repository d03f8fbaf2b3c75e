package cometchat_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/cometchattest"
)

// Send a message, then read the conversation back page by page, newest page first.
func ExampleMessagesRequest_FetchPrevious() {
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
	for _, text := range []string{"one", "two", "three"} {
		if _, err := client.SendText(ctx, "bob", cometchat.ReceiverTypeUser, text); err != nil {
			panic(err)
		}
	}
	req, err := cometchat.NewMessagesRequestBuilder().SetUID("bob").SetLimit(2).Build(client)
	if err != nil {
		panic(err)
	}
	for {
		page, err := req.FetchPrevious(ctx)
		if err != nil {
			panic(err)
		}
		if len(page) == 0 {
			break
		}
		var texts []string
		for _, m := range page {
			texts = append(texts, m.(*cometchat.TextMessage).Text)
		}
		fmt.Println(strings.Join(texts, " "))
	}
	// Output:
	// two three
	// one
}
