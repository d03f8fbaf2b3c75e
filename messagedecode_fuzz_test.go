package cometchat

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/cometchat-go/cometchat/internal/realtime"
)

// Fuzz targets for everything that turns service JSON into SDK values on the receive path:
//
//   - FuzzDecodeMessage: decodeMessage on arbitrary bytes (REST items, frame bodies, entities);
//   - FuzzMessageCategory: every category decoder, by building a well-formed message of a chosen
//     category around an arbitrary data object, so the fuzzer spends its time inside each
//     category's data decoding instead of on the outer object;
//   - FuzzDispatchFrame: the dispatcher's body decoding and routing for every frame type, with a
//     listener registered for every callback.
//
// Crashers the fuzzer finds are kept under testdata/fuzz/<target>/ and rerun by every `go test`.

// fuzzCategories are the categories FuzzMessageCategory picks from (model.md §5.4, plus one unknown).
var fuzzCategories = []Category{CategoryMessage, CategoryCustom, CategoryInteractive, CategoryAction, CategoryCall, CategoryAgentic, CategoryCard, "hologram"}

func FuzzDecodeMessage(f *testing.F) {
	for _, s := range benchMessages {
		f.Add(withID(s.json, 7))
	}
	for _, s := range []string{`{}`, `{"id":null}`, `{"id":"x"}`, `{"id":1,"category":"message","data":null}`, `{"id":1,"data":[]}`,
		`{"category":"action","data":{"entities":{"on":{"entity":null,"entityType":"message"}}}}`,
		`{"category":"action","data":{"entities":{"on":{"entity":{"category":"action","data":{"entities":{"on":{"entity":{},"entityType":"message"}}}},"entityType":"message"}}}}`,
		`{"category":"call","data":{"entities":{"on":{"entity":"s","entityType":"call"}}}}`, `{"sender":{"uid":1}}`, `{"sentAt":"1e400"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeMessage(b)
		if err != nil {
			if m != nil {
				t.Fatalf("error %v with a message", err)
			}
			return
		}
		checkDecoded(t, m, b)
	})
}

func FuzzMessageCategory(f *testing.F) {
	for i, s := range benchMessages {
		var w struct {
			Category string          `json:"category"`
			Type     string          `json:"type"`
			Data     json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(withID(s.json, 1), &w); err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), w.Type, []byte(w.Data))
	}
	f.Add(uint8(3), "groupMember", []byte(`{"action":"scopeChanged","extras":{"scope":{"old":1,"new":["x"]}}}`))
	f.Add(uint8(4), "audio", []byte(`{"action":"ended","entities":{"on":{"entity":{"sessionid":5},"entityType":"call"}}}`))
	f.Add(uint8(0), "file", []byte(`{"attachments":{"url":"x"}}`))
	f.Fuzz(func(t *testing.T, cat uint8, typ string, data []byte) {
		category := fuzzCategories[int(cat)%len(fuzzCategories)]
		t_, _ := json.Marshal(typ)
		c_, _ := json.Marshal(string(category))
		d := data
		if !json.Valid(d) {
			d, _ = json.Marshal(string(data)) // still exercise the data path with a wrong type
		}
		raw := []byte(fmt.Sprintf(`{"id":"99","sender":"bob","receiver":"alice","receiverType":"user","category":%s,"type":%s,"data":%s,"sentAt":1}`, c_, t_, d))
		m, err := decodeMessage(raw)
		if err != nil {
			return
		}
		if m.Category() != category {
			t.Fatalf("category %q decoded as %q", category, m.Category())
		}
		checkDecoded(t, m, raw)
	})
}

// checkDecoded asserts what must hold for every message decodeMessage accepted: the Go type matches
// the category, the raw JSON is kept, and a json.Marshal round trip keeps the identity fields.
func checkDecoded(t *testing.T, m Message, raw []byte) {
	t.Helper()
	if m == nil {
		t.Fatal("nil message without an error")
	}
	ok := true
	switch m.(type) {
	case *TextMessage:
		ok = m.Category() == CategoryMessage && m.Type() == MessageTypeText
	case *MediaMessage:
		ok = m.Category() == CategoryMessage && m.Type() != MessageTypeText
	case *CustomMessage:
		ok = m.Category() == CategoryCustom
	case *InteractiveMessage:
		ok = m.Category() == CategoryInteractive
	case *ActionMessage:
		ok = m.Category() == CategoryAction
	case *CallMessage:
		ok = m.Category() == CategoryCall
	case *AgenticMessage:
		ok = m.Category() == CategoryAgentic
	case *CardMessage:
		ok = m.Category() == CategoryCard
	case *UnknownMessage:
	default:
		t.Fatalf("unexpected type %T", m)
	}
	if !ok {
		t.Fatalf("%T for category %q type %q", m, m.Category(), m.Type())
	}
	if len(m.Raw()) == 0 || !json.Valid(m.Raw()) {
		t.Fatalf("raw JSON not kept: %q", m.Raw())
	}
	if a, isAction := m.(*ActionMessage); isAction {
		_, _ = a.ActionOnMessage()
	}
	_ = m.Sender()
	_ = m.Base().MentionedUsers()
	out, err := json.Marshal(m)
	if err != nil {
		// Encoding may refuse values it cannot represent (e.g. an entity of an unknown type), but
		// never with a panic, and only with a real error.
		return
	}
	back, err := decodeMessage(out)
	if err != nil {
		t.Fatalf("re-decoding the encoded message failed: %v\nin:  %s\nout: %s", err, raw, out)
	}
	if back.ID() != m.ID() || back.Category() != m.Category() || back.Type() != m.Type() ||
		back.SenderUID() != m.SenderUID() || back.ReceiverID() != m.ReceiverID() || back.ReceiverType() != m.ReceiverType() {
		t.Fatalf("round trip changed the identity:\nin:   %s\nout:  %s\nwant: %d %s %s %s %s %s\ngot:  %d %s %s %s %s %s", raw, out,
			m.ID(), m.Category(), m.Type(), m.SenderUID(), m.ReceiverID(), m.ReceiverType(),
			back.ID(), back.Category(), back.Type(), back.SenderUID(), back.ReceiverID(), back.ReceiverType())
	}
}

// fuzzFrameTypes are the frame types FuzzDispatchFrame picks from (client-protocol.md §7.5).
var fuzzFrameTypes = []string{"message", "typing_indicator", "receipts", "presence", "transient_message", "reaction",
	"interaction_completed", "on_moderation_status_changed", "streamed_message", "notification_feed_item",
	"message_pin", "message_save", "message_pinned", "conversation_pin", "pin", "auth", "hologram"}

func FuzzDispatchFrame(f *testing.F) {
	for _, fr := range benchFrames {
		var e struct {
			Type string          `json:"type"`
			Body json.RawMessage `json:"body"`
		}
		if err := json.Unmarshal(withID(fr.json, 5), &e); err != nil {
			f.Fatal(err)
		}
		for i, typ := range fuzzFrameTypes {
			if typ == e.Type {
				f.Add(uint8(i), "alice", "user", []byte(e.Body))
			}
		}
	}
	for i := range fuzzFrameTypes {
		f.Add(uint8(i), "", "", []byte(`{"action":"pinned","message":{"id":"1","category":"message","type":"text"}}`))
		f.Add(uint8(i), "g1", "group", []byte(`{"user":null,"action":"offline","messageId":"x","data":"s","id":{},"feedItem":1}`))
	}
	f.Fuzz(func(t *testing.T, typ uint8, receiver, receiverType string, body []byte) {
		c, d := benchClient(t)
		registerAll(c, "fuzz", func(string) {})
		var panicked error
		c.AddConnectionListener("fuzz", ConnectionListener{OnError: func(err error) {
			var hp *HandlerPanicError
			if errors.As(err, &hp) {
				panicked = hp
			}
		}})
		d.handleFrame(realtime.Frame{Type: fuzzFrameTypes[int(typ)%len(fuzzFrameTypes)], Receiver: receiver, ReceiverType: receiverType,
			Sender: "bob", Body: body, Size: len(body)})
		if panicked != nil {
			t.Fatalf("the SDK's own code panicked inside a callback: %v", panicked)
		}
	})
}
