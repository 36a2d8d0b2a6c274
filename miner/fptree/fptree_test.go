package fptree

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// Feature types of the paper's section 2.2, as a test's extractor numbers them.
const (
	fFrom uint8 = iota + 1
	fOrganization
	fReceived
	fCTE
	fContentType
	fDate
	fMimeVersion
	fTo
	fSubject
	fReplyTo
	fXMailer
	fXMailFrom
	fLayout
	fLanguage
)

// normaliseSubject stands for the extractor's normalisation: a trailing
// random token ("Best Buy Viagra Online xq7Zk") is dropped.
func normaliseSubject(s string) string {
	f := strings.Fields(s)
	if len(f) > 1 && strings.ContainsAny(f[len(f)-1], "0123456789") {
		f = f[:len(f)-1]
	}
	return strings.Join(f, " ")
}

type kv struct {
	t uint8
	v string
}

// checkInvariants verifies what Cut promises for msgs cut at fc.
func checkInvariants(t *testing.T, msgs [][]Item, camps []Campaign) {
	t.Helper()
	seen := make(map[int32]int)
	for ci, c := range camps {
		if c.Size != len(c.Messages) {
			t.Errorf("campaign %d: Size %d, %d messages", ci, c.Size, len(c.Messages))
		}
		if !slices.IsSorted(c.Items) || len(slices.Compact(slices.Clone(c.Items))) != len(c.Items) || len(c.Items) == 0 {
			t.Errorf("campaign %d: items %v not a sorted non-empty set", ci, c.Items)
		}
		if !slices.IsSorted(c.Messages) {
			t.Errorf("campaign %d: messages not ascending", ci)
		}
		for _, m := range c.Messages {
			if prev, ok := seen[m]; ok {
				t.Errorf("message %d in campaigns %d and %d", m, prev, ci)
			}
			seen[m] = ci
			for _, it := range c.Items {
				if !slices.Contains(msgs[m], it) {
					t.Errorf("campaign %d: message %d lacks item %d", ci, m, it)
				}
			}
		}
	}
}

func build(msgs [][]Item, minSupport int) *Tree {
	var b Builder
	for i, m := range msgs {
		if got := b.Add(m); got != i {
			panic(fmt.Sprintf("Add returned %d, want %d", got, i))
		}
	}
	return b.Build(minSupport)
}

func TestPaperExample(t *testing.T) {
	// Section 2.2: many messages with identical From, Content-Type, To,
	// Reply-To, X-Mailer, X-Mail-From, Layout and Language, and a Subject
	// "Best Buy Viagra Online [random]", plus unique Date and Received; then
	// noise messages sharing only common values (text/html) with them.
	var in Interner
	rng := rand.New(rand.NewPCG(1, 2))
	token := func() string { return fmt.Sprintf("%c%c%d", 'a'+rng.IntN(26), 'a'+rng.IntN(26), rng.IntN(1e6)) }
	shared := []kv{
		{fFrom, "Pharmacy <noreply@pharma.example>"},
		{fContentType, "text/html"},
		{fTo, "undisclosed-recipients"},
		{fReplyTo, "sales@pharma.example"},
		{fXMailer, "The Bat! (v3.5)"},
		{fXMailFrom, "bounce@pharma.example"},
		{fLayout, "H1-IMG-A"},
		{fLanguage, "en"},
	}
	var msgs [][]Item
	const campaign, noise, fc = 60, 40, 20
	for range campaign {
		var m []Item
		for _, p := range shared {
			m = append(m, in.Intern(p.t, p.v))
		}
		m = append(m,
			in.Intern(fSubject, normaliseSubject("Best Buy Viagra Online "+token())),
			in.Intern(fDate, token()),
			in.Intern(fReceived, "from "+token()))
		rng.Shuffle(len(m), func(i, j int) { m[i], m[j] = m[j], m[i] })
		msgs = append(msgs, m)
	}
	for range noise {
		msgs = append(msgs, []Item{
			in.Intern(fContentType, "text/html"),
			in.Intern(fFrom, fmt.Sprintf("user%d@example.org", rng.IntN(5))),
			in.Intern(fSubject, []string{"hi", "lunch", "invoice", "re: notes", "photos"}[rng.IntN(5)]),
			in.Intern(fDate, token()),
		})
	}
	rng.Shuffle(len(msgs), func(i, j int) { msgs[i], msgs[j] = msgs[j], msgs[i] })

	for _, ms := range []int{1, fc} {
		t.Run(fmt.Sprintf("minSupport=%d", ms), func(t *testing.T) {
			tr := build(msgs, ms)
			camps := tr.Cut(fc)
			checkInvariants(t, msgs, camps)
			if len(camps) != 1 {
				t.Fatalf("got %d campaigns, want 1: %+v", len(camps), camps)
			}
			var want []Item
			for _, p := range shared {
				want = append(want, in.Intern(p.t, p.v))
			}
			want = append(want, in.Intern(fSubject, "Best Buy Viagra Online"))
			slices.Sort(want)
			if !slices.Equal(camps[0].Items, want) {
				t.Errorf("items %v, want %v", camps[0].Items, want)
			}
			if camps[0].Size != campaign {
				t.Errorf("size %d, want %d", camps[0].Size, campaign)
			}
			for _, m := range camps[0].Messages {
				if len(msgs[m]) != 11 {
					t.Errorf("noise message %d in the campaign", m)
				}
			}
			var got []string
			for _, it := range camps[0].Items {
				typ, v, _ := in.Pair(it)
				got = append(got, fmt.Sprintf("%d=%s", typ, v))
			}
			t.Logf("campaign of %d: %v", camps[0].Size, got)
		})
	}
}

