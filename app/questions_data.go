package app

import (
	"bytes"
	"context"
	"io"
	"math/big"
	"slices"
	"sync"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/anonymize/dp"
	"github.com/medmarket/medmarket/marketplace"
)

// The data questions are answered over: a listing's blob, decrypted with
// its dataset key and parsed once, kept prepared (dp.Prepared, read-only
// and safe for concurrent answers) for the next questions. A release
// package gives its tables, the patient table first, linked by the
// patient key (each table's patient column, dp.Data.Patients); a single
// table is one table named singleTable, whose rows are its patients.

// maxPreparedDatasets is how many datasets stay prepared in memory; the
// least recently asked goes first.
const maxPreparedDatasets = 2

// singleTable names the one table of a listing that is not a release
// package, in questions.
const singleTable = "dataset"

// preparedCache holds the prepared datasets by content hash.
type preparedCache struct {
	mu      sync.Mutex
	entries []*preparedEntry // least recently used first
}

// preparedEntry is one dataset, ready once ready is closed.
type preparedEntry struct {
	content common.Hash
	ready   chan struct{}
	prep    *dp.Prepared
	err     error
}

// preparedData returns listing l's data prepared for questions, loading
// it once: concurrent first questions wait for the one load.
func (a *App) preparedData(ctx context.Context, l *marketplace.Listing) (*dp.Prepared, error) {
	c := &a.questions.data
	c.mu.Lock()
	i := slices.IndexFunc(c.entries, func(e *preparedEntry) bool { return e.content == l.ContentHash })
	var e *preparedEntry
	load := i < 0
	if load {
		e = &preparedEntry{content: l.ContentHash, ready: make(chan struct{})}
		if len(c.entries) >= maxPreparedDatasets {
			c.entries = c.entries[1:] // its waiters keep their pointer
		}
	} else {
		e = c.entries[i]
		c.entries = slices.Delete(c.entries, i, i+1)
	}
	c.entries = append(c.entries, e)
	c.mu.Unlock()
	if load {
		e.prep, e.err = a.loadQuestionData(ctx, l)
		if e.err != nil {
			c.mu.Lock()
			c.entries = slices.DeleteFunc(c.entries, func(x *preparedEntry) bool { return x == e })
			c.mu.Unlock()
		}
		close(e.ready)
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-e.ready:
		return e.prep, e.err
	}
}

// loadQuestionData prepares listing l's tables.
func (a *App) loadQuestionData(ctx context.Context, l *marketplace.Listing) (*dp.Prepared, error) {
	d, err := a.questionDataOf(ctx, l)
	if err != nil {
		return nil, err
	}
	prep, err := dp.Prepare(d)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINTERNAL, err, "The data of listing %d cannot be prepared for questions", l.ID)
	}
	a.log.Info("listing data prepared for questions", "listing", l.ID, "tables", len(d.Tables))
	return prep, nil
}

// questionDataOf decrypts listing l's blob with its dataset key and reads
// its tables.
func (a *App) questionDataOf(ctx context.Context, l *marketplace.Listing) (dp.Data, error) {
	pb := providerBackend{a}
	dk, err := pb.DatasetKey(ctx, l.ContentHash)
	if err != nil {
		return dp.Data{}, err
	}
	blob, _, err := pb.OpenBlob(ctx, l.ContentHash)
	if err != nil {
		return dp.Data{}, err
	}
	defer blob.Close()
	plain, err := dk.Decrypt(blob)
	if err != nil {
		return dp.Data{}, err
	}
	data, err := io.ReadAll(plain)
	if err != nil {
		return dp.Data{}, decryptErr(err)
	}
	d, err := questionData(data, l.Card)
	if err != nil {
		return dp.Data{}, marketplace.Wrap(marketplace.EINTERNAL, err, "The data of listing %d cannot be read for questions", l.ID)
	}
	return d, nil
}

// questionData reads a decrypted blob as the card describes it.
func questionData(data []byte, card *marketplace.DatasetCard) (dp.Data, error) {
	if card.Package == marketplace.PackageZIP {
		return releaseData(data)
	}
	t, err := readPublished(data, card.Format, card)
	if err != nil {
		return dp.Data{}, err
	}
	t.Name = singleTable
	t = withCardRoles(t, card.Columns)
	return dp.Data{Tables: []*anonymize.Table{t}, Default: singleTable, Clip: map[string]int64{singleTable: 1}}, nil
}

// releaseData reads a release package: its tables, the patient table the
// default, each patient counted once in it. Linked tables name their
// patient in their link column (the FHIR release's keys, which the
// manifest names only in words); tables of a release published without a
// publisher secret do not link to their patients, so their rows cannot be
// bounded per patient, and only the patient table is answered over.
func releaseData(data []byte) (dp.Data, error) {
	m, tables, err := anonymize.ReadReleaseZIP(bytes.NewReader(data), int64(len(data)), anonymize.ZIPLimits{})
	if err != nil {
		return dp.Data{}, err
	}
	d := dp.Data{Default: m.PatientTable, Patients: map[string]string{}, Clip: map[string]int64{m.PatientTable: 1}}
	rel, relErr := anonymize.NewFHIRRelease(tables)
	for _, t := range tables {
		switch {
		case t.Name == m.PatientTable:
			if m.Linked && relErr == nil && t.Column(rel.IDColumn) != nil {
				d.Patients[t.Name] = rel.IDColumn
			}
		case !m.Linked || relErr != nil || t.Column(rel.LinkColumn) == nil:
			continue
		default:
			d.Patients[t.Name] = rel.LinkColumn
		}
		d.Tables = append(d.Tables, t)
	}
	return d, nil
}

// withCardRoles gives t's columns the roles the card lists.
func withCardRoles(t *anonymize.Table, cols []marketplace.CardColumn) *anonymize.Table {
	out := make([]*anonymize.Column, len(t.Columns))
	for i, c := range t.Columns {
		n := *c
		for _, cc := range cols {
			if cc.Name == c.Name {
				_ = n.Role.UnmarshalText([]byte(cc.Role)) // an unknown role keeps the reader's
			}
		}
		out[i] = &n
	}
	return t.WithColumns(out)
}

// tablesOf is a dp schema in app's types.
func tablesOf(schema []dp.TableSchema) []QuestionTable {
	out := make([]QuestionTable, len(schema))
	for i, ts := range schema {
		out[i] = QuestionTable{Name: ts.Name, Default: ts.Default, PatientColumn: ts.PatientColumn, MaxRowsPerPatient: ts.MaxRowsPerPatient}
		for _, c := range ts.Columns {
			out[i].Columns = append(out[i].Columns, QuestionColumn{Name: c.Name, Type: c.Type, Numeric: c.Numeric, Listable: c.Listable})
		}
	}
	return out
}

// resultOf is a dp answer in app's type.
func resultOf(ans dp.Answer) QuestionResult {
	eps := ans.Epsilon
	if r, ok := new(big.Rat).SetString(eps); ok {
		eps = decimal(r)
	}
	r := QuestionResult{Question: ans.Question, Statistic: ans.Statistic, Epsilon: eps, Delta: ans.Delta,
		Mechanism: ans.Mechanism, MaxRowsPerPatient: ans.MaxRowsPerPatient, Notes: ans.Notes}
	for _, row := range ans.Rows {
		r.Rows = append(r.Rows, QuestionRow{Group: row.Group, Value: row.Value, Low: row.Low, High: row.High})
	}
	return r
}
