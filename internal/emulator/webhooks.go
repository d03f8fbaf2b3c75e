package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Outgoing webhooks (server-api.md §6): every published Event with a
// Trigger is POSTed to the configured webhooks that subscribe to it, as the
// envelope {"trigger","data","appId","region","webhook"} with HTTP Basic
// auth when credentials are set. A delivery succeeds on any 2xx; with
// RetryOnFailure a failed one is tried again after 10 s and then after 30 s
// (Config.WebhookRetryDelays). First attempts to one webhook go out in event
// order; retries run beside them. All delivery goroutines belong to the
// Server and stop on Close.

// WebhookConfig is one outgoing webhook.
type WebhookConfig struct {
	// ID is sent as the envelope's "webhook". Default "webhook-{n}" (1-based).
	ID string
	// URL receives the POSTs (http or https).
	URL string
	// Username and Password, when Username is set, are sent as HTTP Basic
	// credentials (useBasicAuth).
	Username, Password string
	// Triggers lists the triggers delivered (e.g. "message_sent"); empty
	// means every trigger.
	Triggers []string
	// RetryOnFailure retries a failed delivery (non-2xx or no answer) after
	// each of Config.WebhookRetryDelays.
	RetryOnFailure bool
}

// WebhookStats counts delivery attempts.
type WebhookStats struct {
	// Delivered attempts got a 2xx; Failed attempts did not; GaveUp
	// deliveries failed on every attempt (or were cut short by Close).
	Delivered, Failed, GaveUp int64
}

// defaultWebhookRetryDelays are the documented retry delays.
var defaultWebhookRetryDelays = []time.Duration{10 * time.Second, 30 * time.Second}

// maxWebhooks is the per-app limit (rules-and-limits.md §4).
const maxWebhooks = 25

// webhookDelivery is one envelope bound for one webhook.
type webhookDelivery struct {
	hook *WebhookConfig
	body []byte
}

// webhookQueue is the unbounded, ordered queue of one webhook.
type webhookQueue struct {
	mu     sync.Mutex
	items  []webhookDelivery
	notify chan struct{} // capacity 1
}

func (q *webhookQueue) push(d webhookDelivery) {
	q.mu.Lock()
	q.items = append(q.items, d)
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

func (q *webhookQueue) pop() (webhookDelivery, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return webhookDelivery{}, false
	}
	d := q.items[0]
	q.items[0] = webhookDelivery{}
	q.items = q.items[1:]
	return d, true
}

// webhookDispatcher delivers events to the configured webhooks.
type webhookDispatcher struct {
	s      *Server
	hooks  []*WebhookConfig
	queues []*webhookQueue
	client *http.Client
	delays []time.Duration

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	delivered, failed, gaveUp atomic.Int64
}

// validateWebhooks checks the webhook configuration and fills in ids.
func validateWebhooks(hooks []WebhookConfig, delays []time.Duration) ([]*WebhookConfig, error) {
	if len(hooks) > maxWebhooks {
		return nil, fmt.Errorf("emulator: at most %d webhooks", maxWebhooks)
	}
	for _, d := range delays {
		if d < 0 {
			return nil, errors.New("emulator: negative WebhookRetryDelays entry")
		}
	}
	out := make([]*WebhookConfig, len(hooks))
	seen := map[string]bool{}
	for i, h := range hooks {
		u, err := url.Parse(h.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("emulator: webhook %d: URL %q is not an absolute http(s) URL", i+1, h.URL)
		}
		if h.ID == "" {
			h.ID = fmt.Sprintf("webhook-%d", i+1)
		}
		if seen[h.ID] {
			return nil, fmt.Errorf("emulator: duplicate webhook id %q", h.ID)
		}
		seen[h.ID] = true
		h.Triggers = slices.Clone(h.Triggers)
		out[i] = &h
	}
	return out, nil
}

