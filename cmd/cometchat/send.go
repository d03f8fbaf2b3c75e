package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cometchat-go/cometchat/admin"
)

// runSend is "cometchat send".
func runSend(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return sendCmd(ctx, args, stdout, stderr, os.Getenv)
}

// sendCmd sends a text message through the server API, as a user (-as, onBehalfOf) or as the app,
// to a user (-to) or a group (-group), and prints the message id.
func sendCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("cometchat send", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c creds
	c.addFlags(fs)
	as := fs.String("as", "", "UID of the sender (onBehalfOf); default: the app itself (app_system)")
	to := fs.String("to", "", "UID of the receiving user")
	group := fs.String("group", "", "GUID of the receiving group")
	muid := fs.String("muid", "", "client message id, makes retries safe")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: cometchat send [flags] (-to UID | -group GUID) TEXT...")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	text := strings.Join(fs.Args(), " ")
	if (*to == "") == (*group == "") || strings.TrimSpace(text) == "" {
		fs.Usage()
		return 2
	}
	client, err := c.client(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "cometchat send:", err)
		return 2
	}
	in := admin.TextMessage(*to, admin.ReceiverUser, text)
	if *group != "" {
		in = admin.TextMessage(*group, admin.ReceiverGroup, text)
	}
	in.MUID = *muid
	if *as != "" {
		client = client.As(*as)
	}
	m, err := client.SendMessage(ctx, in)
	if err != nil {
		fmt.Fprintln(stderr, "cometchat send:", err)
		return 1
	}
	fmt.Fprintf(stdout, "sent message %s from %s to %s %s\n", m.ID, m.Sender, m.ReceiverType, m.Receiver)
	return 0
}
