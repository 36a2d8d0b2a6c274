package collect

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/spampots/spampots/internal/durable"
)

// SensorConf is one [[sensor]] table of sensors.toml: a sensor allowed to
// ship, and the SHA-256 of its token.
type SensorConf struct {
	ID          string `toml:"id"`
	TokenSHA256 string `toml:"token_sha256"` // lower-case hex SHA-256 of the token text
	Partner     string `toml:"partner"`
	Location    string `toml:"location"`
}

// sensorsFile is the shape of sensors.toml.
type sensorsFile struct {
	Sensor []SensorConf `toml:"sensor"`
}

// idRE is the sensor id rule, the same as the sensor's (sensor/config.go).
var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`)

// ValidID reports whether id is a well-formed sensor id.
func ValidID(id string) bool { return idRE.MatchString(id) }

var hashRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// validHash reports whether s is a lower-case hex SHA-256.
func validHash(s string) bool { return hashRE.MatchString(s) }

// Validate reports every problem of c.
func (c SensorConf) Validate() error { return errors.Join(c.problems()...) }

func (c SensorConf) problems() []error {
	var errs []error
	if !ValidID(c.ID) {
		errs = append(errs, fmt.Errorf("sensor id %s: want 1-32 letters, digits, '.', '_' or '-', starting with a letter or digit", quote(c.ID)))
	}
	if !validHash(c.TokenSHA256) {
		errs = append(errs, fmt.Errorf("sensor %s: token_sha256 must be 64 lower-case hex digits", quote(c.ID)))
	}
	return errs
}

// LoadSensors reads a sensors.toml file of [[sensor]] tables and validates
// it, reporting every problem at once.
func LoadSensors(path string) ([]SensorConf, error) {
	var f sensorsFile
	md, err := toml.DecodeFile(path, &f)
	if err != nil {
		return nil, fmt.Errorf("sensors file: %w", err)
	}
	var errs []error
	for _, k := range md.Undecoded() {
		errs = append(errs, fmt.Errorf("%s: unknown key %q", path, k.String()))
	}
	seen := map[string]bool{}
	for i, s := range f.Sensor {
		for _, err := range s.problems() {
			errs = append(errs, fmt.Errorf("%s: sensor #%d: %w", path, i+1, err))
		}
		if seen[s.ID] {
			errs = append(errs, fmt.Errorf("%s: sensor #%d: duplicate id %s", path, i+1, quote(s.ID)))
		}
		seen[s.ID] = true
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return f.Sensor, nil
}

// AddSensor appends a [[sensor]] table for c to the sensors file at path,
// creating it (mode 0600) if needed. It refuses an invalid c and an id the
// file already holds. The file is replaced atomically (temporary file,
// fsync, rename, directory fsync); what it held before is kept verbatim.
func AddSensor(path string, c SensorConf) error {
	if err := c.Validate(); err != nil {
		return err
	}
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sensors file: %w", err)
	}
	if err == nil {
		have, err := LoadSensors(path)
		if err != nil {
			return err
		}
		for _, s := range have {
			if s.ID == c.ID {
				return fmt.Errorf("sensors file %s: sensor %s already exists", path, quote(c.ID))
			}
		}
	}
	var buf bytes.Buffer
	buf.Write(old)
	if len(old) > 0 {
		if old[len(old)-1] != '\n' {
			buf.WriteByte('\n')
		}
		buf.WriteByte('\n')
	}
	if err := toml.NewEncoder(&buf).Encode(sensorsFile{Sensor: []SensorConf{c}}); err != nil {
		return fmt.Errorf("sensors file: encoding: %w", err)
	}
	if err := durable.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("sensors file: %w", err)
	}
	return nil
}

// NewToken returns a new sensor token (32 random bytes, base64url without
// padding) and the lower-case hex SHA-256 of its text, which is what the
// collector keeps.
func NewToken() (token, sha256hex string) {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, tokenHash(token)
}

// tokenHash is the lower-case hex SHA-256 of a token's text.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CertPin returns the pin of a certificate, "sha256:" and the lower-case hex
// SHA-256 of its DER encoding, as a sensor's --collector-pin takes it.
func CertPin(certDER []byte) string {
	sum := sha256.Sum256(certDER)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// quote makes a sensor-provided string safe for a log line or an error
// message: Go-quoted (no control bytes, no invalid UTF-8) and cut at 64
// bytes.
func quote(s string) string {
	const limit = 64
	if len(s) > limit {
		return fmt.Sprintf("%q…", strings.ToValidUTF8(s[:limit], ""))
	}
	return fmt.Sprintf("%q", s)
}
