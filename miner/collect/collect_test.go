package collect

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/spampots/spampots/store"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 500_000_000, time.UTC)

// env is a collector behind a TLS test server, with sensors BR-01 and
// BR-02.
type env struct {
	t       *testing.T
	archive string
	st      *store.Store
	reg     *prometheus.Registry
	srv     *Server
	ts      *httptest.Server
	tokens  map[string]string
	sensors []SensorConf
	max     int64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, archive: t.TempDir(), tokens: map[string]string{}, max: 1 << 20}
	for _, id := range []string{"BR-01", "BR-02"} {
		tok, h := NewToken()
		e.tokens[id] = tok
		e.sensors = append(e.sensors, SensorConf{ID: id, TokenSHA256: h, Partner: "CERT.br", Location: "BR"})
	}
	st, err := store.Open(context.Background(), filepath.Join(e.archive, "spampots.db"))
	if err != nil {
		t.Fatal(err)
	}
	e.st = st
	t.Cleanup(func() { st.Close() })
	e.start()
	return e
}

// start runs a new Server on the env's archive and store, as after a
// restart of the collector.
func (e *env) start() {
	e.t.Helper()
	if e.ts != nil {
		e.ts.Close()
	}
	e.reg = prometheus.NewRegistry()
	srv, err := New(Config{Archive: e.archive, Sensors: e.sensors, MaxUpload: e.max, Store: e.st,
		Registerer: e.reg, Now: func() time.Time { return t0 }})
	if err != nil {
		e.t.Fatal(err)
	}
	e.srv = srv
	e.ts = httptest.NewTLSServer(srv.Handler())
	e.t.Cleanup(e.ts.Close)
}

// request sends one request as sensor id with its token.
func (e *env) request(method, path, id string, hdr map[string]string, body io.Reader) *http.Response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Spampots-Sensor", id)
	req.Header.Set("Authorization", "Bearer "+e.tokens[id])
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp
}

func bodyText(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func (e *env) head(id, sha string) *http.Response {
	return e.request(http.MethodHead, "/v1/segments/"+sha, id, nil, nil)
}

func patchHeaders(name string, off, length int64) map[string]string {
	return map[string]string{
		"Content-Type":  "application/offset+octet-stream",
		"Upload-Offset": strconv.FormatInt(off, 10),
		"Upload-Length": strconv.FormatInt(length, 10),
		"Spampots-Name": name,
	}
}

func (e *env) patch(id, sha, name string, off, length int64, body []byte) *http.Response {
	return e.request(http.MethodPatch, "/v1/segments/"+sha, id, patchHeaders(name, off, length), bytes.NewReader(body))
}

// segment returns n pseudo-random bytes and their hash.
func segment(n int, seed uint64) ([]byte, string) {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
}

const mboxName = "BR-01-20261123T120000Z-000001.mbox.zst"

func wantStatus(t *testing.T, what string, resp *http.Response, code int) {
	t.Helper()
	if resp.StatusCode != code {
		t.Fatalf("%s: status %d, want %d", what, resp.StatusCode, code)
	}
}

func wantHeader(t *testing.T, what string, resp *http.Response, name, want string) {
	t.Helper()
	if got := resp.Header.Get(name); got != want {
		t.Errorf("%s: %s = %q, want %q", what, name, got, want)
	}
}

// checkStored: the archive holds exactly data, the store has the row, and
// nothing is left in incoming/.
func (e *env) checkStored(id, sha, name, kind string, data []byte) {
	e.t.Helper()
	ext := map[string]string{"mbox": ".mbox.zst", "events": ".events.jsonl.zst"}[kind]
	rel := filepath.Join(sha[:2], sha[2:4], sha+ext)
	got, err := os.ReadFile(filepath.Join(e.archive, rel))
	if err != nil {
		e.t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		e.t.Fatalf("archived %d bytes differ from the %d sent", len(got), len(data))
	}
	sg, ok, err := e.st.Segment(context.Background(), sha)
	if err != nil || !ok {
		e.t.Fatalf("store: %v, %v", ok, err)
	}
	want := store.Segment{SHA256: sha, SensorID: id, Name: name, Kind: kind, Size: int64(len(data)), Path: rel, ReceivedAt: t0}
	if sg != want {
		e.t.Errorf("store row %+v, want %+v", sg, want)
	}
	for _, p := range []string{".part", ".json"} {
		if _, err := os.Stat(filepath.Join(e.archive, "incoming", id, sha+p)); !errors.Is(err, fs.ErrNotExist) {
			e.t.Errorf("incoming %s left behind: %v", p, err)
		}
	}
}

// metric returns the value of a counter or gauge with these label values.
func (e *env) metric(name string, labels ...string) float64 {
	e.t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue next
				}
			}
			if m.Counter != nil {
				return m.Counter.GetValue()
			}
			return m.Gauge.GetValue()
		}
	}
	return 0
}

