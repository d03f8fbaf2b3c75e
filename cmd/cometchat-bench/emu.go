package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cometchat-go/cometchat/internal/emulator"
)

// The emulator the scenarios run against. By default it runs in a child process (this same binary
// with -serve), so that the CPU profile, the heap and the goroutine counts of the measuring process
// are the client side's alone; the emulator still shares the machine's cores. The in-process backend
// is for tests and quick runs (-inprocess).

// emuInfo is how clients reach the emulator.
type emuInfo struct {
	URL     string `json:"url"`
	AppID   string `json:"appId"`
	AuthKey string `json:"authKey"`
	RESTKey string `json:"restKey"`
}

// emuMem is the emulator process's own heap and goroutines.
type emuMem struct {
	HeapAlloc  uint64 `json:"heapAlloc"`
	Goroutines int    `json:"goroutines"`
}

// backend controls an emulator.
type backend interface {
	Info() emuInfo
	// CreateUsers creates prefix0 … prefix{n-1}.
	CreateUsers(prefix string, n int) error
	// Push pushes n text-message frames to every session of uid, ids startID…, with at most window
	// frames not yet credited back (Credit), at rate frames per second (0: as fast as credits allow).
	// The returned channel yields the push's outcome.
	Push(uid string, n int, startID int64, window int, rate float64) (<-chan error, error)
	// Credit returns k frames to the push window (called by the receiver as it consumes).
	Credit(k int)
	// Drop drops every WebSocket connection without a close frame.
	Drop() error
	// Refuse refuses WebSocket upgrades for d (0 accepts again).
	Refuse(d time.Duration) error
	// Mem reports the emulator process's heap after a GC and its goroutines.
	Mem() (emuMem, error)
	Close() error
}

// benchRateLimit is a generous rate limit: ten times the service's documented per-minute limits
// (rules-and-limits.md §8), so the limiter and its headers are active but never bite.
var benchRateLimit = emulator.RateLimitConfig{CoreLimit: 100_000, StandardLimit: 200_000}

