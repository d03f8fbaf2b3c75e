package admin_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/cometchat-go/cometchat/admin"
)

// Create a key for a mobile app, list the keys, and retire it. Printing a key never shows its value.
func ExampleClient_CreateAPIKey() {
	c, done := exampleClient()
	defer done()
	ctx := context.Background()

	k, err := c.CreateAPIKey(ctx, "Mobile app", admin.ScopeAuthOnly)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(k.Key), "hex characters; printed in full:", strings.Contains(fmt.Sprint(k), k.Key))

	for key, err := range c.ListAPIKeys(ctx, admin.ListAPIKeysOptions{Scope: admin.ScopeAuthOnly}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(key.Name, key.Scope)
	}
	if err := c.DeleteAPIKey(ctx, k.Key); err != nil {
		log.Fatal(err)
	}
	// Output:
	// 40 hex characters; printed in full: false
	// Auth Key authOnly
	// Mobile app authOnly
}
