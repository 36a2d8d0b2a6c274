package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/spampots/spampots/enrich/ipdb/ipdbtest"
)

// The slides' case study: a machine in Nigeria (AS33776, on Spamhaus's
// XBL and PBL) abuses a proxy to reach a German mail server. Inside a
// network namespace the test gives itself those addresses, serves their
// DNS with dnsmasq and their AS and country from databases built like
// make data builds them.
const (
	caseSrc    = "41.155.50.138" // the spammer
	caseSensor = "195.4.92.9"    // the sensor's public address
	caseMX     = "195.4.92.20"   // mx1.victim.example, the MX of victim.example
)

// TestEnrichmentEndToEnd sends spam to the sensor directly and through its
// SOCKS5 port from a public address, and checks that each captured message
// carries every X-Src-* and X-Dst-* header, in the documented order, with
// the values the DNS and the databases give; and that nothing is missing
// from the session events either.
func TestEnrichmentEndToEnd(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the enrichment end-to-end test needs root for a network namespace with public addresses (CI runs it as root)")
	}
	need(t, "ip", "dnsmasq", "swaks", "proxychains4")
	ns, asnDB, ccDB := caseStudy(t, nil)

	spoolDir := t.TempDir()
	sensor := ns.cmd(binPath, "sensor", "--id", "T-01", "--spool", spoolDir, "--hostname", "mx.sensor.test",
		"--listen", "smtp="+caseSensor+":25", "--listen", "socks="+caseSensor+":1080",
		"--asn-db", asnDB, "--country-db", ccDB, "--resolver", "127.0.0.1:5353", "--log-level", "info")
	logs := ns.start(sensor)
	logs.wait(t, "listening", 2)

	ns.run("swaks", "--server", caseSensor, "--port", "25", "--local-interface", caseSrc, "--from", "direct@bank.example",
		"--to", "victim@example.co.uk", "--hide-all")
	conf := filepath.Join(t.TempDir(), "pc.conf")
	os.WriteFile(conf, []byte("strict_chain\nquiet_mode\nproxy_dns\n[ProxyList]\nsocks5 "+caseSensor+" 1080\n"), 0o644)
	ns.run("proxychains4", "-f", conf, "swaks", "--server", "victim.example:25", "--local-interface", caseSrc,
		"--from", "proxied@bank.example", "--to", "victim@example.co.uk", "--hide-all")
	sensor.Process.Signal(syscall.SIGTERM)
	if err := sensor.Wait(); err != nil {
		t.Fatalf("sensor: %v\n%s", err, logs)
	}

	src := map[string]string{"X-Src-IP": caseSrc, "X-Src-Hostname": "dial-pool50.lg.starcomms.net",
		"X-Src-ASN": "33776 41.155.0.0/17 STARCOMMS-AS", "X-Src-RIR": "afrinic", "X-Src-CC": "NG", "X-Src-Dnsbl": "zen.spamhaus.org=PBL,XBL"}
	want := map[string]map[string]string{
		"direct@bank.example": {"X-Src-Proto": "SMTP", "X-Dst-IP": caseSensor, "X-Dst-Hostname": "mx.sensor.test",
			"X-Dst-ASN": "5430 195.4.92.0/23 freenet Datenkommunikations GmbH", "X-Dst-Dstport": "25", "X-Dst-RIR": "ripencc", "X-Dst-CC": "DE"},
		"proxied@bank.example": {"X-Src-Proto": "S5", "X-Dst-IP": caseMX, "X-Dst-Hostname": "mx1.victim.example",
			"X-Dst-ASN": "5430 195.4.92.0/23 freenet Datenkommunikations GmbH", "X-Dst-Dstport": "25", "X-Dst-RIR": "ripencc", "X-Dst-CC": "DE"},
	}
	// The documented order (ARCHITECTURE.md, spool/mbox): every field, once.
	order := []string{"X-Sensor-Id", "X-Sensor-Time", "X-Session-Id", "X-Sensor-Dstport", "X-Src-Proto", "X-Src-IP", "X-Src-Port",
		"X-Src-Hostname", "X-Src-ASN", "X-Src-OS", "X-Src-RIR", "X-Src-CC", "X-Src-Dnsbl", "X-Dst-IP", "X-Dst-Hostname", "X-Dst-ASN",
		"X-Dst-Dstport", "X-Dst-RIR", "X-Dst-CC", "X-SMTP-Proto", "X-Ehlo", "X-Mail-From", "X-Rcpt-To"}
	got := sensorHeaders(t, spoolDir)
	if len(got) != 2 {
		t.Fatalf("%d messages captured, want 2", len(got))
	}
	for _, h := range got {
		from := value(h, "X-Mail-From")
		w := want[from]
		if w == nil {
			t.Errorf("unexpected message from %q", from)
			continue
		}
		var names []string
		for _, f := range h {
			names = append(names, f[0])
		}
		if strings.Join(names, " ") != strings.Join(order, " ") {
			t.Errorf("%s: headers\n%s\nwant\n%s", from, strings.Join(names, " "), strings.Join(order, " "))
		}
		for _, m := range []map[string]string{src, w} {
			for k, v := range m {
				if got := value(h, k); got != v {
					t.Errorf("%s: %s: %q, want %q", from, k, got, v)
				}
			}
		}
	}
	_, events := readSpool(t, spoolDir)
	for _, e := range events {
		if e.Src == nil || e.Src.Hostname != src["X-Src-Hostname"] || e.Src.DNSBL != src["X-Src-Dnsbl"] || e.Src.CC != "NG" {
			t.Errorf("event %s %s: src %+v", e.Kind, e.Session, e.Src)
		}
		if e.Proto == "S5" && (e.Dst == nil || e.Dst.IP != caseMX || e.Dst.Hostname != "mx1.victim.example") {
			t.Errorf("event %s: dst %+v", e.Session, e.Dst)
		}
	}
}