func TestCompleteUpload(t *testing.T) {
	e := newEnv(t)
	data, sha := segment(200_000, 1)
	resp := e.patch("BR-01", sha, mboxName, 0, int64(len(data)), data)
	wantStatus(t, "PATCH", resp, http.StatusCreated)
	wantHeader(t, "PATCH", resp, "Spampots-Stored", "true")
	e.checkStored("BR-01", sha, mboxName, "mbox", data)

	resp = e.head("BR-01", sha)
	wantStatus(t, "HEAD", resp, http.StatusOK)
	wantHeader(t, "HEAD", resp, "Spampots-Stored", "true")
	wantHeader(t, "HEAD", resp, "Upload-Length", strconv.Itoa(len(data)))

	events, esha := segment(1000, 2)
	ename := "BR-01-20261123T120000Z-000001.events.jsonl.zst"
	wantStatus(t, "PATCH events", e.patch("BR-01", esha, ename, 0, int64(len(events)), events), http.StatusCreated)
	e.checkStored("BR-01", esha, ename, "events", events)

	if got := e.metric("spampots_collect_received_bytes_total", "sensor", "BR-01"); got != float64(len(data)+len(events)) {
		t.Errorf("received bytes metric %v", got)
	}
	if got := e.metric("spampots_collect_segments_stored_total", "sensor", "BR-01", "kind", "mbox"); got != 1 {
		t.Errorf("stored metric %v", got)
	}
}

func TestHeadUnknown(t *testing.T) {
	e := newEnv(t)
	_, sha := segment(10, 3)
	wantStatus(t, "HEAD", e.head("BR-01", sha), http.StatusNotFound)
	wantStatus(t, "HEAD bad hash", e.head("BR-01", strings.ToUpper(sha)), http.StatusBadRequest)
}

func TestResumeInTwoPatches(t *testing.T) {
	e := newEnv(t)
	data, sha := segment(100_001, 4)
	half := int64(len(data) / 2)
	resp := e.patch("BR-01", sha, mboxName, 0, int64(len(data)), data[:half])
	wantStatus(t, "first PATCH", resp, http.StatusNoContent)
	wantHeader(t, "first PATCH", resp, "Upload-Offset", strconv.FormatInt(half, 10))

	resp = e.head("BR-01", sha)
	wantStatus(t, "HEAD", resp, http.StatusOK)
	wantHeader(t, "HEAD", resp, "Spampots-Stored", "false")
	wantHeader(t, "HEAD", resp, "Upload-Offset", strconv.FormatInt(half, 10))
	wantHeader(t, "HEAD", resp, "Upload-Length", strconv.Itoa(len(data)))
	// The partial is this sensor's: another sees nothing.
	wantStatus(t, "HEAD BR-02", e.head("BR-02", sha), http.StatusNotFound)

	wantStatus(t, "second PATCH", e.patch("BR-01", sha, mboxName, half, int64(len(data)), data[half:]), http.StatusCreated)
	e.checkStored("BR-01", sha, mboxName, "mbox", data)
}

