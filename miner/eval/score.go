package eval

import "fmt"

// BCubed returns the B-cubed precision, recall and F1 of the clustering
// pred against the truth, over the items of both (which must have the same
// length). An empty label in either means the item is alone in its
// cluster. With no items, all three are 1.
func BCubed(truth, pred []string) (p, r, f1 float64) {
	if len(truth) != len(pred) {
		panic(fmt.Sprintf("eval.BCubed: %d true labels, %d predicted", len(truth), len(pred)))
	}
	n := len(truth)
	if n == 0 {
		return 1, 1, 1
	}
	type pair struct{ t, p string }
	key := func(s string, i int) string {
		if s == "" {
			return fmt.Sprintf("\x00%d", i) // a singleton no label can equal
		}
		return "\x01" + s
	}
	joint := make(map[pair]int)
	tSize := make(map[string]int)
	pSize := make(map[string]int)
	for i := range n {
		t, q := key(truth[i], i), key(pred[i], i)
		joint[pair{t, q}]++
		tSize[t]++
		pSize[q]++
	}
	// Every item of a (t, p) cell has precision c/|p| and recall c/|t|.
	for k, c := range joint {
		cf := float64(c)
		p += cf * cf / float64(pSize[k.p])
		r += cf * cf / float64(tSize[k.t])
	}
	p /= float64(n)
	r /= float64(n)
	if p+r > 0 {
		f1 = 2 * p * r / (p + r)
	}
	return p, r, f1
}
