package fingerprint

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spampots/spampots/fingerprint/syntest"
)

// p0fObservation is one mod=syn (or mod=sendsyn probe) line of p0f's log.
type p0fObservation struct {
	mod    string
	os     string // "os=…|dist=…" or "app=…|dist=…", as Match.String renders it
	params string
	raw    string
}

// same compares the fields both sides produce.
func (o p0fObservation) same(p p0fObservation) bool {
	return o.os == p.os && o.params == p.params && o.raw == p.raw
}

// findP0f locates the p0f binary or skips the test.
func findP0f(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("p0f"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/p0f", "/usr/local/sbin/p0f", "/usr/local/bin/p0f"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("p0f not installed (Debian package p0f, 3.09b): skipping the side-by-side comparison")
	return ""
}

// runP0f writes frames to a pcap file, runs p0f -r on it with the signature
// file fp, and returns its SYN observations keyed by p0f's cli= field
// ("10.1.0.1/40000").
func runP0f(t *testing.T, p0f, fp string, frames [][]byte) map[string]p0fObservation {
	t.Helper()
	dir := t.TempDir()
	pcap := filepath.Join(dir, "syns.pcap")
	fpPath := filepath.Join(dir, "p0f.fp")
	logPath := filepath.Join(dir, "p0f.log")
	var buf bytes.Buffer
	if err := writePcap(&buf, frames); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pcap, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fpPath, []byte(fp), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, p0f, "-f", fpPath, "-r", pcap, "-o", logPath).CombinedOutput()
	if err != nil {
		t.Fatalf("p0f: %v\n%s", err, out)
	}
	logData, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	obs := make(map[string]p0fObservation)
	sc := bufio.NewScanner(bytes.NewReader(logData))
	for sc.Scan() {
		// [2023/11/14 22:13:20] mod=syn|cli=10.1.0.1/40000|srv=…|subj=cli|os=…|dist=…|params=…|raw_sig=…
		_, line, ok := strings.Cut(sc.Text(), "] ")
		if !ok {
			t.Fatalf("unexpected p0f log line %q", sc.Text())
		}
		f := map[string]string{}
		for kv := range strings.SplitSeq(line, "|") {
			k, v, _ := strings.Cut(kv, "=")
			f[k] = v
		}
		if f["mod"] != "syn" && f["mod"] != "sendsyn probe" {
			continue
		}
		label := "os"
		if _, ok := f["app"]; ok {
			label = "app"
		}
		if _, dup := obs[f["cli"]]; dup {
			t.Fatalf("p0f reported client %s twice", f["cli"])
		}
		obs[f["cli"]] = p0fObservation{
			mod:    f["mod"],
			os:     label + "=" + f[label] + "|dist=" + f["dist"],
			params: f["params"],
			raw:    f["raw_sig"],
		}
	}
	return obs
}

// cliKey renders a Record's client the way p0f's addr_to_str does: IPv6
// as eight unabbreviated %x groups.
func cliKey(r *Record) string {
	var b []byte
	if r.IPVersion == 4 {
		b = r.SrcAddr().AppendTo(b)
	} else {
		for i := 0; i < 16; i += 2 {
			if i > 0 {
				b = append(b, ':')
			}
			b = strconv.AppendUint(b, uint64(r.Src[i])<<8|uint64(r.Src[i+1]), 16)
		}
	}
	b = append(b, '/')
	return string(strconv.AppendUint(b, uint64(r.SrcPort), 10))
}

// ours renders what this package says about a packet in p0f's terms.
func ours(t *testing.T, db *DB, pkt []byte) (*Record, p0fObservation) {
	t.Helper()
	var r Record
	if err := ParseIP(pkt, &r); err != nil {
		t.Fatalf("ParseIP: %v", err)
	}
	m := db.Match(&r)
	return &r, p0fObservation{os: m.String(), params: m.Params(&r), raw: r.Signature()}
}

