package socks

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spampots/spampots/sensor/internal/machinetest"
)

// TestGolden replays the C:/S: transcripts under testdata/golden through the
// machine (machinetest.Golden), in the byte notation of
// machinetest.ParseBytes: hex pairs ("05 01 00"), Go-quoted strings
// ("example.com"), either followed by *N to repeat it, and # comments.
// Besides machinetest's directives (!connect S5 example.com:25,
// !auth socks5-userpass "u" "p", !unconsumed <bytes>, !advance, !closed):
//
//	!local 198.51.100.7:1080      the sensor's address (before the first C:)
//	!config <Go struct fields>    e.g. MaxUserID=16 PreferUserPass=true (before the first C:)
//	!outcome connect              Summary().Outcome
//	!open                         the machine neither closed nor connected
func TestGolden(t *testing.T) {
	machinetest.Golden(t, func(t *testing.T) machinetest.Transcript {
		var cfg Config
		local := local4
		return machinetest.Transcript{
			Format: machinetest.Bytes,
			Setup: func(verb, arg string) (bool, error) {
				var err error
				switch verb {
				case "!local":
					local, err = netip.ParseAddrPort(arg)
				case "!config":
					err = setConfig(&cfg, arg)
				default:
					return false, nil
				}
				return true, err
			},
			Start: func() machinetest.Session { return session{newClient(t, &cfg, local)} },
		}
	})
}

// session adds the directives of SOCKS transcripts to the client's.
type session struct{ *client }

func (s session) Do(verb, arg string) error {
	switch verb {
	case "!outcome":
		if got := s.M.Summary().Outcome; got != arg {
			return fmt.Errorf("outcome %q, want %q", got, arg)
		}
	case "!open":
		if s.Closed || s.M.Closed() || s.Done() {
			return fmt.Errorf("closed %v (machine %v), connects %d; want open", s.Closed, s.M.Closed(), len(s.Connects))
		}
	default:
		return s.client.Do(verb, arg)
	}
	return nil
}

// setConfig sets Config fields from "Name=value" words.
func setConfig(c *Config, s string) error {
	for _, f := range strings.Fields(s) {
		name, val, _ := strings.Cut(f, "=")
		var err error
		switch name {
		case "MaxUserID":
			c.MaxUserID, err = strconv.Atoi(val)
		case "MaxUsername":
			c.MaxUsername, err = strconv.Atoi(val)
		case "MaxPassword":
			c.MaxPassword, err = strconv.Atoi(val)
		case "MaxDomain":
			c.MaxDomain, err = strconv.Atoi(val)
		case "HandshakeTimeout":
			c.HandshakeTimeout, err = time.ParseDuration(val)
		case "PreferUserPass":
			c.PreferUserPass, err = strconv.ParseBool(val)
		default:
			err = fmt.Errorf("unknown field %q", name)
		}
		if err != nil {
			return fmt.Errorf("config %s: %w", f, err)
		}
	}
	return nil
}
