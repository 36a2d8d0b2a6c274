package mine

import (
	"context"
	"fmt"
	"testing"
)

func TestMsgRuns(t *testing.T) {
	gs := []int32{0, 1, 2, 5, 6, 9, 11, 12, 13}
	var m msgRuns
	for _, g := range gs {
		m.add(g)
	}
	if m.len() != len(gs) || len(m.g) != 4 {
		t.Fatalf("len %d runs %d", m.len(), len(m.g))
	}
	for i, g := range gs {
		if got := m.at(int32(i)); got != g {
			t.Errorf("at(%d) = %d, want %d", i, got, g)
		}
	}
}

func TestOptCol(t *testing.T) {
	var c optCol
	for range 3 {
		c.add(-1)
	}
	if c.ids != nil || c.at(1) != -1 {
		t.Fatal("ids held before the first id")
	}
	c.add(7)
	c.add(-1)
	if got := fmt.Sprint(c.at(0), c.at(2), c.at(3), c.at(4)); got != "-1 -1 7 -1" {
		t.Errorf("got %s", got)
	}
}

// TestInputOf: an input without messages, first, in the middle and last,
// does not shift the others' message numbers.
func TestInputOf(t *testing.T) {
	one := []byte("From a@b Mon Jan  1 00:00:00 2007\nSubject: x\n\nhi\n\n")
	two := append(append([]byte{}, one...), one...)
	res, err := Run(context.Background(), Config{}, []Input{
		bytesInput("e0", nil), bytesInput("a", two), bytesInput("e1", nil), bytesInput("b", one), bytesInput("e2", nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for g := range res.Messages() {
		in, n, _ := res.Assignment(g)
		got = append(got, fmt.Sprintf("%s/%d", in, n))
	}
	if s := fmt.Sprint(got); s != "[a/0 a/1 b/0]" {
		t.Errorf("assignments %s", s)
	}
}
