package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/internal/realtime"
)

// End to end on loopback: the emulator pushes n message frames to one connected receiver, which is
// either the SDK (a logged-in Client with a MessageListener) or the bare baseline (a plain
// coder/websocket reader that authenticates with the same auth frame and only reads and
// json.Unmarshals each frame into a map). Both receivers take the push time out of the message text
// and record push→handler latency; the push is flow-controlled by a window of frames the receiver
// credits back as it consumes, so the run measures the receiver's capacity without overflowing the
// emulator's per-connection queue or the SDK's event buffer.

// e2eResult is one receiver run.
type e2eResult struct {
	Receiver        string
	Events          int
	Elapsed         time.Duration
	P50, P99, Max   time.Duration
	AllocsPerEvent  float64
	BytesPerEvent   float64
	Dropped, Dupes  int64
	PushRate        float64 // 0: saturated
	ProfileRecorded bool
}

// EventsPerSec is the receiver's throughput.
func (r e2eResult) EventsPerSec() float64 { return float64(r.Events) / r.Elapsed.Seconds() }

// e2eConfig is one run's parameters.
type e2eConfig struct {
	N       int
	Window  int
	Rate    float64 // frames per second; 0 saturates
	StartID int64
	UID     string
}

// creditStep is how many consumed frames the receiver returns to the window at once.
func creditStep(window int) int { return max(1, window/4) }

// latencyRecorder collects per-frame latencies, indexed by message id.
type latencyRecorder struct {
	cfg   e2eConfig
	be    backend
	lat   []int64
	got   int
	last  time.Time
	done  chan struct{}
	step  int
	extra int // frames outside the id range (should stay 0)
}

func newLatencyRecorder(cfg e2eConfig, be backend) *latencyRecorder {
	return &latencyRecorder{cfg: cfg, be: be, lat: make([]int64, cfg.N), done: make(chan struct{}), step: creditStep(cfg.Window)}
}

// record is the handler's work: called once per received frame, on one goroutine.
func (r *latencyRecorder) record(id int64, text string) {
	now := time.Now()
	pushedAt, _ := strconv.ParseInt(text, 10, 64)
	i := id - r.cfg.StartID
	if i < 0 || i >= int64(r.cfg.N) {
		r.extra++
		return
	}
	r.lat[i] = now.UnixNano() - pushedAt
	r.got++
	r.last = now
	if r.got%r.step == 0 {
		r.be.Credit(r.step)
	}
	if r.got == r.cfg.N {
		close(r.done)
	}
}

// run pushes and waits until every frame arrived; it returns the throughput and latency figures.
func (r *latencyRecorder) run(ctx context.Context, name string, stats func() (dropped, dupes int64)) (e2eResult, error) {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start := time.Now()
	pushed, err := r.be.Push(r.cfg.UID, r.cfg.N, r.cfg.StartID, r.cfg.Window, r.cfg.Rate)
	if err != nil {
		return e2eResult{}, err
	}
	select {
	case <-r.done:
	case err := <-pushed:
		if err != nil {
			return e2eResult{}, fmt.Errorf("%s: push: %w", name, err)
		}
		select {
		case <-r.done:
		case <-ctx.Done():
			return e2eResult{}, r.stalled(name, stats)
		}
		pushed = nil
	case <-ctx.Done():
		return e2eResult{}, r.stalled(name, stats)
	}
	if pushed != nil {
		if err := waitPush(ctx, pushed); err != nil {
			return e2eResult{}, err
		}
	}
	runtime.ReadMemStats(&m1)
	res := e2eResult{Receiver: name, Events: r.cfg.N, Elapsed: r.last.Sub(start), PushRate: r.cfg.Rate,
		AllocsPerEvent: float64(m1.Mallocs-m0.Mallocs) / float64(r.cfg.N), BytesPerEvent: float64(m1.TotalAlloc-m0.TotalAlloc) / float64(r.cfg.N)}
	res.P50, res.P99, res.Max = percentiles(r.lat)
	if stats != nil {
		res.Dropped, res.Dupes = stats()
	}
	return res, nil
}

func (r *latencyRecorder) stalled(name string, stats func() (int64, int64)) error {
	var dropped, dupes int64
	if stats != nil {
		dropped, dupes = stats()
	}
	return fmt.Errorf("%s: stalled after %d of %d frames (dropped %d, duplicates %d, out of range %d)", name, r.got, r.cfg.N, dropped, dupes, r.extra)
}

// sdkSettings are AppSettings pinned at the emulator.
func sdkSettings(info emuInfo) cometchat.AppSettings {
	host := strings.TrimPrefix(info.URL, "http://")
	return cometchat.AppSettings{AppID: info.AppID, Region: cometchat.RegionEU, AllowInsecure: true,
		Endpoints: cometchat.Endpoints{ClientAPI: info.URL + "/v3.0", AdminAPI: info.URL + "/v3.0", WebSocket: "ws://" + host + "/"}}
}

// loginSDK logs uid in and waits until the realtime connection is up and the login catch-up ran.
func loginSDK(ctx context.Context, info emuInfo, uid string) (*cometchat.Client, error) {
	return loginSDKWith(ctx, sdkSettings(info), uid, info.AuthKey)
}

