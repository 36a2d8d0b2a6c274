package zframe

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Sentinel errors of Scan.
var (
	// ErrTruncated means the input ends inside a frame.
	ErrTruncated = errors.New("zframe: truncated frame")
	// ErrMalformed means the input holds something that is not a frame.
	ErrMalformed = errors.New("zframe: malformed frame")
)

const (
	// frameMagic starts a zstd frame (RFC 8878 §3.1.1).
	frameMagic = 0xFD2FB528
	// skippableMagic, with any low nibble, starts a skippable frame
	// (RFC 8878 §3.1.2).
	skippableMagic = 0x184D2A50
	skippableMask  = 0xFFFFFFF0

	// maxBlockSize is Block_Maximum_Size's upper bound, 128 KiB
	// (RFC 8878 §3.1.1.2.3).
	maxBlockSize = 128 << 10

	blockRaw        = 0
	blockRLE        = 1
	blockCompressed = 2
	blockReserved   = 3
)

// Scan walks the frames of b and returns the offset just past each complete
// frame, in increasing order. Skippable frames count as frames. If b does
// not end exactly at a frame boundary, Scan returns the ends found so far
// and an error wrapping ErrTruncated (the input stops inside a frame) or
// ErrMalformed (a header is invalid).
func Scan(b []byte) (ends []int, err error) {
	for off := 0; off < len(b); {
		n, err := frameLen(b[off:])
		if err != nil {
			return ends, fmt.Errorf("frame at offset %d: %w", off, err)
		}
		off += n
		ends = append(ends, off)
	}
	return ends, nil
}

// frameLen returns the length of the frame at the start of b.
func frameLen(b []byte) (int, error) {
	if len(b) < 4 {
		return 0, fmt.Errorf("%w: %d bytes of magic number", ErrTruncated, len(b))
	}
	magic := binary.LittleEndian.Uint32(b)
	if magic&skippableMask == skippableMagic {
		// RFC 8878 §3.1.2: Magic_Number, Frame_Size (4 bytes), User_Data.
		if len(b) < 8 {
			return 0, fmt.Errorf("%w: skippable frame header", ErrTruncated)
		}
		size := uint64(binary.LittleEndian.Uint32(b[4:]))
		if uint64(len(b)-8) < size {
			return 0, fmt.Errorf("%w: skippable frame of %d bytes", ErrTruncated, size)
		}
		return 8 + int(size), nil
	}
	if magic != frameMagic {
		return 0, fmt.Errorf("%w: magic number %#08x", ErrMalformed, magic)
	}

	// RFC 8878 §3.1.1.1: Frame_Header_Descriptor, then optional
	// Window_Descriptor, Dictionary_ID and Frame_Content_Size.
	off := 4
	if len(b) < off+1 {
		return 0, fmt.Errorf("%w: frame header", ErrTruncated)
	}
	fhd := b[off]
	off++
	if fhd&(1<<3) != 0 { // §3.1.1.1.1.4 Reserved_Bit
		return 0, fmt.Errorf("%w: reserved bit set in frame header descriptor", ErrMalformed)
	}
	singleSegment := fhd&(1<<5) != 0
	hasChecksum := fhd&(1<<2) != 0
	hdr := 0
	if !singleSegment {
		hdr++ // Window_Descriptor
	}
	hdr += [4]int{0, 1, 2, 4}[fhd&3] // Dictionary_ID
	switch fcs := fhd >> 6; {        // Frame_Content_Size
	case fcs != 0:
		hdr += 1 << fcs
	case singleSegment:
		hdr++
	}
	if len(b)-off < hdr {
		return 0, fmt.Errorf("%w: frame header", ErrTruncated)
	}
	off += hdr

	// RFC 8878 §3.1.1.2: blocks, each with a 3-byte little-endian header.
	for {
		if len(b)-off < 3 {
			return 0, fmt.Errorf("%w: block header", ErrTruncated)
		}
		h := uint32(b[off]) | uint32(b[off+1])<<8 | uint32(b[off+2])<<16
		off += 3
		last := h&1 != 0
		size := int(h >> 3)
		if size > maxBlockSize {
			return 0, fmt.Errorf("%w: block size %d over %d", ErrMalformed, size, maxBlockSize)
		}
		switch (h >> 1) & 3 {
		case blockRLE:
			size = 1 // one byte, repeated Block_Size times
		case blockReserved:
			return 0, fmt.Errorf("%w: reserved block type", ErrMalformed)
		}
		if len(b)-off < size {
			return 0, fmt.Errorf("%w: block of %d bytes", ErrTruncated, size)
		}
		off += size
		if last {
			break
		}
	}
	if hasChecksum { // §3.1.1: Content_Checksum, 4 bytes
		if len(b)-off < 4 {
			return 0, fmt.Errorf("%w: content checksum", ErrTruncated)
		}
		off += 4
	}
	return off, nil
}
