package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spampots/spampots/miner/mine"
)

func TestMineConfigProblems(t *testing.T) {
	var out, errb bytes.Buffer
	code := runMine([]string{"--cut", "zero", "--window", "-1h", filepath.Join(t.TempDir(), "nope.mbox")}, &out, &errb)
	if code != 2 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"cut:", "out:", "window", "nope.mbox"} {
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
