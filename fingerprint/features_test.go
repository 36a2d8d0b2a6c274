package fingerprint

import "testing"

// synWithOpts returns a SYN record (IPv4, DF, non-zero ID and seq) carrying
// the given raw TCP option bytes.
func synWithOpts(o []byte) Record {
	r := Record{IPVersion: 4, TTL: 64, IPFlags: IPFlagDF, IPID: 1, Seq: 1, TCPFlags: FlagSYN, Window: 1000}
	r.OptLen = uint8(copy(r.Opts[:], o))
	return r
}

func TestFeaturesOptions(t *testing.T) {
	tests := []struct {
		name   string
		opts   []byte
		layout string // as in a signature
		quirks Quirks
		mss    uint16
		ws     uint8
		ts1    uint32
	}{
		{"none", nil, "", 0, 0, 0, 0},
		{"linux", []byte{
			2, 4, 0x05, 0xb4, // mss 1460
			4, 2, // sok
			8, 10, 0, 0, 0, 7, 0, 0, 0, 0, // ts 7, 0
			1,       // nop
			3, 3, 7, // ws 7
		}, "mss,sok,ts,nop,ws", 0, 1460, 7, 7},
		{"eol padding", []byte{2, 4, 0x05, 0xb4, 0, 0, 0, 0}, "mss,eol+3", 0, 1460, 0, 0},
		{"eol at end", []byte{1, 1, 1, 0}, "nop,nop,nop,eol+0", 0, 0, 0, 0},
		{"eol non-zero padding", []byte{0, 0, 5, 0}, "eol+3", QuirkOptEOL, 0, 0, 0},
		{"eol non-zero last byte missed", []byte{0, 0, 0, 5}, "eol+3", 0, 0, 0, 0},
		{"eol non-zero first byte", []byte{0, 5, 0, 0}, "eol+3", QuirkOptEOL, 0, 0, 0},
		{"mss bad length", []byte{2, 5, 0x05, 0xb4}, "mss", QuirkOptBad, 1460, 0, 0},
		{"mss truncated", []byte{1, 2, 4, 5}, "nop,mss", QuirkOptBad, 0, 0, 0},
		{"ws 14", []byte{3, 3, 14, 1}, "ws,nop", 0, 0, 14, 0},
		{"ws 15", []byte{3, 3, 15, 1}, "ws,nop", QuirkExWS, 0, 15, 0},
		{"ws bad length", []byte{3, 2, 15, 1}, "ws,nop", QuirkExWS | QuirkOptBad, 0, 15, 0},
		{"ws truncated", []byte{1, 1, 1, 3}, "nop,nop,nop,ws", QuirkOptBad, 0, 0, 0},
		{"sok bad length", []byte{4, 3, 1, 1}, "sok,nop,nop", QuirkOptBad, 0, 0, 0},
		{"sok truncated", []byte{1, 1, 1, 4}, "nop,nop,nop,sok", QuirkOptBad, 0, 0, 0},
		{"sack", []byte{5, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1}, "sack,nop,nop", 0, 0, 0, 0},
		{"sack too short", []byte{5, 9, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1}, "sack", QuirkOptBad, 0, 0, 0},
		{"sack too long", []byte{5, 35, 0, 0}, "sack", QuirkOptBad, 0, 0, 0},
		{"sack past end", []byte{5, 13, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1}, "sack", QuirkOptBad, 0, 0, 0},
		{"sack no length", []byte{1, 1, 1, 5}, "nop,nop,nop,sack", QuirkOptBad, 0, 0, 0},
		{"ts zero", []byte{8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1}, "ts,nop,nop", QuirkZeroTS1, 0, 0, 0},
		{"ts2 non-zero", []byte{8, 10, 0, 0, 0, 9, 0, 0, 0, 1, 1, 1}, "ts,nop,nop", QuirkNZTS2, 0, 0, 9},
		{"ts bad length", []byte{8, 12, 0, 0, 0, 9, 0, 0, 0, 0, 1, 1}, "ts,nop,nop", QuirkOptBad, 0, 0, 9},
		{"ts truncated", []byte{8, 10, 0, 0, 0, 9, 0, 0}, "ts", QuirkOptBad, 0, 0, 0},
		{"unknown", []byte{30, 4, 1, 2}, "?30", 0, 0, 0, 0},
		{"unknown length 1", []byte{30, 1, 1, 2}, "?30", QuirkOptBad, 0, 0, 0},
		{"unknown length 41", []byte{30, 41, 1, 2}, "?30", QuirkOptBad, 0, 0, 0},
		{"unknown past end", []byte{30, 5, 1, 2}, "?30", QuirkOptBad, 0, 0, 0},
		{"unknown no length", []byte{1, 1, 1, 254}, "nop,nop,nop,?254", QuirkOptBad, 0, 0, 0},
		{"two mss, last wins", []byte{2, 4, 0, 200, 2, 4, 1, 0}, "mss,mss", 0, 256, 0, 0},
		{"24 options then more", []byte{
			1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, // 24 NOPs
			2, 4, 5, 0xb4,
		}, "nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop", QuirkOptBad, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := synWithOpts(tt.opts)
			f := r.Features()
			ip := QuirkDF | QuirkNZID
			if got := string(f.Layout.appendTo(nil, f.EOLPad)); got != tt.layout {
				t.Errorf("layout = %q, want %q", got, tt.layout)
			}
			if f.Quirks != tt.quirks|ip {
				t.Errorf("quirks = %q, want %q", f.Quirks, tt.quirks|ip)
			}
			if f.MSS != tt.mss || f.WScale != tt.ws || f.TS1 != tt.ts1 {
				t.Errorf("mss, ws, ts1 = %d, %d, %d; want %d, %d, %d", f.MSS, f.WScale, f.TS1, tt.mss, tt.ws, tt.ts1)
			}
			if int(f.TotalHdr) != 40+len(tt.opts) {
				t.Errorf("TotalHdr = %d", f.TotalHdr)
			}
		})
	}
}

