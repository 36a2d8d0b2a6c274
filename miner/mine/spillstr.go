package mine

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"slices"
)

// keyIDs gives strings dense ids in first-seen order, as an Interner
// does, but keeps only a 96-bit key of each (two seeded hashes), not its
// bytes: 12 bytes and a 4-byte slot (kept at most half full) per
// distinct string. Two distinct strings get one id only when both
// hashes collide, about n²/2⁹⁷ for n distinct strings (below 10⁻¹³ at
// 10⁸), with seeds drawn per Run.
type keyIDs struct {
	s1, s2 maphash.Seed
	k1     []uint64
	k2     []uint32
	slots  []uint32 // open addressing, linear probing; 0 is empty, else id+1
}

func (k *keyIDs) Len() int { return len(k.k1) }

// id returns v's id, and whether v was seen for the first time.
func (k *keyIDs) id(v string) (int32, bool) {
	if k.slots == nil {
		k.s1, k.s2 = maphash.MakeSeed(), maphash.MakeSeed()
		k.slots = make([]uint32, 1024)
	}
	h1 := maphash.String(k.s1, v)
	h2 := uint32(maphash.String(k.s2, v))
	mask := uint64(len(k.slots) - 1)
	for i := h1 & mask; ; i = (i + 1) & mask {
		s := k.slots[i]
		if s == 0 {
			id := int32(len(k.k1))
			k.k1 = append(k.k1, h1)
			k.k2 = append(k.k2, h2)
			k.slots[i] = uint32(id) + 1
			if 2*len(k.k1) > len(k.slots) {
				k.grow()
			}
			return id, true
		}
		if k.k1[s-1] == h1 && k.k2[s-1] == h2 {
			return int32(s - 1), false
		}
	}
}

func (k *keyIDs) grow() {
	slots := make([]uint32, 2*len(k.slots))
	mask := uint64(len(slots) - 1)
	for id, h := range k.k1 {
		i := h & mask
		for slots[i] != 0 {
			i = (i + 1) & mask
		}
		slots[i] = uint32(id) + 1
	}
	k.slots = slots
}

// spilledStrings is the out-of-core path's store of the raw Subjects: ids
// in first-seen order, as res.subjects gives them in memory (keyIDs), the
// strings themselves appended, in id order, to a file in the spill
// directory as each is first seen. Only the few that make the campaigns'
// top lists are read back (values), after the cut.
type spilledStrings struct {
	ids  keyIDs
	s    *spill
	path string
	buf  []byte // records not yet written: uvarint length, then the bytes
}

const spilledStringsBuf = 256 << 10

// id returns v's id; "" has none (-1).
func (st *spilledStrings) id(v string) (int32, error) {
	if v == "" {
		return -1, nil
	}
	id, isNew := st.ids.id(v)
	if !isNew {
		return id, nil
	}
	st.buf = binary.AppendUvarint(st.buf, uint64(len(v)))
	st.buf = append(st.buf, v...)
	if len(st.buf) >= spilledStringsBuf {
		return id, st.flush()
	}
	return id, nil
}

// flush appends the buffered records to the file, opened for the append
// only.
func (st *spilledStrings) flush() error {
	if len(st.buf) == 0 {
		return nil
	}
	if st.path == "" {
		st.path = st.s.path("str")
		st.s.files.Add(1)
	}
	f, err := os.OpenFile(st.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	_, err = f.Write(st.buf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	st.s.written.Add(int64(len(st.buf)))
	st.buf = st.buf[:0]
	return nil
}

// values returns the strings of ids, reading the file once; the file
// and buffer are released.
func (st *spilledStrings) values(ids []int32) (map[int32]string, error) {
	want := slices.Clone(ids)
	slices.Sort(want)
	want = slices.Compact(want)
	out := make(map[int32]string, len(want))
	var src io.Reader = bytes.NewReader(st.buf)
	if st.path != "" {
		f, err := os.Open(st.path)
		if err != nil {
			return nil, fmt.Errorf("spill: %w", err)
		}
		defer func() {
			f.Close()
			os.Remove(st.path)
		}()
		src = io.MultiReader(f, src)
	}
	br := bufio.NewReaderSize(src, 64<<10)
	var b []byte
	for id := int32(0); len(want) > 0; id++ {
		n, err := binary.ReadUvarint(br)
		if err != nil {
			return nil, fmt.Errorf("spill: strings: %w", noEOF(err))
		}
		if want[0] != id {
			if _, err := br.Discard(int(n)); err != nil {
				return nil, fmt.Errorf("spill: strings: %w", noEOF(err))
			}
			continue
		}
		b = slices.Grow(b[:0], int(n))[:n]
		if _, err := io.ReadFull(br, b); err != nil {
			return nil, fmt.Errorf("spill: strings: %w", noEOF(err))
		}
		out[id] = string(b)
		want = want[1:]
	}
	st.buf = nil
	return out, nil
}
