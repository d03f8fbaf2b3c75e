package admin_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"strings"

	"github.com/cometchat-go/cometchat/admin"
	"github.com/cometchat-go/cometchat/internal/emulator"
)

// exampleClient returns a client on a fresh emulator (the examples run against it; a real app uses
// admin.New(appID, region, restAPIKey)).
func exampleClient() (*admin.Client, func()) {
	srv, err := emulator.New(emulator.Config{})
	if err != nil {
		log.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	c, err := admin.New(srv.AppID(), srv.Region(), srv.RESTAPIKey(), admin.WithBaseURL(ts.URL+"/v3"),
		admin.WithAllowInsecure())
	if err != nil {
		log.Fatal(err)
	}
	return c, func() { ts.Close(); _ = srv.Close() }
}

// The flow of CometChat's authentication guide: create the user when it registers in your app,
// issue an auth token when it logs in, add friends when a friend request is accepted.
func Example() {
	c, done := exampleClient()
	defer done()
	ctx := context.Background()

	for _, u := range []admin.UserInput{{UID: "ada", Name: "Ada Lovelace"}, {UID: "alan", Name: "Alan Turing"}} {
		if _, err := c.CreateUser(ctx, u); err != nil {
			log.Fatal(err)
		}
	}
	tok, err := c.CreateAuthToken(ctx, "ada", false)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("token for", tok.UID, "ready for LoginWithAuthToken")
	if _, err := c.AddFriends(ctx, "ada", "alan"); err != nil {
		log.Fatal(err)
	}
	for f, err := range c.ListFriends(ctx, "alan", admin.ListFriendsOptions{}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("alan's friend:", f.Name)
	}
	// Output:
	// token for ada ready for LoginWithAuthToken
	// alan's friend: Ada Lovelace
}

func ExampleClient_SyncUsers() {
	c, done := exampleClient()
	defer done()
	csv := "uid,name,tags\nada,Ada Lovelace,founders\ngrace,Grace Hopper,\nbad uid,Nope,\n"
	sum, err := c.SyncUsers(context.Background(), admin.ReadUsersCSV(strings.NewReader(csv)), admin.SyncOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sum.Created, "created,", len(sum.Failed), "failed")
	for _, f := range sum.Failed {
		fmt.Println("failed:", f.UID)
	}
	// Output:
	// 2 created, 1 failed
	// failed: bad uid
}

func ExampleClient_As() {
	c, done := exampleClient()
	defer done()
	ctx := context.Background()
	for _, uid := range []string{"acme-bot", "ada"} {
		if _, err := c.CreateUser(ctx, admin.UserInput{UID: uid, Name: uid}); err != nil {
			log.Fatal(err)
		}
	}
	m, err := c.As("acme-bot").SendMessage(ctx, admin.TextMessage("ada", admin.ReceiverUser, "Your build is green."))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Sender, "->", m.Receiver+":", m.Text())
	// Output:
	// acme-bot -> ada: Your build is green.
}