// newEmulator starts an emulator with the bench's configuration.
func newEmulator() (*emulator.Server, error) {
	s, err := emulator.New(emulator.Config{RateLimit: benchRateLimit, DisableDashboard: true})
	if err != nil {
		return nil, err
	}
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// inProcess is the emulator in this process.
type inProcess struct {
	s       *emulator.Server
	credits chan int
}

func startInProcess() (*inProcess, error) {
	s, err := newEmulator()
	if err != nil {
		return nil, err
	}
	return &inProcess{s: s, credits: make(chan int, 1<<16)}, nil
}

func (p *inProcess) Info() emuInfo {
	return emuInfo{URL: p.s.URL(), AppID: p.s.AppID(), AuthKey: p.s.AuthKey(), RESTKey: p.s.RESTAPIKey()}
}

func (p *inProcess) CreateUsers(prefix string, n int) error { return createUsers(p.s, prefix, n) }

func (p *inProcess) Push(uid string, n int, startID int64, window int, rate float64) (<-chan error, error) {
	done := make(chan error, 1)
	go func() { done <- push(p.s, uid, n, startID, window, rate, p.credits) }()
	return done, nil
}

func (p *inProcess) Credit(k int) { p.credits <- k }

func (p *inProcess) Drop() error { p.s.DropAllConnections(); return nil }

func (p *inProcess) Refuse(d time.Duration) error { p.s.RefuseConnections(d); return nil }

func (p *inProcess) Mem() (emuMem, error) {
	return emuMem{}, errors.New("the emulator shares this process")
}

func (p *inProcess) Close() error { return p.s.Close() }

func createUsers(s *emulator.Server, prefix string, n int) error {
	for i := range n {
		if err := s.CreateUser(prefix+strconv.Itoa(i), "Bench user "+strconv.Itoa(i)); err != nil {
			return err
		}
	}
	return nil
}

// push is the emulator-side pusher: frames carry their push time (Unix ns) as the text, so the
// receiver computes push→handler latency from the frame alone.
func push(s *emulator.Server, uid string, n int, startID int64, window int, rate float64, credits <-chan int) error {
	// Stale credits of an earlier push must not widen this one's window.
	for len(credits) > 0 {
		<-credits
	}
	avail := window
	start := time.Now()
	tmpl := newFrameTemplate(s.AppID(), uid)
	for i := range n {
		for avail == 0 {
			k, ok := <-credits
			if !ok {
				return errors.New("push: credits closed")
			}
			avail += k
		}
		if rate > 0 {
			// Pace the load: the i-th frame is due at start + i/rate.
			if due := start.Add(time.Duration(float64(i) / rate * float64(time.Second))); time.Until(due) > 0 {
				time.Sleep(time.Until(due))
			}
		}
		sessions, err := s.PushFrame(uid, tmpl.build(startID+int64(i), time.Now().UnixNano()))
		if err != nil {
			return err
		}
		if sessions == 0 {
			return fmt.Errorf("push: %s has no connected session (frame %d of %d)", uid, i, n)
		}
		avail--
	}
	return nil
}

// frameTemplate builds a pushed message frame in the shape the emulator itself sends for a 1:1 text
// message (envelope plus the message with sender and receiver entities, ~700 bytes).
type frameTemplate struct {
	head, mid, tail []byte
}

func newFrameTemplate(appID, uid string) frameTemplate {
	conv := "bench-tx_user_" + uid
	return frameTemplate{
		head: []byte(`{"appId":"` + appID + `","receiver":"` + uid + `","receiverType":"user","deviceId":"WEB-bench-sender","type":"message","sender":"bench-tx","body":{"id":"`),
		mid: []byte(`","conversationId":"` + conv + `","sender":"bench-tx","receiverType":"user","receiver":"` + uid +
			`","category":"message","type":"text","data":{"text":"`),
		tail: []byte(`","entities":{"sender":{"entity":{"uid":"bench-tx","name":"Bench sender","avatar":"https://example.com/tx.png","status":"online","role":"default","lastActiveAt":1700000500,"createdAt":1700000000},"entityType":"user"},` +
			`"receiver":{"entity":{"uid":"` + uid + `","name":"Bench receiver","status":"online","role":"default","createdAt":1700000001,"conversationId":"` + conv + `"},"entityType":"user"}}},` +
			`"sentAt":1700000900,"updatedAt":1700000900}}`),
	}
}

func (t frameTemplate) build(id, pushedAt int64) []byte {
	b := make([]byte, 0, len(t.head)+len(t.mid)+len(t.tail)+40)
	b = append(b, t.head...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, t.mid...)
	b = strconv.AppendInt(b, pushedAt, 10)
	return append(b, t.tail...)
}

// Child process protocol: one command per line on stdin, one reply line on stdout ("ok …" or
// "err …"); a finished push is announced asynchronously as "pushed" or "pushed <error>".

// serveChild runs the emulator for a parent process until stdin closes or "quit".
func serveChild(in io.Reader, out io.Writer) error {
	s, err := newEmulator()
	if err != nil {
		return err
	}
	defer s.Close()
	var outMu sync.Mutex
	reply := func(format string, a ...any) {
		outMu.Lock()
		defer outMu.Unlock()
		fmt.Fprintf(out, format+"\n", a...)
	}
	info, _ := json.Marshal(emuInfo{URL: s.URL(), AppID: s.AppID(), AuthKey: s.AuthKey(), RESTKey: s.RESTAPIKey()})
	reply("ready %s", info)
	credits := make(chan int, 1<<16)
	var pushes sync.WaitGroup
	defer pushes.Wait()
	defer close(credits)
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "credit":
			k, _ := strconv.Atoi(f[1])
			credits <- k
		case "users":
			n, _ := strconv.Atoi(f[2])
			if err := createUsers(s, f[1], n); err != nil {
				reply("err %v", err)
			} else {
				reply("ok")
			}
		case "push":
			n, _ := strconv.Atoi(f[2])
			start, _ := strconv.ParseInt(f[3], 10, 64)
			window, _ := strconv.Atoi(f[4])
			rate, _ := strconv.ParseFloat(f[5], 64)
			reply("ok")
			pushes.Add(1)
			go func(uid string) {
				defer pushes.Done()
				if err := push(s, uid, n, start, window, rate, credits); err != nil {
					reply("pushed %v", err)
					return
				}
				reply("pushed")
			}(f[1])
		case "drop":
			s.DropAllConnections()
			reply("ok")
		case "refuse":
			ms, _ := strconv.Atoi(f[1])
			s.RefuseConnections(time.Duration(ms) * time.Millisecond)
			reply("ok")
		case "mem":
			runtime.GC()
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			b, _ := json.Marshal(emuMem{HeapAlloc: m.HeapAlloc, Goroutines: runtime.NumGoroutine()})
			reply("ok %s", b)
		case "quit":
			return nil
		default:
			reply("err unknown command %q", f[0])
		}
	}
	return sc.Err()
}

