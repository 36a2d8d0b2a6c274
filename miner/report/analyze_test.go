package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spampots/spampots/miner/mine"
)

// entry writes one plain mbox message dated at, relayed to mx.example.org
// by ip.
func entry(b *bytes.Buffer, at time.Time, ip, from, subject, mailer string) {
	fmt.Fprintf(b, "From x@example.com %s\n", at.Format(time.ANSIC))
	fmt.Fprintf(b, "Received: from client (client [%s]) by mx.example.org with SMTP; %s\n", ip, at.Format(time.RFC1123Z))
	fmt.Fprintf(b, "From: %s\nTo: <v@example.org>\nSubject: %s\nDate: %s\nMIME-Version: 1.0\nX-Mailer: %s\nContent-Type: text/plain\n\nhello there\n\n",
		from, subject, at.Format(time.RFC1123Z), mailer)
}

var day1 = time.Date(2011, 8, 1, 10, 0, 0, 0, time.UTC)

// planted is a hand-checkable input:
//
//   - campaign A, 24 messages: 12 on day 1 at 10:00 + k min (k = 0..11),
//     12 on day 2 at the same times; k even from 198.51.100.1, odd from
//     198.51.100.2. D(A) = 24 h 11 min; 2 bursts of 12 at IAT_max 2000 s;
//     one inactivity period, 10:11 to 10:00 next day = 1429 min.
//   - campaign B, 12 messages on day 1 at 12:00 + k·3000 s from
//     198.51.100.3: D(B) = 33000 s = 9 h 10 min; every gap of 3000 s >
//     2000 s, so 12 bursts of 1 and 11 inactivity periods of 50 min.
//   - 5 one-offs at 20:00 + k h, each from its own IP: 4 on day 1, the
//     last at midnight, on day 2. Day 1 has 28 messages, day 2 13.
func planted() []byte {
	var b bytes.Buffer
	for d := range 2 {
		for k := range 12 {
			ip := "198.51.100.1"
			if k%2 == 1 {
				ip = "198.51.100.2"
			}
			entry(&b, day1.Add(time.Duration(d)*24*time.Hour+time.Duration(k)*time.Minute), ip,
				"Pharmacy <sales@pills.example>", fmt.Sprintf("Best Buy Viagra Online q%dx%d", d, k), "PillMailer 2.0")
		}
	}
	for k := range 12 {
		entry(&b, day1.Add(2*time.Hour+time.Duration(k)*3000*time.Second), "198.51.100.3",
			"\"Stock Alert\" <alert@stocks.example>", fmt.Sprintf("Hot stock pick z%dk today", k), "StockBlaster")
	}
	for k, w := range []string{"apple", "river", "stone", "cloud", "maple"} {
		entry(&b, day1.Add(10*time.Hour+time.Duration(k)*time.Hour), fmt.Sprintf("203.0.113.%d", k+1),
			fmt.Sprintf("%s <%s@%s.example>", w, w, w), w+" meeting", w+" mailer")
	}
	return b.Bytes()
}

