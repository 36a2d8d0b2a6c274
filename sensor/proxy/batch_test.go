package proxy

import (
	"net/netip"
	"slices"
	"testing"
)

func TestBatchActions(t *testing.T) {
	cred := &Credential{Mech: "basic", User: "u"}
	req := &HTTPRequest{Method: "GET"}
	target := Target{IP: netip.MustParseAddr("192.0.2.1"), Port: 25}
	tests := []struct {
		name  string
		b     Batch
		kinds []Kind
	}{
		{"nothing", Batch{Out: []byte{}}, nil},
		{"everything, in order", Batch{Close: true, Connect: true, Target: target, Proto: SOCKS5, Out: []byte("x"), Req: req, Cred: cred}, []Kind{Auth, Request, Write, Connect, Close}},
		{"reply and close", Batch{Out: []byte("x"), Close: true}, []Kind{Write, Close}},
		{"hand-over without a reply", Batch{Cred: cred, Connect: true, Target: target, Proto: HTTP}, []Kind{Auth, Connect}},
	}
	var buf []Action
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf = append(buf, Action{Kind: Close}) // left over from a call before
			acts := tt.b.Actions(&buf)
			var kinds []Kind
			for _, a := range acts {
				kinds = append(kinds, a.Kind)
				switch a.Kind {
				case Auth:
					if a.Cred != cred {
						t.Errorf("Auth carries %v", a.Cred)
					}
				case Request:
					if a.Req != req {
						t.Errorf("Request carries %v", a.Req)
					}
				case Write:
					if string(a.Data) != "x" {
						t.Errorf("Write carries %q", a.Data)
					}
				case Connect:
					if a.Target != tt.b.Target || a.Proto != tt.b.Proto {
						t.Errorf("Connect to %v over %s", a.Target, a.Proto)
					}
				}
			}
			if !slices.Equal(kinds, tt.kinds) || (acts == nil) != (tt.kinds == nil) {
				t.Errorf("actions %v, want %v", acts, tt.kinds)
			}
			if len(buf) != len(tt.kinds) {
				t.Errorf("buffer holds %d actions, want the %d returned", len(buf), len(tt.kinds))
			}
		})
	}
}

func TestReuseOut(t *testing.T) {
	small := make([]byte, 10, 100)
	if got := ReuseOut(small); len(got) != 0 || cap(got) != 100 {
		t.Errorf("small buffer: len %d cap %d, want it kept, empty", len(got), cap(got))
	}
	if got := ReuseOut(make([]byte, 10, maxKeptOut+1)); got != nil {
		t.Errorf("big buffer kept: cap %d", cap(got))
	}
	if got := ReuseOut(nil); got != nil {
		t.Errorf("nil buffer: %v", got)
	}
}
