package cometchat

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFlagMessageSendsReasonAndRemark(t *testing.T) {
	f, c, sent := loggedInFake(t)
	f.reply("POST /v3.0/messages/42/flagged", 200, `{"data":{"success":true,"message":"The message 42 has been flagged."}}`)
	require.NoError(t, c.FlagMessage(context.Background(), 42, "spam", "ads again"))
	require.NoError(t, c.FlagMessage(context.Background(), 42, "other", ""))
	reqs := sent()
	require.Len(t, reqs, 2)
	assert.Equal(t, "POST", reqs[0].Method)
	assert.Equal(t, "/v3.0/messages/42/flagged", reqs[0].Path)
	assert.JSONEq(t, `{"id":"spam","remark":"ads again"}`, string(reqs[0].Body))
	assert.JSONEq(t, `{"id":"other"}`, string(reqs[1].Body), "no remark: the key is left out")
}

func TestFlagMessageValidatesLocally(t *testing.T) {
	_, c, sent := loggedInFake(t)
	err := c.FlagMessage(context.Background(), 42, "  ", "x")
	require.ErrorIs(t, err, ErrInvalidReasonID)
	var e *Error
	require.True(t, errors.As(err, &e))
	assert.True(t, e.Local)
	assert.Equal(t, "INVALID_REASON_ID", e.Code)
	assert.ErrorIs(t, c.FlagMessage(context.Background(), 0, "spam", ""), ErrInvalidValue)
	assert.Empty(t, sent())
}

func TestFlagMessagePassesServiceErrorsThrough(t *testing.T) {
	f, c, _ := loggedInFake(t)
	f.reply("POST /v3.0/messages/42/flagged", 400, `{"error":{"code":"ERR_BAD_REQUEST","message":"Failed to validate the data sent with the request.","details":{"id":["The selected id is invalid."]}}}`)
	err := c.FlagMessage(context.Background(), 42, "rude", "")
	assert.ErrorIs(t, err, ErrBadRequest)
}

func TestFlagReasonsFromSettings(t *testing.T) {
	var s ServerSettings
	require.NoError(t, json.Unmarshal([]byte(`{"flagReasons":[
		{"id":"spam","name":"Spam","description":"Ads","default":true,"createdAt":1700000000,"updatedAt":"1700000001"},
		{"id":7,"name":"Seven","default":"0"},
		"not an object"
	]}`), &s))
	assert.Equal(t, []FlagReason{
		{ID: "spam", Name: "Spam", Description: "Ads", Default: true, CreatedAt: 1700000000, UpdatedAt: 1700000001},
		{ID: "7", Name: "Seven"},
	}, s.FlagReasons())
	assert.Nil(t, ServerSettings{}.FlagReasons())
	require.NoError(t, json.Unmarshal([]byte(`{"flagReasons":"nope"}`), &s))
	assert.Nil(t, s.FlagReasons())
}
