package mine

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/spampots/spampots/spool/mbox"
)

// token is a random mixed alphanumeric run: masked to "*" by features.
func token(r *rand.Rand) string {
	const letters, digits = "abcdefghijklmnopqrstuvwxyz", "0123456789"
	b := []byte{letters[r.IntN(26)], digits[r.IntN(10)]}
	for range 4 + r.IntN(4) {
		b = append(b, (letters + digits)[r.IntN(36)])
	}
	return string(b)
}

var words = strings.Fields("apple river stone cloud maple harbor violet copper lantern meadow " +
	"falcon summit canyon willow ember glacier orchard prairie tundra beacon")

func entry(b *bytes.Buffer, from, org, subject, mailer, date, body string) {
	fmt.Fprintf(b, "From MAILER-DAEMON Mon Apr  2 00:00:00 2007\n")
	fmt.Fprintf(b, "From: %s\nTo: <someone@example.com>\nSubject: %s\nDate: %s\nMIME-Version: 1.0\n", from, subject, date)
	if org != "" {
		fmt.Fprintf(b, "Organization: %s\n", org)
	}
	if mailer != "" {
		fmt.Fprintf(b, "X-Mailer: %s\n", mailer)
	}
	fmt.Fprintf(b, "Content-Type: text/plain\n\n%s\n\n", body)
}

// corpus returns an mbox of 80 messages: template A (30), template B (30)
// and 20 one-offs, shuffled, and the template of each message ("A", "B", "").
func corpus(seed uint64) ([]byte, []string) { return corpusDay(seed, 2) }

func corpusDay(seed uint64, day int) ([]byte, []string) {
	r := rand.New(rand.NewPCG(seed, 1))
	kinds := make([]string, 0, 80)
	for range 30 {
		kinds = append(kinds, "A", "B")
	}
	for range 20 {
		kinds = append(kinds, "")
	}
	r.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	var b bytes.Buffer
	body := "zzq xxv wwk\nqqz vvx kkw\nzzq\n"
	for i, k := range kinds {
		date := fmt.Sprintf("Mon, %d Apr 2007 %02d:%02d:%02d +0000", day, r.IntN(24), r.IntN(60), r.IntN(60))
		switch k {
		case "A":
			entry(&b, fmt.Sprintf("Pharmacy <%s@pills-direct.com>", token(r)), "Pills Inc",
				"Best Buy Viagra Online "+token(r), "PillMailer 2.0", date, body)
		case "B":
			entry(&b, fmt.Sprintf("\"Stock Alert\" <%s@stocks-now.net>", token(r)), "Alert Co",
				"Hot stock pick "+token(r)+" today", "StockBlaster", date, body)
		default:
			w := words[i%len(words)]
			entry(&b, fmt.Sprintf("%s <%s@%s-%d.org>", w, w, w, i), fmt.Sprintf("%s org %d", w, i),
				fmt.Sprintf("%s and %s meeting", w, words[(i*7+3)%len(words)]), fmt.Sprintf("%s mailer", w), date, body)
		}
	}
	return b.Bytes(), kinds
}

