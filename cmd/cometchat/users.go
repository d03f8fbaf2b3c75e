package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cometchat-go/cometchat/admin"
)

// runUsers is "cometchat users <subcommand>".
func runUsers(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return usersCmd(ctx, args, os.Stdin, stdout, stderr, os.Getenv)
}

func usersCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprintln(stderr, "usage: cometchat users import [flags] FILE")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "help" || args[0] == "--help") {
			return 0
		}
		return 2
	}
	return usersImport(ctx, args[1:], stdin, stdout, stderr, getenv)
}

// usersImport is "cometchat users import FILE": it upserts the users of a CSV or JSON Lines file
// with admin.SyncUsers, shows a progress line on stderr and prints a summary. The exit code is 1
// when any user failed.
func usersImport(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("cometchat users import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c creds
	c.addFlags(fs)
	format := fs.String("format", "", "csv or jsonl (default: from the file extension; needed for stdin)")
	concurrency := fs.Int("concurrency", 8, "users upserted at the same time")
	rpm := fs.Int("rpm", 0, "cap on requests per minute (default: follow the service's rate-limit headers only)")
	quiet := fs.Bool("q", false, "no progress line")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: cometchat users import [flags] FILE   (FILE - reads stdin)")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "CSV needs a header row with uid and name; optional columns: avatar, link, role,")
		fmt.Fprintln(stderr, "statusMessage, metadata (JSON object), tags (JSON array or a|b|c).")
		fmt.Fprintln(stderr, "JSON Lines: one object per line with the same keys.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	path := fs.Arg(0)
	if *format == "" {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".csv":
			*format = "csv"
		case ".jsonl", ".ndjson", ".json":
			*format = "jsonl"
		default:
			fmt.Fprintln(stderr, "cometchat users import: cannot tell the format of "+path+"; use -format csv or -format jsonl")
			return 2
		}
	}
	if *format != "csv" && *format != "jsonl" {
		fmt.Fprintln(stderr, "cometchat users import: -format must be csv or jsonl")
		return 2
	}
	client, err := c.client(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "cometchat users import:", err)
		return 2
	}

	// A file is counted first so the progress line can show a total; stdin is read once.
	total := -1
	var in io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintln(stderr, "cometchat users import:", err)
			return 1
		}
		defer f.Close()
		if total, err = countRecords(f, *format); err != nil {
			fmt.Fprintln(stderr, "cometchat users import:", err)
			return 1
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			fmt.Fprintln(stderr, "cometchat users import:", err)
			return 1
		}
		in = f
	}
	var src iter.Seq2[admin.UserInput, error]
	if *format == "csv" {
		src = admin.ReadUsersCSV(in)
	} else {
		src = admin.ReadUsersJSONL(in)
	}

	bar := &progressBar{w: stderr, total: total, quiet: *quiet}
	sum, err := client.SyncUsers(ctx, src, admin.SyncOptions{Concurrency: *concurrency, RequestsPerMinute: *rpm,
		Progress: bar.update})
	bar.finish()
	fmt.Fprintln(stdout, sum.String())
	const maxShown = 20
	for i, f := range sum.Failed {
		if i == maxShown {
			fmt.Fprintf(stdout, "  … and %d more failures\n", len(sum.Failed)-maxShown)
			break
		}
		fmt.Fprintf(stdout, "  failed: %v\n", f)
	}
	if err != nil {
		fmt.Fprintln(stderr, "cometchat users import: stopped:", err)
		return 1
	}
	if len(sum.Failed) > 0 {
		return 1
	}
	return 0
}

// countRecords counts the data records of a file: non-blank lines for JSON Lines, records after the
// header for CSV.
func countRecords(r io.Reader, format string) (int, error) {
	n := 0
	if format == "csv" {
		for _, err := range admin.ReadUsersCSV(r) {
			if err != nil && strings.HasPrefix(err.Error(), "CSV header") {
				return 0, err
			}
			n++
		}
		return n, nil
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" {
			n++
		}
	}
	return n, sc.Err()
}

// progressBar draws one "\r" line on w, at most every 100 ms.
type progressBar struct {
	w     io.Writer
	total int
	quiet bool
	last  time.Time
	drawn bool
	p     admin.SyncProgress
}

func (b *progressBar) update(p admin.SyncProgress) {
	b.p = p
	if b.quiet || (time.Since(b.last) < 100*time.Millisecond && p.Processed != b.total) {
		return
	}
	b.last = time.Now()
	b.draw()
}

func (b *progressBar) draw() {
	p := b.p
	counts := fmt.Sprintf("created %d  updated %d  unchanged %d  failed %d  429s %d",
		p.Created, p.Updated, p.Unchanged, p.Failed, p.RateLimited)
	if b.total > 0 {
		const width = 30
		filled := min(width, p.Processed*width/b.total)
		fmt.Fprintf(b.w, "\r[%s%s] %d/%d %3d%%  %s", strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
			p.Processed, b.total, p.Processed*100/b.total, counts)
	} else {
		fmt.Fprintf(b.w, "\r%d users  %s", p.Processed, counts)
	}
	b.drawn = true
}

func (b *progressBar) finish() {
	if b.quiet {
		return
	}
	if b.p.Processed > 0 {
		b.draw()
	}
	if b.drawn {
		fmt.Fprintln(b.w)
	}
}
