package collect

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spampots/spampots/store"
)

// FuzzRequests sends the collector arbitrary uploads and heartbeats from an
// authenticated sensor: hostile header values, names, offsets, lengths and
// bodies. Invariants: no panic, a status the protocol names, and nothing
// ever in the archive whose bytes do not hash to its name.
func FuzzRequests(f *testing.F) {
	body := []byte("From x\nsegment bytes\n")
	sum := sha256.Sum256(body)
	good := hex.EncodeToString(sum[:])
	f.Add("PATCH", good, "BR-01-20261123T120000Z-000001.mbox.zst", "0", "21", "application/offset+octet-stream", body)
	f.Add("PATCH", good, "BR-01-20261123T120000Z-000001.mbox.zst", "5", "21", "application/offset+octet-stream", body[5:])
	f.Add("PATCH", good, "BR-02-20261123T120000Z-000001.mbox.zst", "0", "21", "application/offset+octet-stream", body)
	f.Add("PATCH", strings.Repeat("0", 64), "BR-01-x.mbox.zst", "-1", "99999999999999999999", "text/plain", []byte{0})
	f.Add("PATCH", good, "../../etc/passwd", "0", "21", "application/offset+octet-stream", body)
	f.Add("HEAD", good, "", "", "", "", []byte(nil))
	f.Add("POST", "heartbeat", "", "", "", "application/json", []byte(`{"sensor":"BR-01","time":"2026-11-23T12:00:00Z","ports":{"25":{"connections":1}}}`))
	f.Add("POST", "heartbeat", "", "", "", "application/json", []byte(`{"sensor":"BR-02"}`))
	f.Add("POST", "heartbeat", "", "", "", "application/json", []byte(`[1,2,{"sensor":`))
	// 301/307: ServeMux cleaning a path such as /v1/segments/. (the shipper follows no redirect).
	allowed := map[int]bool{200: true, 201: true, 204: true, 301: true, 307: true, 400: true, 401: true, 403: true, 404: true, 405: true,
		409: true, 413: true, 415: true, 422: true}

	archive := f.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(archive, "spampots.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	tok, h := NewToken()
	srv, err := New(Config{Archive: archive, Sensors: []SensorConf{{ID: "BR-01", TokenSHA256: h}, {ID: "BR-02", TokenSHA256: strings.Repeat("a", 64)}},
		MaxUpload: 1 << 16, Store: st})
	if err != nil {
		f.Fatal(err)
	}
	handler := srv.Handler()

	f.Fuzz(func(t *testing.T, method, target, name, offset, length, ctype string, body []byte) {
		path := "/v1/segments/" + target
		if target == "heartbeat" {
			path = "/v1/heartbeat"
		}
		if method != "HEAD" && method != "PATCH" && method != "POST" {
			method = "PATCH"
		}
		if !validURLPath(path) {
			return
		}
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Spampots-Sensor", "BR-01")
		for k, v := range map[string]string{"Spampots-Name": name, "Upload-Offset": offset, "Upload-Length": length, "Content-Type": ctype} {
			if v != "" && validHeader(v) {
				req.Header.Set(k, v)
			}
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if !allowed[rec.Code] {
			t.Fatalf("%s %s: status %d %q", method, path, rec.Code, rec.Body.String())
		}
		if rec.Code == http.StatusCreated {
			checkArchive(t, archive)
		}
	})
}

func validURLPath(p string) bool {
	for _, c := range p {
		if c <= ' ' || c == 0x7f || c == '%' || c == '?' || c == '#' || c > 0x7e {
			return false
		}
	}
	return true
}

func validHeader(v string) bool {
	for _, c := range []byte(v) {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// checkArchive: every archived file hashes to its name.
func checkArchive(t *testing.T, archive string) {
	filepath.Walk(archive, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(path, ".zst") || strings.Contains(path, "incoming") {
			return nil
		}
		b, _ := os.ReadFile(path)
		sum := sha256.Sum256(b)
		if !strings.HasPrefix(filepath.Base(path), hex.EncodeToString(sum[:])) {
			t.Fatalf("%s holds bytes hashing to %x", path, sum)
		}
		return nil
	})
}
