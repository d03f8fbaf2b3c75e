// Command cometchat-bench measures the SDK end to end against the emulator and prints the figures of
// BENCHMARKS.md as a Markdown table:
//
//   - e2e: the emulator pushes -n message frames to one connected Client; events per second and
//     push→handler p50/p99, next to a bare baseline (a plain coder/websocket reader that only reads and
//     json.Unmarshals the same frames into a map), reported as a ratio; saturated and paced runs;
//   - idle: heap bytes and goroutines per logged-in, connected, idle Client with -clients Clients;
//   - reconnect: time from the emulator dropping every connection to connected again, and to caught up
//     with -outage-messages messages sent during the outage;
//   - send: messages per second over REST with keep-alive, sequential and with 16 in flight;
//   - sync: users per second of admin.SyncUsers under a generous rate limit.
//
// Usage:
//
//	go run ./cmd/cometchat-bench [-scenarios e2e,idle,reconnect,send,sync] [-n 100000] [-cpuprofile sdk.pprof]
//
// The emulator runs in a child process (this binary with -serve) so that the CPU profile and the
// memory figures are the client side's alone; -inprocess keeps it in this process.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/cometchat-go/cometchat"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is the parsed command line.
type config struct {
	scenarios                  []string
	n, rounds, window          int
	pacedN                     int
	pacedRate                  float64
	clients                    int
	reconnectRounds, outageMsg int
	sends                      int
	syncUsers                  int
	cpuProfile, baseProfile    string
	memProfile                 string
	inProcess                  bool
	httpCompare                bool
	timeout                    time.Duration
	// childExe, childArgs and childEnv start the emulator child (tests re-execute the test binary).
	childExe  string
	childArgs []string
	childEnv  []string
}

func parseFlags(args []string, stderr io.Writer) (config, bool, error) {
	fs := flag.NewFlagSet("cometchat-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	var scen string
	serve := fs.Bool("serve", false, "run only the emulator, controlled over stdin/stdout (internal)")
	fs.StringVar(&scen, "scenarios", "e2e,idle,reconnect,send,sync", "comma-separated scenarios to run")
	fs.IntVar(&c.n, "n", 100_000, "e2e: frames pushed per run")
	fs.IntVar(&c.rounds, "rounds", 3, "e2e: saturated runs per receiver (the median is reported)")
	fs.IntVar(&c.window, "window", 1024, "e2e: frames in flight before the receiver credits them back")
	fs.IntVar(&c.pacedN, "paced-n", 10_000, "e2e: frames of the paced latency run")
	fs.Float64Var(&c.pacedRate, "paced-rate", 5_000, "e2e: frames per second of the paced latency run")
	fs.IntVar(&c.clients, "clients", 1000, "idle: logged-in, connected clients")
	fs.IntVar(&c.reconnectRounds, "reconnect-rounds", 3, "reconnect: outages measured (the median is reported)")
	fs.IntVar(&c.outageMsg, "outage-messages", 1000, "reconnect: messages sent during the outage")
	fs.IntVar(&c.sends, "sends", 2000, "send: messages per run")
	fs.IntVar(&c.syncUsers, "sync-users", 5000, "sync: users per run")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the SDK's last saturated e2e run")
	fs.StringVar(&c.baseProfile, "baseprofile", "", "write a CPU profile of the baseline's last saturated e2e run")
	fs.StringVar(&c.memProfile, "memprofile", "", "idle: write heap profiles while the clients are connected (FILE) and after they are closed (FILE.after-close)")
	fs.BoolVar(&c.httpCompare, "http-compare", false, "send, sync: also run with a caller-supplied HTTP client keeping 64 idle connections per host")
	fs.BoolVar(&c.inProcess, "inprocess", false, "run the emulator in this process")
	fs.DurationVar(&c.timeout, "timeout", 20*time.Minute, "overall limit")
	if err := fs.Parse(args); err != nil {
		return c, false, err
	}
	for _, s := range strings.Split(scen, ",") {
		if s = strings.TrimSpace(s); s != "" {
			if !slices.Contains([]string{"e2e", "idle", "reconnect", "send", "sync"}, s) {
				return c, false, fmt.Errorf("unknown scenario %q", s)
			}
			c.scenarios = append(c.scenarios, s)
		}
	}
	if c.window < 4 || c.window > 4000 {
		return c, false, errors.New("-window must be 4…4000 (the SDK's event buffer holds 4096)")
	}
	return c, *serve, nil
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, serve, err := parseFlags(args, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "cometchat-bench:", err)
		return 2
	}
	if serve {
		if err := serveChild(stdin, stdout); err != nil {
			fmt.Fprintln(stderr, "cometchat-bench -serve:", err)
			return 1
		}
		return 0
	}
	if cfg.childExe == "" {
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintln(stderr, "cometchat-bench:", err)
			return 1
		}
		cfg.childExe, cfg.childArgs = exe, []string{"-serve"}
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	if err := bench(ctx, cfg, append([]string{"cometchat-bench"}, args...), stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "cometchat-bench:", err)
		return 1
	}
	return 0
}

