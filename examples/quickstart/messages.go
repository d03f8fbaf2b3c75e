package main

import (
	"context"
	"fmt"

	"github.com/cometchat-go/cometchat"
)

// The messages part of the tour: a 1:1 exchange, a group message, a reaction, unread counts, and
// the history read back page by page.

// messagesStep runs after groupsStep: bob is a member of quickstartGUID by then.
func messagesStep(ctx context.Context, alice, bob *cometchat.Client) error {
	hello, err := alice.SendText(ctx, "quickstart-bob", cometchat.ReceiverTypeUser, "Hi Bob! Lunch today?")
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	fmt.Printf("Alice -> Bob: %q (message %s, muid %s)\n", hello.Text, hello.ID(), hello.MUID())

	unread, err := bob.GetUnreadMessageCountForUser(ctx, "quickstart-alice", false)
	if err != nil {
		return fmt.Errorf("unread count: %w", err)
	}
	fmt.Printf("Bob has %d unread message(s) from Alice\n", unread)

	reply := cometchat.NewTextMessage("quickstart-alice", cometchat.ReceiverTypeUser,
		"Sure "+cometchat.Mention("quickstart-alice")+", 12:30?")
	reply.QuotedMessageID = hello.ID()
	sent, err := bob.SendMessage(ctx, reply)
	if err != nil {
		return fmt.Errorf("reply: %w", err)
	}
	fmt.Printf("Bob -> Alice: %q (mentions Alice: %v)\n", sent.(*cometchat.TextMessage).Text, sent.Base().HasMentioned("quickstart-alice"))
	if err := bob.MarkConversationAsRead(ctx, "quickstart-alice", cometchat.ReceiverTypeUser); err != nil {
		return fmt.Errorf("mark read: %w", err)
	}
	if _, err := alice.SendText(ctx, "quickstart-bob", cometchat.ReceiverTypeUser, "12:30 it is, see you!"); err != nil {
		return fmt.Errorf("send: %w", err)
	}

	news, err := alice.SendText(ctx, quickstartGUID, cometchat.ReceiverTypeGroup, "Team: the demo is at 3pm.")
	if err != nil {
		return fmt.Errorf("group message: %w", err)
	}
	fmt.Printf("Alice -> %s: %q\n", quickstartGUID, news.Text)

	reacted, err := bob.AddReaction(ctx, news.ID(), "👍")
	if err != nil {
		return fmt.Errorf("reaction: %w", err)
	}
	for _, r := range reacted.Base().Reactions {
		fmt.Printf("Reactions on the group message: %s x%d (by Bob: %v)\n", r.Reaction, r.Count, r.ReactedByMe)
	}

	// History, newest page first, two messages a page, back to the start of the conversation.
	req, err := cometchat.NewMessagesRequestBuilder().SetUID("quickstart-bob").SetLimit(2).Build(alice)
	if err != nil {
		return err
	}
	fmt.Println("Alice reads her conversation with Bob back, page by page:")
	for pageNo := 1; ; pageNo++ {
		page, err := req.FetchPrevious(ctx)
		if err != nil {
			return fmt.Errorf("history: %w", err)
		}
		if len(page) == 0 {
			break
		}
		for _, m := range page {
			line := m.Category()
			if t, ok := m.(*cometchat.TextMessage); ok {
				line = cometchat.Category(fmt.Sprintf("%q", t.Text))
			}
			fmt.Printf("  page %d: #%s %s: %s\n", pageNo, m.ID(), m.Sender().Name, line)
		}
	}
	return nil
}
