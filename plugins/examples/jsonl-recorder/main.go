// Command jsonl-recorder is an example third-party trial recorder plugin:
// it reads JSON lines, one step per line, with the fields of
// recorder.Step ({"type":"visit","subject":"S-001","data":{...},
// "meaning":"authored","actor":"dr.who","at":"2026-01-02T03:04:05Z"}).
// Blank lines and lines starting with # are skipped. Build it, trust it,
// import with it:
//
//	go build -o ~/.local/share/medmarket/plugins/jsonl ./plugins/examples/jsonl-recorder
//	medmarket plugins trust ~/.local/share/medmarket/plugins/jsonl
//	medmarket trial import TRIAL --as carol --recorder jsonl --in steps.jsonl
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/medmarket/medmarket/plugins/recorder"
	"github.com/medmarket/medmarket/plugins/sdk"
)

func main() { sdk.ServeRecorder(JSONLines{}) }

// JSONLines reads one step per JSON line.
type JSONLines struct{}

// Name implements recorder.Parser.
func (JSONLines) Name() string { return "jsonl" }

// Describe implements recorder.Describer.
func (JSONLines) Describe() recorder.Descriptor {
	return recorder.Descriptor{Name: "jsonl", Version: "1.0.0", Summary: "one step per JSON line",
		Formats: []string{"application/x-ndjson"}}
}

type line struct {
	recorder.Step
	Actor string     `json:"actor"`
	At    *time.Time `json:"at"`
}

// Parse implements recorder.Parser: every bad line is reported, by number.
func (JSONLines) Parse(ctx context.Context, r io.Reader, cfg recorder.Config) ([]recorder.Step, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var out []recorder.Step
	var errs recorder.InputErrors
	for n := 1; sc.Scan(); n++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 || b[0] == '#' {
			continue
		}
		ref := fmt.Sprintf("line %d", n)
		var l line
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			errs = append(errs, recorder.InputError{Ref: ref, Msg: err.Error()})
			continue
		}
		if l.Type == "" {
			l.Type = cfg["default_type"]
		}
		if l.Type == "" {
			errs = append(errs, recorder.InputError{Ref: ref, Msg: "type required"})
			continue
		}
		s := l.Step
		s.Ref = ref
		s.Source.Recorder, s.Source.Ref = "jsonl", ref
		if l.Actor != "" {
			s.Source.Actor = l.Actor
		}
		if l.At != nil {
			s.Source.At = l.At
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
