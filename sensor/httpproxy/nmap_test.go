package httpproxy

import (
	"context"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestNmapScript runs nmap's own http-open-proxy.nse against the machine
// (through the test glue) when nmap is installed. The script's portrule
// only runs on ports 8123, 3128, 8000 and 8080 (or a service detected as a
// proxy), so the glue listens on the first of them that is free on
// 127.0.0.1; the test skips when none is, in -short mode, and without nmap.
func TestNmapScript(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nmap")
	}
	nmap, err := exec.LookPath("nmap")
	if err != nil {
		t.Skip("nmap not installed")
	}
	var ln net.Listener
	for _, port := range []string{"8123", "3128", "8000", "8080"} {
		if ln, err = net.Listen("tcp", "127.0.0.1:"+port); err == nil {
			break
		}
	}
	if ln == nil {
		t.Skip("no port of http-open-proxy.nse's portrule is free")
	}
	s := serve(t, ln, &Config{})
	_, port, _ := net.SplitHostPort(s.Addr)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, nmap, "-n", "-Pn", "-sT", "-p", port, "--script", "http-open-proxy", "127.0.0.1").CombinedOutput()
	if err != nil {
		t.Fatalf("nmap: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Potentially OPEN proxy.") || !strings.Contains(string(out), "Methods supported: GET HEAD CONNECTION") {
		t.Errorf("nmap did not find the proxy open:\n%s", out)
	}
	t.Logf("nmap says:\n%s", out)
	if reqs, connects := s.Requests(), s.Targets(); len(reqs) != 2 || len(connects) != 1 {
		t.Errorf("nmap's probes: %d requests, %d connects", len(reqs), len(connects))
	}
}
