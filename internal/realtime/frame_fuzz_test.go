package realtime

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzDecodeFrame feeds arbitrary bytes to the reader's envelope decoder. It must never panic; what
// it accepts must be a JSON object whose envelope fields it reports faithfully, with the body kept
// as valid raw JSON and Size equal to the input's length.
func FuzzDecodeFrame(f *testing.F) {
	for _, fr := range benchFrames {
		f.Add([]byte(fr.json))
	}
	for _, s := range []string{``, `null`, `[]`, `"x"`, `{}`, `{"type":1}`, `{"body":null}`, `{"type":"message","body":"str"}`,
		`{"type":"message","body":{"id":` + "\xff" + `}}`, `{"action":"pong","type":"auth","body":[1,2]}`, `{"type":"x","type":"y"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := DecodeFrame(b)
		if err != nil {
			if fr.Type != "" || fr.Body != nil || fr.Size != 0 {
				t.Fatalf("a failed decode returned a partial frame %+v", fr)
			}
			return
		}
		if fr.Size != len(b) {
			t.Fatalf("Size %d, want %d", fr.Size, len(b))
		}
		if len(fr.Body) > 0 && !json.Valid(fr.Body) {
			t.Fatalf("body %q is not valid JSON", fr.Body)
		}
		// The independent reading: the same bytes into a generic map must agree on the strings.
		var m map[string]any
		if json.Unmarshal(b, &m) != nil {
			if string(b) == "null" {
				return
			}
			t.Fatalf("DecodeFrame accepted %q, which is not a JSON object", b)
		}
		for key, got := range map[string]string{"type": fr.Type, "action": fr.Action, "appId": fr.AppID, "deviceId": fr.DeviceID,
			"sender": fr.Sender, "receiver": fr.Receiver, "receiverType": fr.ReceiverType, "messageSender": fr.MessageSender} {
			if foldedOnly(m, key) {
				continue // encoding/json matches keys case-insensitively ("tYpe"); the oracle does not
			}
			want, _ := m[key].(string)
			if got != want {
				t.Fatalf("%s: DecodeFrame says %q, a generic decode says %q (input %q)", key, got, want, b)
			}
		}
	})
}

// foldedOnly reports whether m has a key that equals key only case-insensitively.
func foldedOnly(m map[string]any, key string) bool {
	for k := range m {
		if k != key && strings.EqualFold(k, key) {
			return true
		}
	}
	return false
}
