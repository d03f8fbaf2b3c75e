package main

import (
	"context"
	"fmt"

	"github.com/cometchat-go/cometchat"
)

// The realtime part of the tour: a message arriving through a listener, a typing indicator, and a
// read receipt going back to the sender. Both clients opened their realtime connection at login.

// realtimeStep runs after the other steps; it only looks at the events it causes itself.
func realtimeStep(ctx context.Context, alice, bob *cometchat.Client) error {
	for _, c := range []*cometchat.Client{alice, bob} {
		if err := c.Connect(ctx); err != nil { // waits until the connection is up
			return fmt.Errorf("connect: %w", err)
		}
	}
	const text = "Are you there, Alice?"
	arrived := make(chan *cometchat.TextMessage, 1)
	typing := make(chan *cometchat.TypingIndicator, 1)
	// Callbacks run on the Client's dispatcher goroutine; hand the events to this one.
	removeAlice := alice.AddMessageListener("quickstart", cometchat.MessageListener{
		OnTextMessageReceived: func(m *cometchat.TextMessage) {
			if m.Text == text {
				arrived <- m
			}
		},
		OnTypingStarted: func(t *cometchat.TypingIndicator) {
			select {
			case typing <- t:
			default:
			}
		},
	})
	defer removeAlice()
	read := make(chan *cometchat.MessageReceipt, 1)
	removeBob := bob.AddMessageListener("quickstart", cometchat.MessageListener{
		OnMessagesRead: func(r *cometchat.MessageReceipt) {
			select {
			case read <- r:
			default:
			}
		},
	})
	defer removeBob()

	if err := bob.StartTyping(ctx, "quickstart-alice", cometchat.ReceiverTypeUser, nil); err != nil {
		return fmt.Errorf("start typing: %w", err)
	}
	select {
	case t := <-typing:
		fmt.Printf("Alice sees: %s is typing…\n", t.Sender.Name)
	case <-ctx.Done():
		return ctx.Err()
	}
	if _, err := bob.SendText(ctx, "quickstart-alice", cometchat.ReceiverTypeUser, text); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	if err := bob.EndTyping(ctx, "quickstart-alice", cometchat.ReceiverTypeUser, nil); err != nil {
		return fmt.Errorf("end typing: %w", err)
	}
	var m *cometchat.TextMessage
	select {
	case m = <-arrived:
		fmt.Printf("Alice's listener got %q from %s (message %s)\n", m.Text, m.Sender().Name, m.ID())
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := alice.MarkAsRead(ctx, m); err != nil {
		return fmt.Errorf("mark read: %w", err)
	}
	select {
	case r := <-read:
		fmt.Printf("Bob's listener: %s read message %s\n", r.Sender.Name, r.MessageID)
	case <-ctx.Done():
		return ctx.Err()
	}
	st := alice.RealtimeStats()
	fmt.Printf("Alice's connection: %s, %d frames in, last ping round trip %v\n", st.Status, st.FramesIn, st.LastRTT)
	return nil
}
