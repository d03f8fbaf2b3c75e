package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/cometchat-go/cometchat"
)

// The groups part of the tour: Alice creates a public group, Bob joins it, Alice lists its members
// and makes Bob a moderator.

// quickstartGUID is the tour's group. Against a real app it may exist from an earlier run; the
// step then reuses it.
const quickstartGUID = "quickstart-team"

// groupsStep creates a group as alice, joins it as bob and lists its members.
func groupsStep(ctx context.Context, alice, bob *cometchat.Client) error {
	g, err := alice.CreateGroup(ctx, &cometchat.Group{GUID: quickstartGUID, Name: "Quickstart team", Type: cometchat.GroupTypePublic})
	switch {
	case errors.Is(err, cometchat.ErrGUIDAlreadyExists):
		if g, err = alice.GetGroup(ctx, quickstartGUID); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("create group: %w", err)
	}
	fmt.Printf("Alice created the group %s (owner %s, her scope: %s)\n", g, g.Owner, g.Scope)

	joined, err := bob.JoinGroup(ctx, quickstartGUID, cometchat.GroupTypePublic, "")
	if err != nil && !errors.Is(err, cometchat.ErrAlreadyJoined) {
		return fmt.Errorf("join group: %w", err)
	}
	if joined != nil {
		fmt.Printf("Bob joined %s as a %s\n", joined, joined.Scope)
	}

	if err := alice.UpdateGroupMemberScope(ctx, quickstartGUID, "quickstart-bob", cometchat.ScopeModerator); err != nil &&
		!errors.Is(err, cometchat.ErrSameScope) {
		return fmt.Errorf("promote bob: %w", err)
	}

	req, err := cometchat.NewGroupMembersRequestBuilder(quickstartGUID).SetLimit(10).Build(alice)
	if err != nil {
		return err
	}
	fmt.Println("Members of the group:")
	for m, err := range req.All(ctx) {
		if err != nil {
			return fmt.Errorf("list members: %w", err)
		}
		fmt.Printf("  %s, %s\n", m.User.String(), m.Scope)
	}
	return nil
}
