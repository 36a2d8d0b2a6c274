package machinetest

import (
	"fmt"
	"testing"
)

// Sizes are the piece sizes every table test feeds its input in: 1, 2, 3
// and 7 bytes, then all at once (0).
func Sizes() []int { return []int{1, 2, 3, 7, 0} }

// Chunks calls send with in in pieces of size bytes (0: all at once).
func Chunks(in []byte, size int, send func([]byte)) {
	if size <= 0 {
		size = len(in)
	}
	for len(in) > 0 {
		k := min(size, len(in))
		send(in[:k])
		in = in[k:]
	}
}

// EachSize runs f as the subtest name/chunk=N for every size N of Sizes,
// and fails a subtest whose result differs from the first size's: how the
// input was split must not change the answer.
func EachSize[R comparable](t *testing.T, name string, f func(t *testing.T, chunk int) R) {
	sizes := Sizes()
	var first R
	have := false
	for _, size := range sizes {
		t.Run(fmt.Sprintf("%s/chunk=%d", name, size), func(t *testing.T) {
			got := f(t, size)
			if !have {
				first, have = got, true
			} else if got != first {
				t.Errorf("split %d answered differently from split %d:\n%+v\nwant\n%+v", size, sizes[0], got, first)
			}
		})
	}
}

// Splits is a fuzz test's check that the split does not matter: it gives
// run the input whole, split at split (modulo len(in)+1) and, when in is at
// most bytewise bytes long, a byte at a time, and fails unless all three
// results are the same.
func Splits[R comparable](t *testing.T, in []byte, split uint16, bytewise int, run func(pieces [][]byte) R) {
	t.Helper()
	cut := int(split) % (len(in) + 1)
	whole := run([][]byte{in})
	if got := run([][]byte{in[:cut], in[cut:]}); got != whole {
		t.Fatalf("split at %d:\n%+v\nwhole:\n%+v", cut, got, whole)
	}
	if len(in) <= bytewise {
		pieces := make([][]byte, len(in))
		for i := range in {
			pieces[i] = in[i : i+1]
		}
		if got := run(pieces); got != whole {
			t.Fatalf("a byte at a time:\n%+v\nwhole:\n%+v", got, whole)
		}
	}
}
