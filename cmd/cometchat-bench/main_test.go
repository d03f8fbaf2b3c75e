package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// childEnv makes a re-executed test binary act as the emulator child (-serve) instead of running
// the tests.
const childEnv = "COMETCHAT_BENCH_CHILD"

// TestMain runs the emulator child when asked to, and otherwise the tests with a goroutine-leak
// check: every scenario must close what it opened.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(run(context.Background(), []string{"-serve"}, os.Stdin, os.Stdout, os.Stderr))
	}
	goleak.VerifyTestMain(m)
}

// Every scenario runs end to end at a small size against an in-process emulator, and its figures
// land in the report.
func TestScenariosInProcess(t *testing.T) {
	cfg, _, err := parseFlags([]string{"-inprocess", "-n", "400", "-rounds", "1", "-window", "64", "-paced-n", "100", "-paced-rate", "2000",
		"-clients", "5", "-reconnect-rounds", "1", "-outage-messages", "30", "-sends", "40", "-sync-users", "40"}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	cfg.inProcess = true
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	be, err := startInProcess()
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	r := &report{}
	logf := t.Logf
	if err := benchE2E(ctx, be, cfg, r, logf); err != nil {
		t.Fatal(err)
	}
	if err := benchIdle(ctx, be, cfg, r, logf); err != nil {
		t.Fatal(err)
	}
	if err := benchReconnect(ctx, be, cfg, r, logf); err != nil {
		t.Fatal(err)
	}
	if err := benchSends(ctx, be, cfg, r, logf); err != nil {
		t.Fatal(err)
	}
	// The sync with the admin package's default client leaves its idle connections open (the admin
	// Client has no Close); the tuned run uses a client the scenario closes.
	res, err := runSync(ctx, be, 40, 8, "tsync-", true)
	if err != nil {
		t.Fatal(err)
	}
	if res.Users != 40 || res.RateLimited != 0 || res.PerSec() <= 0 {
		t.Fatalf("sync: %+v", res)
	}
	var out bytes.Buffer
	r.header([]string{"cometchat-bench", "-inprocess"}, true)
	r.write(&out)
	for _, want := range []string{"SDK ÷ baseline", "Heap per connected idle Client", "Outage: drop → caught up with 30 messages",
		"REST sends, 16 in flight", "| End to end | SDK events dropped / duplicates | 0 / 0 |", "Command: `go run ./cmd/cometchat-bench -inprocess`"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// The child-process backend: the default mode of the program, with the emulator in another process.
func TestEndToEndWithEmulatorChild(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	cfg, _, err := parseFlags([]string{"-scenarios", "e2e", "-n", "300", "-rounds", "1", "-window", "64", "-paced-n", "50"}, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	cfg.childExe, cfg.childEnv = exe, []string{childEnv + "=1"}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := bench(ctx, cfg, []string{"cometchat-bench", "-scenarios", "e2e"}, &out, &errOut); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "emulator in a child process") || !strings.Contains(out.String(), "SDK ÷ baseline") {
		t.Fatalf("report:\n%s", out.String())
	}
}

func TestFlagsAreValidated(t *testing.T) {
	var errOut bytes.Buffer
	for _, args := range [][]string{{"-scenarios", "e2e,warp"}, {"-window", "5000"}, {"-nosuchflag"}} {
		if _, _, err := parseFlags(args, &errOut); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if code := run(t.Context(), []string{"-scenarios", "nope"}, nil, &errOut, &errOut); code != 2 {
		t.Errorf("exit code %d, want 2", code)
	}
}

func TestPercentiles(t *testing.T) {
	ns := make([]int64, 100)
	for i := range ns {
		ns[i] = int64(100-i) * int64(time.Millisecond)
	}
	p50, p99, maxv := percentiles(ns)
	if p50 != 51*time.Millisecond || p99 != 100*time.Millisecond || maxv != 100*time.Millisecond {
		t.Fatalf("p50 %v p99 %v max %v", p50, p99, maxv)
	}
	if a, b, c := percentiles(nil); a != 0 || b != 0 || c != 0 {
		t.Fatal("empty input")
	}
}
