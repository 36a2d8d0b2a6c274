package report

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spampots/spampots/miner/mine"
)

// Output files written by WriteDir besides each figure's SVG and CSV.
const (
	HTMLFile      = "report.html"
	Table1File    = "table1.csv"
	FindingsFile  = "findings.csv"
	CampaignsFile = "campaigns.csv"
)

// Files returns the names of every file WriteDir writes, report.html last.
func Files() []string {
	out := []string{Table1File, FindingsFile, CampaignsFile}
	for _, fg := range figures() {
		out = append(out, fg.CSV, fg.SVG)
	}
	return append(out, HTMLFile)
}

// WriteDir writes the report into dir (created if needed): the tables as
// CSV, the figures as SVG and report.html, which links them. Each file is
// written to a temporary name and renamed into place. The output depends
// only on the Report: the same input gives the same bytes.
func (r *Report) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var errs []error
	put := func(name string, fn func(io.Writer) error) {
		if err := mine.WriteFile(filepath.Join(dir, name), fn); err != nil {
			errs = append(errs, fmt.Errorf("report: %s: %w", name, err))
		}
	}
	table := func(fill func(*Report, *csv.Writer)) func(io.Writer) error {
		return func(w io.Writer) error { return writeCSV(w, func(cw *csv.Writer) { fill(r, cw) }) }
	}
	put(Table1File, table(csvTable1))
	put(FindingsFile, table(csvFindings))
	put(CampaignsFile, table(csvCampaigns))
	figs := figures()
	for k := range figs {
		fg := &figs[k]
		fg.Reading = r.readings[fg.ID]
		put(fg.CSV, table(fg.csv))
		svg, err := fg.svg(r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		put(fg.SVG, func(w io.Writer) error { _, err := w.Write(svg); return err })
	}
	put(HTMLFile, func(w io.Writer) error { return r.writeHTML(w, figs) })
	return errors.Join(errs...)
}

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

type htmlRow struct{ Metric, Value, Paper string }

// writeHTML renders report.html: Table 1, then each figure with its
// caption, reading and files.
func (r *Report) writeHTML(w io.Writer, figs []figure) error {
	names := map[string]string{
		"messages": "Messages", "mean_messages_per_day": "Mean messages per day", "bytes": "Volume (bytes)",
		"unique_ips": "Unique IPs", "campaigns_before_merge": "Campaigns before the merge",
		"campaigns_after_merge": "Campaigns after the merge", "days": "Days",
		"undated_messages": "Undated messages", "messages_in_campaigns": "Messages in campaigns",
		"windows": "Windows", "first_message": "First message", "last_message": "Last message",
	}
	var rows []htmlRow
	for _, row := range table1Rows(r.Table1) {
		v := row.text
		if v == "" && !strings.HasSuffix(row.metric, "_message") {
			v = group(row.value)
		}
		p := row.paper
		if p != "" {
			pv, _ := strconv.ParseFloat(p, 64)
			p = group(pv)
		}
		rows = append(rows, htmlRow{names[row.metric], v, p})
	}
	var b bytes.Buffer
	err := htmlTemplate.Execute(&b, map[string]any{
		"Inputs":   r.Inputs,
		"Table1":   rows,
		"Reading":  r.readings["table1"],
		"Figures":  figs,
		"IATMax":   r.IATMax.Seconds(),
		"Cut":      r.Cut,
		"Files":    []string{Table1File, FindingsFile, CampaignsFile},
		"Findings": r.Findings,
	})
	if err != nil {
		return err
	}
	_, err = w.Write(b.Bytes())
	return err
}

// group writes v with thousands separators, and two decimals when it is
// not whole.
func group(v float64) string {
	s := strconv.FormatFloat(v, 'f', 0, 64)
	frac := ""
	if v != float64(int64(v)) {
		s = strconv.FormatFloat(v, 'f', 2, 64)
		s, frac, _ = strings.Cut(s, ".")
		frac = "." + frac
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for k := range len(s) {
		if k > 0 && (len(s)-k)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[k])
	}
	if neg {
		return "-" + string(out) + frac
	}
	return string(out) + frac
}