func bytesInput(name string, data []byte) Input {
	return Input{Name: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

func readTSV(t *testing.T, r *Result) [][]string {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteAssignments(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if lines[0] != "input\tn\tcampaign" {
		t.Fatalf("header %q", lines[0])
	}
	var rows [][]string
	for _, l := range lines[1:] {
		f := strings.Split(l, "\t")
		if len(f) != 3 {
			t.Fatalf("row %q", l)
		}
		rows = append(rows, f)
	}
	return rows
}

func TestPlantedCampaigns(t *testing.T) {
	data, kinds := corpus(7)
	res, err := Run(context.Background(), Config{Workers: 4}, []Input{bytesInput("planted", data)})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	if s.Messages != 80 || s.Windows != 1 || s.Campaigns != 2 || s.Undated != 0 || len(s.BadMessages) != 0 {
		t.Fatalf("summary %+v", s)
	}
	rows := readTSV(t, res)
	if len(rows) != 80 {
		t.Fatalf("%d rows", len(rows))
	}
	camp := map[string]string{} // kind → campaign id
	for i, row := range rows {
		if row[0] != "planted" || row[1] != fmt.Sprint(i) {
			t.Fatalf("row %d: %q", i, row)
		}
		k := kinds[i]
		if k == "" {
			if row[2] != "" {
				t.Errorf("one-off %d in campaign %s", i, row[2])
			}
			continue
		}
		if row[2] == "" {
			t.Errorf("message %d of %s in no campaign", i, k)
		} else if c, ok := camp[k]; !ok {
			camp[k] = row[2]
		} else if c != row[2] {
			t.Errorf("message %d of %s in %s, others in %s", i, k, row[2], c)
		}
	}
	if camp["A"] == camp["B"] {
		t.Fatalf("A and B in one campaign %s", camp["A"])
	}
	for _, c := range res.Campaigns {
		t.Logf("%s size %d windows %v first %v last %v attrs %v samples %v", c.ID, c.Size, c.Windows, c.FirstSeen, c.LastSeen, c.Attributes, c.Samples)
		if c.Size != 30 || len(c.Samples) != MaxSamples || c.Days != 1 || c.FirstSeen == nil {
			t.Errorf("campaign %+v", c)
		}
		var subj string
		for _, a := range c.Attributes {
			if a.Type == "Subject" {
				subj = a.Value
			}
		}
		want := map[string]string{camp["A"]: "best buy viagra online *", camp["B"]: "hot stock pick * today"}[c.ID]
		if subj != want {
			t.Errorf("%s subject %q, want %q", c.ID, subj, want)
		}
	}
	// Determinism: another worker count gives the same files.
	res2, err := Run(context.Background(), Config{Workers: 1}, []Input{bytesInput("planted", data)})
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	res.WriteCampaigns(&a)
	res2.WriteCampaigns(&b)
	if a.String() != b.String() {
		t.Errorf("campaigns differ between runs:\n%s\n%s", a.String(), b.String())
	}
}

// TestCutRules: a template whose Subject is drawn from a list of three is
// one campaign with the variant rule, three without; one-offs sharing only
// common headers make no campaign with the specificity rule, one without.
func TestCutRules(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 1))
	var b bytes.Buffer
	subjects := []string{"Cheap meds here", "Your pharmacy order", "Best prices on pills"}
	for i := range 90 {
		date := fmt.Sprintf("Mon, 2 Apr 2007 %02d:%02d:%02d +0000", r.IntN(24), r.IntN(60), r.IntN(60))
		entry(&b, fmt.Sprintf("Pharmacy <%s@pills-direct.com>", token(r)), "", subjects[i%3], "PillMailer 2.0", date, "Hello\n")
	}
	for i := range 12 { // one-offs: only their Subject, From and mailer are their own
		entry(&b, fmt.Sprintf("<%s@%s.org>", words[i], words[i+1]), "", words[i]+" "+words[i+2], "", "Mon, 2 Apr 2007 10:00:00 +0000", "Hello\n")
	}
	data := b.Bytes()
	for _, tt := range []struct {
		name      string
		cfg       Config
		campaigns int
		variants  int
	}{
		{"rules", Config{}, 1, 3},
		{"no variants", Config{NoVariants: true}, 3, 0},
		{"paper", Config{NoVariants: true, Specific: -1}, 4, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Run(context.Background(), tt.cfg, []Input{bytesInput("rules", data)})
			if err != nil {
				t.Fatal(err)
			}
			variants := 0
			for _, c := range res.Campaigns {
				variants += len(c.Variants)
				t.Logf("%s %d %v %v", c.ID, c.Size, c.Attributes, c.Variants)
			}
			if len(res.Campaigns) != tt.campaigns || variants != tt.variants {
				t.Errorf("%d campaigns, %d variants; want %d, %d", len(res.Campaigns), variants, tt.campaigns, tt.variants)
			}
			if tt.campaigns == 1 && (res.Campaigns[0].Size != 90 || res.Campaigns[0].Variants[0].Type != "Subject") {
				t.Errorf("campaign %+v", res.Campaigns[0])
			}
		})
	}
}