// rawPatch sends a PATCH over its own TLS connection announcing the whole
// rest of the file but sending only part of it, then closes the
// connection. Expect: 100-continue tells it the handler is reading (and
// holds the upload) before the bytes go out.
func (e *env) rawPatch(id, sha, name string, off, length int64, part []byte) {
	e.t.Helper()
	tr := e.ts.Client().Transport.(*http.Transport)
	conn, err := tls.Dial("tcp", e.ts.Listener.Addr().String(), tr.TLSClientConfig.Clone())
	if err != nil {
		e.t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "PATCH /v1/segments/%s HTTP/1.1\r\nHost: collector\r\nSpampots-Sensor: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/offset+octet-stream\r\nUpload-Offset: %d\r\nUpload-Length: %d\r\nSpampots-Name: %s\r\n"+
		"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n", sha, id, e.tokens[id], off, length, name, length-off)
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100 ") {
		e.t.Fatalf("want 100 Continue, got %q, %v", line, err)
	}
	if _, err := br.ReadString('\n'); err != nil { // the blank line
		e.t.Fatal(err)
	}
	if _, err := conn.Write(part); err != nil {
		e.t.Fatal(err)
	}
	if err := conn.CloseWrite(); err != nil {
		e.t.Fatal(err)
	}
	io.Copy(io.Discard, br) // until the collector is done with the request and closes
}

func TestCutBody(t *testing.T) {
	e := newEnv(t)
	data, sha := segment(300_000, 5)
	L := int64(len(data))
	e.rawPatch("BR-01", sha, mboxName, 0, L, data[:123_457])
	resp := e.head("BR-01", sha)
	wantStatus(t, "HEAD after cut", resp, http.StatusOK)
	wantHeader(t, "HEAD after cut", resp, "Upload-Offset", "123457")

	// A second cut, resumed from there, then the rest.
	e.rawPatch("BR-01", sha, mboxName, 123_457, L, data[123_457:200_000])
	wantHeader(t, "HEAD after second cut", e.head("BR-01", sha), "Upload-Offset", "200000")
	wantStatus(t, "final PATCH", e.patch("BR-01", sha, mboxName, 200_000, L, data[200_000:]), http.StatusCreated)
	e.checkStored("BR-01", sha, mboxName, "mbox", data)
	if got := e.metric("spampots_collect_upload_errors_total", "reason", "cut"); got != 2 {
		t.Errorf("cut metric %v", got)
	}
}

func TestRestartResumes(t *testing.T) {
	e := newEnv(t)
	data, sha := segment(150_000, 6)
	L := int64(len(data))
	e.rawPatch("BR-01", sha, mboxName, 0, L, data[:70_000])
	e.start() // a new collector on the same archive and store: no running hash
	resp := e.head("BR-01", sha)
	wantStatus(t, "HEAD after restart", resp, http.StatusOK)
	wantHeader(t, "HEAD after restart", resp, "Upload-Offset", "70000")
	wantStatus(t, "PATCH", e.patch("BR-01", sha, mboxName, 70_000, L, data[70_000:100_000]), http.StatusNoContent)
	e.start()
	wantStatus(t, "PATCH", e.patch("BR-01", sha, mboxName, 100_000, L, data[100_000:]), http.StatusCreated)
	e.checkStored("BR-01", sha, mboxName, "mbox", data)
}

// TestRestartAfterRename: a crash after the rename into the archive but
// before the store commit is finished by the next start.
func TestRestartAfterRename(t *testing.T) {
	e := newEnv(t)
	data, sha := segment(5000, 7)
	dir := filepath.Join(e.archive, sha[:2], sha[2:4])
	os.MkdirAll(dir, 0o750)
	os.WriteFile(filepath.Join(dir, sha+".mbox.zst"), data, 0o640)
	os.MkdirAll(filepath.Join(e.archive, "incoming", "BR-01"), 0o750)
	os.WriteFile(filepath.Join(e.archive, "incoming", "BR-01", sha+".json"), fmt.Appendf(nil, `{"name":%q,"length":%d}`, mboxName, len(data)), 0o640)
	e.start()
	e.checkStored("BR-01", sha, mboxName, "mbox", data)
}

