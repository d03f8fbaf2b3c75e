package cometchat

import (
	"strconv"
	"testing"
)

// The de-duplication windows remember exactly the most recent n entries, and grow only with use.
func TestDedupeWindowsKeepTheMostRecentN(t *testing.T) {
	w := newWindow[MessageID](3)
	if len(w.ring) != 0 || cap(w.ring) != 0 {
		t.Fatalf("a new window preallocates %d", cap(w.ring))
	}
	for _, id := range []MessageID{1, 2, 3} {
		if !w.add(id) {
			t.Fatalf("%d reported as seen", id)
		}
	}
	if w.add(2) {
		t.Fatal("2 is still in the window")
	}
	if !w.add(4) { // evicts 1
		t.Fatal("4 is new")
	}
	if !w.add(1) { // 1 was evicted, so it is new again; evicts 2
		t.Fatal("1 should have been evicted")
	}
	if w.add(3) || w.add(4) || w.add(1) {
		t.Fatal("3, 4 and 1 are the most recent three")
	}
	if len(w.set) != 3 || len(w.ring) != 3 {
		t.Fatalf("window holds %d/%d entries, want 3", len(w.set), len(w.ring))
	}

	k := newWindow[string](100)
	for i := range 250 {
		if !k.add(strconv.Itoa(i)) {
			t.Fatalf("%d reported as seen", i)
		}
	}
	if len(k.set) != 100 || k.add("249") || k.add("150") || !k.add("149") {
		t.Fatalf("key window does not hold exactly the last 100 (size %d)", len(k.set))
	}
}
