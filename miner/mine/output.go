package mine

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Output file names in the out directory.
const (
	CampaignsFile   = "campaigns.jsonl"
	AssignmentsFile = "assignments.tsv"
	SummaryFile     = "summary.json"
)

// WriteDir writes campaigns.jsonl, assignments.tsv and summary.json into
// dir, creating it if needed. Each file is written to a temporary name and
// renamed into place.
func (r *Result) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return errors.Join(
		WriteFile(filepath.Join(dir, CampaignsFile), r.WriteCampaigns),
		WriteFile(filepath.Join(dir, AssignmentsFile), r.WriteAssignments),
		WriteFile(filepath.Join(dir, SummaryFile), r.WriteSummary),
	)
}

// WriteFile writes path whole through fn, buffered, by way of a temporary
// file renamed into place: a reader never sees half a file. (Outputs are
// rewritten from the inputs, so no fsync: internal/durable is for state.)
func WriteFile(path string, fn func(io.Writer) error) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	err = errors.Join(fn(bw), bw.Flush(), f.Close())
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// WriteCampaigns writes one JSON Campaign per line, by rank.
func (r *Result) WriteCampaigns(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range r.Campaigns {
		if err := enc.Encode(&r.Campaigns[i]); err != nil {
			return err
		}
	}
	return nil
}

var tsvEscape = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")

// WriteAssignments writes the header "input\tn\tcampaign" and one row per
// message in input order; campaign is empty for none. Tabs and line breaks
// in input names become spaces.
func (r *Result) WriteAssignments(w io.Writer) error {
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriter(w)
	}
	bw.WriteString("input\tn\tcampaign\n")
	names := make([]string, len(r.inputs))
	for i, n := range r.inputs {
		names[i] = tsvEscape.Replace(n)
	}
	var num []byte
	for g := range r.msgCamp {
		in := r.inputOf(g)
		bw.WriteString(names[in])
		bw.WriteByte('\t')
		num = strconv.AppendInt(num[:0], int64(g-r.inputStart[in]), 10)
		bw.Write(num)
		bw.WriteByte('\t')
		if c := r.msgCamp[g]; c >= 0 {
			bw.WriteString(r.Campaigns[c].ID)
		}
		if _, err := bw.WriteString("\n"); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteSummary writes the Summary as indented JSON.
func (r *Result) WriteSummary(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(&r.Summary)
}
