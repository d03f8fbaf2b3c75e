package cometchat

import (
	"encoding/json"
	"regexp"
	"testing"
)

// FuzzValidateID checks ValidateUID and ValidateGUID against the service's rule, written
// independently here as a regular expression with the length bound.
func FuzzValidateID(f *testing.F) {
	for _, s := range []string{"", "a", "cometchat-uid-1", "A_b-9", "has space", "ü", "a/b", "x\x00", string(make([]byte, 101))} {
		f.Add(s)
	}
	rule := regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)
	f.Fuzz(func(t *testing.T, id string) {
		want := rule.MatchString(id)
		if got := ValidateUID(id) == nil; got != want {
			t.Fatalf("ValidateUID(%q) ok=%v, want %v", id, got, want)
		}
		if got := ValidateGUID(id) == nil; got != want {
			t.Fatalf("ValidateGUID(%q) ok=%v, want %v", id, got, want)
		}
		if n := normID(id); normID(n) != n {
			t.Fatalf("normID is not idempotent on %q", id)
		}
	})
}

// FuzzLenientScalars feeds arbitrary JSON to the string-or-number types: they must never panic, and
// whatever they accept must survive a round trip.
func FuzzLenientScalars(f *testing.F) {
	for _, s := range []string{`1700000000`, `"1700000000"`, `""`, `null`, `1.7e9`, `"12"`, `-1`, `"x"`, `{}`, `[1]`, `true`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var ts UnixTime
		if json.Unmarshal(b, &ts) == nil {
			out, err := json.Marshal(ts)
			if err != nil {
				t.Fatal(err)
			}
			var back UnixTime
			if err := json.Unmarshal(out, &back); err != nil || back != ts {
				t.Fatalf("UnixTime round trip: %s -> %d -> %s -> %d (%v)", b, ts, out, back, err)
			}
		}
		var id MessageID
		if json.Unmarshal(b, &id) == nil {
			out, _ := json.Marshal(id)
			var back MessageID
			if err := json.Unmarshal(out, &back); err != nil || back != id {
				t.Fatalf("MessageID round trip: %s -> %d -> %s", b, id, out)
			}
		}
		var c Count
		_ = json.Unmarshal(b, &c)
		var u User
		_ = json.Unmarshal(b, &u)
		var s ServerSettings
		if json.Unmarshal(b, &s) == nil {
			for _, k := range s.Keys() {
				_ = s.String(k)
				_, _ = s.Int(k)
				_ = s.Bool(k)
			}
		}
	})
}
