package mine

import "slices"

// msgRuns maps a window's message index to the message's global index. It
// holds runs of consecutive global indexes (8 bytes a run), not 4 bytes a
// message: a window's messages mostly come in runs (one run for a stream
// in time order), and a window interleaved message by message costs at
// most twice the plain slice.
type msgRuns struct {
	n     int32
	first []int32 // first[r]: window index of run r's first message
	g     []int32 // g[r]: that message's global index
}

func (m *msgRuns) add(g int32) {
	if r := len(m.g) - 1; r < 0 || m.g[r]+(m.n-m.first[r]) != g {
		m.first = append(m.first, m.n)
		m.g = append(m.g, g)
	}
	m.n++
}

func (m *msgRuns) len() int { return int(m.n) }

// at returns window message i's global index.
func (m *msgRuns) at(i int32) int32 {
	r, found := slices.BinarySearch(m.first, i)
	if !found {
		r--
	}
	return m.g[r] + i - m.first[r]
}

// optCol is a per-message column of ids, -1 for none, that holds nothing
// until its first id: X-Src-CC and X-Src-ASN, absent from every message
// not captured by a sensor.
type optCol struct {
	n   int
	ids []int32 // nil while every id added is -1
}

func (c *optCol) add(id int32) {
	if c.ids == nil {
		if id < 0 {
			c.n++
			return
		}
		c.ids = slices.Repeat([]int32{-1}, c.n)
	}
	c.ids = append(c.ids, id)
}

func (c *optCol) at(g int32) int32 {
	if c.ids == nil {
		return -1
	}
	return c.ids[g]
}
