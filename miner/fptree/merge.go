package fptree

import (
	"encoding/binary"
	"slices"
)

// Part is one window's campaign inside a Merged campaign.
type Part struct {
	Window   int // index into Merge's windows
	Campaign int // index into windows[Window]
	Size     int
}

// Merged is the campaigns of several windows defined by the same set of
// items (section 2.3 of the paper).
type Merged struct {
	Items []Item // the defining set, sorted by id
	// Variants is the union of the parts' Variants, sorted by id: values
	// that vary inside the campaign (the variant rule).
	Variants []Item
	Size     int    // sum of the parts' sizes
	Parts    []Part // in window, then campaign order
}

// Merge groups the campaigns of all windows whose item sets are equal,
// whatever the order of their Items and whatever their Variants (a
// campaign's varying values may reach f_c on one day and not on another).
// Items must come from one Interner (see Reintern). Merged campaigns come
// in order of first appearance (window, then campaign index). The input is
// not modified.
func Merge(windows [][]Campaign) []Merged {
	var out []Merged
	idx := make(map[string]int)
	var set []Item
	var key []byte
	for w, camps := range windows {
		for c, cp := range camps {
			set = append(set[:0], cp.Items...)
			slices.Sort(set)
			set = slices.Compact(set)
			key = key[:0]
			for _, it := range set {
				key = binary.LittleEndian.AppendUint32(key, uint32(it))
			}
			i, ok := idx[string(key)]
			if !ok {
				i = len(out)
				idx[string(key)] = i
				out = append(out, Merged{Items: slices.Clone(set)})
			}
			if len(cp.Variants) > 0 {
				out[i].Variants = append(out[i].Variants, cp.Variants...)
				slices.Sort(out[i].Variants)
				out[i].Variants = slices.Compact(out[i].Variants)
			}
			out[i].Size += cp.Size
			out[i].Parts = append(out[i].Parts, Part{Window: w, Campaign: c, Size: cp.Size})
		}
	}
	return out
}