// bench runs the scenarios and prints the report.
func bench(ctx context.Context, cfg config, argv []string, stdout, stderr io.Writer) error {
	var be backend
	var err error
	if cfg.inProcess {
		be, err = startInProcess()
	} else {
		be, err = startChild(cfg.childExe, cfg.childArgs, cfg.childEnv...)
	}
	if err != nil {
		return err
	}
	defer be.Close()
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
	r := &report{}
	r.header(argv, cfg.inProcess)
	for _, s := range cfg.scenarios {
		logf("== %s", s)
		var err error
		switch s {
		case "e2e":
			err = benchE2E(ctx, be, cfg, r, logf)
		case "idle":
			err = benchIdle(ctx, be, cfg, r, logf)
		case "reconnect":
			err = benchReconnect(ctx, be, cfg, r, logf)
		case "send":
			err = benchSends(ctx, be, cfg, r, logf)
		case "sync":
			err = benchSync(ctx, be, cfg, r, logf)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	r.write(stdout)
	return nil
}

// profiler returns a function that starts a CPU profile into path and returns its stop function.
func profiler(path string) func() func() {
	if path == "" {
		return nil
	}
	return func() func() {
		f, err := os.Create(path)
		if err != nil {
			return func() {}
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			_ = f.Close()
			return func() {}
		}
		return func() { pprof.StopCPUProfile(); _ = f.Close() }
	}
}

func benchE2E(ctx context.Context, be backend, cfg config, r *report, logf func(string, ...any)) error {
	if err := be.CreateUsers("e2e-rx", 2*cfg.rounds+2); err != nil {
		return err
	}
	var sdk, base []e2eResult
	id := int64(1_000_000)
	user := 0
	nextCfg := func(n int, rate float64) e2eConfig {
		c := e2eConfig{N: n, Window: cfg.window, Rate: rate, StartID: id, UID: fmt.Sprintf("e2e-rx%d", user)}
		id += int64(n) + 1000
		user++
		return c
	}
	for round := range cfg.rounds {
		last := round == cfg.rounds-1
		var bp, sp func() func()
		if last {
			bp, sp = profiler(cfg.baseProfile), profiler(cfg.cpuProfile)
		}
		b, err := runBaselineReceiver(ctx, be, nextCfg(cfg.n, 0), bp)
		if err != nil {
			return err
		}
		logf("baseline round %d: %.0f events/s, p50 %v p99 %v", round+1, b.EventsPerSec(), b.P50, b.P99)
		s, err := runSDKReceiver(ctx, be, nextCfg(cfg.n, 0), sp)
		if err != nil {
			return err
		}
		logf("SDK round %d: %.0f events/s, p50 %v p99 %v", round+1, s.EventsPerSec(), s.P50, s.P99)
		base, sdk = append(base, b), append(sdk, s)
	}
	mb, ms := medianRun(base), medianRun(sdk)
	pb, err := runBaselineReceiver(ctx, be, nextCfg(cfg.pacedN, cfg.pacedRate), nil)
	if err != nil {
		return err
	}
	ps, err := runSDKReceiver(ctx, be, nextCfg(cfg.pacedN, cfg.pacedRate), nil)
	if err != nil {
		return err
	}
	logf("paced %.0f/s: baseline p50 %v p99 %v; SDK p50 %v p99 %v", cfg.pacedRate, pb.P50, pb.P99, ps.P50, ps.P99)
	sat := fmt.Sprintf("saturated, %d frames, window %d, median of %d", cfg.n, cfg.window, cfg.rounds)
	r.add("End to end", "Baseline throughput", fmt.Sprintf("%.0f events/s", mb.EventsPerSec()), sat)
	r.add("End to end", "SDK throughput", fmt.Sprintf("%.0f events/s", ms.EventsPerSec()), sat)
	r.add("End to end", "SDK ÷ baseline", fmt.Sprintf("%.2f", ms.EventsPerSec()/mb.EventsPerSec()), "throughput ratio")
	r.add("End to end", "Baseline push→handler p50 / p99 (saturated)", durPair(mb.P50, mb.P99), "queueing behind the window")
	r.add("End to end", "SDK push→handler p50 / p99 (saturated)", durPair(ms.P50, ms.P99), "queueing behind the window")
	paced := fmt.Sprintf("paced at %.0f frames/s, %d frames", cfg.pacedRate, cfg.pacedN)
	r.add("End to end", "Baseline push→handler p50 / p99 (paced)", durPair(pb.P50, pb.P99), paced)
	r.add("End to end", "SDK push→handler p50 / p99 (paced)", durPair(ps.P50, ps.P99), paced)
	r.add("End to end", "Client allocations per event, baseline / SDK", fmt.Sprintf("%.0f / %.0f allocs, %.0f / %.0f B", mb.AllocsPerEvent,
		ms.AllocsPerEvent, mb.BytesPerEvent, ms.BytesPerEvent), "whole receiving process, saturated run")
	r.add("End to end", "SDK events dropped / duplicates", fmt.Sprintf("%d / %d", ms.Dropped, ms.Dupes), "must be 0 / 0")
	return nil
}

// medianRun returns the run with the median throughput.
func medianRun(rs []e2eResult) e2eResult {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b e2eResult) int {
		switch {
		case a.EventsPerSec() < b.EventsPerSec():
			return -1
		case a.EventsPerSec() > b.EventsPerSec():
			return 1
		}
		return 0
	})
	return s[len(s)/2]
}

