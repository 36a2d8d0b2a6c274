package afpacket

import (
	"fmt"

	"golang.org/x/net/bpf"
)

// What the filter returns: the bytes of a frame to keep.
const (
	snapAll     = 1 << 18 // whole frame (a SYN to record)
	snapCount   = 128     // the headers of a segment only counted: 14+8 link, ≤60 IPv4, 4 TCP
	pktOutgoing = 4       // PACKET_OUTGOING, <linux/if_packet.h>
)

// tcpFlagMask selects the flags that make a SYN p0f fingerprints.
const tcpFlagMask = 0x01 | 0x02 | 0x04 | 0x10 // FIN SYN RST ACK

// filter returns the classic BPF program for the AF_PACKET socket.
func filter(ports []uint16) ([]bpf.RawInstruction, error) {
	raw, err := bpf.Assemble(program(ports, true))
	if err != nil {
		return nil, fmt.Errorf("afpacket: filter: %w", err)
	}
	return raw, nil
}

// program keeps, of Ethernet frames with up to two VLAN tags carrying IPv4
// (not a non-first fragment) or IPv6 with TCP: the whole frame for a SYN to
// a watched port (any port when ports is empty), snapCount bytes of any
// other segment; and drops the rest. Reading past the frame's end drops it.
// With ingressOnly, it first drops the host's own outgoing frames, which XDP
// does not see (the x/net/bpf VM the tests use lacks that extension).
func program(ports []uint16, ingressOnly bool) []bpf.Instruction {
	var a asm
	if ingressOnly {
		a.emit(bpf.LoadExtension{Num: bpf.ExtType})
		a.jeq(pktOutgoing, "reject", "")
	}
	// Link layer: X = offset of the IP header, A = its EtherType.
	a.emit(bpf.LoadAbsolute{Off: 12, Size: 2})
	a.jeq(0x8100, "tag1", "")
	a.jeq(0x88a8, "tag1", "")
	a.emit(bpf.LoadConstant{Dst: bpf.RegX, Val: 14})
	a.ja("l3")
	a.label("tag1")
	a.emit(bpf.LoadAbsolute{Off: 16, Size: 2})
	a.jeq(0x8100, "tag2", "")
	a.jeq(0x88a8, "tag2", "")
	a.emit(bpf.LoadConstant{Dst: bpf.RegX, Val: 18})
	a.ja("l3")
	a.label("tag2")
	a.emit(bpf.LoadAbsolute{Off: 20, Size: 2})
	a.emit(bpf.LoadConstant{Dst: bpf.RegX, Val: 22})

	// Network layer, chosen by the version nibble as fingerprint.ParseIP
	// does: X = offset of the TCP header.
	a.label("l3")
	a.jeq(0x0800, "ip", "")
	a.jeq(0x86dd, "ip", "reject")
	a.label("ip")
	a.emit(bpf.LoadIndirect{Off: 0, Size: 1})
	a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 4})
	a.jeq(4, "", "v6")
	a.emit(bpf.LoadIndirect{Off: 9, Size: 1}) // protocol
	a.jeq(6, "", "reject")
	a.emit(bpf.LoadIndirect{Off: 6, Size: 2}) // flags, fragment offset
	a.jset(0x1fff, "reject", "")
	a.emit(bpf.LoadIndirect{Off: 0, Size: 1}) // IHL
	a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0x0f})
	a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpShiftLeft, Val: 2})
	a.emit(bpf.ALUOpX{Op: bpf.ALUOpAdd})
	a.emit(bpf.TAX{})
	a.ja("tcp")
	a.label("v6")
	a.jeq(6, "", "reject")
	a.emit(bpf.LoadIndirect{Off: 6, Size: 1}) // next header
	a.jeq(6, "", "reject")
	a.emit(bpf.TXA{})
	a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 40})
	a.emit(bpf.TAX{})

	// TCP: the destination port decides between recording and counting.
	a.label("tcp")
	a.emit(bpf.LoadIndirect{Off: 2, Size: 2})
	if len(ports) > 0 {
		for _, p := range ports {
			a.jeq(uint32(p), "syn", "")
		}
		a.ja("count")
	}
	// The flags byte may lie past a short frame's end, where loading it
	// would drop the frame uncounted.
	a.label("syn")
	a.emit(bpf.StoreScratch{Src: bpf.RegX, N: 0})
	a.emit(bpf.TXA{})
	a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 14})
	a.emit(bpf.TAX{})
	a.emit(bpf.LoadExtension{Num: bpf.ExtLen})
	a.jgex("", "count") // len >= TCP offset + 14
	a.emit(bpf.LoadScratch{Dst: bpf.RegX, N: 0})
	a.emit(bpf.LoadIndirect{Off: 13, Size: 1})
	a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: tcpFlagMask})
	a.jeq(0x02, "", "count")
	a.emit(bpf.RetConstant{Val: snapAll})
	a.label("count")
	a.emit(bpf.RetConstant{Val: snapCount})
	a.label("reject")
	a.emit(bpf.RetConstant{Val: 0})
	return a.assemble()
}

