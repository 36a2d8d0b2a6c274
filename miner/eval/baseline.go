package eval

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/glaslos/ssdeep"
	"github.com/spampots/spampots/spool/mbox"
)

// Split returns the messages of an mboxrd stream, in order.
func Split(stream []byte) ([][]byte, error) {
	rd := mbox.NewReader(bytes.NewReader(stream))
	var msgs [][]byte
	for {
		e, err := rd.Next()
		if err == io.EOF {
			return msgs, nil
		}
		if err != nil {
			return msgs, err
		}
		msgs = append(msgs, bytes.Clone(e.Message))
	}
}

// header returns the unfolded, trimmed value of msg's first field named
// name, and whether there is one.
func header(msg []byte, name string) (string, bool) {
	for len(msg) > 0 {
		line, rest, _ := bytes.Cut(msg, []byte("\n"))
		msg = rest
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			return "", false
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok || !strings.EqualFold(string(bytes.TrimSpace(k)), name) || line[0] == ' ' || line[0] == '\t' {
			continue
		}
		val := string(bytes.TrimSpace(v))
		for len(msg) > 0 && (msg[0] == ' ' || msg[0] == '\t') {
			l, r, _ := bytes.Cut(msg, []byte("\n"))
			msg = r
			val += " " + string(bytes.TrimSpace(l))
		}
		return strings.TrimSpace(val), true
	}
	return "", false
}

// body returns what follows msg's header block.
func body(msg []byte) []byte {
	if i := bytes.Index(msg, []byte("\n\n")); i >= 0 {
		return msg[i+2:]
	}
	if i := bytes.Index(msg, []byte("\r\n\r\n")); i >= 0 {
		return msg[i+4:]
	}
	return nil
}

// ExactSubject clusters messages by their raw Subject value: messages with
// an identical one share a cluster, labelled by it. A message without a
// Subject field gets "" (a singleton).
func ExactSubject(msgs [][]byte) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		if s, ok := header(m, "Subject"); ok {
			out[i] = "s:" + s
		}
	}
	return out
}

// DefaultSsdeepThreshold is the ssdeep match score (0-100) at which
// Ssdeep puts a message in a cluster. 70 sits in the range used for
// near-duplicate spam grouping with CTPH: below about 60 unrelated short
// bodies that share boilerplate start to match, above about 80 the random
// tokens of one campaign split it.
const DefaultSsdeepThreshold = 70

var forceOnce sync.Once

// Ssdeep clusters messages SHIVA-style by the ssdeep digest of their body:
// each message joins the first cluster (in creation order) whose
// representative, its first member, scores at least threshold against it,
// else founds a new cluster. threshold <= 0 means DefaultSsdeepThreshold.
// Labels are "f" + the cluster's number; a message whose body cannot be
// hashed (empty) gets "".
func Ssdeep(msgs [][]byte, threshold int) []string {
	if threshold <= 0 {
		threshold = DefaultSsdeepThreshold
	}
	// Spam bodies are mostly below ssdeep's 4 KiB minimum; hash them anyway.
	forceOnce.Do(func() { ssdeep.Force = true })

	type rep struct{ hash string }
	var reps []rep
	// index: (effective block size, 7-gram) → representatives holding it,
	// ascending. ssdeep scores 0 unless the two digests compared at one
	// block size share a 7-character run, or are identical.
	index := make(map[string][]int)
	exact := make(map[string]int) // "bs:s1" → first representative
	grams := func(bs int, s string, f func(key string)) {
		for i := 0; i+7 <= len(s); i++ {
			f(strconv.Itoa(bs) + ":" + s[i:i+7])
		}
	}
	out := make([]string, len(msgs))
	seen := make(map[int]bool)
	for i, m := range msgs {
		b := body(m)
		if len(b) == 0 {
			continue
		}
		h, err := ssdeep.FuzzyBytes(b)
		if err != nil {
			continue
		}
		bs, s1, s2, err := split(h)
		if err != nil {
			continue
		}
		clear(seen)
		var cands []int
		add := func(k string) {
			for _, c := range index[k] {
				if !seen[c] {
					seen[c] = true
					cands = append(cands, c)
				}
			}
		}
		if c, ok := exact[strconv.Itoa(bs)+":"+s1]; ok {
			seen[c] = true
			cands = append(cands, c)
		}
		grams(bs, s1, add)
		grams(2*bs, s2, add)
		// (bs, s1) meets a representative's s1 at the same block size and
		// its s2 when its block size is bs/2; (2bs, s2) meets its s2 at the
		// same block size and its s1 when its block size is 2bs: the three
		// pairs ssdeep.Distance compares.
		best := -1
		slices.Sort(cands)
		for _, c := range cands {
			score, err := ssdeep.Distance(h, reps[c].hash)
			if err == nil && score >= threshold {
				best = c
				break
			}
		}
		if best < 0 {
			best = len(reps)
			reps = append(reps, rep{h})
			if _, ok := exact[strconv.Itoa(bs)+":"+s1]; !ok {
				exact[strconv.Itoa(bs)+":"+s1] = best
			}
			ins := func(k string) {
				if l := index[k]; len(l) == 0 || l[len(l)-1] != best {
					index[k] = append(l, best)
				}
			}
			grams(bs, s1, ins)
			grams(2*bs, s2, ins)
		}
		out[i] = fmt.Sprintf("f%d", best)
	}
	return out
}

func split(h string) (bs int, s1, s2 string, err error) {
	parts := strings.Split(h, ":")
	if len(parts) != 3 {
		return 0, "", "", errors.New("eval: bad ssdeep digest")
	}
	bs, err = strconv.Atoi(parts[0])
	return bs, parts[1], parts[2], err
}
