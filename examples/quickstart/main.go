// Command quickstart shows the SDK end to end. With no configuration it starts the CometChat emulator
// in-process and runs against it; with COMETCHAT_APP_ID, COMETCHAT_REGION and COMETCHAT_AUTH_KEY set
// it runs against that real CometChat app instead (it creates two users there).
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/cometchattest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// target is where the quickstart runs: the real service or an embedded emulator.
type target struct {
	settings cometchat.AppSettings
	authKey  string
	close    func()
}

func pickTarget() (*target, error) {
	appID, region, authKey := os.Getenv("COMETCHAT_APP_ID"), os.Getenv("COMETCHAT_REGION"), os.Getenv("COMETCHAT_AUTH_KEY")
	if appID != "" || authKey != "" {
		if appID == "" || authKey == "" {
			return nil, errors.New("set both COMETCHAT_APP_ID and COMETCHAT_AUTH_KEY (and COMETCHAT_REGION), or neither")
		}
		fmt.Printf("Using the CometChat app %s in region %q\n", appID, region)
		return &target{settings: cometchat.AppSettings{AppID: appID, Region: cometchat.Region(region)}, authKey: authKey, close: func() {}}, nil
	}
	srv, err := cometchattest.Start()
	if err != nil {
		return nil, err
	}
	fmt.Printf("No COMETCHAT_* configuration: started the embedded emulator at %s\n", srv.URL())
	return &target{settings: srv.Settings(), authKey: srv.AuthKey(), close: func() { _ = srv.Close() }}, nil
}

func run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	tg, err := pickTarget()
	if err != nil {
		return err
	}
	defer tg.close()

	// Two clients in one process, one per user: the SDK has no global state.
	alice, err := cometchat.Init(tg.settings)
	if err != nil {
		return err
	}
	defer alice.Close()
	bob, err := cometchat.Init(tg.settings)
	if err != nil {
		return err
	}
	defer bob.Close()

	for _, u := range []*cometchat.User{{UID: "quickstart-alice", Name: "Alice"}, {UID: "quickstart-bob", Name: "Bob"}} {
		if _, err := alice.CreateUser(ctx, u, tg.authKey); err != nil && !errors.Is(err, cometchat.ErrUIDAlreadyExists) {
			return fmt.Errorf("create %s: %w", u.UID, err)
		}
	}
	a, err := alice.Login(ctx, "quickstart-alice", tg.authKey)
	if err != nil {
		return err
	}
	b, err := bob.Login(ctx, "quickstart-bob", tg.authKey)
	if err != nil {
		return err
	}
	fmt.Printf("Logged in: %s and %s\n", a, b)

	seen, err := alice.GetUser(ctx, "quickstart-bob")
	if err != nil {
		return err
	}
	fmt.Printf("Alice looked up %s: status %s\n", seen, seen.Status)

	for _, step := range tour() {
		if err := step.run(ctx, alice, bob); err != nil {
			return fmt.Errorf("%s: %w", step.name, err)
		}
	}

	if err := alice.Logout(ctx); err != nil {
		return err
	}
	if err := bob.Logout(ctx); err != nil {
		return err
	}
	fmt.Println("Both users logged out. Done.")
	return nil
}

// step is one part of the tour.
type step struct {
	name string
	run  func(ctx context.Context, alice, bob *cometchat.Client) error
}

// tour lists the steps that run, in order, once both users are logged in. Each lives in its own file.
func tour() []step {
	return []step{
		{"groups", groupsStep},     // groups.go: create a group, Bob joins, list its members
		{"messages", messagesStep}, // messages.go: 1:1 and group messages, a reaction, history page by page
		{"realtime", realtimeStep}, // realtime.go: a listener, typing and a read receipt
	}
}
