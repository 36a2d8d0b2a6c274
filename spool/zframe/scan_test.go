package zframe

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// encode returns data as one zstd frame, as the segment writer makes them.
func encode(t testing.TB, data []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderCRC(true), zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(data, nil)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestScan(t *testing.T) {
	small := encode(t, []byte("hello, hello, hello\n"))
	random := make([]byte, 300<<10) // incompressible: several raw blocks
	rng := rand.NewChaCha8([32]byte{1})
	rng.Read(random)
	big := encode(t, random)
	zeros := encode(t, make([]byte, 200<<10))

	tests := []struct {
		name     string
		in       []byte
		wantEnds []int
		wantErr  error
	}{
		{"empty input", nil, nil, nil},
		{"one frame", small, []int{len(small)}, nil},
		{"frames of every kind", cat(small, big, zeros),
			[]int{len(small), len(small) + len(big), len(small) + len(big) + len(zeros)}, nil},
		{"skippable frame",
			cat(small, []byte{0x5A, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 'a', 'b', 'c'}, small),
			[]int{len(small), len(small) + 11, 2*len(small) + 11}, nil},
		{"hand-made frame: single segment, raw block, RLE block, checksum",
			[]byte{
				0x28, 0xB5, 0x2F, 0xFD, // magic
				0x24,                   // FHD: single segment, checksum, FCS 1 byte
				7,                      // Frame_Content_Size
				2 << 3, 0, 0, 'h', 'i', // raw block (type 0) of 2 bytes, not last
				5<<3 | 1<<1 | 1, 0, 0, '!', // last RLE block of 5 bytes: 1 byte on disk
				0xDE, 0xAD, 0xBE, 0xEF, // checksum (not verified by Scan)
			}, []int{19}, nil},
		{"hand-made frame: window descriptor, 4-byte dictionary id, 8-byte FCS",
			[]byte{
				0x28, 0xB5, 0x2F, 0xFD,
				0xC3,       // FHD: FCS 8 bytes, dictionary id 4 bytes, no checksum
				0x00,       // Window_Descriptor
				1, 2, 3, 4, // Dictionary_ID
				0, 0, 0, 0, 0, 0, 0, 0, // Frame_Content_Size
				0<<3 | 0<<1 | 1, 0, 0, // last raw block, empty
			}, []int{21}, nil},
		{"truncated magic", cat(small, small[:2]), []int{len(small)}, ErrTruncated},
		{"truncated block", cat(small, big[:len(big)/2]), []int{len(small)}, ErrTruncated},
		{"truncated checksum", cat(small, small[:len(small)-1]), []int{len(small)}, ErrTruncated},
		{"truncated skippable frame", cat(small, []byte{0x50, 0x2A, 0x4D, 0x18, 9, 0, 0, 0, 'a'}), []int{len(small)}, ErrTruncated},
		{"garbage after frames", cat(small, []byte("garbage")), []int{len(small)}, ErrMalformed},
		{"reserved bit", cat(small, []byte{0x28, 0xB5, 0x2F, 0xFD, 0x08, 0, 1, 0, 0}), []int{len(small)}, ErrMalformed},
		{"reserved block type", []byte{0x28, 0xB5, 0x2F, 0xFD, 0x20, 0, 3<<1 | 1, 0, 0}, nil, ErrMalformed},
		{"block over 128 KiB", []byte{0x28, 0xB5, 0x2F, 0xFD, 0x20, 0, 0x01, 0x08, 0x10}, nil, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ends, err := Scan(tt.in)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Errorf("Scan error %v, want %v", err, tt.wantErr)
			}
			if !equal(ends, tt.wantEnds) {
				t.Errorf("Scan ends %v, want %v", ends, tt.wantEnds)
			}
		})
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func FuzzScan(f *testing.F) {
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(64<<20))
	if err != nil {
		f.Fatal(err)
	}
	defer dec.Close()
	f.Add([]byte{})
	f.Add(encode(f, []byte("hello, hello, hello\n")))
	f.Add(cat(encode(f, bytes.Repeat([]byte("ab"), 1000)), encode(f, make([]byte, 200<<10))))
	f.Add([]byte{0x5A, 0x2A, 0x4D, 0x18, 1, 0, 0, 0, 'x'})
	f.Add([]byte{0x28, 0xB5, 0x2F, 0xFD, 0x24, 7, 2 << 3, 0, 0, 'h', 'i', 5<<3 | 1<<1 | 1, 0, 0, '!', 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		ends, err := Scan(b)
		prev := 0
		for _, e := range ends {
			if e <= prev || e > len(b) {
				t.Fatalf("ends %v not strictly increasing within %d bytes", ends, len(b))
			}
			prev = e
		}
		if err == nil && prev != len(b) {
			t.Fatalf("no error but last end %d != %d", prev, len(b))
		}
		if err != nil && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error %v is neither ErrTruncated nor ErrMalformed", err)
		}
		// Differential: what the decoder accepts in full, Scan delimits in full.
		if _, derr := dec.DecodeAll(b, nil); derr == nil && err != nil {
			t.Fatalf("decoder accepts the input, Scan says %v (ends %v, len %d)", err, ends, len(b))
		}
	})
}

func BenchmarkScan(b *testing.B) {
	data := bytes.Repeat([]byte("Subject: hello\r\n\r\nbody\r\n"), 1<<14)
	var in []byte
	for range 16 {
		in = append(in, encode(b, data)...)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := Scan(in); err != nil {
			b.Fatal(err)
		}
	}
}
