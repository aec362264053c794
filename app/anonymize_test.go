package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medmarket/medmarket/marketplace"
)

const previewCSV = `id,birthdate,gender,zip,condition
p1,1970-01-02,F,02139,diabetes
p2,1971-03-04,M,02139,asthma
p3,1972-05-06,F,02139,diabetes
p4,1973-07-08,M,02139,hypertension
p5,1974-09-10,F,02139,asthma
p6,1975-11-12,M,02139,diabetes
`

func TestPreviewAnonymization(t *testing.T) {
	var a *App // the use case needs no node state
	ctx := t.Context()
	p, err := a.PreviewAnonymization(ctx, PreviewRequest{Reader: strings.NewReader(previewCSV), Name: "patients.csv", Rows: 2})
	if err != nil {
		t.Fatal(err)
	}
	if p.Table != "patients" || p.NumRows != 6 || len(p.Rows) != 2 || len(p.Columns) != 5 || len(p.Suggestions) != 5 || p.Ran {
		t.Fatalf("preview: %+v", p)
	}
	roles := map[string]string{}
	for _, s := range p.Suggestions {
		roles[s.Column] = s.Role
	}
	if roles["id"] == "insensitive" || roles["birthdate"] != "quasi-identifier" {
		t.Errorf("suggested roles: %v", roles)
	}

	// A role equal to the suggestion is no override; a changed one is.
	p, err = a.PreviewAnonymization(ctx, PreviewRequest{Reader: strings.NewReader(previewCSV), Name: "patients.csv",
		Preset: "safe-harbor", Roles: map[string]string{"birthdate": roles["birthdate"], "condition": "insensitive"}})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Ran || p.Report == nil || p.Report.Rows == 0 {
		t.Fatalf("dry run: %+v", p)
	}
	if _, ok := p.Roles["birthdate"]; ok {
		t.Errorf("overrides keep the suggested role: %v", p.Roles)
	}
	if p.Roles["condition"] != "insensitive" {
		t.Errorf("overrides lack the changed role: %v", p.Roles)
	}

	for name, req := range map[string]PreviewRequest{
		"preset":  {Preset: "nope"},
		"role":    {Roles: map[string]string{"zip": "secret"}},
		"column":  {Roles: map[string]string{"nope": "quasi"}},
		"format":  {Format: "xml"},
		"no file": {Path: "/nonexistent/records.csv", Reader: nil},
	} {
		if name != "no file" {
			req.Reader, req.Name = strings.NewReader(previewCSV), "patients.csv"
		}
		if _, err := a.PreviewAnonymization(ctx, req); marketplace.ErrorCode(err) != marketplace.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
}

// A preview of a file reports the bytes read, up to the whole file, then
// each step of the preset in order.
func TestPreviewAnonymization_progress(t *testing.T) {
	var a *App
	path := filepath.Join(t.TempDir(), "patients.csv")
	// Enough rows for several read reports.
	var b strings.Builder
	b.WriteString(previewCSV)
	tail := previewCSV[strings.IndexByte(previewCSV, '\n')+1:]
	for b.Len() < 3*progressEvery {
		b.WriteString(tail)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var events []AnonymizeProgress
	_, err := a.PreviewAnonymization(t.Context(), PreviewRequest{Path: path, Preset: "safe-harbor-k5",
		Progress: func(p AnonymizeProgress) { events = append(events, p) }})
	if err != nil {
		t.Fatal(err)
	}
	var reads, steps int
	var last AnonymizeProgress
	for _, e := range events {
		switch e.Stage {
		case "read":
			if steps > 0 || e.Bytes < last.Bytes || e.Size != int64(b.Len()) {
				t.Fatalf("read event %+v after %+v", e, last)
			}
			reads++
		case "transform":
			if e.Step != steps+1 || e.Steps < 2 || e.Transform == "" {
				t.Fatalf("step event %+v after %d steps", e, steps)
			}
			steps++
		}
		last = e
	}
	if reads < 3 || events[reads-1].Bytes != int64(b.Len()) || steps != last.Steps {
		t.Fatalf("%d reads (last %+v), %d steps: %+v", reads, events[max(reads-1, 0)], steps, last)
	}
}
