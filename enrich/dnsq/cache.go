package dnsq

import (
	"net/netip"
	"sync"
	"time"
)

// kind is what a key asks.
type kind uint8

const (
	kindHost    kind = iota + 1 // PTR of addr, forward-confirmed
	kindListing                 // addr in zone
	kindAddr                    // A, else AAAA, of name
	kindMail                    // MX of name, then its host's address
)

// key names one cached answer. It is comparable and hashes without
// allocating, so a cache hit allocates nothing.
type key struct {
	kind kind
	zone uint8
	addr netip.Addr
	name string
}

// answer is one result, immutable once cached.
type answer struct {
	status Status
	host   Hostname // kindHost
	codes  []string // kindListing
	target Target   // kindAddr, kindMail
	ttl    time.Duration
}

// entry is one cache slot, on an LRU list.
type entry struct {
	k          key
	a          *answer
	expires    time.Time
	prev, next *entry
}

// cache is a size-bounded LRU of answers with expiry times.
type cache struct {
	mu   sync.Mutex
	max  int
	m    map[key]*entry
	root entry // root.next is the most recently used
}

func newCache(max int) *cache {
	c := &cache{max: max, m: make(map[key]*entry, min(max, 1024))}
	c.root.next, c.root.prev = &c.root, &c.root
	return c
}

func (c *cache) unlink(e *entry) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (c *cache) pushFront(e *entry) {
	e.prev, e.next = &c.root, c.root.next
	c.root.next.prev = e
	c.root.next = e
}

// get returns the answer for k if it has not expired at now.
func (c *cache) get(k key, now time.Time) (*answer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[k]
	if e == nil {
		return nil, false
	}
	if !now.Before(e.expires) {
		c.unlink(e)
		delete(c.m, k)
		return nil, false
	}
	c.unlink(e)
	c.pushFront(e)
	return e.a, true
}

// put stores a until expires, evicting the least recently used entry past
// the size bound; it reports how many entries it evicted.
func (c *cache) put(k key, a *answer, expires time.Time) (evicted int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.m[k]; e != nil {
		e.a, e.expires = a, expires
		c.unlink(e)
		c.pushFront(e)
		return 0
	}
	e := &entry{k: k, a: a, expires: expires}
	c.m[k] = e
	c.pushFront(e)
	for len(c.m) > c.max {
		old := c.root.prev
		c.unlink(old)
		delete(c.m, old.k)
		evicted++
	}
	return evicted
}

func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
