package mine

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spampots/spampots/spool/mbox"
)

func TestSourceIP(t *testing.T) {
	sensor := mbox.Envelope{SensorID: "BR-01", SrcIP: "192.0.2.7", SrcCC: "BR", SrcASN: "AS64500"}
	tests := []struct {
		name     string
		env      mbox.Envelope
		received []string
		want     string
	}{
		{"no Received", mbox.Envelope{}, nil, ""},
		// The TREC corpus's shapes: speedy.uwaterloo.ca is the site.
		{"one external hop", mbox.Envelope{}, []string{
			"from 129.97.78.23 ([211.202.101.74]) by speedy.uwaterloo.ca (8.12.8/8.12.5) with SMTP id l38H7G0I003017; Sun, 8 Apr 2007 13:07:21 -0400",
			"from 0.144.152.6 by 211.202.101.74; Sun, 08 Apr 2007 19:04:48 +0100",
		}, "211.202.101.74"},
		{"an internal relay first", mbox.Envelope{}, []string{
			"from plg2.math.uwaterloo.ca (plg2.math.uwaterloo.ca [129.97.186.80]) by speedy.uwaterloo.ca (8.12.8/8.12.5) with ESMTP id l38HD40I003103",
			"from your-c94f920e24 ([89.243.122.175]) by plg2.math.uwaterloo.ca (8.13.8/8.13.8) with ESMTP id l38HCR62002947",
		}, "89.243.122.175"},
		{"forged hops below are not read", mbox.Envelope{}, []string{
			"from 2FC53D78 (201-92-221-217.dsl.telesp.net.br [201.92.221.217]) by speedy.uwaterloo.ca (8.12.8/8.12.5) with SMTP id l38HI20I003143",
			"from Aska ([86.169.170.230] helo=Aska) by b8d919d5totalink.net with ESMTP id C3796585448B4",
		}, "201.92.221.217"},
		{"private and loopback hops are internal", mbox.Envelope{}, []string{
			"from localhost (localhost [127.0.0.1]) by mx.example.org",
			"from gw.lan ([10.1.2.3]) by localhost",
			"from unknown (HELO 198.51.100.9) (203.0.113.5) by gw.lan with SMTP",
		}, "203.0.113.5"},
		{"IPv6 literal", mbox.Envelope{}, []string{"from client (client.example.net [IPv6:2001:db8::1]) by mx.example.org"}, "2001:db8::1"},
		{"hops without an IP are skipped", mbox.Envelope{}, []string{
			"(from normative@localhost) by cessna.barbarian.com (8.9.3/8.9.3) id PAAague",
			"from x (y [198.51.100.20]) by cessna.barbarian.com",
		}, "198.51.100.20"},
		{"sensor: X-Src-IP, Received ignored", sensor, []string{"from x ([198.51.100.1]) by y.example.org"}, "192.0.2.7"},
		{"sensor without X-Src-IP: unknown", mbox.Envelope{SensorID: "BR-01"}, []string{"from x ([198.51.100.1]) by y.example.org"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var received [][]byte
			for _, r := range tt.received {
				received = append(received, []byte(r))
			}
			if got := sourceIP(&tt.env, received); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestScanHeader(t *testing.T) {
	long := strings.Repeat("é", MaxSubject) // 2 bytes a rune
	msg := "Received: from a\r\n (b [198.51.100.1])\r\n\tby c.example.org\r\nSubject:  Hot\r\n  stock pick \r\n" +
		"Subject: second\r\nReceived: from d by e\r\n\r\nSubject: body\r\nReceived: body\r\n"
	h := scanHeader([]byte(msg))
	if h.subject != "Hot stock pick" {
		t.Errorf("subject %q", h.subject)
	}
	if len(h.received) != 2 || string(h.received[0]) != "from a (b [198.51.100.1]) by c.example.org" || string(h.received[1]) != "from d by e" {
		t.Errorf("received %q", h.received)
	}
	h = scanHeader([]byte("Subject: " + long + "\n\n"))
	if len(h.subject) != MaxSubject || !strings.HasPrefix(long, h.subject) {
		t.Errorf("long subject cut to %d bytes", len(h.subject))
	}
	h = scanHeader([]byte("Subject: a" + strings.Repeat("é", MaxSubject) + "\n\n"))
	if len(h.subject) != MaxSubject-1 {
		t.Errorf("cut inside a rune: %d bytes", len(h.subject))
	}
	if h := scanHeader([]byte("no header at all")); h.subject != "" || h.received != nil {
		t.Errorf("%+v", h)
	}
}

// sensorEntry is an mbox entry as a sensor writes it.
func sensorEntry(b *bytes.Buffer, at time.Time, ip, cc, asn, subject, mailer string) {
	env := mbox.Envelope{SensorID: "BR-01", SensorTime: at, SrcProto: "SMTP", SrcIP: ip, SrcCC: cc, SrcASN: asn, MailFrom: "x@pills.example"}
	msg := fmt.Sprintf("From: Pharmacy <x@pills.example>\nTo: <v@example.org>\nSubject: %s\nDate: %s\nMIME-Version: 1.0\nX-Mailer: %s\nContent-Type: text/plain\n\nbuy now\n",
		subject, at.Format(time.RFC1123Z), mailer)
	b.Write(mbox.AppendEntry(nil, &env, []byte(msg)))
}

func TestCampaignFacts(t *testing.T) {
	// One campaign of 12 sensor messages: 6 at one-minute steps from
	// 10:00, then 6 more from 10:00 the next day; three IPs, two
	// countries. And 4 one-offs.
	var b bytes.Buffer
	day := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	ips := []string{"192.0.2.1", "192.0.2.1", "192.0.2.2", "192.0.2.1", "192.0.2.3", "192.0.2.2"}
	for d := range 2 {
		for k := range 6 {
			at := day.Add(time.Duration(d)*24*time.Hour + time.Duration(k)*time.Minute)
			cc, asn := "BR", "AS64500"
			if k == 4 {
				cc, asn = "", ""
			} else if k%2 == 1 {
				cc, asn = "US", "AS64501"
			}
			subj := "Best pills " + []string{"a1b2c3", "a1b2c3", "z9y8x7"}[k%3]
			sensorEntry(&b, at, ips[k], cc, asn, subj, "PillMailer 2.0")
		}
	}
	for k := range 4 {
		sensorEntry(&b, day.Add(time.Duration(k)*time.Hour), "192.0.2.9", "", "", fmt.Sprintf("%s meeting", words[k]), words[k]+" mailer")
	}
	data := b.Bytes()
	prog := new(Progress)
	res, err := Run(context.Background(), Config{Cut: 5, Progress: prog}, []Input{bytesInput("s", data)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Campaigns) != 1 {
		t.Fatalf("%d campaigns: %+v", len(res.Campaigns), res.Campaigns)
	}
	c := res.Campaigns[0]
	if c.Size != 12 || c.Days != 2 || c.Bursts != 2 || c.SourceIPs != 3 {
		t.Errorf("size %d days %d bursts %d ips %d", c.Size, c.Days, c.Bursts, c.SourceIPs)
	}
	if want := 24 + 5.0/60; c.DurationHours != want {
		t.Errorf("D(c) = %v h, want %v", c.DurationHours, want)
	}
	if !c.FirstSeen.Equal(day) || !c.LastSeen.Equal(day.Add(24*time.Hour+5*time.Minute)) {
		t.Errorf("first %v last %v", c.FirstSeen, c.LastSeen)
	}
	want := func(name string, got []Count, w ...Count) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("%s %v, want %v", name, got, w)
		}
	}
	want("subjects", c.TopSubjects, Count{"Best pills a1b2c3", 8}, Count{"Best pills z9y8x7", 4})
	want("ips", c.TopSourceIPs, Count{"192.0.2.1", 6}, Count{"192.0.2.2", 4}, Count{"192.0.2.3", 2})
	want("countries", c.Countries, Count{"US", 6}, Count{"BR", 4}) // k=4 has none
	want("asns", c.ASNs, Count{"AS64501", 6}, Count{"AS64500", 4})
	if len(c.Samples) != MaxSamples || c.Samples[0] != (Ref{"s", 0}) {
		t.Errorf("samples %v", c.Samples)
	}
	var bytesIn int64
	for _, n := range res.msgBytes {
		bytesIn += int64(n)
	}
	if res.Summary.Bytes != bytesIn || c.Bytes <= 0 || c.Bytes >= bytesIn || res.Summary.SourceIPs != 4 {
		t.Errorf("bytes: summary %d, campaign %d; source IPs %d", res.Summary.Bytes, c.Bytes, res.Summary.SourceIPs)
	}
	// The sensor's microseconds are kept.
	if cols := res.Columns(); cols.Time[1]-cols.Time[0] != 60e6 || cols.Sources != 4 {
		t.Errorf("columns: %v, %d sources", cols.Time[:2], cols.Sources)
	}
	if prog.Messages.Load() != 16 || prog.InputBytes.Load() != int64(len(data)) || prog.WindowsDone.Load() != prog.Windows.Load() || prog.Windows.Load() != 2 {
		t.Errorf("progress: %d msgs, %d bytes, windows %d/%d", prog.Messages.Load(), prog.InputBytes.Load(), prog.WindowsDone.Load(), prog.Windows.Load())
	}
	// A smaller IAT_max splits the first day's minute steps too.
	res, err = Run(context.Background(), Config{Cut: 5, IATMax: 30 * time.Second}, []Input{bytesInput("s", data)})
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Campaigns[0]; c.Bursts != 12 || res.Summary.IATMaxSeconds != 30 {
		t.Errorf("IAT_max 30s: %d bursts", c.Bursts)
	}
}

func TestCutCurveAndTree(t *testing.T) {
	data, _ := corpus(7)
	curve := []int{0, 1, 5, 10, 30, 31, 1000, 5}
	res, err := Run(context.Background(), Config{Workers: 2, CutCurve: curve, TreeNodes: 10}, []Input{bytesInput("planted", data)})
	if err != nil {
		t.Fatal(err)
	}
	cc := res.Curve
	if cc == nil || fmt.Sprint(cc.F) != "[1 5 10 30 31 1000]" || len(cc.N) != 1 || len(cc.Windows) != 1 {
		t.Fatalf("curve %+v", cc)
	}
	n := cc.N[0]
	// f_c = 10 (auto): the window's own campaigns; the two templates of
	// 30 messages are still the cut points at 30; f above the window's 80
	// messages gives no campaign.
	if n[2] != res.Summary.PerWindow[0].Campaigns || n[2] != 2 || n[3] != 2 || n[5] != 0 {
		t.Errorf("N(f) = %v", n)
	}
	if n[0] < n[1] || n[1] < n[2] {
		t.Errorf("N(f) = %v: more campaigns at a larger f", n)
	}
	// The tree is built at minSupport 1 for f = 1: the cut is unchanged.
	plain, err := Run(context.Background(), Config{Workers: 2}, []Input{bytesInput("planted", data)})
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	res.WriteCampaigns(&a)
	plain.WriteCampaigns(&b)
	if a.String() != b.String() {
		t.Error("the curve changed the campaigns")
	}

	tr := res.Tree
	if tr == nil || tr.Messages != 80 || tr.Cut != 10 || tr.MinSupport != 1 || tr.Window != "2007-04-02T00:00:00Z" {
		t.Fatalf("tree %+v", tr)
	}
	root := tr.Nodes[0]
	if root.Parent != -1 || root.Count != 80 || root.Campaigns != 2 || root.Type != "" {
		t.Errorf("root %+v", root)
	}
	cuts, shown := 0, 0
	for i, nd := range tr.Nodes[1:] {
		i++
		p := tr.Nodes[nd.Parent]
		if nd.Parent >= i || nd.Depth != p.Depth+1 || nd.Count > p.Count || nd.Type == "" {
			t.Errorf("node %d %+v under %+v", i, nd, p)
		}
		if nd.Cut {
			cuts++
			if nd.Count != 30 || nd.Campaigns != 1 {
				t.Errorf("cut node %+v", nd)
			}
		}
		shown++
	}
	if cuts != 2 {
		t.Errorf("%d cut points drawn, want both campaigns'", cuts)
	}
	// Children shown plus hidden add up.
	for i, nd := range tr.Nodes {
		kids, msgs := 0, 0
		for _, c := range tr.Nodes {
			if c.Parent == i {
				kids++
				msgs += c.Count
			}
		}
		if kids+nd.HiddenChildren != nd.Children || msgs+nd.HiddenCount > nd.Count {
			t.Errorf("node %d: %d shown + %d hidden children of %d; %d+%d msgs of %d", i, kids, nd.HiddenChildren, nd.Children, msgs, nd.HiddenCount, nd.Count)
		}
	}
}

func TestDayOf(t *testing.T) {
	for _, tt := range []struct {
		t    time.Time
		want int64
	}{
		{time.Unix(0, 0), 0},
		{time.Unix(86399, 999999000), 0},
		{time.Unix(86400, 0), 1},
		{time.Unix(-1, 0), -1},
		{time.Date(2007, 4, 8, 13, 0, 0, 0, time.UTC), 13611},
	} {
		if got := DayOf(tt.t.UnixMicro()); got != tt.want {
			t.Errorf("DayOf(%v) = %d, want %d", tt.t, got, tt.want)
		}
	}
}

func TestTopCounterTies(t *testing.T) {
	var in Result
	ids := []int32{}
	for _, v := range []string{"b", "a", "c", "a", "b", "d"} {
		ids = append(ids, int32(in.subjects.Intern(0, v)))
	}
	tc := newTopCounter(&in.subjects)
	for _, id := range append(ids, -1) {
		tc.add(id)
	}
	// a and b tie at 2: first appearance (b) first; c and d tie at 1.
	if got := fmt.Sprint(tc.top(3)); got != "[{b 2} {a 2} {c 1}]" {
		t.Errorf("top %s", got)
	}
	if got := fmt.Sprint(tc.top(3)); got != "[]" {
		t.Errorf("after reset %s", got)
	}
}
