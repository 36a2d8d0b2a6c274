package socks

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spampots/spampots/sensor/proxy"
)

var (
	t0     = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	local4 = netip.MustParseAddrPort("198.51.100.7:1080")
	local6 = netip.MustParseAddrPort("[2001:db8::7]:1080")
)

// client plays the caller of a machine: it keeps what the machine left
// unconsumed, offers it again with more input, and records the actions.
type client struct {
	t        *testing.T
	m        *Machine
	now      time.Time
	pending  []byte
	consumed int
	out      bytes.Buffer
	creds    []proxy.Credential
	connects []proxy.Action
	closed   bool
}

func newClient(t *testing.T, cfg *Config, local netip.AddrPort) *client {
	c := &client{t: t, now: t0}
	var acts []proxy.Action
	c.m, acts = New(cfg, local, t0)
	if len(acts) != 0 {
		t.Fatalf("New returned actions %v", acts)
	}
	return c
}

// done reports whether the machine handed the connection over or closed it.
func (c *client) done() bool { return c.closed || len(c.connects) > 0 }

// apply records actions and checks their order: Auth first, at most one
// Write, then Connect or Close, nothing after the handshake ended.
func (c *client) apply(acts []proxy.Action) {
	c.t.Helper()
	if len(acts) > 0 && c.done() {
		c.t.Fatalf("actions %v after the handshake ended", acts)
	}
	writes := 0
	for i, a := range acts {
		switch a.Kind {
		case proxy.Auth:
			if i != 0 || a.Cred == nil {
				c.t.Fatalf("Auth action %d of %v", i, acts)
			}
			c.creds = append(c.creds, *a.Cred)
		case proxy.Write:
			writes++
			if writes > 1 || len(a.Data) == 0 {
				c.t.Fatalf("bad Write in %v", acts)
			}
			c.out.Write(a.Data)
		case proxy.Connect:
			if i != len(acts)-1 || i == 0 || acts[i-1].Kind != proxy.Write {
				c.t.Fatalf("Connect not last after a Write: %v", acts)
			}
			c.connects = append(c.connects, a)
		case proxy.Close:
			if i != len(acts)-1 {
				c.t.Fatalf("Close not last: %v", acts)
			}
			c.closed = true
		default:
			c.t.Fatalf("unexpected action %v", a)
		}
	}
}

// send feeds input until the machine consumes nothing more.
func (c *client) send(in []byte) {
	c.t.Helper()
	c.pending = append(c.pending, in...)
	for {
		wasDone := c.done()
		n, acts := c.m.Feed(c.pending, c.now)
		if n < 0 || n > len(c.pending) {
			c.t.Fatalf("consumed %d of %d", n, len(c.pending))
		}
		if wasDone && (n != 0 || acts != nil) {
			c.t.Fatalf("after the handshake ended Feed consumed %d, returned %v", n, acts)
		}
		c.consumed += n
		c.pending = c.pending[n:]
		c.apply(acts)
		if n == 0 || len(c.pending) == 0 {
			return
		}
	}
}

// sendChunks sends in in pieces of the given size (0: all at once).
func (c *client) sendChunks(in []byte, chunk int) {
	c.t.Helper()
	if chunk <= 0 {
		chunk = max(len(in), 1)
	}
	for len(in) > 0 {
		n := min(chunk, len(in))
		c.send(in[:n])
		in = in[n:]
	}
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func rep(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }

// parseBytes reads the byte notation of the golden transcripts: tokens
// separated by blanks, each a run of hex digit pairs ("05 01 00", "c0000201")
// or a Go-quoted string ("example.com", "\r\n"), optionally followed by *N to
// repeat it N times; "#" starts a comment to the end of the line.
func parseBytes(s string) ([]byte, error) {
	out := []byte{}
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" || s[0] == '#' {
			return out, nil
		}
		var tok []byte
		if s[0] == '"' {
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return nil, fmt.Errorf("bad string at %q: %w", s, err)
			}
			u, _ := strconv.Unquote(q)
			tok, s = []byte(u), s[len(q):]
		} else {
			end := strings.IndexAny(s, " \t*")
			if end < 0 {
				end = len(s)
			}
			b, err := hex.DecodeString(s[:end])
			if err != nil {
				return nil, fmt.Errorf("bad hex %q: %w", s[:end], err)
			}
			tok, s = b, s[end:]
		}
		times := 1
		if strings.HasPrefix(s, "*") {
			end := strings.IndexAny(s, " \t")
			if end < 0 {
				end = len(s)
			}
			n, err := strconv.Atoi(s[1:end])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("bad repeat %q", s[:end])
			}
			times, s = n, s[end:]
		}
		if s != "" && s[0] != ' ' && s[0] != '\t' {
			return nil, fmt.Errorf("no blank before %q", s)
		}
		out = append(out, bytes.Repeat(tok, times)...)
	}
}

// formatBytes writes b in the notation parseBytes reads: printable runs of
// 3 or more as quoted strings, the rest as hex pairs.
func formatBytes(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); {
		j := i
		for j < len(b) && b[j] >= 0x20 && b[j] < 0x7f {
			j++
		}
		if j-i >= 3 {
			if sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(strconv.Quote(string(b[i:j])))
			i = j
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%02x", b[i])
		i++
	}
	return sb.String()
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]string{
		`05 01 00`:                 "\x05\x01\x00",
		`c0000201 0019 # comment`:  "\xc0\x00\x02\x01\x00\x19",
		`0b "example.com" 00 19`:   "\x0bexample.com\x00\x19",
		`"a"*3 00*2 "\r\n"`:        "aaa\x00\x00\r\n",
		`"a b" 20`:                 "a b ",
		``:                         "",
		`   # only a comment "x" `: "",
	} {
		got, err := parseBytes(in)
		if err != nil || string(got) != want {
			t.Errorf("parseBytes(%q) = %q, %v; want %q", in, got, err, want)
		}
		if back, err := parseBytes(formatBytes(got)); err != nil || !bytes.Equal(back, got) {
			t.Errorf("formatBytes(%q) = %q does not parse back: %q, %v", got, formatBytes(got), back, err)
		}
	}
	for _, bad := range []string{`0`, `zz`, `"open`, `00*x`, `"a"00`} {
		if _, err := parseBytes(bad); err == nil {
			t.Errorf("parseBytes(%q): no error", bad)
		}
	}
}