// startWebhooks subscribes the dispatcher to the event hook and starts one
// worker per webhook. Nothing starts when no webhook is configured.
func (s *Server) startWebhooks(hooks []*WebhookConfig) {
	if len(hooks) == 0 {
		return
	}
	delays := s.cfg.WebhookRetryDelays
	if delays == nil {
		delays = defaultWebhookRetryDelays
	}
	client := s.cfg.WebhookClient
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	d := &webhookDispatcher{s: s, hooks: hooks, client: client, delays: slices.Clone(delays)}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	for range hooks {
		d.queues = append(d.queues, &webhookQueue{notify: make(chan struct{}, 1)})
	}
	s.webhooks = d
	s.mu.Lock()
	s.addEventSinkLocked(d.enqueue)
	s.mu.Unlock()
	for i := range hooks {
		d.wg.Add(1)
		go d.worker(i)
	}
	s.onClose(d.close)
}

// WebhookStats returns the delivery counters (zero without webhooks).
func (s *Server) WebhookStats() WebhookStats {
	d := s.webhooks
	if d == nil {
		return WebhookStats{}
	}
	return WebhookStats{Delivered: d.delivered.Load(), Failed: d.failed.Load(), GaveUp: d.gaveUp.Load()}
}

// webhookEnvelope is the body of a delivery (server-api.md §6.4).
type webhookEnvelope struct {
	Trigger string `json:"trigger"`
	Data    any    `json:"data"`
	AppID   string `json:"appId"`
	Region  string `json:"region"`
	Webhook string `json:"webhook"`
}

// enqueue is the event sink. It runs with s.mu held: it encodes the
// envelope (a snapshot of the data at publish time) and queues it.
func (d *webhookDispatcher) enqueue(ev Event) {
	if ev.Trigger == "" {
		return
	}
	for i, h := range d.hooks {
		if len(h.Triggers) > 0 && !slices.Contains(h.Triggers, ev.Trigger) {
			continue
		}
		data := ev.WebhookData
		if data == nil {
			data = map[string]any{}
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(webhookEnvelope{Trigger: ev.Trigger, Data: data, AppID: d.s.cfg.AppID,
			Region: d.s.cfg.Region, Webhook: h.ID}); err != nil {
			d.s.log.Error("webhook payload cannot be encoded", "trigger", ev.Trigger, "err", err)
			continue
		}
		d.queues[i].push(webhookDelivery{hook: h, body: buf.Bytes()})
	}
}

// worker makes the first attempt of each delivery of webhook i, in order.
func (d *webhookDispatcher) worker(i int) {
	defer d.wg.Done()
	q := d.queues[i]
	for {
		del, ok := q.pop()
		if !ok {
			select {
			case <-q.notify:
				continue
			case <-d.ctx.Done():
				return
			}
		}
		if d.attempt(del) {
			continue
		}
		if !del.hook.RetryOnFailure || len(d.delays) == 0 {
			d.gaveUp.Add(1)
			continue
		}
		d.wg.Add(1)
		go d.retry(del)
	}
}

// retry waits out each retry delay and tries again.
func (d *webhookDispatcher) retry(del webhookDelivery) {
	defer d.wg.Done()
	for _, delay := range d.delays {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-d.ctx.Done():
			t.Stop()
			d.gaveUp.Add(1)
			return
		}
		if d.attempt(del) {
			return
		}
	}
	d.gaveUp.Add(1)
}

// attempt POSTs one delivery and reports whether it got a 2xx.
func (d *webhookDispatcher) attempt(del webhookDelivery) bool {
	req, err := http.NewRequestWithContext(d.ctx, http.MethodPost, del.hook.URL, bytes.NewReader(del.body))
	if err != nil {
		d.failed.Add(1)
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "cometchat-emulator-webhook")
	if del.hook.Username != "" {
		req.SetBasicAuth(del.hook.Username, del.hook.Password)
	}
	resp, err := d.client.Do(req)
	if err != nil {
		d.failed.Add(1)
		d.s.log.Debug("webhook delivery failed", "webhook", del.hook.ID, "err", err)
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		d.failed.Add(1)
		d.s.log.Debug("webhook delivery rejected", "webhook", del.hook.ID, "status", resp.StatusCode)
		return false
	}
	d.delivered.Add(1)
	return true
}

// close stops every delivery goroutine and waits for them. Undelivered
// events are dropped.
func (d *webhookDispatcher) close() {
	d.cancel()
	d.wg.Wait()
}
