package webhook_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"strings"

	"github.com/cometchat-go/cometchat/webhook"
)

func ExampleNewHandler() {
	h, err := webhook.NewHandler(webhook.Config{
		Username: "cometchat", Password: "a-long-random-secret",
		Handlers: webhook.Handlers{
			MessageSent: func(_ context.Context, ev *webhook.MessageEvent) error {
				fmt.Printf("%s said %q\n", ev.Message.Sender, ev.Message.Text())
				return nil
			},
			Other: func(_ context.Context, env *webhook.Envelope) error {
				fmt.Println("unhandled trigger", env.Trigger)
				return nil
			},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	// In a server: http.Handle("/cometchat/webhook", h). Here, two deliveries by hand.
	for _, body := range []string{
		`{"trigger":"message_sent","data":{"message":{"id":"1","sender":"ada","receiver":"bot","receiverType":"user","category":"message","type":"text","data":{"text":"status?"}}},"appId":"app","region":"us","webhook":"w1"}`,
		`{"trigger":"after_feed_item_read","data":{},"appId":"app","region":"us","webhook":"w1"}`,
	} {
		req := httptest.NewRequest("POST", "/cometchat/webhook", strings.NewReader(body))
		req.SetBasicAuth("cometchat", "a-long-random-secret")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println("answered", rec.Code)
	}
	// Output:
	// ada said "status?"
	// answered 200
	// unhandled trigger after_feed_item_read
	// answered 200
}
