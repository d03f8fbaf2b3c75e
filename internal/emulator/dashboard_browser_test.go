package emulator_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat"
	"github.com/cometchat-go/cometchat/cometchattest"
)

// TestDashboardInHeadlessChromium is the "must show": in a real
// headless Chromium the dashboard loads, lists the seeded users, and shows a
// message sent through the SDK appear in its live feed without a reload. A
// screenshot is written to testdata/artifacts/dashboard.png at the module
// root. It skips, loudly, only when no Chromium is installed (.ci/run
// installs Debian's chromium package).
func TestDashboardInHeadlessChromium(t *testing.T) {
	bin := findChromium()
	if bin == "" {
		t.Skip("SKIPPED: NO CHROMIUM FOUND — the dashboard browser test did not run. " +
			"Install Debian's chromium package (apt-get install -y chromium; .ci/run does this as root) " +
			"or set $CHROMIUM to a Chromium/Chrome binary.")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	srv := cometchattest.NewServer(t)
	seeded := map[string]string{"alice": "Alice Liddell", "bob": "Bob Dylan", "carol": "Carol King"}
	for uid, name := range seeded {
		srv.CreateUser(t, uid, name)
	}
	bob := srv.Login(t, "bob") // online: the feed also shows the frame pushed to him
	_ = bob
	alice := srv.Login(t, "alice")

	br := startBrowser(t, ctx, bin)
	pg := br.openPage(ctx, srv.URL()+"/emulator/")

	// The page lists the seeded users.
	require.NoError(t, pg.waitFor(ctx, `document.querySelectorAll("#users li[data-uid]").length >= 3`, 20000))
	var uids []string
	require.NoError(t, pg.eval(ctx, `Array.from(document.querySelectorAll("#users li[data-uid]")).map(li => li.dataset.uid)`, &uids))
	assert.ElementsMatch(t, []string{"alice", "bob", "carol"}, uids)
	var usersText string
	require.NoError(t, pg.eval(ctx, `document.getElementById("users").textContent`, &usersText))
	for _, name := range seeded {
		assert.Contains(t, usersText, name)
	}
	// The live feed is connected; mark the document so a reload would show.
	require.NoError(t, pg.waitFor(ctx, `document.getElementById("conn").textContent === "feed: live"`, 20000))
	require.NoError(t, pg.eval(ctx, `window.__sameDocument = "yes"; true`, nil))

	// A message sent through the SDK appears in the feed, live.
	const text = "Hello from the Go SDK <b>not bold</b>"
	msg, err := alice.SendText(ctx, "bob", cometchat.ReceiverTypeUser, text)
	require.NoError(t, err)
	require.NoError(t, pg.waitFor(ctx,
		`Array.from(document.querySelectorAll("#feed li.item")).some(li => li.textContent.includes(`+jsString(text)+`))`, 20000))
	require.NoError(t, pg.waitFor(ctx, `Array.from(document.querySelectorAll("#feed li.kind-frame")).some(li => `+
		`li.textContent.includes("WS out") && (li.textContent.includes("alice, bob") || li.textContent.includes("bob, alice")))`, 20000),
		"the frame pushed to both users' sockets is one item naming both")
	var same string
	require.NoError(t, pg.eval(ctx, `window.__sameDocument`, &same))
	assert.Equal(t, "yes", same, "the page was not reloaded")
	var injected int
	require.NoError(t, pg.eval(ctx, `document.querySelectorAll("#feed b").length`, &injected))
	assert.Zero(t, injected, "message text is shown as text, never as markup")

	// The REST call and the state view follow too.
	require.NoError(t, pg.waitFor(ctx,
		`Array.from(document.querySelectorAll("#feed li.kind-rest")).some(li => li.textContent.includes("POST /v3.0/messages"))`, 20000))
	require.NoError(t, pg.waitFor(ctx,
		`document.querySelector('#conversations li[data-conversation="`+msg.ConversationID()+`"]') !== null`, 20000))

	png, err := pg.screenshot(ctx)
	require.NoError(t, err)
	writeArtifact(t, "dashboard.png", png)

	// Clicking the conversation filters the feed and shows its messages.
	require.NoError(t, pg.eval(ctx,
		`document.querySelector('#conversations li[data-conversation="`+msg.ConversationID()+`"]').click(); true`, nil))
	require.NoError(t, pg.waitFor(ctx,
		`Array.from(document.querySelectorAll("#messages li")).some(li => li.textContent.includes(`+jsString(text)+`))`, 20000))
	require.NoError(t, pg.waitFor(ctx,
		`document.querySelectorAll("#feed li.item").length > 0 && Array.from(document.querySelectorAll("#feed li.item")).every(li => li.dataset.conversation === "`+msg.ConversationID()+`")`, 20000))

	png, err = pg.screenshot(ctx)
	require.NoError(t, err)
	writeArtifact(t, "dashboard-filtered.png", png)
}

// writeArtifact writes a screenshot to testdata/artifacts/ at the module root
// (git-ignored).
func writeArtifact(t *testing.T, name string, png []byte) {
	t.Helper()
	require.True(t, bytes.HasPrefix(png, []byte("\x89PNG")), "a PNG")
	dir := filepath.Join(moduleRoot(t), "testdata", "artifacts")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	out := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(out, png, 0o644))
	t.Logf("screenshot: %s (%d bytes)", out, len(png))
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	var b bytes.Buffer
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '<':
			b.WriteString(`\u003c`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// moduleRoot is the directory holding go.mod, above the working directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "go.mod not found")
		dir = parent
	}
}
