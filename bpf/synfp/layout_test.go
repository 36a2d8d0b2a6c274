//go:build linux && (386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64)

package synfp

import (
	"reflect"
	"testing"

	"github.com/spampots/spampots/fingerprint"
	"github.com/spampots/spampots/fingerprint/capture"
)

// TestLayout checks that the C structs of synfp.c, as bpf2go generated them
// from the object's BTF, have the layout of the Go types Lookup reads them
// into: field by field, the same offsets, sizes and kinds.
func TestLayout(t *testing.T) {
	for _, tc := range []struct {
		name string
		c, g any
	}{
		{"syn_record/fingerprint.Record", synfpSynRecord{}, fingerprint.Record{}},
		{"syn_bucket/synBucket", synfpSynBucket{}, synBucket{}},
		{"port_counters/capture.PortCounters", synfpPortCounters{}, capture.PortCounters{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, g := flatten(reflect.TypeOf(tc.c), 0), flatten(reflect.TypeOf(tc.g), 0)
			if len(c) != len(g) {
				t.Fatalf("C has %d fields, Go %d:\n C: %v\nGo: %v", len(c), len(g), c, g)
			}
			for i := range c {
				if c[i] != g[i] {
					t.Errorf("field %d: C %+v, Go %+v", i, c[i], g[i])
				}
			}
			if cs, gs := reflect.TypeOf(tc.c).Size(), reflect.TypeOf(tc.g).Size(); cs != gs {
				t.Errorf("size: C %d, Go %d", cs, gs)
			}
		})
	}
	if s := reflect.TypeOf(fingerprint.Record{}).Size(); s != 104 {
		t.Errorf("fingerprint.Record is %d bytes, want 104", s)
	}
}

type leaf struct {
	off, size uintptr
	kind      reflect.Kind
}

// flatten lists the scalar and array leaves of a struct type with their
// offsets, skipping zero-size marker fields (structs.HostLayout).
func flatten(t reflect.Type, base uintptr) []leaf {
	var out []leaf
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Size() == 0 {
			continue
		}
		if f.Type.Kind() == reflect.Struct {
			out = append(out, flatten(f.Type, base+f.Offset)...)
			continue
		}
		k := f.Type.Kind()
		if k == reflect.Array {
			k = f.Type.Elem().Kind()
		}
		out = append(out, leaf{base + f.Offset, f.Type.Size(), k})
	}
	return out
}