func run(t *testing.T, data []byte) *mine.Result {
	t.Helper()
	in := mine.Input{Name: "planted.mbox", Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
	res, err := mine.Run(context.Background(), mine.Config{Workers: 2, CutCurve: []int{1, 2, 5, 10, 12, 13, 100}, TreeNodes: 20}, []mine.Input{in})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func finding(r *Report, fig, metric string) float64 {
	for _, f := range r.Findings {
		if f.Figure == fig && f.Metric == metric {
			return f.Value
		}
	}
	return -1
}

func TestAnalyzePlanted(t *testing.T) {
	res := run(t, planted())
	r := Analyze(res)

	t1 := r.Table1
	if t1.Messages != 41 || t1.Days != 2 || t1.MeanPerDay != 20.5 || t1.UniqueIPs != 8 ||
		t1.CampaignsBeforeMerge != 3 || t1.CampaignsAfterMerge != 2 || t1.InCampaigns != 36 || t1.Windows != 2 {
		t.Fatalf("table 1 %+v", t1)
	}
	if !t1.First.Equal(day1) || !t1.Last.Equal(day1.Add(24*time.Hour+11*time.Minute)) || t1.Bytes != res.Summary.Bytes {
		t.Errorf("first %v last %v bytes %d", t1.First, t1.Last, t1.Bytes)
	}
	if r.Cut != 10 || r.IATMax != 2000*time.Second {
		t.Errorf("cut %d, IAT_max %v", r.Cut, r.IATMax)
	}

	// Per campaign, by hand, and as campaigns.jsonl has them.
	if len(r.Campaigns) != 2 {
		t.Fatalf("campaigns %+v", r.Campaigns)
	}
	a, b := r.Campaigns[0], r.Campaigns[1]
	if a.Size != 24 || a.Dated != 24 || a.DurationHours != 24+11.0/60 || a.Days != 2 || a.Bursts != 2 || a.SourceIPs != 2 {
		t.Errorf("A %+v", a)
	}
	if b.Size != 12 || b.DurationHours != 33000.0/3600 || b.Days != 1 || b.Bursts != 12 || b.SourceIPs != 1 {
		t.Errorf("B %+v", b)
	}
	for i, c := range res.Campaigns {
		row := r.Campaigns[i]
		if c.ID != row.ID || c.Bursts != row.Bursts || c.DurationHours != row.DurationHours || c.SourceIPs != row.SourceIPs || c.Days != row.Days || c.Bytes != row.Bytes {
			t.Errorf("campaigns.jsonl %+v and the report %+v disagree", c, row)
		}
	}

	// Pearson of two points is 1 here (the larger campaign lasts longer).
	if r.PearsonN != 2 || !near(r.Pearson, 1) {
		t.Errorf("pearson %v over %d", r.Pearson, r.PearsonN)
	}
	// E(h): M = 41; both campaigns last ≥ 9 h, only A ≥ 10 h; none 25 h.
	for h, want := range map[float64]float64{0: 36.0 / 41, 9: 36.0 / 41, 10: 24.0 / 41, 24: 24.0 / 41, 25: 0} {
		if got := r.Exposure[int(h)]; got.X != h || !near(got.Y, want) {
			t.Errorf("E(%v) = %+v, want %v", h, got, want)
		}
	}
	if last := r.Exposure[len(r.Exposure)-1]; last.X != 25 {
		t.Errorf("E(h) up to %v h, want 25 (ceil of D(A))", last.X)
	}

	// Bursts: A 12+12, B 12×1.
	if fmt.Sprint(r.BurstMessages) != "[{1 12 0.8571428571428571} {12 14 1}]" {
		t.Errorf("messages per burst %v", r.BurstMessages)
	}
	if fmt.Sprint(r.BurstsPerCampaign) != "[{2 1 0.5} {12 2 1}]" {
		t.Errorf("bursts per campaign %v", r.BurstsPerCampaign)
	}
	// IATs in campaigns: A 22 of 60 s and one of 1429 min, B 11 of 3000 s.
	iat := r.CampaignIAT
	if len(iat) != 3 || iat[0] != (CDFPoint{60, 22, 22.0 / 34}) || iat[1] != (CDFPoint{3000, 33, 33.0 / 34}) || iat[2].Value != 1429*60 {
		t.Errorf("campaign IATs %v", iat)
	}
	// Inactivity: campaigns 11×50 min and 1429 min; IPs: B's IP 11×50,
	// A's two IPs 1430 min each (10:10→10:00 and 10:11→10:01; their own
	// gaps are 120 s).
	camp := r.InactivityCDF[0].Points
	ips := r.InactivityCDF[1].Points
	if fmt.Sprint(camp) != "[{50 11 0.9166666666666666} {1429 12 1}]" {
		t.Errorf("campaign inactivity %v", camp)
	}
	if fmt.Sprint(ips) != "[{50 11 0.8461538461538461} {1430 13 1}]" {
		t.Errorf("IP inactivity %v", ips)
	}
	if r.CampInactivity[0].Count != 11 || r.CampInactivity[23].Count != 1 || r.CampInactOver != 0 {
		t.Errorf("campaign inactivity histogram %v", r.CampInactivity[:25])
	}
	if got := finding(r, "fig9a", "share_campaign_inactivity_1380_1500min"); !near(got, 1.0/12) {
		t.Errorf("share around a day %v", got)
	}
	// IPs per campaign: A 2, B 1; messages per IP: 5 IPs with 1, A's two
	// with 12, B's with 12.
	if fmt.Sprint(r.IPsPerCampaign) != "[{1 1 0.5} {2 2 1}]" || fmt.Sprint(r.MessagesPerIP) != "[{1 5 0.625} {12 8 1}]" {
		t.Errorf("IPs per campaign %v, messages per IP %v", r.IPsPerCampaign, r.MessagesPerIP)
	}
	// Send profile.
	if r.ProfileCampaigns != 2 || !near(r.Profile[100], 1) {
		t.Errorf("profile over %d campaigns ends at %v", r.ProfileCampaigns, r.Profile[100])
	}
	// At x = 50: A has its 12 day-1 messages (12/24); B those with
	// k·3000 ≤ 16500 s, k = 0..5 (6/12).
	if !near(r.Profile[50], 0.5) {
		t.Errorf("profile at 50%%: %v", r.Profile[50])
	}
	// Fig. 5(b): both campaigns, by rank.
	if len(r.Raster) != 2 || r.Raster[0].Campaign != "c00001" || len(r.Raster[1].Hours) != 12 || r.Raster[0].Hours[0] != 0 {
		t.Errorf("raster %+v", r.Raster)
	}
	// N(f): day 1 has A, B at f = 10 and 12; day 2 has A.
	want := map[int]float64{10: 1.5, 12: 1.5}
	for _, row := range r.NF {
		if w, ok := want[row.F]; ok && (row.Mean != w || row.Windows != 2 || row.Total != 3 || row.Min != 1 || row.Max != 2) {
			t.Errorf("N(%d) %+v", row.F, row)
		}
		if row.F > 28 {
			t.Errorf("N(%d): f beyond the largest window (28 messages)", row.F)
		}
	}
	if r.Tree == nil || r.Tree.Messages != 28 {
		t.Errorf("tree %+v", r.Tree)
	}
	for _, id := range []string{"table1", "fig1", "fig2", "fig3a", "fig3b", "fig4a", "fig4b", "fig5a", "fig5b", "fig6a", "fig6b", "fig7a", "fig7b", "fig8a", "fig8b", "fig9a", "fig9b", "fig10a", "fig10b"} {
		if r.readings[id] == "" {
			t.Errorf("no reading for %s", id)
		}
	}
}

func TestAnalyzeEmpty(t *testing.T) {
	res := run(t, nil)
	r := Analyze(res)
	if r.Table1.Messages != 0 || len(r.Campaigns) != 0 || r.PearsonN != 0 || r.Tree != nil {
		t.Fatalf("%+v", r)
	}
	checkDir(t, r)
}

// checkDir writes r and checks every file: CSV with its header, SVG that
// parses as XML, report.html linking every figure and table.
func checkDir(t *testing.T, r *Report) string {
	t.Helper()
	dir := t.TempDir()
	if err := r.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	checkFiles(t, dir)
	return dir
}

func TestWriteDirDeterministic(t *testing.T) {
	data := planted()
	d1 := checkDir(t, Analyze(run(t, data)))
	d2 := checkDir(t, Analyze(run(t, data)))
	for _, name := range Files() {
		a, _ := os.ReadFile(filepath.Join(d1, name))
		b, _ := os.ReadFile(filepath.Join(d2, name))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	entries, _ := os.ReadDir(d1)
	if len(entries) != len(Files()) {
		t.Errorf("%d files written, %d listed", len(entries), len(Files()))
	}
}

// checkFiles checks a written report: every file of Files, CSV that
// parses with its header, SVG that parses as XML with an svg root, and
// report.html linking every figure and its table.
func checkFiles(t *testing.T, dir string) {
	t.Helper()
	html, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	headers := map[string]string{Table1File: "metric,value,paper", FindingsFile: "figure,metric,value,paper"}
	for _, fg := range figures() {
		if !strings.Contains(string(html), `src="`+fg.SVG+`"`) || !strings.Contains(string(html), `href="`+fg.CSV+`"`) {
			t.Errorf("report.html lacks %s or %s", fg.SVG, fg.CSV)
		}
	}
	for _, name := range Files() {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Error(err)
			continue
		}
		switch filepath.Ext(name) {
		case ".csv":
			rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err != nil || len(rows) == 0 {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if h, ok := headers[name]; ok && strings.Join(rows[0], ",") != h {
				t.Errorf("%s header %q", name, rows[0])
			}
		case ".svg":
			d := xml.NewDecoder(bytes.NewReader(b))
			root := ""
			for {
				tok, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Errorf("%s: %v", name, err)
					break
				}
				if se, ok := tok.(xml.StartElement); ok && root == "" {
					root = se.Name.Local
				}
			}
			if root != "svg" {
				t.Errorf("%s: root element %q", name, root)
			}
		}
	}
	if !slices.Contains(Files(), HTMLFile) {
		t.Error("Files lacks report.html")
	}
}