// child is the emulator in a child process.
type child struct {
	cmd  *exec.Cmd
	info emuInfo

	inMu sync.Mutex
	in   io.WriteCloser

	callMu  sync.Mutex // one synchronous command at a time
	replies chan string
	pushed  chan string
	readErr chan error
}

// startChild starts exe (normally this binary) with args and waits for its "ready" line. extraEnv
// is added to the child's environment.
func startChild(exe string, args []string, extraEnv ...string) (*child, error) {
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), extraEnv...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, in: in, replies: make(chan string, 1), pushed: make(chan string, 1), readErr: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		first := true
		for sc.Scan() {
			line := sc.Text()
			switch {
			case first:
				first = false
				ready <- line
			case strings.HasPrefix(line, "pushed"):
				c.pushed <- strings.TrimSpace(strings.TrimPrefix(line, "pushed"))
			default:
				c.replies <- line
			}
		}
		c.readErr <- sc.Err()
		close(c.replies)
	}()
	select {
	case line := <-ready:
		rest, ok := strings.CutPrefix(line, "ready ")
		if !ok || json.Unmarshal([]byte(rest), &c.info) != nil {
			_ = c.Close()
			return nil, fmt.Errorf("emulator child: unexpected first line %q", line)
		}
	case <-time.After(30 * time.Second):
		_ = c.Close()
		return nil, errors.New("emulator child: not ready after 30 s")
	}
	return c, nil
}

func (c *child) send(line string) error {
	c.inMu.Lock()
	defer c.inMu.Unlock()
	_, err := io.WriteString(c.in, line+"\n")
	return err
}

// call sends a command and returns the text after "ok".
func (c *child) call(format string, a ...any) (string, error) {
	c.callMu.Lock()
	defer c.callMu.Unlock()
	if err := c.send(fmt.Sprintf(format, a...)); err != nil {
		return "", err
	}
	line, ok := <-c.replies
	if !ok {
		return "", errors.New("emulator child: exited")
	}
	if rest, ok := strings.CutPrefix(line, "ok"); ok {
		return strings.TrimSpace(rest), nil
	}
	return "", fmt.Errorf("emulator child: %s", line)
}

func (c *child) Info() emuInfo { return c.info }

func (c *child) CreateUsers(prefix string, n int) error {
	_, err := c.call("users %s %d", prefix, n)
	return err
}

func (c *child) Push(uid string, n int, startID int64, window int, rate float64) (<-chan error, error) {
	if _, err := c.call("push %s %d %d %d %g", uid, n, startID, window, rate); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() {
		if msg := <-c.pushed; msg != "" {
			done <- errors.New(msg)
			return
		}
		done <- nil
	}()
	return done, nil
}

func (c *child) Credit(k int) { _ = c.send("credit " + strconv.Itoa(k)) }

func (c *child) Drop() error { _, err := c.call("drop"); return err }

func (c *child) Refuse(d time.Duration) error {
	_, err := c.call("refuse %d", d.Milliseconds())
	return err
}

func (c *child) Mem() (emuMem, error) {
	out, err := c.call("mem")
	if err != nil {
		return emuMem{}, err
	}
	var m emuMem
	return m, json.Unmarshal([]byte(out), &m)
}

// Close asks the child to quit and waits for it (killing it after 10 s).
func (c *child) Close() error {
	_ = c.send("quit")
	_ = c.in.Close()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		return <-done
	}
}

// waitPush waits for a push to finish or ctx to end.
func waitPush(ctx context.Context, done <-chan error) error {
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
