package httpproxy

import (
	"testing"

	"github.com/spampots/spampots/sensor/internal/machinetest"
)

// TestGolden replays the C:/S: transcripts under testdata/golden through a
// machine, one client connection per file, in machinetest's text notation
// with its directives (machinetest.Golden), e.g.:
//
//	!request GET http://a/ 200 0   the next recorded request
//	!auth basic "user" "pass"      the next recorded credential
//	!connect HTTP host:port        the machine handed the connection to this target
//	!unconsumed "EHLO x\r\n"       the bytes left for the destination after the Connect
func TestGolden(t *testing.T) {
	machinetest.Golden(t, func(t *testing.T) machinetest.Transcript {
		return machinetest.Transcript{
			Start: func() machinetest.Session { return newDriver(t, nil) },
		}
	})
}