func TestBrokenInputs(t *testing.T) {
	data, kinds := corpus(11)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	enc, _ := zstd.NewWriter(nil)
	zst := enc.EncodeAll(data, nil)
	var garbage bytes.Buffer
	garbage.WriteString("From x\n\x00\x01\xff garbage ::: \n\tno header here\n\n")
	garbage.WriteString("From y\n\n")
	garbage.WriteString("From z Mon Apr  2 00:00:00 2007\nSubject: big\n\n" + strings.Repeat("x", 10000) + "\n\n")
	garbage.WriteString("From w Mon Apr  2 00:00:00 2007\nSubject: fine\nDate: not a date\n\nbody\n")

	inputs := []Input{
		FileInput(write("a.mbox.gz", gz.Bytes())),
		FileInput(write("b.mbox.zst", zst[:len(zst)/2])),
		FileInput(write("c.mbox", nil)),
		FileInput(write("d.mbox", garbage.Bytes())),
		FileInput(filepath.Join(dir, "missing.mbox")),
		FileInput(write("e.mbox.zst", zst)),
	}
	res, err := Run(context.Background(), Config{Workers: 3, MaxEntry: 4096}, inputs)
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	out := filepath.Join(dir, "out")
	if err := res.WriteDir(out); err != nil {
		t.Fatal(err)
	}
	sj, _ := os.ReadFile(filepath.Join(out, SummaryFile))
	t.Logf("summary: %s", sj)

	if len(s.InputErrors) != 2 || s.InputErrors[0].Input != inputs[1].Name || s.InputErrors[1].Input != inputs[4].Name {
		t.Fatalf("input errors %+v", s.InputErrors)
	}
	truncated := s.InputErrors[0].Messages
	if truncated >= 80 {
		t.Fatalf("truncated input gave %d messages", truncated)
	}
	if want := 80 + truncated + 4 + 80; s.Messages != want {
		t.Fatalf("messages %d, want %d", s.Messages, want)
	}
	if s.BadMessages[BadNoHeaders] != 1 || s.BadMessages[BadEmpty] != 1 || s.BadMessages[BadTooLarge] != 1 {
		t.Errorf("bad %v", s.BadMessages)
	}
	if s.Undated != 2 { // garbage, empty; the bad Date falls back to the From_ line; the too-large one has no time
		t.Errorf("undated %d", s.Undated)
	}
	rows := readTSV(t, res)
	if len(rows) != s.Messages {
		t.Fatalf("%d rows for %d messages", len(rows), s.Messages)
	}
	next := map[string]int{}
	for _, row := range rows {
		if row[1] != fmt.Sprint(next[row[0]]) {
			t.Fatalf("row %q, want n %d", row, next[row[0]])
		}
		next[row[0]]++
	}
	if next[inputs[0].Name] != 80 || next[inputs[5].Name] != 80 || next[inputs[3].Name] != 4 || next[inputs[1].Name] != truncated {
		t.Errorf("per input %v", next)
	}
	// The two templates are still found, across the readable inputs.
	if s.Campaigns != 2 {
		t.Fatalf("campaigns %d", s.Campaigns)
	}
	for _, row := range rows[80+truncated : 80+truncated+4] {
		if row[2] != "" {
			t.Errorf("garbage message in a campaign: %q", row)
		}
	}
	for i, row := range rows[len(rows)-80:] {
		if (kinds[i] == "") != (row[2] == "") {
			t.Errorf("e.mbox.zst %d (%q) assigned %q", i, kinds[i], row[2])
		}
	}
	// Output files are well formed.
	cj, _ := os.ReadFile(filepath.Join(out, CampaignsFile))
	for _, l := range strings.Split(strings.TrimSpace(string(cj)), "\n") {
		var c Campaign
		if err := json.Unmarshal([]byte(l), &c); err != nil || c.ID == "" || c.Size == 0 {
			t.Errorf("campaign line %q: %v", l, err)
		}
	}
	at, _ := os.ReadFile(filepath.Join(out, AssignmentsFile))
	if n := strings.Count(string(at), "\n"); n != s.Messages+1 {
		t.Errorf("assignments.tsv has %d lines", n)
	}
}

func TestCancel(t *testing.T) {
	data, _ := corpus(3)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, Config{}, []Input{bytesInput("x", data)}); err == nil {
		t.Fatal("no error after cancel")
	}
}

func TestMergeAcrossWindows(t *testing.T) {
	d2, _ := corpusDay(5, 2)
	d3, _ := corpusDay(6, 3)
	res, err := Run(context.Background(), Config{Workers: 2}, []Input{bytesInput("d2", d2), bytesInput("d3", d3)})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	if s.Windows != 2 || s.CampaignsBeforeMerge != 4 || s.Campaigns != 2 || s.InCampaigns != 120 {
		t.Fatalf("summary %+v", s)
	}
	for _, c := range res.Campaigns {
		if c.Size != 60 || c.Days != 2 || len(c.Windows) != 2 || c.Windows[0] != "2007-04-02T00:00:00Z" {
			t.Errorf("campaign %+v", c)
		}
	}
}

func TestMessageTime(t *testing.T) {
	from := "From spammer@example.com Sun Apr  8 13:07:32 2007"
	received := time.Date(2007, 4, 8, 13, 7, 32, 0, time.UTC).UnixMicro()
	tests := []struct {
		name string
		env  mbox.Envelope
		msg  string
		from string
		want int64
	}{
		{"sensor time wins", mbox.Envelope{SensorTime: time.Unix(1e9, 0)}, "Date: Sun, 8 Apr 2007 13:00:00 +0000\n\nx", from, 1e15},
		{"a plausible Date", mbox.Envelope{}, "Date: Sun, 8 Apr 2007 10:00:00 +0000\n\nx", from, time.Date(2007, 4, 8, 10, 0, 0, 0, time.UTC).UnixMicro()},
		{"a 1970 Date gives way to the From_ line", mbox.Envelope{}, "Date: Thu, 1 Jan 1970 00:00:00 +0000\n\nx", from, received},
		{"a Date months away gives way", mbox.Envelope{}, "Date: Mon, 8 Oct 2007 10:00:00 +0000\n\nx", from, received},
		{"no From_ line: the Date stands", mbox.Envelope{}, "Date: Mon, 8 Oct 2007 10:00:00 +0000\n\nx", "", time.Date(2007, 10, 8, 10, 0, 0, 0, time.UTC).UnixMicro()},
		{"year 9744 and no From_ line: undated", mbox.Envelope{}, "Date: Mon, 8 Oct 9744 10:00:00 +0000\n\nx", "", noTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := messageTime(&tt.env, []byte(tt.msg), tt.from); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}