func benchIdle(ctx context.Context, be backend, cfg config, r *report, logf func(string, ...any)) error {
	res, err := runIdle(ctx, be, cfg.clients, false, cfg.memProfile)
	if err != nil {
		return err
	}
	logf("idle: %d clients in %v: %.0f B and %.2f goroutines per client", res.Clients, res.LoginElapsed, res.HeapPerClient, res.GoroutinesPerClient)
	note := fmt.Sprintf("%d clients, default HTTP client per Client", res.Clients)
	if !res.EmulatorInSeparateProcess {
		note += "; emulator in this process (figures include its side)"
	}
	r.add("Idle clients", "Heap per connected idle Client", fmt.Sprintf("%.1f KiB", res.HeapPerClient/1024), note)
	r.add("Idle clients", "Goroutines per connected idle Client", fmt.Sprintf("%.2f", res.GoroutinesPerClient), note)
	r.add("Idle clients", "After Close: heap / goroutines above the start", fmt.Sprintf("%.1f KiB / %d", float64(res.HeapAfterClose)/1024, res.GoroutinesAfterClose), "all Clients closed")
	if res.EmulatorInSeparateProcess {
		r.add("Idle clients", "Emulator heap / goroutines per connection", fmt.Sprintf("%.1f KiB / %.2f", res.EmuHeapPerConn/1024, res.EmuGoroutinesPerConn), "the emulator's own cost (child process)")
	}
	return nil
}

func benchReconnect(ctx context.Context, be backend, cfg config, r *report, logf func(string, ...any)) error {
	var rs []reconnectResult
	for round := range cfg.reconnectRounds {
		res, err := runReconnect(ctx, be, round, cfg.outageMsg)
		if err != nil {
			return err
		}
		if !res.DeliveredExactlyOnce {
			return fmt.Errorf("round %d: the %d messages sent during the outage were not delivered exactly once", round, cfg.outageMsg)
		}
		logf("reconnect round %d: plain drop→connected %v; outage: drop→connected %v, drop→caught up %v (accept→connected %v, accept→caught up %v, %d sent in %v)",
			round+1, res.PlainDropToConnected, res.DropToConnected, res.DropToCaughtUp, res.AcceptToConnected, res.AcceptToCaughtUp, res.Messages, res.SendDuration)
		rs = append(rs, res)
	}
	med := func(f func(reconnectResult) time.Duration) string {
		ds := make([]time.Duration, len(rs))
		for i, x := range rs {
			ds[i] = f(x)
		}
		slices.Sort(ds)
		return fmt.Sprintf("%v (min %v, max %v)", round(ds[len(ds)/2]), round(ds[0]), round(ds[len(ds)-1]))
	}
	note := fmt.Sprintf("median of %d; default ReconnectPolicy (500 ms base, ×2, full jitter)", len(rs))
	r.add("Reconnect", "Drop every connection → connected again", med(func(x reconnectResult) time.Duration { return x.PlainDropToConnected }), note)
	outage := fmt.Sprintf("%d messages sent over REST (16 in flight) while upgrades are refused; %s", cfg.outageMsg, note)
	r.add("Reconnect", "Outage: drop → connected again", med(func(x reconnectResult) time.Duration { return x.DropToConnected }), outage)
	r.add("Reconnect", fmt.Sprintf("Outage: drop → caught up with %d messages", cfg.outageMsg), med(func(x reconnectResult) time.Duration { return x.DropToCaughtUp }), outage)
	r.add("Reconnect", "Outage: upgrades accepted again → connected", med(func(x reconnectResult) time.Duration { return x.AcceptToConnected }), "includes the back-off wait in progress")
	r.add("Reconnect", "Outage: upgrades accepted again → caught up", med(func(x reconnectResult) time.Duration { return x.AcceptToCaughtUp }), "every message exactly once")
	return nil
}

