package mine

import (
	"context"
	"os"
	"testing"
)

// corpusPath is the TREC 2007 spam half the repository is checked against
// (never copied into it).
const corpusPath = "../../../shared/corpus/trec07p-half-spam.mbox.zst"

// BenchmarkMineCorpus mines the TREC 2007 spam half as `spampots mine`
// does by default (N(f) curve and tree top included, report excluded),
// reporting messages per second.
//
//	go test -run XXX -bench MineCorpus -benchtime 5x ./miner/mine
func BenchmarkMineCorpus(b *testing.B) {
	if _, err := os.Stat(corpusPath); err != nil {
		b.Skip(err)
	}
	var curve []int
	for p := 1; p <= 1_000_000; p *= 10 {
		curve = append(curve, p, 2*p, 5*p)
	}
	cfg := Config{CutCurve: curve[:len(curve)-2], TreeNodes: 30}
	b.ReportAllocs()
	msgs := 0
	for b.Loop() {
		res, err := Run(context.Background(), cfg, []Input{FileInput(corpusPath)})
		if err != nil {
			b.Fatal(err)
		}
		msgs += res.Messages()
	}
	b.ReportMetric(float64(msgs)/b.Elapsed().Seconds(), "msgs/s")
}