func TestConflicts(t *testing.T) {
	e := newEnv(t)
	data, sha := segment(1000, 8)
	L := int64(len(data))
	resp := e.patch("BR-01", sha, mboxName, 5, L, data[5:])
	wantStatus(t, "new upload at 5", resp, http.StatusConflict)
	wantHeader(t, "new upload at 5", resp, "Upload-Offset", "0")

	wantStatus(t, "first", e.patch("BR-01", sha, mboxName, 0, L, data[:10]), http.StatusNoContent)
	resp = e.patch("BR-01", sha, mboxName, 5, L, data[5:])
	wantStatus(t, "offset behind", resp, http.StatusConflict)
	wantHeader(t, "offset behind", resp, "Upload-Offset", "10")
	resp = e.patch("BR-01", sha, mboxName, 20, L, data[20:])
	wantStatus(t, "offset ahead", resp, http.StatusConflict)
	wantHeader(t, "offset ahead", resp, "Upload-Offset", "10")
	resp = e.patch("BR-01", sha, mboxName, 10, L+1, data[10:])
	wantStatus(t, "other length", resp, http.StatusConflict)
	wantHeader(t, "other length", resp, "Upload-Length", strconv.FormatInt(L, 10))
	wantHeader(t, "HEAD", e.head("BR-01", sha), "Upload-Offset", "10")
}

// TestConcurrentPatch: while a PATCH streams, a second one of the same
// upload is 409.
func TestConcurrentPatch(t *testing.T) {
	e := newEnv(t)
	data, sha := segment(100_000, 9)
	L := int64(len(data))
	tr := e.ts.Client().Transport.(*http.Transport).Clone()
	tr.ExpectContinueTimeout = time.Hour // the body goes out only once the handler reads
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()

	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPatch, e.ts.URL+"/v1/segments/"+sha, pr)
	for k, v := range patchHeaders(mboxName, 0, L) {
		req.Header.Set(k, v)
	}
	req.Header.Set("Spampots-Sensor", "BR-01")
	req.Header.Set("Authorization", "Bearer "+e.tokens["BR-01"])
	req.Header.Set("Expect", "100-continue")
	done := make(chan *http.Response, 1)
	go func() {
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			done <- nil
			return
		}
		resp.Body.Close()
		done <- resp
	}()
	if _, err := pw.Write(data[:1000]); err != nil { // returns once the handler holds the upload
		t.Fatal(err)
	}
	resp := e.patch("BR-01", sha, mboxName, 0, L, data)
	wantStatus(t, "second PATCH", resp, http.StatusConflict)
	if msg := bodyText(resp); msg != "another PATCH of this upload is in progress\n" {
		t.Errorf("second PATCH: %q", msg)
	}
	pw.Write(data[1000:])
	pw.Close()
	if resp := <-done; resp != nil {
		wantStatus(t, "first PATCH", resp, http.StatusCreated)
	}
	e.checkStored("BR-01", sha, mboxName, "mbox", data)
}