// caseStudy makes a network namespace holding the sensor's public address
// and the spammer's, plus more sources if given, all on lo, with
// connections to the sensor coming from the spammer's address unless a
// client binds another; dnsmasq on 127.0.0.1:5353 serving their reverse
// DNS, a test ZEN zone listing the spammer (XBL, PBL) and every second
// extra source (PBL), and victim.example's MX; and ASN and country
// databases built like make data builds them. It returns the namespace
// and the databases' paths.
func caseStudy(t testing.TB, sources []string) (ns netns, asnDB, ccDB string) {
	t.Helper()
	ns, _, _ = nsPair(t, "10.233.0") // the sink side stays unused: nothing may go there
	for _, a := range append([]string{caseSrc, caseSensor}, sources...) {
		ns.run("ip", "addr", "add", a+"/32", "dev", "lo")
	}
	// Connections to the sensor come from the spammer's address, whatever
	// the client binds (proxychains4 does not keep swaks's binding).
	ns.run("ip", "route", "replace", "local", caseSensor, "dev", "lo", "table", "local", "src", caseSrc)
	dir := t.TempDir()
	asnDB, ccDB = filepath.Join(dir, "asn.mmdb"), filepath.Join(dir, "country.mmdb")
	ipdbtest.WriteASN(t, asnDB, "41.155.0.0,41.155.127.255,33776,STARCOMMS-AS\n195.4.92.0,195.4.93.255,5430,freenet Datenkommunikations GmbH\n", "")
	ipdbtest.WriteCountry(t, ccDB, true, false, map[string]string{"41.155.0.0/17": "NG", "195.4.92.0/23": "DE"})

	args := []string{"--no-daemon", "--log-facility=-", "--user=root", "--no-resolv", "--no-hosts", "--listen-address=127.0.0.1",
		"--port=5353", "--bind-interfaces", "--cache-size=0",
		"--ptr-record=138.50.155.41.in-addr.arpa,dial-pool50.lg.starcomms.net",
		"--address=/dial-pool50.lg.starcomms.net/" + caseSrc,
		"--address=/138.50.155.41.zen.spamhaus.org/127.0.0.4", "--address=/138.50.155.41.zen.spamhaus.org/127.0.0.10",
		"--mx-host=victim.example,mx1.victim.example,10", "--address=/mx1.victim.example/" + caseMX}
	for i, a := range sources {
		ip := netip.MustParseAddr(a).As4()
		rev := fmt.Sprintf("%d.%d.%d.%d", ip[3], ip[2], ip[1], ip[0])
		host := fmt.Sprintf("host%d.dyn.starcomms.net", i)
		args = append(args, "--ptr-record="+rev+".in-addr.arpa,"+host, "--address=/"+host+"/"+a)
		if i%2 == 0 {
			args = append(args, "--address=/"+rev+".zen.spamhaus.org/127.0.0.10")
		}
	}
	dns := ns.cmd("dnsmasq", args...)
	dnsLog := ns.start(dns)
	dnsLog.wait(t, "started", 1)
	return ns, asnDB, ccDB
}

// sensorHeaders returns, for every message in a spool's closed segments,
// its X- header fields as the sensor wrote them, in order.
func sensorHeaders(t *testing.T, dir string) [][][2]string {
	t.Helper()
	dec, _ := zstd.NewReader(nil)
	defer dec.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "closed", "*.mbox.zst"))
	var out [][][2]string
	for _, f := range segs {
		sc := bufio.NewScanner(bytes.NewReader(readZstd(t, dec, f)))
		var cur [][2]string
		in := false
		for sc.Scan() {
			l := sc.Text()
			switch {
			case strings.HasPrefix(l, "From "):
				in, cur = true, nil
			case in && strings.HasPrefix(l, "X-"):
				k, v, _ := strings.Cut(l, ": ")
				cur = append(cur, [2]string{k, v})
			case in:
				out, in = append(out, cur), false
			}
		}
	}
	return out
}

func value(h [][2]string, name string) string {
	for _, f := range h {
		if f[0] == name {
			return f[1]
		}
	}
	return ""
}
