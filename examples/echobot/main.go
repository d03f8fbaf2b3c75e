// Command echobot is a bot that answers every text message it receives with an echo, keeps going
// when its connection drops (the SDK reconnects with back-off and replays what it missed), and shuts
// down cleanly on Ctrl-C.
//
// With no configuration it starts the CometChat emulator in-process, plays a user who keeps talking
// to the bot, and drops the bot's connection every few seconds to show that nothing is lost:
//
//	go run ./examples/echobot               # until Ctrl-C
//	go run ./examples/echobot -messages 20  # stop after 20 answered messages
//
// Against a real app set COMETCHAT_APP_ID, COMETCHAT_REGION, COMETCHAT_AUTH_KEY (and optionally
// COMETCHAT_BOT_UID, default "echobot"); -cursor FILE makes a restarted bot resume where it stopped.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/cometchattest"
)

func main() {
	messages := flag.Int("messages", 0, "stop after answering this many messages (0: run until Ctrl-C)")
	cursorFile := flag.String("cursor", "", "file that keeps the catch-up position between runs")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, config{messages: *messages, cursorFile: *cursorFile, out: os.Stdout}); err != nil {
		fmt.Fprintln(os.Stderr, "echobot:", err)
		os.Exit(1)
	}
}

type config struct {
	messages   int
	cursorFile string
	out        io.Writer
	// dropEvery is how often the demo drops the bot's connection (emulator only).
	dropEvery time.Duration
	// sendEvery is how often the demo user talks to the bot (emulator only).
	sendEvery time.Duration
}

func run(ctx context.Context, cfg config) error {
	if cfg.dropEvery == 0 {
		cfg.dropEvery = 3 * time.Second
	}
	if cfg.sendEvery == 0 {
		cfg.sendEvery = 700 * time.Millisecond
	}
	settings, authKey, emu, err := target()
	if err != nil {
		return err
	}
	if emu != nil {
		defer emu.Close()
	}
	botUID := os.Getenv("COMETCHAT_BOT_UID")
	if botUID == "" {
		botUID = "echobot"
	}

	var opts []cometchat.Option
	if cfg.cursorFile != "" {
		opts = append(opts, cometchat.WithCursorStore(fileCursorStore{path: cfg.cursorFile}))
	}
	bot, err := cometchat.Init(settings, opts...)
	if err != nil {
		return err
	}
	defer bot.Close() // stops the connection and waits for every goroutine of the Client

	if _, err := bot.CreateUser(ctx, &cometchat.User{UID: botUID, Name: "Echo Bot"}, authKey); err != nil && !errors.Is(err, cometchat.ErrUIDAlreadyExists) {
		return fmt.Errorf("create the bot user: %w", err)
	}

	answered := make(chan struct{}, 1024)
	bot.AddConnectionListener("log", cometchat.ConnectionListener{
		OnConnected:    func() { fmt.Fprintln(cfg.out, "[bot] connected") },
		OnDisconnected: func() { fmt.Fprintln(cfg.out, "[bot] disconnected") },
		OnReconnecting: func(r cometchat.ReconnectInfo) {
			fmt.Fprintf(cfg.out, "[bot] reconnecting in %v (attempt %d)\n", r.Backoff.Round(time.Millisecond), r.Attempt)
		},
		OnResynced: func(r cometchat.ResyncInfo) {
			if r.Replayed > 0 {
				fmt.Fprintf(cfg.out, "[bot] caught up on %d missed message(s)\n", r.Replayed)
			}
		},
		OnError: func(err error) { fmt.Fprintln(cfg.out, "[bot] error:", err) },
	})
	bot.AddMessageListener("echo", cometchat.MessageListener{
		// Callbacks run one at a time on the Client's dispatcher and may call the Client.
		OnTextMessageReceived: func(m *cometchat.TextMessage) {
			ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			to, rt := m.SenderUID(), cometchat.ReceiverTypeUser
			if m.ReceiverType() == cometchat.ReceiverTypeGroup {
				to, rt = m.ReceiverID(), cometchat.ReceiverTypeGroup
			}
			_ = bot.MarkAsRead(ctx, m)
			if _, err := bot.SendText(ctx, to, rt, "echo: "+m.Text); err != nil {
				if errors.Is(err, cometchat.ErrClosed) {
					return // Close began while this message was being handled: the bot is shutting down
				}
				fmt.Fprintln(cfg.out, "[bot] reply failed:", err)
				return
			}
			how := "live"
			if m.Replayed {
				how = "replayed"
			}
			fmt.Fprintf(cfg.out, "[bot] answered %q from %s (%s)\n", m.Text, m.SenderUID(), how)
			answered <- struct{}{}
		},
	})
	if _, err := bot.Login(ctx, botUID, authKey); err != nil {
		return fmt.Errorf("login: %w", err)
	}
	if err := bot.Connect(ctx); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	var demo sync.WaitGroup
	demoCtx, stopDemo := context.WithCancel(ctx)
	defer func() {
		stopDemo()
		demo.Wait()
	}()
	if emu != nil {
		if err := startDemo(demoCtx, &demo, emu, settings, authKey, botUID, cfg); err != nil {
			return err
		}
	}
	fmt.Fprintf(cfg.out, "[bot] %s is listening; Ctrl-C to stop\n", botUID)

	for n := 0; cfg.messages == 0 || n < cfg.messages; n++ {
		select {
		case <-answered:
		case <-ctx.Done():
			fmt.Fprintln(cfg.out, "[bot] shutting down")
			return nil
		}
	}
	fmt.Fprintf(cfg.out, "[bot] answered %d messages, done\n", cfg.messages)
	return nil
}