func TestFeaturesQuirks(t *testing.T) {
	base := Record{IPVersion: 4, TTL: 64, IPID: 1, Seq: 1, TCPFlags: FlagSYN}
	tests := []struct {
		name string
		mod  func(r *Record)
		want Quirks
	}{
		{"plain", func(r *Record) {}, 0},
		{"df id", func(r *Record) { r.IPFlags = IPFlagDF }, QuirkDF | QuirkNZID},
		{"df id 0", func(r *Record) { r.IPFlags, r.IPID = IPFlagDF, 0 }, QuirkDF},
		{"id 0", func(r *Record) { r.IPID = 0 }, QuirkZeroID},
		{"mbz", func(r *Record) { r.IPFlags = IPFlagReserved }, QuirkNZMBZ},
		{"ect0", func(r *Record) { r.TOS = 0x02 }, QuirkECN},
		{"ce", func(r *Record) { r.TOS = 0x03 }, QuirkECN},
		{"dscp only", func(r *Record) { r.TOS = 0xb8 }, 0},
		{"ece", func(r *Record) { r.TCPFlags |= FlagECE }, QuirkECN},
		{"cwr", func(r *Record) { r.TCPFlags |= FlagCWR }, QuirkECN},
		{"ns", func(r *Record) { r.TCPRes = 1 }, QuirkECN},
		{"other reserved bits", func(r *Record) { r.TCPRes = 0x0e }, 0},
		{"seq 0", func(r *Record) { r.Seq = 0 }, QuirkZeroSeq},
		{"ack msb bit 0", func(r *Record) { r.Ack = 0x01000000 }, QuirkNZAck},
		{"ack 0xff000000", func(r *Record) { r.Ack = 0xff000000 }, QuirkNZAck},
		{"ack 1 (p0f misses)", func(r *Record) { r.Ack = 1 }, 0},
		{"ack 0xfe000000 (p0f misses)", func(r *Record) { r.Ack = 0xfeffffff }, 0},
		{"ack on rst", func(r *Record) { r.TCPFlags, r.Ack = FlagRST, 0x01000000 }, 0},
		{"ack flag zero ack", func(r *Record) { r.TCPFlags |= FlagACK }, QuirkZeroAck},
		{"ack flag with ack", func(r *Record) { r.TCPFlags, r.Ack = FlagSYN|FlagACK, 5 }, 0},
		{"urg", func(r *Record) { r.TCPFlags |= FlagURG; r.Urgent = 3 }, QuirkURG},
		{"urgent pointer", func(r *Record) { r.Urgent = 3 }, QuirkNZURG},
		{"push", func(r *Record) { r.TCPFlags |= FlagPSH }, QuirkPush},
		{"v6 flow", func(r *Record) { r.IPVersion, r.IPID, r.FlowLabel = 6, 0, 0x12345 }, QuirkFlow},
		{"v6 no flow", func(r *Record) { r.IPVersion, r.IPID = 6, 0 }, 0},
		{"v6 ecn", func(r *Record) { r.IPVersion, r.IPID, r.TOS = 6, 0, 0x01 }, QuirkECN},
		{"ts2 only on syn", func(r *Record) {
			r.TCPFlags = FlagSYN | FlagACK
			r.Ack = 1
			r.OptLen = uint8(copy(r.Opts[:], []byte{8, 10, 0, 0, 0, 9, 0, 0, 0, 1, 1, 1}))
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base
			tt.mod(&r)
			if got := r.Features().Quirks; got != tt.want {
				t.Errorf("quirks = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestQuirksString(t *testing.T) {
	all := Quirks(0)
	for _, n := range quirkNames {
		all |= n.q
	}
	want := "df,id+,id-,ecn,0+,flow,seq-,ack+,ack-,uptr+,urgf+,pushf+,ts1-,ts2+,opt+,exws,bad"
	if got := all.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := Quirks(0).String(); got != "" {
		t.Errorf("no quirks = %q", got)
	}
}

func TestSignatureSendSynEcho(t *testing.T) {
	// dump_sig prints a wildcard MSS for a SYN+ACK echoing p0f-sendsyn's.
	r := synWithOpts([]byte{2, 4, 0x05, 0x33}) // mss 1331
	r.TCPFlags, r.Ack = FlagSYN|FlagACK, 1
	if got, want := r.Signature(), "4:64+0:0:*:1000,0:mss:df,id+:0"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestAppendSignatureNoAlloc(t *testing.T) {
	var r Record
	if err := ParseIP(linuxSYN4, &r); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 128)
	if n := testing.AllocsPerRun(100, func() { buf = r.AppendSignature(buf[:0]) }); n != 0 {
		t.Errorf("AppendSignature allocates %v times", n)
	}
}