// asm builds a classic BPF program with named jump targets, defined before
// or after use; "" is the next instruction.
type asm struct {
	ins    []bpf.Instruction
	labels map[string]int
	fixups []fixup
}

type fixup struct {
	at      int
	yes, no string // targets if true, if false; yes only for bpf.Jump
}

func (a *asm) emit(i bpf.Instruction) { a.ins = append(a.ins, i) }

func (a *asm) label(name string) {
	if a.labels == nil {
		a.labels = map[string]int{}
	}
	a.labels[name] = len(a.ins)
}

func (a *asm) jeq(v uint32, yes, no string) {
	a.fixups = append(a.fixups, fixup{at: len(a.ins), yes: yes, no: no})
	a.emit(bpf.JumpIf{Cond: bpf.JumpEqual, Val: v})
}

func (a *asm) jset(v uint32, yes, no string) {
	a.fixups = append(a.fixups, fixup{at: len(a.ins), yes: yes, no: no})
	a.emit(bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: v})
}

// jgex jumps on A >= X.
func (a *asm) jgex(yes, no string) {
	a.fixups = append(a.fixups, fixup{at: len(a.ins), yes: yes, no: no})
	a.emit(bpf.JumpIfX{Cond: bpf.JumpGreaterOrEqual})
}

func (a *asm) ja(to string) {
	a.fixups = append(a.fixups, fixup{at: len(a.ins), yes: to})
	a.emit(bpf.Jump{})
}

// assemble resolves the jumps. A jump to an undefined label or too far for
// a conditional jump (255 instructions) is a bug in program: it panics.
func (a *asm) assemble() []bpf.Instruction {
	skip := func(from int, to string) uint32 {
		if to == "" {
			return 0
		}
		t, ok := a.labels[to]
		if !ok {
			panic("afpacket: filter jumps to undefined label " + to)
		}
		return uint32(t - from - 1)
	}
	for _, f := range a.fixups {
		switch i := a.ins[f.at].(type) {
		case bpf.Jump:
			i.Skip = skip(f.at, f.yes)
			a.ins[f.at] = i
		case bpf.JumpIf:
			yes, no := skip(f.at, f.yes), skip(f.at, f.no)
			if yes > 255 || no > 255 {
				panic("afpacket: filter jump too far")
			}
			i.SkipTrue, i.SkipFalse = uint8(yes), uint8(no)
			a.ins[f.at] = i
		case bpf.JumpIfX:
			yes, no := skip(f.at, f.yes), skip(f.at, f.no)
			if yes > 255 || no > 255 {
				panic("afpacket: filter jump too far")
			}
			i.SkipTrue, i.SkipFalse = uint8(yes), uint8(no)
			a.ins[f.at] = i
		}
	}
	return a.ins
}