// target is the real app from the environment, or an emulator started in-process.
func target() (cometchat.AppSettings, string, *cometchattest.Server, error) {
	appID, region, authKey := os.Getenv("COMETCHAT_APP_ID"), os.Getenv("COMETCHAT_REGION"), os.Getenv("COMETCHAT_AUTH_KEY")
	if appID != "" || authKey != "" {
		if appID == "" || authKey == "" {
			return cometchat.AppSettings{}, "", nil, errors.New("set both COMETCHAT_APP_ID and COMETCHAT_AUTH_KEY, or neither")
		}
		return cometchat.AppSettings{AppID: appID, Region: cometchat.Region(region), Logger: slog.Default()}, authKey, nil, nil
	}
	srv, err := cometchattest.Start()
	if err != nil {
		return cometchat.AppSettings{}, "", nil, err
	}
	fmt.Printf("No COMETCHAT_* configuration: started the embedded emulator at %s\n", srv.URL())
	return srv.Settings(), srv.AuthKey(), srv, nil
}

// dropper is the emulator's fault injection, when the test server exposes it.
type dropper interface{ DropAllConnections() int }

// startDemo plays a user who keeps talking to the bot, and drops the bot's connection now and then.
func startDemo(ctx context.Context, wg *sync.WaitGroup, emu *cometchattest.Server, settings cometchat.AppSettings,
	authKey, botUID string, cfg config) error {
	settings.DisableAutoConnect = true // the demo user only sends, over REST
	user, err := cometchat.Init(settings)
	if err != nil {
		return err
	}
	if _, err := user.CreateUser(ctx, &cometchat.User{UID: "demo-user", Name: "Demo User"}, authKey); err != nil && !errors.Is(err, cometchat.ErrUIDAlreadyExists) {
		user.Close()
		return err
	}
	if _, err := user.Login(ctx, "demo-user", authKey); err != nil {
		user.Close()
		return err
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer user.Close()
		send := time.NewTicker(cfg.sendEvery)
		defer send.Stop()
		drop := time.NewTicker(cfg.dropEvery)
		defer drop.Stop()
		for n := 1; ; {
			select {
			case <-ctx.Done():
				return
			case <-send.C:
				if _, err := user.SendText(ctx, botUID, cometchat.ReceiverTypeUser, fmt.Sprintf("hello #%d", n)); err == nil {
					n++
				}
			case <-drop.C:
				if d, ok := any(emu).(dropper); ok {
					fmt.Fprintf(cfg.out, "[demo] the emulator drops %d connection(s)\n", d.DropAllConnections())
				}
			}
		}
	}()
	return nil
}

// fileCursorStore keeps the catch-up position in a small JSON file.
type fileCursorStore struct{ path string }

func (f fileCursorStore) LoadCursor(_ context.Context, appID, uid string) (cometchat.MessageID, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var m map[string]cometchat.MessageID
	if err := json.Unmarshal(b, &m); err != nil {
		return 0, err
	}
	return m[appID+"/"+strings.ToLower(uid)], nil
}

func (f fileCursorStore) SaveCursor(_ context.Context, appID, uid string, id cometchat.MessageID) error {
	m := map[string]cometchat.MessageID{}
	if b, err := os.ReadFile(f.path); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	m[appID+"/"+strings.ToLower(uid)] = id
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(f.path), "."+filepath.Base(f.path)+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, f.path) // atomic: a crash leaves the old or the new position
}
