package web

import (
	"testing"

	"github.com/spampots/spampots/sensor/internal/machinetest"
)

// TestGolden replays the C:/S: transcripts under testdata/golden through a
// machine, one connection per file, in machinetest's text notation with
// its directives (machinetest.Golden), and one of its own:
//
//	!host www.example.com:80     the host the proxy was asked for (before any input)
func TestGolden(t *testing.T) {
	machinetest.Golden(t, func(t *testing.T) machinetest.Transcript {
		host := "www.example.com"
		return machinetest.Transcript{
			Setup: func(verb, arg string) (bool, error) {
				if verb != "!host" {
					return false, nil
				}
				host = arg
				return true, nil
			},
			Start: func() machinetest.Session { return newDriver(t, nil, host) },
		}
	})
}
