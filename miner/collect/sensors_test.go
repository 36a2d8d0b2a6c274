package collect

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNewToken(t *testing.T) {
	tok, h := NewToken()
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) != 32 {
		t.Fatalf("token %q: %d bytes, %v", tok, len(raw), err)
	}
	sum := sha256.Sum256([]byte(tok))
	if h != hex.EncodeToString(sum[:]) || !validHash(h) {
		t.Errorf("hash %q", h)
	}
	if tok2, _ := NewToken(); tok2 == tok {
		t.Error("two equal tokens")
	}
}

func TestCertPin(t *testing.T) {
	// SHA-256 of "abc" (FIPS 180-2 B.1).
	if got := CertPin([]byte("abc")); got != "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("CertPin = %s", got)
	}
}

func TestLoadSensors(t *testing.T) {
	dir := t.TempDir()
	_, h1 := NewToken()
	_, h2 := NewToken()
	good := filepath.Join(dir, "good.toml")
	os.WriteFile(good, []byte("# sensors\n[[sensor]]\nid = \"BR-01\"\ntoken_sha256 = \""+h1+"\"\npartner = \"CERT.br\"\nlocation = \"São Paulo\"\n\n"+
		"[[sensor]]\nid = \"DE.02_x\"\ntoken_sha256 = \""+h2+"\"\n"), 0o600)
	got, err := LoadSensors(good)
	if err != nil {
		t.Fatal(err)
	}
	want := []SensorConf{{ID: "BR-01", TokenSHA256: h1, Partner: "CERT.br", Location: "São Paulo"}, {ID: "DE.02_x", TokenSHA256: h2}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %+v", got)
	}

	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte(`
[[sensor]]
id = "has space"
token_sha256 = "`+h1+`"
[[sensor]]
id = "BR-01"
token_sha256 = "`+strings.ToUpper(h1)+`"
[[sensor]]
id = "BR-01"
token_sha256 = "`+h2+`"
colour = "red"
[[sensor]]
id = "-dash-first"
token_sha256 = "`+h2[:63]+`"
[[sensor]]
id = "`+strings.Repeat("x", 33)+`"
token_sha256 = "`+h2+`"
`), 0o600)
	_, err = LoadSensors(bad)
	if err == nil {
		t.Fatal("bad file accepted")
	}
	for _, want := range []string{`"has space"`, "sensor #2: sensor \"BR-01\": token_sha256", "duplicate id \"BR-01\"", "unknown key \"sensor.colour\"", `"-dash-first"`, "sensor #4: sensor \"-dash-first\": token_sha256", "sensor #5"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not report %q:\n%v", want, err)
		}
	}

	if _, err := LoadSensors(filepath.Join(dir, "none.toml")); err == nil {
		t.Error("missing file accepted")
	}
	syntax := filepath.Join(dir, "syntax.toml")
	os.WriteFile(syntax, []byte("[[sensor]\n"), 0o600)
	if _, err := LoadSensors(syntax); err == nil {
		t.Error("bad TOML accepted")
	}
}

func TestAddSensor(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sensors.toml")
	_, h1 := NewToken()
	_, h2 := NewToken()
	if err := AddSensor(path, SensorConf{ID: "BR-01", TokenSHA256: h1, Partner: `CERT "br"`, Location: "São Paulo\nSP"}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("sensors file: %v, %v", fi, err)
	}
	// A hand-written comment survives the next addition.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("# keep me")
	f.Close()
	if err := AddSensor(path, SensorConf{ID: "BR-02", TokenSHA256: h2}); err != nil {
		t.Fatal(err)
	}
	if err := AddSensor(path, SensorConf{ID: "BR-01", TokenSHA256: h2}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate id: %v", err)
	}
	if err := AddSensor(path, SensorConf{ID: "bad id", TokenSHA256: h2}); err == nil {
		t.Error("bad id accepted")
	}
	got, err := LoadSensors(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Partner != `CERT "br"` || got[0].Location != "São Paulo\nSP" || got[1].ID != "BR-02" || got[1].TokenSHA256 != h2 {
		t.Errorf("got %+v", got)
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "# keep me") {
		t.Errorf("comment lost:\n%s", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v after rewrite", fi.Mode())
	}
}

func TestParseName(t *testing.T) {
	for _, tt := range []struct {
		sensor, name, kind string
	}{
		{"BR-01", "BR-01-20261123T120000Z-000001.mbox.zst", "mbox"},
		{"BR-01", "BR-01-20261123T120000Z-1234567.events.jsonl.zst", "events"},
		{"a", "a-20261123T120000Z-000001.mbox.zst", "mbox"},
		{"BR-01", "BR-01-20261123T120000Z-000001.mbox", ""},
		{"BR-01", "BR-01-20261123T120000Z-00001.mbox.zst", ""},
		{"BR-01", "BR-0-20261123T120000Z-000001.mbox.zst", ""},
		{"BR-01", "XBR-01-20261123T120000Z-000001.mbox.zst", ""},
		{"BR-01", "../BR-01-20261123T120000Z-000001.mbox.zst", ""},
		{"BR-01", "BR-01-20261123T250000Z-000001.mbox.zst", ""},
		{"BR-01", "BR-01-20261123T120000Z-000001.mbox.zst\n", ""},
	} {
		kind, _, err := parseName(tt.sensor, tt.name)
		if kind != tt.kind || (err == nil) != (tt.kind != "") {
			t.Errorf("parseName(%q, %q) = %q, %v", tt.sensor, tt.name, kind, err)
		}
	}
}
