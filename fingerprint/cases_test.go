package fingerprint

import (
	"fmt"
	"net/netip"
	"testing"
)

// synCase is a crafted SYN with what p0f 3.09b (Debian 3.09b-3, its own
// p0f.fp) logs for it. The expected values were taken from p0f's log and
// are re-checked against the installed p0f by TestP0fDifferential.
type synCase struct {
	name   string
	syn    syn
	os     string // Match.String(): p0f's os=/app= and dist= fields
	params string // p0f's params= field
	raw    string // p0f's raw_sig= field
}

// Option layouts of common stacks.
var (
	linuxOpts = func(mss uint16, ws uint8) []byte {
		return opts(oMSS(mss), oSOK(), oTS(0x00a1b2c3, 0), oNOP(), oWS(ws))
	}
	winOpts = func(mss uint16, ws uint8) []byte {
		return opts(oMSS(mss), oNOP(), oWS(ws), oNOP(), oNOP(), oSOK())
	}
	appleOpts = func(mss uint16, ws uint8) []byte {
		return opts(oMSS(mss), oNOP(), oWS(ws), oNOP(), oNOP(), oTS(0x4c3b2a19, 0), oSOK(), oEOL(0))
	}
)

func linux(mss, win uint16, ws uint8) syn {
	return syn{ttl: 64, df: true, id: 0x3b1c, win: win, seq: 0x1f2e3d4c, opts: linuxOpts(mss, ws)}
}

func windows(mss, win uint16, ws uint8) syn {
	return syn{ttl: 128, df: true, id: 0x6a21, win: win, seq: 0x9a8b7c6d, opts: winOpts(mss, ws)}
}

func apple(ws uint8) syn {
	return syn{ttl: 64, df: true, id: 0x0000 + 0x51, win: 65535, seq: 0x0badcafe, opts: appleOpts(1460, ws)}
}

func with(s syn, f func(*syn)) syn { f(&s); return s }