// rep repeats msg n times, appending a unique item (from *u, counting up) to
// each copy so that the copies stay distinct paths under the cut point.
func rep(n int, u *Item, msg ...Item) [][]Item {
	var out [][]Item
	for range n {
		m := append(slices.Clone(msg), *u)
		*u++
		out = append(out, m)
	}
	return out
}

func TestCut(t *testing.T) {
	type want struct {
		items []Item
		msgs  []int32
	}
	seq := func(from, n int) []int32 {
		var s []int32
		for i := range n {
			s = append(s, int32(from+i))
		}
		return s
	}
	u := Item(1000)
	twoCampaigns := slices.Concat(rep(5, &u, 1, 2, 3), rep(4, &u, 2, 1, 4))
	tests := []struct {
		name string
		msgs [][]Item
		fc   int
		want []want
	}{
		{"two campaigns sharing a prefix", twoCampaigns, 3,
			[]want{{[]Item{1, 2, 3}, seq(0, 5)}, {[]Item{1, 2, 4}, seq(5, 4)}}},
		{"campaign below fc not cut", twoCampaigns, 5,
			[]want{{[]Item{1, 2, 3}, seq(0, 5)}}},
		{"children all below fc: cut at the shared prefix", twoCampaigns, 6,
			[]want{{[]Item{1, 2}, seq(0, 9)}}},
		{"nothing reaches fc", twoCampaigns, 10, nil},
		{
			// 5 and 8 both held by 4 messages: 5 goes first (id asc), so the
			// tree is 5(4)→8(2) and 8(2); the {5}-only messages end at 5,
			// whose child 8 reaches fc, and belong to no campaign.
			"frequency ties ordered by id",
			[][]Item{{8, 5}, {5}, {8}, {5, 8}, {5}, {8}}, 2,
			[]want{{[]Item{5, 8}, []int32{0, 3}}, {[]Item{8}, []int32{2, 5}}},
		},
		{
			"duplicates in one message count once",
			[][]Item{{1, 1, 2, 2, 1}, {2, 1, 2}, {1, 2}, {3, 3, 3}, {3}}, 3,
			[]want{{[]Item{1, 2}, []int32{0, 1, 2}}},
		},
		{"empty messages belong to nothing", [][]Item{{}, nil, {7}, {7}}, 2,
			[]want{{[]Item{7}, []int32{2, 3}}}},
		{"fc below 1 is 1: every leaf", [][]Item{{1, 2}, {1, 3}}, 0,
			[]want{{[]Item{1, 2}, []int32{0}}, {[]Item{1, 3}, []int32{1}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			camps := build(tt.msgs, 1).Cut(tt.fc)
			checkInvariants(t, tt.msgs, camps)
			var got []want
			for _, c := range camps {
				got = append(got, want{c.Items, c.Messages})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTreeShape(t *testing.T) {
	// Duplicates are one item: {1,1,2} ×3 is the path root→1→2.
	tr := build([][]Item{{1, 1, 2}, {2, 1, 2, 2}, {2, 1}}, 1)
	if tr.Nodes() != 3 || tr.Messages() != 3 {
		t.Errorf("nodes %d, messages %d; want 3, 3", tr.Nodes(), tr.Messages())
	}
	// Order is global frequency desc then id: 9 (3 messages) before 4 (2).
	tr = build([][]Item{{4, 9}, {9}, {9, 4}}, 1)
	if got := tr.Path(0); !slices.Equal(got, []Item{9, 4}) {
		t.Errorf("path %v, want [9 4]", got)
	}
}

func TestCutIndependentOfInsertionOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	msgs, _ := planted(rng, 6, 10)
	base := build(msgs, 1).Cut(10)
	perm := rng.Perm(len(msgs))
	shuffled := make([][]Item, len(msgs))
	for i, p := range perm {
		shuffled[p] = msgs[i]
	}
	got := build(shuffled, 1).Cut(10)
	if len(got) != len(base) {
		t.Fatalf("%d campaigns, want %d", len(got), len(base))
	}
	for i := range got {
		if !slices.Equal(got[i].Items, base[i].Items) || got[i].Size != base[i].Size {
			t.Errorf("campaign %d: %v/%d, want %v/%d", i, got[i].Items, got[i].Size, base[i].Items, base[i].Size)
		}
		for _, m := range got[i].Messages {
			if !slices.Contains(base[i].Messages, int32(slices.Index(perm, int(m)))) {
				t.Errorf("campaign %d: message %d moved", i, m)
			}
		}
	}
}

// planted returns messages holding k planted campaigns of random sizes in
// [3fc, 8fc) and their expected defining sets (each plus the common item 0),
// mixed with noise messages whose items all stay below fc.
func planted(rng *rand.Rand, k, fc int) (msgs [][]Item, want map[string]int) {
	want = make(map[string]int)
	next := Item(1)
	newItem := func() Item { next++; return next - 1 }
	type camp struct {
		items []Item
		size  int
	}
	var camps []camp
	for range k {
		c := camp{items: []Item{0}, size: 3*fc + rng.IntN(5*fc)}
		for range 3 + rng.IntN(6) {
			c.items = append(c.items, newItem())
		}
		camps = append(camps, c)
	}
	pool := make([]Item, 200)
	for i := range pool {
		pool[i] = newItem()
	}
	uses := make(map[Item]int)
	for _, c := range camps {
		for range c.size {
			m := slices.Clone(c.items)
			for range 1 + rng.IntN(4) { // per-message unique values (Date, Received, ...)
				m = append(m, newItem())
			}
			msgs = append(msgs, m)
		}
		want[fmt.Sprint(c.items)] = c.size
	}
	for range 5 * fc {
		m := []Item{0}
		for range 1 + rng.IntN(5) {
			it := pool[rng.IntN(len(pool))]
			if uses[it] < fc-1 {
				uses[it]++
				m = append(m, it)
			}
		}
		msgs = append(msgs, m)
	}
	rng.Shuffle(len(msgs), func(i, j int) { msgs[i], msgs[j] = msgs[j], msgs[i] })
	for _, m := range msgs {
		rng.Shuffle(len(m), func(i, j int) { m[i], m[j] = m[j], m[i] })
	}
	return msgs, want
}

func TestPlantedCampaignsRecovered(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			fc := 5 + rng.IntN(30)
			msgs, want := planted(rng, 1+rng.IntN(12), fc)
			full := build(msgs, 1).Cut(fc)
			pruned := build(msgs, fc).Cut(fc)
			checkInvariants(t, msgs, full)
			if !reflect.DeepEqual(full, pruned) {
				t.Errorf("pruning at fc changed the cut")
			}
			// Each planted campaign holds its own items: all specific.
			if spec := build(msgs, fc).CutRules(fc, Rules{Specific: DefaultSpecific}); !reflect.DeepEqual(full, spec) {
				t.Errorf("the specificity rule dropped a planted campaign")
			}
			got := make(map[string]int)
			for _, c := range full {
				got[fmt.Sprint(c.Items)] = c.Size
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("fc %d: got %v, want %v", fc, got, want)
			}
		})
	}
}

func TestAutoCut(t *testing.T) {
	tests := []struct{ n, want int }{
		{-1, MinAutoCut}, {0, MinAutoCut}, {1, MinAutoCut}, {50_000, MinAutoCut},
		{117_793, MinAutoCut}, {200_000, 17}, {PaperVolume, PaperCut},
		{PaperVolume + 1, PaperCut + 1}, {12_000_000, 1019}, {10 * PaperVolume, 10 * PaperCut},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n), func(t *testing.T) {
			if got := AutoCut(tt.n); got != tt.want {
				t.Errorf("AutoCut(%d) = %d, want %d", tt.n, got, tt.want)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	day0 := []Campaign{{Items: []Item{1, 2, 3}, Size: 5}, {Items: []Item{4}, Size: 2}}
	day1 := []Campaign{{Items: []Item{3, 1, 2}, Size: 7}, {Items: []Item{1, 2}, Size: 1}}
	day2 := []Campaign{{Items: []Item{4}, Size: 3}, {Items: []Item{2, 3, 1}, Size: 1}}
	tests := []struct {
		name    string
		windows [][]Campaign
		want    []Merged
	}{
		{"none", nil, nil},
		{"order-insensitive across windows", [][]Campaign{day0, day1, day2}, []Merged{
			{Items: []Item{1, 2, 3}, Size: 13, Parts: []Part{{0, 0, 5}, {1, 0, 7}, {2, 1, 1}}},
			{Items: []Item{4}, Size: 5, Parts: []Part{{0, 1, 2}, {2, 0, 3}}},
			{Items: []Item{1, 2}, Size: 1, Parts: []Part{{1, 1, 1}}},
		}},
		{"window order decides output order only", [][]Campaign{day2, day1}, []Merged{
			{Items: []Item{4}, Size: 3, Parts: []Part{{0, 0, 3}}},
			{Items: []Item{1, 2, 3}, Size: 8, Parts: []Part{{0, 1, 1}, {1, 0, 7}}},
			{Items: []Item{1, 2}, Size: 1, Parts: []Part{{1, 1, 1}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Merge(tt.windows); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	if !slices.Equal(day1[0].Items, []Item{3, 1, 2}) {
		t.Errorf("Merge modified its input")
	}
}

func TestInterner(t *testing.T) {
	var in Interner
	if _, ok := in.Lookup(1, "x"); ok {
		t.Fatal("empty Interner found a pair")
	}
	const n = 5000
	for i := range n {
		for typ := range uint8(3) {
			want := Item(i*3 + int(typ))
			if got := in.Intern(typ, fmt.Sprint(i)); got != want {
				t.Fatalf("Intern(%d, %d) = %d, want %d", typ, i, got, want)
			}
		}
	}
	if in.Len() != 3*n {
		t.Errorf("Len %d", in.Len())
	}
	for i := range n {
		for typ := range uint8(3) {
			it, ok := in.Lookup(typ, fmt.Sprint(i))
			gt, gv, pok := in.Pair(it)
			if !ok || !pok || gt != typ || gv != fmt.Sprint(i) || in.Intern(typ, fmt.Sprint(i)) != it {
				t.Fatalf("round trip of (%d, %d): %d %v → (%d, %q)", typ, i, it, ok, gt, gv)
			}
		}
	}
	if _, _, ok := in.Pair(3 * n); ok {
		t.Error("Pair of an unknown item")
	}
	if a, b := in.Intern(1, ""), in.Intern(2, ""); a == b {
		t.Error("empty values of two types collide")
	}
	var other Interner
	got := Reintern(&other, &in, []Item{5, 1 << 30, 0})
	if len(got) != 2 {
		t.Fatalf("Reintern: %v", got)
	}
	if typ, v, _ := other.Pair(got[0]); typ != 2 || v != "1" {
		t.Errorf("Reintern: (%d, %q)", typ, v)
	}
}

func TestCutRules(t *testing.T) {
	// An item's feature type is its hundreds; items from 900 up are weak
	// (a missing header's value). Every message also gets a unique item.
	typ := func(it Item) uint8 { return uint8(it / 100) }
	weak := func(it Item) bool { return it >= 900 && it < 1000 }
	rules := Rules{Specific: DefaultSpecific, Weak: weak, Type: typ}
	type group struct {
		n     int
		items []Item
	}
	type want struct {
		items, variants []Item
		size            int
	}
	tests := []struct {
		name         string
		groups       []group
		paper, rules []want
	}{
		{
			// 201 then a subject from a short list: the paper cuts each
			// large subject apart and drops the rare one; the variant rule
			// cuts at 201, its sub-tree the campaign.
			name: "variants of one type",
			groups: []group{
				{4, []Item{101, 201, 301}}, {4, []Item{101, 201, 302}}, {4, []Item{101, 201, 303}},
				{2, []Item{101, 201, 304}}, {6, []Item{101, 402}},
			},
			paper: []want{{[]Item{101, 201, 301}, nil, 4}, {[]Item{101, 201, 302}, nil, 4}, {[]Item{101, 201, 303}, nil, 4}, {[]Item{101, 402}, nil, 6}},
			rules: []want{{[]Item{101, 201}, []Item{301, 302, 303}, 14}, {[]Item{101, 402}, nil, 6}},
		},
		{
			name: "children of two types are campaigns",
			groups: []group{
				{4, []Item{101, 201, 301}}, {4, []Item{101, 201, 302}}, {4, []Item{101, 201, 401}},
			},
			paper: []want{{[]Item{101, 201, 301}, nil, 4}, {[]Item{101, 201, 302}, nil, 4}, {[]Item{101, 201, 401}, nil, 4}},
			rules: []want{{[]Item{101, 201, 301}, nil, 4}, {[]Item{101, 201, 302}, nil, 4}, {[]Item{101, 201, 401}, nil, 4}},
		},
		{
			// 301 goes on to 501 with all its messages: a chain, so 201's
			// children are not all variants.
			name: "a child with a child of its own",
			groups: []group{
				{4, []Item{101, 201, 301, 501}}, {4, []Item{101, 201, 302}}, {4, []Item{101, 201, 303}},
			},
			paper: []want{{[]Item{101, 201, 301, 501}, nil, 4}, {[]Item{101, 201, 302}, nil, 4}, {[]Item{101, 201, 303}, nil, 4}},
			rules: []want{{[]Item{101, 201, 301, 501}, nil, 4}, {[]Item{101, 201, 302}, nil, 4}, {[]Item{101, 201, 303}, nil, 4}},
		},
		{
			// Names (2xx) and subjects (3xx) both vary: each large name
			// varies its subjects, and the names vary under 101.
			name: "nested variants",
			groups: []group{
				{4, []Item{101, 201, 301}}, {4, []Item{101, 201, 302}},
				{4, []Item{101, 202, 301}}, {4, []Item{101, 202, 302}},
			},
			paper: []want{{[]Item{101, 201, 301}, nil, 4}, {[]Item{101, 201, 302}, nil, 4}, {[]Item{101, 202, 301}, nil, 4}, {[]Item{101, 202, 302}, nil, 4}},
			rules: []want{{[]Item{101}, []Item{201, 202, 301, 302}, 16}},
		},
		{
			// One subject reaches fc, the others do not: 201 (specific) is
			// the campaign when that subject holds less than half of it.
			name: "one large variant of many",
			groups: []group{
				{4, []Item{101, 201, 301}}, {2, []Item{101, 201, 302}}, {2, []Item{101, 201, 303}}, {1, []Item{101, 201, 304}},
			},
			paper: []want{{[]Item{101, 201, 301}, nil, 4}},
			rules: []want{{[]Item{101, 201}, []Item{301}, 9}},
		},
		{
			name: "one large child holding most is a chain",
			groups: []group{
				{6, []Item{101, 201, 301}}, {2, []Item{101, 201, 302}},
			},
			paper: []want{{[]Item{101, 201, 301}, nil, 6}},
			rules: []want{{[]Item{101, 201, 301}, nil, 6}},
		},
		{
			// 399 is weak; 1 is common: a campaign defined by them alone
			// holds 4 of 1's 20 messages and is not specific.
			name: "specificity",
			groups: []group{
				{10, []Item{1, 250}}, {4, []Item{1, 999}}, {6, []Item{1}},
			},
			paper: []want{{[]Item{1, 250}, nil, 10}, {[]Item{1, 999}, nil, 4}},
			rules: []want{{[]Item{1, 250}, nil, 10}},
		},
		{
			// The path {0, 1} is not specific (1 is mostly elsewhere) but
			// its variants are: the variant campaign stands.
			name: "variants make a campaign specific",
			groups: []group{
				{4, []Item{0, 1, 301}}, {4, []Item{0, 1, 302}}, {12, []Item{0, 701}}, {10, []Item{1, 601}},
			},
			paper: []want{{[]Item{0, 1, 301}, nil, 4}, {[]Item{0, 1, 302}, nil, 4}, {[]Item{0, 701}, nil, 12}, {[]Item{1, 601}, nil, 10}},
			rules: []want{{[]Item{0, 1}, []Item{301, 302}, 8}, {[]Item{0, 701}, nil, 12}, {[]Item{1, 601}, nil, 10}},
		},
		{
			// The same with the variants weak: the variant campaign is not
			// specific and gives way to its children, not specific either.
			name: "variants that are not specific",
			groups: []group{
				{4, []Item{0, 1, 998}}, {4, []Item{0, 1, 997}}, {12, []Item{0, 701}}, {10, []Item{1, 601}},
			},
			paper: []want{{[]Item{0, 1, 997}, nil, 4}, {[]Item{0, 1, 998}, nil, 4}, {[]Item{0, 701}, nil, 12}, {[]Item{1, 601}, nil, 10}},
			rules: []want{{[]Item{0, 701}, nil, 12}, {[]Item{1, 601}, nil, 10}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := Item(10000)
			var msgs [][]Item
			for _, g := range tt.groups {
				msgs = append(msgs, rep(g.n, &u, g.items...)...)
			}
			for _, c := range []struct {
				name  string
				rules Rules
				want  []want
			}{{"paper", Rules{}, tt.paper}, {"rules", rules, tt.rules}} {
				for _, ms := range []int{1, 3} {
					camps := build(msgs, ms).CutRules(3, c.rules)
					checkInvariants(t, msgs, camps)
					var got []want
					for _, cp := range camps {
						got = append(got, want{cp.Items, cp.Variants, cp.Size})
						if c.name == "paper" && cp.Variants != nil {
							t.Errorf("paper cut with variants %v", cp.Variants)
						}
					}
					norm := func(ws []want) []string {
						var s []string
						for _, w := range ws {
							s = append(s, fmt.Sprint(w.items, w.variants, w.size))
						}
						slices.Sort(s)
						return s
					}
					if !slices.Equal(norm(got), norm(c.want)) {
						t.Errorf("%s, minSupport %d: got %v, want %v", c.name, ms, norm(got), norm(c.want))
					}
				}
			}
		})
	}
}

// TestInserter: frequencies counted outside, NewRanking, Ranks, a sort by
// CompareRanks and an Inserter give the Tree Build gives.
func TestInserter(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, minSupport := range []int{1, 3, 20} {
		var b Builder
		var msgs [][]Item
		var freq []uint32
		for range 2000 {
			var m []Item
			for range r.IntN(8) {
				m = append(m, Item(r.IntN(60)))
			}
			b.Add(m)
			m = slices.Compact(slices.Sorted(slices.Values(m)))
			msgs = append(msgs, m)
			for _, it := range m {
				for int(it) >= len(freq) {
					freq = append(freq, 0)
				}
				freq[it]++
			}
		}
		want := b.Build(minSupport)
		rk := NewRanking(freq, minSupport)
		ranks := make([][]Item, len(msgs))
		perm := make([]int32, len(msgs))
		for m, items := range msgs {
			ranks[m] = rk.Ranks(nil, items)
			perm[m] = int32(m)
		}
		slices.SortFunc(perm, func(x, y int32) int { return CompareRanks(ranks[x], x, ranks[y], y) })
		ins := rk.NewInserter(len(msgs))
		for _, m := range perm {
			ins.Insert(m, ranks[m])
		}
		if got := ins.Tree(); !reflect.DeepEqual(got, want) {
			t.Errorf("minSupport %d: streamed tree differs from Build's (%d nodes, want %d)", minSupport, got.Nodes(), want.Nodes())
		}
	}
}
