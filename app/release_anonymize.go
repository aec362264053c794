package app

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

// releaseOf says whether Anonymize runs the tables as one release, and
// returns it: a FHIR input's tables with their Patient table (several
// tables, or one written as a .zip package); nil with true for a single
// other table written as a .zip (a one-table release).
func releaseOf(tables []*anonymize.Table, out string) (*anonymize.Release, bool) {
	rel, err := anonymize.NewFHIRRelease(tables)
	switch {
	case err == nil && (len(tables) > 1 || isZIP(out)):
		return rel, true
	case isZIP(out) && len(tables) == 1:
		return nil, true
	}
	return nil, false
}

func isZIP(path string) bool { return strings.EqualFold(filepath.Ext(path), ".zip") }

// anonymizeRelease runs pl on the input as one release
// (anonymize.Pipeline.RunRelease: keyed by req.Secret, the privacy model
// decided on patients) and writes, when its one verdict passes, the
// release package (req.Out ends in .zip) or one <table>.csv per table and
// manifest.json in the req.Out directory.
func anonymizeRelease(ctx context.Context, req AnonymizeRequest, pl *anonymize.Pipeline, rel *anonymize.Release, tables []*anonymize.Table) (*AnonymizeResult, error) {
	run := &releaseRun{input: tables}
	if rel == nil {
		if _, err := run.runOne(ctx, pl); err != nil {
			return nil, err
		}
	} else {
		var key *anonymize.ReleaseKey
		if len(req.Secret) > 0 {
			key = &anonymize.ReleaseKey{Secret: req.Secret}
		}
		rr, err := pl.RunRelease(ctx, rel, key)
		if err != nil {
			return nil, engineError("anonymize", err)
		}
		run.result = rr
	}
	rr := run.result
	// As for one table (Anonymize): a risk above the default threshold
	// alone does not stop a local write; publishing needs the acceptance.
	if v := rr.Verdict; !v.Pass && (v.Risk == nil || !v.Risk.Alone || !v.Risk.Default) {
		return nil, marketplace.Wrap(marketplace.EINVALID, anonymize.ErrPolicy,
			"The anonymized data fails the policy, nothing was written: %s", strings.Join(rr.Verdict.Reasons, "; "))
	}
	req.progress(AnonymizeProgress{Stage: "write"})
	outs, err := writeRelease(req, run)
	if err != nil {
		return nil, err
	}
	return &AnonymizeResult{Outputs: outs, Results: rr.Tables, Release: rr}, nil
}

// writeRelease writes a release's package, or its tables and manifest in
// a directory, and the report; all or nothing.
func writeRelease(req AnonymizeRequest, run *releaseRun) ([]string, error) {
	var o outputs
	tables := run.result.Release.Tables
	m := run.manifest(FormatCSV)
	if isZIP(req.Out) {
		err := o.write(req.Out, func(w io.Writer) error { return anonymize.WriteReleaseZIP(w, tables, m) })
		if err != nil {
			return o.fail(err)
		}
	} else {
		if err := os.MkdirAll(req.Out, 0o755); err != nil {
			return o.fail(marketplace.Errorf(marketplace.EINVALID, "--out: %v", err))
		}
		var err error
		if m.Tables, err = anonymize.DescribeTables(tables, m.Format); err != nil {
			return o.fail(engineError("release", err))
		}
		for i, t := range tables {
			if err := o.writeTable(filepath.Join(req.Out, m.Tables[i].File), t); err != nil {
				return o.fail(err)
			}
		}
		if err := o.writeJSON(filepath.Join(req.Out, anonymize.ManifestName), m); err != nil {
			return o.fail(err)
		}
	}
	if err := o.writeReport(req.Report, run.result.Tables); err != nil {
		return o.fail(err)
	}
	return o.commit()
}