func TestAuth(t *testing.T) {
	e := newEnv(t)
	_, sha := segment(10, 10)
	for _, tt := range []struct {
		name   string
		sensor string // "": no header
		authz  string // "": no header
		want   int
	}{
		{"no token", "BR-01", "", http.StatusUnauthorized},
		{"not bearer", "BR-01", "Basic " + e.tokens["BR-01"], http.StatusUnauthorized},
		{"unknown token", "BR-01", "Bearer AAAA", http.StatusUnauthorized},
		{"unknown sensor and token", "XX-01", "Bearer AAAA", http.StatusUnauthorized},
		{"other sensor's id", "BR-02", "Bearer " + e.tokens["BR-01"], http.StatusForbidden},
		{"unknown id", "XX-01", "Bearer " + e.tokens["BR-01"], http.StatusForbidden},
		{"no id", "", "Bearer " + e.tokens["BR-01"], http.StatusForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{"Spampots-Sensor": tt.sensor, "Authorization": tt.authz}
			for _, m := range []struct{ method, path string }{
				{http.MethodHead, "/v1/segments/" + sha},
				{http.MethodPatch, "/v1/segments/" + sha},
				{http.MethodPost, "/v1/heartbeat"},
			} {
				resp := e.request(m.method, m.path, "BR-01", hdr, nil)
				wantStatus(t, m.method, resp, tt.want)
				if tt.want == http.StatusUnauthorized && resp.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s: 401 without WWW-Authenticate", m.method)
				}
			}
		})
	}
	// The scheme is case-insensitive (RFC 7235 2.1).
	resp := e.request(http.MethodHead, "/v1/segments/"+sha, "BR-01", map[string]string{"Authorization": "bearer " + e.tokens["BR-01"]}, nil)
	wantStatus(t, "lower-case scheme", resp, http.StatusNotFound)
}

func TestBadRequests(t *testing.T) {
	e := newEnv(t)
	data, sha := segment(100, 11)
	L := int64(len(data))
	for _, tt := range []struct {
		name string
		hdr  map[string]string
		want int
	}{
		{"other sensor's name", map[string]string{"Spampots-Name": "BR-02-20261123T120000Z-000001.mbox.zst"}, http.StatusBadRequest},
		{"prefix of the id", map[string]string{"Spampots-Name": "BR-20261123T120000Z-000001.mbox.zst"}, http.StatusBadRequest},
		{"no name", map[string]string{"Spampots-Name": ""}, http.StatusBadRequest},
		{"bad extension", map[string]string{"Spampots-Name": "BR-01-20261123T120000Z-000001.tar.gz"}, http.StatusBadRequest},
		{"bad time", map[string]string{"Spampots-Name": "BR-01-20261399T120000Z-000001.mbox.zst"}, http.StatusBadRequest},
		{"no offset", map[string]string{"Upload-Offset": ""}, http.StatusBadRequest},
		{"negative offset", map[string]string{"Upload-Offset": "-1"}, http.StatusBadRequest},
		{"offset past length", map[string]string{"Upload-Offset": "101"}, http.StatusBadRequest},
		{"bad length", map[string]string{"Upload-Length": "lots"}, http.StatusBadRequest},
		{"content type", map[string]string{"Content-Type": "application/octet-stream"}, http.StatusUnsupportedMediaType},
		{"no content type", map[string]string{"Content-Type": ""}, http.StatusUnsupportedMediaType},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hdr := patchHeaders(mboxName, 0, L)
			for k, v := range tt.hdr {
				hdr[k] = v
			}
			resp := e.request(http.MethodPatch, "/v1/segments/"+sha, "BR-01", hdr, bytes.NewReader(data))
			wantStatus(t, tt.name, resp, tt.want)
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("error Content-Type %q", ct)
			}
		})
	}
	wantStatus(t, "bad hash", e.patch("BR-01", "abc", mboxName, 0, L, data), http.StatusBadRequest)
	wantStatus(t, "nothing stored", e.head("BR-01", sha), http.StatusNotFound)
}

