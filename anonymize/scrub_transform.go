package anonymize

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// ScrubNotes is the built-in scrubber as a transform: it replaces the PHI
// in free-text columns (see Scrubber) and declares itself a scrubber, so
// the policy gate lets the columns it processed through. Dates in the text
// move by the patient's DateShift offset (same secret, patient column and
// max_days as a date-shift step, so a note's dates move with the patient's
// other dates); without a patient column they become [DATE] tags.
type ScrubNotes struct {
	// Columns to scrub; empty means every column whose contents are free
	// text (FreeTextSample).
	Columns []string `json:"columns,omitempty" yaml:"columns,omitempty"`
	// PatientColumn holds the patient identifier that keys date shifts;
	// empty: dates are tagged, not shifted.
	PatientColumn string `json:"patient_column,omitempty" yaml:"patient_column,omitempty"`
	// MaxDays bounds the date shift as DateShift's does (default 365).
	MaxDays    int    `json:"max_days,omitempty" yaml:"max_days,omitempty"`
	Secret     []byte `json:"-" yaml:"-"`
	SecretText string `json:"secret,omitempty" yaml:"secret,omitempty"`
}

// ScrubNotesName is the name of the built-in scrubber transform.
const ScrubNotesName = "scrub-notes"

// Describe implements Transform.
func (s *ScrubNotes) Describe() Descriptor {
	return Descriptor{Name: ScrubNotesName, Version: Version, Scope: ScopeRow, Scrubber: true,
		Summary: "replace names, dates, numbers and places in free-text notes with typed tags; shift parsable dates by the patient's offset"}
}

// shifter returns the date shift of the step, nil when dates are tagged.
func (s *ScrubNotes) shifter() (*DateShift, error) {
	if s.PatientColumn == "" {
		return nil, nil
	}
	d := &DateShift{PatientColumn: s.PatientColumn, MaxDays: s.MaxDays, Secret: s.Secret, SecretText: s.SecretText}
	if err := d.Validate(); err != nil {
		return nil, invalidf("%s: %v", ScrubNotesName, err)
	}
	return d, nil
}

// Apply implements Transform.
func (s *ScrubNotes) Apply(ctx context.Context, t *Table) (*Table, error) {
	out, _, err := s.Scrub(ctx, t)
	return out, err
}

// Scrub is Apply that also returns what was replaced, by PHI type.
func (s *ScrubNotes) Scrub(ctx context.Context, t *Table) (*Table, ScrubCounts, error) {
	out, byColumn, err := s.applyCounted(ctx, t)
	if err != nil {
		return nil, nil, err
	}
	counts := ScrubCounts{}
	for _, c := range byColumn {
		counts.Add(c)
	}
	return out, counts, nil
}

// applyCounted implements scrubCounter: Apply, and what was replaced in
// each column, by PHI type.
func (s *ScrubNotes) applyCounted(ctx context.Context, t *Table) (*Table, map[string]ScrubCounts, error) {
	shift, err := s.shifter()
	if err != nil {
		return nil, nil, err
	}
	var pc *Column
	if shift != nil {
		if pc = t.Column(s.PatientColumn); pc == nil {
			return nil, nil, invalidf("%s: no patient column %q", ScrubNotesName, s.PatientColumn)
		}
	}
	sc, err := NewScrubber()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", ScrubNotesName, err)
	}
	names, err := s.targets(t)
	if err != nil {
		return nil, nil, err
	}
	counts := map[string]ScrubCounts{}
	out := t
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		i := out.Index(name)
		n, c := scrubColumn(sc, out.Columns[i], pc, shift)
		if counts[name] == nil {
			counts[name] = ScrubCounts{}
		}
		counts[name].Add(c)
		out = out.Replace(i, n.note(ScrubNotesName))
	}
	return out, counts, nil
}

// targets returns the columns to scrub.
func (s *ScrubNotes) targets(t *Table) ([]string, error) {
	if len(s.Columns) == 0 {
		var names []string
		for _, c := range t.Columns {
			if ok, _ := FreeTextSample(SampleOf(c)); ok {
				names = append(names, c.Name)
			}
		}
		return names, nil
	}
	for _, name := range s.Columns {
		if t.Column(name) == nil {
			return nil, invalidf("%s: no column %q", ScrubNotesName, name)
		}
	}
	return s.Columns, nil
}

// scrubColumn scrubs every value of c, each with its row's patient shift
// (pc and shift nil: no shift). Equal values of one patient are scrubbed
// once, the distinct ones side by side (scrubEach).
func scrubColumn(sc *Scrubber, c, pc *Column, shift *DateShift) (*Column, ScrubCounts) {
	type key struct {
		code    uint32
		patient uint32
	}
	index := map[key]int{} // distinct (value, patient) -> position in texts
	var texts []string
	var days []int
	shifts := map[uint32]int{}
	at := make([]int, len(c.Codes))
	for r, code := range c.Codes {
		k := key{code: code}
		d := 0
		if pc != nil {
			k.patient = pc.Codes[r]
			var ok bool
			if d, ok = shifts[k.patient]; !ok {
				d = shift.Shift(pc.Dict[k.patient])
				shifts[k.patient] = d
			}
		}
		i, ok := index[k]
		if !ok {
			i = len(texts)
			index[k] = i
			texts, days = append(texts, c.Dict[code]), append(days, d)
		}
		at[r] = i
	}
	scrubbed, per := scrubEach(sc, texts, days)
	counts := ScrubCounts{}
	b := NewColumnBuilder(c.Name, c.Type)
	for _, i := range at {
		counts.Add(per[i])
		b.Append(scrubbed[i])
	}
	n := c.withData(b.col.Dict, b.col.Codes)
	n.Hierarchy = nil
	return n, counts
}

// scrubEach scrubs texts[i] with its date shift days[i] (nil: none), one
// goroutine per processor: the scrubber keeps no state, and notes are
// the slowest values a release has.
func scrubEach(sc *Scrubber, texts []string, days []int) ([]string, []ScrubCounts) {
	out := make([]string, len(texts))
	counts := make([]ScrubCounts, len(texts))
	workers := min(runtime.GOMAXPROCS(0), max(len(texts)/8, 1))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(texts) {
					return
				}
				d := 0
				if days != nil {
					d = days[i]
				}
				out[i], counts[i] = sc.Scrub(texts[i], d)
			}
		}()
	}
	wg.Wait()
	return out, counts
}

// ApplyCounted applies t to tb and, when t is a built-in scrubber that
// counts (scrub-notes, or Safe Harbor scrubbing free text), also returns
// what it replaced in each column, by PHI type, as a pipeline's report
// counts it; nil counts for any other transform. A plugin serving a
// built-in in another process sends these counts back with its answer.
func ApplyCounted(ctx context.Context, t Transform, tb *Table) (*Table, map[string]ScrubCounts, error) {
	if sc, ok := t.(scrubCounter); ok {
		return sc.applyCounted(ctx, tb)
	}
	out, err := t.Apply(ctx, tb)
	return out, nil, err
}
