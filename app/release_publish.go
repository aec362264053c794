package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
)

// prepareRelease anonymizes the input as one release (or takes owner's
// release dry run req.Preview) and encodes the published package (a ZIP
// of one file per table plus manifest.json) and its card. The policy
// gate's failure is EINVALID with its reasons, each naming its table.
func (a *App) prepareRelease(ctx context.Context, owner common.Address, req *PublishRequest) (*prepared, error) {
	run, err := a.previewedRelease(owner, req)
	if err != nil {
		return nil, err
	}
	previewed := run != nil
	if !previewed {
		if run, err = a.runPublishRelease(ctx, req); err != nil {
			return nil, err
		}
	}
	rr := run.result
	// The gate works on a copy: the kept dry run stays as it was shown.
	gated := &anonymize.Result{Report: rr.Report, Verdict: rr.Verdict}
	if err := a.gate(gated, owner.Hex(), req.AcceptRisk); err != nil {
		return nil, err
	}
	format := req.Format
	if format == "" {
		format = FormatCSV
	}
	if format != FormatCSV && format != FormatParquet {
		return nil, marketplace.Errorf(marketplace.EINVALID, "Format %q unknown (want csv or parquet).", format)
	}
	var buf bytes.Buffer
	if err := anonymize.WriteReleaseZIP(&buf, rr.Release.Tables, run.manifest(format)); err != nil {
		return nil, fmt.Errorf("encode the release package: %w", err)
	}
	card, err := releaseCard(req, run, gated, format)
	if err != nil {
		return nil, err
	}
	described := releaseCardTables(rr.Release)
	if run.one {
		described = singleCardTable(rr.Release.Tables[0])
	}
	if err := a.describe(card, req, described); err != nil {
		return nil, err
	}
	enc, err := card.Encode()
	if err != nil {
		return nil, err
	}
	return &prepared{plain: buf.Bytes(), card: card, encoded: enc, report: gated.Report, verdict: gated.Verdict, previewed: previewed}, nil
}

// releaseCard is the dataset card of a release package: the patient table
// (or the one table) as its schema, every table with its rows, schema and
// treatments, and the patient-level report. The report and the tables'
// treatments together stay within marketplace.MaxCardReportBytes, or the
// publish is refused. gated is the report and verdict the gate let
// through (with the publisher's acceptance of the risk, if any).
func releaseCard(req *PublishRequest, run *releaseRun, gated *anonymize.Result, format string) (*marketplace.DatasetCard, error) {
	rr := run.result
	card := &marketplace.DatasetCard{
		Version: marketplace.CardVersion, Title: req.Title, Description: req.Description,
		Tags: nonNil(req.Tags), Publisher: req.Publisher, Rows: uint64(rr.Patients),
		DataTypes: nonNil(req.DataTypes), Format: format, TermsDetail: req.TermsDetail, Package: marketplace.PackageZIP,
		RiskAccepted: cardAcceptance(gated.Verdict),
	}
	main := rr.Tables[0]
	for _, r := range rr.Tables {
		if r.Table.Name == rr.Release.PatientTable {
			main = r
		}
		ct := marketplace.CardTable{Name: r.Table.Name, Rows: uint64(r.Table.NumRows()), Columns: cardColumns(r.Table)}
		for _, tr := range r.Report.Treatments {
			ct.Treatments = append(ct.Treatments, marketplace.CardTreatment{Column: tr.Column, Treatment: tr.Treatment, Loss: tr.Loss})
		}
		card.Tables = append(card.Tables, ct)
	}
	card.Columns = cardColumns(main.Table)
	rep, err := json.Marshal(gated.Report)
	if err != nil {
		return nil, fmt.Errorf("encode the anonymization report for the dataset card: %w", err)
	}
	tables, err := json.Marshal(card.Tables)
	if err != nil {
		return nil, fmt.Errorf("encode the tables for the dataset card: %w", err)
	}
	if n := len(rep) + len(tables); n > marketplace.MaxCardReportBytes {
		return nil, marketplace.Errorf(marketplace.EINVALID,
			"Publishing refused: the anonymization report and the tables' treatments are %d bytes, more than a dataset card holds (%d bytes); publish fewer columns.",
			n, marketplace.MaxCardReportBytes)
	}
	card.Report = rep
	if err := card.Validate(); err != nil {
		return nil, err
	}
	return card, nil
}

// cardColumns is t's schema as a card lists it.
func cardColumns(t *anonymize.Table) []marketplace.CardColumn {
	cols := make([]marketplace.CardColumn, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = marketplace.CardColumn{Name: c.Name, Type: c.Type.String(), Role: c.Role.String()}
	}
	return cols
}

// runPublishRelease reads the input and anonymizes it as one release with
// the publisher's choices: a config file for every table, or the preset
// with each table's roles; trusted plugins may take part.
func (a *App) runPublishRelease(ctx context.Context, req *PublishRequest) (*releaseRun, error) {
	cfg, env, err := req.pipelineConfig()
	if err != nil {
		return nil, err
	}
	if _, err := a.plugins.RegisterAnonymizers(); err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "Cannot read the plugin allow-list")
	}
	env.Transforms = a.plugins.Transforms()
	env.AsOf = a.asOf()
	tables, err := req.readTables()
	if err != nil {
		return nil, err
	}
	config := func(roles map[string]string) (*anonymize.Config, error) {
		if req.ConfigFile != "" {
			return cfg, nil
		}
		c, err := presetConfig(req.Preset, req.Privacy, roles)
		if err != nil || req.Policy == nil {
			return c, err
		}
		cc := *c
		cc.Policy = req.Policy
		return &cc, nil
	}
	return runRelease(ctx, tables, releaseSettings{config: config, tableRoles: req.TableRoles, env: env})
}