func TestTooLarge(t *testing.T) {
	e := newEnv(t)
	_, sha := segment(10, 12)
	wantStatus(t, "over the limit", e.patch("BR-01", sha, mboxName, 0, e.max+1, []byte("x")), http.StatusRequestEntityTooLarge)

	data, sha := segment(1000, 13)
	L := int64(len(data))
	wantStatus(t, "first", e.patch("BR-01", sha, mboxName, 0, L, data[:100]), http.StatusNoContent)
	long := append(append([]byte(nil), data[100:]...), 'x')
	wantStatus(t, "Content-Length past L", e.patch("BR-01", sha, mboxName, 100, L, long), http.StatusRequestEntityTooLarge)
	// The same without a Content-Length (chunked): found while streaming,
	// and the request's bytes are dropped.
	resp := e.request(http.MethodPatch, "/v1/segments/"+sha, "BR-01", patchHeaders(mboxName, 100, L), io.MultiReader(bytes.NewReader(long)))
	wantStatus(t, "chunked past L", resp, http.StatusRequestEntityTooLarge)
	wantHeader(t, "HEAD", e.head("BR-01", sha), "Upload-Offset", "100")
	resp = e.request(http.MethodPatch, "/v1/segments/"+sha, "BR-01", patchHeaders(mboxName, 100, L), io.MultiReader(bytes.NewReader(data[100:])))
	wantStatus(t, "chunked rest", resp, http.StatusCreated)
	e.checkStored("BR-01", sha, mboxName, "mbox", data)
}

func TestHashMismatch(t *testing.T) {
	e := newEnv(t)
	data, _ := segment(5000, 14)
	_, other := segment(5000, 15)
	wantStatus(t, "first", e.patch("BR-01", other, mboxName, 0, 5000, data[:3000]), http.StatusNoContent)
	wantStatus(t, "last", e.patch("BR-01", other, mboxName, 3000, 5000, data[3000:]), http.StatusUnprocessableEntity)
	wantStatus(t, "HEAD", e.head("BR-01", other), http.StatusNotFound)
	entries, _ := os.ReadDir(filepath.Join(e.archive, "incoming", "BR-01"))
	if len(entries) != 0 {
		t.Errorf("incoming not empty: %v", entries)
	}
	if _, ok, _ := e.st.Segment(context.Background(), other); ok {
		t.Error("mismatch recorded")
	}
	if got := e.metric("spampots_collect_upload_errors_total", "reason", "hash_mismatch"); got != 1 {
		t.Errorf("hash_mismatch metric %v", got)
	}
}

// readSpy fails the test if the collector reads the body.
type readSpy struct{ read bool }

func (r *readSpy) Read(p []byte) (int, error) { r.read = true; return 0, io.EOF }

func TestDuplicate(t *testing.T) {
	e := newEnv(t)
	data, sha := segment(2000, 16)
	L := int64(len(data))
	// BR-02 has begun the same bytes when BR-01 delivers them whole.
	wantStatus(t, "BR-02 partial", e.patch("BR-02", sha, "BR-02-20261123T120000Z-000007.mbox.zst", 0, L, data[:100]), http.StatusNoContent)
	wantStatus(t, "first", e.patch("BR-01", sha, mboxName, 0, L, data), http.StatusCreated)

	for _, id := range []string{"BR-01", "BR-02"} {
		name := id + "-20261123T120000Z-000007.mbox.zst"
		spy := &readSpy{}
		req := httptest.NewRequest(http.MethodPatch, "/v1/segments/"+sha, spy)
		for k, v := range patchHeaders(name, 0, L) {
			req.Header.Set(k, v)
		}
		req.Header.Set("Spampots-Sensor", id)
		req.Header.Set("Authorization", "Bearer "+e.tokens[id])
		rec := httptest.NewRecorder()
		e.srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Header().Get("Spampots-Stored") != "true" || rec.Header().Get("Upload-Length") != strconv.FormatInt(L, 10) {
			t.Errorf("%s: duplicate PATCH: %d %v", id, rec.Code, rec.Header())
		}
		if spy.read {
			t.Errorf("%s: the duplicate's body was read", id)
		}
		resp := e.head(id, sha)
		wantStatus(t, id+" HEAD", resp, http.StatusOK)
		wantHeader(t, id+" HEAD", resp, "Spampots-Stored", "true")
	}
	e.checkStored("BR-01", sha, mboxName, "mbox", data) // the first sender's row
	if entries, _ := os.ReadDir(filepath.Join(e.archive, "incoming", "BR-02")); len(entries) != 0 {
		t.Errorf("BR-02's partial copy left behind: %v", entries)
	}
	if got := e.metric("spampots_collect_duplicates_total", "sensor", "BR-02"); got != 1 {
		t.Errorf("duplicates metric %v", got)
	}
}