// TestP0fDifferential runs every crafted SYN through the installed p0f 3.09b
// and through this package, with the same (embedded) p0f.fp, and requires
// the same label, distance, params and raw signature for each.
func TestP0fDifferential(t *testing.T) {
	p0f := findP0f(t)
	db, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	frames := make([][]byte, len(synCases))
	for i := range synCases {
		frames[i] = ethernet(casePacket(t, i))
	}
	obs := runP0f(t, p0f, defaultFP, frames)
	for i, c := range synCases {
		t.Run(c.name, func(t *testing.T) {
			r, got := ours(t, db, casePacket(t, i))
			want, ok := obs[cliKey(r)]
			if !ok {
				t.Fatalf("p0f logged no SYN from %s (we say %s raw_sig=%s)", cliKey(r), got.os, got.raw)
			}
			if !got.same(want) {
				t.Errorf("mismatch\n p0f: %s|params=%s|raw_sig=%s\n  us: %s|params=%s|raw_sig=%s",
					want.os, want.params, want.raw, got.os, got.params, got.raw)
			}
			if c.os != want.os || c.params != want.params || c.raw != want.raw {
				t.Errorf("p0f output differs from the table\n p0f: {os: %q, params: %q, raw: %q}\ntable: {os: %q, params: %q, raw: %q}",
					want.os, want.params, want.raw, c.os, c.params, c.raw)
			}
			if testing.Verbose() {
				t.Logf("%-32s %-48s %s", c.name, want.os, want.raw)
			}
		})
	}
	if len(obs) != len(synCases) {
		t.Errorf("p0f logged %d SYNs for %d sent", len(obs), len(synCases))
	}
}

// TestP0fDifferentialEdgeDB does the same with a signature file using the
// forms the stock p0f.fp does not (edgeFP), so that both parsers and both
// matchers are compared on them too.
func TestP0fDifferentialEdgeDB(t *testing.T) {
	p0f := findP0f(t)
	db := mustDB(t, edgeFP)
	pkts := make([][]byte, len(edgeCases))
	frames := make([][]byte, len(edgeCases))
	for i, c := range edgeCases {
		s := c.syn
		s.src, s.dst = syntest.Source(i, s.v6)
		pkts[i] = s.build(t)
		frames[i] = ethernet(pkts[i])
	}
	obs := runP0f(t, p0f, edgeFP, frames)
	for i, c := range edgeCases {
		t.Run(c.name, func(t *testing.T) {
			r, got := ours(t, db, pkts[i])
			want, ok := obs[cliKey(r)]
			if !ok {
				t.Fatalf("p0f logged no SYN from %s (we say %s raw_sig=%s)", cliKey(r), got.os, got.raw)
			}
			if !got.same(want) {
				t.Errorf("mismatch\n p0f: %s|params=%s|raw_sig=%s\n  us: %s|params=%s|raw_sig=%s",
					want.os, want.params, want.raw, got.os, got.params, got.raw)
			}
			if testing.Verbose() {
				t.Logf("%-28s %-36s %s", c.name, want.os, want.raw)
			}
		})
	}
}

// TestP0fDBAcceptance loads every signature file of dbCases into p0f and
// requires it to accept the ones ParseDB accepts and to reject the others,
// naming the same line.
func TestP0fDBAcceptance(t *testing.T) {
	p0f := findP0f(t)
	dir := t.TempDir()
	pcap := filepath.Join(dir, "empty.pcap")
	var buf bytes.Buffer
	if err := writePcap(&buf, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pcap, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	lineRE := regexp.MustCompile(`in line (\d+)`)
	for i, tt := range dbCases {
		t.Run(tt.name, func(t *testing.T) {
			fp := filepath.Join(dir, "case"+strconv.Itoa(i)+".fp")
			if err := os.WriteFile(fp, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, p0f, "-f", fp, "-r", pcap).CombinedOutput()
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Fatal(err)
			}
			if tt.ok != (err == nil) {
				t.Fatalf("p0f accepts = %v, ParseDB accepts = %v\n%s", err == nil, tt.ok, out)
			}
			if tt.ok {
				return
			}
			m := lineRE.FindSubmatch(out)
			if m == nil || string(m[1]) != strconv.Itoa(tt.line) {
				t.Errorf("p0f complains about another line than %d:\n%s", tt.line, out)
			}
		})
	}
}