// loginSDKWith is loginSDK with explicit settings.
func loginSDKWith(ctx context.Context, st cometchat.AppSettings, uid, authKey string) (*cometchat.Client, error) {
	c, err := cometchat.Init(st)
	if err != nil {
		return nil, err
	}
	resynced := make(chan struct{}, 1)
	remove := c.AddConnectionListener("bench-login", cometchat.ConnectionListener{OnResynced: func(cometchat.ResyncInfo) {
		select {
		case resynced <- struct{}{}:
		default:
		}
	}})
	defer remove()
	if _, err := c.Login(ctx, uid, authKey); err != nil {
		_ = c.Close()
		return nil, err
	}
	if err := c.Connect(ctx); err != nil {
		_ = c.Close()
		return nil, err
	}
	select {
	case <-resynced:
	case <-ctx.Done():
		_ = c.Close()
		return nil, fmt.Errorf("%s: no catch-up after connecting: %w", uid, ctx.Err())
	}
	return c, nil
}

// runSDKReceiver is one end-to-end run with the SDK as the receiver.
func runSDKReceiver(ctx context.Context, be backend, cfg e2eConfig, profile func() func()) (e2eResult, error) {
	c, err := loginSDK(ctx, be.Info(), cfg.UID)
	if err != nil {
		return e2eResult{}, err
	}
	defer c.Close()
	rec := newLatencyRecorder(cfg, be)
	c.AddMessageListener("bench", cometchat.MessageListener{OnTextMessageReceived: func(m *cometchat.TextMessage) {
		rec.record(int64(m.ID()), m.Text)
	}})
	stop := func() {}
	if profile != nil {
		stop = profile()
	}
	res, err := rec.run(ctx, "SDK", func() (int64, int64) {
		st := c.RealtimeStats()
		return st.Dropped, st.Duplicates
	})
	stop()
	res.ProfileRecorded = profile != nil
	return res, err
}

// runBaselineReceiver is one end-to-end run with the bare reader.
func runBaselineReceiver(ctx context.Context, be backend, cfg e2eConfig, profile func() func()) (e2eResult, error) {
	info := be.Info()
	jwt, err := plainLogin(ctx, info, cfg.UID)
	if err != nil {
		return e2eResult{}, err
	}
	host := strings.TrimPrefix(info.URL, "http://")
	conn, _, err := websocket.Dial(ctx, "ws://"+host+"/", nil)
	if err != nil {
		return e2eResult{}, err
	}
	defer conn.CloseNow()
	conn.SetReadLimit(realtime.DefaultReadLimit)
	auth, err := realtime.AuthFrame(realtime.Identity{AppID: info.AppID, UID: cfg.UID, SessionID: "bench-baseline-session",
		DeviceID: "bench-baseline-device", Version: cometchat.Version, APIVersion: "v3.0", Platform: "go", UserAgent: "baseline"}, jwt, time.Now())
	if err != nil {
		return e2eResult{}, err
	}
	if err := conn.Write(ctx, websocket.MessageText, auth); err != nil {
		return e2eResult{}, err
	}
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			return e2eResult{}, fmt.Errorf("baseline: waiting for the auth reply: %w", err)
		}
		var m map[string]any
		if json.Unmarshal(b, &m) == nil && m["type"] == "auth" {
			if body, _ := m["body"].(map[string]any); body["status"] != "OK" {
				return e2eResult{}, fmt.Errorf("baseline: auth refused: %s", b)
			}
			break
		}
	}
	rec := newLatencyRecorder(cfg, be)
	readCtx, cancel := context.WithCancel(ctx)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		for {
			_, b, err := conn.Read(readCtx)
			if err != nil {
				return
			}
			var m map[string]any
			if json.Unmarshal(b, &m) != nil {
				continue
			}
			body, _ := m["body"].(map[string]any)
			data, _ := body["data"].(map[string]any)
			text, _ := data["text"].(string)
			idStr, _ := body["id"].(string)
			id, err := strconv.ParseInt(idStr, 10, 64)
			if err != nil || m["type"] != "message" {
				continue
			}
			rec.record(id, text)
		}
	}()
	stop := func() {}
	if profile != nil {
		stop = profile()
	}
	res, err := rec.run(ctx, "baseline", nil)
	stop()
	res.ProfileRecorded = profile != nil
	cancel()
	_ = conn.CloseNow()
	<-readDone
	return res, err
}

// plainLogin logs uid in with net/http only (auth token with the Auth Key, then PUT me) and returns
// the JWT for the socket.
func plainLogin(ctx context.Context, info emuInfo, uid string) (string, error) {
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	var tok struct {
		Data struct {
			AuthToken string `json:"authToken"`
		} `json:"data"`
	}
	if err := plainCall(ctx, hc, http.MethodPost, info.URL+"/v3.0/users/"+url.PathEscape(uid)+"/auth_tokens",
		map[string]string{"appId": info.AppID, "apiKey": info.AuthKey}, `{"platform":"go","deviceId":"bench-baseline-device"}`, &tok); err != nil {
		return "", err
	}
	var me struct {
		Data struct {
			JWT string `json:"jwt"`
		} `json:"data"`
	}
	if err := plainCall(ctx, hc, http.MethodPut, info.URL+"/v3.0/me",
		map[string]string{"appId": info.AppID, "authToken": tok.Data.AuthToken, "resource": "bench-baseline-session"},
		`{"platform":"go","deviceId":"bench-baseline-device"}`, &me); err != nil {
		return "", err
	}
	if me.Data.JWT == "" {
		return "", errors.New("baseline: PUT me returned no jwt")
	}
	return me.Data.JWT, nil
}

func plainCall(ctx context.Context, hc *http.Client, method, u string, hdr map[string]string, body string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %d %s", method, u, resp.StatusCode, b)
	}
	return json.Unmarshal(b, out)
}
