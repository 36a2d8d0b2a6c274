package ship

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

func okServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := quietTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// quietTLSServer is httptest.NewTLSServer without the log lines of the
// handshakes the tests make fail on purpose.
func quietTLSServer(h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	return srv
}

func get(client *http.Client, url string) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

func TestPin(t *testing.T) {
	srv := okServer(t)
	good := Config{Collector: srv.URL, Pin: CertPin(srv.Certificate().Raw)}
	client, err := newClient(&good, netDial)
	if err != nil {
		t.Fatal(err)
	}
	if err := get(client, srv.URL+"/v1/heartbeat"); err != nil {
		t.Fatalf("pinned certificate refused: %v", err)
	}
	bad := Config{Collector: srv.URL, Pin: CertPin([]byte("another certificate"))}
	client, err = newClient(&bad, netDial)
	if err != nil {
		t.Fatal(err)
	}
	err = get(client, srv.URL+"/v1/heartbeat")
	if !errors.Is(err, ErrPinMismatch) {
		t.Fatalf("wrong pin: err = %v, want ErrPinMismatch", err)
	}
}

// selfSignedPEM is a CA certificate unrelated to the test server's.
func selfSignedPEM(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "other CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestCAFile(t *testing.T) {
	srv := okServer(t)
	dir := t.TempDir()
	right := filepath.Join(dir, "right.pem")
	os.WriteFile(right, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	wrong := filepath.Join(dir, "wrong.pem")
	os.WriteFile(wrong, selfSignedPEM(t), 0o644)

	client, err := newClient(&Config{Collector: srv.URL, CAFile: right}, netDial)
	if err != nil {
		t.Fatal(err)
	}
	if err := get(client, srv.URL+"/"); err != nil {
		t.Fatalf("server signed by the CA file refused: %v", err)
	}
	client, err = newClient(&Config{Collector: srv.URL, CAFile: wrong}, netDial)
	if err != nil {
		t.Fatal(err)
	}
	var uerr x509.UnknownAuthorityError
	if err := get(client, srv.URL+"/"); !errors.As(err, &uerr) {
		t.Fatalf("server not signed by the CA file: err = %v, want an unknown authority", err)
	}
}

// TestTLS12Refused: a collector that cannot speak TLS 1.3 gets no request.
func TestTLS12Refused(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	srv.TLS = &tls.Config{MaxVersion: tls.VersionTLS12}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	client, err := newClient(&Config{Collector: srv.URL, Pin: CertPin(srv.Certificate().Raw)}, netDial)
	if err != nil {
		t.Fatal(err)
	}
	if err := get(client, srv.URL+"/"); err == nil || hits.Load() != 0 {
		t.Fatalf("TLS 1.2 collector: err = %v, %d requests served", err, hits.Load())
	}
}

// countingListener counts the connections it accepts (and closes them).
type countingListener struct {
	net.Listener
	n    atomic.Int64
	done chan struct{}
}

func newCountingListener(t *testing.T) *countingListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &countingListener{Listener: ln, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			l.n.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return l
}

// accepted closes the listener and returns how many connections it took.
func (l *countingListener) accepted() int64 {
	l.Close()
	<-l.done
	return l.n.Load()
}

// TestProxyEnvIgnored: with every proxy variable pointing at a listener
// the test owns, the collector is reached directly and nothing connects to
// that listener. The collector is named collector.test (a loopback name
// would bypass a proxy anyway); the dialler behind the collector check
// maps it to the test server.
func TestProxyEnvIgnored(t *testing.T) {
	srv := okServer(t)
	proxy := newCountingListener(t)
	proxyURL := "http://" + proxy.Addr().String()
	for _, v := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"} {
		t.Setenv(v, proxyURL)
	}
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	collector := "https://collector.test:" + port
	var dialled []string
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialled = append(dialled, addr)
		return netDial(ctx, network, srv.Listener.Addr().String())
	}
	client, err := newClient(&Config{Collector: collector, Pin: CertPin(srv.Certificate().Raw)}, dial)
	if err != nil {
		t.Fatal(err)
	}
	if err := get(client, collector+"/v1/heartbeat"); err != nil {
		t.Fatalf("direct request failed: %v", err)
	}
	if n := proxy.accepted(); n != 0 {
		t.Errorf("%d connections to the proxy listener", n)
	}
	if len(dialled) != 1 || dialled[0] != "collector.test:"+port {
		t.Errorf("dialled %q, want only the collector", dialled)
	}
}

// TestRedirectRefused: a redirect, even to a server that would answer, is
// an error and is not followed.
func TestRedirectRefused(t *testing.T) {
	var otherHits atomic.Int64
	other := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { otherHits.Add(1) }))
	defer other.Close()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	client, err := newClient(&Config{Collector: srv.URL, Pin: CertPin(srv.Certificate().Raw)}, netDial)
	if err != nil {
		t.Fatal(err)
	}
	err = get(client, srv.URL+"/v1/heartbeat")
	if !errors.Is(err, ErrRedirect) {
		t.Fatalf("err = %v, want ErrRedirect", err)
	}
	if otherHits.Load() != 0 {
		t.Errorf("the redirect target was reached")
	}
}

// TestDialOnlyCollector: any other address fails in the dialler, before a
// connection is attempted.
func TestDialOnlyCollector(t *testing.T) {
	srv := okServer(t)
	other := newCountingListener(t)
	var dials atomic.Int64
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return netDial(ctx, network, addr)
	}
	client, err := newClient(&Config{Collector: srv.URL, Pin: CertPin(srv.Certificate().Raw)}, dial)
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, url := range []string{
		"https://" + other.Addr().String() + "/",
		"https://localhost:" + port + "/", // the collector's port under another name
	} {
		if err := get(client, url); !errors.Is(err, ErrNotCollector) {
			t.Errorf("%s: err = %v, want ErrNotCollector", url, err)
		}
	}
	if n := other.accepted(); n != 0 {
		t.Errorf("%d connections to another address", n)
	}
	dialsBefore := dials.Load()
	if err := get(client, srv.URL+"/"); err != nil {
		t.Fatalf("collector: %v", err)
	}
	if dials.Load() != dialsBefore+1 {
		t.Errorf("dials %d → %d for one request to the collector", dialsBefore, dials.Load())
	}
}
