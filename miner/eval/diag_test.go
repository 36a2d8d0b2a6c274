package eval

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/spampots/spampots/miner/features"
	"github.com/spampots/spampots/miner/mine"
)

// Diagnostics behind the figures in the docs, not run by default.

// diagConfig is the miner's Config from the environment: SPAMPOTS_DIAG_CUT
// (f_c), SPAMPOTS_DIAG_SPECIFIC (σ; -1 turns the rule off) and
// SPAMPOTS_DIAG_NOVARIANTS=1, for ablations.
func diagConfig() mine.Config {
	var c mine.Config
	c.Cut, _ = strconv.Atoi(os.Getenv("SPAMPOTS_DIAG_CUT"))
	c.Specific, _ = strconv.ParseFloat(os.Getenv("SPAMPOTS_DIAG_SPECIFIC"), 64)
	c.NoVariants = os.Getenv("SPAMPOTS_DIAG_NOVARIANTS") == "1"
	return c
}

// TestDiagPlanted mines one planted stream (SPAMPOTS_DIAG_SEED, and
// SPAMPOTS_DIAG_SMALL=1 for the small one) and logs its B-cubed scores and,
// for each planted campaign and for the one-offs, the campaigns its
// messages went to ("" for none); SPAMPOTS_DIAG_SHOW=k007 logs the
// features of that campaign's first messages.
//
//	SPAMPOTS_DIAG_SEED=1 go test -run TestDiagPlanted -v ./miner/eval
func TestDiagPlanted(t *testing.T) {
	seed, err := strconv.ParseInt(os.Getenv("SPAMPOTS_DIAG_SEED"), 10, 64)
	if err != nil {
		t.Skip("set SPAMPOTS_DIAG_SEED")
	}
	cfg := GenConfig{}
	if os.Getenv("SPAMPOTS_DIAG_SMALL") == "1" {
		cfg = smallConfig
	}
	stream, truth := Generate(seed, cfg)
	res, err := mine.Run(context.Background(), diagConfig(), []mine.Input{{Name: "eval",
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(stream)), nil }}})
	if err != nil {
		t.Fatal(err)
	}
	pred := make([]string, len(truth))
	for g := range pred {
		_, _, pred[g] = res.Assignment(g)
	}
	p, r, f := BCubed(truth, pred)
	t.Logf("P %.4f R %.4f F1 %.4f", p, r, f)
	parts := map[string]map[string]int{} // true label → predicted → messages
	for i, l := range truth {
		if parts[l] == nil {
			parts[l] = map[string]int{}
		}
		parts[l][pred[i]]++
	}
	for _, l := range slices.Sorted(maps.Keys(parts)) {
		ps := slices.SortedFunc(maps.Keys(parts[l]), func(a, b string) int { return cmp.Compare(parts[l][b], parts[l][a]) })
		var s []string
		for _, q := range ps[:min(len(ps), 12)] {
			s = append(s, fmt.Sprintf("%q:%d", q, parts[l][q]))
		}
		t.Logf("%-6q %s", l, strings.Join(s, " "))
	}
	if show := os.Getenv("SPAMPOTS_DIAG_SHOW"); show != "" {
		msgs, _ := Split(stream)
		n := 0
		for i, l := range truth {
			if l != show || n >= 20 {
				continue
			}
			n++
			var vs []string
			for _, ft := range features.Extract(msgs[i], nil, nil) {
				vs = append(vs, ft.Value)
			}
			t.Logf("%q | %s", pred[i], strings.Join(vs, " ¦ "))
		}
	}
}

// TestDiagCorpusVariation measures what varies inside the TREC corpus's
// campaigns, taking each exact raw Subject held by 30 or more messages as
// one: per feature, in how many groups its normal form is constant, the
// mean share of a group's most common value, and the mean number of
// values. SPAMPOTS_DIAG_CORPUS=v also logs each group's varying features.
//
//	SPAMPOTS_DIAG_CORPUS=1 go test -run TestDiagCorpusVariation -v ./miner/eval
func TestDiagCorpusVariation(t *testing.T) {
	mode := os.Getenv("SPAMPOTS_DIAG_CORPUS")
	if mode == "" {
		t.Skip("set SPAMPOTS_DIAG_CORPUS")
	}
	msgs := readCorpus(t)
	groups := map[string][]int{}
	for i, m := range msgs {
		if s, ok := header(m, "Subject"); ok && len(s) >= 12 {
			groups[s] = append(groups[s], i)
		}
	}
	var keys []string
	for k, g := range groups {
		if len(g) >= 30 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(len(groups[b]), len(groups[a])), cmp.Compare(a, b)) })
	type stat struct {
		constant        int
		topShare, count float64
	}
	stats := make([]stat, features.NumTypes)
	for _, k := range keys {
		g := groups[k]
		counts := make([]map[string]int, features.NumTypes)
		for i := range counts {
			counts[i] = map[string]int{}
		}
		for _, i := range g {
			for _, f := range features.Extract(msgs[i], nil, nil) {
				counts[f.Type][f.Value]++
			}
		}
		var varying []string
		for ty, c := range counts {
			top := slices.Max(slices.Collect(maps.Values(c)))
			st := &stats[ty]
			if len(c) == 1 {
				st.constant++
			}
			st.topShare += float64(top) / float64(len(g))
			st.count += float64(len(c))
			if len(c) > 1 && len(c) <= 12 {
				varying = append(varying, fmt.Sprintf("%v: %v", features.Type(ty), c))
			}
		}
		if mode == "v" {
			t.Logf("%q %d\n  %s", k, len(g), strings.Join(varying, "\n  "))
		}
	}
	t.Logf("%d exact-Subject groups of 30+ messages", len(keys))
	for ty, st := range stats {
		t.Logf("%-26v constant in %2d, mean top share %.3f, mean values %.1f", features.Type(ty), st.constant,
			st.topShare/float64(len(keys)), st.count/float64(len(keys)))
	}
}

// TestDiagCorpusMine mines the TREC corpus with diagConfig and writes the
// miner's files into SPAMPOTS_DIAG_OUT, for before/after comparisons of
// its campaigns.
func TestDiagCorpusMine(t *testing.T) {
	out := os.Getenv("SPAMPOTS_DIAG_OUT")
	if out == "" {
		t.Skip("set SPAMPOTS_DIAG_OUT")
	}
	res, err := mine.Run(context.Background(), diagConfig(), []mine.Input{mine.FileInput(corpusPath)})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.WriteDir(out); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d campaigns (%d before merge) holding %d messages", res.Summary.Campaigns, res.Summary.CampaignsBeforeMerge, res.Summary.InCampaigns)
}

// corpusPath is the TREC 2007 spam half (never copied into the repository).
const corpusPath = "../../../shared/corpus/trec07p-half-spam.mbox.zst"

// readCorpus returns the corpus's messages, or skips.
func readCorpus(t *testing.T) [][]byte {
	f, err := os.Open(corpusPath)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	d, err := zstd.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	data, err := io.ReadAll(d)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := Split(data)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}
