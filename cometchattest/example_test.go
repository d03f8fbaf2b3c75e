package cometchattest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/cometchattest"
)

// Start runs the emulator for a program; Settings points a Client at it.
func ExampleStart() {
	srv, err := cometchattest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	if err := srv.SeedSampleUsers(); err != nil {
		log.Fatal(err)
	}

	client, err := cometchat.Init(srv.Settings())
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	me, err := client.Login(context.Background(), "cometchat-uid-1", srv.AuthKey())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.UID, me.Status)
	// Output: cometchat-uid-1 online
}