func TestHeartbeat(t *testing.T) {
	e := newEnv(t)
	body := `{"sensor": "BR-01", "version": "0.1.0", "time": "2026-11-23T12:00:00Z", "uptime_s": 3600,
		"listeners": ["smtp=:25"], "ports": {"25": {"connections": 1500, "messages": 800, "bytes_in": 11000000}},
		"backlog_segments": 2, "quota_alarm": false, "future_field": {"x": 1}}`
	post := func(id, ct, body string) *http.Response {
		return e.request(http.MethodPost, "/v1/heartbeat", id, map[string]string{"Content-Type": ct}, strings.NewReader(body))
	}
	wantStatus(t, "heartbeat", post("BR-01", "application/json", body), http.StatusNoContent)
	for _, tt := range []struct {
		name, id, ct, body string
		want               int
	}{
		{"other sensor", "BR-02", "application/json", body, http.StatusForbidden},
		{"no sensor", "BR-01", "application/json", `{"version": "1"}`, http.StatusBadRequest},
		{"not JSON", "BR-01", "application/json", `{"sensor": "BR-01"`, http.StatusBadRequest},
		{"array", "BR-01", "application/json", `[1]`, http.StatusBadRequest},
		{"trailing", "BR-01", "application/json", `{"sensor": "BR-01"} {}`, http.StatusBadRequest},
		{"bad type", "BR-01", "application/json", `{"sensor": "BR-01", "uptime_s": "long"}`, http.StatusBadRequest},
		{"fraction", "BR-01", "application/json", `{"sensor": "BR-01", "messages": 1.5}`, http.StatusBadRequest},
		{"bad port", "BR-01", "application/json", `{"sensor": "BR-01", "ports": {"25": {"messages": "x"}}}`, http.StatusBadRequest},
		{"bad time", "BR-01", "application/json", `{"sensor": "BR-01", "time": "yesterday"}`, http.StatusBadRequest},
		{"not UTF-8", "BR-01", "application/json", "{\"sensor\": \"BR-01\", \"version\": \"\xff\"}", http.StatusBadRequest},
		{"content type", "BR-01", "text/plain", body, http.StatusUnsupportedMediaType},
		{"too large", "BR-01", "application/json", `{"sensor": "BR-01", "version": "` + strings.Repeat("x", 64<<10) + `"}`, http.StatusRequestEntityTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) { wantStatus(t, tt.name, post(tt.id, tt.ct, tt.body), tt.want) })
	}
	wantStatus(t, "charset", post("BR-02", "application/json; charset=utf-8", `{"sensor":"BR-02"}`), http.StatusNoContent)

	hs, err := e.st.LastHeartbeats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 2 || hs[0].SensorID != "BR-01" || string(hs[0].Body) != body || !hs[0].ReceivedAt.Equal(t0) || string(hs[1].Body) != `{"sensor":"BR-02"}` {
		t.Fatalf("last heartbeats %+v", hs)
	}
	if got := e.metric("spampots_collect_last_heartbeat_timestamp_seconds", "sensor", "BR-01"); got != float64(t0.UnixNano())/1e9 {
		t.Errorf("last heartbeat metric %v", got)
	}
	if got := e.metric("spampots_collect_heartbeats_total", "sensor", "BR-01"); got != 1 {
		t.Errorf("heartbeats metric %v", got)
	}
}

func TestNewRejects(t *testing.T) {
	_, err := New(Config{Sensors: []SensorConf{{ID: "bad id", TokenSHA256: "x"}, {ID: "bad id"}}})
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, want := range []string{"archive", "store", "sensor id", "token_sha256", "duplicate"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not report %q: %v", want, err)
		}
	}
}