// synCases covers the stacks of the p0f.fp [tcp:request] section, TTL
// distances, fuzzy variations, every quirk and the unmatched cases.
var synCases = []synCase{
	// Linux.
	{name: "linux 3.11+", syn: linux(1460, 29200, 7),
		os: "os=Linux 3.11 and newer|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "linux 3.11+ ws10", syn: linux(1460, 29200, 10),
		os: "os=Linux 3.11 and newer|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*20,10:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "linux 3.11+ 12 hops", syn: with(linux(1460, 29200, 7), func(s *syn) { s.ttl = 52 }),
		os: "os=Linux 3.11 and newer|dist=12", params: "none",
		raw: "4:52+12:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "linux 3.11+ 35 hops", syn: with(linux(1460, 29200, 7), func(s *syn) { s.ttl = 29 }),
		os: "os=Linux 3.11 and newer|dist=35", params: "none",
		raw: "4:29+3:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "linux 3.11+ 36 hops fuzzy", syn: with(linux(1460, 29200, 7), func(s *syn) { s.ttl = 28 }),
		os: "os=Linux 3.11 and newer|dist=4", params: "fuzzy",
		raw: "4:28+4:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "linux 3.11+ ttl above 64 fuzzy", syn: with(linux(1460, 29200, 7), func(s *syn) { s.ttl = 100 }),
		os: "os=Linux 3.11 and newer|dist=28", params: "fuzzy",
		raw: "4:100+28:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "linux 3.11+ ttl 200", syn: with(linux(1460, 29200, 7), func(s *syn) { s.ttl = 200 }),
		os: "os=Linux 3.11 and newer|dist=55", params: "fuzzy excess_dist",
		raw: "4:200+?:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "linux 3.11+ no df fuzzy", syn: with(linux(1460, 29200, 7), func(s *syn) { s.df = false }),
		os: "os=Linux 3.11 and newer|dist=0", params: "fuzzy",
		raw: "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws::0",
	},
	{name: "linux 3.11+ no df id 0 fuzzy", syn: with(linux(1460, 29200, 7), func(s *syn) { s.df, s.id = false, 0 }),
		os: "os=Linux 3.11 and newer|dist=0", params: "fuzzy",
		raw: "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:id-:0",
	},
	{name: "linux 3.11+ df id 0 fuzzy", syn: with(linux(1460, 29200, 7), func(s *syn) { s.id = 0 }),
		os: "os=Linux 3.11 and newer|dist=0", params: "fuzzy",
		raw: "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df:0",
	},
	{name: "linux 3.11+ ecn fuzzy", syn: with(linux(1460, 29200, 7), func(s *syn) { s.flags = FlagSYN | FlagECE | FlagCWR }),
		os: "os=Linux 3.11 and newer|dist=0", params: "fuzzy",
		raw: "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+,ecn:0",
	},
	{name: "linux 3.11+ ect tos", syn: with(linux(1460, 29200, 7), func(s *syn) { s.tos = 0x02 }),
		os: "os=Linux 3.11 and newer|dist=0", params: "fuzzy",
		raw: "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+,ecn:0",
	},
	{name: "linux 3.11+ dscp", syn: with(linux(1460, 29200, 7), func(s *syn) { s.tos = 0x28 }),
		os: "os=Linux 3.11 and newer|dist=0", params: "tos:0x0a",
		raw: "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "linux 3.11+ vpn mss", syn: linux(1400, 29200, 7),
		os: "os=Linux 3.11 and newer|dist=0", params: "none",
		raw: "4:64+0:0:1400:mss*20,7:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "linux 3.11+ mss-12", syn: linux(1460, 28960, 7),
		os: "os=Linux 3.11 and newer|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "linux 3.11+ payload", syn: with(linux(1460, 29200, 7), func(s *syn) { s.payload = []byte("GET / HTTP/1.0\r\n\r\n") }),
		os: "os=???|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+:+",
	},
	{name: "linux 3.11+ ip options", syn: with(linux(1460, 29200, 7), func(s *syn) { s.ipOpts = []byte{1, 1, 1, 0} }),
		os: "os=???|dist=0", params: "none",
		raw: "4:64+0:4:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "linux 3.11+ ipv6 no flow", syn: with(linux(1440, 28800, 7), func(s *syn) { s.v6, s.df, s.id = true, false, 0 }),
		os: "os=Linux 3.11 and newer|dist=0", params: "none",
		raw: "6:64+0:0:1440:mss*20,7:mss,sok,ts,nop,ws::0",
	},
	{name: "linux 3.11+ ipv6 flow", syn: with(linux(1440, 28800, 7), func(s *syn) { s.v6, s.df, s.id, s.flow = true, false, 0, 0x5a5a5 }),
		os: "os=???|dist=0", params: "none",
		raw: "6:64+0:0:1440:mss*20,7:mss,sok,ts,nop,ws:flow:0",
	},
	{name: "linux 3.11+ ipv6 9 hops", syn: with(linux(1440, 28800, 7), func(s *syn) { s.v6, s.df, s.id, s.ttl = true, false, 0, 55 }),
		os: "os=Linux 3.11 and newer|dist=9", params: "none",
		raw: "6:55+9:0:1440:mss*20,7:mss,sok,ts,nop,ws::0",
	},
	{name: "linux 3.1-3.10", syn: linux(1460, 14600, 7),
		os: "os=Linux 3.1-3.10|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*10,7:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "linux 3.x generic", syn: linux(1460, 14600, 3),
		os: "os=Linux 3.x|dist=0", params: "generic",
		raw: "4:64+0:0:1460:mss*10,3:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "linux 2.6", syn: linux(1460, 5840, 6),
		os: "os=Linux 2.6.x|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*4,6:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "linux 2.4-2.6 generic", syn: linux(1460, 5840, 5),
		os: "os=Linux 2.4.x-2.6.x|dist=0", params: "generic",
		raw: "4:64+0:0:1460:mss*4,5:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "linux 2.2-3.x generic", syn: linux(1460, 65535, 7),
		os: "os=Linux 2.2.x-3.x|dist=0", params: "generic",
		raw: "4:64+0:0:1460:65535,7:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "linux loopback 3.x", syn: linux(16396, 32792, 4),
		os: "os=Linux 3.x (loopback)|dist=0", params: "none",
		raw: "4:64+0:0:16396:mss*2,4:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "linux modern loopback", syn: linux(65495, 65495, 7),
		os: "os=Linux 2.2.x-3.x|dist=0", params: "generic",
		raw: "4:64+0:0:65495:mss*1,7:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "android", syn: linux(1460, 64240, 1),
		os: "os=Linux (Android)|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*44,1:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "android 3 hops", syn: with(linux(1400, 61600, 3), func(s *syn) { s.ttl = 61 }),
		os: "os=Linux (Android)|dist=3", params: "none",
		raw: "4:61+3:0:1400:mss*44,3:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "linux no timestamps generic", syn: with(linux(1460, 29200, 7), func(s *syn) {
		s.opts = opts(oMSS(1460), oNOP(), oNOP(), oSOK(), oNOP(), oWS(7))
	}),
		os: "os=Linux 2.2.x-3.x (no timestamps)|dist=0", params: "generic",
		raw: "4:64+0:0:1460:mss*20,7:mss,nop,nop,sok,nop,ws:df,id+:0",
	},
	{name: "linux barebone generic", syn: with(linux(1460, 5840, 0), func(s *syn) { s.opts = oMSS(1460) }),
		os: "os=Linux 2.2.x-3.x (barebone)|dist=0", params: "generic",
		raw: "4:64+0:0:1460:mss*4,0:mss:df,id+:0",
	},
	{name: "google crawler", syn: with(linux(1430, 5720, 6), func(s *syn) { s.df = false }),
		os: "os=Linux 2.6.x (Google crawler)|dist=0", params: "none",
		raw: "4:64+0:0:1430:mss*4,6:mss,sok,ts,nop,ws::0",
	},

	// Windows.
	{name: "windows 7/8", syn: windows(1460, 8192, 8),
		os: "os=Windows 7 or 8|dist=0", params: "none",
		raw: "4:128+0:0:1460:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0",
	},
	{name: "windows 7/8 ipv6", syn: with(windows(1440, 8192, 8), func(s *syn) { s.v6, s.df, s.id = true, false, 0 }),
		os: "os=Windows 7 or 8|dist=0", params: "none",
		raw: "6:128+0:0:1440:8192,8:mss,nop,ws,nop,nop,sok::0",
	},
	{name: "windows 7/8 6 hops", syn: with(windows(1460, 8192, 8), func(s *syn) { s.ttl = 122 }),
		os: "os=Windows 7 or 8|dist=6", params: "none",
		raw: "4:122+6:0:1460:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0",
	},
	{name: "windows 7/8 no df id 0 fuzzy", syn: with(windows(1460, 8192, 8), func(s *syn) { s.df, s.id = false, 0 }),
		os: "os=Windows 7 or 8|dist=0", params: "fuzzy",
		raw: "4:128+0:0:1460:8192,8:mss,nop,ws,nop,nop,sok:id-:0",
	},
	{name: "windows 10", syn: windows(1460, 64240, 8),
		os: "os=Windows NT kernel|dist=0", params: "generic",
		raw: "4:128+0:0:1460:mss*44,8:mss,nop,ws,nop,nop,sok:df,id+:0",
	},
	{name: "windows 10 ipv6", syn: with(windows(1440, 64800, 8), func(s *syn) { s.v6, s.df, s.id = true, false, 0 }),
		os: "os=Windows NT kernel|dist=0", params: "generic",
		raw: "6:128+0:0:1440:mss*45,8:mss,nop,ws,nop,nop,sok::0",
	},
	{name: "windows xp", syn: with(windows(1460, 65535, 0), func(s *syn) { s.opts = opts(oMSS(1460), oNOP(), oNOP(), oSOK()) }),
		os: "os=Windows XP|dist=0", params: "none",
		raw: "4:128+0:0:1460:65535,0:mss,nop,nop,sok:df,id+:0",
	},
	{name: "windows xp 15 hops", syn: with(windows(1460, 16384, 0), func(s *syn) {
		s.ttl = 113
		s.opts = opts(oMSS(1460), oNOP(), oNOP(), oSOK())
	}),
		os: "os=Windows XP|dist=15", params: "none",
		raw: "4:113+15:0:1460:16384,0:mss,nop,nop,sok:df,id+:0",
	},
	{name: "windows nt 5.x generic", syn: windows(1460, 65535, 3),
		os: "os=Windows NT kernel 5.x|dist=0", params: "generic",
		raw: "4:128+0:0:1460:65535,3:mss,nop,ws,nop,nop,sok:df,id+:0",
	},

	// Apple.
	{name: "mac os x 10.x", syn: apple(3),
		os: "os=Mac OS X 10.x|dist=0", params: "none",
		raw: "4:64+0:0:1460:65535,3:mss,nop,ws,nop,nop,ts,sok,eol+1:df,id+:0",
	},
	{name: "mac os x 10.9+", syn: apple(4),
		os: "os=MacOS X 10.9 or newer (sometimes iPhone or iPad)|dist=0", params: "none",
		raw: "4:64+0:0:1460:65535,4:mss,nop,ws,nop,nop,ts,sok,eol+1:df,id+:0",
	},
	{name: "ios", syn: apple(2),
		os: "os=iOS iPhone or iPad|dist=0", params: "none",
		raw: "4:64+0:0:1460:65535,2:mss,nop,ws,nop,nop,ts,sok,eol+1:df,id+:0",
	},
	{name: "macos modern generic", syn: apple(6),
		os: "os=Mac OS X|dist=0", params: "generic",
		raw: "4:64+0:0:1460:65535,6:mss,nop,ws,nop,nop,ts,sok,eol+1:df,id+:0",
	},
	{name: "macos ipv6 flow", syn: with(apple(6), func(s *syn) { s.v6, s.df, s.id, s.flow = true, false, 0, 0x12345 }),
		os: "os=???|dist=0", params: "none",
		raw: "6:64+0:0:1460:65535,6:mss,nop,ws,nop,nop,ts,sok,eol+1:flow:0",
	},

	// BSD, Solaris and others.
	{name: "freebsd 9+", syn: syn{ttl: 64, df: true, id: 0x1d2e, win: 65535, seq: 0x11223344,
		opts: opts(oMSS(1460), oNOP(), oWS(6), oSOK(), oTS(0x11111111, 0))},
		os: "os=FreeBSD 9.x or newer|dist=0", params: "none",
		raw: "4:64+0:0:1460:65535,6:mss,nop,ws,sok,ts:df,id+:0",
	},
	{name: "freebsd 8", syn: syn{ttl: 64, df: true, id: 0x1d2e, win: 65535, seq: 0x11223344,
		opts: opts(oMSS(1460), oNOP(), oWS(3), oSOK(), oTS(0x11111111, 0))},
		os: "os=FreeBSD 8.x|dist=0", params: "none",
		raw: "4:64+0:0:1460:65535,3:mss,nop,ws,sok,ts:df,id+:0",
	},
	{name: "openbsd 4.x-5.x", syn: syn{ttl: 64, df: true, id: 0x7e7e, win: 16384, seq: 0x55667788,
		opts: opts(oMSS(1460), oNOP(), oNOP(), oSOK(), oNOP(), oWS(3), oNOP(), oNOP(), oTS(0x22222222, 0))},
		os: "os=OpenBSD 4.x-5.x|dist=0", params: "none",
		raw: "4:64+0:0:1460:16384,3:mss,nop,nop,sok,nop,ws,nop,nop,ts:df,id+:0",
	},
	{name: "openbsd 6 hops", syn: syn{ttl: 58, df: true, id: 0x7e7e, win: 16384, seq: 0x55667788,
		opts: opts(oMSS(1460), oNOP(), oNOP(), oSOK(), oNOP(), oWS(6), oNOP(), oNOP(), oTS(0x22222222, 0))},
		os: "os=???|dist=6", params: "none",
		raw: "4:58+6:0:1460:16384,6:mss,nop,nop,sok,nop,ws,nop,nop,ts:df,id+:0",
	},
	{name: "solaris 10", syn: syn{ttl: 64, df: true, id: 0x0101, win: 49640, seq: 0x01020304,
		opts: opts(oMSS(1460), oNOP(), oWS(0), oNOP(), oNOP(), oSOK())},
		os: "os=Solaris 10|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*34,0:mss,nop,ws,nop,nop,sok:df,id+:0",
	},
	{name: "solaris 8", syn: syn{ttl: 64, df: true, id: 0x0101, win: 32850, seq: 0x01020304,
		opts: opts(oNOP(), oWS(1), oNOP(), oNOP(), oTS(0x33333333, 0), oNOP(), oNOP(), oSOK(), oMSS(1460))},
		os: "os=Solaris 8|dist=0", params: "none",
		raw: "4:64+0:0:1460:32850,1:nop,ws,nop,nop,ts,nop,nop,sok,mss:df,id+:0",
	},
	{name: "openvms mtu*2", syn: syn{ttl: 128, id: 0x0042, win: 3000, seq: 0xdeadbeef,
		opts: opts(oMSS(1460), oNOP(), oWS(0))},
		os: "os=OpenVMS 8.x|dist=0", params: "none",
		raw: "4:128+0:0:1460:mtu*2,0:mss,nop,ws::0",
	},
	{name: "blackberry", syn: syn{ttl: 128, id: 0x0042, win: 65535, seq: 0xdeadbeef,
		opts: opts(oMSS(1452), oNOP(), oNOP(), oSOK(), oNOP(), oNOP(), oTS(0x44444444, 0))},
		os: "os=Blackberry|dist=0", params: "none",
		raw: "4:128+0:0:1452:65535,0:mss,nop,nop,sok,nop,nop,ts::0",
	},
	{name: "nintendo 3ds", syn: syn{ttl: 64, df: true, id: 0x0042, win: 32768, seq: 0xdeadbeef,
		opts: opts(oMSS(1360), oNOP(), oNOP(), oSOK())},
		os: "os=Nintendo 3DS|dist=0", params: "none",
		raw: "4:64+0:0:1360:32768,0:mss,nop,nop,sok:df,id+:0",
	},

	// Userland tools.
	{name: "nmap syn scan", syn: syn{ttl: 47, id: 0x3f00, win: 1024, seq: 0x7a6b5c4d, opts: oMSS(1460)},
		os: "app=NMap SYN scan|dist=<= 17", params: "random_ttl",
		raw: "4:47+17:0:1460:1024,0:mss::0",
	},
	{name: "nmap syn scan fuzzy", syn: syn{ttl: 47, id: 0x3f00, win: 1024, seq: 0x7a6b5c4d, tos: 0x01, opts: oMSS(1460)},
		os: "os=Linux 2.2.x-3.x (barebone)|dist=17", params: "generic fuzzy",
		raw: "4:47+17:0:1460:1024,0:mss:ecn:0",
	},
	{name: "nmap os detection", syn: syn{ttl: 50, id: 0x1234, win: 1, seq: 0x7a6b5c4d, ack: 0x01000000,
		opts: opts(oWS(10), oNOP(), oMSS(1460), oTS(0xffffffff, 0), oSOK())},
		os: "app=NMap OS detection|dist=<= 14", params: "random_ttl",
		raw: "4:50+14:0:1460:1,10:ws,nop,mss,ts,sok:ack+:0",
	},
	{name: "p0f-sendsyn probe", syn: syn{ttl: 192, id: 0x4242, win: 1337, seq: 0x01010101,
		opts: opts(oMSS(1331), oNOP(), oEOL(make([]byte, 18)...))},
		os: "app=p0f sendsyn utility|dist=0", params: "none",
		raw: "4:192+?:0:1331:1337,0:mss,nop,eol+18::0",
	},

	// Quirks, one at a time on an otherwise Linux 3.11+ SYN.
	{name: "quirk seq-", syn: with(linux(1460, 29200, 7), func(s *syn) { s.seq = 0 }),
		os: "os=???|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+,seq-:0",
	},
	{name: "quirk ack+", syn: with(linux(1460, 29200, 7), func(s *syn) { s.ack = 0x01000000 }),
		os: "os=???|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+,ack+:0",
	},
	{name: "quirk ack+ p0f misses", syn: with(linux(1460, 29200, 7), func(s *syn) { s.ack = 0x00000001 }),
		os: "os=Linux 3.11 and newer|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+:0",
	},
	{name: "quirk uptr+", syn: with(linux(1460, 29200, 7), func(s *syn) { s.urg = 7 }),
		os: "os=???|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+,uptr+:0",
	},
	{name: "quirk urgf+", syn: with(linux(1460, 29200, 7), func(s *syn) { s.flags = FlagSYN | FlagURG }),
		os: "os=???|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+,urgf+:0",
	},
	{name: "quirk pushf+", syn: with(linux(1460, 29200, 7), func(s *syn) { s.flags = FlagSYN | FlagPSH }),
		os: "os=???|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+,pushf+:0",
	},
	{name: "quirk ns ecn", syn: with(linux(1460, 29200, 7), func(s *syn) { s.ns = true }),
		os: "os=Linux 3.11 and newer|dist=0", params: "fuzzy",
		raw: "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+,ecn:0",
	},
	{name: "quirk 0+", syn: with(linux(1460, 29200, 7), func(s *syn) { s.mbz = true }),
		os: "os=???|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+,0+:0",
	},
	{name: "quirk ts1-", syn: with(linux(1460, 29200, 7), func(s *syn) {
		s.opts = opts(oMSS(1460), oSOK(), oTS(0, 0), oNOP(), oWS(7))
	}),
		os: "os=???|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+,ts1-:0",
	},
	{name: "quirk ts2+", syn: with(linux(1460, 29200, 7), func(s *syn) {
		s.opts = opts(oMSS(1460), oSOK(), oTS(5, 6), oNOP(), oWS(7))
	}),
		os: "os=???|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+,ts2+:0",
	},
	{name: "quirk exws", syn: linux(1460, 29200, 15),
		os: "os=???|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*20,15:mss,sok,ts,nop,ws:df,id+,exws:0",
	},
	{name: "quirk opt+", syn: with(apple(4), func(s *syn) {
		s.opts = opts(oMSS(1460), oNOP(), oWS(4), oNOP(), oNOP(), oTS(1, 0), oSOK(), oEOL(0, 7, 0, 0, 0))
	}),
		os: "os=???|dist=0", params: "none",
		raw: "4:64+0:0:1460:65535,4:mss,nop,ws,nop,nop,ts,sok,eol+5:df,id+,opt+:0",
	},
	{name: "quirk opt+ p0f misses last byte", syn: with(apple(4), func(s *syn) {
		s.opts = opts(oMSS(1460), oNOP(), oWS(4), oNOP(), oNOP(), oTS(1, 0), oSOK(), oEOL(9))
	}),
		os: "os=MacOS X 10.9 or newer (sometimes iPhone or iPad)|dist=0", params: "none",
		raw: "4:64+0:0:1460:65535,4:mss,nop,ws,nop,nop,ts,sok,eol+1:df,id+:0",
	},
	{name: "quirk bad mss length", syn: with(linux(1460, 29200, 7), func(s *syn) {
		s.opts = opts([]byte{2, 5, 5, 0xb4}, oSOK(), oTS(5, 0), oNOP(), oWS(7))
	}),
		os: "os=???|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+,bad:0",
	},
	{name: "quirk bad truncated ts", syn: with(linux(1460, 29200, 7), func(s *syn) {
		s.opts = opts(oMSS(1460), oSOK(), oNOP(), oNOP(), []byte{8, 10, 1, 2})
	}),
		os: "os=???|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*20,0:mss,sok,nop,nop,ts:df,id+,bad:0",
	},
	{name: "quirk bad 40 nops", syn: with(linux(1460, 29200, 7), func(s *syn) {
		s.opts = make([]byte, 40)
		for i := range s.opts {
			s.opts[i] = 1
		}
	}),
		os: "os=???|dist=0", params: "none",
		raw: "4:64+0:0:0:29200,0:nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop:df,id+,bad:0",
	},
	{name: "unknown option and sack", syn: with(linux(1460, 29200, 7), func(s *syn) {
		s.opts = opts(oMSS(1460), []byte{30, 4, 0x81, 0x00}, []byte{5, 10, 0, 0, 0, 1, 0, 0, 0, 2}, oNOP(), oNOP())
	}),
		os: "os=???|dist=0", params: "none",
		raw: "4:64+0:0:1460:mss*20,0:mss,?30,sack,nop,nop:df,id+:0",
	},
	{name: "no options", syn: syn{ttl: 64, id: 1, win: 512, seq: 1},
		os: "os=???|dist=0", params: "none",
		raw: "4:64+0:0:0:512,0:::0",
	},
	{name: "ttl 1", syn: with(linux(1460, 29200, 7), func(s *syn) { s.ttl = 1 }),
		os: "os=Linux 3.11 and newer|dist=31", params: "fuzzy",
		raw: "4:1+31:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+:0",
	},
}

// caseSources gives each case its own client address and port so that p0f
// sees each SYN as a new flow from a new host.
func caseSource(i int, v6 bool) (src, dst netip.AddrPort) {
	port := uint16(40000 + i)
	if v6 {
		return netip.AddrPortFrom(netip.MustParseAddr(fmt.Sprintf("2001:db8::%x", 0x1000+i)), port),
			netip.AddrPortFrom(netip.MustParseAddr("2001:db8::1"), 25)
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), port),
		netip.AddrPortFrom(netip.MustParseAddr("192.0.2.1"), 25)
}

// casePacket builds case i's IP packet.
func casePacket(tb testing.TB, i int) []byte {
	tb.Helper()
	s := synCases[i].syn
	s.src, s.dst = caseSource(i, s.v6)
	return s.build(tb)
}
