package fptree

import (
	"hash/maphash"
	"math"
)

// Item is an interned ⟨feature type, value⟩ pair: a dense id handed out by an
// Interner, starting at 0. Items are comparable only within one Interner.
type Item uint32

// Interner maps ⟨feature type, value⟩ pairs to dense Items and back.
//
// Storage per distinct pair is its value bytes plus one type byte in a shared
// arena, an 8-byte arena offset and a 4-byte hash slot kept at most half full
// (so about len(value)+17 bytes), instead of a Go map plus a string header.
//
// The zero Interner is ready to use. An Interner is not safe for concurrent
// use: windows mined in parallel either share one behind the caller's lock,
// or each use their own and Reintern their campaigns' items into a shared
// one before Merge.
type Interner struct {
	seed  maphash.Seed
	arena []byte   // per item: type byte, then the value bytes
	offs  []int    // offs[i] is item i's start in arena; it ends at offs[i+1] or len(arena)
	slots []uint32 // open addressing, linear probing; 0 is empty, else item+1
}

// Len is the number of distinct pairs interned so far.
func (in *Interner) Len() int { return len(in.offs) }

// entry returns item it's stored type byte and value bytes.
func (in *Interner) entry(it Item) []byte {
	end := len(in.arena)
	if int(it)+1 < len(in.offs) {
		end = in.offs[it+1]
	}
	return in.arena[in.offs[it]:end]
}

func (in *Interner) hash(typ uint8, value string) uint64 {
	var h maphash.Hash
	h.SetSeed(in.seed)
	h.WriteByte(typ)
	h.WriteString(value)
	return h.Sum64()
}

// Intern returns the Item of ⟨typ, value⟩, assigning the next id the first
// time the pair is seen. The value is copied; the caller may reuse its bytes.
// It panics when more than math.MaxUint32-1 distinct pairs are interned.
func (in *Interner) Intern(typ uint8, value string) Item {
	if in.slots == nil {
		in.seed = maphash.MakeSeed()
		in.slots = make([]uint32, 1024)
	}
	mask := uint64(len(in.slots) - 1)
	for i := in.hash(typ, value) & mask; ; i = (i + 1) & mask {
		s := in.slots[i]
		if s == 0 {
			if int64(len(in.offs)) >= math.MaxUint32-1 {
				panic("fptree: Interner full")
			}
			it := Item(len(in.offs))
			in.offs = append(in.offs, len(in.arena))
			in.arena = append(in.arena, typ)
			in.arena = append(in.arena, value...)
			in.slots[i] = uint32(it) + 1
			if 2*len(in.offs) > len(in.slots) {
				in.grow()
			}
			return it
		}
		e := in.entry(Item(s - 1))
		if e[0] == typ && string(e[1:]) == value {
			return Item(s - 1)
		}
	}
}

// Lookup returns the Item of ⟨typ, value⟩ if it was interned.
func (in *Interner) Lookup(typ uint8, value string) (Item, bool) {
	if in.slots == nil {
		return 0, false
	}
	mask := uint64(len(in.slots) - 1)
	for i := in.hash(typ, value) & mask; ; i = (i + 1) & mask {
		s := in.slots[i]
		if s == 0 {
			return 0, false
		}
		e := in.entry(Item(s - 1))
		if e[0] == typ && string(e[1:]) == value {
			return Item(s - 1), true
		}
	}
}

// Type returns the feature type of it, or 0 when it was not handed out by
// this Interner.
func (in *Interner) Type(it Item) uint8 {
	if int(it) >= len(in.offs) {
		return 0
	}
	return in.arena[in.offs[it]]
}

// Pair returns the feature type and value of it. ok is false when it was not
// handed out by this Interner.
func (in *Interner) Pair(it Item) (typ uint8, value string, ok bool) {
	if int(it) >= len(in.offs) {
		return 0, "", false
	}
	e := in.entry(it)
	return e[0], string(e[1:]), true
}

func (in *Interner) grow() {
	slots := make([]uint32, 2*len(in.slots))
	mask := uint64(len(slots) - 1)
	for it := range in.offs {
		e := in.entry(Item(it))
		i := in.hash(e[0], string(e[1:])) & mask
		for slots[i] != 0 {
			i = (i + 1) & mask
		}
		slots[i] = uint32(it) + 1
	}
	in.slots = slots
}

// Reintern translates items of from into to, interning their pairs in to.
// Items from does not know are dropped. Use it to bring campaigns mined with
// per-window Interners into one before Merge.
func Reintern(to, from *Interner, items []Item) []Item {
	out := make([]Item, 0, len(items))
	for _, it := range items {
		if typ, v, ok := from.Pair(it); ok {
			out = append(out, to.Intern(typ, v))
		}
	}
	return out
}
