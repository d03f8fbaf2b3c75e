package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cometchat-go/cometchat/internal/emulator"
)

const cmdRESTKey = "restkey0000000000000000000000000000000009"

// emulatorEnv serves an emulator and returns it with a getenv that points the subcommands at it.
func emulatorEnv(t *testing.T) (*emulator.Server, func(string) string) {
	t.Helper()
	s, err := emulator.New(emulator.Config{AppID: "cmdapp", RESTAPIKey: cmdRESTKey})
	require.NoError(t, err)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ts.Close()
		require.NoError(t, s.Close())
	})
	env := map[string]string{envAppID: "cmdapp", envAPIKey: cmdRESTKey, envBaseURL: ts.URL + "/v3"}
	return s, func(k string) string { return env[k] }
}

func TestUsersImportCSV(t *testing.T) {
	s, getenv := emulatorEnv(t)
	require.NoError(t, s.CreateUser("existing", "Old Name"))
	dir := t.TempDir()
	file := filepath.Join(dir, "users.csv")
	require.NoError(t, os.WriteFile(file, []byte("uid,name,role,tags,metadata\n"+
		"ada,Ada Lovelace,default,beta|staff,\"{\"\"team\"\":\"\"core\"\"}\"\n"+
		"grace,Grace Hopper,,,\n"+
		"existing,New Name,,,\n"+
		"bad uid,Nope,,,\n"), 0o600))
	var out, errOut bytes.Buffer
	code := usersCmd(context.Background(), []string{"import", file}, nil, &out, &errOut, getenv)
	assert.Equal(t, 1, code, "one user failed")
	assert.Contains(t, out.String(), "4 users: 2 created, 1 updated, 0 unchanged, 1 failed")
	assert.Contains(t, out.String(), "failed: item 3 (bad uid)")
	assert.Contains(t, errOut.String(), "\r[", "a progress bar on stderr")
	assert.Contains(t, errOut.String(), "4/4 100%")
	assert.NotContains(t, out.String()+errOut.String(), cmdRESTKey, "the key is never echoed")
}

func TestUsersImportJSONLStdin(t *testing.T) {
	_, getenv := emulatorEnv(t)
	in := strings.NewReader(`{"uid":"a1","name":"A"}` + "\n\n" + `{"uid":"a2","name":"B","tags":["x"]}` + "\n")
	var out, errOut bytes.Buffer
	code := usersCmd(context.Background(), []string{"import", "-format", "jsonl", "-q", "-"}, in, &out, &errOut, getenv)
	require.Equal(t, 0, code, errOut.String())
	assert.Contains(t, out.String(), "2 users: 2 created, 0 updated, 0 unchanged, 0 failed")
	assert.Empty(t, errOut.String())

	// Running it again changes nothing.
	in = strings.NewReader(`{"uid":"a1","name":"A"}` + "\n")
	out.Reset()
	require.Equal(t, 0, usersCmd(context.Background(), []string{"import", "-format", "jsonl", "-q", "-"}, in, &out, &errOut, getenv))
	assert.Contains(t, out.String(), "1 users: 0 created, 0 updated, 1 unchanged")
}

func TestUsersImportUsageErrors(t *testing.T) {
	_, getenv := emulatorEnv(t)
	var out, errOut bytes.Buffer
	assert.Equal(t, 2, usersCmd(context.Background(), nil, nil, &out, &errOut, getenv))
	assert.Equal(t, 2, usersCmd(context.Background(), []string{"import"}, nil, &out, &errOut, getenv))
	assert.Equal(t, 2, usersCmd(context.Background(), []string{"import", "users.txt"}, nil, &out, &errOut, getenv))
	errOut.Reset()
	noKey := func(k string) string {
		if k == envAPIKey {
			return ""
		}
		return getenv(k)
	}
	assert.Equal(t, 2, usersCmd(context.Background(), []string{"import", "-format", "csv", "-"}, nil, &out, &errOut, noKey))
	assert.Contains(t, errOut.String(), "no REST API key")
	// A remote http:// URL needs -insecure.
	remote := func(k string) string {
		if k == envBaseURL {
			return "http://example.com/v3"
		}
		return getenv(k)
	}
	errOut.Reset()
	assert.Equal(t, 2, usersCmd(context.Background(), []string{"import", "-format", "csv", "-"}, nil, &out, &errOut, remote))
	assert.Contains(t, errOut.String(), "AllowInsecure")
	assert.NotContains(t, errOut.String(), cmdRESTKey)
}

func TestSend(t *testing.T) {
	s, getenv := emulatorEnv(t)
	require.NoError(t, s.CreateUser("bot", "Bot"))
	require.NoError(t, s.CreateUser("ada", "Ada"))
	var out, errOut bytes.Buffer
	code := sendCmd(context.Background(), []string{"-as", "bot", "-to", "ada", "hello", "there"}, &out, &errOut, getenv)
	require.Equal(t, 0, code, errOut.String())
	assert.Regexp(t, `^sent message \d+ from bot to user ada\n$`, out.String())

	out.Reset()
	require.Equal(t, 0, sendCmd(context.Background(), []string{"-to", "ada", "maintenance", "tonight"}, &out, &errOut, getenv))
	assert.Regexp(t, `^sent message \d+ from app_system to user ada\n$`, out.String(), "without -as the app sends")
	assert.Equal(t, 2, sendCmd(context.Background(), []string{"-to", "ada"}, &out, &errOut, getenv), "no text")
	assert.Equal(t, 2, sendCmd(context.Background(), []string{"-to", "ada", "-group", "g", "x"}, &out, &errOut, getenv))
}
