// Command usersync is a backend integration in the shape of CometChat's authentication guide: it
// syncs the users of an app into CometChat, issues an auth token for one of them (what the app's
// login endpoint would hand to cometchat.Client.LoginWithAuthToken) and records a friendship.
//
// With no configuration it starts the CometChat emulator in-process and runs against it:
//
//	go run ./examples/usersync
//
// To run it against your app, set COMETCHAT_APP_ID, COMETCHAT_REGION and COMETCHAT_REST_API_KEY
// (and optionally COMETCHAT_BASE_URL), and pass a CSV file of your users as the argument (header
// uid,name,avatar,role,statusMessage,tags,metadata; see users.csv).
package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/cometchat-go/cometchat/admin"
	"github.com/cometchat-go/cometchat/internal/emulator"
)

//go:embed users.csv
var sampleUsers string

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "usersync:", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	client, shutdown, err := connect(out)
	if err != nil {
		return err
	}
	defer shutdown()

	var src io.Reader = strings.NewReader(sampleUsers)
	if len(args) > 0 {
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		src = f
	}

	// 1. Registration: create (or update) every user of the app.
	sum, err := client.SyncUsers(ctx, admin.ReadUsersCSV(src), admin.SyncOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "sync:", sum)
	for _, f := range sum.Failed {
		fmt.Fprintln(out, "  failed:", f)
	}
	if sum.Created+sum.Updated+sum.Unchanged < 2 {
		return errors.New("fewer than two users synced; nothing more to show")
	}

	// 2. Login: your server issues an auth token for the user who logged in to your app.
	first, second, err := firstTwo(ctx, client)
	if err != nil {
		return err
	}
	tok, err := client.CreateAuthToken(ctx, first, false)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "login: issued an auth token for %s (pass it to LoginWithAuthToken; %d characters, not printed)\n",
		tok.UID, len(tok.Token))

	// 3. A friend request accepted in your app: both become friends.
	res, err := client.AddFriends(ctx, first, second)
	if err != nil {
		return err
	}
	if r := res[second]; r.Err != nil {
		fmt.Fprintf(out, "friends: %s and %s: %v\n", first, second, r.Err)
	} else {
		fmt.Fprintf(out, "friends: %s and %s are now friends\n", first, second)
	}
	friends, err := admin.Collect(client.ListFriends(ctx, second, admin.ListFriendsOptions{}))
	if err != nil {
		return err
	}
	names := make([]string, len(friends))
	for i, f := range friends {
		names[i] = f.Name
	}
	fmt.Fprintf(out, "friends of %s: %s\n", second, strings.Join(names, ", "))
	return nil
}

// firstTwo returns the uids of the first two users of the app.
func firstTwo(ctx context.Context, c *admin.Client) (string, string, error) {
	var uids []string
	for u, err := range c.ListUsers(ctx, admin.ListUsersOptions{PerPage: 2}) {
		if err != nil {
			return "", "", err
		}
		uids = append(uids, u.UID)
		if len(uids) == 2 {
			return uids[0], uids[1], nil
		}
	}
	return "", "", errors.New("the app has fewer than two users")
}

// connect returns a client for the app named by the environment, or for a fresh in-process
// emulator when COMETCHAT_APP_ID is not set.
func connect(out io.Writer) (*admin.Client, func(), error) {
	if appID := os.Getenv("COMETCHAT_APP_ID"); appID != "" {
		var opts []admin.Option
		if base := os.Getenv("COMETCHAT_BASE_URL"); base != "" {
			opts = append(opts, admin.WithBaseURL(base))
		}
		region := os.Getenv("COMETCHAT_REGION")
		if region == "" {
			region = admin.RegionEU
		}
		c, err := admin.New(appID, region, os.Getenv("COMETCHAT_REST_API_KEY"), opts...)
		return c, func() {}, err
	}
	srv, err := emulator.New(emulator.Config{})
	if err != nil {
		return nil, nil, err
	}
	if err := srv.Start(); err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(out, "no COMETCHAT_APP_ID set: using an in-process emulator at %s\n", srv.URL())
	c, err := admin.New(srv.AppID(), srv.Region(), srv.RESTAPIKey(), admin.WithBaseURL(srv.URL()+"/v3"),
		admin.WithAllowInsecure(), admin.WithTimeout(10*time.Second))
	if err != nil {
		_ = srv.Close()
		return nil, nil, err
	}
	return c, func() { _ = srv.Close() }, nil
}
