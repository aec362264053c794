package app

import (
	"context"
	"encoding/json"
	"io"

	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/trials"
)

// ImportTrialDesign reads a study design from the metadata of a CDISC ODM
// 1.3.2 file (trials.ParseODMDesign) and records it in trial ref's log as
// who; it returns the design and its version. A file it cannot read
// faithfully is refused (EINVALID, naming the element) and nothing is
// recorded.
func (a *App) ImportTrialDesign(ctx context.Context, who Actor, ref string, r io.Reader) (marketplace.StudyDesign, int, error) {
	d, err := trials.ParseODMDesign(r)
	if err != nil {
		return marketplace.StudyDesign{}, 0, err
	}
	n, err := a.saveTrialDesign(ctx, who, ref, d, marketplace.StepSource{Recorder: "odm", Ref: "ODM/Study[1]/MetaDataVersion[@OID=" + d.OID + "]"})
	return d, n, err
}

// SaveTrialDesign checks d (StudyDesign.Validate) and records it in trial
// ref's log as who: a study_design entry whose data is the design. It
// returns the design's version, the number of study_design entries up to
// and including it.
func (a *App) SaveTrialDesign(ctx context.Context, who Actor, ref string, d marketplace.StudyDesign) (int, error) {
	return a.saveTrialDesign(ctx, who, ref, d, marketplace.StepSource{})
}

func (a *App) saveTrialDesign(ctx context.Context, who Actor, ref string, d marketplace.StudyDesign, src marketplace.StepSource) (int, error) {
	if err := d.Validate(); err != nil {
		return 0, err
	}
	b, err := json.Marshal(d)
	if err != nil {
		return 0, marketplace.Wrap(marketplace.EINTERNAL, err, "encode study design %s", d.Name)
	}
	es, err := a.RecordTrialSteps(ctx, who, ref, []trials.StepInput{{Ref: "study design", Type: string(marketplace.StepStudyDesign), Data: b, Source: src}})
	if err != nil {
		return 0, err
	}
	// Counted after recording, so that a design saved at the same time by
	// someone else cannot give two entries the same version.
	all, err := a.TrialSteps(ctx, ref, trials.StepFilter{Type: marketplace.StepStudyDesign})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range all {
		if e.Index <= es[0].Index {
			n++
		}
	}
	return n, nil
}

// TrialDesign returns trial ref's study design in force, the latest
// study_design entry, and its version; ENOTFOUND when the trial has none.
func (a *App) TrialDesign(ctx context.Context, ref string) (marketplace.StudyDesign, int, error) {
	es, err := a.TrialSteps(ctx, ref, trials.StepFilter{Type: marketplace.StepStudyDesign})
	if err != nil {
		return marketplace.StudyDesign{}, 0, err
	}
	if len(es) == 0 {
		return marketplace.StudyDesign{}, 0, marketplace.Errorf(marketplace.ENOTFOUND, "Trial %s: no study design yet.", ref)
	}
	var d marketplace.StudyDesign
	last := es[len(es)-1]
	if err := json.Unmarshal(last.Step.Data, &d); err != nil {
		return marketplace.StudyDesign{}, 0, marketplace.Wrap(marketplace.EINTERNAL, err, "trial %s: study design of entry %d", ref, last.Index)
	}
	return d, len(es), nil
}

// ParseTrialImportFor reads a source file as ParseTrialImport does, then
// maps its steps onto trial ref's study design (trials.ApplyDesign): an
// odm file's forms, or a csv file mapped with form=FORMOID, land in the
// design's FormData shape, every value typed and range-checked. It
// appends nothing.
func (a *App) ParseTrialImportFor(ctx context.Context, ref, recorder string, r io.Reader, cfg trials.RecorderConfig) ([]trials.StepInput, error) {
	ins, err := a.ParseTrialImport(ctx, recorder, r, cfg)
	if err != nil {
		return nil, err
	}
	if recorder != "odm" && cfg["form"] == "" && cfg["event"] == "" {
		return ins, nil // nothing to map: no need to read the log
	}
	d, n, err := a.TrialDesign(ctx, ref)
	if err != nil && marketplace.ErrorCode(err) != marketplace.ENOTFOUND {
		return nil, err
	}
	if err := trials.ApplyDesign(recorder, cfg, ins, d, n); err != nil {
		return nil, err
	}
	return ins, nil
}
