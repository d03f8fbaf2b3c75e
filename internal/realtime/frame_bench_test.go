package realtime

import (
	"testing"
	"time"
)

// Envelope decode cost per frame type: what the reader goroutine does for every frame before it
// hands it on (the body stays raw). Run with
//
//	go test -run '^$' -bench . -benchmem ./internal/realtime

// benchFrames are server frames as the emulator writes them (examples/ws_server_frames.json).
var benchFrames = []struct{ name, json string }{
	{"pong", `{"action":"pong"}`},
	{"auth", `{"appId":"app","deviceId":"WEB-self","type":"auth","sender":"alice","body":{"status":"OK","code":"200"}}`},
	{"message", `{"appId":"app","receiver":"alice","receiverType":"user","deviceId":"WEB-other","type":"message","sender":"bob","body":` +
		`{"id":"13","muid":"m-1","conversationId":"alice_user_bob","sender":"bob","receiverType":"user","receiver":"alice","category":"message","type":"text",` +
		`"data":{"text":"hello alice, how are you today?","entities":{"sender":{"entity":{"uid":"bob","name":"Bob","avatar":"https://example.com/bob.png","status":"online","role":"default","lastActiveAt":1700000500},"entityType":"user"},` +
		`"receiver":{"entity":{"uid":"alice","name":"Alice","status":"online","role":"default","conversationId":"alice_user_bob"},"entityType":"user"}}},"sentAt":1700000900,"updatedAt":1700000900}}`},
	{"typing_indicator", `{"appId":"app","receiver":"alice","receiverType":"user","deviceId":"WEB-other","type":"typing_indicator","sender":"bob","body":{"action":"started","user":{"uid":"bob","name":"Bob","status":"online"}}}`},
	{"receipts", `{"appId":"app","receiver":"bob","receiverType":"user","deviceId":"WEB-other","type":"receipts","sender":"bob","messageSender":"alice","body":{"action":"read","messageId":"13","user":{"uid":"bob","name":"Bob"},"timestamp":1700000950}}`},
	{"presence", `{"appId":"app","deviceId":"WEB-other","type":"presence","sender":"bob","body":{"action":"online","user":{"uid":"bob","name":"Bob","status":"online"},"timestamp":1700000950}}`},
}

func BenchmarkDecodeFrame(b *testing.B) {
	for _, fr := range benchFrames {
		b.Run(fr.name, func(b *testing.B) {
			raw := []byte(fr.json)
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DecodeFrame(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAuthFrame is the cost of building the auth frame (once per connection).
func BenchmarkAuthFrame(b *testing.B) {
	id := Identity{AppID: "app", UID: "alice", SessionID: "go-0.1.0-uuid-1", DeviceID: "app_uuid_1", Presence: "ALL_USERS",
		Version: "0.1.0", APIVersion: "v3.0", Platform: "go", UserAgent: "cometchat-go/0.1.0"}
	now := time.Unix(1700000000, 0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AuthFrame(id, "jwt.jwt.jwt", now); err != nil {
			b.Fatal(err)
		}
	}
}