func benchSends(ctx context.Context, be backend, cfg config, r *report, logf func(string, ...any)) error {
	if err := be.CreateUsers("send-tx", 1); err != nil {
		return err
	}
	if err := be.CreateUsers("send-rx", 1); err != nil {
		return err
	}
	for _, tuned := range httpVariants(cfg) {
		for _, inFlight := range []int{1, 16} {
			res, err := runSends(ctx, be, cfg.sends, inFlight, tuned)
			if err != nil {
				return err
			}
			logf("sends: %d in flight, %s: %.0f messages/s", inFlight, res.Client, res.PerSec())
			what := "REST sends, sequential"
			if inFlight > 1 {
				what = fmt.Sprintf("REST sends, %d in flight", inFlight)
			}
			r.add("Sends", what, fmt.Sprintf("%.0f messages/s", res.PerSec()), fmt.Sprintf("%d messages, %s HTTP client", res.Messages, res.Client))
		}
	}
	return nil
}

func benchSync(ctx context.Context, be backend, cfg config, r *report, logf func(string, ...any)) error {
	for i, tuned := range httpVariants(cfg) {
		for j, conc := range []int{8, 16} {
			res, err := runSync(ctx, be, cfg.syncUsers, conc, fmt.Sprintf("sync%d%d-", i, j), tuned)
			if err != nil {
				return err
			}
			logf("sync: %d users, concurrency %d, %s: %.0f users/s", res.Users, conc, res.Client, res.PerSec())
			r.add("Bulk sync", fmt.Sprintf("admin.SyncUsers, concurrency %d", conc), fmt.Sprintf("%.0f users/s", res.PerSec()),
				fmt.Sprintf("%d new users, %d requests, %d rate-limited; limit %d core + %d standard req/min; %s HTTP client",
					res.Users, res.Requests, res.RateLimited, benchRateLimit.CoreLimit, benchRateLimit.StandardLimit, res.Client))
		}
	}
	return nil
}

// httpVariants are the HTTP clients the send and sync scenarios run with: the default, and with
// -http-compare also a caller-supplied one.
func httpVariants(cfg config) []bool {
	if cfg.httpCompare {
		return []bool{false, true}
	}
	return []bool{false}
}

// report collects rows of the Markdown table.
type report struct {
	head []string
	rows [][4]string
}

func (r *report) header(argv []string, inProcess bool) {
	cpu := cpuModel()
	where := "emulator in a child process"
	if inProcess {
		where = "emulator in the same process"
	}
	r.head = []string{
		fmt.Sprintf("- Date: %s", time.Now().UTC().Format("2006-01-02 15:04 MST")),
		fmt.Sprintf("- Machine: %s, %d CPUs (`nproc`), GOMAXPROCS %d, %s/%s", cpu, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH),
		fmt.Sprintf("- Go: %s; SDK %s; %s, loopback", runtime.Version(), cometchat.Version, where),
		fmt.Sprintf("- Command: `%s`", commandLine(argv)),
	}
}

func (r *report) add(group, figure, value, note string) {
	r.rows = append(r.rows, [4]string{group, figure, value, note})
}

func (r *report) write(w io.Writer) {
	for _, l := range r.head {
		fmt.Fprintln(w, l)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Area | Figure | Value | Conditions |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, row := range r.rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", row[0], row[1], row[2], row[3])
	}
}

// commandLine renders the command for the report ("go run ./cmd/cometchat-bench" for a go-run binary).
func commandLine(argv []string) string {
	args := ""
	if len(argv) > 1 {
		args = " " + strings.Join(argv[1:], " ")
	}
	return "go run ./cmd/cometchat-bench" + args
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// percentiles returns p50, p99 and the maximum of ns values.
func percentiles(ns []int64) (p50, p99, maxv time.Duration) {
	if len(ns) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(ns)
	slices.Sort(s)
	at := func(q float64) time.Duration { return time.Duration(s[min(len(s)-1, int(q*float64(len(s))))]) }
	return at(0.50), at(0.99), time.Duration(s[len(s)-1])
}

func durPair(a, b time.Duration) string { return fmt.Sprintf("%v / %v", round(a), round(b)) }

// round shortens a duration for the table.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
