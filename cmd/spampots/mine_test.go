package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spampots/spampots/miner/mine"
	"github.com/spampots/spampots/miner/report"
)

func TestMineConfigProblems(t *testing.T) {
	var out, errb bytes.Buffer
	code := runMine([]string{"--cut", "zero", "--window", "-1h", "--iat-max", "0s", "--nf-cuts", "1,x", "--spill", "lots", "--spill-dir", filepath.Join(t.TempDir(), "nodir"), filepath.Join(t.TempDir(), "nope.mbox")}, &out, &errb)
	if code != 2 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"cut:", "out:", "window", "nope.mbox", "iat-max", "nf-cuts", "spill:", "spill-dir:"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
}

func TestMineDirectory(t *testing.T) {
	dir := t.TempDir()
	msg := "From x Mon Apr  2 00:00:00 2007\nSubject: hi\nDate: Mon, 2 Apr 2007 10:00:00 +0000\n\nbody\n\n"
	os.WriteFile(filepath.Join(dir, "b.mbox"), []byte(msg+msg), 0o644)
	os.WriteFile(filepath.Join(dir, "a.mbx"), []byte(msg), 0o644)
	os.WriteFile(filepath.Join(dir, "skip.txt"), []byte(msg), 0o644)
	out := filepath.Join(dir, "out")
	var so, se bytes.Buffer
	if code := runMine([]string{dir, "--out", out, "--cut", "2"}, &so, &se); code != 0 {
		t.Fatalf("exit %d: %s", code, se.String())
	}
	at, err := os.ReadFile(filepath.Join(out, mine.AssignmentsFile))
	if err != nil {
		t.Fatal(err)
	}
	want := "input\tn\tcampaign\n" + filepath.Join(dir, "a.mbx") + "\t0\tc00001\n" +
		filepath.Join(dir, "b.mbox") + "\t0\tc00001\n" + filepath.Join(dir, "b.mbox") + "\t1\tc00001\n"
	if string(at) != want {
		t.Errorf("assignments:\n%s\nwant:\n%s", at, want)
	}
	if !strings.Contains(so.String(), "3 messages") {
		t.Errorf("stdout %q", so.String())
	}
	checkReport(t, out)
	// Same input, same bytes; --report=false writes the mining files only.
	out2 := filepath.Join(dir, "out2")
	if code := runMine([]string{dir, "--out", out2, "--cut", "2"}, &so, &se); code != 0 {
		t.Fatalf("exit %d: %s", code, se.String())
	}
	for _, name := range append(report.Files(), mine.CampaignsFile, mine.AssignmentsFile) {
		a, _ := os.ReadFile(filepath.Join(out, name))
		b, _ := os.ReadFile(filepath.Join(out2, name))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	out3 := filepath.Join(dir, "out3")
	if code := runMine([]string{dir, "--out", out3, "--report=false"}, &so, &se); code != 0 {
		t.Fatalf("exit %d: %s", code, se.String())
	}
	if _, err := os.Stat(filepath.Join(out3, report.HTMLFile)); err == nil {
		t.Error("--report=false wrote report.html")
	}
}

// checkReport checks the report files in dir: each CSV parses and has a
// header, each SVG parses as XML with an svg root, and report.html links
// every figure.
func checkReport(t *testing.T, dir string) {
	t.Helper()
	html, err := os.ReadFile(filepath.Join(dir, report.HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	svgs := 0
	for _, name := range report.Files() {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Error(err)
			continue
		}
		switch filepath.Ext(name) {
		case ".csv":
			rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err != nil || len(rows) == 0 || len(rows[0]) < 2 {
				t.Errorf("%s: %v (%d rows)", name, err, len(rows))
			}
			if !strings.Contains(string(html), `href="`+name+`"`) {
				t.Errorf("report.html does not link %s", name)
			}
		case ".svg":
			svgs++
			if !strings.Contains(string(html), `src="`+name+`"`) {
				t.Errorf("report.html does not show %s", name)
			}
			d := xml.NewDecoder(bytes.NewReader(b))
			first := true
			for {
				tok, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Errorf("%s: %v", name, err)
					break
				}
				if se, ok := tok.(xml.StartElement); ok && first {
					first = false
					if se.Name.Local != "svg" {
						t.Errorf("%s: root %s", name, se.Name.Local)
					}
				}
			}
		}
	}
	if svgs < 18 {
		t.Errorf("%d figures", svgs)
	}
}

func TestMineParseCuts(t *testing.T) {
	for in, want := range map[string]string{
		"auto": "[5 10 20 50 100 200 500 1000 2000 5000 10000 20000 50000 100000 200000 500000 1000000]",
		"none": "[]", "10, 100,1000": "[10 100 1000]",
	} {
		if got, err := parseCuts(in); err != nil || fmt.Sprint(got) != want {
			t.Errorf("parseCuts(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"0", "x", "1,,2", "-5"} {
		if _, err := parseCuts(bad); err == nil {
			t.Errorf("parseCuts(%q) accepted", bad)
		}
	}
}

func TestMineProgressLine(t *testing.T) {
	tests := []struct {
		name string
		s    progressState
		want string
	}{
		{"reading, size known", progressState{Bytes: 25e6, Total: 100e6, Messages: 1234, Elapsed: 5 * time.Second},
			"mine: [======>                 ]  25%  1234 msgs  5.0 MB/s  ETA 0:15"},
		{"reading done", progressState{Bytes: 100e6, Total: 100e6, Messages: 5000, Elapsed: 20 * time.Second},
			"mine: [========================] 100%  5000 msgs  5.0 MB/s  ETA 0:00"},
		{"nothing read yet", progressState{Total: 100e6}, "mine: [>                       ]   0%  0 msgs  0.0 MB/s  ETA ?"},
		{"standard input", progressState{Bytes: 3e6, Total: -1, Messages: 10, Elapsed: time.Second}, "mine: 10 msgs  3.0 MB/s"},
		{"mining windows", progressState{Bytes: 1, Total: 1, Messages: 10, Windows: 44, WindowsDone: 12}, "mine: 10 msgs, windows 12/44"},
		{"writing", progressState{Messages: 10, Windows: 1, Phase: "writing"}, "mine: 10 msgs, writing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := progressLine(tt.s); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestMineProgressBar(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	var buf bytes.Buffer
	if isTerminal(&buf) || isTerminal(w) {
		t.Fatal("a buffer or a pipe taken for a terminal")
	}
	// Off a terminal: no ticks, nothing drawn.
	bar := startProgress(&buf, new(mine.Progress), 10, time.Now(), nil)
	bar.phase("writing")
	bar.stop()
	bar.stop()
	if buf.Len() != 0 {
		t.Errorf("progress written off a terminal: %q", buf.String())
	}
	// On one: a line per tick, cleared at the end.
	p := new(mine.Progress)
	p.InputBytes.Store(50e6)
	p.Messages.Store(1000)
	start := time.Now()
	ticks := make(chan time.Time)
	bar = startProgress(&buf, p, 100e6, start, ticks)
	ticks <- start.Add(10 * time.Second)
	bar.phase("writing")
	ticks <- start.Add(11 * time.Second)
	bar.stop()
	want := "\rmine: [============>           ]  50%  1000 msgs  5.0 MB/s  ETA 0:10\x1b[K\rmine: 1000 msgs, writing\x1b[K\r\x1b[K"
	if buf.String() != want {
		t.Errorf("drawn %q\nwant  %q", buf.String(), want)
	}
	// A log line first clears a drawn status line.
	buf.Reset()
	bar = &progressBar{w: &buf, drawn: true}
	fmt.Fprintln(bar, "a log line")
	fmt.Fprintln(bar, "another")
	if want := "\r\x1b[Ka log line\nanother\n"; buf.String() != want {
		t.Errorf("logged %q, want %q", buf.String(), want)
	}

	f := filepath.Join(t.TempDir(), "a.mbox")
	os.WriteFile(f, []byte("12345"), 0o644)
	if n := inputSize([]mine.Input{mine.FileInput(f), mine.FileInput(f)}); n != 10 {
		t.Errorf("input size %d", n)
	}
	if n := inputSize([]mine.Input{mine.FileInput(f), mine.FileInput("-")}); n != -1 {
		t.Errorf("input size with stdin %d", n)
	}
}

// TestMineSpill: the out-of-core path at a tiny budget writes the same
// files, report included, as --spill off, and leaves nothing in
// --spill-dir.
func TestMineSpill(t *testing.T) {
	dir := t.TempDir()
	var mbox bytes.Buffer
	for d := 2; d <= 4; d++ {
		for i := range 40 {
			fmt.Fprintf(&mbox, "From x Mon Apr  %d 00:00:00 2007\nSubject: offer %d\nFrom: a%d@example.com\nDate: Mon, %d Apr 2007 %02d:00:00 +0000\n\nbody %d\n\n", d, i%3, i%5, d, i%24, i%7)
		}
	}
	in := filepath.Join(dir, "in.mbox")
	os.WriteFile(in, mbox.Bytes(), 0o644)
	spillDir := filepath.Join(dir, "spill")
	os.Mkdir(spillDir, 0o755)
	var so, se bytes.Buffer
	for _, args := range [][]string{{"--spill", "off", "--out", filepath.Join(dir, "off")}, {"--spill", "200B", "--spill-dir", spillDir, "--out", filepath.Join(dir, "on")}} {
		if code := runMine(append(args, "--cut", "5", "--log-level", "warn", in), &so, &se); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, se.String())
		}
	}
	for _, name := range append(report.Files(), mine.CampaignsFile, mine.AssignmentsFile) {
		a, _ := os.ReadFile(filepath.Join(dir, "off", name))
		b, _ := os.ReadFile(filepath.Join(dir, "on", name))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs out of core", name)
		}
	}
	if ents, _ := os.ReadDir(spillDir); len(ents) > 0 {
		t.Errorf("spill directory not emptied: %v", ents)
	}
}

func TestMineCorpus(t *testing.T) {
	corpus := "../../../shared/corpus/trec07p-half-spam.mbox.zst"
	if testing.Short() {
		t.Skip("-short")
	}
	if _, err := os.Stat(corpus); err != nil {
		t.Skip(err)
	}
	out := t.TempDir()
	var so, se bytes.Buffer
	if code := runMine([]string{"--out", out, "--log-level", "warn", corpus}, &so, &se); code != 0 {
		t.Fatalf("exit %d: %s", code, se.String())
	}
	t.Log(strings.TrimSpace(so.String()))
	f, err := os.Open(filepath.Join(out, mine.AssignmentsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	if sc.Text() != "input\tn\tcampaign" {
		t.Fatalf("header %q", sc.Text())
	}
	const total = 26698
	seen := make([]bool, total)
	rows, inCamp := 0, 0
	for sc.Scan() {
		fl := strings.Split(sc.Text(), "\t")
		n, err := strconv.Atoi(fl[1])
		if len(fl) != 3 || err != nil || fl[0] != corpus || n < 0 || n >= total || seen[n] {
			t.Fatalf("row %d: %q", rows, sc.Text())
		}
		seen[n] = true
		rows++
		if fl[2] != "" {
			inCamp++
		}
	}
	if rows != total {
		t.Fatalf("%d rows, want %d", rows, total)
	}
	var sum mine.Summary
	sj, _ := os.ReadFile(filepath.Join(out, mine.SummaryFile))
	if err := json.Unmarshal(sj, &sum); err != nil {
		t.Fatal(err)
	}
	t.Logf("windows %d, campaigns %d before merge, %d after, %d messages in campaigns (%d from rows), bad %v, undated %d, input errors %v",
		sum.Windows, sum.CampaignsBeforeMerge, sum.Campaigns, sum.InCampaigns, inCamp, sum.BadMessages, sum.Undated, sum.InputErrors)
	if sum.Campaigns < 1 {
		t.Fatal("no campaign")
	}
	checkReport(t, out)
	t1, _ := os.ReadFile(filepath.Join(out, report.Table1File))
	if !strings.Contains(string(t1), "\nmessages,26698,1083699945\n") {
		t.Errorf("table1.csv:\n%s", t1)
	}
	t.Logf("table1.csv:\n%s", t1)
	cj, _ := os.ReadFile(filepath.Join(out, mine.CampaignsFile))
	lines := strings.Split(strings.TrimSpace(string(cj)), "\n")
	for i, l := range lines[:min(5, len(lines))] {
		var c mine.Campaign
		if err := json.Unmarshal([]byte(l), &c); err != nil {
			t.Fatal(err)
		}
		var subj, from string
		for _, a := range c.Attributes {
			switch a.Type {
			case "Subject":
				subj = a.Value
			case "From":
				from = a.Value
			}
		}
		t.Logf("#%d %s size %d, %d windows, %d attributes, Subject %q, From %q", i+1, c.ID, c.Size, len(c.Windows), len(c.Attributes), subj, from)
	}
}
