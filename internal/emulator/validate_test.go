package emulator

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseFlag(t *testing.T) {
	for in, want := range map[string]bool{`true`: true, `false`: false, `1`: true, `0`: false,
		`"1"`: true, `"TRUE"`: true, `"false"`: false} {
		v, ok := parseFlag(json.RawMessage(in))
		assert.True(t, ok, in)
		assert.Equal(t, want, v, in)
	}
	for _, in := range []string{`null`, `"yes"`, `2`, `{}`} {
		_, ok := parseFlag(json.RawMessage(in))
		assert.False(t, ok, in)
	}
}

func TestValidatorTags(t *testing.T) {
	var v validator
	tags, ok := v.tags("tags", json.RawMessage(`[]`))
	assert.True(t, ok)
	assert.Equal(t, []string{}, tags, "an empty list clears the tags")
	_, ok = v.tags("tags", json.RawMessage(`["a",""]`))
	assert.False(t, ok)
	assert.Equal(t, []string{"The tags.1 field is required."}, v.details["tags.1"])
}

func TestValidatorMetadataCompacts(t *testing.T) {
	var v validator
	md, ok := v.metadata("metadata", json.RawMessage(`{ "a" : [1, 2] }`))
	assert.True(t, ok)
	assert.Equal(t, `{"a":[1,2]}`, string(md))
	assert.NoError(t, v.err())
}
