package capture

import (
	"sync"
	"time"

	"github.com/spampots/spampots/fingerprint"
)

// Table keeps the last SYN of up to a fixed number of connections, keyed by
// Key, for the AF_PACKET path (the XDP path keeps them in a kernel map).
// When full, the record stored longest ago is overwritten. Records older
// than the table's maximum age are not returned. Time is passed in by the
// caller. A Table is safe for concurrent use.
type Table struct {
	maxAge time.Duration

	mu    sync.RWMutex
	index map[Key]int32 // slot of each stored key
	slots []tableSlot   // a ring: next is the oldest slot
	next  int
}

type tableSlot struct {
	rec  fingerprint.Record
	seen time.Time
	used bool
}

// NewTable returns a table of entries records (at least 1) that are valid
// for maxAge.
func NewTable(entries int, maxAge time.Duration) *Table {
	entries = max(entries, 1)
	return &Table{
		maxAge: maxAge,
		index:  make(map[Key]int32, entries),
		slots:  make([]tableSlot, entries),
	}
}

// Put stores a copy of r, seen at now, replacing the record of the same
// connection or else the oldest one.
func (t *Table) Put(r *fingerprint.Record, now time.Time) {
	k := RecordKey(r)
	t.mu.Lock()
	defer t.mu.Unlock()
	i, ok := t.index[k]
	if !ok {
		i = int32(t.next)
		t.next = (t.next + 1) % len(t.slots)
		if old := &t.slots[i]; old.used {
			delete(t.index, RecordKey(&old.rec))
		}
		t.index[k] = i
	}
	t.slots[i] = tableSlot{rec: *r, seen: now, used: true}
}

// Get copies the record of connection k into r and reports whether there
// was one seen no more than the maximum age before now.
func (t *Table) Get(k Key, r *fingerprint.Record, now time.Time) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	i, ok := t.index[k]
	if !ok {
		return false
	}
	s := &t.slots[i]
	if age := now.Sub(s.seen); age > t.maxAge || age < -t.maxAge {
		return false
	}
	*r = s.rec
	return true
}

// Len returns the number of records stored, expired ones included.
func (t *Table) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.index)
}
