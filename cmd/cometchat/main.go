// Command cometchat is the cometchat-go companion tool.
//
//	cometchat emulator [flags]   run a local CometChat emulator
//	cometchat users import FILE  upsert users from CSV or JSON Lines (progress, summary)
//	cometchat send -to UID TEXT  send a message through the server API
//	cometchat tail -uid UID      print every realtime event of a user as it arrives
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one subcommand. run returns the process exit code.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// commands lists the subcommands in usage order.
func commands() []command {
	return []command{
		{"emulator", "run a local CometChat emulator (REST + WebSocket)", runEmulator},
		{"users", "users import FILE: create or update users from CSV or JSON Lines", runUsers},
		{"send", "send a text message through the server API", runSend},
		{"tail", "log in as a user and print every realtime event as it arrives", runTail},
	}
}

// run dispatches args (without the program name) to a subcommand. It returns
// when the subcommand does: for the emulator, when ctx is cancelled.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "cometchat: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: cometchat <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'cometchat <command> -h' for the flags of a command.")
}

// parseFlags parses a subcommand's args into fs. When it fails, ok is false and code is the exit
// code: 0 after -h (the usage is printed), 2 for a bad flag.
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}
